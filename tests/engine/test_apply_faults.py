"""Apply against a misbehaving UIS sandbox over HTTP: lost answers (ENG-09), 5xx and 429 with retries."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import Repo
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed

CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  u:
    provider: uis
    sandbox:
      seed: seed.json
      faults: FAULTS
apply: {backoff: 0.01, backoff_cap: 0.05, attempts: 8}
"""


def _setup(repo: Repo, faults: str, creates: int = 1, updates: int = 0) -> None:
    repo.write("reconciler.yaml", CONFIG.replace("FAULTS", faults))
    repo.write_json("seed.json", seed(*(campaign(100 + i, f"Old{i}", description="before") for i in range(updates))))
    for i in range(creates):
        repo.write(f"new{i}.yaml", f"account: u\nname: New{i}\nsite_id: 1\n")
    for i in range(updates):
        repo.write(f"old{i}.yaml", f"account: u\nname: Old{i}\ndescription: after\n")


def test_eng_09_a_create_whose_answer_is_lost_is_looked_up_and_never_repeated(repo: Repo) -> None:
    _setup(repo, "{drop_rate: 1, limit: 1}")
    applied = repo.run("apply", "--yes")
    assert applied.code == 0, applied.err
    operations = [r["operation"] for r in repo.requests("u")]
    assert operations.count("create.campaigns") == 1
    lookups = [r for r in repo.requests("u") if r["operation"] == "get.campaigns"  # not verify's read-back
               and r["params"].get("fields") == ["id"]]
    assert [r["params"]["filter"] for r in lookups] == [{"field": "name", "operator": "=", "value": "New0"}]
    assert [c["name"] for c in repo.state("u")["campaigns"]] == ["New0"]
    assert repo.run("plan", "--detailed-exitcode").code == 0


def test_eng_09_every_lost_answer_of_many_creates_and_updates_converges_without_duplicates(repo: Repo) -> None:
    _setup(repo, "{drop_rate: 0.5, seed: 7}", creates=6, updates=6)
    applied = repo.run("apply", "--yes")
    assert applied.code == 0, applied.err
    names = Counter(c["name"] for c in repo.state("u")["campaigns"])
    assert names == Counter({**{f"New{i}": 1 for i in range(6)}, **{f"Old{i}": 1 for i in range(6)}})
    assert all(c["description"] == "after" for c in repo.state("u")["campaigns"] if c["name"].startswith("Old"))
    creates = [r for r in repo.requests("u") if r["operation"] == "create.campaigns"]
    assert len(creates) == 6 and all(r["outcome"] == "ok" for r in creates)
    assert repo.run("plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize("faults_seed", [1, 2, 3])
def test_5xx_and_429_are_retried_until_the_apply_converges(repo: Repo, faults_seed: int) -> None:
    _setup(repo, f"{{error_rate: 0.3, rate_429: 0.2, retry_after: 0.01, seed: {faults_seed}}}",
           creates=4, updates=4)
    # half the calls fail: 16 attempts make an operation's chance of failing every one 1 in 65,536
    repo.write("reconciler.yaml", (repo.path / "reconciler.yaml").read_text().replace("attempts: 8", "attempts: 16"))
    applied = repo.run("apply", "--yes")
    assert applied.code == 0, applied.err
    assert "needed retries" in applied.out
    assert len(repo.state("u")["campaigns"]) == 8
    assert repo.run("plan", "--detailed-exitcode").code == 0


def test_a_vendor_that_keeps_failing_is_one_clear_error_and_exit_1(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG.replace("FAULTS", "{error_rate: 1}").replace("attempts: 8", "attempts: 2"))
    repo.write_json("seed.json", seed())
    repo.write("new.yaml", "account: u\nname: New\nsite_id: 1\n")
    failed = repo.run("apply", "--yes")
    assert failed.code == 1
    assert re.match(r"error: account 'u': reading the live campaigns failed after 2 attempts: get\.[a-z_]+: "
                    r"HTTP 500 from http://127\.0\.0\.1:", failed.err) and "Traceback" not in failed.err
    assert len(failed.err.splitlines()) == 1
    assert len(repo.requests("u")) == 0  # every 500 was answered without reaching the vendor's logic


def test_a_failed_operation_stops_what_waits_for_it_but_not_the_rest(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG.replace("FAULTS", "{error_rate: 1, only: create.campaigns}")
               .replace("attempts: 8", "attempts: 2"))
    repo.write_json("seed.json", seed(campaign(6, "Kept", description="before")))
    repo.write("new.yaml", "account: u\nname: New\nsite_id: 1\ncost_ratio: 2\ncost_ratio_operator: multiply\n")
    repo.write("kept.yaml", "account: u\nname: Kept\ndescription: after\n")
    assert repo.run("plan", "-o", "plan.json").code == 0
    applied = repo.run("apply", "--plan", "plan.json")
    assert applied.code == 1
    assert "failed: u / New: create (create.campaigns): HTTP 500 from http://127.0.0.1:" in applied.err
    assert "(after 2 attempts)" in applied.err
    assert "skipped: u / New: update (update.campaigns): not run: it waits for u:New:create" in applied.err
    assert "Apply incomplete: 1 done, 1 failed, 1 skipped (1 needed retries)." in applied.out
    assert {c["name"]: c["description"] for c in repo.state("u")["campaigns"]} == {"Kept": "after"}


def test_a_saved_plan_the_vendor_would_now_refuse_is_refused_at_plan_time_with_0_writes(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG.replace("      faults: FAULTS\n", ""))
    repo.write_json("seed.json", seed(campaign(5, "Other"), campaign(6, "Kept", description="before")))
    repo.write("new.yaml", "account: u\nname: New\nsite_id: 1\ncost_ratio: 2\ncost_ratio_operator: multiply\n"
                           "site_blocks: [{site_block_id: 11, phone_number_id: 503, "
                           "redirection_phone_number_id: 77}]\n")
    repo.write("kept.yaml", "account: u\nname: Kept\ndescription: after\n")
    assert repo.run("plan", "-o", "plan.json").code == 0
    state = repo.state("u")  # meanwhile someone gives the number to a campaign the plan does not touch
    state["campaigns"][0]["site_blocks"] = [{"site_block_id": 12, "phone_number_id": 503,
                                             "redirection_phone_number_id": 77}]
    repo.write_json(".reconciler/sandbox/u.json", state)
    applied = repo.run("apply", "--plan", "plan.json")
    assert applied.code == 1
    assert applied.err.startswith("new.yaml:6:1: UIS-09 call_tracking number 503 serves campaign 'Other (id 5)'")
    assert repo.writes("u") == []
