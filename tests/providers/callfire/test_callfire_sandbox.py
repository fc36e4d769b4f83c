"""The CallFire sandbox over real HTTP: API 1.1 shapes, HTTP Basic, ResourceException, and every CF rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from reconciler.providers.callfire.model import CallFireSeed
from reconciler.providers.callfire.sandbox import build_app
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

LOGIN, PASSWORD = "api-login", "pw-5e2d41c0"
BASE = "/api/1.1/rest/ccc"
Form = list[tuple[str, str]]
SEED: dict[str, Any] = {"campaigns": [
    {"id": 1, "Name": "Sales", "Status": "RUNNING", "Script": "Hello", "FromNumber": "12135551100",
     "LocalRestrictBegin": "09:00:00", "LocalRestrictEnd": "20:00:00", "NumberOfRings": 6, "Recorded": True,
     "Question": [{"Label": "Age", "ResponseType": "NUMERIC"}, {"Label": "Buy", "ResponseType": "CHOICE",
                                                                "Choices": "Yes,No"}],
     "TransferNumber": [{"Name": "Desk", "Number": "12135550000"}],
     "RetryConfig": {"MaxAttempts": 3, "MinutesBetweenAttempts": 30, "RetryResults": ["BUSY"]}},
    {"id": 2, "Name": "Survey", "Status": "STOPPED", "Script": "Hi"},
]}


@dataclass
class Api:
    http: httpx.Client
    store: SandboxStore

    def send(self, method: str, path: str = "", form: Form | None = None, **params: Any) -> httpx.Response:
        return self.http.request(method, f"{BASE}{path}.json", params=params or None,
                                 content=str(httpx.QueryParams(form)) if form is not None else None,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})

    def ok(self, method: str, path: str = "", form: Form | None = None, **params: Any) -> dict[str, Any]:
        response = self.send(method, path, form, **params)
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json() if response.content else {}  # a write may answer no body
        return body

    def refused(self, method: str, path: str, status: int, message: str, form: Form | None = None) -> None:
        """The request is refused with a ResourceException of ``status`` whose message has ``message``, and
        it changed nothing."""
        before = copy.deepcopy(self.store.state)
        response = self.send(method, path, form)
        assert response.status_code == status, response.text
        error = response.json()["ResourceException"]
        assert error["HttpStatus"] == status and message in error["Message"], error
        assert self.store.state == before

    def campaign(self, cid: int) -> dict[str, Any]:
        found: dict[str, Any] = self.ok("GET", f"/{cid}")["Resource"]["CccCampaign"]
        return found


def _seed_store(tmp_path: Path, seed: dict[str, Any]) -> SandboxStore:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    return SandboxStore.open(tmp_path / "state", "cf", seed_file, CallFireSeed, [LOGIN, PASSWORD])


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    store = _seed_store(tmp_path, SEED)
    with SandboxServer(build_app(store, LOGIN, PASSWORD)) as server, \
            httpx.Client(base_url=server.url, auth=(LOGIN, PASSWORD)) as http:
        yield Api(http, store)


def test_http_basic_is_required_and_errors_are_resource_exceptions(api: Api) -> None:
    for auth in (None, (LOGIN, "wrong")):
        response = httpx.get(f"{api.http.base_url}{BASE}.json", auth=auth)
        assert response.status_code == 401
        assert response.json() == {"ResourceException": {"HttpStatus": 401,
                                                         "Message": "Unauthorized: check the API login and password"}}
    api.refused("GET", "/99", 404, "CccCampaign 99 not found")
    logged = api.store.log_path.read_text()
    assert LOGIN not in logged and PASSWORD not in logged


def test_xml_is_the_default_and_json_comes_with_the_json_suffix(api: Api) -> None:
    xml = api.http.get(f"{BASE}/1")
    assert xml.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(xml.text)
    campaign = root.find("CccCampaign")
    assert root.tag == "Resource" and campaign is not None and campaign.get("id") == "1"
    assert [q.findtext("Label") for q in campaign.findall("Question")] == ["Age", "Buy"]
    assert campaign.findtext("Recorded") == "true"
    assert api.campaign(1)["Name"] == "Sales"


def test_cf_01_sandbox_update_replaces_the_whole_configuration(api: Api) -> None:
    api.ok("PUT", "/1", [("Name", "Sales"), ("Script", "New script")])
    after = api.campaign(1)
    assert after["Script"] == "New script"
    assert (after["FromNumber"], after["LocalRestrictBegin"], after["NumberOfRings"], after["Recorded"]) == \
        (None, None, 4, False)  # not sent: back to the defaults
    assert after["RetryConfig"] == {"MaxAttempts": 1, "MinutesBetweenAttempts": 60, "RetryResults": "",
                                    "RetryPhoneTypes": ""}
    assert (after["@id"], after["Name"], after["Status"]) == (1, "Sales", "RUNNING")
    assert [q["Label"] for q in after["Question"]] == ["Age", "Buy"]  # CF-05: never removed by an update


def test_cf_02_sandbox_update_needs_a_name_and_never_changes_it(api: Api) -> None:
    api.refused("PUT", "/1", 400, "Name is required", [("Script", "x")])
    api.refused("POST", "", 400, "Name is required", [("Script", "x")])
    api.ok("PUT", "/1", [("Name", "Renamed"), ("Script", "x")])
    assert api.campaign(1)["Name"] == "Sales"


def test_cf_03_sandbox_applies_a_repeated_request_id_once_and_answers_as_the_first_time(api: Api) -> None:
    first = api.send("PUT", "/2", [("Name", "Survey"), ("RequestId", "urn:uuid:a"), ("Script", "A")])
    api.ok("PUT", "/2", [("Name", "Survey"), ("RequestId", "urn:uuid:b"), ("Script", "B")])
    again = api.send("PUT", "/2", [("Name", "Survey"), ("RequestId", "urn:uuid:a"), ("Script", "C")])
    assert (again.status_code, again.content) == (first.status_code, first.content) == (200, b"")
    assert api.campaign(2)["Script"] == "B"  # the repeat did nothing
    created = [api.send("POST", "", [("Name", "New"), ("RequestId", "urn:uuid:c")]) for _ in range(2)]
    assert [r.status_code for r in created] == [201, 201]
    assert created[0].json() == created[1].json()
    assert created[0].json()["ResourceReference"]["Location"].endswith("/api/1.1/rest/ccc/3")
    listed = api.ok("GET")["ResourceList"]
    assert [c["Name"] for c in listed["CccCampaign"]].count("New") == 1
    outcomes = [e["outcome"] for e in read_log(api.store.log_path) if e["params"].get("RequestId")]
    assert outcomes == ["ok", "ok", "duplicate", "ok", "duplicate"]


def test_cf_04_sandbox_refuses_status_and_moves_runs_only_through_control(api: Api) -> None:
    api.refused("PUT", "/2", 400, "Status is read-only", [("Name", "Survey"), ("Status", "RUNNING")])
    api.refused("POST", "", 400, "Status is read-only", [("Name", "X"), ("Status", "RUNNING")])
    api.refused("PUT", "/2/control", 400, "Command must be one of START, STOP, ARCHIVE", [("Command", "GO")])
    api.refused("PUT", "/2/control", 400, "cannot be stopped", [("Command", "STOP")])
    api.refused("PUT", "/1/control", 400, "cannot be archived: it is RUNNING, stop it first", [("Command", "ARCHIVE")])
    api.refused("DELETE", "/1", 400, "stop it first")
    api.ok("PUT", "/2/control", [("Command", "START")])
    assert api.campaign(2)["Status"] == "RUNNING"
    api.ok("PUT", "/1/control", [("Command", "STOP")])
    api.ok("PUT", "/1/control", [("Command", "ARCHIVE")])
    assert api.campaign(1)["Status"] == "ARCHIVED"
    api.refused("PUT", "/1", 400, "archived", [("Name", "Sales")])
    api.refused("PUT", "/1/control", 400, "cannot be started: it is ARCHIVED", [("Command", "START")])
    api.ok("DELETE", "/1")
    api.refused("GET", "/1", 404, "not found")


def test_cf_05_sandbox_update_adds_and_changes_items_but_only_the_delete_calls_remove_them(api: Api) -> None:
    api.ok("PUT", "/1", [("Name", "Sales"), ("Question[0][Label]", "Buy"), ("Question[0][ResponseType]", "STRING"),
                         ("Question[1][Label]", "Zip"), ("TransferNumber[0][Name]", "Boss"),
                         ("TransferNumber[0][Number]", "12135550001")])
    after = api.campaign(1)
    assert [(q["Label"], q["ResponseType"]) for q in after["Question"]] == [
        ("Age", "NUMERIC"), ("Buy", "STRING"), ("Zip", "STRING")]
    assert [t["Name"] for t in after["TransferNumber"]] == ["Desk", "Boss"]
    api.ok("DELETE", "/1/questions")
    assert api.campaign(1)["Question"] == [] and len(api.campaign(1)["TransferNumber"]) == 2
    api.ok("DELETE", "/1/transfer-numbers")
    assert api.campaign(1)["TransferNumber"] == []
    api.ok("PUT", "/1", [("Name", "Sales"), ("Question[0][Label]", "Zip")])
    assert [q["Label"] for q in api.campaign(1)["Question"]] == ["Zip"]
    api.refused("PUT", "/1", 400, "Question[1][Label] 'A' is given twice",
                [("Name", "Sales"), ("Question[0][Label]", "A"), ("Question[1][Label]", "A")])


BAD_VALUES: list[tuple[Form, str]] = [
    ([("Question[0][Label]", "Q"), ("Question[0][ResponseType]", "NUMBERIC")], "Invalid Question[0][ResponseType]"),
    ([("Question[0][Label]", "Q"), ("Question[0][Choices]", "a,b")], "Choices is allowed only with ResponseType"),
    ([("RetryResults", "BUSY"), ("RetryResults", "LATER")], "Invalid RetryResults[1]"),
    ([("RetryResults", "BUSY LATER")], "Invalid RetryResults[1]"),
    ([("RetryPhoneTypes", "FAX")], "Invalid RetryPhoneTypes[0]"),
    ([("RetryConfig[MaxAttempts]", "2")], "Unknown parameter RetryConfig[MaxAttempts]"),  # the clients flatten it
    ([("MaxAttempts", "2"), ("MaxAttempts", "3")], "Invalid MaxAttempts"),
    ([("MultilineDialingRatio", "5")], "Invalid MultilineDialingRatio"),
    ([("MultilineDialingRatio", "0")], "Invalid MultilineDialingRatio"),
    ([("LocalRestrictBegin", "9:00")], "Invalid LocalRestrictBegin"),
    ([("LocalRestrictBegin", "18:00:00"), ("LocalRestrictEnd", "09:00:00")], "must be earlier than"),
    ([("FromNumber", "+12135551100")], "Invalid FromNumber"),
    ([("FromNumber", "2135551100")], "Invalid FromNumber"),
    ([("Recorded", "maybe")], "Invalid Recorded"),
    ([("Colour", "red")], "Unknown parameter Colour"),
    ([("Question[x]", "a")], "Unknown parameter Question[x]"),
    ([("Question", "a")], "Question must be indexed"),
    ([("RequestId[0][a]", "x")], "RequestId must be a single value"),
    ([("Question[0]Label", "a")], "Malformed parameter"),
]


def test_cf_06_sandbox_refuses_bad_values_with_400(api: Api) -> None:
    for form, message in BAD_VALUES:
        api.refused("PUT", "/2", 400, message, [("Name", "Survey"), *form])
        api.refused("POST", "", 400, message, [("Name", "New"), *form])


def test_cf_06_sandbox_accepts_a_short_code_and_every_documented_value(api: Api) -> None:
    api.ok("PUT", "/2", [("Name", "Survey"), ("FromNumber", "67890"), ("MultilineDialingRatio", "4"),
                         ("Question[0][Label]", "Q"), ("Question[0][ResponseType]", "CHOICE"),
                         ("Question[0][Choices]", "a,b"), ("RetryResults", "CARRIER_TEMP_ERROR"),
                         ("RetryPhoneTypes", "WORK_PHONE"), ("LocalRestrictBegin", "00:00:00"),
                         ("LocalRestrictEnd", "23:59:59")])
    after = api.campaign(2)
    assert (after["FromNumber"], after["RetryConfig"]["RetryResults"]) == ("67890", "CARRIER_TEMP_ERROR")


def test_cf_07_sandbox_pages_with_max_results_up_to_1000_and_first_result(tmp_path: Path) -> None:
    seed = {"campaigns": [{"id": i, "Name": f"C{i}"} for i in range(1, 1206)]}
    store = _seed_store(tmp_path, seed)
    with SandboxServer(build_app(store, LOGIN, PASSWORD)) as server, \
            httpx.Client(base_url=server.url, auth=(LOGIN, PASSWORD)) as http:
        api = Api(http, store)
        first = api.ok("GET")["ResourceList"]
        assert (first["@totalResults"], len(first["CccCampaign"])) == (1205, 1000)  # MaxResults defaults to 1000
        rest = api.ok("GET", MaxResults=1000, FirstResult=1000)["ResourceList"]
        assert [c["@id"] for c in rest["CccCampaign"]] == list(range(1001, 1206))
        small = api.ok("GET", MaxResults=2, FirstResult=4)["ResourceList"]["CccCampaign"]
        assert [c["@id"] for c in small] == [5, 6]
        for params in ({"MaxResults": 1001}, {"MaxResults": 0}, {"FirstResult": -1}, {"MaxResults": "x"}):
            response = api.send("GET", **params)
            assert response.status_code == 400 and "must be an integer from" in response.text
        assert api.ok("GET", Name="C7")["ResourceList"]["CccCampaign"][0]["@id"] == 7


def test_filters_running_and_label_name(api: Api) -> None:
    assert [c["@id"] for c in api.ok("GET", Running="true")["ResourceList"]["CccCampaign"]] == [1]
    assert [c["@id"] for c in api.ok("GET", Running="false")["ResourceList"]["CccCampaign"]] == [2]
    api.ok("PUT", "/2", [("Name", "Survey"), ("Label", "blue")])
    assert [c["@id"] for c in api.ok("GET", LabelName="blue")["ResourceList"]["CccCampaign"]] == [2]
