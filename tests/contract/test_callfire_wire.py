"""CallFire API 1.1 wire contract: the requests the client sends and the answers the sandbox gives, both pinned
to recorded shapes taken from CallFire's documentation and official clients (issue 18; docs/vendors.md).

Sources of the recorded shapes:
- UpdateCccCampaign page (shared/vendor-docs/callfire-UpdateCccCampaign.txt): the CccCampaign fields.
- Java client CallFire/callfire-api-1.1-client-java:
  callfire-api-1.1-client-test/src/main/resources/com/callfire/api11/client/api/ccc/{get,query,create}.json
  (answers: ``@id``, ``@totalResults``, ``"RetryPhoneTypes": "FIRST_NUMBER"``, ``"RetryResults": ""``,
  ``"LocalRestrictBegin": "08:00:00Z"``, the item key ``CccBroadcast``);
  .../client/api/ccc/model/{Question,TransferNumber}.java ``serializeToMap`` (``Question[0][label]`` ...),
  .../client/api/ccc/model/CccBroadcast.java (``@QueryParamObject RetryConfig``: its fields at the top level),
  .../src/test/java/.../api/CccsApiTest.java (the create's form: ``RetryResults=BUSY``, ``RetryResults=NO_ANS``).
- PHP SDK CallFire/CallFire-PHP-SDK: src/CallFire/Api/Rest/AbstractClient.php (``buildPostData`` joins an
  array by spaces; ``response`` takes an empty answer as success), Request/UpdateCccCampaign.php (RetryConfig
  fields as top-level parameters), querymap.php (``'id' => '@id'``).

The client is driven through ``httpx.MockTransport`` (no sandbox); the sandbox over real HTTP is sent the same
recorded requests and must answer in the same recorded shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from conftest import Repo
from wire_recording import Handler, recording, run, seeded_store, shape

from reconciler.model import Action, Operation
from reconciler.providers.callfire import fields, steps
from reconciler.providers.callfire.client import CallFireSession
from reconciler.providers.callfire.model import CallFireCampaign, CallFireSeed
from reconciler.providers.callfire.sandbox import PREFIX, build_app
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

LOGIN, PASSWORD = "api-login", "api-password"
BASE = "https://www.callfire.com/api/1.1/rest"
CONFIG = ("version: 1\ndocuments: ['**/*.y*ml']\n"
          "accounts:\n  c:\n    provider: callfire\n    sandbox: {seed: seed.json}\n")

# Java ccc/get.json (the resource of GetCccCampaign), as recorded by the official client's tests.
RECORDED_CAMPAIGN: dict[str, Any] = {
    "Name": "TestCCCBroadcast",
    "RetryConfig": {"MaxAttempts": 1, "MinutesBetweenAttempts": 60, "RetryResults": "",
                    "RetryPhoneTypes": "FIRST_NUMBER"},
    "Status": "STOPPED", "FromNumber": "18558214046", "LastModified": "2015-06-23T14:19:59Z",
    "LocalRestrictBegin": "08:00:00Z", "LocalRestrictEnd": "21:00:00Z", "AgentGroupId": 149740003,
    "AllowAnyTransfer": True, "Recorded": True, "MultilineDialingRatio": 2, "MultilineDialingEnabled": True,
    "@id": 5759746003,
}
RECORDED_GET = {"Resource": {"CccBroadcast": RECORDED_CAMPAIGN}}
RECORDED_CREATE = {"ResourceReference": {"Id": 1528630003,
                                         "Location": "https://www.callfire.com/api/1.1/rest/ccc/1528630003"}}
DOCUMENTED_FIELDS = frozenset({
    "@id", "Name", "Status", "Created", "LastModified", "LocalRestrictBegin", "LocalRestrictEnd", "ConfigUpdated",
    "Script", "Question", "TransferNumber", "FromNumber", "RetryConfig", "AgentGroupId", "AgentGroupName",
    "SmartDropSoundId", "SmartDropSoundRef", "AllowAnyTransfer", "TransferCallerId", "Recorded",
    "MultilineDialingRatio", "MultilineDialingEnabled", "ScrubLevel", "NumberOfRings", "Label"})
"""The CccCampaign object's fields on the UpdateCccCampaign page, the id as the ``@id`` attribute."""

# The UpdateCccCampaign form as the official clients encode it: RetryConfig flattened (Java CccBroadcast.java,
# PHP UpdateCccCampaign.php), an enum list one space-joined parameter (PHP buildPostData), lower-camel item keys
# and Choices joined by spaces (Java Question.java / TransferNumber.java serializeToMap).
RECORDED_UPDATE_FORM: list[tuple[str, str]] = [
    ("Name", "TestCCCBroadcast"), ("Script", "Hello"), ("FromNumber", "18558214046"),
    ("LocalRestrictBegin", "08:00:00"), ("LocalRestrictEnd", "21:00:00"),
    ("Question[0][label]", "Renew"), ("Question[0][responseType]", "CHOICE"), ("Question[0][choices]", "Yes No"),
    ("TransferNumber[0][name]", "Desk"), ("TransferNumber[0][number]", "12135550100"),
    ("TransferNumber[0][allowAssistedTransfer]", "true"),
    ("MaxAttempts", "3"), ("MinutesBetweenAttempts", "120"), ("RetryResults", "BUSY NO_ANS"),
    ("RetryPhoneTypes", "FIRST_NUMBER MOBILE_PHONE"), ("AllowAnyTransfer", "true"), ("Recorded", "true"),
]
UPDATE_REQUEST: dict[str, Any] = {
    "id": 5759746003, "Name": "TestCCCBroadcast", "Script": "Hello", "FromNumber": "18558214046",
    "LocalRestrictBegin": "08:00:00", "LocalRestrictEnd": "21:00:00",
    "Question": [{"Label": "Renew", "ResponseType": "CHOICE", "Choices": "Yes No"}],
    "TransferNumber": [{"Name": "Desk", "Number": "12135550100", "AllowAssistedTransfer": True}],
    "RetryConfig": {"MaxAttempts": 3, "MinutesBetweenAttempts": 120, "RetryResults": ["BUSY", "NO_ANS"],
                    "RetryPhoneTypes": ["FIRST_NUMBER", "MOBILE_PHONE"]},
    "AllowAnyTransfer": True, "Recorded": True,
}
"""The request the planner builds for that update (``fields.request_config`` shape)."""



def _session(handler: Handler, page: int = 1000) -> tuple[CallFireSession, list[httpx.Request]]:
    client, seen = recording(handler)
    return CallFireSession(BASE, LOGIN, PASSWORD, client, page=page), seen



def _form(request: httpx.Request) -> list[tuple[str, str]]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return parse_qsl(request.content.decode(), keep_blank_values=True)


def _op(method: str, request: dict[str, Any]) -> Operation:
    return Operation("c:x:step", "c", "x", Action.UPDATE, method, request)


# ---- the client, against recorded answers ------------------------------------------------------------------

@pytest.mark.parametrize("item_key", ["CccCampaign", "CccBroadcast"])  # the page's name; the Java recording's
def test_client_reads_at_id_and_every_page_up_to_at_total_results(item_key: str) -> None:
    total = 2503

    def answer(request: httpx.Request) -> httpx.Response:
        first = int(request.url.params["FirstResult"])
        size = int(request.url.params["MaxResults"])
        ids = range(first + 1, min(first + size, total) + 1)
        rows = [{**RECORDED_CAMPAIGN, "@id": i, "Name": f"C{i}"} for i in ids]
        return httpx.Response(200, json={"ResourceList": {"@totalResults": total, item_key: rows}})

    session, seen = _session(answer)
    live = run(session, lambda s: s.read())
    assert sorted(c.id for c in live.campaigns) == list(range(1, total + 1))
    assert sorted(int(r.url.params["FirstResult"]) for r in seen) == [0, 1000, 2000]
    assert {(r.method, urlsplit(str(r.url)).path, r.url.params["MaxResults"]) for r in seen} == {
        ("GET", "/api/1.1/rest/ccc.json", "1000")}
    assert all(r.headers["authorization"].startswith("Basic ") for r in seen)


def test_client_reads_a_one_item_list_given_as_a_bare_object() -> None:
    session, _ = _session(lambda r: httpx.Response(200, json={"ResourceList": {"@totalResults": 1,
                                                                               "CccCampaign": RECORDED_CAMPAIGN}}))
    assert [c.id for c in run(session, lambda s: s.read()).campaigns] == [5759746003]


def test_answers_enum_strings_and_zoned_times_read_as_a_document_writes_them() -> None:
    live = fields.live_fields(RECORDED_CAMPAIGN)
    assert live["RetryConfig.RetryPhoneTypes"] == ["FIRST_NUMBER"]  # not the letters of "FIRST_NUMBER"
    assert live["RetryConfig.RetryResults"] == []
    assert fields.live_fields({**RECORDED_CAMPAIGN, "RetryConfig": {"RetryResults": "BUSY NO_ANS"}})[
        "RetryConfig.RetryResults"] == ["BUSY", "NO_ANS"]
    assert (live["LocalRestrictBegin"], live["LocalRestrictEnd"]) == ("08:00:00", "21:00:00")
    exported = fields.export(RECORDED_CAMPAIGN)  # reconciler import writes a document its own schema accepts
    assert exported["RetryConfig"] == {"RetryPhoneTypes": ["FIRST_NUMBER"]}
    assert CallFireCampaign.model_validate({"account": "c", **exported}).LocalRestrictBegin == "08:00:00"


def test_client_sends_the_update_as_the_official_clients_encode_it() -> None:
    session, seen = _session(lambda r: httpx.Response(200, content=b""))
    assert run(session, lambda s: s.execute(_op(steps.UPDATE, UPDATE_REQUEST), UPDATE_REQUEST)) == {}
    [request] = seen
    assert (request.method, request.url.path) == ("PUT", "/api/1.1/rest/ccc/5759746003.json")
    assert _form(request) == RECORDED_UPDATE_FORM


def test_an_update_merged_from_a_read_campaign_sends_whole_enum_values_never_letters() -> None:
    """The live RetryPhoneTypes is the string "FIRST_NUMBER": the update that carries it back (CF-01) must send
    that value, not F, I, R, S, T, ..."""
    live = fields.live_fields(RECORDED_CAMPAIGN)
    config = fields.request_config(fields.merged(live, {"Script": "New"}))
    op = steps.update("c", "x", 5759746003, "TestCCCBroadcast", config, "basis", (), (), "")
    session, seen = _session(lambda r: httpx.Response(204))
    run(session, lambda s: s.execute(op, op.request))
    sent = dict(_form(seen[0]))
    assert (sent["RetryPhoneTypes"], sent["LocalRestrictBegin"], sent["Script"]) == ("FIRST_NUMBER", "08:00:00", "New")
    assert "RetryResults" not in sent and not any(key.startswith("RetryConfig") for key in sent)


@pytest.mark.parametrize("status", [200, 204])
@pytest.mark.parametrize(("method", "request_", "path"), [
    (steps.CONTROL, {"id": 7, "Command": "STOP"}, ("PUT", "/api/1.1/rest/ccc/7/control.json")),
    (steps.DELETE, {"id": 7}, ("DELETE", "/api/1.1/rest/ccc/7.json")),
    (steps.DELETE_ITEMS["Question"], {"id": 7}, ("DELETE", "/api/1.1/rest/ccc/7/questions.json")),
    (steps.DELETE_ITEMS["TransferNumber"], {"id": 7}, ("DELETE", "/api/1.1/rest/ccc/7/transfer-numbers.json")),
])
def test_client_takes_an_empty_write_answer_as_success(status: int, method: str, request_: dict[str, Any],
                                                        path: tuple[str, str]) -> None:
    session, seen = _session(lambda r: httpx.Response(status))
    assert run(session, lambda s: s.execute(_op(method, request_), request_)) == {}
    assert (seen[0].method, seen[0].url.path) == path
    if method == steps.CONTROL:
        assert _form(seen[0]) == [("Command", "STOP")]


def test_client_reads_the_create_answers_resource_reference() -> None:
    request = {"RequestId": "urn:uuid:1", "Name": "New"}
    session, seen = _session(lambda r: httpx.Response(201, json=RECORDED_CREATE))
    assert run(session, lambda s: s.execute(_op(steps.CREATE, request), request)) == {"Id": 1528630003}
    assert (seen[0].method, seen[0].url.path, _form(seen[0])) == (
        "POST", "/api/1.1/rest/ccc.json", [("RequestId", "urn:uuid:1"), ("Name", "New")])


def test_lost_writes_are_looked_up_in_the_recorded_get_answer() -> None:
    """ENG-09 reads GetCccCampaign's answer as recorded (``CccBroadcast`` key, ``Status``, no Question)."""
    stop = {"id": 5759746003, "Command": "STOP"}
    session, seen = _session(lambda r: httpx.Response(200, json=RECORDED_GET))
    assert run(session, lambda s: s.recover(_op(steps.CONTROL, stop), stop)) == {}  # it is STOPPED: done
    assert (seen[0].method, seen[0].url.path) == ("GET", "/api/1.1/rest/ccc/5759746003.json")
    clear = {"id": 5759746003}
    session, _ = _session(lambda r: httpx.Response(200, json=RECORDED_GET))
    assert run(session, lambda s: s.recover(_op(steps.DELETE_ITEMS["Question"], clear), clear)) == {}
    asked = {"Resource": {"CccBroadcast": {**RECORDED_CAMPAIGN, "Question": {"Label": "Left"}}}}
    session, _ = _session(lambda r: httpx.Response(200, json=asked))
    assert run(session, lambda s: s.recover(_op(steps.DELETE_ITEMS["Question"], clear), clear)) is None


# ---- the sandbox, sent the recorded requests ------------------------------------------------------------------

SEED: dict[str, Any] = {"campaigns": [
    {"id": 5759746003, "Name": "TestCCCBroadcast", "Status": "STOPPED", "FromNumber": "18558214046",
     "LastModified": "2015-06-23T14:19:59Z", "LocalRestrictBegin": "08:00:00", "LocalRestrictEnd": "21:00:00",
     "AgentGroupId": 149740003, "AllowAnyTransfer": True, "Recorded": True, "MultilineDialingRatio": 2,
     "MultilineDialingEnabled": True,
     "RetryConfig": {"MaxAttempts": 1, "MinutesBetweenAttempts": 60, "RetryPhoneTypes": ["FIRST_NUMBER"]}},
]}



@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[httpx.Client, SandboxStore]]:
    store = seeded_store(tmp_path, "cf", SEED, CallFireSeed, [LOGIN, PASSWORD])
    with SandboxServer(build_app(store, LOGIN, PASSWORD)) as server, \
            httpx.Client(base_url=server.url + PREFIX, auth=(LOGIN, PASSWORD)) as http:
        yield http, store


def _send_form(http: httpx.Client, method: str, path: str, form: list[tuple[str, str]]) -> httpx.Response:
    return http.request(method, path, content=str(httpx.QueryParams(form)),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_sandbox_get_and_query_answer_in_the_recordedshape(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, _ = sandbox
    got = http.get("/ccc/5759746003.json").json()["Resource"]["CccCampaign"]
    assert {k: shape(v) for k, v in got.items() if k in RECORDED_CAMPAIGN} == shape(RECORDED_CAMPAIGN)
    assert set(got) <= DOCUMENTED_FIELDS and "id" not in got
    assert (got["@id"], got["LocalRestrictBegin"], got["RetryConfig"]["RetryPhoneTypes"],
            got["RetryConfig"]["RetryResults"]) == (5759746003, "08:00:00Z", "FIRST_NUMBER", "")
    listing = http.get("/ccc.json", params={"MaxResults": 1, "FirstResult": 0}).json()["ResourceList"]
    assert set(listing) == {"@totalResults", "CccCampaign"} and listing["@totalResults"] == 1
    assert listing["CccCampaign"] == [got]


def test_sandbox_takes_the_recorded_update_and_answers_with_an_empty_success(
        sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, store = sandbox
    answer = _send_form(http, "PUT", "/ccc/5759746003.json", RECORDED_UPDATE_FORM)
    assert (answer.status_code, answer.content) == (200, b"")
    got = http.get("/ccc/5759746003.json").json()["Resource"]["CccCampaign"]
    assert got["RetryConfig"] == {"MaxAttempts": 3, "MinutesBetweenAttempts": 120, "RetryResults": "BUSY NO_ANS",
                                  "RetryPhoneTypes": "FIRST_NUMBER MOBILE_PHONE"}
    assert got["Question"] == [{"Label": "Renew", "ResponseType": "CHOICE", "Choices": "Yes No"}]
    assert got["TransferNumber"] == [{"Name": "Desk", "Number": "12135550100", "AllowAssistedTransfer": True}]
    assert read_log(store.log_path)[-2]["outcome"] == "ok"


@pytest.mark.parametrize("variant", [
    [("RetryResults", "BUSY"), ("RetryResults", "NO_ANS")],  # Java CccsApiTest: the parameter repeated
    [("RetryResults", "BUSY NO_ANS")],  # PHP buildPostData: joined by spaces
])
def test_sandbox_accepts_both_clients_enum_list_forms_and_either_key_case(
        sandbox: tuple[httpx.Client, SandboxStore], variant: list[tuple[str, str]]) -> None:
    http, _ = sandbox
    form = [("Name", "X"), *variant, ("Question[0][Label]", "A"), ("Question[1][label]", "B")]
    assert _send_form(http, "PUT", "/ccc/5759746003.json", form).status_code == 200
    got = http.get("/ccc/5759746003.json").json()["Resource"]["CccCampaign"]
    assert (got["RetryConfig"]["RetryResults"], [q["Label"] for q in got["Question"]]) == ("BUSY NO_ANS", ["A", "B"])


def test_sandbox_refuses_a_nested_retry_config_no_client_sends(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, _ = sandbox
    answer = _send_form(http, "PUT", "/ccc/5759746003.json", [("Name", "X"), ("RetryConfig[MaxAttempts]", "2")])
    assert answer.status_code == 400
    assert answer.json()["ResourceException"]["Message"] == "Unknown parameter RetryConfig[MaxAttempts]"


def test_sandbox_create_answers_the_recorded_resource_reference(sandbox: tuple[httpx.Client, SandboxStore]) -> None:
    http, _ = sandbox
    answer = _send_form(http, "POST", "/ccc.json", [("Name", "New"), ("RequestId", "urn:uuid:9")])
    assert answer.status_code == 201 and shape(answer.json()) == shape(RECORDED_CREATE)
    assert answer.json()["ResourceReference"]["Location"].endswith(f"/ccc/{answer.json()['ResourceReference']['Id']}")


def test_eng_04_an_applied_schedule_and_retry_config_plan_clean_through_the_sandbox(repo: Repo) -> None:
    """The sandbox answers "09:00:00Z" and "BUSY NO_ANS" for what was sent as "09:00:00" and [BUSY, NO_ANS]."""
    repo.write("reconciler.yaml", CONFIG)
    repo.write_json("seed.json", {"campaigns": [{"id": 1, "Name": "Sales", "Status": "STOPPED"}]})
    repo.write("a.yaml", "account: c\nName: Sales\nLocalRestrictBegin: '09:00:00'\nLocalRestrictEnd: '20:00:00'\n"
                         "RetryConfig: {RetryResults: [BUSY, NO_ANS], RetryPhoneTypes: [MOBILE_PHONE]}\n")
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    again = repo.run("plan", ".", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    [update] = [r for r in repo.requests("c") if r["operation"] == "UpdateCccCampaign"]
    assert update["params"]["RetryConfig"]["RetryResults"] == ["BUSY", "NO_ANS"]
