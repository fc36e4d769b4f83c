"""The Topsort sandbox over real HTTP: paging, Bearer auth, the error array, and every TOP rule it enforces."""

from __future__ import annotations

import contextlib
import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.providers.topsort.model import TopsortSeed
from reconciler.providers.topsort.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

KEY = "ts-key-5b7e0c1d9a"
ACCOUNT = "ts"
BASE = "/public/v1/campaign-service/campaigns"
C1, C2, C3 = (f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3))
SEED: dict[str, Any] = {"campaigns": [
    {"campaignId": C1, "name": "Listing", "externalCampaignId": "E1", "campaignType": "manual", "vendorId": "acme",
     "startDate": "2024-01-01T00:00:00Z", "endDate": "2099-01-01T00:00:00Z", "bidCount": 2,
     "budget": {"amount": 1000, "type": "daily", "amountUsed": 100},
     "multiplierConfig": {"isActive": True, "multipliers": [{"type": "audience", "segmentId": 1, "multiplier": 2}]},
     "targetingFilters": {"isActive": True, "targetingFilters": [{"type": "audience", "segmentId": 5}]}},
    {"campaignId": C2, "name": "Banner", "externalCampaignId": "E2", "campaignType": "manual", "adFormat": "banner",
     "chargeType": "CPM", "vendorId": "acme", "startDate": "2098-01-01T00:00:00Z", "endDate": "2099-01-01T00:00:00Z",
     "productIds": ["p1"], "budget": {"amount": 5000, "type": "total"}},
    {"campaignId": C3, "name": "Other", "campaignType": "autobidding", "vendorId": "other",
     "startDate": "2024-01-01T00:00:00Z", "endDate": "2099-01-01T00:00:00Z"},
]}
BID = {"target": {"id": "sku-1", "type": "product"}, "amount": 50}
NEW = {"name": "New", "campaignType": "manual", "bids": [BID]}


@dataclass
class Api:
    http: httpx.Client
    store: SandboxStore
    log: Path

    def send(self, method: str, path: str = "", body: Any = None, **params: Any) -> httpx.Response:
        return self.http.request(method, BASE + path, params=params, json=body)

    def ok(self, method: str, path: str = "", body: Any = None, status: int = 200, **params: Any) -> Any:
        response = self.send(method, path, body, **params)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def refused(self, method: str, path: str, body: Any, status: int, code: str, **params: Any) -> str:
        """Assert the request is refused as stated, in the documented error shape, and changed nothing."""
        before = copy.deepcopy(self.store.state)
        response = self.send(method, path, body, **params)
        assert response.status_code == status, response.text
        [error] = response.json()
        assert error["errCode"] == code and error["docUrl"].startswith("https://docs.topsort.com"), error
        assert self.store.state == before
        message: str = error["message"]
        return message

    def campaign(self, cid: str) -> dict[str, Any]:
        found: dict[str, Any] = self.ok("GET", f"/{cid}")
        return found


@contextlib.contextmanager
def _api(tmp_path: Path, limits: RateLimits | None = None, **seed: Any) -> Iterator[Api]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "seed.json").write_text(json.dumps({**SEED, **seed}))
    store = SandboxStore.open(tmp_path / "state", ACCOUNT, tmp_path / "seed.json", TopsortSeed, [KEY])
    app = build_app(store, KEY, limits or RateLimits())
    with SandboxServer(app) as server, httpx.Client(base_url=server.url,
                                                    headers={"Authorization": f"Bearer {KEY}"}) as http:
        yield Api(http, store, tmp_path / "state" / f"{ACCOUNT}.requests.jsonl")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with _api(tmp_path) as served:
        yield served


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_paging_by_offset_with_has_more_and_next_and_the_vendor_filter(tmp_path: Path) -> None:
    extra = [{**SEED["campaigns"][2], "campaignId": f"00000000-0000-4000-8000-00000000001{i}", "name": f"X{i}"}
             for i in range(3)]
    with _api(tmp_path, page_limit=2, campaigns=[*SEED["campaigns"], *extra]) as api:
        first = api.ok("GET", limit=100)
        assert [c["campaignId"] for c in first["campaigns"]] == [C1, C2]
        assert first["hasMore"] is True and first["next"] == {"offset": 2, "limit": 2}
        last = api.ok("GET", offset=4, limit=2)
        assert len(last["campaigns"]) == 2 and last["hasMore"] is False and last["next"] is None
        acme = api.ok("GET", vendor_id="acme")
        assert {c["name"] for c in acme["campaigns"]} == {"Listing", "Banner"}


def test_bearer_auth_and_the_documented_error_shape(api: Api) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}):
        response = api.http.get(BASE, headers=headers)
        assert response.status_code == 401
        assert [e["errCode"] for e in response.json()] == ["invalid_api_key"]
    api.refused("GET", "/00000000-0000-4000-8000-000000000099", None, 404, "not_found")
    bad = api.http.patch(f"{BASE}/{C1}", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()[0]["errCode"] == "invalid_json"
    api.refused("PATCH", f"/{C1}", {}, 400, "empty_request")
    assert KEY not in api.log.read_text()


def test_top_01_sandbox_patch_changes_only_what_is_sent_and_replaces_nested_objects_whole(api: Api) -> None:
    before = api.campaign(C1)
    multipliers = {"isActive": False, "multipliers": [{"type": "audience", "segmentId": 9, "multiplier": 1.5}]}
    answer = api.ok("PATCH", f"/{C1}", {"multiplierConfig": multipliers})
    assert answer == api.campaign(C1)  # the PATCH answer is the full campaign model
    assert answer["multiplierConfig"] == multipliers  # the old multiplier is gone: replaced whole
    assert {k: v for k, v in answer.items() if k != "multiplierConfig"} == \
           {k: v for k, v in before.items() if k != "multiplierConfig"}
    budget = api.ok("PATCH", f"/{C1}", {"budget": {"amount": 3000, "type": "weekly"}})["budget"]
    assert budget == {"amount": 3000, "type": "weekly", "amountUsed": 100, "amountCarryover": 0,
                      "amountRemaining": 2900}
    assert api.ok("PATCH", f"/{C1}", {"targetingFilters": None})["targetingFilters"] is None  # nullable: cleared


def test_top_02_sandbox_refuses_an_empty_name_with_422(api: Api) -> None:
    assert "name" in api.refused("PATCH", f"/{C1}", {"name": ""}, 422, "validation_error")
    api.refused("POST", "", {**NEW, "name": ""}, 422, "validation_error", vendor_id="acme")
    api.refused("PATCH", f"/{C1}", {"name": None}, 422, "validation_error")


def test_top_03_sandbox_sets_a_past_start_date_to_now(api: Api) -> None:
    sent = datetime.now(UTC).replace(microsecond=0)
    moved = _moment(api.ok("PATCH", f"/{C2}", {"startDate": "2021-05-05T00:00:00Z"})["startDate"])
    created = _moment(api.ok("POST", "", {**NEW, "startDate": "2020-01-01T10:00:00+02:00"}, 201,
                             vendor_id="acme")["startDate"])
    bare = _moment(api.ok("POST", "", {**NEW, "name": "Bare"}, 201, vendor_id="acme")["startDate"])
    done = datetime.now(UTC)
    assert all(sent <= m <= done for m in (moved, created, bare))
    future = api.ok("PATCH", f"/{C2}", {"startDate": "2098-06-01T12:00:00+02:00"})["startDate"]
    assert future == "2098-06-01T10:00:00Z"  # a future start is kept (in UTC)


def test_top_04_sandbox_refuses_an_end_not_later_than_the_start(api: Api) -> None:
    assert "not later than the start date 2098-01-01" in api.refused(
        "PATCH", f"/{C2}", {"endDate": "2097-12-31T00:00:00Z"}, 400, "bad_request")  # against the stored start
    api.refused("PATCH", f"/{C2}", {"startDate": "2099-02-01T00:00:00Z"}, 400, "bad_request")
    api.refused("PATCH", f"/{C1}", {"startDate": "2020-01-01T00:00:00Z", "endDate": "2021-01-01T00:00:00Z"},
                400, "bad_request")  # the past start becomes now, after the end
    api.refused("POST", "", {**NEW, "endDate": "2022-01-01T00:00:00Z"}, 400, "bad_request", vendor_id="acme")
    assert api.ok("PATCH", f"/{C2}", {"endDate": "2098-06-01T00:00:00Z"})["endDate"] == "2098-06-01T00:00:00Z"


def test_top_05_sandbox_changes_campaign_type_only_to_autobidding(api: Api) -> None:
    api.refused("PATCH", f"/{C1}", {"campaignType": "exclusive"}, 400, "invalid_operation")
    api.refused("PATCH", f"/{C3}", {"campaignType": "manual"}, 400, "invalid_operation")
    assert api.ok("PATCH", f"/{C1}", {"campaignType": "autobidding"})["campaignType"] == "autobidding"


def test_top_06_sandbox_checks_roas_objective_and_product_ids(api: Api) -> None:
    for roas in (0.4, 20.5):
        api.refused("PATCH", f"/{C1}", {"targetRoas": roas}, 422, "validation_error")
    assert "only for autobidding" in api.refused("PATCH", f"/{C1}", {"autobiddingObjective": "clicks"}, 400,
                                                 "bad_request")
    assert "only for banner" in api.refused("PATCH", f"/{C1}", {"productIds": ["p"]}, 400, "bad_request")
    api.refused("PATCH", f"/{C2}", {"productIds": []}, 422, "validation_error")
    api.refused("PATCH", f"/{C2}", {"productIds": [f"p{i}" for i in range(201)]}, 422, "validation_error")
    assert api.ok("PATCH", f"/{C2}", {"productIds": [f"p{i}" for i in range(200)]})["productIds"][-1] == "p199"
    both = api.ok("PATCH", f"/{C1}", {"campaignType": "autobidding", "autobiddingObjective": "revenue",
                                      "targetRoas": 0.5})
    assert (both["autobiddingObjective"], both["targetRoas"]) == ("revenue", 0.5)


def test_top_07_sandbox_keeps_external_ids_unique_per_marketplace_and_ad_format(api: Api) -> None:
    api.refused("POST", "", {**NEW, "externalCampaignId": "E1"}, 400, "bad_request", vendor_id="acme")
    api.refused("PATCH", f"/{C3}", {"externalCampaignId": "E1"}, 400, "bad_request")
    banner = api.ok("POST", "", {**NEW, "externalCampaignId": "E1", "adFormat": "banner"}, 201, vendor_id="acme")
    assert banner["externalCampaignId"] == "E1"  # another ad format: allowed
    api.refused("PATCH", f"/{C2}", {"externalCampaignId": "E1"}, 400, "bad_request")


def test_top_08_sandbox_checks_the_budget_and_cpa(api: Api) -> None:
    for budget in ({"amount": 2_000_000_000, "type": "daily"}, {"amount": 1.5, "type": "daily"},
                   {"amount": -1, "type": "daily"}, {"amount": 10, "type": "yearly"}, {"amount": 10}):
        api.refused("PATCH", f"/{C1}", {"budget": budget}, 422, "validation_error")
    assert "CPA needs a budget of type total" in api.refused("PATCH", f"/{C1}", {"chargeType": "CPA"}, 400,
                                                             "bad_request")
    api.refused("PATCH", f"/{C3}", {"chargeType": "CPA"}, 400, "bad_request")  # no budget at all
    assert api.ok("PATCH", f"/{C2}", {"chargeType": "CPA"})["chargeType"] == "CPA"  # C2's budget is total
    assert api.ok("PATCH", f"/{C1}", {"budget": {"amount": 1_999_999_999, "type": "total"}, "chargeType": "CPA"})


def test_top_09_sandbox_fills_read_only_fields_and_refuses_them_in_requests(api: Api) -> None:
    made = api.ok("POST", "", {**NEW, "bids": [BID, BID], "budget": {"amount": 700, "type": "daily"}}, 201,
                  vendor_id="acme")
    assert len(made["campaignId"]) == 36 and made["campaignId"] not in (C1, C2, C3)
    assert (made["marketplaceId"], made["walletId"]) == (api.store.state["marketplaceId"],
                                                         api.store.state["walletId"])
    assert (made["vendorId"], made["bidCount"], made["status"], made["isActive"]) == ("acme", 2, "approved", True)
    assert made["budget"] == {"amount": 700, "type": "daily", "amountUsed": 0, "amountCarryover": 0,
                              "amountRemaining": 700}
    assert "bids" not in made and made == api.campaign(made["campaignId"])
    for field, value in (("campaignId", C2), ("bidCount", 9), ("vendorId", "x"), ("createdAt", "2020-01-01T00:00:00Z"),
                         ("marketplaceId", C1)):
        assert "read-only" in api.refused("PATCH", f"/{C1}", {field: value}, 422, "validation_error")
    api.refused("PATCH", f"/{C1}", {"budget": {"amount": 1, "type": "daily", "amountUsed": 0}}, 422,
                "validation_error")
    api.refused("PATCH", f"/{C1}", {"adFormat": "banner"}, 422, "validation_error")  # fixed after create


def test_top_10_sandbox_create_needs_name_bids_campaign_type_and_vendor_id(api: Api) -> None:
    for missing in ("name", "bids", "campaignType"):
        api.refused("POST", "", {k: v for k, v in NEW.items() if k != missing}, 422, "validation_error",
                    vendor_id="acme")
    api.refused("POST", "", {**NEW, "bids": []}, 422, "validation_error", vendor_id="acme")
    api.refused("POST", "", NEW, 422, "validation_error")  # no vendor_id
    api.refused("PATCH", f"/{C1}", {"bids": [BID]}, 422, "validation_error")  # bids: create-time only
    made = api.ok("POST", "", NEW, 201, vendor_id="acme")
    assert (made["chargeType"], made["adFormat"], made["isSmart"], made["isAutoTrigger"]) == \
           ("CPC", "listing", False, False)


def test_top_11_sandbox_enforces_its_limits_with_x_ratelimit_headers(tmp_path: Path) -> None:
    with _api(tmp_path, RateLimits(minute_limit=3, window_s=0.5)) as api:
        seen = [api.send("GET", f"/{C1}").headers for _ in range(3)]
        assert [h["X-RateLimit-Remaining"] for h in seen] == ["2", "1", "0"]
        assert {h["X-RateLimit-Limit"] for h in seen} == {"3"}
        over = api.send("GET", f"/{C1}")
        assert over.status_code == 429 and over.json()[0]["errCode"] == "too_many_requests"
        assert over.headers["X-RateLimit-Remaining"] == "0" and 0 <= float(over.headers["X-RateLimit-Reset"]) <= 1
        time.sleep(0.55)
        assert api.send("GET", f"/{C1}").status_code == 200
        assert [e["outcome"] if e["outcome"] == "ok" else e["outcome"]["status"] for e in read_log(api.log)] == \
               ["ok", "ok", "ok", 429, "ok"]


def test_delete_removes_the_campaign(api: Api) -> None:
    assert api.send("DELETE", f"/{C3}").status_code == 204
    api.refused("DELETE", f"/{C3}", None, 404, "not_found")
    assert [c["campaignId"] for c in api.ok("GET")["campaigns"]] == [C1, C2]
