"""The apply report (job summary and pull request) and the credentials a reusable workflow passes in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest

from reconciler.render.markdown import esc
from reconciler.workflow import report
from reconciler.workflow.report import Result, gather, main, render
from reconciler.workflow.run import VARIABLE, CredentialsError, masks, parse


def _result(root: Path, account: str, log: str, code: str | None) -> None:
    folder = root / f"apply-{account}"
    folder.mkdir(parents=True)
    (folder / "apply.log").write_text(log, encoding="utf-8")
    if code is not None:
        (folder / "exit-code").write_text(code, encoding="utf-8")


def test_the_report_says_per_account_what_was_applied_and_what_failed(tmp_path: Path) -> None:
    _result(tmp_path, "shop", "+ shop / A: create\n\nApply complete: 1 done, 0 failed, 0 skipped.\nVerified.\n", "0")
    _result(tmp_path, "calls", "failed: calls / B: update: 402 <refused>\n\nApply incomplete: 0 done, 1 failed, "
                               "0 skipped.\n", "1")
    out = tmp_path / "report.md"
    assert main([str(tmp_path), "--accounts", '[{"name": "shop"}, {"name": "calls"}, {"name": "late"}]',
                 "--commit", "0123456789abcdef", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("### Reconciler apply\n\nApplied commit `0123456789ab`\n\n| Account | Result | Outcome |")
    assert "| shop | applied | Apply complete: 1 done, 0 failed, 0 skipped. |" in text
    assert "| calls | **failed** | Apply incomplete: 0 done, 1 failed, 0 skipped. |" in text
    assert "| late | did not run | - |" in text
    assert "**2 of 3 account(s) not applied.**" in text
    assert "402 &lt;refused&gt;" in text and "<refused>" not in text


def test_a_long_log_keeps_its_end_and_the_report_fits(tmp_path: Path) -> None:
    lines = [f"done: big / campaign-{i}: update (update.campaigns)" for i in range(20_000)]
    _result(tmp_path, "big", "\n".join([*lines, "Apply complete: 20000 done, 0 failed, 0 skipped."]), "0")
    _result(tmp_path, "small", "No changes. Live campaigns match the desired state.", "0")
    text = render(gather(tmp_path), limit=30_000)
    assert len(text) <= 30_000
    assert "earlier lines are in the run&#39;s log" in text or "earlier lines are in the run's log" in text
    assert "campaign-19999" in text and "campaign-0:" not in text
    assert "No changes. Live campaigns match the desired state." in text.split("<summary>small")[1]
    assert text.count("<pre>") == text.count("</pre>") == 2


def _log_as_it_was(result: Result, room: int) -> str:
    """The former _log: drop the first line while the log does not fit (with a deque, so that a big log
    can be checked against it quickly; list.pop(0) made it quadratic)."""
    opening = f"<details><summary>{esc(result.account)}: {result.state}</summary>\n\n<pre>\n"
    closing = "\n</pre>\n</details>\n\n"
    rendered = deque(esc(line) for line in (result.log.strip() or "(no output)").splitlines())
    size = sum(len(line) + 1 for line in rendered)
    dropped = 0
    note = "… {n:,} earlier lines are in the run's log\n"
    while rendered and size + len(opening) + len(closing) + len(note) + 10 > room:
        size -= len(rendered.popleft()) + 1
        dropped += 1
    return opening + (note.format(n=dropped) if dropped else "") + "\n".join(rendered) + closing


def test_a_long_log_is_cut_where_dropping_its_first_lines_one_by_one_cut_it() -> None:
    small = Result("a<b", 1, "\n".join(f"line {i} <{'x' * (i % 7)}>" for i in range(40)))
    for room in range(0, 1200, 7):
        assert report._log(small, room) == _log_as_it_was(small, room)
    assert report._log(Result("e", 0, " \n"), 10) == _log_as_it_was(Result("e", 0, " \n"), 10)
    big = Result("big", 0, "\n".join(f"done: big / campaign-{i}: update" for i in range(200_000)))
    for room in (3_000, 65_000):  # nearly all dropped, most dropped (the small log also fits whole)
        assert report._log(big, room) == _log_as_it_was(big, room)


def test_credentials_are_name_value_lines_and_never_quoted_back() -> None:
    assert parse("# comment\nUIS_TOKEN=abc=def\n\nCF_LOGIN = user \r\n") == {"UIS_TOKEN": "abc=def",
                                                                           "CF_LOGIN": " user "}
    assert masks({"A": "one", "B": "two\nlines"}) == ["::add-mask::one", "::add-mask::two", "::add-mask::lines"]
    with pytest.raises(CredentialsError) as caught:
        parse("OK=1\nsecret-value-without-a-name\n")
    assert "line 2" in str(caught.value) and "secret-value" not in str(caught.value)


def test_reconciler_runs_with_the_credentials_in_its_environment(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "version: 1\naccounts:\n  u:\n    provider: uis\n    endpoint: http://127.0.0.1:9/\n"
        "    credentials: {access_token: '${env:UIS_TOKEN}'}\n", encoding="utf-8")
    env = {**os.environ, VARIABLE: "UIS_TOKEN=from-the-secret\n"}
    masked = subprocess.run([sys.executable, "-m", "reconciler.workflow.run", "--mask"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert masked.stdout.splitlines() == ["::add-mask::from-the-secret", "1 credential(s) masked: UIS_TOKEN."]
    plan = [sys.executable, "-m", "reconciler.workflow.run", "plan", "."]
    without = subprocess.run(plan, cwd=tmp_path, env={k: v for k, v in env.items() if k != VARIABLE},
                             capture_output=True, text=True, timeout=60, check=False)
    ran = subprocess.run(plan, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert "environment variable UIS_TOKEN is not set" in without.stderr
    assert "UIS_TOKEN is not set" not in ran.stderr  # it got that far: the vendor is the discard port
    assert "cannot connect to http://127.0.0.1:9/" in ran.stderr and ran.returncode == 1
