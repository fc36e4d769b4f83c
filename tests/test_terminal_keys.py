"""A person at a terminal (a real pseudo-terminal, the child's controlling terminal): Ctrl-C at apply's
question cancels at once; result lines never share a line with the progress bar; a rate-limit wait says
what waits and how long; --debug after the command; FORCE_COLOR; a summary readable on light themes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import Repo, uis_campaign, uis_config, uis_seed
from terminal_session import in_terminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("keys", [b"\x03", b"\x03" * 3])
def test_ctrl_c_at_the_question_cancels_at_once_with_exit_130_and_changes_nothing(example: Path,
                                                                                  keys: bytes) -> None:
    """Once or pressed again and again: one line, no traceback."""
    code, out, after = in_terminal(example, "apply", "--account", "uis-demo", keys=keys)
    assert code == 130, out[-800:]
    assert after < 5, after  # not waiting for Enter (asyncio's own handler would wait for the answer)
    assert out.count("Interrupted.") == 1 and "Apply complete" not in out and "Traceback" not in out, out
    log = example / ".reconciler" / "sandbox" / "uis-demo.requests.jsonl"
    assert "update.campaigns" not in log.read_text() and "create.campaigns" not in log.read_text()


def test_result_lines_never_share_a_line_with_the_progress_bar(example: Path) -> None:
    code, out, _ = in_terminal(example, "apply", keys=b"y\n")
    assert code == 0 and "Applying" in out, out[-800:]
    results = [m.start() for m in re.finditer(r"(done|FAILED|skipped): \S", out)]
    assert len(results) >= 19
    for start in results:  # each starts a fresh line, or one the bar was just erased from
        assert out[start - 1] == "\n" or out[:start].endswith("\r\x1b[2K"), repr(out[start - 120:start + 40])


def test_debug_is_accepted_after_the_command(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed(uis_campaign(1, "A")))
    repo.write("a.yaml", "account: u\nname: A\nstatus: inactive\n")
    after = repo.run("plan", ".", "--debug")
    assert after.code == 0 and "DEBUG" in after.err and "get.campaigns" in after.err
    assert repo.run("plan", "--debug", ".").code == 0 and "DEBUG" in repo.run("--debug", "plan").err
    assert "DEBUG" not in repo.run("plan", ".").err


def test_force_color_colours_a_pipe_and_no_color_wins(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed(uis_campaign(1, "A")))
    repo.write("a.yaml", "account: u\nname: A\nstatus: inactive\n")
    assert "\x1b[" not in repo.run("plan").out
    monkeypatch.setenv("FORCE_COLOR", "1")
    forced = repo.run("plan").out
    assert "\x1b[33m\x1b[1m~ u / A: update" in forced
    # the summary in the terminal's own colour, bold: white (37) is invisible on a light background
    assert "\x1b[1mPlan: 0 to create, 1 to update" in forced and "\x1b[37m" not in forced
    monkeypatch.setenv("FORCE_COLOR", "0")
    assert "\x1b[" not in repo.run("plan").out
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in repo.run("plan").out


def test_uis_17_a_rate_limit_wait_says_what_waits_and_how_long(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config(settings="") + "")
    text = (repo.path / "reconciler.yaml").read_text().replace(
        "sandbox: {seed: seed.json}", "sandbox: {seed: seed.json, limits: {minute: 2, window_s: 2}}")
    repo.write("reconciler.yaml", text)
    repo.write_json("seed.json", uis_seed(uis_campaign(1, "A")))
    repo.write("a.yaml", "account: u\nname: A\nstatus: inactive\n")
    result = repo.run("plan")
    assert result.code == 0, result.err
    waits = re.findall(r"^(\S+): waiting (\d) s for the vendor's minute call limit \(2 calls\) to reset$",
                       result.err, re.MULTILINE)
    assert waits and all(method.startswith("get.") and 1 <= int(s) <= 2 for method, s in waits), result.err
    assert len(waits) == len(set(waits))  # once per window, not once per waiting call
