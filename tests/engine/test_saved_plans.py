"""Saved plans and formats through the CLI and the UIS sandbox: -o, show, apply --plan (ENG-01, ENG-07)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, Repo
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed

from reconciler import planfile

CONFIG = """
version: 1
accounts:
  u:
    provider: uis
    sandbox: {seed: seed.json}
apply: {backoff: 0.01}
"""


@pytest.fixture
def uis(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", CONFIG)
    repo.write_json("seed.json", seed(campaign(5, "Spring", description="old"), campaign(6, "Other")))
    repo.write("campaigns/spring.yaml", "account: u\nname: Spring\ndescription: new\n")
    repo.write("campaigns/new.yaml", "account: u\nname: Fresh\nsite_id: 1\ncost_ratio: 2\n"
                                     "cost_ratio_operator: multiply\n")
    return repo


def test_plan_file_validates_against_the_published_schema(uis: Repo) -> None:
    assert uis.run("plan", "-o", "plan.json").code == 0
    schema = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())
    saved = json.loads((uis.path / "plan.json").read_text())
    jsonschema.validate(saved, schema)
    assert saved["format_version"] == 1
    assert [op["method"] for op in saved["operations"]] == ["create.campaigns", "update.campaigns",
                                                            "update.campaigns"]
    create_update = saved["operations"][1]
    assert create_update["request"]["id"] == {"$result": {"operation": "u:Fresh:create", "field": "id"}}
    assert create_update["waits_for"] == ["u:Fresh:create"]
    assert saved["accounts"] == [{"name": "u", "provider": "uis", "create": 1, "update": 1, "delete": 0,
                                  "replace": 0, "control": 0, "operations": 3}]


def test_eng_01_the_same_states_give_byte_identical_plans_in_every_format(uis: Repo) -> None:
    for fmt in ("text", "markdown", "json"):
        first, second = uis.run("plan", "--format", fmt), uis.run("plan", "--format", fmt)
        assert first.code == 0 and first.out == second.out
    uis.run("plan", "-o", "a.json")
    uis.run("plan", "-o", "b.json")
    assert (uis.path / "a.json").read_bytes() == (uis.path / "b.json").read_bytes()
    assert uis.run("plan", "--format", "json").out == (uis.path / "a.json").read_text()


def test_show_renders_a_saved_plan_like_plan_does(uis: Repo) -> None:
    planned = {fmt: uis.run("plan", "-o", "plan.json", "--format", fmt).out for fmt in ("text", "markdown", "json")}
    for fmt, out in planned.items():
        shown = uis.run("show", "plan.json", "--format", fmt)
        assert shown.code == 0 and shown.out == out
    assert "| u | 1 | 1 | 0 | 0 |" in planned["markdown"]


def test_detailed_exitcode_is_0_without_changes_2_with_changes_1_on_error(uis: Repo) -> None:
    assert uis.run("plan", "--detailed-exitcode").code == 2
    assert uis.run("apply", "--yes").code == 0
    assert uis.run("plan", "--detailed-exitcode").code == 0
    uis.write("campaigns/bad.yaml", "account: u\nname: Bad\nstatuss: active\n")
    failed = uis.run("plan", "--detailed-exitcode")
    assert failed.code == 1 and "bad.yaml:3:1: SCHEMA unknown field 'statuss'" in failed.err


def test_eng_07_a_saved_plan_applies_when_nothing_changed_and_converges(uis: Repo) -> None:
    assert uis.run("plan", "-o", "plan.json").code == 0
    applied = uis.run("apply", "--plan", "plan.json")
    assert applied.code == 0, applied.err
    assert "Verified: every touched campaign now matches the plan." in applied.out
    assert len(uis.writes("u")) == 3
    assert uis.run("plan", "--detailed-exitcode").code == 0


def test_eng_07_a_saved_plan_is_refused_when_a_touched_campaign_changed(uis: Repo) -> None:
    assert uis.run("plan", "-o", "plan.json").code == 0
    uis.write("campaigns/spring.yaml", "account: u\nname: Spring\ndescription: changed by someone else\n")
    assert uis.run("apply", "--yes").code == 0  # live state moves on after the plan was saved
    before = len(uis.writes("u"))
    refused = uis.run("apply", "--plan", "plan.json")
    assert refused.code == 1
    assert "ENG-07 plan.json: u / Spring: campaign 5 changed since the plan was made" in refused.err
    assert "ENG-07 plan.json: u / Fresh: a campaign with this name appeared since the plan was made" in refused.err
    assert len(uis.writes("u")) == before  # refused before any write


def test_eng_07_an_untouched_campaign_changing_does_not_invalidate_the_plan(uis: Repo) -> None:
    uis.run("plan", "-o", "plan.json")
    state = uis.state("u")
    other = next(c for c in state["campaigns"] if c["name"] == "Other")
    other["description"] = "edited in the vendor's UI"
    (uis.path / ".reconciler" / "sandbox" / "u.json").write_text(json.dumps(state))
    assert uis.run("apply", "--plan", "plan.json").code == 0


@pytest.mark.parametrize("edit", [
    lambda text: text.replace('"new"', '"NEW"'),  # a value changed by hand
    lambda text: text.replace('"sha256:', '"sha256:0', 1)[:-70] + '"\n}\n',  # a damaged checksum
])
def test_eng_07_a_saved_plan_with_a_wrong_checksum_is_refused_before_any_call(uis: Repo, edit: object) -> None:
    uis.run("plan", "-o", "plan.json")
    path: Path = uis.path / "plan.json"
    assert callable(edit)
    path.write_text(edit(path.read_text()))
    calls = len(uis.requests("u"))
    refused = uis.run("apply", "--plan", "plan.json")
    assert refused.code == 1 and "plan.json:1:1: PLAN" in refused.err
    assert len(uis.requests("u")) == calls
    assert uis.run("show", "plan.json").code == 1


def test_a_plan_file_that_is_not_json_or_not_a_plan_is_a_located_error(uis: Repo) -> None:
    uis.write("plan.json", '{"format_version": 1,\n  oops}\n')
    broken = uis.run("show", "plan.json")
    assert broken.code == 1 and broken.err.startswith("plan.json:2:3: PLAN not valid JSON")
    uis.write("plan.json", '{"hello": 1}\n')
    assert "PLAN not a reconciler plan" in uis.run("show", "plan.json").err


def test_a_saved_plan_for_an_account_the_config_no_longer_has_is_refused(uis: Repo) -> None:
    uis.run("plan", "-o", "plan.json")
    uis.write("reconciler.yaml", CONFIG.replace("  u:", "  v:"))
    refused = uis.run("apply", "--plan", "plan.json")
    assert refused.code == 1 and "account 'u' (uis) is not a uis account in reconciler.yaml" in refused.err


def test_apply_without_a_terminal_needs_yes_and_a_saved_plan_does_not(uis: Repo) -> None:
    refused = uis.run("apply")
    assert refused.code == 1 and "apply needs --yes" in refused.err and uis.writes("u") == []
    uis.run("plan", "-o", "plan.json")
    assert uis.run("apply", "--plan", "plan.json").code == 0


def _recomputed(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Edit a saved plan as someone who knows the format would: the checksum recomputed."""
    saved = json.loads(path.read_text())
    edit(saved)
    saved["checksum"] = planfile.checksum(saved)
    path.write_text(json.dumps(saved, indent=2))


def _set_description(saved: dict[str, Any]) -> None:
    update = next(op for op in saved["operations"] if op["campaign"] == "Spring")
    update["request"]["description"] = "edited after review"


def _drop_an_operation(saved: dict[str, Any]) -> None:
    saved["operations"] = [op for op in saved["operations"] if op["campaign"] != "Spring"]


@pytest.mark.parametrize("edit", [_set_description, _drop_an_operation])
def test_eng_07_a_plan_edited_after_review_with_its_checksum_recomputed_is_refused_with_0_writes(
        uis: Repo, edit: Callable[[dict[str, Any]], None]) -> None:
    assert uis.run("plan", "-o", "plan.json").code == 0
    _recomputed(uis.path / "plan.json", edit)
    assert uis.run("show", "plan.json").code == 0  # the file itself is well formed
    refused = uis.run("apply", "--plan", "plan.json")
    assert refused.code == 1
    assert "ENG-07 plan.json: operation u:Spring:update: " in refused.err
    assert "it is not the plan the documents and live campaigns give now" in refused.err
    assert uis.writes("u") == []
    assert {c["name"]: c.get("description") for c in uis.state("u")["campaigns"]} == {"Spring": "old",
                                                                                      "Other": None}


def test_eng_07_a_plan_made_in_another_repository_is_refused_with_0_writes(
        uis: Repo, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = Repo(tmp_path_factory.mktemp("other"), uis._capsys)  # the same account name, other documents
    other.write("reconciler.yaml", CONFIG)
    other.write_json("seed.json", seed(campaign(5, "Spring", description="old"), campaign(6, "Other")))
    other.write("campaigns/spring.yaml", "account: u\nname: Spring\ndescription: theirs\n")
    assert other.run("plan", str(other.path), "-o", str(uis.path / "foreign.json")).code == 0
    refused = uis.run("apply", "--plan", "foreign.json")
    assert refused.code == 1
    assert "ENG-07 foreign.json: operation u:Spring:update: differs from the one the documents give now" in refused.err
    assert "ENG-07 foreign.json: operation u:Fresh:create: the documents give it now" in refused.err
    assert uis.writes("u") == []


def test_eng_07_a_plan_the_documents_moved_away_from_is_refused_with_0_writes(uis: Repo) -> None:
    assert uis.run("plan", "-o", "plan.json").code == 0
    uis.write("campaigns/spring.yaml", "account: u\nname: Spring\ndescription: newer\n")  # a later commit
    (uis.path / "campaigns" / "new.yaml").unlink()
    refused = uis.run("apply", "--plan", "plan.json")
    assert refused.code == 1
    assert "operation u:Fresh:create: not in the plan the documents give now" in refused.err
    assert "operation u:Spring:update: differs from the one the documents give now" in refused.err
    assert uis.writes("u") == []


def test_eng_07_the_reviewed_plan_applies_only_its_own_operations(uis: Repo) -> None:
    assert uis.run("plan", "-o", "plan.json").code == 0
    applied = uis.run("apply", "--plan", "plan.json")
    assert applied.code == 0, applied.err
    assert [w["operation"] for w in uis.writes("u")] == ["create.campaigns", "update.campaigns", "update.campaigns"]
