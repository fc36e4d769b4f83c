"""UIS-09 number handovers, through the CLI and the UIS sandbox over HTTP: the sandbox refuses a number
taken before it is released, so an apply that succeeds shows the order was right."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Repo, uis_config

RULE = "UIS-09"
TRACKED = (601, 602, 603, 604)


def _block(block_id: int, number: int) -> dict[str, Any]:
    return {"site_block_id": block_id, "phone_number_id": number, "redirection_phone_number_id": 77}


def _campaign(cid: int, name: str, *blocks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": cid, "name": name, "type": "basic", "status": "active", "site_id": 1,
            "site_blocks": list(blocks), **fields}


def _setup(repo: Repo, *campaigns: dict[str, Any], prune: bool = False) -> None:
    repo.write("reconciler.yaml", uis_config(prune))
    repo.write_json("seed.json", {
        "sites": [{"id": 1, "domain_name": "a.example", "site_blocks": [
            {"site_block_id": b, "site_block_name": f"Block {b}"} for b in (11, 12, 13)]}],
        "phone_numbers": [{"id": n, "phone_number": f"7495000{n}", "type": "call_tracking"} for n in TRACKED],
        "redirection_phone_numbers": [{"id": 77, "phone_number": "74957770077"}],
        "campaigns": list(campaigns)})


def _want(repo: Repo, name: str, *blocks: tuple[int, int], **extra: str) -> None:
    lines = [f"account: u\nname: {name}"] + [f"{k}: {v}" for k, v in extra.items()]
    lines.append("site_blocks:" + ("" if blocks else " []"))
    lines += [f"  - {{site_block_id: {b}, phone_number_id: {n}, redirection_phone_number_id: 77}}" for b, n in blocks]
    repo.write(f"{name.lower()}.yaml", "\n".join(lines) + "\n")


def _applied_writes(repo: Repo) -> list[str]:
    applied = repo.run("apply", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert all(r["outcome"] == "ok" for r in repo.requests("u")), "the sandbox refused a request"
    assert repo.run("plan", "--detailed-exitcode").code == 0
    return [f"{w['operation']} {w['params']['id'] if 'id' in w['params'] else w['params'].get('name')}"
            for w in repo.writes("u")]


def _holders(repo: Repo) -> dict[str, list[int]]:
    return {c["name"]: sorted(b["phone_number_id"] for b in c["site_blocks"]) for c in repo.state("u")["campaigns"]}


def test_uis_09_a_moving_number_is_released_before_it_is_taken(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A", _block(11, 601)), _campaign(2, "B"))
    _want(repo, "B", (12, 601))  # B sorts first, yet must wait for A
    _want(repo, "A")
    planned = repo.run("plan").out
    assert "waits for u:A:update: takes call_tracking number 601 once 'A' releases it (UIS-09)" in planned
    assert planned.index("~ u / A: update") < planned.index("~ u / B: update")
    assert _applied_writes(repo) == ["update.campaigns 1", "update.campaigns 2"]
    assert _holders(repo) == {"A": [], "B": [601]}


def test_uis_09_a_swap_is_broken_with_exactly_one_extra_call(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A", _block(11, 601), _block(12, 603)), _campaign(2, "B", _block(11, 602)))
    _want(repo, "A", (11, 602), (12, 603))
    _want(repo, "B", (11, 601))
    planned = repo.run("plan").out
    assert "Plan: 0 to create, 2 to update, 0 to delete (3 calls)." in planned
    assert "temporary: releases call_tracking number(s) 601" in planned
    writes = _applied_writes(repo)
    assert writes == ["update.campaigns 1", "update.campaigns 2", "update.campaigns 1"]
    assert _holders(repo) == {"A": [602, 603], "B": [601]}
    release = repo.writes("u")[0]["params"]["site_blocks"]
    assert [b["phone_number_id"] for b in release] == [603]  # only the contested block left out


def test_uis_09_a_rotation_of_three_costs_one_extra_call(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A", _block(11, 601)), _campaign(2, "B", _block(11, 602)),
           _campaign(3, "C", _block(11, 603)))
    _want(repo, "A", (11, 602))
    _want(repo, "B", (11, 603))
    _want(repo, "C", (11, 601))
    assert len(_applied_writes(repo)) == 4
    assert _holders(repo) == {"A": [602], "B": [603], "C": [601]}


def test_uis_09_two_swaps_are_two_cycles_and_two_extra_calls(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A", _block(11, 601)), _campaign(2, "B", _block(11, 602)),
           _campaign(3, "C", _block(11, 603)), _campaign(4, "D", _block(11, 604)))
    for name, number in (("A", 602), ("B", 601), ("C", 604), ("D", 603)):
        _want(repo, name, (11, number))
    assert len(_applied_writes(repo)) == 6
    assert _holders(repo) == {"A": [602], "B": [601], "C": [604], "D": [603]}


def test_uis_09_a_number_taken_by_a_new_campaign_waits_for_its_release(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A", _block(11, 601)))
    _want(repo, "A")
    _want(repo, "Fresh", (11, 601), site_id="1")
    assert _applied_writes(repo) == ["update.campaigns 1", "create.campaigns Fresh"]


def test_uis_09_deactivation_and_prune_release_numbers(repo: Repo) -> None:
    _setup(repo, _campaign(1, "Sleepy", _block(11, 601)), _campaign(2, "Gone", _block(11, 602)),
           _campaign(3, "Taker"), prune=True)
    repo.write("sleepy.yaml", "account: u\nname: Sleepy\nstatus: inactive\n")
    _want(repo, "Taker", (11, 601), (12, 602))
    writes = _applied_writes(repo)
    assert writes[-1] == "update.campaigns 3" and len(writes) == 3


def test_uis_09_two_documents_claiming_one_number_is_an_error(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A"), _campaign(2, "B"))
    _want(repo, "A", (11, 601))
    _want(repo, "B", (12, 601))
    refused = repo.run("plan")
    assert refused.code == 1
    assert ("b.yaml:3:1: UIS-09 call_tracking number 601 (block 12) is also claimed by campaign 'A' at "
            "a.yaml:3:1; it serves one campaign at a time") in refused.err
    assert repo.writes("u") == []


def test_uis_09_one_number_in_two_blocks_of_a_campaign_is_an_error(repo: Repo) -> None:
    _setup(repo, _campaign(1, "A"))
    _want(repo, "A", (11, 601), (12, 601))
    assert "UIS-09 call_tracking number 601 is in two blocks of this campaign" in repo.run("plan").err


@pytest.mark.parametrize("managed", [False, True])
def test_uis_09_a_number_kept_by_another_campaign_is_an_error(repo: Repo, managed: bool) -> None:
    _setup(repo, _campaign(1, "Holder", _block(11, 601)), _campaign(2, "A"))
    if managed:
        repo.write("holder.yaml", "account: u\nname: Holder\ndescription: blocks not managed here\n")
    _want(repo, "A", (11, 601))
    refused = repo.run("plan")
    why = "its document does not change its blocks" if managed else "no document manages it"
    assert refused.code == 1
    holder = "Holder" if managed else "Holder (id 1)"
    assert f"a.yaml:3:1: UIS-09 call_tracking number 601 serves campaign '{holder}', which keeps it ({why})" \
        in refused.err


def test_uis_09_two_swaps_through_one_campaign_cost_one_extra_call(repo: Repo) -> None:
    _setup(repo, _campaign(2, "C2", _block(11, 602)), _campaign(3, "C3", _block(11, 603), _block(12, 601)),
           _campaign(4, "C4", _block(11, 604)))
    _want(repo, "C2", (11, 603))
    _want(repo, "C3", (11, 602), (12, 604))
    _want(repo, "C4", (11, 601))
    writes = _applied_writes(repo)
    assert writes == ["update.campaigns 3", "update.campaigns 2", "update.campaigns 4", "update.campaigns 3"]
