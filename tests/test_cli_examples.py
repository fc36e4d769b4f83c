"""The example repository end to end: YAML -> plan -> apply -> converged, over HTTP to the UIS sandbox."""

from __future__ import annotations

from conftest import Repo

ACCOUNT = "uis-demo"


def _by_id(writes: list[dict[str, object]], operation: str) -> dict[object, list[dict[str, object]]]:
    out: dict[object, list[dict[str, object]]] = {}
    for w in writes:
        if w["operation"] == operation:
            params = w["params"]
            assert isinstance(params, dict)
            out.setdefault(params.get("id"), []).append(params)
    return out


def test_validate_accepts_the_examples(examples: Repo) -> None:
    result = examples.run("validate", "examples")
    assert result.code == 0, result.err
    assert "Valid: 19 campaign(s) in 4 account(s)." in result.out


def test_the_whole_example_repository_converges_across_every_vendor(examples: Repo) -> None:
    first = examples.run("plan", "examples", "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "Plan: 5 to create, 10 to update, 0 to delete, 2 to start, stop or archive (19 calls, 1 of them " \
           "destructive)." in first.out
    applied = examples.run("apply", "examples", "--yes", "--validate-remote")
    assert applied.code == 0, applied.err
    assert "note: account 'uis-demo': its vendor offers no server-side validation" in applied.err
    assert "Apply complete: 19 done, 0 failed, 0 skipped." in applied.out
    # the one destructive call says so when it is done, as the plan did
    assert "done: callfire-demo / Renewal calls: destructive update (DeleteCccCampaignQuestions)" in applied.out
    assert "Verified: every touched campaign now matches the plan." in applied.out
    assert examples.run("plan", "examples", "--detailed-exitcode").code == 0


def test_eng_04_plan_apply_plan_converges(examples: Repo) -> None:
    first = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "Plan: 2 to create, 4 to update, 0 to delete (7 calls)." in first.out
    assert "+ uis-demo / Black Friday: create (create.campaigns)" in first.out
    assert '      description: "Brand keywords" -> "Paid search on brand keywords"' in first.out
    assert examples.writes(ACCOUNT) == [], "plan must not write"

    applied = examples.run("apply", "examples", "--account", ACCOUNT, "--yes")
    assert applied.code == 0, applied.err
    assert "Apply complete: 7 done, 0 failed, 0 skipped." in applied.out

    again = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert again.out.strip() == "No changes. Live campaigns match the desired state."


def test_uis_02_one_update_per_changed_campaign_carrying_only_what_changed(examples: Repo) -> None:
    assert examples.run("apply", "examples", "--yes").code == 0
    writes = examples.writes(ACCOUNT)
    created = {str(w["params"]["name"]) for w in writes if w["operation"] == "create.campaigns"}  # type: ignore[index]
    assert created == {"Black Friday", "Partners"}
    partners_id = next(c["id"] for c in examples.state(ACCOUNT)["campaigns"] if c["name"] == "Partners")
    updates = _by_id(writes, "update.campaigns")
    # One update per changed campaign; none for Retargeting (103, unchanged) or Legacy promo (105, no document).
    assert sorted(updates, key=str) == sorted([-1, 101, 102, 104, partners_id], key=str)
    assert all(len(calls) == 1 for calls in updates.values())
    keys = {cid: set(calls[0]) - {"access_token"} for cid, calls in updates.items()}
    assert keys[101] == {"id", "site_id", "site_blocks", "dynamic_call_tracking"}
    assert keys[102] == {"id", "site_id", "description", "campaign_conditions"}
    assert keys[104] == {"id", "site_id", "cost_ratio", "cost_ratio_operator", "site_blocks"}
    assert keys[-1] == {"id", "site_id", "site_blocks"}
    assert keys[partners_id] == {"id", "site_id", "cost_ratio", "cost_ratio_operator"}
    assert all(calls[0]["site_id"] is not None for calls in updates.values())  # UIS-04
    assert all(calls[0]["access_token"] == "***" for calls in updates.values())


def test_eng_01_plan_is_byte_identical_across_runs(examples: Repo) -> None:
    first = examples.run("plan", "examples")
    second = examples.run("plan", "examples")
    assert first.code == second.code == 0
    assert first.out == second.out


def test_plan_of_one_account_and_unknown_account(examples: Repo) -> None:
    assert examples.run("plan", "examples", "--account", ACCOUNT).code == 0
    unknown = examples.run("plan", "examples", "--account", "nope")
    assert unknown.code == 1
    assert "ACCOUNT unknown account(s) nope" in unknown.err


def test_apply_without_yes_and_without_terminal_refuses(examples: Repo) -> None:
    result = examples.run("apply", "examples")
    assert result.code == 1
    assert "needs --yes" in result.err
    assert examples.writes(ACCOUNT) == []


def test_sandbox_reset_returns_to_the_seed(examples: Repo) -> None:
    assert examples.run("apply", "examples", "--yes").code == 0
    assert examples.run("sandbox", "reset", "examples").code == 0
    assert examples.run("plan", "examples", "--detailed-exitcode").code == 2
