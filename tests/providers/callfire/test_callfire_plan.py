"""CallFire planning rules, each driven through the CLI against the CallFire sandbox over HTTP."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import Repo

ACCOUNT = "c"
CONFIG = ("version: 1\ndocuments: ['**/*.y*ml']\n"
          "accounts:\n  c:\n    provider: callfire\n    sandbox: {seed: seed.json}\n")
READS = ("QueryCccCampaigns", "GetCccCampaign")
UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RICH: dict[str, Any] = {
    "Status": "RUNNING", "Script": "Hello", "FromNumber": "12135551100", "LocalRestrictBegin": "09:00:00",
    "LocalRestrictEnd": "20:00:00", "AgentGroupId": 7, "AgentGroupName": "Team", "Recorded": True,
    "NumberOfRings": 6, "MultilineDialingEnabled": True, "MultilineDialingRatio": 3,
    "Question": [{"Label": "Age", "ResponseType": "NUMERIC"}, {"Label": "Buy", "ResponseType": "CHOICE",
                                                               "Choices": "Yes,No"}],
    "TransferNumber": [{"Name": "Desk", "Number": "12135550000", "AllowAssistedTransfer": True}],
    "RetryConfig": {"MaxAttempts": 3, "MinutesBetweenAttempts": 30, "RetryResults": ["BUSY", "NO_ANS"],
                    "RetryPhoneTypes": ["MOBILE_PHONE"]},
}


def campaign(cid: int, name: str, **fields: Any) -> dict[str, Any]:
    """A CallFire campaign in the sandbox seed format (stopped unless told otherwise)."""
    return {"id": cid, "Name": name, "Status": "STOPPED", **fields}


def writes(repo: Repo, since: int = 0) -> list[dict[str, Any]]:
    return [r for r in repo.requests(ACCOUNT)[since:] if r["operation"] not in READS]


def stored(repo: Repo) -> dict[str, dict[str, Any]]:
    return {c["Name"]: c for c in repo.state(ACCOUNT)["campaigns"]}


def planned(repo: Repo) -> list[dict[str, Any]]:
    result = repo.run("plan", ".", "--format", "json")
    assert result.code == 0, result.err
    ops: list[dict[str, Any]] = json.loads(result.out)["operations"]
    return ops


def converge(repo: Repo) -> None:
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    again = repo.run("plan", ".", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


@pytest.fixture
def cf(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", CONFIG)
    return repo


def test_cf_01_every_update_carries_the_full_merged_configuration_but_shows_only_what_changes(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Sales", **RICH)]})
    cf.write("a.yaml", "account: c\nName: Sales\nScript: Hello there\nRetryConfig: {MaxAttempts: 5}\n")
    [op] = planned(cf)
    assert [(c["path"], c["before"], c["after"]) for c in op["changes"]] == [
        ("RetryConfig.MaxAttempts", 3, 5), ("Script", "Hello", "Hello there")]
    request = op["request"]
    expected = {k: v for k, v in RICH.items() if k != "Status"}
    expected["Question"] = [{"Label": "Age", "ResponseType": "NUMERIC"},
                            {"Label": "Buy", "ResponseType": "CHOICE", "Choices": "Yes,No"}]
    expected |= {"Script": "Hello there", "RetryConfig": {**RICH["RetryConfig"], "MaxAttempts": 5}}
    assert {k: request[k] for k in expected} == expected
    assert request["Name"] == "Sales" and "Status" not in request
    text = cf.run("plan", ".").out
    assert "FromNumber" not in text and "NumberOfRings" not in text and "Question" not in text
    converge(cf)
    after = stored(cf)["Sales"]
    assert {k: after[k] for k in ("FromNumber", "NumberOfRings", "AgentGroupId", "Recorded", "TransferNumber")} == \
        {k: RICH[k] for k in ("FromNumber", "NumberOfRings", "AgentGroupId", "Recorded", "TransferNumber")}
    assert after["RetryConfig"]["MinutesBetweenAttempts"] == 30 and after["RetryConfig"]["MaxAttempts"] == 5


def test_cf_01_an_ignored_field_is_sent_at_its_live_value(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Sales", **RICH)]})
    cf.write("a.yaml", "account: c\nName: Sales\nScript: New\nFromNumber: '12135559999'\n"
                       "lifecycle: {ignore_changes: [FromNumber]}\n")
    [op] = planned(cf)
    assert op["request"]["FromNumber"] == "12135551100" and [c["path"] for c in op["changes"]] == ["Script"]
    (cf.path / "a.yaml").unlink()
    cf.write("b.yaml", "account: c\nName: Sales\nRetryConfig: {MaxAttempts: 9}\nNumberOfRings: 2\n"
                       "lifecycle: {ignore_changes: [RetryConfig]}\n")
    [op] = planned(cf)
    assert op["request"]["RetryConfig"] == RICH["RetryConfig"] and [c["path"] for c in op["changes"]] == [
        "NumberOfRings"]


def test_cf_02_a_rename_is_refused_unless_allow_replace_then_replaced_with_its_configuration(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Sales", **RICH)]})
    cf.write("a.yaml", "account: c\nid: 1\nName: Sales 2025\nScript: New\n")
    refused = cf.run("plan", ".")
    assert refused.code == 1
    assert "a.yaml:3:7: CF-02 Name cannot change ('Sales' -> 'Sales 2025'): UpdateCccCampaign never changes it" \
        in refused.err
    cf.write("a.yaml", "account: c\nid: 1\nName: Sales 2025\nScript: New\nlifecycle: {allow_replace: true}\n")
    ops = planned(cf)
    assert [(o["id"].split(":")[-1], o["action"], o["method"], o["waits_for"]) for o in ops] == [
        ("stop", "replace", "ControlCccCampaign", []),
        ("delete", "replace", "DeleteCccCampaign", ["c:Sales 2025 (id 1):stop"]),
        ("create", "replace", "CreateCccCampaign", ["c:Sales 2025 (id 1):delete"]),
        ("start", "control", "ControlCccCampaign", ["c:Sales 2025 (id 1):create"])]
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to replace, 1 to start, stop or archive (4 calls)." \
        in cf.run("plan", ".").out
    assert ops[2]["request"]["FromNumber"] == RICH["FromNumber"]  # carried over (CF-01)
    applied = cf.run("apply", ".", "--yes")
    assert applied.code == 0, applied.err
    [new] = stored(cf).values()
    assert (new["id"], new["Name"], new["Status"], new["Script"]) == (2, "Sales 2025", "RUNNING", "New")
    assert [{k: v for k, v in q.items() if v is not None} for q in new["Question"]] == RICH["Question"]
    assert new["NumberOfRings"] == 6
    cf.write("a.yaml", "account: c\nName: Sales 2025\nScript: New\n")  # the old id is gone: pin dropped
    assert cf.run("plan", ".", "--detailed-exitcode").code == 0


def test_cf_03_each_create_and_update_carries_a_request_id_stable_for_the_plan_new_for_the_next(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Sales", **RICH)]})
    cf.write("a.yaml", "account: c\nName: Sales\nScript: One\n---\naccount: c\nName: New\nScript: x\n")
    first, again = planned(cf), planned(cf)
    ids = {o["id"]: o["request"]["RequestId"] for o in first}
    assert ids == {o["id"]: o["request"]["RequestId"] for o in again}  # ENG-01: the same plan
    assert len(set(ids.values())) == 2 and all(UUID.match(v) for v in ids.values())
    assert cf.run("plan", ".", "-o", "plan.json").code == 0
    assert cf.run("apply", ".", "--plan", "plan.json").code == 0
    assert {w["params"]["RequestId"] for w in writes(cf)} == set(ids.values())  # sent as planned
    cf.write("a.yaml", "account: c\nName: Sales\nScript: Two\n---\naccount: c\nName: New\nScript: y\n")
    later = {o["id"]: o["request"]["RequestId"] for o in planned(cf)}
    assert set(later) == {"c:Sales:update", "c:New:update"} and not set(later.values()) & set(ids.values())
    cf.write("a.yaml", "account: c\nName: Sales\nScript: One\n---\naccount: c\nName: New\nScript: x\n")
    converge(cf)  # back to the first request: a new RequestId, so CallFire does apply it
    assert stored(cf)["Sales"]["Script"] == "One"


def test_cf_04_a_run_state_is_a_control_step_after_the_update_and_never_a_field(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [
        campaign(1, "A"), campaign(2, "B", Status="RUNNING"), campaign(3, "C", Status="START_PENDING"),
        campaign(4, "D", Status="SUSPENDED"), campaign(5, "E", Status="ARCHIVED")]})
    cf.write("d.yaml", "account: c\nName: D\nStatus: RUNNING\n---\naccount: c\nName: E\nScript: x\n")
    refused = cf.run("plan", ".")
    assert refused.code == 1
    assert "d.yaml:3:9: CF-04 CallFire holds campaign 'D' in SUSPENDED" in refused.err
    assert "d.yaml:7:1: CF-04 campaign 'E' is archived in CallFire: it cannot be changed or restarted" in refused.err
    (cf.path / "d.yaml").unlink()
    cf.write("a.yaml", "account: c\nName: A\nStatus: RUNNING\nScript: Go\n---\naccount: c\nName: B\nStatus: STOPPED\n"
                       "---\naccount: c\nName: C\nStatus: ARCHIVED\n")
    ops = planned(cf)
    assert [(o["id"], o["request"].get("Command"), o["waits_for"]) for o in ops] == [
        ("c:A:update", None, []), ("c:A:start", "START", ["c:A:update"]), ("c:B:stop", "STOP", []),
        ("c:C:stop", "STOP", []), ("c:C:archive", "ARCHIVE", ["c:C:stop"])]
    converge(cf)
    assert {n: c["Status"] for n, c in stored(cf).items()} == {
        "A": "RUNNING", "B": "STOPPED", "C": "ARCHIVED", "D": "SUSPENDED", "E": "ARCHIVED"}
    assert all("Status" not in w["params"] for w in writes(cf))
    assert [w["operation"] for w in writes(cf)].count("UpdateCccCampaign") == 1


def test_cf_05_removing_an_item_is_the_delete_call_then_the_update_that_puts_back_the_rest(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Sales", **{**RICH, "TransferNumber": [
        {"Name": "Desk", "Number": "12135550000"}, {"Name": "Boss", "Number": "12135550001"}]}),
        campaign(2, "Quiet", Question=[{"Label": "Age"}, {"Label": "Zip"}])]})
    cf.write("a.yaml", "account: c\nName: Sales\nQuestion:\n  - {Label: Age, ResponseType: STRING}\n"
                       "TransferNumber: []\n---\naccount: c\nName: Quiet\nQuestion: [{Label: Zip}]\n")
    ops = planned(cf)
    assert [(o["id"], o["method"], o["waits_for"]) for o in ops] == [
        ("c:Quiet:delete-questions", "DeleteCccCampaignQuestions", []),
        ("c:Quiet:update", "UpdateCccCampaign", ["c:Quiet:delete-questions"]),
        ("c:Sales:delete-questions", "DeleteCccCampaignQuestions", []),
        ("c:Sales:delete-transfer-numbers", "DeleteCccCampaignTransferNumbers", []),
        ("c:Sales:update", "UpdateCccCampaign", ["c:Sales:delete-questions", "c:Sales:delete-transfer-numbers"])]
    assert [c["path"] for c in ops[2]["changes"]] == ["Question[Label=Buy]"]
    assert ops[2]["side_effects"][0]["text"] == "removes all 2 questions; the update that follows puts back the " \
                                                "other 1"
    assert [c["path"] for c in ops[4]["changes"]] == ["Question[Label=Age].ResponseType"]
    assert ops[4]["request"]["Question"] == [{"Label": "Age", "ResponseType": "STRING"}]
    assert ops[1]["changes"] == [] and "it puts back what the Delete call removed" in ops[1]["reason"]
    converge(cf)
    after = stored(cf)
    assert [q["Label"] for q in after["Sales"]["Question"]] == ["Age"] and after["Sales"]["TransferNumber"] == []
    assert [q["Label"] for q in after["Quiet"]["Question"]] == ["Zip"]
    (cf.path / "a.yaml").unlink()
    cf.write("b.yaml", "account: c\nName: Sales\nScript: x\nQuestion: [{Label: A}, {Label: A}]\n")
    duplicate = cf.run("validate", ".")
    assert "b.yaml:4:1: CF-05 Question Label 'A' is given twice" in duplicate.err


def test_cf_06_values_are_checked_offline_and_the_window_against_the_live_value(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Sales", **RICH)]})
    cf.write("a.yaml", "account: c\nName: Sales\nMultilineDialingRatio: 5\nFromNumber: '+12135551100'\n"
                       "Question: [{Label: Q, Choices: 'a,b'}]\nRetryConfig: {RetryResults: [LATER]}\n"
                       "---\naccount: c\nName: B\nLocalRestrictBegin: '18:00:00'\nLocalRestrictEnd: '09:00:00'\n")
    offline = cf.run("validate", ".")
    assert offline.code == 1
    for line in ("a.yaml:3:24: CF-06 MultilineDialingRatio:", "a.yaml:4:13: CF-06 FromNumber:",
                 "a.yaml:5:12: CF-06 Question[0]: Value error, Choices is allowed only with ResponseType CHOICE",
                 "a.yaml:6:30: CF-06 RetryConfig.RetryResults[0]:",
                 "a.yaml:10:21: CF-06 LocalRestrictBegin 18:00:00 must be earlier than LocalRestrictEnd 09:00:00"):
        assert line in offline.err
    (cf.path / "a.yaml").unlink()  # a new file: positions of a file rewritten in one process may be stale
    cf.write("b.yaml", "account: c\nName: Sales\nLocalRestrictEnd: '08:00:00'\n")
    live = cf.run("plan", ".")
    assert live.code == 1
    assert "b.yaml:3:19: CF-06 LocalRestrictBegin 09:00:00 must be earlier than LocalRestrictEnd 08:00:00 (the " \
           "other end is CallFire's live value)" in live.err
    assert writes(cf) == []
    cf.write("b.yaml", "account: c\nName: Sales\nLocalRestrictBegin: '07:00:00'\nLocalRestrictEnd: '08:00:00'\n"
                       "FromNumber: '67890'\nMultilineDialingRatio: 4\n")
    converge(cf)


def test_cf_07_plan_reads_every_page_of_1000(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(i, f"C{i}") for i in range(1, 2051)]})
    cf.write("a.yaml", "account: c\nName: C2050\nScript: last page\n")
    [op] = planned(cf)
    assert op["request"]["id"] == 2050
    pages = [(r["params"]["MaxResults"], r["params"]["FirstResult"]) for r in cf.requests(ACCOUNT)]
    assert sorted(pages) == [("1000", "0"), ("1000", "1000"), ("1000", "2000")]


def test_prune_stops_a_running_campaign_before_deleting_it(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG + "    prune: true\n")
    repo.write_json("seed.json", {"campaigns": [campaign(1, "Kept"), campaign(2, "Gone", Status="RUNNING")]})
    repo.write("a.yaml", "account: c\nName: Kept\n")
    assert [(o["id"], o["action"], o["waits_for"]) for o in planned(repo)] == [
        ("c:Gone (id 2):stop", "delete", []), ("c:Gone (id 2):delete", "delete", ["c:Gone (id 2):stop"])]
    converge(repo)
    assert list(stored(repo)) == ["Kept"]


def test_a_created_campaign_plans_clean_and_starts_after_its_create(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": []})
    cf.write("a.yaml", "account: c\nName: New\nStatus: RUNNING\nQuestion: [{Label: Q}]\n"
                       "RetryConfig: {MaxAttempts: 2}\n")
    ops = planned(cf)
    assert [(o["method"], o["waits_for"]) for o in ops] == [("CreateCccCampaign", []),
                                                            ("ControlCccCampaign", ["c:New:create"])]
    assert ops[1]["request"]["id"] == {"$result": {"operation": "c:New:create", "field": "Id"}}
    converge(cf)
    assert stored(cf)["New"]["Status"] == "RUNNING"


def test_cf_05_questions_keep_the_document_order_and_a_reorder_takes_the_delete_call(cf: Repo) -> None:
    cf.write_json("seed.json", {"campaigns": [campaign(1, "Q", Question=[{"Label": "A"}, {"Label": "B"}])]})
    cf.write("a.yaml", "account: c\nName: Q\nQuestion: [{Label: A}, {Label: B}, {Label: C}]\n")
    [added] = planned(cf)
    assert added["method"] == "UpdateCccCampaign"  # an addition at the end: the update alone gets there
    converge(cf)
    cf.write("a.yaml", "account: c\nName: Q\nQuestion: [{Label: C}, {Label: A}, {Label: B}]\n")
    delete, update = planned(cf)
    assert (delete["method"], delete["changes"]) == ("DeleteCccCampaignQuestions", [])
    assert "puts them back in the document's order" in delete["side_effects"][0]["text"]
    assert [(c["path"], c["before"], c["after"]) for c in update["changes"]] == [
        ("Question order", ["A", "B", "C"], ["C", "A", "B"])]
    converge(cf)
    assert [q["Label"] for q in stored(cf)["Q"]["Question"]] == ["C", "A", "B"]
