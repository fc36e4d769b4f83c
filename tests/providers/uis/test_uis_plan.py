"""UIS planning rules, each driven through the CLI against the UIS sandbox over HTTP."""

from __future__ import annotations

import pytest
from conftest import Repo, uis_config
from conftest import uis_campaign as _campaign
from conftest import uis_seed as _seed

ACCOUNT = "u"


@pytest.fixture
def uis(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", uis_config())
    return repo


def _plan(repo: Repo) -> tuple[int, str, str]:
    r = repo.run("plan", ".", "--detailed-exitcode")
    return r.code, r.out, r.err


def _converges(repo: Repo) -> None:
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    code, out, err = _plan(repo)
    assert code == 0, out + err


def test_uis_03_the_complete_block_list_is_sent_and_a_dropped_block_is_shown(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "A", site_blocks=[
        {"site_block_id": 11, "phone_number_id": 501}, {"site_block_id": 12, "phone_number_id": 502}])))
    uis.write("a.yaml", """
        account: u
        name: A
        site_blocks: [{site_block_id: 12, phone_number_id: 501}]
    """)
    code, out, _ = _plan(uis)
    assert code == 2
    assert "site_blocks[site_block_id=11]: {" in out and "-> (none)" in out
    assert "site_blocks[site_block_id=12].phone_number_id: 502 -> 501" in out
    _converges(uis)
    [update] = uis.writes(ACCOUNT)
    assert update["params"]["site_blocks"] == [{"site_block_id": 12, "phone_number_id": 501,
                                                "dynamic_call_tracking_enabled": False}]


def test_uis_04_a_changed_site_id_is_a_located_error_and_nothing_is_sent(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "A")))
    uis.write("a.yaml", "account: u\nname: A\nsite_id: 2\n")
    code, _, err = _plan(uis)
    assert code == 1
    assert "a.yaml:3:10: UIS-04 site_id cannot change (1 -> 2)" in err
    assert uis.run("apply", ".", "--yes").code == 1
    assert uis.writes(ACCOUNT) == []


def test_uis_04_every_update_carries_the_live_site_id(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "A", description="x")))
    uis.write("a.yaml", "account: u\nname: A\ndescription: y\n")
    _converges(uis)
    [update] = uis.writes(ACCOUNT)
    assert {k: v for k, v in update["params"].items() if k != "access_token"} == {
        "id": 5, "site_id": 1, "description": "y"}


def test_uis_05_description_over_255_characters_is_refused_offline(uis: Repo) -> None:
    uis.write_json("seed.json", _seed())
    uis.write("a.yaml", f"account: u\nname: A\nsite_id: 1\ndescription: {'x' * 256}\n")
    result = uis.run("validate", ".")
    assert result.code == 1
    assert "a.yaml:4:14: UIS-05 description: String should have at most 255 characters" in result.err


def test_uis_06_deactivation_shows_the_blocks_it_resets(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "A", site_blocks=[{"site_block_id": 11, "phone_number_id": 501}])))
    uis.write("a.yaml", "account: u\nname: A\nstatus: inactive\nsite_blocks: []\n")
    code, out, _ = _plan(uis)
    assert code == 2
    assert "! resets site blocks 11 (UIS-06" in out
    _converges(uis)
    [update] = uis.writes(ACCOUNT)
    assert "site_blocks" not in update["params"] and update["params"]["status"] == "inactive"


def test_uis_07_activation_comes_before_new_blocks(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "A", status="inactive")))
    uis.write("a.yaml", """
        account: u
        name: A
        status: active
        site_blocks: [{site_block_id: 11, phone_number_id: 501}]
    """)
    code, out, _ = _plan(uis)
    assert code == 2
    assert "waits for u:A:activate: site_blocks can change only once the campaign is active (UIS-07)" in out
    _converges(uis)
    first, second = uis.writes(ACCOUNT)
    assert first["params"]["status"] == "active" and "site_blocks" not in first["params"]
    assert "status" not in second["params"] and second["params"]["site_blocks"]


def test_uis_07_inactive_with_blocks_is_refused_offline(uis: Repo) -> None:
    uis.write_json("seed.json", _seed())
    uis.write("a.yaml", "account: u\nname: A\nsite_id: 1\nstatus: inactive\n"
                        "site_blocks: [{site_block_id: 11, phone_number_id: 501}]\n")
    result = uis.run("validate", ".")
    assert result.code == 1
    assert "a.yaml:5:1: UIS-07 site_blocks cannot be set on an inactive campaign" in result.err


def test_uis_12_dynamic_call_tracking_travels_with_enabled_blocks(uis: Repo) -> None:
    dct = {"reservation_time": "15m", "count_virtual_numbers": 2, "count_visits": 10}
    uis.write_json("seed.json", _seed(_campaign(5, "A", dynamic_call_tracking=dct, site_blocks=[
        {"site_block_id": 11, "phone_number_id": 501, "dynamic_call_tracking_enabled": True}])))
    uis.write("a.yaml", """
        account: u
        name: A
        site_blocks: [{site_block_id: 11, phone_number_id: 502, dynamic_call_tracking_enabled: true}]
    """)
    _converges(uis)
    [update] = uis.writes(ACCOUNT)
    assert update["params"]["dynamic_call_tracking"] == dct


def test_uis_12_enabled_block_without_any_dynamic_call_tracking_is_an_error(uis: Repo) -> None:
    uis.write_json("seed.json", _seed())
    uis.write("a.yaml", """
        account: u
        name: A
        site_id: 1
        site_blocks: [{site_block_id: 11, phone_number_id: 501, dynamic_call_tracking_enabled: true}]
    """)
    code, _, err = _plan(uis)
    assert code == 1 and "a.yaml:4:1: UIS-12" in err
    assert uis.writes(ACCOUNT) == []


def test_uis_01_system_campaign_accepts_only_blocks_and_tracking(uis: Repo) -> None:
    uis.write_json("seed.json", _seed({**_campaign(-1, "Visitors", type="system")}))
    uis.write("sys.yaml", "account: u\nid: -1\ndescription: nope\nsite_blocks: []\n")
    code, _, err = _plan(uis)
    assert code == 1
    assert "sys.yaml:3:1: UIS-01 description cannot be changed on a system campaign" in err
    uis.write("sys.yaml", "account: u\nid: -1\nsite_blocks: [{site_block_id: 11, phone_number_id: 502}]\n")
    _converges(uis)


def test_create_then_cost_ratio_in_a_second_call(uis: Repo) -> None:
    uis.write_json("seed.json", _seed())
    uis.write("a.yaml", "account: u\nname: New\nsite_id: 1\ncost_ratio: 2\ncost_ratio_operator: divide\n")
    code, out, _ = _plan(uis)
    assert code == 2 and "Plan: 1 to create, 0 to update, 0 to delete (2 calls)." in out
    _converges(uis)
    create, update = uis.writes(ACCOUNT)
    assert "cost_ratio" not in create["params"]
    assert update["params"]["cost_ratio"] == 2 and update["params"]["id"] == uis.state(ACCOUNT)["campaigns"][0]["id"]


def test_eng_03_prune_deletes_only_basic_campaigns_without_documents(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config(prune=True))
    repo.write_json("seed.json", _seed(_campaign(5, "Keep"), _campaign(6, "Gone"),
                                       {**_campaign(-1, "Visitors", type="system")}))
    repo.write("a.yaml", "account: u\nname: Keep\n")
    code, out, _ = _plan(repo)
    assert code == 2 and "- u / Gone (id 6): delete (delete.campaigns)" in out and "Visitors" not in out
    _converges(repo)
    assert [w["params"]["id"] for w in repo.writes(ACCOUNT)] == [6]


def test_eng_03_without_prune_orphans_are_left_alone(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "Keep"), _campaign(6, "Other")))
    uis.write("a.yaml", "account: u\nname: Keep\n")
    assert _plan(uis)[0] == 0


def test_ambiguous_live_name_asks_for_a_pinned_id(uis: Repo) -> None:
    uis.write_json("seed.json", _seed(_campaign(5, "Twin"), _campaign(6, "Twin")))
    uis.write("a.yaml", "account: u\nname: Twin\nstatus: inactive\n")
    code, _, err = _plan(uis)
    assert code == 1 and "a.yaml:2:7: IDENTITY 2 live campaigns have name 'Twin' (ids 5, 6): pin one" in err
    uis.write("a.yaml", "account: u\nid: 6\nname: Twin\nstatus: inactive\n")
    _converges(uis)


def test_documents_report_every_problem_of_the_run(uis: Repo) -> None:
    uis.write_json("seed.json", _seed())
    uis.write("a.yaml", "account: u\nname: A\nstatuss: active\n---\naccount: uu\nname: B\n")
    uis.write("b.yaml", "account: u\nname: A\n")
    result = uis.run("validate", ".")
    assert result.code == 1
    lines = result.err.splitlines()
    assert "a.yaml:3:1: SCHEMA unknown field 'statuss' (did you mean 'status'?)" in lines
    assert "a.yaml:5:10: ACCOUNT unknown account 'uu' (did you mean 'u'?)" in lines
    assert lines[-1] == "2 problem(s) found; nothing was changed."
