"""UIS / CoMagic Data API v2.0 wire contract: the requests and answers the vendor's docs show, held against
BOTH our client (through httpx.MockTransport, no sandbox) and our sandbox (over HTTP).

Sources (the docs are published from github.com/comagic/comagic.github.io, ``data_api/``):
- ``data_api/index.html``: the JSON-RPC envelope, "Соглашения" (always POST, ``application/json;
  charset=UTF-8``, empty values: null, ``[]`` for an array, ``{}`` for an object), "Постраничный вывод"
  (``offset`` default 0, at most 100 000; ``limit`` default 1000, at most 10 000), "Мета-параметры"
  (``metadata.total_items``, ``metadata.limits``), filter / sort / fields, and the error lists (delete
  methods: ``forbidden`` is -32602 "Permission denied");
- ``data_api/campaign/get_campaigns``, ``create_campaigns``, ``update_campaigns``, ``delete_campaigns``,
  ``get_campaign_available_phone_numbers``, ``get_campaign_available_redirection_phone_numbers``,
  ``data_api/site/get_sites``: each method's parameters, answer fields and which of them filter and sort.
A fixture below is the documented shape; a client or sandbox that drifts from it fails here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from wire_recording import run

from reconciler.errors import VendorError
from reconciler.model import Action, Operation
from reconciler.providers.uis import client as uis_client
from reconciler.providers.uis.client import UisSession
from reconciler.providers.uis.export import document
from reconciler.providers.uis.fields import live_fields
from reconciler.providers.uis.model import UisCampaign, UisSeed
from reconciler.providers.uis.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore

ROOT = Path(__file__).resolve().parents[2]
TOKEN = secrets.token_hex(16)
ENVELOPE = {"jsonrpc", "id", "method", "params"}
GET_PARAMS = {"access_token", "user_id", "limit", "offset", "filter", "fields", "sort"}
"""get.campaigns and the reference reads: the parameters their pages list."""
LIMIT_KEYS = {"day_limit", "day_remaining", "day_reset", "minute_limit", "minute_remaining", "minute_reset"}
CAMPAIGN_FIELDS = {"id", "name", "description", "status", "creation_time", "campaign_conditions", "engine", "type",
                   "costs", "cost_ratio", "cost_ratio_operator", "site_id", "site_domain_name", "site_blocks",
                   "dynamic_call_tracking"}
"""get.campaigns answer fields (the static_utm_* ones appear only when asked for in fields)."""
BLOCK_FIELDS = {"site_block_id", "site_block_name", "phone_number_type", "phone_number_id", "phone_number",
                "redirection_phone_number_id", "redirection_phone_number", "dynamic_call_tracking_enabled"}
DCT_FIELDS = {"reservation_time", "count_virtual_numbers", "count_visits", "coverage_visitors"}
REFERENCE_FIELDS = {"get.campaign_available_phone_numbers": {"id", "prefix", "phone_number", "type"},
                    "get.campaign_available_redirection_phone_numbers": {"id", "phone_number"},
                    "get.sites": {"id", "domain_name", "site_blocks"}}

ROW = {  # one get.campaigns row as the method's page lists its fields
    "id": 7, "name": "Spring", "description": None, "status": "active", "creation_time": "2026-03-01 10:00:00",
    "campaign_conditions": {}, "engine": None, "type": "basic", "costs": 0, "cost_ratio": 1,
    "cost_ratio_operator": "wo_changes", "site_id": 1, "site_domain_name": "a.example",
    "site_blocks": [{"site_block_id": 11, "site_block_name": "Header", "phone_number_type": "va",
                     "phone_number_id": 501, "phone_number": "74950000501", "redirection_phone_number_id": None,
                     "redirection_phone_number": None, "dynamic_call_tracking_enabled": False}],
    "dynamic_call_tracking": {}}
SYSTEM_ROW = {k: v for k, v in ROW.items() if k != "campaign_conditions"} | {
    "id": -1, "name": "Посетители без рекламной кампании", "type": "system", "site_blocks": []}
LIMITS = {"day_limit": 10000, "day_remaining": 9990, "day_reset": 3600, "minute_limit": 60,
          "minute_remaining": 59, "minute_reset": 30}
SEED = {
    "sites": [{"id": 1, "domain_name": "a.example",
               "site_blocks": [{"site_block_id": 11, "site_block_name": "Header"}]}],
    "phone_numbers": [{"id": 501, "prefix": "7495", "phone_number": "74950000501", "type": "va"},
                      {"id": 503, "prefix": "7495", "phone_number": "74950000503", "type": "call_tracking"}],
    "redirection_phone_numbers": [{"id": 77, "phone_number": "74957770077"}],
    "campaigns": [{"id": -1, "name": SYSTEM_ROW["name"], "type": "system"},
                  {"id": 7, "name": "Spring", "site_id": 1, "creation_time": "2026-03-01 10:00:00",
                   "site_blocks": [{"site_block_id": 11, "phone_number_id": 501}]}],
}
CREATE = {"name": "Autumn", "site_id": 1, "status": "active",
          "site_blocks": [{"site_block_id": 11, "phone_number_id": 503, "redirection_phone_number_id": 77}]}
UPDATE = {"id": 7, "site_id": 1, "description": "spring sale"}


def reply(call: Mapping[str, Any], data: Any, **metadata: Any) -> dict[str, Any]:
    """The documented success envelope for ``call``."""
    return {"jsonrpc": "2.0", "id": call["id"], "result": {"data": data, "metadata": {**metadata, "limits": LIMITS}}}


def check_request(request: httpx.Request) -> dict[str, Any]:
    """A request as the docs' conventions demand it; its JSON-RPC body."""
    assert request.method == "POST"
    assert request.headers["content-type"].replace(" ", "").lower() == "application/json;charset=utf-8"
    assert int(request.headers["content-length"]) == len(request.content)
    body: dict[str, Any] = json.loads(request.content)
    assert set(body) == ENVELOPE and body["jsonrpc"] == "2.0" and isinstance(body["id"], int | str)
    assert body["params"]["access_token"] == TOKEN
    if body["method"].startswith("get."):
        assert set(body["params"]) <= GET_PARAMS, body
        assert 1 <= body["params"].get("limit", 1000) <= 10_000 and 0 <= body["params"].get("offset", 0) <= 100_000
    return body


class Vendor:
    """The documented answers, served to the client through httpx.MockTransport; requests are recorded."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        call = check_request(request)
        self.calls.append(call)
        method, params = call["method"], call["params"]
        if method == "get.campaigns":
            return httpx.Response(200, json=reply(call, [SYSTEM_ROW, ROW], total_items=2))
        if method in REFERENCE_FIELDS:
            rows = {"get.sites": SEED["sites"], "get.campaign_available_phone_numbers": SEED["phone_numbers"],
                    "get.campaign_available_redirection_phone_numbers": SEED["redirection_phone_numbers"]}[method]
            return httpx.Response(200, json=reply(call, rows, total_items=len(rows)))
        if method == "create.campaigns":
            return httpx.Response(200, json=reply(call, {"id": 8}))
        if method == "delete.campaigns" and params["id"] == -1:
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": call["id"], "error": {
                "code": -32602, "message": "Permission denied", "data": {"mnemonic": "forbidden", "field": "id"}}})
        return httpx.Response(200, json=reply(call, {}))


def run_client(vendor: Vendor, work: Any) -> Any:
    return run(UisSession("https://dataapi.uiscom.ru/v2.0", TOKEN, None,
                          httpx.AsyncClient(transport=httpx.MockTransport(vendor.handle))), work)


def op(method: str, request: Mapping[str, Any]) -> Operation:
    return Operation(id="o", account="u", campaign="c", action=Action.UPDATE, method=method, request=request)


# --- the client ---------------------------------------------------------------------------------------

def test_client_reads_with_documented_requests_and_takes_the_documented_answers() -> None:
    vendor = Vendor()
    state = run_client(vendor, lambda s: s.read())
    assert {c["method"] for c in vendor.calls} == {"get.campaigns", *REFERENCE_FIELDS}
    assert [c.id for c in state.campaigns] == [-1, 7]
    assert state.references["sites"] == SEED["sites"]
    assert len({c["id"] for c in vendor.calls}) == len(vendor.calls)  # every request its own id


def test_client_writes_the_documented_envelope_and_reads_the_documented_results() -> None:
    vendor = Vendor()

    async def writes(session: UisSession) -> list[Any]:
        created = await session.execute(op("create.campaigns", CREATE), CREATE)
        updated = await session.execute(op("update.campaigns", UPDATE), UPDATE)
        deleted = await session.execute(op("delete.campaigns", {"id": 7}), {"id": 7})
        try:
            await session.execute(op("delete.campaigns", {"id": -1}), {"id": -1})
        except VendorError as exc:
            return [created, updated, deleted, exc]
        raise AssertionError("the system campaign's delete must be refused")

    created, updated, deleted, refused = run_client(vendor, writes)
    assert [(c["method"], {k: v for k, v in c["params"].items() if k != "access_token"}) for c in vendor.calls] == [
        ("create.campaigns", CREATE), ("update.campaigns", UPDATE), ("delete.campaigns", {"id": 7}),
        ("delete.campaigns", {"id": -1})]
    assert created == {"id": 8} and updated == {} and deleted == {}
    assert (refused.code, refused.field, refused.final) == ("forbidden", "id", True)


def test_client_reads_pages_within_the_documented_limits_past_the_offset_cap() -> None:
    """Offsets stay within 100,000 and limits within 10,000 (``check_request``) for an account of 230,000."""
    live = list(range(1, 230_001))
    vendor = Vendor()

    def handle(request: httpx.Request) -> httpx.Response:
        call = check_request(request)
        vendor.calls.append(call)
        params = call["params"]
        if call["method"] != "get.campaigns":
            return httpx.Response(200, json=reply(call, [], total_items=0))
        after = params.get("filter", {"value": 0})
        assert after in ({"value": 0}, {"field": "id", "operator": ">", "value": after.get("value")})
        ids = [i for i in live if i > after["value"]]
        page = ids[params["offset"]:params["offset"] + params["limit"]]
        return httpx.Response(200, json=reply(call, [{"id": i, "name": f"c{i}"} for i in page], total_items=len(ids)))

    async def read(session: UisSession) -> int:
        return len((await session.read()).campaigns)

    assert run(UisSession("https://dataapi.uiscom.ru/v2.0", TOKEN, None,
                          httpx.AsyncClient(transport=httpx.MockTransport(handle))), read) == 230_000
    assert sum(c["method"] == "get.campaigns" for c in vendor.calls) == 23


EMPTY_FORMS = [None, {}, []]


@pytest.mark.parametrize("dct", EMPTY_FORMS)
@pytest.mark.parametrize("conditions", [*EMPTY_FORMS, {"group_conditions": []},
                                        {"group_conditions": [{"conditions": []}]}])
@pytest.mark.parametrize("blocks", EMPTY_FORMS)
def test_empty_values_in_every_documented_form_read_alike_and_import_as_a_valid_document(
        dct: Any, conditions: Any, blocks: Any) -> None:
    """The docs: an empty value is null, ``[]`` for an array, ``{}`` for an object; any of them may come."""
    row = {**ROW, "dynamic_call_tracking": dct, "campaign_conditions": conditions, "site_blocks": blocks,
           "cost_ratio": None, "cost_ratio_operator": None}
    assert live_fields(row) == live_fields({**ROW, "dynamic_call_tracking": None, "campaign_conditions": None,
                                            "site_blocks": []})
    schema = json.loads((ROOT / "schemas" / "uis.campaign.schema.json").read_text())
    for raw in (row, {**row, "type": "system", "id": -1}):
        doc = {"account": "u", **document(raw)}
        jsonschema.validate(doc, schema)
        UisCampaign.model_validate(doc)
        assert "dynamic_call_tracking" not in doc and "campaign_conditions" not in doc


# --- the sandbox --------------------------------------------------------------------------------------

@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[httpx.Client]:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    store = SandboxStore.open(tmp_path / "sandbox", "u", seed, UisSeed, [TOKEN])
    with SandboxServer(build_app(store, TOKEN, RateLimits())) as server, \
            httpx.Client(base_url=server.url, headers={"content-type": "application/json; charset=UTF-8"}) as http:
        yield http


def rpc(http: httpx.Client, method: str, **params: Any) -> dict[str, Any]:
    call = {"jsonrpc": "2.0", "id": secrets.randbelow(10**6), "method": method,
            "params": {"access_token": TOKEN, **params}}
    response = http.post("/", content=json.dumps(call).encode())
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    answer: dict[str, Any] = response.json()
    assert answer["jsonrpc"] == "2.0" and answer["id"] == call["id"]
    assert set(answer) == {"jsonrpc", "id", "result"} or set(answer) == {"jsonrpc", "id", "error"}, answer
    if "result" in answer:
        assert set(answer["result"]) == {"data", "metadata"}
        assert set(answer["result"]["metadata"]["limits"]) == LIMIT_KEYS
    else:
        assert set(answer["error"]) == {"code", "message", "data"} and "mnemonic" in answer["error"]["data"]
    return answer


def test_sandbox_answers_get_campaigns_in_the_documented_shape(sandbox: httpx.Client) -> None:
    result = rpc(sandbox, "get.campaigns", limit=10_000, offset=0)["result"]
    system, spring = result["data"]
    assert result["metadata"]["total_items"] == 2
    assert set(spring) == CAMPAIGN_FIELDS and set(system) == CAMPAIGN_FIELDS - {"campaign_conditions"}
    assert set(spring["site_blocks"][0]) == BLOCK_FIELDS
    assert spring["dynamic_call_tracking"] == {} and spring["campaign_conditions"] == {}  # empty objects: {}
    assert spring["description"] is None and system["site_blocks"] == []  # empty field: null; array: []
    assert {k: spring[k] for k in ("site_domain_name", "creation_time")} == {
        "site_domain_name": "a.example", "creation_time": "2026-03-01 10:00:00"}
    assert live_fields(spring) == live_fields({**ROW, "site_blocks": spring["site_blocks"]})  # the client reads it


def test_sandbox_takes_the_documented_fields_filter_and_sort_on_every_read(sandbox: httpx.Client) -> None:
    query: dict[str, Any] = {"limit": 10, "offset": 0}
    for method, fields in REFERENCE_FIELDS.items():
        rows = rpc(sandbox, method, **query, fields=sorted(fields))["result"]["data"]
        assert rows and all(set(row) == fields for row in rows)
        one = rpc(sandbox, method, filter={"field": "id", "operator": "=", "value": rows[0]["id"]}, fields=["id"])
        assert one["result"]["data"] == [{"id": rows[0]["id"]}]
    numbers = rpc(sandbox, "get.campaign_available_phone_numbers", sort=[{"field": "prefix", "order": "desc"}],
                  filter={"filters": [{"field": "type", "operator": "=", "value": "call_tracking"}],
                          "condition": "and"})
    assert [n["id"] for n in numbers["result"]["data"]] == [503]
    later = rpc(sandbox, "get.campaigns", filter={"field": "id", "operator": ">", "value": 0}, fields=["id", "name"],
                sort=[{"field": "name"}])
    assert later["result"]["data"] == [{"id": 7, "name": "Spring"}]
    refused = rpc(sandbox, "get.campaigns", offset=100_001)["error"]
    assert (refused["code"], refused["data"]["mnemonic"], refused["data"]["field"]) == (
        -32602, "invalid_parameter_value", "offset")


def test_sandbox_answers_writes_and_the_system_campaign_delete_as_documented(sandbox: httpx.Client) -> None:
    created = rpc(sandbox, "create.campaigns", **CREATE)["result"]["data"]
    assert set(created) == {"id"} and isinstance(created["id"], int)
    assert rpc(sandbox, "update.campaigns", **UPDATE)["result"]["data"] == {}
    assert rpc(sandbox, "delete.campaigns", id=created["id"])["result"]["data"] == {}
    refused = rpc(sandbox, "delete.campaigns", id=-1)["error"]
    assert (refused["code"], refused["data"]["mnemonic"]) == (-32602, "forbidden")  # the delete error list


def test_the_client_and_the_sandbox_meet_over_http(sandbox: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same reads and writes, from the client to the sandbox: nothing either side adds is refused."""
    url = str(sandbox.base_url)
    monkeypatch.setattr(uis_client, "PAGE", 1)  # every page its own request

    async def work(session: UisSession) -> tuple[list[Any], dict[str, Any]]:
        created = await session.execute(op("create.campaigns", CREATE), CREATE)
        await session.execute(op("update.campaigns", UPDATE), UPDATE)
        return [c.id for c in (await session.read()).campaigns], dict(created)

    ids, created = run(UisSession(url, TOKEN, None, httpx.AsyncClient()), work)
    assert ids == [-1, 7, created["id"]]
