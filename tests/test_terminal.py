"""People at a terminal: colour, progress and a question on a TTY (a real pseudo-terminal); none elsewhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import Repo
from terminal_session import in_terminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
GREEN = "\x1b[32m"


def test_on_a_terminal_the_plan_is_coloured_and_reading_shows_progress(example: Path) -> None:
    code, out = in_terminal(example, "plan")[:2]
    assert code == 0
    assert f"{GREEN}\x1b[1m+ uis-demo / Black Friday: create" in out
    assert "Reading live campaigns of 4 account(s)" in out


def test_no_color_turns_colour_off_on_a_terminal(example: Path) -> None:
    code, out = in_terminal(example, "plan", NO_COLOR="1")[:2]
    assert code == 0 and "+ uis-demo / Black Friday: create" in out and GREEN not in out


def test_ci_gets_no_progress_bars_even_on_a_terminal(example: Path) -> None:
    code, out = in_terminal(example, "plan", CI="true")[:2]
    assert code == 0 and "Reading live campaigns" not in out


def test_apply_on_a_terminal_shows_the_plan_and_asks(example: Path) -> None:
    code, out = in_terminal(example, "apply", "--account", "uis-demo", keys=b"n\n")[:2]
    assert code == 1 and "Apply these changes? [y/N]" in out and "Apply cancelled; nothing was changed." in out
    assert out.index("Plan: 2 to create") < out.index("Apply these changes?")
    code, out = in_terminal(example, "apply", "--account", "uis-demo", keys=b"y\n")[:2]
    assert code == 0 and "Apply complete: 7 done" in out and "Applying" in out
    assert "Verified: every touched campaign now matches the plan." in out


def test_without_a_terminal_there_is_no_colour_no_progress_and_no_question(examples: Repo) -> None:
    planned = examples.run("plan", "examples")
    assert planned.code == 0 and "+ uis-demo / Black Friday: create" in planned.out
    assert "\x1b[" not in planned.out + planned.err and "Reading live campaigns" not in planned.err
    refused = examples.run("apply", "examples")
    assert refused.code == 1 and "apply needs --yes" in refused.err
