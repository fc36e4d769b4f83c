"""Readable references (a site's domain, a block's name, a formatted phone number) in UIS documents, driven
through the CLI against the UIS sandbox: they plan and apply exactly like the ids they stand for, and a name
that finds nothing, or more than one thing, is a located error listing the candidates, before any write."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Repo, uis_config
from conftest import uis_campaign as _campaign
from conftest import uis_seed as _seed

ACCOUNT = "u"


@pytest.fixture
def uis(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", uis_config())
    return repo


def _seed_with(*campaigns: dict[str, Any], site_2_blocks: list[dict[str, Any]] | None = None,
               **collections: list[dict[str, Any]]) -> dict[str, Any]:
    """The shared UIS seed (sites a.example and b.example), with b.example's blocks and collections replaced."""
    seed = _seed(*campaigns)
    seed["sites"][1]["site_blocks"] = site_2_blocks or [{"site_block_id": 21, "site_block_name": "Header"}]
    seed.update(collections)
    return seed


def _params(write: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in write["params"].items() if k != "access_token"}


def _run(repo: Repo, document: str) -> tuple[Any, list[dict[str, Any]]]:
    """From the seed: the JSON plan of ``document``, then the writes its apply sent; it must converge."""
    assert repo.run("sandbox", "reset").code == 0
    repo.write("a.yaml", document)
    planned = repo.run("plan", ".", "--format", "json")
    assert planned.code == 0, planned.err
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    again = repo.run("plan", ".", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    return json.loads(planned.out), [_params(w) for w in repo.writes(ACCOUNT)]


def _refused(repo: Repo, document: str) -> str:
    """``document`` is refused by plan and by apply (exit 1) with no write; the errors printed."""
    repo.write("a.yaml", document)
    planned = repo.run("plan", ".")
    assert planned.code == 1, planned.out
    assert repo.run("apply", ".", "--yes").code == 1
    assert repo.writes(ACCOUNT) == []
    return planned.err


NEW_BY_ID = """
    account: u
    name: New
    site_id: 1
    site_blocks:
      - {site_block_id: 12, phone_number_id: 503, redirection_phone_number_id: 77}
      - {site_block_id: 11, phone_number_id: 501}
"""
NEW_BY_NAME = """
    account: u
    name: New
    site: A.Example
    site_blocks:
      - {site_block: Footer, phone_number: "+7 (495) 000-05-03", redirection_phone_number: 7 495 777-00-77}
      - {site_block: header, phone_number: "74950000501"}
"""
LIVE_BY_ID = """
    account: u
    name: A
    site_blocks:
      - {site_block_id: 12, phone_number_id: 502}
      - {site_block_id: 11, phone_number_id: 503, redirection_phone_number_id: 77}
"""
LIVE_BY_NAME = """
    account: u
    name: A
    site_blocks:
      - {site_block: Footer, phone_number: 7-495-000-05-02}
      - {site_block: Header, phone_number: +7 495 0000503, redirection_phone_number: "+7 (495) 777-0077"}
"""


@pytest.mark.parametrize(("by_id", "by_name"), [(NEW_BY_ID, NEW_BY_NAME), (LIVE_BY_ID, LIVE_BY_NAME)],
                         ids=["create", "update-on-the-live-site"])
def test_uis_04_03_08_10_readable_references_plan_and_apply_exactly_like_ids(uis: Repo, by_id: str,
                                                                               by_name: str) -> None:
    uis.write_json("seed.json", _seed_with(_campaign(5, "A", site_blocks=[{"site_block_id": 11,
                                                                           "phone_number_id": 501}])))
    plan_by_id, writes_by_id = _run(uis, by_id)
    plan_by_name, writes_by_name = _run(uis, by_name)
    assert plan_by_name == plan_by_id
    assert writes_by_name == writes_by_id
    assert writes_by_id and all(b["site_block_id"] in (11, 12) for b in writes_by_id[0]["site_blocks"])


@pytest.mark.parametrize("written", [
    '"+7 (495) 000-05-02"', "+7 495 000 05 02", "7-495-000-05-02", '"7.495.000.05.02"', "'74950000502'",
    "74950000502", "+74950000502", '"(7495) 00-00-502"'])
def test_uis_08_a_phone_number_is_compared_by_its_digits_only(uis: Repo, written: str) -> None:
    uis.write_json("seed.json", _seed_with(_campaign(5, "A", site_blocks=[{"site_block_id": 11,
                                                                           "phone_number_id": 501}])))
    uis.write("a.yaml", f"account: u\nname: A\nsite_blocks: [{{site_block_id: 11, phone_number: {written}}}]\n")
    result = uis.run("plan", ".", "--detailed-exitcode")
    assert result.code == 2, result.err
    assert "site_blocks[site_block_id=11].phone_number_id: 501 -> 502" in result.out


def test_uis_08_ids_still_work_and_mix_with_names(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with())
    uis.write("a.yaml", """
        account: u
        name: New
        site_id: 1
        site_blocks:
          - {site_block_id: 12, phone_number: "+7 495 000-05-03", redirection_phone_number_id: 77}
          - {site_block: Header, phone_number_id: 501}
    """)
    uis.run("apply", ".", "--yes")
    [create] = uis.writes(ACCOUNT)
    assert _params(create)["site_blocks"] == [
        {"site_block_id": 11, "phone_number_id": 501, "dynamic_call_tracking_enabled": False},
        {"site_block_id": 12, "phone_number_id": 503, "redirection_phone_number_id": 77,
         "dynamic_call_tracking_enabled": False}]
    assert uis.run("plan", ".", "--detailed-exitcode").code == 0


def test_uis_04_an_unknown_site_is_located_at_the_name_and_lists_the_sites(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with())
    err = _refused(uis, "account: u\nname: New\nsite: a.exampel\n")
    assert ("a.yaml:3:7: UIS-04 unknown site 'a.exampel', did you mean 'a.example'? "
            "(sites: a.example, b.example)") in err


def test_uis_04_later_problems_about_a_resolved_id_point_at_its_name(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with(_campaign(5, "A")))
    err = _refused(uis, "account: u\nname: A\ndescription: x\nsite: b.example\n")
    assert "a.yaml:4:7: UIS-04 site_id cannot change (1 -> 2)" in err


def test_uis_04_a_long_candidate_list_is_cut_short(uis: Repo) -> None:
    sites = [{"id": i, "domain_name": f"site{i:02}.example"} for i in range(1, 16)]
    uis.write_json("seed.json", _seed_with(sites=sites))
    err = _refused(uis, "account: u\nname: New\nsite: nowhere.test\n")
    assert ("UIS-04 unknown site 'nowhere.test' (sites: site01.example, site02.example, site03.example, "
            "site04.example, site05.example, site06.example, site07.example, site08.example, site09.example, "
            "site10.example and 5 more)") in err


def test_uis_03_an_ambiguous_block_name_lists_the_blocks_it_matches(uis: Repo) -> None:
    seed = _seed_with()
    seed["sites"][0]["site_blocks"].append({"site_block_id": 13, "site_block_name": "header"})
    uis.write_json("seed.json", seed)
    err = _refused(uis, """
        account: u
        name: New
        site_id: 1
        site_blocks:
          - site_block: Header
            phone_number_id: 501
    """)
    assert ("a.yaml:5:17: UIS-03 ambiguous site block 'Header' on a.example: 2 blocks match "
            "('Header' (id 11), 'header' (id 13)); give site_block_id instead") in err


def test_uis_03_a_block_name_is_looked_up_in_the_campaigns_own_site_only(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with(site_2_blocks=[{"site_block_id": 21, "site_block_name": "Header"},
                                                          {"site_block_id": 22, "site_block_name": "Sidebar"}]))
    err = _refused(uis, """
        account: u
        name: New
        site: a.example
        site_blocks:
          - {site_block: Sidebar, phone_number_id: 501}
    """)
    assert "a.yaml:5:18: UIS-03 unknown site block 'Sidebar' on a.example (blocks: Footer, Header)" in err
    uis.write("a.yaml", """
        account: u
        name: New
        site: b.example
        site_blocks:
          - {site_block: Header, phone_number_id: 501}
    """)
    assert uis.run("apply", ".", "--yes").code == 0
    [create] = uis.writes(ACCOUNT)
    assert _params(create)["site_id"] == 2 and _params(create)["site_blocks"][0]["site_block_id"] == 21


def test_uis_03_a_block_name_needs_the_campaigns_site(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with())
    err = _refused(uis, "account: u\nname: New\nsite_blocks: [{site_block: Header, phone_number_id: 501}]\n")
    assert "a.yaml:3:28: UIS-03 site block 'Header' cannot be found: the campaign's site is not known" in err


def test_uis_03_block_names_are_not_looked_up_when_the_site_itself_is_unknown(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with())
    err = _refused(uis, "account: u\nname: New\nsite: c.example\n"
                        "site_blocks: [{site_block: Header, phone_number_id: 501}]\n")
    assert "UIS-04 unknown site 'c.example'" in err and "UIS-03" not in err


def test_uis_08_an_unknown_phone_number_suggests_the_closest_and_lists_the_numbers(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with())
    err = _refused(uis, """
        account: u
        name: New
        site_id: 1
        site_blocks:
          - site_block_id: 11
            phone_number: +7 (495) 000-502
    """)
    assert ("a.yaml:6:19: UIS-08 unknown phone number '+7 (495) 000-502', did you mean '74950000502'? "
            "(available phone numbers: 74950000501, 74950000502, 74950000503)") in err


def test_uis_08_an_ambiguous_phone_number_lists_the_numbers_it_matches(uis: Repo) -> None:
    numbers = [{"id": 501, "phone_number": "74950000501", "type": "va"},
               {"id": 509, "phone_number": "+7 495 000-05-01", "type": "user"}]
    uis.write_json("seed.json", _seed_with(phone_numbers=numbers))
    err = _refused(uis, "account: u\nname: New\nsite_id: 1\n"
                        "site_blocks: [{site_block_id: 11, phone_number: 7 495 000 05 01}]\n")
    assert ("a.yaml:4:49: UIS-08 ambiguous phone number '7 495 000 05 01': 2 available phone numbers match "
            "('74950000501' (id 501), '+7 495 000-05-01' (id 509)); give phone_number_id instead") in err


def test_uis_10_an_unknown_redirection_number_lists_the_redirection_numbers(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with())
    err = _refused(uis, "account: u\nname: New\nsite_id: 1\nsite_blocks: [{site_block_id: 11, "
                        "phone_number_id: 503, redirection_phone_number: '74951234567'}]\n")
    assert ("a.yaml:4:83: UIS-10 unknown redirection phone number '74951234567' "
            "(redirection phone numbers: 74957770077)") in err


def test_every_unresolved_reference_of_the_run_is_reported_at_once(uis: Repo) -> None:
    uis.write_json("seed.json", _seed_with(_campaign(5, "A")))
    uis.write("b.yaml", "account: u\nname: A\nsite_blocks: [{site_block: Nav, phone_number: '1'}]\n")
    err = _refused(uis, "account: u\nname: New\nsite: nowhere.example\n")
    assert "a.yaml:3:7: UIS-04 unknown site 'nowhere.example'" in err
    assert "b.yaml:3:28: UIS-03 unknown site block 'Nav' on a.example" in err
    assert "b.yaml:3:47: UIS-08 unknown phone number '1'" in err


@pytest.mark.parametrize(("document", "expected"), [
    ("site_id: 1\nsite: a.example\n", "a.yaml:4:7: SCHEMA site: give site_id or site, not both"),
    ("site_id: 1\nsite_blocks: [{site_block_id: 11, site_block: Header, phone_number_id: 501}]\n",
     "a.yaml:4:47: SCHEMA site_blocks[0].site_block: give site_block_id or site_block, not both"),
    ("site_id: 1\nsite_blocks: [{site_block_id: 11, phone_number_id: 501, phone_number: '74950000501'}]\n",
     "SCHEMA site_blocks[0].phone_number: give phone_number_id or phone_number, not both"),
    ("site_id: 1\nsite_blocks: [{site_block_id: 11, phone_number_id: 503, redirection_phone_number_id: 77, "
     "redirection_phone_number: '74957770077'}]\n",
     "SCHEMA site_blocks[0].redirection_phone_number: give redirection_phone_number_id or "
     "redirection_phone_number, not both"),
    ("site_id: 1\nsite_blocks: [{site_block: Header}]\n",
     "a.yaml:4:15: SCHEMA site_blocks[0]: missing required field 'phone_number_id' (or 'phone_number')"),
    ("site_id: 1\nsite_blocks: [{site_block_id: 11, phone_number: call me}]\n",
     "SCHEMA site_blocks[0].phone_number: 'call me' is not a phone number"),
], ids=["site", "site_block", "phone_number", "redirection_phone_number", "neither", "not-a-number"])
def test_an_id_and_its_readable_form_together_are_a_schema_error(uis: Repo, document: str, expected: str) -> None:
    uis.write_json("seed.json", _seed_with())
    uis.write("a.yaml", "account: u\nname: New\n" + document)
    result = uis.run("validate", ".")
    assert result.code == 1
    assert expected in result.err
