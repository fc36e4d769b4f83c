"""People at a terminal: colour, progress and a question on a TTY (a real pseudo-terminal); none elsewhere."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Repo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
GREEN = "\x1b[32m"


def _in_terminal(cwd: Path, *args: str, answer: str | None = None, **env: str) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal; answer its question if it asks one."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    environ.update(TERM="xterm-256color", COLUMNS="120", **env)
    main, child = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", *args], cwd=cwd, env=environ,
                            stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([main], [], [], 30)
            if not ready:
                raise AssertionError(f"no output for 30 s: {seen[-500:]!r}")
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if answer is not None and b"Apply these changes?" in seen:
                os.write(main, answer.encode() + b"\n")
                answer = None
    finally:
        os.close(main)
    return proc.wait(timeout=30), seen.decode(errors="replace")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".reconciler"))
    return tmp_path / "examples"


def test_on_a_terminal_the_plan_is_coloured_and_reading_shows_progress(example: Path) -> None:
    code, out = _in_terminal(example, "plan")
    assert code == 0
    assert f"{GREEN}\x1b[1m+ uis-demo / Black Friday: create" in out
    assert "Reading live campaigns of 4 account(s)" in out


def test_no_color_turns_colour_off_on_a_terminal(example: Path) -> None:
    code, out = _in_terminal(example, "plan", NO_COLOR="1")
    assert code == 0 and "+ uis-demo / Black Friday: create" in out and GREEN not in out


def test_ci_gets_no_progress_bars_even_on_a_terminal(example: Path) -> None:
    code, out = _in_terminal(example, "plan", CI="true")
    assert code == 0 and "Reading live campaigns" not in out


def test_apply_on_a_terminal_shows_the_plan_and_asks(example: Path) -> None:
    code, out = _in_terminal(example, "apply", "--account", "uis-demo", answer="n")
    assert code == 1 and "Apply these changes? [y/N]" in out and "Apply cancelled; nothing was changed." in out
    assert out.index("Plan: 2 to create") < out.index("Apply these changes?")
    code, out = _in_terminal(example, "apply", "--account", "uis-demo", answer="y")
    assert code == 0 and "Apply complete: 7 done" in out and "Applying" in out
    assert "Verified: every touched campaign now matches the plan." in out


def test_without_a_terminal_there_is_no_colour_no_progress_and_no_question(examples: Repo) -> None:
    planned = examples.run("plan", "examples")
    assert planned.code == 0 and "+ uis-demo / Black Friday: create" in planned.out
    assert "\x1b[" not in planned.out + planned.err and "Reading live campaigns" not in planned.err
    refused = examples.run("apply", "examples")
    assert refused.code == 1 and "apply needs --yes" in refused.err
