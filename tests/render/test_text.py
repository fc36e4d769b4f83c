"""The text plan and the JSON summary count every run-state change, mark destructive calls, group a campaign."""

from __future__ import annotations

import json

from reconciler import planfile
from reconciler.model import Action, Effect, FieldChange, Operation, Plan, SideEffect
from reconciler.render.text import render_text, summary

REMOVAL = SideEffect(Effect.RESET, "removes all 3 questions; the update that follows puts back the other 2")


def _op(campaign: str, action: Action, method: str, *changes: FieldChange, account: str = "cf",
        effects: tuple[SideEffect, ...] = ()) -> Operation:
    return Operation(f"{account}:{campaign}:{method}", account, campaign, action, method, {}, changes, effects)


def _plan() -> Plan:
    return Plan((_op("Win-back", Action.CREATE, "CreateCccCampaign", FieldChange("Name", None, "Win-back")),
                 _op("Win-back", Action.CONTROL, "ControlCccCampaign", FieldChange("Status", "STOPPED", "RUNNING")),
                 _op("Renewals", Action.UPDATE, "DeleteCccCampaignQuestions",
                     FieldChange("Question[Label=Budget]", {"Label": "Budget"}, None), effects=(REMOVAL,)),
                 _op("Survey", Action.CONTROL, "ControlCccCampaign", FieldChange("Status", "RUNNING", "STOPPED")),
                 _op("Renewals", Action.UPDATE, "UpdateCccCampaign", FieldChange("Script", "a", "b")),
                 _op("Quiet", Action.UPDATE, "update", account="uis")),
                ("cf", "uis"))


def test_a_start_after_a_create_is_counted_and_so_is_a_destructive_call() -> None:
    assert summary(_plan()) == ("Plan: 1 to create, 2 to update, 0 to delete, 2 to start, stop or archive "
                                "(6 calls, 1 of them destructive).")


def test_json_accounts_count_control_besides_create() -> None:
    accounts = json.loads(planfile.dumps(_plan(), {"cf": "callfire", "uis": "uis"}))["accounts"]
    assert accounts == [
        {"name": "cf", "provider": "callfire", "create": 1, "update": 1, "delete": 0, "replace": 0, "control": 2,
         "operations": 5},
        {"name": "uis", "provider": "uis", "create": 0, "update": 1, "delete": 0, "replace": 0, "control": 0,
         "operations": 1}]


def test_one_campaigns_calls_are_grouped_under_one_heading_in_plan_order() -> None:
    lines = render_text(_plan()).splitlines()
    renewals = lines.index("cf / Renewals: 2 calls")
    assert lines[renewals + 1] == "  ! cf / Renewals: destructive update (DeleteCccCampaignQuestions)"
    assert lines[renewals + 3] == "      ! removes all 3 questions; the update that follows puts back the other 2"
    assert lines[renewals + 4] == "  ~ cf / Renewals: update (UpdateCccCampaign)"
    assert lines.index("cf / Win-back: 2 calls") < renewals < lines.index("> cf / Survey: control (ControlCccCampaign)")
    assert "~ uis / Quiet: update (update)" in lines
    assert lines[lines.index("cf / Win-back: 2 calls") + 3] == "  > cf / Win-back: control (ControlCccCampaign)"


def test_a_destructive_call_is_red_on_a_terminal() -> None:
    coloured = render_text(_plan(), color=True)
    assert "\x1b[31m\x1b[1m  ! cf / Renewals" not in coloured  # the indent is not painted
    assert "  \x1b[31m\x1b[1m! cf / Renewals: destructive update" in coloured
