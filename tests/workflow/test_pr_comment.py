"""One pull-request comment for every account: totals first, errors inside, never over GitHub's limit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import Repo

from reconciler import planfile
from reconciler.model import Action, FieldChange, Operation, Plan
from reconciler.workflow.comment import GITHUB_LIMIT, build, context, gather, limit_for, main

RUN = "https://github.com/acme/campaigns/actions/runs/42"
SHA = "0123456789abcdef0123456789abcdef01234567"
MARKER = "\n<!-- Sticky Pull Request Commentreconciler-plan -->"  # marocchino: no space


def _ops(account: str, n: int, width: int = 10) -> tuple[Operation, ...]:
    return tuple(Operation(f"{account}:c{i}:update", account, f"c{i}", Action.UPDATE, "update.campaigns", {"id": i},
                           (FieldChange("description", "a" * width, "b" * width),)) for i in range(n))


def _save(plans: Path, account: str, ops: tuple[Operation, ...], provider: str = "uis") -> None:
    folder = plans / f"plan-{account}"
    folder.mkdir(parents=True)
    (folder / "plan.json").write_text(planfile.dumps(Plan(ops, (account,)), {account: provider}), encoding="utf-8")


def _fail(plans: Path, account: str, text: str) -> None:
    folder = plans / f"plan-{account}"
    folder.mkdir(parents=True)
    (folder / "error.txt").write_text(text, encoding="utf-8")


def _row(text: str, name: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {name} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_limit_leaves_room_for_the_sticky_marker() -> None:
    assert limit_for("reconciler-plan") + len(MARKER) == GITHUB_LIMIT


def test_one_table_for_every_account_with_errors_commit_and_run_inside(tmp_path: Path) -> None:
    _save(tmp_path, "shop", _ops("shop", 2))
    _save(tmp_path, "agency", ())
    _fail(tmp_path, "calls", "campaigns/c.yaml:3:7: CF-02 Name cannot change\n1 problem(s) found; nothing was "
                             "changed.\n")
    text = build(tmp_path, accounts=["agency", "calls", "shop", "topsort"], commit=SHA, run_url=RUN)

    assert text.startswith(f"### Reconciler plan\n\nPlanned at commit `{SHA[:12]}` · [workflow run]({RUN})\n\n")
    assert text.count("| Account |") == 1
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert [row.split(" |")[0] for row in table[1:]] == ["| **Total**", "| agency", "| shop", "| calls",
                                                          "| topsort"]
    assert _row(text, "**Total**") == ["**Total**", "0", "2", "0", "0", "0", "2 not planned"]
    assert _row(text, "agency")[1:6] == ["0", "0", "0", "0", "0"]
    assert _row(text, "calls")[-1] == "**not planned** (see below)"
    assert "**calls** could not be planned:\n<pre>\ncampaigns/c.yaml:3:7: CF-02 Name cannot change\n" in text
    assert "**topsort** could not be planned:\n<pre>\nno plan was made" in text
    assert "**2 accounts could not be planned**: calls, topsort." in text
    assert "<details><summary>shop: 2 operations</summary>" in text and "agency:" not in text.split("</pre>")[-1]


def test_a_plan_edited_after_it_was_saved_is_an_error_of_its_account(tmp_path: Path) -> None:
    _save(tmp_path, "shop", _ops("shop", 1))
    path = tmp_path / "plan-shop" / "plan.json"
    path.write_text(path.read_text().replace('"c0"', '"c9"'), encoding="utf-8")
    plan, errors = gather(tmp_path)
    assert plan.empty and list(errors) == ["shop"]
    assert "checksum does not match" in errors["shop"]


def test_the_whole_comment_fits_with_the_marker_a_large_account_shortened_and_none_dropped(tmp_path: Path) -> None:
    _save(tmp_path, "big", _ops("big", 3_000, width=400))
    _save(tmp_path, "also-big", _ops("also-big", 2_000, width=300))
    _save(tmp_path, "small", _ops("small", 3, width=300))
    _fail(tmp_path, "broken", "error: " + "x" * 50_000)
    text = build(tmp_path, commit=SHA, run_url=RUN)

    assert len(text + MARKER) <= GITHUB_LIMIT
    for name, n in (("big", 3_000), ("also-big", 2_000), ("small", 3)):
        assert f"<details><summary>{name}: {n:,} operations</summary>" in text
    small = text.split("<summary>small")[1].split("</details>")[0]
    assert "b" * 300 in small and "not shown" not in small
    big = text.split("<summary>big")[1].split("</details>")[0]
    left_out = int(re.search(r"… ([\d,]+) more operations not shown", big).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 0 < left_out < 3_000
    assert "**broken** could not be planned" in text and "more characters in the run" in text


def test_context_leaves_out_what_is_not_a_commit_or_an_address() -> None:
    assert context("not a sha`", "javascript:alert(1)") == ""
    assert context(SHA, f"{RUN})[x](y") == f"Planned at commit `{SHA[:12]}`"


def test_main_reads_the_accounts_json_and_writes_the_file(tmp_path: Path) -> None:
    _save(tmp_path / "plans", "shop", _ops("shop", 1))
    accounts = json.dumps([{"name": "shop", "provider": "uis", "sandbox": True},
                           {"name": "gone", "provider": "uis", "sandbox": False}])
    out = tmp_path / "comment.md"
    assert main([str(tmp_path / "plans"), "--accounts", accounts, "--commit", SHA, "--run-url", RUN, "-o",
                 str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert _row(text, "shop")[2] == "1" and "**gone** could not be planned" in text


def test_the_real_plans_of_the_example_accounts_make_one_comment(examples: Repo, tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    for account in ("uis-demo", "callfire-demo"):
        (plans / f"plan-{account}").mkdir(parents=True)
        done = examples.run("plan", "examples", "--account", account, "-o", str(plans / f"plan-{account}" /
                                                                                   "plan.json"))
        assert done.code == 0, done.err
    done = subprocess.run([sys.executable, "-m", "reconciler.workflow.comment", str(plans), "--commit", SHA],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert _row(done.stdout, "**Total**")[1:6] == ["3", "6", "0", "0", "2"]
    assert _row(done.stdout, "callfire-demo")[-1] == "1 destructive call"
    assert "Plan: 3 to create, 6 to update, 0 to delete, 2 to start, stop or archive (13 calls, 1 of them " \
           "destructive)." in done.stdout


def test_when_the_accounts_could_not_be_listed_the_comment_says_so_not_no_changes(tmp_path: Path) -> None:
    out = tmp_path / "comment.md"
    assert main([str(tmp_path / "plans"), "--accounts", "", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "No changes" not in text
    assert "the accounts of reconciler.yaml could not be listed" in text
