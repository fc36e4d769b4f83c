"""The UIS sandbox over real HTTP: envelope, auth, limits, reads, and every UIS rule it enforces."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.providers.uis.model import UisLiveCampaign, UisSeed
from reconciler.providers.uis.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

TOKEN = "tok-3f9c2a7d5e1b"
ACCOUNT = "acct"
PARAMS, TYPE, REQUIRED, INVALID, COMBINATION, NOT_FOUND = (
    -32602, "data_type_error", "required_parameter_missed", "invalid_parameter_value",
    "invalid_parameters_combination", "entity_not_found")

# Campaign 1 holds call_tracking number 501 on block 11; campaigns -1 and 3 share va number 503.
SEED: dict[str, Any] = {
    "sites": [
        {"id": 1, "domain_name": "shop.example",
         "site_blocks": [{"site_block_id": 11, "site_block_name": "Header"},
                         {"site_block_id": 12, "site_block_name": "Footer"}]},
        {"id": 2, "domain_name": "blog.example",
         "site_blocks": [{"site_block_id": 21, "site_block_name": "Main"}]},
    ],
    "phone_numbers": [
        {"id": 501, "prefix": "7", "phone_number": "74950000501", "type": "call_tracking"},
        {"id": 502, "prefix": "7", "phone_number": "74950000502", "type": "call_tracking"},
        {"id": 503, "prefix": "7", "phone_number": "74950000503", "type": "va"},
        {"id": 504, "prefix": "7", "phone_number": "74950000504", "type": "user"},
    ],
    "redirection_phone_numbers": [{"id": 77, "phone_number": "74950000077"},
                                  {"id": 78, "phone_number": "74950000078"}],
    "campaigns": [
        {"id": -1, "name": "Visitors without a campaign", "type": "system", "site_id": 1,
         "site_blocks": [{"site_block_id": 12, "phone_number_id": 503}]},
        {"id": 100, "name": "Yandex ads", "type": "integrated", "engine": "yandex.direct", "site_id": 1},
        {"id": 1, "name": "Spring", "description": "spring sale", "site_id": 1,
         "site_blocks": [{"site_block_id": 11, "phone_number_id": 501, "redirection_phone_number_id": 77,
                          "dynamic_call_tracking_enabled": True}],
         "dynamic_call_tracking": {"reservation_time": "1h", "count_virtual_numbers": 5, "count_visits": 200},
         "campaign_conditions": {"group_conditions": [{"conditions": [
             {"type": "include", "campaign_parameter": "utm_source", "operator": "=", "value": "spring"}]}]}},
        {"id": 2, "name": "Autumn", "status": "inactive", "site_id": 1},
        {"id": 3, "name": "Blog", "site_id": 2,
         "site_blocks": [{"site_block_id": 21, "phone_number_id": 503}]},
    ],
}
DCT = {"count_virtual_numbers": 2, "count_visits": 10}


@dataclass
class Api:
    """A client of one sandbox app, served under ``/<prefix>/`` by the module's server."""

    http: httpx.Client
    prefix: str
    store: SandboxStore
    state_dir: Path

    def post(self, body: Any, path: str = "/v2.0") -> dict[str, Any]:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = self.http.post(f"/{self.prefix}{path}", content=content,
                                  headers={"Content-Type": "application/json"})
        assert response.status_code == 200
        reply: dict[str, Any] = response.json()
        return reply

    def call(self, method: str, params: dict[str, Any] | None = None,
             token: str | None = TOKEN) -> dict[str, Any]:
        sent = dict(params or {})
        if token is not None:
            sent["access_token"] = token
        return self.post({"jsonrpc": "2.0", "id": 7, "method": method, "params": sent})

    def ok(self, method: str, **params: Any) -> dict[str, Any]:
        reply = self.call(method, params)
        assert "error" not in reply, reply
        assert reply["id"] == 7 and reply["jsonrpc"] == "2.0"
        result: dict[str, Any] = reply["result"]
        return result

    def refused(self, method: str, params: dict[str, Any], code: int, mnemonic: str, field: str | None,
                token: str | None = TOKEN) -> dict[str, Any]:
        """Assert the request is refused as stated and that it changed nothing."""
        before = (copy.deepcopy(self.store.state), self.saved())
        reply = self.call(method, params, token)
        assert "result" not in reply, reply
        error: dict[str, Any] = reply["error"]
        assert (error["code"], error["data"]["mnemonic"], error["data"].get("field")) == (
            code, mnemonic, field), error
        assert isinstance(error["message"], str) and error["message"]
        assert (self.store.state, self.saved()) == before
        return error

    def saved(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.state_dir / f"{ACCOUNT}.json").read_text())
        return state

    def campaign(self, campaign_id: int) -> dict[str, Any]:
        rows = self.ok("get.campaigns", filter={"field": "id", "operator": "=", "value": campaign_id})["data"]
        assert len(rows) == 1
        row: dict[str, Any] = rows[0]
        return row

    def create(self, **params: Any) -> int:
        new_id: int = self.ok("create.campaigns", **{"name": "New", "site_id": 1, **params})["data"]["id"]
        return new_id


class Apps:
    """Many sandbox apps behind one server (a server stops in ~0.15 s; one per test would be slow):
    a request to ``/<prefix>/<path>`` goes, path unchanged, to the app registered under ``prefix``."""

    def __init__(self) -> None:
        self.by_prefix: dict[str, ASGIApp] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.by_prefix[scope["path"].split("/")[1]](scope, receive, send)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Apps, httpx.Client]]:
    apps = Apps()
    # One connection per request: on a kept-alive connection the served socket lacks TCP_NODELAY and
    # every answer after the first waits ~40 ms for a delayed ACK (see reconciler/sandbox/server.py).
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with SandboxServer(apps) as server, httpx.Client(base_url=server.url, timeout=10,
                                                      limits=no_keepalive) as http:
        yield apps, http


MakeApi = Callable[..., Api]


@pytest.fixture
def make_api(served: tuple[Apps, httpx.Client], tmp_path: Path) -> Iterator[MakeApi]:
    """``make_api(seed=..., limits=...)``: a fresh sandbox app (own store and limits) on a fresh seed."""
    apps, http = served
    made: list[str] = []

    def make(seed: dict[str, Any] | None = None, limits: RateLimits | None = None) -> Api:
        prefix = f"{tmp_path.name}-{len(made)}"
        root = tmp_path / f"repo{len(made)}"
        root.mkdir()
        seed_path = root / "seed.json"
        seed_path.write_text(json.dumps(SEED if seed is None else seed))
        state_dir = root / ".reconciler" / "sandbox"
        store = SandboxStore.open(state_dir, ACCOUNT, seed_path, UisSeed, secrets=[TOKEN])
        apps.by_prefix[prefix] = build_app(store, TOKEN, limits or RateLimits())
        made.append(prefix)
        return Api(http, prefix, store, state_dir)

    yield make
    for prefix in made:
        del apps.by_prefix[prefix]


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


def seed_with(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SEED), **changes}


def new(**params: Any) -> dict[str, Any]:
    """create.campaigns params: a valid campaign on site 1 plus ``params``."""
    return {"name": "New", "site_id": 1, **params}


def upd(campaign_id: Any, site_id: Any = 1, **params: Any) -> dict[str, Any]:
    """update.campaigns params for ``campaign_id`` (with its site_id) plus ``params``."""
    return {"id": campaign_id, "site_id": site_id, **params}


def block(site_block_id: Any, phone_number_id: Any, **extra: Any) -> dict[str, Any]:
    return {"site_block_id": site_block_id, "phone_number_id": phone_number_id, **extra}


# --- envelope -----------------------------------------------------------------------------------------

def test_parse_error(api: Api) -> None:
    reply = api.post(b'{"jsonrpc": "2.0", "id": 1,')
    assert reply["id"] is None
    assert (reply["error"]["code"], reply["error"]["data"]["mnemonic"]) == (-32700, "parse_error")


@pytest.mark.parametrize("body", [
    [{"jsonrpc": "2.0", "id": 1, "method": "get.sites", "params": {"access_token": TOKEN}}],
    {"id": 1, "method": "get.sites", "params": {"access_token": TOKEN}},
    {"jsonrpc": "2.0", "id": 1, "params": {"access_token": TOKEN}},
    {"jsonrpc": "2.0", "id": 1, "method": "get.sites", "params": [TOKEN]},
    {"jsonrpc": "2.0", "id": {"x": 1}, "method": "get.sites", "params": {"access_token": TOKEN}},
])
def test_invalid_request(api: Api, body: Any) -> None:
    error = api.post(body)["error"]
    assert (error["code"], error["data"]["mnemonic"]) == (-32600, "invalid_request")


def test_notifications_not_supported(api: Api) -> None:
    reply = api.post({"jsonrpc": "2.0", "method": "get.sites", "params": {"access_token": TOKEN}})
    error = reply["error"]
    assert (error["code"], error["data"]["mnemonic"]) == (-32099, "notifications_not_supported")


def test_method_not_found(api: Api) -> None:
    api.refused("get.nothing", {}, -32601, "method_not_found", None)


def test_any_path_answers_and_echoes_the_id(api: Api) -> None:
    for path in ("/", "/v2.0", "/any/thing"):
        reply = api.post({"jsonrpc": "2.0", "id": "abc", "method": "get.sites",
                          "params": {"access_token": TOKEN}}, path)
        assert reply["id"] == "abc" and reply["result"]["metadata"]["total_items"] == 2


# --- auth, limits -------------------------------------------------------------------------------------

def test_uis_18_bad_token_is_refused(api: Api) -> None:
    api.refused("create.campaigns", new(), -32001, "access_token_invalid", None, token="wrong")
    api.refused("get.campaigns", {}, -32001, "access_token_invalid", None, token=None)
    api.refused("get.campaigns", {"access_token": 12}, -32001, "access_token_invalid", None, token=None)


def test_uis_17_limit_exceeded_after_the_minute_limit(make_api: MakeApi) -> None:
    api = make_api(limits=RateLimits(minute_limit=3, day_limit=100))
    limits = [api.ok("get.sites")["metadata"]["limits"]]
    api.refused("get.sites", {}, -32001, "access_token_invalid", None, token="wrong")  # not counted
    limits += [api.ok("get.campaigns")["metadata"]["limits"] for _ in range(2)]
    assert [one["minute_remaining"] for one in limits] == [2, 1, 0]
    assert [one["day_remaining"] for one in limits] == [99, 98, 97]
    assert set(limits[0]) == {"day_limit", "day_remaining", "day_reset", "minute_limit", "minute_remaining",
                              "minute_reset"}
    api.refused("create.campaigns", new(), -32029, "limit_exceeded", None)


def test_uis_17_limits_reported_on_every_success(api: Api) -> None:
    metadata = api.ok("create.campaigns", **new())["metadata"]
    assert metadata["limits"]["minute_limit"] == RateLimits().minute_limit
    assert metadata["limits"]["minute_remaining"] == RateLimits().minute_limit - 1


def test_user_id_is_an_optional_integer(api: Api) -> None:
    assert api.ok("get.sites", user_id=4521)["metadata"]["total_items"] == 2
    api.refused("create.campaigns", new(user_id="4521"), PARAMS, TYPE, "user_id")


# --- reads --------------------------------------------------------------------------------------------

def test_get_campaigns_returns_read_objects_with_derived_fields(api: Api) -> None:
    result = api.ok("get.campaigns")
    assert [row["id"] for row in result["data"]] == [-1, 1, 2, 3, 100]
    assert result["metadata"]["total_items"] == 5
    spring = result["data"][1]
    assert spring["site_domain_name"] == "shop.example"
    assert spring["site_blocks"] == [{
        "site_block_id": 11, "site_block_name": "Header", "phone_number_type": "call_tracking",
        "phone_number_id": 501, "phone_number": "74950000501", "redirection_phone_number_id": 77,
        "redirection_phone_number": "74950000077", "dynamic_call_tracking_enabled": True}]
    assert set(spring) == set(UisLiveCampaign.model_fields)


def test_get_campaigns_paging(api: Api) -> None:
    result = api.ok("get.campaigns", limit=2, offset=1)
    assert [row["id"] for row in result["data"]] == [1, 2]
    assert result["metadata"]["total_items"] == 5
    assert api.ok("get.campaigns", offset=5)["data"] == []
    api.refused("get.campaigns", {"limit": 10_001}, PARAMS, INVALID, "limit")
    api.refused("get.campaigns", {"limit": 0}, PARAMS, INVALID, "limit")
    api.refused("get.campaigns", {"offset": 100_001}, PARAMS, INVALID, "offset")
    api.refused("get.campaigns", {"limit": "2"}, PARAMS, TYPE, "limit")
    api.refused("get.campaigns", {"page": 2}, PARAMS, "unexpected_parameters", "page")


def test_get_campaigns_fields(api: Api) -> None:
    rows = api.ok("get.campaigns", fields=["id", "site_domain_name"], limit=2)["data"]
    assert rows == [{"id": -1, "site_domain_name": "shop.example"},
                    {"id": 1, "site_domain_name": "shop.example"}]
    api.refused("get.campaigns", {"fields": ["id", "colour"]}, PARAMS, "unexpected_parameters", "fields.1")
    api.refused("get.campaigns", {"fields": "id"}, PARAMS, TYPE, "fields")


@pytest.mark.parametrize(("query", "ids"), [
    ({"field": "id", "operator": "=", "value": 3}, [3]),
    ({"field": "id", "operator": "="}, []),  # no value: compared with null (the docs)
    ({"field": "id", "operator": ">", "value": 2}, [3, 100]),
    ({"field": "id", "operator": "<=", "value": 1}, [-1, 1]),
    ({"field": "id", "operator": "in", "value": [100, 1, 42]}, [1, 100]),
    ({"field": "id", "operator": "not_in", "value": [-1, 100]}, [1, 2, 3]),
    ({"field": "name", "operator": "=", "value": "Autumn"}, [2]),
    ({"field": "name", "operator": "!=", "value": "Autumn"}, [-1, 1, 3, 100]),
    ({"field": "name", "operator": "in", "value": ["Blog", "Spring"]}, [1, 3]),
    ({"filters": [{"field": "site_id", "operator": "=", "value": 1},
                  {"field": "type", "operator": "=", "value": "basic"}], "condition": "and"}, [1, 2]),
    ({"filters": [{"field": "id", "operator": "=", "value": 3},
                  {"field": "status", "operator": "=", "value": "inactive"}], "condition": "or"}, [2, 3]),
])
def test_get_campaigns_filter(api: Api, query: dict[str, Any], ids: list[int]) -> None:
    result = api.ok("get.campaigns", filter=query, limit=1)
    assert result["metadata"]["total_items"] == len(ids)
    assert [row["id"] for row in api.ok("get.campaigns", filter=query)["data"]] == ids


@pytest.mark.parametrize(("query", "mnemonic", "field"), [
    ({"field": "id", "operator": "~", "value": 3}, INVALID, "filter.operator"),
    ({"field": "colour", "operator": "=", "value": 3}, "unexpected_parameters", "filter.field"),
    ({"field": "description", "operator": "=", "value": "x"}, "filter_prohibited", "filter.field"),
    ({"field": "id", "operator": "=", "value": "3"}, TYPE, "filter.value"),
    ({"field": "id", "operator": "in", "value": 3}, TYPE, "filter.value"),
    ({"field": "id", "operator": ">"}, TYPE, "filter.value"),
    ({"filters": [{"field": "id", "operator": "=", "value": True}], "condition": "and"}, TYPE,
     "filter.filters.0.value"),
    ({"filters": [], "condition": "xor"}, INVALID, "filter.condition"),
])
def test_get_campaigns_bad_filter(api: Api, query: dict[str, Any], mnemonic: str, field: str) -> None:
    api.refused("get.campaigns", {"filter": query}, PARAMS, mnemonic, field)


def test_get_campaigns_sort(api: Api) -> None:
    rows = api.ok("get.campaigns", sort=[{"field": "site_id", "order": "desc"},
                                         {"field": "name", "order": "asc"}])["data"]
    assert [row["id"] for row in rows] == [3, 2, 1, -1, 100]
    api.refused("get.campaigns", {"sort": [{"field": "name", "order": "up"}]}, PARAMS, INVALID, "sort.0.order")
    api.refused("get.campaigns", {"sort": [{"field": "id"}]}, PARAMS, "sort_prohibited", "sort.0.field")
    by_name = api.ok("get.campaigns", sort=[{"field": "name"}])["data"]  # order defaults to asc (the docs)
    assert [row["name"] for row in by_name] == sorted(row["name"] for row in by_name)


def test_get_campaigns_reads_ten_thousand_campaigns_fast(make_api: MakeApi) -> None:
    campaigns = [{"id": i, "name": f"c{i}", "site_id": 1, "site_blocks": [block(11, 503)]}
                 for i in range(1, 10_001)]
    api = make_api(seed_with(campaigns=campaigns))
    started = time.perf_counter()
    result = api.ok("get.campaigns", limit=10_000)
    assert time.perf_counter() - started < 1.0
    assert len(result["data"]) == 10_000
    assert result["data"][-1]["site_blocks"][0]["site_block_name"] == "Header"


def test_reference_lists(api: Api) -> None:
    numbers = api.ok("get.campaign_available_phone_numbers", limit=1, offset=3)
    assert numbers["data"] == [{"id": 504, "prefix": "7", "phone_number": "74950000504", "type": "user"}]
    assert numbers["metadata"]["total_items"] == 4
    redirections = api.ok("get.campaign_available_redirection_phone_numbers")["data"]
    assert redirections == [{"id": 77, "phone_number": "74950000077"},
                            {"id": 78, "phone_number": "74950000078"}]
    sites = api.ok("get.sites")["data"]
    assert sites[1] == {"id": 2, "domain_name": "blog.example",
                        "site_blocks": [{"site_block_id": 21, "site_block_name": "Main"}]}
    # reference reads take the documented fields, filter and sort (each method's page lists which)
    assert api.ok("get.sites", fields=["id"])["data"] == [{"id": 1}, {"id": 2}]
    assert api.ok("get.sites", filter={"field": "domain_name", "operator": "=", "value": "blog.example"},
                  fields=["id", "domain_name"])["data"] == [{"id": 2, "domain_name": "blog.example"}]
    found = api.ok("get.campaign_available_phone_numbers", filter={"field": "type", "operator": "=", "value": "user"},
                   sort=[{"field": "prefix", "order": "desc"}], fields=["id"])
    assert found["data"] == [{"id": 504}] and found["metadata"]["total_items"] == 1
    api.refused("get.campaign_available_redirection_phone_numbers", {"sort": [{"field": "id"}]}, PARAMS,
                "sort_prohibited", "sort.0.field")
    api.refused("get.sites", {"fields": ["colour"]}, PARAMS, "unexpected_parameters", "fields.0")


# --- create / delete, persistence, log ----------------------------------------------------------------

def test_create_fills_in_defaults(api: Api) -> None:
    created = api.ok("create.campaigns", **new(description="d"))
    assert created["data"] == {"id": 101}
    row = api.campaign(101)
    assert {k: row[k] for k in ("name", "description", "status", "type", "cost_ratio", "cost_ratio_operator",
                                "site_id", "site_domain_name", "site_blocks")} == {
        "name": "New", "description": "d", "status": "active", "type": "basic", "cost_ratio": 1,
        "cost_ratio_operator": "wo_changes", "site_id": 1, "site_domain_name": "shop.example",
        "site_blocks": []}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["creation_time"])


def test_new_ids_follow_next_id(make_api: MakeApi) -> None:
    api = make_api(seed_with(next_id=500))
    assert [api.create(), api.create()] == [500, 501]
    assert api.saved()["next_id"] == 502


def test_delete(api: Api) -> None:
    assert api.ok("delete.campaigns", id=2)["data"] == {}
    assert 2 not in [row["id"] for row in api.ok("get.campaigns")["data"]]
    api.refused("delete.campaigns", {"id": 2}, PARAMS, NOT_FOUND, "id")
    api.refused("delete.campaigns", {}, PARAMS, REQUIRED, "id")


def test_a_deleted_campaigns_id_is_never_given_again(make_api: MakeApi) -> None:
    basic = [c for c in SEED["campaigns"] if c["id"] not in (-1, 100)]  # the seed's highest id: deletable
    api = make_api(seed_with(campaigns=basic))
    highest = max(c["id"] for c in basic)
    api.ok("delete.campaigns", id=highest)
    assert api.create(name="After the delete") > highest  # a reused id would fool verify's "still exists" check


def test_state_persists_across_reopen(api: Api) -> None:
    new_id = api.create(name="Kept")
    reopened = SandboxStore.open(api.state_dir, ACCOUNT, None, UisSeed)
    assert [c["name"] for c in reopened.state["campaigns"] if c["id"] == new_id] == ["Kept"]


def test_every_request_is_logged_with_the_token_masked(api: Api) -> None:
    api.create()
    api.refused("update.campaigns", upd(1, name=TOKEN * 2, description=1), PARAMS, TYPE, "description")
    api.post(b"nope")
    api.call("get.sites", token="wrong")
    log_path = api.state_dir / f"{ACCOUNT}.requests.jsonl"
    entries = read_log(log_path)
    assert [(e["method"], e["operation"]) for e in entries] == [
        ("POST", "create.campaigns"), ("POST", "update.campaigns"), ("POST", ""), ("POST", "get.sites")]
    assert entries[0]["outcome"] == "ok"
    assert entries[1]["outcome"] == {"code": PARAMS, "mnemonic": TYPE, "field": "description"}
    assert entries[3]["outcome"]["mnemonic"] == "access_token_invalid"
    assert TOKEN not in log_path.read_text()


# --- the rules ----------------------------------------------------------------------------------------

def test_uis_01_system_and_integrated_campaigns_take_only_blocks_and_tracking(api: Api) -> None:
    api.refused("update.campaigns", upd(-1, name="x"), -32003, "forbidden", "name")
    api.refused("update.campaigns", upd(100, campaign_conditions={"group_conditions": []}), -32003,
                "forbidden", "campaign_conditions")
    api.refused("update.campaigns", upd(100, status="inactive"), -32003, "forbidden", "status")
    api.ok("update.campaigns", **upd(-1, site_blocks=[block(12, 504)], dynamic_call_tracking=DCT))
    assert api.campaign(-1)["site_blocks"][0]["phone_number_type"] == "user"


def test_uis_01_only_basic_campaigns_are_deleted_or_created(api: Api) -> None:
    api.refused("delete.campaigns", {"id": -1}, -32602, "forbidden", "id")  # the docs' delete error list
    api.refused("delete.campaigns", {"id": 100}, -32602, "forbidden", "id")
    for key, value in (("type", "system"), ("id", 5), ("cost_ratio", 2), ("engine", "vk.ads")):
        api.refused("create.campaigns", new(**{key: value}), PARAMS, "unexpected_parameters", key)


def test_uis_02_update_is_partial_and_objects_replace_whole(api: Api) -> None:
    before = api.campaign(1)
    assert api.ok("update.campaigns", **upd(1, name="Spring 2"))["data"] == {}
    assert api.campaign(1) == {**before, "name": "Spring 2"}
    api.ok("update.campaigns", **upd(1, dynamic_call_tracking=DCT))
    assert api.campaign(1)["dynamic_call_tracking"]["reservation_time"] == "15m"  # not the old 1h
    conditions = {"group_conditions": [{"conditions": [
        {"type": "exclude", "campaign_parameter": "channel", "operator": "=", "value": "organic"}]}]}
    api.ok("update.campaigns", **upd(1, campaign_conditions=conditions))
    assert api.campaign(1)["campaign_conditions"] == conditions
    assert api.campaign(1)["description"] == "spring sale"


def test_uis_03_blocks_missing_from_the_list_are_reset(api: Api) -> None:
    both = [block(11, 501, redirection_phone_number_id=77), block(12, 502, redirection_phone_number_id=78)]
    api.ok("update.campaigns", **upd(1, site_blocks=both))
    assert [b["site_block_id"] for b in api.campaign(1)["site_blocks"]] == [11, 12]
    api.ok("update.campaigns", **upd(1, site_blocks=both[1:]))
    assert [b["site_block_id"] for b in api.campaign(1)["site_blocks"]] == [12]


def test_uis_04_update_needs_the_unchanged_site_id(api: Api) -> None:
    api.refused("update.campaigns", {"id": 1, "name": "x"}, PARAMS, REQUIRED, "site_id")
    api.refused("update.campaigns", upd(1, site_id=2), PARAMS, INVALID, "site_id")
    api.refused("update.campaigns", upd(1, site_id="1"), PARAMS, TYPE, "site_id")
    api.refused("update.campaigns", upd(42), PARAMS, NOT_FOUND, "id")


def test_uis_04_create_needs_an_existing_site(api: Api) -> None:
    api.refused("create.campaigns", {"name": "x"}, PARAMS, REQUIRED, "site_id")
    api.refused("create.campaigns", new(site_id=99), PARAMS, NOT_FOUND, "site_id")


def test_uis_05_name_required_and_description_at_most_255(api: Api) -> None:
    api.refused("create.campaigns", {"site_id": 1}, PARAMS, REQUIRED, "name")
    api.refused("create.campaigns", new(description="d" * 256), PARAMS, INVALID, "description")
    api.refused("update.campaigns", upd(1, description="d" * 256), PARAMS, INVALID, "description")
    api.refused("create.campaigns", new(name=5), PARAMS, TYPE, "name")
    api.refused("create.campaigns", new(description=None), PARAMS, TYPE, "description")
    api.refused("create.campaigns", new(name=""), PARAMS, INVALID, "name")
    assert api.campaign(api.create(description="d" * 255))["description"] == "d" * 255


def test_uis_06_status_values_and_inactive_resets_blocks(api: Api) -> None:
    api.refused("create.campaigns", new(status="paused"), PARAMS, INVALID, "status")
    api.refused("update.campaigns", upd(1, status="paused"), PARAMS, INVALID, "status")
    api.ok("update.campaigns", **upd(1, status="inactive"))
    row = api.campaign(1)
    assert (row["status"], row["site_blocks"], row["dynamic_call_tracking"]["count_visits"]) == (
        "inactive", [], 200)


def test_uis_07_no_site_blocks_on_an_inactive_campaign(api: Api) -> None:
    blocks = [block(12, 503)]
    api.refused("create.campaigns", new(status="inactive", site_blocks=blocks), PARAMS, COMBINATION,
                "site_blocks")
    api.refused("update.campaigns", upd(2, site_blocks=blocks), PARAMS, COMBINATION, "site_blocks")
    api.refused("update.campaigns", upd(2, status="active", site_blocks=blocks), PARAMS, COMBINATION,
                "site_blocks")
    api.refused("update.campaigns", upd(1, status="inactive", site_blocks=[]), PARAMS, COMBINATION,
                "site_blocks")
    api.ok("update.campaigns", **upd(2, status="active"))
    api.ok("update.campaigns", **upd(2, site_blocks=blocks))
    assert api.campaign(2)["site_blocks"][0]["phone_number"] == "74950000503"


def test_uis_08_phone_number_and_block_must_exist(api: Api) -> None:
    api.refused("create.campaigns", new(site_blocks=[block(11, 999)]), PARAMS, NOT_FOUND,
                "site_blocks.0.phone_number_id")
    api.refused("create.campaigns", new(site_blocks=[block(12, 503), block(11, 999)]), PARAMS, NOT_FOUND,
                "site_blocks.1.phone_number_id")
    api.refused("create.campaigns", new(site_blocks=[block(21, 503)]), PARAMS, NOT_FOUND,
                "site_blocks.0.site_block_id")
    api.refused("create.campaigns", new(site_blocks=[block(12, 503), block(12, 504)]), PARAMS, INVALID,
                "site_blocks.1.site_block_id")


def test_uis_09_a_call_tracking_number_serves_one_campaign(api: Api) -> None:
    api.refused("create.campaigns", new(site_blocks=[block(12, 501, redirection_phone_number_id=77)]),
                PARAMS, "already_in_use", "site_blocks.0.phone_number_id")
    twice = [block(11, 502, redirection_phone_number_id=77), block(12, 502, redirection_phone_number_id=78)]
    api.refused("create.campaigns", new(site_blocks=twice), PARAMS, "already_in_use",
                "site_blocks.1.phone_number_id")
    kept = [block(12, 501, redirection_phone_number_id=78)]
    api.ok("update.campaigns", **upd(1, site_blocks=kept))  # its own number moves to another block
    api.create(site_blocks=[block(11, 503)])  # va numbers are shared
    api.ok("update.campaigns", **upd(1, site_blocks=[]))
    api.create(site_blocks=[block(12, 501, redirection_phone_number_id=77)])  # released, taken


@pytest.mark.parametrize(("blocks", "components", "code", "mnemonic"), [
    ([block(11, 502)], ["va"], PARAMS, REQUIRED),
    ([block(11, 503, redirection_phone_number_id=77)], ["va"], PARAMS, COMBINATION),
    ([block(11, 504, redirection_phone_number_id=77)], ["va"], PARAMS, COMBINATION),
    ([block(11, 502, redirection_phone_number_id=99)], ["va"], PARAMS, INVALID),
    ([block(11, 502, redirection_phone_number_id=77)], [], -32008, "parameter_component_disabled"),
    ([block(11, 502, redirection_phone_number_id=None)], ["va"], PARAMS, TYPE),
])
def test_uis_10_redirection_number(make_api: MakeApi, blocks: list[dict[str, Any]], components: list[str],
                                   code: int, mnemonic: str) -> None:
    api = make_api(seed_with(components=components))
    api.refused("create.campaigns", new(site_blocks=blocks), code, mnemonic,
                "site_blocks.0.redirection_phone_number_id")


def test_uis_10_redirection_number_accepted(api: Api) -> None:
    new_id = api.create(site_blocks=[block(11, 502, redirection_phone_number_id=78)])
    assert api.campaign(new_id)["site_blocks"][0]["redirection_phone_number"] == "74950000078"


def test_uis_11_dynamic_tracking_flag(make_api: MakeApi) -> None:
    api = make_api()
    field = "site_blocks.0.dynamic_call_tracking_enabled"
    flagged = [block(11, 504, dynamic_call_tracking_enabled=True)]
    api.refused("create.campaigns", new(site_blocks=flagged, dynamic_call_tracking=DCT), PARAMS, COMBINATION,
                field)
    flagged = [block(11, 503, dynamic_call_tracking_enabled=True)]
    api.refused("create.campaigns", new(status="inactive", site_blocks=flagged, dynamic_call_tracking=DCT),
                PARAMS, COMBINATION, "site_blocks")
    api.refused("create.campaigns", new(site_blocks=[block(11, 503, dynamic_call_tracking_enabled=1)]),
                PARAMS, TYPE, field)
    api.create(site_blocks=flagged, dynamic_call_tracking=DCT)
    without = make_api(seed_with(components=["va"]))
    without.refused("create.campaigns", new(site_blocks=flagged, dynamic_call_tracking=DCT), -32008,
                    "parameter_component_disabled", field)
    without.create(site_blocks=[block(11, 503, dynamic_call_tracking_enabled=False)])


def test_uis_12_tracking_settings_required_with_the_flag(make_api: MakeApi) -> None:
    api = make_api()
    flagged = [block(11, 503, dynamic_call_tracking_enabled=True)]
    api.refused("create.campaigns", new(site_blocks=flagged), PARAMS, COMBINATION, "dynamic_call_tracking")
    api.refused("update.campaigns", upd(1, site_blocks=[block(11, 501, redirection_phone_number_id=77,
                                                              dynamic_call_tracking_enabled=True)]),
                PARAMS, COMBINATION, "dynamic_call_tracking")
    without = make_api(seed_with(components=["va"]))
    without.refused("update.campaigns", upd(1, dynamic_call_tracking=DCT), -32008,
                    "parameter_component_disabled", "dynamic_call_tracking")


@pytest.mark.parametrize(("dct", "mnemonic", "field"), [
    ({**DCT, "reservation_time": "3m"}, INVALID, "dynamic_call_tracking.reservation_time"),
    ({"count_virtual_numbers": 2}, REQUIRED, "dynamic_call_tracking.count_visits"),
    ({"count_visits": 2}, REQUIRED, "dynamic_call_tracking.count_virtual_numbers"),
    ({**DCT, "count_virtual_numbers": 0}, INVALID, "dynamic_call_tracking.count_virtual_numbers"),
    ({**DCT, "count_visits": "5"}, TYPE, "dynamic_call_tracking.count_visits"),
    ({**DCT, "coverage_visitors": 0.5}, "unexpected_parameters", "dynamic_call_tracking.coverage_visitors"),
    ([DCT], TYPE, "dynamic_call_tracking"),
])
def test_uis_13_dynamic_call_tracking_values(api: Api, dct: Any, mnemonic: str, field: str) -> None:
    api.refused("update.campaigns", upd(1, dynamic_call_tracking=dct), PARAMS, mnemonic, field)


def test_uis_13_reservation_time_defaults_to_15m(api: Api) -> None:
    new_id = api.create(dynamic_call_tracking=DCT)
    assert api.saved()["campaigns"][-1]["dynamic_call_tracking"] == {**DCT, "reservation_time": "15m",
                                                                     "coverage_visitors": None}
    assert api.campaign(new_id)["dynamic_call_tracking"]["reservation_time"] == "15m"


def test_uis_14_cost_ratio(api: Api) -> None:
    api.refused("update.campaigns", upd(1, cost_ratio=0.5), PARAMS, INVALID, "cost_ratio")
    api.refused("update.campaigns", upd(1, cost_ratio="2"), PARAMS, TYPE, "cost_ratio")
    api.refused("update.campaigns", upd(1, cost_ratio=True), PARAMS, TYPE, "cost_ratio")
    api.refused("update.campaigns", upd(1, cost_ratio_operator="add"), PARAMS, INVALID, "cost_ratio_operator")
    api.refused("create.campaigns", new(cost_ratio_operator="divide"), PARAMS, "unexpected_parameters",
                "cost_ratio_operator")
    api.ok("update.campaigns", **upd(1, cost_ratio=2.5, cost_ratio_operator="multiply"))
    row = api.campaign(1)
    assert (row["cost_ratio"], row["cost_ratio_operator"]) == (2.5, "multiply")


def condition(parameter: str = "utm_source", operator: str = "=", value: Any = "x",
              **extra: Any) -> dict[str, Any]:
    return {"type": "include", "campaign_parameter": parameter, "operator": operator, "value": value, **extra}


def groups(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"group_conditions": [{"conditions": list(conditions)}]}


G0 = "campaign_conditions.group_conditions"
C0 = f"{G0}.0.conditions.0"


@pytest.mark.parametrize(("conditions", "mnemonic", "field"), [
    ({"group_conditions": [{"conditions": [condition()]}] * 31}, INVALID, G0),
    ({"group_conditions": [{"conditions": []}]}, INVALID, f"{G0}.0.conditions"),
    ({"group_conditions": [{"conditions": [condition()] * 51}]}, INVALID, f"{G0}.0.conditions"),
    ({}, REQUIRED, G0),
    (groups(condition(type="maybe")), INVALID, f"{C0}.type"),
    (groups(condition("colour")), INVALID, f"{C0}.campaign_parameter"),
    (groups(condition("search_engine", "sub", "yandex")), INVALID, f"{C0}.operator"),
    (groups(condition("search_engine", "=", "altavista")), INVALID, f"{C0}.value"),
    (groups(condition("channel", "~", "organic")), INVALID, f"{C0}.operator"),
    (groups(condition("referrer", "~", "(unclosed")), INVALID, f"{C0}.value"),
    (groups(condition("referrer", "like", "x")), INVALID, f"{C0}.operator"),
    (groups(condition(value=3)), TYPE, f"{C0}.value"),
    (groups(condition(weight=1)), "unexpected_parameters", f"{C0}.weight"),
    (groups({"type": "include", "campaign_parameter": "city", "operator": "="}), REQUIRED, f"{C0}.value"),
])
def test_uis_15_campaign_conditions(api: Api, conditions: dict[str, Any], mnemonic: str, field: str) -> None:
    api.refused("create.campaigns", new(campaign_conditions=conditions), PARAMS, mnemonic, field)


def test_uis_15_valid_conditions_are_stored(api: Api) -> None:
    conditions = {"group_conditions": [{"conditions": [condition()] * 50}] * 30}
    assert api.campaign(api.create(campaign_conditions=conditions))["campaign_conditions"] == conditions
    conditions = groups(condition("engine", "=", "8"), condition("referrer", "~", r"^https?://(www\.)?x"),
                        condition("city", "sub", "Mos", type="exclude"))
    api.ok("update.campaigns", **upd(1, campaign_conditions=conditions))
    assert api.campaign(1)["campaign_conditions"] == conditions


@pytest.mark.parametrize(("method", "params", "mnemonic", "field"), [
    ("update.campaigns", upd("1"), TYPE, "id"),
    ("update.campaigns", upd(True), TYPE, "id"),
    ("update.campaigns", upd(1, site_blocks={"site_block_id": 11}), TYPE, "site_blocks"),
    ("update.campaigns", upd(1, site_blocks=[[11, 501]]), TYPE, "site_blocks.0"),
    ("update.campaigns", upd(1, site_blocks=[block(12, 503, phone="x")]), "unexpected_parameters",
     "site_blocks.0.phone"),
    ("update.campaigns", upd(1, site_blocks=[{"site_block_id": 12}]), REQUIRED,
     "site_blocks.0.phone_number_id"),
    ("update.campaigns", upd(1, site_blocks=[block(12, 503.0)]), TYPE, "site_blocks.0.phone_number_id"),
    ("update.campaigns", upd(1, type="basic"), "unexpected_parameters", "type"),
    ("create.campaigns", new(campaign_conditions=[]), TYPE, "campaign_conditions"),
])
def test_parameter_types_and_unknown_keys(api: Api, method: str, params: dict[str, Any], mnemonic: str,
                                          field: str) -> None:
    api.refused(method, params, PARAMS, mnemonic, field)
