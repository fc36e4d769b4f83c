"""`reconciler import`: one YAML document per live campaign, which plans as no change, through the CLI."""

from __future__ import annotations

import shutil

import pytest
from conftest import Repo, uis_config
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed

from reconciler.config import load_config

ACCOUNT = "u"
NO_CHANGES = "No changes. Live campaigns match the desired state."
TRICKY = [
    campaign(1, "Defaults"),
    {"id": -1, "name": "Visitors without an advertising campaign", "type": "system", "status": "active",
     "site_id": 1, "site_blocks": [{"site_block_id": 12, "phone_number_id": 501,
                                    "dynamic_call_tracking_enabled": True}],
     "dynamic_call_tracking": {"count_virtual_numbers": 2, "count_visits": 50, "coverage_visitors": 0.4}},
    {"id": 9, "name": "Yandex Direct", "type": "integrated", "status": "active", "site_id": 2,
     "engine": "yandex.direct"},
    campaign(2, 'Promo / "Summer" 2026', description="Quotes: 'single' and \"double\"; a # is no comment",
             cost_ratio=2.5, cost_ratio_operator="multiply",
             campaign_conditions={"group_conditions": [
                 {"conditions": [{"type": "include", "campaign_parameter": "utm_source", "operator": "=",
                                  "value": "google"},
                                 {"type": "exclude", "campaign_parameter": "entrance_page", "operator": "~",
                                  "value": "^/careers/"}]},
                 {"conditions": [{"type": "include", "campaign_parameter": "channel", "operator": "=",
                                  "value": "paid"}]}]}),
    campaign(3, "Весенняя распродажа", site_blocks=[
        {"site_block_id": 12, "phone_number_id": 503, "redirection_phone_number_id": 77,
         "dynamic_call_tracking_enabled": True},
        {"site_block_id": 11, "phone_number_id": 502}],
             dynamic_call_tracking={"reservation_time": "1h", "count_virtual_numbers": 3, "count_visits": 100}),
    campaign(4, "Paused", status="inactive", description=""),
    campaign(7, "Twin"),
    campaign(8, "Twin", cost_ratio=1.5, cost_ratio_operator="divide"),
    campaign(10, "Spring/Sale"),
    campaign(11, "Spring sale"),
]


@pytest.fixture
def uis(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", seed(*TRICKY))
    return repo


def _files(repo: Repo, folder: str = f"campaigns/{ACCOUNT}") -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((repo.path / folder).glob("*.yaml"))}


def _no_changes(repo: Repo, *accounts: str, path: str = ".") -> None:
    picked = [arg for name in accounts for arg in ("--account", name)]
    plan = repo.run("plan", path, "--detailed-exitcode", *picked)
    assert plan.code == 0, plan.out + plan.err
    assert plan.out.strip() == NO_CHANGES


def test_examples_import_into_an_empty_repository_then_plan_shows_no_changes(examples: Repo) -> None:
    shutil.rmtree(examples.path / "campaigns")
    assert not (examples.path / ".reconciler").exists(), "a fresh copy starts from the seed"

    for account in load_config(examples.path).accounts:  # every vendor of the examples
        result = examples.run("import", "examples", "--account", account)
        assert result.code == 0, result.err
        assert f"of account '{account}':" in result.out

    assert sorted(_files(examples, "campaigns/uis-demo")) == [
        "brand-search.yaml", "legacy-promo.yaml", "newsletter.yaml", "retargeting.yaml", "spring-sale.yaml",
        "visitors-without-an-advertising-campaign.yaml"]
    _no_changes(examples, path="examples")
    assert examples.writes("uis-demo") == []
    assert examples.run("fmt", "examples", "--check").code == 0, "import writes the canonical layout"


def test_import_writes_readable_documents_with_the_vendor_fields_worth_managing(uis: Repo) -> None:
    result = uis.run("import", "--account", ACCOUNT)

    assert result.code == 0, result.err
    files = _files(uis)
    assert files["vesennyaya-rasprodazha.yaml"] == (
        "# yaml-language-server: $schema=../../schemas/uis.campaign.schema.json\n"
        "account: u\n"
        "name: Весенняя распродажа\n"
        "status: active\n"
        "site_id: 1\n"
        "site_blocks:\n"
        "  - {site_block_id: 11, phone_number_id: 502}\n"
        "  - {site_block_id: 12, phone_number_id: 503, redirection_phone_number_id: 77, "
        "dynamic_call_tracking_enabled: true}\n"
        "dynamic_call_tracking: {reservation_time: 1h, count_virtual_numbers: 3, count_visits: 100}\n")
    assert files["defaults.yaml"].endswith("account: u\nname: Defaults\nstatus: active\nsite_id: 1\n")
    assert "cost_ratio: 2.5\ncost_ratio_operator: multiply\n" in files["promo-summer-2026.yaml"]
    read_only = ("site_block_name", "phone_number:", "phone_number_type", "coverage_visitors", "\ntype:",
                 "engine:", "creation_time", "site_domain_name", "costs:")
    assert not [(name, ro) for name, text in files.items() for ro in read_only if ro in text]


def test_uis_01_system_and_integrated_campaigns_are_pinned_with_only_blocks_and_tracking(uis: Repo) -> None:
    assert uis.run("import", "--account", ACCOUNT).code == 0

    files = _files(uis)
    assert files["visitors-without-an-advertising-campaign.yaml"] == (
        "# yaml-language-server: $schema=../../schemas/uis.campaign.schema.json\n"
        "# Visitors without an advertising campaign (id -1)\n"
        "account: u\n"
        "id: -1\n"
        "site_blocks:\n"
        "  - {site_block_id: 12, phone_number_id: 501, dynamic_call_tracking_enabled: true}\n"
        "dynamic_call_tracking: {reservation_time: 15m, count_virtual_numbers: 2, count_visits: 50}\n")
    assert files["yandex-direct.yaml"].endswith("account: u\nid: 9\nsite_blocks: []\n")


def test_same_names_are_pinned_by_id_and_colliding_file_names_get_the_id(uis: Repo) -> None:
    assert uis.run("import", "--account", ACCOUNT).code == 0

    files = _files(uis)
    assert {"twin-7.yaml", "twin-8.yaml", "spring-sale-10.yaml", "spring-sale-11.yaml"} <= set(files)
    assert "account: u\nid: 7\nname: Twin\n" in files["twin-7.yaml"]
    assert "account: u\nid: 8\nname: Twin\n" in files["twin-8.yaml"]
    assert "\nid:" not in files["spring-sale-10.yaml"], "a unique name needs no pinned id"
    assert "name: Spring/Sale\n" in files["spring-sale-10.yaml"]


def test_tricky_campaigns_plan_as_no_change_right_after_import_and_after_an_apply(uis: Repo) -> None:
    assert uis.run("import", "--account", ACCOUNT).code == 0
    _no_changes(uis)
    assert uis.run("validate").code == 0
    applied = uis.run("apply", ".", "--yes")
    assert applied.code == 0 and uis.writes(ACCOUNT) == [], applied.out


def test_the_modeline_points_at_the_nearest_schemas_folder(uis: Repo) -> None:
    schema = uis.path / "schemas" / "uis.campaign.schema.json"
    schema.parent.mkdir()
    schema.write_text("{}", encoding="utf-8")

    result = uis.run("import", "--account", ACCOUNT)

    assert "Note: no schemas/" not in result.out
    first = _files(uis)["defaults.yaml"].splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/uis.campaign.schema.json"
    assert (uis.path / "campaigns" / ACCOUNT / first.split("=", 1)[1]).resolve() == schema.resolve()


def test_without_schemas_the_modeline_points_at_the_repository_and_says_how_to_write_it(uis: Repo) -> None:
    result = uis.run("import", "--account", ACCOUNT)
    assert "python -m reconciler.schemas PATH" in result.out


def test_campaigns_a_document_describes_are_left_alone(uis: Repo) -> None:
    uis.write("mine.yaml", """
        account: u
        name: Defaults
        status: inactive   # a change I mean to make
    """)

    result = uis.run("import", "--account", ACCOUNT)

    assert result.code == 0, result.err
    assert "defaults.yaml" not in _files(uis)
    assert "Left alone: 1 campaign(s) a document already describes:\n  Defaults: mine.yaml:1:1" in result.out
    again = uis.run("import", "--account", ACCOUNT)
    assert again.code == 0 and "Imported 0 campaign(s) of account 'u'." in again.out


def test_a_file_in_the_way_is_not_overwritten_without_force(uis: Repo) -> None:
    mine = uis.write(f"campaigns/{ACCOUNT}/twin-7.yaml", "# my notes, not a campaign\n")

    refused = uis.run("import", "--account", ACCOUNT)

    assert refused.code == 1
    assert (f"campaigns/{ACCOUNT}/twin-7.yaml:1:1: IMPORT a file is in the way of the document of campaign "
            "'Twin (id 7)': move it, or import with --force to overwrite it") in refused.err
    assert "nothing was changed" in refused.err
    assert _files(uis) == {"twin-7.yaml": "# my notes, not a campaign\n"}, "nothing is written"

    forced = uis.run("import", "--account", ACCOUNT, "--force")

    assert forced.code == 0, forced.err
    assert f"campaigns/{ACCOUNT}/twin-7.yaml: Twin (id 7) (overwritten)" in forced.out
    assert "id: 7" in mine.read_text(encoding="utf-8")
    _no_changes(uis)


def test_an_unknown_account_is_an_error(uis: Repo) -> None:
    result = uis.run("import", "--account", "nope")
    assert result.code == 1
    assert "ACCOUNT unknown account(s) nope" in result.err
    assert not (uis.path / "campaigns").exists()


def test_import_needs_an_account(uis: Repo) -> None:
    assert uis.run("import").code == 1


def test_problems_in_existing_documents_stop_the_import(uis: Repo) -> None:
    uis.write("broken.yaml", "account: u\nname: [unclosed\n")
    result = uis.run("import", "--account", ACCOUNT)
    assert result.code == 1 and "broken.yaml:" in result.err
    assert not (uis.path / "campaigns").exists()


def test_force_never_overwrites_a_file_holding_campaign_documents(uis: Repo) -> None:
    planned = "account: u\nname: Planned\nsite_id: 1\n"  # a campaign still to be created: no live twin
    uis.write(f"campaigns/{ACCOUNT}/twin-7.yaml", planned)

    refused = uis.run("import", "--account", ACCOUNT, "--force")

    assert refused.code == 1
    assert (f"campaigns/{ACCOUNT}/twin-7.yaml:1:1: IMPORT a file holding campaign documents is in the way of the "
            "document of campaign 'Twin (id 7)': move it (even --force never overwrites a campaign document)"
            ) in refused.err
    assert (uis.path / "campaigns" / ACCOUNT / "twin-7.yaml").read_text(encoding="utf-8") == planned
