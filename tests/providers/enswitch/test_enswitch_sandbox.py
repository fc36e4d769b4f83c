"""The Enswitch sandbox over real HTTP: envelope, separators, auth and roles, and every ENS rule it enforces."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.providers.enswitch.model import EnswitchSeed
from reconciler.providers.enswitch.sandbox import build_app
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

USER, PASSWORD = "sandbox-user", "pw-7c1e9b3f"
ACCOUNT = "ens"
BASE = "/api/json/bulk/campaigns"
SEED: dict[str, Any] = {"campaigns": [
    {"id": 1, "name": "Queue", "dtype": "queue", "dnumber": "700", "maximum": 4, "keep_agents_available": 3},
    {"id": 2, "name": "Agent", "dtype": "agent", "dnumber": "2001", "enabled": 0},
]}


@dataclass
class Api:
    """A client of one sandbox; ``call`` sends parameters in the query string, separated by ``;``."""

    http: httpx.Client
    store: SandboxStore
    log: Path

    def call(self, action: str, method: str = "GET", auth: bool = True, **params: Any) -> dict[str, Any]:
        sent = {**({"auth_username": USER, "auth_password": PASSWORD} if auth else {}), **params}
        query = ";".join(f"{k}={v}" for k, v in sent.items())
        response = self.http.request(method, f"{BASE}/{action}/?{query}")
        assert response.status_code == 200  # ENS-04: the outcome is in the envelope
        body: dict[str, Any] = response.json()
        return body

    def code(self, action: str, **params: Any) -> tuple[str, str]:
        [first] = self.call(action, "POST", **params)["responses"]
        assert isinstance(first["code"], str) and isinstance(first["message"], str)
        return first["code"], first["key"]

    def refused(self, action: str, code: str, key: str, **params: Any) -> None:
        """Assert the request is refused as stated and that it changed nothing."""
        before = copy.deepcopy(self.store.state)
        assert self.code(action, **params) == (code, key)
        assert self.store.state == before

    def campaign(self, cid: int) -> dict[str, Any]:
        body = self.call("get", id=cid)
        assert body["responses"][0]["code"] == "200", body
        row: dict[str, Any] = body["data"]
        return row


@contextlib.contextmanager
def _api(tmp_path: Path, **seed: Any) -> Iterator[Api]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps({**SEED, **seed}))
    store = SandboxStore.open(tmp_path / "state", ACCOUNT, seed_file, EnswitchSeed, [USER, PASSWORD])
    with SandboxServer(build_app(store, USER, PASSWORD)) as server, httpx.Client(base_url=server.url) as http:
        yield Api(http, store, tmp_path / "state" / f"{ACCOUNT}.requests.jsonl")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with _api(tmp_path) as served:
        yield served


def test_get_and_post_with_semicolon_and_ampersand_separators_and_a_form_body(api: Api) -> None:
    semi = api.http.get(f"{BASE}/get/?auth_username={USER};auth_password={PASSWORD};id=1").json()
    amp = api.http.post(f"{BASE}/get?auth_username={USER}&auth_password={PASSWORD}&id=1").json()
    form = api.http.post(f"{BASE}/get/", content=f"auth_username={USER};auth_password={PASSWORD}&id=1",
                         headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
    assert semi == amp == form
    assert semi["data"]["name"] == "Queue"


def test_ens_01_sandbox_resets_keep_agents_available_when_an_update_omits_it(api: Api) -> None:
    assert api.code("update", id=1, keep_agents_available=3, maximum=5) == ("204", "")
    assert api.campaign(1)["keep_agents_available"] == "3"
    assert api.code("update", id=1, maximum=6) == ("204", "")
    row = api.campaign(1)
    assert (row["keep_agents_available"], row["maximum"], row["dnumber"]) == ("0", "6", "700")  # others kept


@pytest.mark.parametrize(("params", "key"), [
    ({"enabled": 2}, "enabled"), ({"machine": "maybe"}, "machine"), ({"success": "hangup"}, "success"),
    ({"attempts": 0}, "attempts"), ({"maximum": -1}, "maximum"), ({"retry": "soon"}, "retry"),
    ({"owner": -1}, "owner"), ({"recordgroup": "x"}, "recordgroup"), ({"timegroup": -3}, "timegroup"),
    ({"dtype": "fax"}, "dtype"), ({"colour": "red"}, "colour"),
])
def test_ens_02_sandbox_refuses_bad_values_with_400_naming_the_parameter(api: Api, params: dict[str, Any],
                                                                          key: str) -> None:
    api.refused("update", "400", key, id=1, keep_agents_available=3, **params)


def test_ens_02_sandbox_allows_negative_keep_agents_available_only_for_a_queue(api: Api) -> None:
    api.refused("update", "400", "keep_agents_available", id=2, keep_agents_available=-1)
    api.refused("update", "400", "keep_agents_available", id=1, keep_agents_available=-1, dtype="agent")
    assert api.code("update", id=1, keep_agents_available=-2) == ("204", "")
    assert api.code("update", id=2, keep_agents_available=-1, dtype="queue") == ("204", "")


def test_ens_03_validation_1_answers_201_and_acts_on_nothing(api: Api) -> None:
    before = copy.deepcopy(api.store.state)
    assert api.code("update", id=1, maximum=9, keep_agents_available=3, validation=1) == ("201", "")
    assert api.code("create", name="New", dtype="agent", dnumber="1", validation=1) == ("201", "")
    assert api.store.state == before
    api.refused("create", "400", "dnumber", name="New", dtype="agent", validation=1)
    api.refused("update", "400", "validation", id=1, validation=2)


def test_ens_04_outcomes_travel_in_the_envelope_with_string_codes(tmp_path: Path) -> None:
    with _api(tmp_path / "a", role="user") as api:
        api.refused("list", "401", "", auth_password="wrong")
        assert api.call("list", auth=False)["responses"][0]["code"] == "401"
        api.refused("create", "402", "", name="New", dtype="agent", dnumber="1")
        api.refused("update", "404", "id", id=99, maximum=2)
        api.refused("delete", "404", "id", id=99)
        assert api.code("update", id=2, maximum=2) == ("204", "")  # the user role may update
    with _api(tmp_path / "b", rate_plan_allows_bulk=False) as denied:
        denied.refused("list", "403", "")


def test_ens_05_credentials_are_masked_in_the_request_log(api: Api) -> None:
    api.call("list")
    api.call("list", auth_password="wrong-password")
    text = api.log.read_text()
    assert USER not in text and PASSWORD not in text
    assert [e["params"]["auth_password"] for e in read_log(api.log)] == ["***", "***"]


def test_ens_06_before_4_2_keep_agents_available_is_an_unknown_parameter(tmp_path: Path) -> None:
    with _api(tmp_path, version="4.1") as api:
        api.refused("update", "400", "keep_agents_available", id=1, keep_agents_available=1)
        assert api.code("update", id=1, maximum=7) == ("204", "")
        assert api.campaign(1)["keep_agents_available"] == "3"  # no such field to reset before 4.2


def test_ens_07_create_needs_name_dtype_dnumber_and_the_administrator_role_and_fills_defaults(api: Api) -> None:
    for missing in ("name", "dtype", "dnumber"):
        params = {k: v for k, v in {"name": "New", "dtype": "agent", "dnumber": "55"}.items() if k != missing}
        api.refused("create", "400", missing, **params)
    body = api.call("create", "POST", name="New", dtype="agent", dnumber="55")
    assert body["responses"][0]["code"] == "200"
    new_id = body["data"]["id"]
    assert new_id == "3"
    assert api.campaign(3) == {
        "id": "3", "name": "New", "dtype": "agent", "dnumber": "55", "attempts": "1", "callerid": "",
        "description": "", "enabled": "1", "machine": "failed", "maximum": "1", "keep_agents_available": "0",
        "owner": "0", "recordgroup": "0", "retry": "3600", "success": "answer", "timegroup": "0"}


def test_ens_08_data_values_come_back_as_strings(api: Api) -> None:
    rows = api.call("list")["data"]
    assert [r["id"] for r in rows] == ["1", "2"]
    assert all(isinstance(v, str) for row in rows for v in row.values())


def test_delete_removes_the_campaign(api: Api) -> None:
    assert api.code("delete", id=2) == ("204", "")
    assert api.call("get", id=2)["responses"][0]["code"] == "404"
