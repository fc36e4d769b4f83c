"""Safety rails through the CLI and the UIS sandbox: thresholds (ENG-06), prune (ENG-03), prevent_destroy."""

from __future__ import annotations

import pytest
from conftest import Repo, uis_config
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed


def _account(repo: Repo, live: int, documents: int, changed: int, prune: bool = False) -> None:
    """``live`` campaigns C0.. in the sandbox; documents for the first ``documents``, ``changed`` of them new."""
    repo.write("reconciler.yaml", uis_config(prune))
    repo.write_json("seed.json", seed(*(campaign(100 + i, f"C{i}", description="same") for i in range(live))))
    for i in range(documents):
        text = "changed" if i < changed else "same"
        repo.write(f"c{i}.yaml", f"account: u\nname: C{i}\ndescription: {text}\n")


def test_eng_06_updates_above_the_threshold_need_force(repo: Repo) -> None:
    _account(repo, live=10, documents=10, changed=4)
    planned = repo.run("plan")
    assert planned.code == 0
    assert ("Warning: u: 4 of 10 managed campaigns would be updated (40%, above safety.update_threshold 30%): "
            "apply needs --force") in planned.out
    assert "| u | 0 | 4 | 0 | 0 | 0 | threshold |" in repo.run("plan", "--format", "markdown").out
    refused = repo.run("apply", "--yes")
    assert refused.code == 1 and "exceeds a safety threshold" in refused.err and repo.writes("u") == []
    forced = repo.run("apply", "--yes", "--force")
    assert forced.code == 0 and len(repo.writes("u")) == 4


def test_eng_06_a_saved_plan_above_the_threshold_also_needs_force(repo: Repo) -> None:
    _account(repo, live=10, documents=10, changed=4)
    repo.run("plan", "-o", "plan.json")
    assert repo.run("apply", "--plan", "plan.json").code == 1 and repo.writes("u") == []
    assert repo.run("apply", "--plan", "plan.json", "--force").code == 0


def test_eng_06_updates_at_the_threshold_pass(repo: Repo) -> None:
    _account(repo, live=10, documents=10, changed=3)
    applied = repo.run("apply", "--yes")
    assert applied.code == 0 and "Warning" not in applied.out and len(repo.writes("u")) == 3


def test_eng_06_thresholds_start_at_min_existing(repo: Repo) -> None:
    _account(repo, live=9, documents=9, changed=9)
    assert repo.run("apply", "--yes").code == 0 and len(repo.writes("u")) == 9


def test_eng_06_only_managed_campaigns_count_without_prune(repo: Repo) -> None:
    # 30 live campaigns, 10 described: 4 updates is 40% of the managed ones, not 13% of the account.
    _account(repo, live=30, documents=10, changed=4)
    assert "4 of 10 managed campaigns would be updated" in repo.run("plan").out


def test_eng_03_eng_06_prune_deletes_count_against_the_delete_threshold(repo: Repo) -> None:
    _account(repo, live=10, documents=6, changed=0, prune=True)
    planned = repo.run("plan")
    assert "4 of 10 managed campaigns would be deleted or replaced (40%, above safety.delete_threshold 30%)" \
        in planned.out
    assert repo.run("apply", "--yes").code == 1 and repo.writes("u") == []
    assert repo.run("apply", "--yes", "--force").code == 0
    assert sorted(c["name"] for c in repo.state("u")["campaigns"]) == [f"C{i}" for i in range(6)]


def test_eng_03_without_prune_campaigns_without_documents_are_left_alone(repo: Repo) -> None:
    _account(repo, live=10, documents=6, changed=0)
    assert repo.run("plan", "--detailed-exitcode").code == 0


@pytest.fixture
def replaced(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", seed(campaign(5, "Moving", description="kept")))
    return repo


def test_uis_04_allow_replace_plans_delete_then_create_shown_as_one_replacement(replaced: Repo) -> None:
    replaced.write("a.yaml", "account: u\nname: Moving\nsite_id: 2\ndescription: kept\n"
                             "lifecycle: {allow_replace: true}\n")
    planned = replaced.run("plan")
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 to replace (2 calls)." in planned.out
    assert planned.out.index("-/+ u / Moving: replace (delete.campaigns)") \
        < planned.out.index("-/+ u / Moving: replace (create.campaigns)")
    assert "site_id: 1 -> 2" in planned.out
    applied = replaced.run("apply", "--yes")
    assert applied.code == 0, applied.err
    assert [w["operation"] for w in replaced.writes("u")] == ["delete.campaigns", "create.campaigns"]
    [moved] = replaced.state("u")["campaigns"]
    assert moved["site_id"] == 2 and moved["id"] != 5
    assert replaced.run("plan", "--detailed-exitcode").code == 0


def test_prevent_destroy_blocks_a_replacement_with_a_located_error(replaced: Repo) -> None:
    replaced.write("a.yaml", "account: u\nname: Moving\nsite_id: 2\n"
                             "lifecycle: {allow_replace: true, prevent_destroy: true}\n")
    refused = replaced.run("plan")
    assert refused.code == 1
    assert ("a.yaml:4:51: LIFECYCLE campaign 'Moving' would be replaced, but lifecycle.prevent_destroy is set"
            in refused.err)
    assert [r["operation"] for r in replaced.requests("u")].count("delete.campaigns") == 0
