"""Enswitch planning rules, each driven through the CLI against the Enswitch sandbox over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Repo

ACCOUNT = "e"
CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  e:
    provider: enswitch
    sandbox: {seed: seed.json}
    version: "VERSION"
"""


def campaign(cid: int, name: str, **fields: Any) -> dict[str, Any]:
    """An Enswitch campaign in the sandbox seed format (a queue destination unless told otherwise)."""
    return {"id": cid, "name": name, "dtype": "queue", "dnumber": "700", **fields}


def writes(repo: Repo, since: int = 0) -> list[dict[str, Any]]:
    """The create, update and delete requests the sandbox answered, credentials and validation left out."""
    return [r for r in repo.requests(ACCOUNT)[since:] if r["operation"].split("/")[-1] in ("create", "update",
                                                                                          "delete")]


def params(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry["params"].items() if not k.startswith("auth_")}


@pytest.fixture
def ens(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", CONFIG.replace("VERSION", "4.4"))
    return repo


def converge(repo: Repo, *extra: str) -> None:
    applied = repo.run("apply", ".", "--yes", *extra)
    assert applied.code == 0, applied.out + applied.err
    again = repo.run("plan", ".", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def test_ens_01_every_update_carries_keep_agents_available_unless_desired_and_live_are_both_0(ens: Repo) -> None:
    ens.write_json("seed.json", {"campaigns": [
        campaign(1, "Kept", keep_agents_available=3), campaign(2, "Zero"), campaign(3, "Lowered",
                                                                                   keep_agents_available=2)]})
    ens.write("c.yaml", """
        account: e
        name: Kept
        maximum: 5
        ---
        account: e
        name: Zero
        maximum: 6
        keep_agents_available: 0
        ---
        account: e
        name: Lowered
        keep_agents_available: 0
    """)
    planned = ens.run("plan", ".")
    assert "Enswitch resets it to 0 when an update leaves it out (ENS-01)" in planned.out
    converge(ens)
    sent = {p["id"]: p for p in map(params, writes(ens))}
    assert sent["1"] == {"id": "1", "maximum": "5", "keep_agents_available": "3"}
    assert sent["2"] == {"id": "2", "maximum": "6"}  # both 0: nothing to keep
    assert sent["3"] == {"id": "3", "keep_agents_available": "0"}
    assert {c["id"]: c["keep_agents_available"] for c in ens.state(ACCOUNT)["campaigns"]} == {1: 3, 2: 0, 3: 0}


def test_ens_02_a_negative_keep_agents_available_needs_a_queue_destination(ens: Repo) -> None:
    ens.write_json("seed.json", {"campaigns": [campaign(1, "Agents", dtype="agent")]})
    ens.write("a.yaml", "account: e\nname: Agents\nkeep_agents_available: -1\n")
    planned = ens.run("plan", ".")
    assert planned.code == 1
    assert "a.yaml:3:24: ENS-02 keep_agents_available -1 is negative, which only a queue destination allows " \
           "(dtype is agent) once this change is made" in planned.err
    ens.write("a.yaml", "account: e\nname: Agents\ndtype: number\nkeep_agents_available: -1\n")
    offline = ens.run("validate", ".")
    assert offline.code == 1 and "a.yaml:4:24: ENS-02 keep_agents_available -1 is negative" in offline.err
    ens.write("a.yaml", "account: e\nname: Agents\nmachine: sometimes\nretry: 0\n")
    schema = ens.run("validate", ".")
    assert "a.yaml:3:10: ENS-02 machine:" in schema.err and "a.yaml:4:8: ENS-02 retry:" in schema.err
    assert writes(ens) == []


def test_ens_03_plan_validate_remote_sends_every_planned_request_with_validation_1(ens: Repo) -> None:
    ens.write_json("seed.json", {"campaigns": [campaign(1, "A", maximum=2)]})
    ens.write("a.yaml", "account: e\nname: A\nmaximum: 3\n---\naccount: e\nname: B\ndtype: agent\ndnumber: '9'\n")
    checked = ens.run("plan", ".", "--validate-remote")
    assert checked.code == 0, checked.err
    assert "Remote validation: the vendors accept all 2 checked request(s)." in checked.err
    sent = writes(ens)
    assert [(e["operation"], e["params"]["validation"], e["outcome"]) for e in sent] == [
        ("bulk/campaigns/update", "1", "ok"), ("bulk/campaigns/create", "1", "ok")]
    assert [c["name"] for c in ens.state(ACCOUNT)["campaigns"]] == ["A"]  # nothing acted on


def test_ens_03_each_refusal_is_reported_at_its_yaml_line_and_apply_refuses_the_plan(ens: Repo) -> None:
    ens.write_json("seed.json", {"version": "4.1", "role": "user", "campaigns": [campaign(1, "A")]})
    ens.write("a.yaml", "account: e\nid: 1\nmaximum: 3\nkeep_agents_available: 2\n---\n"
                        "account: e\nname: B\ndtype: agent\ndnumber: '9'\n")
    checked = ens.run("plan", ".", "--validate-remote", "-o", "plan.json")
    assert checked.code == 1
    assert "a.yaml:4:24: ENS-03 campaign 'A (id 1)': Enswitch refuses bulk/campaigns/update (validation=1): " \
           "bulk/campaigns/update refused: 400 (keep_agents_available): Unknown parameter " \
           "keep_agents_available." in checked.err
    assert "a.yaml:6:1: ENS-03 campaign 'B': Enswitch refuses bulk/campaigns/create (validation=1): " \
           "bulk/campaigns/create refused: 402: Your role does not allow this" in checked.err
    assert not (ens.path / "plan.json").exists()
    refused = ens.run("apply", ".", "--yes", "--validate-remote")
    assert refused.code == 1 and "2 problem(s) found; nothing was changed." in refused.err
    assert all(e["params"]["validation"] == "1" for e in writes(ens))


def test_ens_04_a_refusal_is_reported_clearly_and_never_retried(ens: Repo) -> None:
    ens.write_json("seed.json", {"role": "user", "campaigns": []})
    ens.write("a.yaml", "account: e\nname: B\ndtype: agent\ndnumber: '9'\n")
    applied = ens.run("apply", ".", "--yes")
    assert applied.code == 1
    assert "failed: e / B: create (bulk/campaigns/create): bulk/campaigns/create refused: 402: Your role does " \
           "not allow this" in applied.err
    assert "needs the administrator role" in applied.err
    assert len(writes(ens)) == 1
    ens.write_json("seed.json", {"rate_plan_allows_bulk": False})
    ens.run("sandbox", "reset", ".")
    planned = ens.run("plan", ".")
    assert planned.code == 1 and "error: account 'e': reading the live campaigns failed: bulk/campaigns/list " \
                                 "refused: 403" in planned.err
    assert len([r for r in ens.requests(ACCOUNT) if r["operation"] == "bulk/campaigns/list"]) == 1


def test_ens_06_an_account_older_than_4_2_refuses_keep_agents_available_at_plan_time(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG.replace("VERSION", "4.1"))
    repo.write_json("seed.json", {"version": "4.1", "campaigns": [campaign(1, "A", keep_agents_available=2)]})
    repo.write("a.yaml", "account: e\nname: A\nmaximum: 3\nkeep_agents_available: 2\n")
    planned = repo.run("plan", ".")
    assert planned.code == 1
    assert "a.yaml:4:1: ENS-06 keep_agents_available exists from Enswitch 4.2; the account's server is 4.1" \
           in planned.err
    repo.write("a.yaml", "account: e\nname: A\nmaximum: 3\n")
    converge(repo)
    assert [params(e) for e in writes(repo)] == [{"id": "1", "maximum": "3"}]  # no such field to keep


def test_ens_07_create_needs_name_dtype_and_dnumber(ens: Repo) -> None:
    ens.write_json("seed.json", {"campaigns": []})
    ens.write("a.yaml", "account: e\nname: New\nmaximum: 3\n")
    planned = ens.run("plan", ".")
    assert planned.code == 1
    assert "a.yaml:1:1: ENS-07 campaign 'New' does not exist yet, and creating it needs dtype, dnumber" \
           in planned.err
    ens.write("a.yaml", "account: e\nname: New\ndtype: agent\ndnumber: '5'\n")
    created = ens.run("plan", ".")
    assert "Enswitch creates the campaign enabled (1), so it starts calling" in created.out
    converge(ens)
    [create] = writes(ens)
    assert params(create) == {"name": "New", "dtype": "agent", "dnumber": "5"}


def test_ens_07_a_created_campaign_plans_clean_with_every_default_written_out(ens: Repo) -> None:
    ens.write_json("seed.json", {"campaigns": []})
    ens.write("a.yaml", "account: e\nname: New\ndtype: ivr\ndnumber: '5'\n")
    converge(ens)
    ens.write("a.yaml", "account: e\nname: New\ndtype: ivr\ndnumber: '5'\nattempts: 1\ncallerid: ''\n"
                        "description: ''\nenabled: 1\nmachine: failed\nmaximum: 1\nkeep_agents_available: 0\n"
                        "owner: 0\nrecordgroup: 0\nretry: 3600\nsuccess: answer\ntimegroup: 0\n")
    assert ens.run("plan", ".", "--detailed-exitcode").code == 0


def test_ens_08_values_answered_as_strings_show_no_false_change(ens: Repo) -> None:
    ens.write_json("seed.json", {"campaigns": [campaign(1, "A", enabled=0, maximum=12, keep_agents_available=-3,
                                                        callerid="4420", retry=60)]})
    ens.write("a.yaml", "account: e\nid: 1\nname: A\nenabled: false\nmaximum: 12\nkeep_agents_available: -3\n"
                        "callerid: '4420'\nretry: 60\ndnumber: '700'\n")
    planned = ens.run("plan", ".", "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err
    [listed] = ens.requests(ACCOUNT)
    assert listed["operation"] == "bulk/campaigns/list"


def test_prune_deletes_campaigns_without_a_document(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG.replace("VERSION", "4.4") + "    prune: true\n")
    repo.write_json("seed.json", {"campaigns": [campaign(1, "A"), campaign(2, "Gone")]})
    repo.write("a.yaml", "account: e\nname: A\n")
    converge(repo)
    assert [params(e) for e in writes(repo)] == [{"id": "2"}]


def test_ens_03_apply_validate_remote_refuses_a_saved_plan_the_vendor_refuses(ens: Repo) -> None:
    ens.write_json("seed.json", {"role": "user", "campaigns": []})
    ens.write("a.yaml", "account: e\nname: B\ndtype: agent\ndnumber: '9'\n")
    assert ens.run("plan", ".", "-o", "plan.json").code == 0
    refused = ens.run("apply", ".", "--plan", "plan.json", "--validate-remote")
    assert refused.code == 1
    # the saved plan is made again from the documents (ENG-07), so the refusal is located at its campaign
    assert "a.yaml:1:1: ENS-03 campaign 'B': Enswitch refuses bulk/campaigns/create (validation=1)" in refused.err
    assert [e["params"]["validation"] for e in writes(ens)] == ["1"]
