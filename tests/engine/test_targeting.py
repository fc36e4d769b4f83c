"""--campaign NAME (repeatable, glob) on plan and apply: only the chosen campaigns and those they wait for
(a UIS number handover partner, UIS-09) are planned and applied, through the CLI and the UIS sandbox over
HTTP; each campaign pulled in is named with the reason."""

from __future__ import annotations

from typing import Any

from conftest import Repo, uis_config

from reconciler.engine.targeting import closure
from reconciler.model import Action, Operation

RULE = "UIS-09"


def _block(block_id: int, number: int) -> dict[str, Any]:
    return {"site_block_id": block_id, "phone_number_id": number, "redirection_phone_number_id": 77}


def _setup(repo: Repo, prune: bool = False) -> None:
    """A has number 601, which B is to take; C and D change on their own."""
    repo.write("reconciler.yaml", uis_config(prune))
    repo.write_json("seed.json", {
        "sites": [{"id": 1, "domain_name": "a.example", "site_blocks": [
            {"site_block_id": b, "site_block_name": f"Block {b}"} for b in (11, 12)]}],
        "phone_numbers": [{"id": 601, "phone_number": "74950000601", "type": "call_tracking"}],
        "redirection_phone_numbers": [{"id": 77, "phone_number": "74957770077"}],
        "campaigns": [
            {"id": 1, "name": "Spring A", "type": "basic", "status": "active", "site_id": 1,
             "site_blocks": [_block(11, 601)]},
            {"id": 2, "name": "Spring B", "type": "basic", "status": "active", "site_id": 1, "site_blocks": []},
            {"id": 3, "name": "Summer C", "type": "basic", "status": "active", "site_id": 1, "site_blocks": []},
            {"id": 4, "name": "Orphan", "type": "basic", "status": "active", "site_id": 1, "site_blocks": []}]})
    repo.write("campaigns/a.yaml", "account: u\nname: Spring A\nsite_blocks: []\n")
    repo.write("campaigns/b.yaml", "account: u\nname: Spring B\nsite_blocks:\n"
                                   "  - {site_block_id: 12, phone_number_id: 601, redirection_phone_number_id: 77}\n")
    repo.write("campaigns/c.yaml", "account: u\nname: Summer C\nstatus: inactive\n")
    repo.write("campaigns/d.yaml", "account: u\nname: Winter D\nstatus: active\nsite_id: 1\n")


def test_uis_09_targeting_the_taker_pulls_in_the_campaign_releasing_its_number_and_says_so(repo: Repo) -> None:
    _setup(repo, prune=True)
    planned = repo.run("plan", "--campaign", "Spring B")
    assert planned.code == 0, planned.err
    assert "~ u / Spring A: update" in planned.out and "~ u / Spring B: update" in planned.out
    assert "Summer C" not in planned.out and "Winter D" not in planned.out and "Orphan" not in planned.out
    assert ("campaign 'Spring A' is pulled in: 'Spring B' waits for it: takes call_tracking number 601 once "
            "'Spring A' releases it (UIS-09)") in planned.out
    assert "targeted by --campaign 'Spring B': 1 campaign(s), 1 with changes ('Spring B')" in planned.out
    applied = repo.run("apply", "--campaign", "Spring B", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert [w["params"]["id"] for w in repo.writes("u")] == [1, 2]  # released, then taken; nothing else
    assert all(r["outcome"] == "ok" for r in repo.requests("u"))
    rest = repo.run("plan").out  # the untargeted changes are still to do
    assert "Summer C: update" in rest and "Winter D: create" in rest and "Orphan (id 4): delete" in rest
    assert "Spring" not in rest


def test_targeting_the_releaser_does_not_pull_in_the_taker(repo: Repo) -> None:
    _setup(repo)
    planned = repo.run("plan", "--campaign", "Spring A").out
    assert "u / Spring A: update" in planned and "Spring B" not in planned and "pulled in" not in planned


def test_campaign_globs_are_repeatable_and_a_glob_matching_nothing_is_an_error(repo: Repo) -> None:
    _setup(repo, prune=True)
    planned = repo.run("plan", "--campaign", "S*", "--campaign", "Orphan").out
    assert "Plan: 0 to create, 3 to update, 1 to delete (4 calls)." in planned
    assert "Winter D" not in planned
    wrong = repo.run("plan", "--campaign", "Sumer*")
    assert wrong.code == 1
    assert "TARGET --campaign 'Sumer*' matches no campaign of account(s) u (did you mean 'Summer C'?)" in wrong.err
    assert repo.requests("u") and all(r["operation"].startswith("get.") for r in repo.requests("u"))


def test_a_saved_plan_takes_no_campaign_option(repo: Repo) -> None:
    _setup(repo)
    assert repo.run("plan", "--campaign", "Summer C", "-o", "plan.json").code == 0
    refused = repo.run("apply", "--plan", "plan.json", "--campaign", "Summer C")
    assert refused.code == 1 and "a saved plan has its own" in refused.err
    applied = repo.run("apply", "--plan", "plan.json")
    assert applied.code == 0, applied.err
    assert [w["params"]["id"] for w in repo.writes("u")] == [3]


def _op(campaign: str, step: str, *waits: str) -> Operation:
    return Operation(f"x:{campaign}:{step}", "x", campaign, Action.UPDATE, "update", {}, waits_for=waits)


def test_the_closure_follows_waits_for_whatever_the_vendor_and_takes_whole_campaigns() -> None:
    ops = [_op("a", "update", "x:b:release"), _op("b", "release"), _op("b", "update", "x:c:update"),
           _op("c", "update"), _op("d", "update", "x:a:update")]
    keep, pulled = closure(ops, ["a"])
    assert keep == {"a", "b", "c"}  # b's other call waits for c: c comes too; d waits for a: not needed
    assert {campaign: op.campaign for campaign, op in pulled.items()} == {"b": "a", "c": "b"}
