"""Enswitch JSON API wire contract: the requests the client sends and the answers the sandbox gives, both pinned
to recorded shapes from Enswitch's documentation (issue 18; docs/vendors.md).

Sources of the recorded shapes:
- bulk/campaigns/update (shared/vendor-docs/enswitch-bulk-campaigns-update.txt; integrics.com/enswitch/guides/
  4.4/en/dev/json/bulk/campaigns/update): the request
  ``http://enswitch.example.com/api/json/bulk/campaigns/update/?auth_username=user;auth_password=password;id=123;
  name=example`` and its answer ``{ "responses":[ { "code":"204", "key":"", "message":"OK" } ] }``.
- bulk/campaigns/list (a deployment's copy of the guide, www.015pbx.net/local/guide/dev/json/bulk/campaigns/list):
  ``.../bulk/campaigns/list/?auth_username=user;auth_password=password`` answering
  ``{ "responses":[ { "code":"200", "key":"", "message":"OK" } ], "data":[ { "id":"1", "name":"example1", ... } ] }``.
- bulk/campaigns/create (integrics.com/enswitch/guides/4.4/en/dev/json/bulk/campaigns/create): required name,
  dtype, dnumber; code 200, "The ID of the created campaign" (its example is cut off: ``data:{"id":..}`` is our
  reading, and the client also takes a bare id).
- JSON API introduction (integrics.com/enswitch/guides/4.4/en/dev/json/intro): "Clients may use HTTP GET or POST,
  as they prefer"; the public Go client aleyrizvi/enswitch-go (backend.go) GETs every call, query string only.
- Not in the public guides: bulk/campaigns/get and bulk/campaigns/delete. The client never calls get; delete is
  called like bulk/destinations/delete (204, or 404), and a lost one is looked up with bulk/campaigns/list.

The client is driven through ``httpx.MockTransport`` (no sandbox); the sandbox over real HTTP is sent the same
recorded requests and must answer in the same recorded shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Repo
from wire_recording import Handler, recording, run, seeded_store, shape

from reconciler.model import Action, Operation
from reconciler.providers.enswitch.client import EnswitchSession
from reconciler.providers.enswitch.model import EnswitchSeed
from reconciler.providers.enswitch.rules import CREATE, DELETE, UPDATE
from reconciler.providers.enswitch.sandbox import build_app
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

USER, PASSWORD = "doc-user-5d1c", "doc-password-9e2a"
"""The documentation's ``user`` / ``password``, made unique: every credential a session is given is masked
process-wide (ENG-08), and ``user`` would mask ``auth_username`` in every later test's log."""
HOST = "http://enswitch.example.com"
DOC_AUTH = "auth_username=user;auth_password=password"
AUTH = f"auth_username={USER};auth_password={PASSWORD}"
RECORDED_UPDATE_URL = f"/api/json/bulk/campaigns/update/?{DOC_AUTH};id=123;name=example".replace(DOC_AUTH, AUTH)
RECORDED_UPDATE_ANSWER = {"responses": [{"code": "204", "key": "", "message": "OK"}]}
RECORDED_LIST_URL = f"/api/json/bulk/campaigns/list/?{DOC_AUTH}".replace(DOC_AUTH, AUTH)
RECORDED_LIST_ANSWER = {"responses": [{"code": "200", "key": "", "message": "OK"}],
                        "data": [{"id": "1", "name": "example1", "dtype": "queue", "dnumber": "700", "maximum": "4"},
                                 {"id": "2", "name": "example2", "dtype": "agent", "dnumber": "2001"}]}
RECORDED_CREATE_ANSWER = {"responses": [{"code": "200", "key": "", "message": "OK"}], "data": {"id": "124"}}
DOCUMENTED_ACTIONS = frozenset({"list", "create", "update", "delete"})
"""The calls the client may make: the three in the guides, and delete (read from its sibling calls)."""



def _session(handler: Handler) -> tuple[EnswitchSession, list[httpx.Request]]:
    client, seen = recording(handler)
    return EnswitchSession(HOST, USER, PASSWORD, client), seen



def _target(request: httpx.Request) -> str:
    """The request's path and raw query string, as the documentation writes a call."""
    return request.url.raw_path.decode()


def _op(method: str, request: dict[str, Any]) -> Operation:
    return Operation("e:x:step", "e", "x", Action.UPDATE, method, request)


def _answering(*bodies: dict[str, Any]) -> Handler:
    pending = list(bodies)
    return lambda request: httpx.Response(200, json=pending.pop(0))


# ---- the client, against recorded answers ------------------------------------------------------------------

def test_client_sends_the_documented_update_as_a_get_with_semicolons() -> None:
    session, seen = _session(_answering(RECORDED_UPDATE_ANSWER))
    request = {"id": 123, "name": "example"}
    assert run(session, lambda s: s.execute(_op(UPDATE, request), request)) == {}
    [sent] = seen
    assert (sent.method, _target(sent), sent.content) == ("GET", RECORDED_UPDATE_URL, b"")


def test_client_reads_the_documented_list_with_string_values() -> None:
    session, seen = _session(_answering(RECORDED_LIST_ANSWER))
    live = run(session, lambda s: s.read())
    assert [(c.id, c.key) for c in live.campaigns] == [(1, "example1"), (2, "example2")]
    assert (seen[0].method, _target(seen[0])) == ("GET", RECORDED_LIST_URL)


@pytest.mark.parametrize("data", [{"id": "124"}, "124", 124])
def test_client_reads_the_created_campaigns_id(data: Any) -> None:
    session, seen = _session(_answering({**RECORDED_CREATE_ANSWER, "data": data}))
    request = {"name": "New", "dtype": "agent", "dnumber": "55"}
    assert run(session, lambda s: s.execute(_op(CREATE, request), request)) == {"id": 124}
    assert (seen[0].method, _target(seen[0])) == (
        "GET", f"/api/json/bulk/campaigns/create/?{AUTH};name=New;dtype=agent;dnumber=55")


@pytest.mark.parametrize(("listed", "found"), [(RECORDED_LIST_ANSWER, None),
                                               ({**RECORDED_LIST_ANSWER, "data": []}, {})])
def test_a_lost_delete_is_looked_up_with_the_documented_list_only(listed: dict[str, Any], found: Any) -> None:
    session, seen = _session(_answering(listed))
    assert run(session, lambda s: s.recover(_op(DELETE, {"id": 1}), {"id": 1})) == found
    assert [_target(r).split("?")[0] for r in seen] == ["/api/json/bulk/campaigns/list/"]


def test_a_lost_create_is_looked_up_with_the_documented_list() -> None:
    session, seen = _session(_answering(RECORDED_LIST_ANSWER))
    assert run(session, lambda s: s.recover(_op(CREATE, {"name": "example2"}), {"name": "example2"})) == {"id": 2}
    assert [r.method for r in seen] == ["GET"]


def test_a_refusal_names_the_parameter_in_key() -> None:
    refusal = {"responses": [{"code": "400", "key": "maximum", "message": "maximum must be at least 1."}]}
    session, _ = _session(_answering(refusal))
    with pytest.raises(Exception) as caught:
        run(session, lambda s: s.execute(_op(UPDATE, {"id": 1, "maximum": 0}), {"id": 1, "maximum": 0}))
    assert (getattr(caught.value, "code", None), getattr(caught.value, "field", None)) == ("400", "maximum")


# ---- the sandbox, sent the recorded requests ------------------------------------------------------------------

SEED = {"role": "administrator", "campaigns": [
    {"id": 1, "name": "example1", "dtype": "queue", "dnumber": "700", "maximum": 4},
    {"id": 123, "name": "example", "dtype": "agent", "dnumber": "2001"}]}



@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[httpx.Client, SandboxStore]]:
    store = seeded_store(tmp_path, "ens", SEED, EnswitchSeed, [USER, PASSWORD])
    with SandboxServer(build_app(store, USER, PASSWORD)) as server, httpx.Client(base_url=server.url) as http:
        yield http, store


def test_sandbox_answers_the_recorded_update_as_documented(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, store = sandbox
    answer = http.get(RECORDED_UPDATE_URL)
    assert (answer.status_code, answer.json()) == (200, RECORDED_UPDATE_ANSWER)
    assert [c["name"] for c in store.state["campaigns"]] == ["example1", "example"]
    assert read_log(store.log_path)[-1]["method"] == "GET"


def test_sandbox_answers_the_recorded_list_in_itsshape(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, _ = sandbox
    body = http.get(RECORDED_LIST_URL).json()
    assert body["responses"] == RECORDED_LIST_ANSWER["responses"]
    assert all(isinstance(v, str) for row in body["data"] for v in row.values())  # ENS-08: values as text
    assert shape(body["data"][0]) == {k: "str" for k in body["data"][0]} and body["data"][0]["id"] == "1"


def test_sandbox_create_answers_the_new_id(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, _ = sandbox
    body = http.get(f"/api/json/bulk/campaigns/create/?{AUTH};name=New;dtype=agent;dnumber=55").json()
    assert shape(body) == shape(RECORDED_CREATE_ANSWER) and body["data"]["id"] == "124"


def test_sandbox_takes_a_post_too_as_the_introduction_allows(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, store = sandbox
    body = http.post("/api/json/bulk/campaigns/update/", content=f"{AUTH};id=123;name=posted",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
    assert body == RECORDED_UPDATE_ANSWER and store.state["campaigns"][1]["name"] == "posted"


def test_sandbox_answers_an_unknown_campaign_with_the_documented_404(
        sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, _ = sandbox
    body = http.get(RECORDED_UPDATE_URL.replace("id=123", "id=9")).json()
    assert shape(body) == shape(RECORDED_UPDATE_ANSWER) and body["responses"][0]["code"] == "404"


DROPPING = """
version: 1
documents: ['**/*.y*ml']
accounts:
  e:
    provider: enswitch
    prune: true
    sandbox: {seed: seed.json, faults: {drop_rate: 1, limit: 1}}
apply: {attempts: 3, backoff: 0.01}
"""


def test_every_call_of_an_apply_is_a_documented_get_and_a_lost_delete_is_found_by_list(repo: Repo) -> None:
    """Through the sandbox: the delete's answer is lost, the apply finds it done with bulk/campaigns/list."""
    repo.write("reconciler.yaml", DROPPING)
    repo.write_json("seed.json", {"campaigns": [{"id": 1, "name": "Gone", "dtype": "agent", "dnumber": "1"},
                                                {"id": 2, "name": "Kept", "dtype": "agent", "dnumber": "2"}]})
    repo.write("a.yaml", "account: e\nname: Kept\ndtype: agent\ndnumber: '2'\n")  # only the delete writes
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "its answer was lost, but it had taken effect" in applied.out
    log = repo.requests("e")
    assert {(r["method"], r["operation"].rsplit("/", 1)[-1]) for r in log} <= {("GET", a) for a in DOCUMENTED_ACTIONS}
    assert [r["operation"] for r in log].count("bulk/campaigns/delete") == 1
    assert [c["name"] for c in repo.state("e")["campaigns"]] == ["Kept"]
    assert repo.run("plan", ".", "--detailed-exitcode").code == 0
