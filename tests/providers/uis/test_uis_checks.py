"""UIS rules checked at plan time (UIS-08, -10, -11, -13, -14, -15, -19): a located error, nothing sent."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Repo, uis_config
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed

from reconciler.config import load_config
from reconciler.engine.connect import connect
from reconciler.errors import VendorError
from reconciler.model import Action, Operation


@pytest.fixture
def uis(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", seed(campaign(5, "A")))
    return repo


def _refused(repo: Repo, document: str) -> str:
    repo.write("a.yaml", document)
    result = repo.run("plan")
    assert result.code == 1, result.out
    assert repo.writes("u") == []
    return result.err


def _blocks(*items: str) -> str:
    return "account: u\nname: A\nsite_blocks:\n" + "".join(f"  - {{{item}}}\n" for item in items)


def test_uis_08_a_number_uis_does_not_offer_is_an_error(uis: Repo) -> None:
    err = _refused(uis, _blocks("site_block_id: 11, phone_number_id: 999"))
    assert ("a.yaml:3:1: UIS-08 block 11: phone number 999 is not one UIS offers this account "
            "(get.campaign_available_phone_numbers: 501, 502, 503)") in err


def test_uis_08_a_block_of_another_site_is_an_error(uis: Repo) -> None:
    err = _refused(uis, _blocks("site_block_id: 99, phone_number_id: 501"))
    assert "UIS-08 block 99: site block 99 is not on site 1 (its blocks: 11, 12)" in err


@pytest.mark.parametrize(("block", "message"), [
    ("site_block_id: 11, phone_number_id: 503", "a call_tracking number needs a redirection_phone_number_id"),
    ("site_block_id: 11, phone_number_id: 501, redirection_phone_number_id: 77",
     "redirection_phone_number_id is only for call_tracking numbers, not va"),
    ("site_block_id: 11, phone_number_id: 503, redirection_phone_number_id: 78",
     "redirection number 78 is not one UIS offers"),
])
def test_uis_10_redirection_numbers_are_checked(uis: Repo, block: str, message: str) -> None:
    assert f"UIS-10 block 11: {message}" in _refused(uis, _blocks(block))


def test_uis_10_uis_11_components_listed_for_the_account_are_checked(uis: Repo) -> None:
    uis.write("reconciler.yaml", uis_config(settings="    components: []\n"))
    err = _refused(uis, _blocks("site_block_id: 11, phone_number_id: 503, redirection_phone_number_id: 77",
                                "site_block_id: 12, phone_number_id: 501, dynamic_call_tracking_enabled: true")
                   + "dynamic_call_tracking: {count_virtual_numbers: 1, count_visits: 10}\n")
    assert "UIS-10 block 11: redirection_phone_number_id needs the component va" in err
    assert "UIS-11 block 12: dynamic_call_tracking_enabled needs the component dynamic_call_tracking" in err
    assert "UIS-11 dynamic_call_tracking needs the component dynamic_call_tracking" in err


def test_uis_11_tracking_only_on_va_and_call_tracking_numbers(uis: Repo) -> None:
    state = seed(campaign(5, "A"))
    state["phone_numbers"].append({"id": 509, "phone_number": "74950000509", "type": "user"})
    uis.write_json("seed.json", state)
    err = _refused(uis, _blocks("site_block_id: 11, phone_number_id: 509, dynamic_call_tracking_enabled: true")
                   + "dynamic_call_tracking: {count_virtual_numbers: 1, count_visits: 10}\n")
    assert "UIS-11 block 11: dynamic_call_tracking_enabled needs a va or call_tracking number; 509 is a user" in err


def test_valid_blocks_pass_the_checks_and_apply(uis: Repo) -> None:
    uis.write("a.yaml", _blocks("site_block_id: 11, phone_number_id: 503, redirection_phone_number_id: 77",
                                "site_block_id: 12, phone_number_id: 501, dynamic_call_tracking_enabled: true")
              + "dynamic_call_tracking: {count_virtual_numbers: 1, count_visits: 10}\n")
    assert uis.run("apply", "--yes").code == 0
    assert all(r["outcome"] == "ok" for r in uis.requests("u"))


@pytest.mark.parametrize(("tracking", "where"), [
    ("{reservation_time: 3m, count_virtual_numbers: 1, count_visits: 1}", "a.yaml:3:43"),
    ("{count_virtual_numbers: 0, count_visits: 1}", "a.yaml:3:48"),
    ("{count_visits: 1}", "a.yaml:3:24"),
])
def test_uis_13_dynamic_call_tracking_values_are_checked_offline(uis: Repo, tracking: str, where: str) -> None:
    err = _refused(uis, f"account: u\nname: A\ndynamic_call_tracking: {tracking}\n")
    assert err.startswith(f"{where}: UIS-13 ")


def test_uis_13_a_rise_in_virtual_numbers_is_shown_as_a_purchase(uis: Repo) -> None:
    uis.write("a.yaml", "account: u\nname: A\ndynamic_call_tracking: {count_virtual_numbers: 4, count_visits: 9}\n")
    assert "! buys 4 virtual number(s) for dynamic call tracking (0 -> 4)" in uis.run("plan").out


@pytest.mark.parametrize(("fields", "where"), [
    ("cost_ratio: 0.5", "a.yaml:3:13"),
    ("cost_ratio_operator: times", "a.yaml:3:22"),
])
def test_uis_14_cost_ratio_is_checked_offline(uis: Repo, fields: str, where: str) -> None:
    assert _refused(uis, f"account: u\nname: A\n{fields}\n").startswith(f"{where}: UIS-14 ")


@pytest.mark.parametrize(("condition", "where", "message"), [
    ("{type: include, campaign_parameter: channel, operator: sub, value: paid}", "a.yaml:5:75",
     "operator: operator 'sub' is not allowed for channel (allowed: =)"),
    ("{type: include, campaign_parameter: search_engine, operator: '=', value: altavista}", "a.yaml:5:93",
     "value: 'altavista' is not a value of search_engine"),
    ("{type: include, campaign_parameter: referrer, operator: '~', value: '(unclosed'}", "a.yaml:5:88",
     "value: '(unclosed' is not a regular expression"),
])
def test_uis_15_conditions_are_checked_offline(uis: Repo, condition: str, where: str, message: str) -> None:
    err = _refused(uis, "account: u\nname: A\ncampaign_conditions:\n  group_conditions:\n"
                        f"    - conditions: [{condition}]\n")
    assert err.startswith(f"{where}: UIS-15 campaign_conditions.group_conditions[0].conditions[0].{message}")


def test_uis_01_an_integrated_campaign_is_managed_by_pinned_id_blocks_and_tracking_only(uis: Repo) -> None:
    uis.write_json("seed.json", seed(campaign(7, "Direct", type="integrated", engine="yandex.direct")))
    uis.write("a.yaml", "account: u\nid: 7\nname: Renamed\nstatus: inactive\n")
    err = uis.run("plan").err
    assert "a.yaml:3:1: UIS-01 name cannot be changed on an integrated campaign" in err
    assert "a.yaml:4:1: UIS-01 status cannot be changed on an integrated campaign" in err
    uis.write("a.yaml", "account: u\nid: 7\nsite_blocks: [{site_block_id: 12, phone_number_id: 501}]\n"
                        "dynamic_call_tracking: {count_virtual_numbers: 2, count_visits: 5}\n")
    planned = uis.run("plan")
    assert "~ u / Direct (id 7): update (update.campaigns)" in planned.out
    assert uis.run("apply", "--yes").code == 0 and all(r["outcome"] == "ok" for r in uis.requests("u"))
    assert uis.run("plan", "--detailed-exitcode").code == 0


def test_uis_19_a_site_block_given_twice_is_a_plan_time_error(uis: Repo) -> None:
    err = _refused(uis, _blocks("site_block_id: 11, phone_number_id: 501",
                                "site_block_id: 12, phone_number_id: 502",
                                "site_block_id: 11, phone_number_id: 502"))
    assert err.splitlines()[0] == ("a.yaml:3:1: UIS-19 site block 11 is given 2 times; UIS takes each block once "
                                   "(merge them into one)")


def test_uis_19_a_site_block_named_twice_by_its_name_is_the_same_error(uis: Repo) -> None:
    err = _refused(uis, "account: u\nname: A\nsite_id: 1\nsite_blocks:\n"
                        "  - {site_block: Header, phone_number_id: 501}\n"
                        "  - {site_block_id: 11, phone_number_id: 502}\n")
    assert "UIS-19 site block 11 is given 2 times" in err


def test_uis_19_the_sandbox_refuses_a_block_given_twice_too(uis: Repo) -> None:
    """What the plan-time check stands for: UIS refuses the whole list (sent here by a hand-edited request)."""
    config = load_config(uis.path)
    request = {"id": 5, "site_id": 1, "site_blocks": [{"site_block_id": 11, "phone_number_id": 501},
                                                      {"site_block_id": 11, "phone_number_id": 502}]}

    async def send() -> str:
        async with connect(config, config.accounts["u"]) as session:
            try:
                await session.execute(Operation("x", "u", "A", Action.UPDATE, "update.campaigns", request), request)
            except VendorError as exc:
                return str(exc)
        return "accepted"

    assert "is given twice" in asyncio.run(send())
