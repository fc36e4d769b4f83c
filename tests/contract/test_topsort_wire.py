"""Topsort campaign-service wire contract: the requests and answers Topsort's API reference shows, held
against BOTH our client (through httpx.MockTransport, no sandbox) and our sandbox (over HTTP).

Sources (docs.topsort.com, API reference, Campaign API):
- ``api-reference/campaign-api/create-campaign``: ``POST /public/v1/campaign-service/campaigns?vendor_id=``,
  body with ``name``, ``campaignType``, ``bids[]`` of ``{"target": {"id": "p_8983", "type": "product"},
  "amount": 1, ...}``, ``budget: {"amount", "type"}``; the answer is the campaign model;
- ``api-reference/campaign-api/get-campaigns``: ``GET .../campaigns?vendor_id=&status=&offset=&limit=``
  answering ``{"campaigns": [..], "hasMore": bool, "next": {"offset": n, "limit": n}}``;
- ``api-reference/campaign-api/update-campaign-by-id`` (copied in /work/shared/vendor-docs/
  topsort-update-campaign.txt): ``PATCH .../campaigns/{campaign-id}``, the campaign model's fields, which
  are required (``campaignId`` ... ``bidCount``) and which optional;
- the errors page: an error is a JSON array of ``{"errCode", "docUrl", "message"}``; authentication is
  ``Authorization: Bearer <API key>``.
A fixture below is the documented shape; a client or sandbox that drifts from it fails here.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from wire_recording import run

from reconciler.errors import VendorError
from reconciler.model import Desired, Lifecycle, LiveState, Located, Operation
from reconciler.providers.base import AccountContext, Match
from reconciler.providers.topsort import rules
from reconciler.providers.topsort.client import PAGE, WAVE, TopsortSession
from reconciler.providers.topsort.fields import desired_fields, live_fields
from reconciler.providers.topsort.model import TopsortCampaign, TopsortSeed
from reconciler.providers.topsort.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore

KEY = secrets.token_hex(16)
VENDOR = "acme"
PREFIX = "/public/v1/campaign-service/campaigns"
CID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
REQUIRED_MODEL = {"campaignId", "marketplaceId", "name", "startDate", "endDate", "isActive", "isSmart",
                  "campaignType", "status", "createdAt", "chargeType", "externalVendorId", "adFormat",
                  "isAutoTrigger", "vendorId", "walletId", "bidCount"}
OPTIONAL_MODEL = {"budget", "statusUpdatedBy", "campaignBehaviorData", "campaignBehaviorDataByDay",
                  "exclusivityPrice", "targetRoas", "externalCampaignId", "autobiddingObjective",
                  "multiplierConfig", "targetingFilters", "exclusionFilters", "promotionType"}
INFERRED_MODEL = {"productIds"}
"""Not in the documented answer: the sandbox answers the product ids it was given (the project's reading)."""
BUDGET_KEYS = {"amount", "amountRemaining", "amountCarryover", "amountUsed", "type"}

DOCUMENT = {"account": "t", "name": "Bola-Bola Ad campaign", "campaignType": "manual",
            "externalCampaignId": "EXT-1", "budget": {"amount": 1000, "type": "daily"},
            "endDate": "2099-11-07T05:31:56Z",
            "bids": [{"target": {"id": "p_8983", "type": "product"}, "amount": 1}]}
CREATE_BODY = {"name": "Bola-Bola Ad campaign", "campaignType": "manual", "externalCampaignId": "EXT-1",
               "budget": {"amount": 1000, "type": "daily"}, "endDate": "2099-11-07T05:31:56Z",
               "bids": [{"target": {"id": "p_8983", "type": "product"}, "amount": 1}]}
"""The create request the document makes: the create-campaign page's body, nothing of our own."""
CAMPAIGN = {  # the campaign model, as the update page's answer example gives it (values filled in)
    "campaignId": CID, "marketplaceId": "6f0c1a2e-4b8d-4c11-9e57-0d1f2a3b4c5d", "name": "Bola-Bola Ad campaign",
    "startDate": "2023-11-07T05:31:56Z", "endDate": "2099-11-07T05:31:56Z", "isActive": True, "isSmart": False,
    "campaignType": "manual", "status": "approved", "createdAt": "2023-11-07T05:31:56Z", "chargeType": "CPC",
    "externalVendorId": VENDOR, "adFormat": "listing", "isAutoTrigger": False, "vendorId": VENDOR,
    "walletId": "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d", "bidCount": 1,
    "budget": {"amount": 1000, "amountRemaining": 1000, "amountCarryover": 0, "amountUsed": 0, "type": "daily"},
    "statusUpdatedBy": None, "campaignBehaviorData": None, "campaignBehaviorDataByDay": None,
    "exclusivityPrice": None, "targetRoas": None, "externalCampaignId": "EXT-1", "autobiddingObjective": None,
    "multiplierConfig": None, "targetingFilters": None, "exclusionFilters": None}


def check_model(campaign: Mapping[str, Any]) -> None:
    """A campaign model as the docs give it: every required field, nothing undocumented."""
    assert set(campaign) >= REQUIRED_MODEL, REQUIRED_MODEL - set(campaign)
    assert set(campaign) <= REQUIRED_MODEL | OPTIONAL_MODEL | INFERRED_MODEL, set(campaign) - REQUIRED_MODEL
    assert campaign.get("budget") is None or set(campaign["budget"]) == BUDGET_KEYS


def check_request(request: httpx.Request) -> None:
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.url.path.startswith(PREFIX)
    if request.content:
        assert request.headers["content-type"] == "application/json"


def create_op() -> Operation:
    """The create the planner makes of ``DOCUMENT`` for an account whose vendor_id is ``VENDOR``."""
    doc = TopsortCampaign.model_validate(DOCUMENT)
    desired = Desired("t", doc.identity, None, desired_fields(doc), Lifecycle(), Located("doc.yaml"))
    [op] = rules.plan(AccountContext("t", False, {"vendor_id": VENDOR}), [Match(desired, None, {})], [],
                      LiveState(()))
    return op


def run_client(handler: Any, work: Any) -> Any:
    return run(TopsortSession("https://api.topsort.com", KEY, VENDOR,
                              httpx.AsyncClient(transport=httpx.MockTransport(handler))), work)


# --- the client ---------------------------------------------------------------------------------------

def test_client_creates_with_the_documented_request_and_reads_the_campaign_model_back() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        check_request(request)
        sent.append(request)
        return httpx.Response(201, json=CAMPAIGN)

    op = create_op()

    async def create(session: TopsortSession) -> Any:
        return session.answered(op, await session.execute(op, op.request))

    live = run_client(handler, create)
    [request] = sent
    assert (request.method, request.url.path, dict(request.url.params)) == ("POST", PREFIX, {"vendor_id": VENDOR})
    assert json.loads(request.content) == CREATE_BODY
    assert live is not None and live.id == CID and live.key == "EXT-1"
    assert live_fields(CAMPAIGN)["bids"] == 1 and live_fields(CAMPAIGN)["budget"] == {"amount": 1000, "type": "daily"}


def test_client_patches_deletes_and_reads_refusals_as_documented() -> None:
    sent: list[tuple[str, str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        check_request(request)
        sent.append((request.method, request.url.path, json.loads(request.content) if request.content else None))
        if request.method == "DELETE" and request.url.path.endswith("missing"):
            return httpx.Response(404, json=[{"errCode": "not_found", "docUrl": "https://docs.topsort.com/reference/errors",
                                              "message": "campaign not found"}])
        return httpx.Response(200, json=CAMPAIGN) if request.method == "PATCH" else httpx.Response(204)

    def op(method: str, request: Mapping[str, Any]) -> Operation:
        return Operation(id="o", account="t", campaign="c", action=rules.Action.UPDATE, method=method,
                         request=request)

    async def work(session: TopsortSession) -> VendorError:
        patch = {"campaignId": CID, "body": {"budget": {"amount": 500, "type": "weekly"}}}
        assert await session.execute(op(rules.UPDATE, patch), patch) == CAMPAIGN
        assert await session.execute(op(rules.DELETE, {"campaignId": CID}), {"campaignId": CID}) == {}
        try:
            await session.execute(op(rules.DELETE, {"campaignId": "missing"}), {"campaignId": "missing"})
        except VendorError as exc:
            return exc
        raise AssertionError("a 404 must be refused")

    refused = run_client(handler, work)
    assert sent == [("PATCH", f"{PREFIX}/{CID}", {"budget": {"amount": 500, "type": "weekly"}}),
                    ("DELETE", f"{PREFIX}/{CID}", None), ("DELETE", f"{PREFIX}/missing", None)]
    assert (refused.code, refused.final) == ("not_found", True) and "campaign not found" in str(refused)


@pytest.mark.parametrize("expected, most_rounds", [(10_000, 5), (0, 10)])
def test_client_reads_10000_campaigns_in_few_rounds_with_the_documented_paging(expected: int,
                                                                                most_rounds: int) -> None:
    """Offset paging as documented; pages asked for at once, so 10,000 campaigns are not 100 calls in a row."""
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(10_000)]
    state = {"in_flight": 0, "rounds": 0, "calls": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        check_request(request)
        params = request.url.params
        assert request.method == "GET" and set(params) == {"offset", "limit", "vendor_id"}
        assert params["vendor_id"] == VENDOR and int(params["limit"]) == PAGE
        state["rounds"] += state["in_flight"] == 0
        state["in_flight"] += 1
        state["calls"] += 1
        await asyncio.sleep(0.01)
        state["in_flight"] -= 1
        offset, limit = int(params["offset"]), int(params["limit"])
        page = [{**CAMPAIGN, "campaignId": cid, "externalCampaignId": cid} for cid in ids[offset:offset + limit]]
        more = offset + len(page) < len(ids)
        return httpx.Response(200, json={"campaigns": page, "hasMore": more,
                                         "next": {"offset": offset + len(page), "limit": limit} if more else None})

    read = run_client(handler, lambda s: s.read(expected))
    assert [c.id for c in read.campaigns] == ids
    assert state["rounds"] <= most_rounds and state["calls"] <= len(ids) // PAGE + WAVE


# --- the sandbox --------------------------------------------------------------------------------------

@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[httpx.Client]:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"campaigns": []}))
    store = SandboxStore.open(tmp_path / "sandbox", "t", seed, TopsortSeed, [KEY])
    with SandboxServer(build_app(store, KEY, RateLimits())) as server, \
            httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {KEY}"}) as http:
        yield http


def test_sandbox_takes_the_documented_create_and_answers_the_campaign_model(sandbox: httpx.Client) -> None:
    created = sandbox.post(PREFIX, params={"vendor_id": VENDOR}, json=CREATE_BODY)
    assert created.status_code in (200, 201), created.text
    model = created.json()
    check_model(model)
    assert (model["bidCount"], model["vendorId"], model["externalCampaignId"]) == (1, VENDOR, "EXT-1")
    listed = sandbox.get(PREFIX, params={"vendor_id": VENDOR, "offset": 0, "limit": PAGE}).json()
    assert set(listed) == {"campaigns", "hasMore", "next"} and listed["hasMore"] is False
    [row] = listed["campaigns"]
    check_model(row)
    assert live_fields(row) == live_fields({**CAMPAIGN, "startDate": row["startDate"]})  # the client reads it


def test_sandbox_pages_as_documented(sandbox: httpx.Client) -> None:
    for i in range(3):
        body = {**CREATE_BODY, "externalCampaignId": f"EXT-{i}"}
        assert sandbox.post(PREFIX, params={"vendor_id": VENDOR}, json=body).status_code in (200, 201)
    first = sandbox.get(PREFIX, params={"offset": 0, "limit": 2}).json()
    assert (len(first["campaigns"]), first["hasMore"], first["next"]) == (2, True, {"offset": 2, "limit": 2})
    last = sandbox.get(PREFIX, params=first["next"]).json()
    assert (len(last["campaigns"]), last["hasMore"]) == (1, False)


def test_sandbox_patches_deletes_and_refuses_in_the_documented_shapes(sandbox: httpx.Client) -> None:
    cid = sandbox.post(PREFIX, params={"vendor_id": VENDOR}, json=CREATE_BODY).json()["campaignId"]
    patched = sandbox.patch(f"{PREFIX}/{cid}", json={"budget": {"amount": 500, "type": "weekly"}})
    assert patched.status_code == 200
    check_model(patched.json())
    assert patched.json()["budget"]["amount"] == 500
    assert sandbox.delete(f"{PREFIX}/{cid}").status_code in (200, 204)
    missing = sandbox.get(f"{PREFIX}/{cid}")
    assert missing.status_code == 404
    [error] = missing.json()
    assert set(error) == {"errCode", "docUrl", "message"}
    flat = {**CREATE_BODY, "bids": [{"type": "product", "target": "p_8983", "amount": 1}]}  # not Topsort's shape
    refused = sandbox.post(PREFIX, params={"vendor_id": VENDOR}, json=flat)
    assert refused.status_code == 422 and refused.json()[0]["errCode"]
    no_key = httpx.get(str(sandbox.base_url) + PREFIX)
    assert no_key.status_code == 401 and set(no_key.json()[0]) == {"errCode", "docUrl", "message"}


def test_the_client_and_the_sandbox_meet_over_http(sandbox: httpx.Client) -> None:
    url = str(sandbox.base_url)
    op = create_op()

    async def work(session: TopsortSession) -> tuple[Mapping[str, Any], list[str]]:
        created = await session.execute(op, op.request)
        return created, [c.id for c in (await session.read(1)).campaigns]

    created, ids = run(TopsortSession(url, KEY, VENDOR, httpx.AsyncClient()), work)
    assert ids == [created["campaignId"]]
