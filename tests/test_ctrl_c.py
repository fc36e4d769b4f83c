"""Ctrl-C (SIGINT) at any moment of `reconciler apply` against the example's sandboxes: one line,
``Interrupted.``, exit code 130, never a traceback, and the process ends promptly, however many Ctrl-C
follow; one that comes after the run has finished changes nothing. Each run is the installed ``reconciler``
script, as people start it, unless a test says otherwise."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Repo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SCRIPT = Path(sys.executable).with_name("reconciler")  # what `pip install` puts beside the interpreter
NOISE = ("Traceback", "Exception ignored", "never awaited", "Error", "error")


@pytest.fixture(scope="module")
def interpreter_start() -> float:
    """How long this machine, as loaded now, takes to start a bare Python (``python -c pass``): no code of
    ours runs before that, so no Ctrl-C then can be ours to handle."""
    times = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.monotonic() - started)
    return max(times)


def interrupted(cwd: Path, command: list[str], after: float = 0.0, at: str = "", every: float = 0.0,
                ignoring: bool = False) -> tuple[int | None, str, float, str | None]:
    """Run ``command`` with its output (both streams) on one pipe; SIGINT it ``after`` seconds from the
    start, or once its output shows ``at``; then again every ``every`` seconds (if given) until it exits.
    Its exit code (None if it had not ended 30 s after the first signal), its output, the seconds from
    the first signal to its exit (0 if it ended before any), and its output up to the first signal (None
    if none was sent). ``ignoring``: started with SIGINT ignored, as a shell script starts a command in the
    background (``&``)."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "NO_COLOR": "1"},
                               preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignoring
                               else None)
    assert process.stdout is not None
    fd = process.stdout.fileno()
    os.set_blocking(fd, False)
    started, seen, first, due, before = time.monotonic(), b"", 0.0, float("inf"), None
    while not first or time.monotonic() - first < 30:
        now = time.monotonic()
        if not first and (at.encode() in seen if at else now - started >= after):
            due = now
        if now >= due and process.poll() is None:
            if not first:
                seen += _pending(fd)
                before = seen.decode(errors="replace")
            process.send_signal(signal.SIGINT)
            first = first or now
            due = now + every if every else float("inf")
        wake = due if first or at else started + after
        ready, _, _ = select.select([fd], [], [], min(0.5, max(0.0, wake - time.monotonic())))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
        elif time.monotonic() - started > 60:
            break
    try:
        code: int | None = process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = None
    return code, seen.decode(errors="replace"), (time.monotonic() - first) if first else 0.0, before


def _pending(fd: int) -> bytes:
    """What the pipe ``fd`` (non-blocking) holds now."""
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk


def early(cwd: Path, command: list[str], after: float) -> tuple[int | None, str, str | None]:
    """``interrupted`` once ``after`` seconds have passed; again (up to 3 times) when the signal still came
    before any code of ours ran, while the interpreter imported its site module or runpy looked for the
    package (every frame of the traceback frozen): the machine is shared, and a start can take longer than
    the bare interpreter's did a moment before. The exit code, the output, and the output up to the signal
    (None if the run had ended before it was due)."""
    for _ in range(3):
        code, out, _, before = interrupted(cwd, command, after=after)
        frames = re.findall(r'File "([^"]*)"', out)
        too_soon = "Traceback" in out and all(frame.startswith("<frozen ") for frame in frames)
        if not too_soon and "Fatal Python error: init_import_site" not in out:
            break
    return code, out, before


def finished_first(code: int | None, before: str | None) -> bool:
    """Whether a run that exited with ``code`` had legitimately finished before the Ctrl-C: exit code 0 and
    no signal sent (it had ended), or one sent only once it had verified its result, when the outcome may
    be decided already and a Ctrl-C changes nothing. A Ctrl-C ignored while the command starts would let
    the run go on to 0 as well, but with a signal sent before the end."""
    return code == 0 and (before is None or "Verified" in before)


def assert_interrupted(code: int | None, out: str) -> None:
    assert not any(word in out for word in NOISE), out[-3000:]
    assert code == 130, (code, out[-1500:])
    assert out.splitlines()[-1] == "Interrupted." and out.count("Interrupted.") == 1, out[-1500:]


@pytest.mark.parametrize("delay", [0.02, 0.1, 0.25, 0.5, 1.0])
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(example: Path, delay: float,
                                                       interpreter_start: float) -> None:
    """From the first import of the command on: ``delay`` after the time a bare interpreter takes to start."""
    code, out, before = early(example, [str(SCRIPT), "apply", "--yes"], interpreter_start + delay)
    if not finished_first(code, before):
        assert_interrupted(code, out)


@pytest.mark.parametrize("delay", [0.02, 0.1, 0.25])
def test_python_m_ctrl_c_is_one_line_and_exit_130_or_the_signal(example: Path, delay: float,
                                                                interpreter_start: float) -> None:
    """``python -m reconciler``: the same one line and no traceback. Its exit status is 130, or, when the
    Ctrl-C came while a library ran code it compiled from a string (namedtuple, dataclasses: at import),
    death by SIGINT: CPython 3.11 then marks the KeyboardInterrupt as unhandled, though ours handled it, and
    under ``-m`` (not for a script) ends the process by the signal; a shell shows 130 for both."""
    code, out, before = early(example, [sys.executable, "-m", "reconciler", "apply", "--yes"],
                              interpreter_start + delay)
    if not finished_first(code, before):
        assert not any(word in out for word in NOISE), out[-3000:]
        assert code in (130, -signal.SIGINT), (code, out[-1500:])
        assert out.splitlines()[-1] == "Interrupted." and out.count("Interrupted.") == 1, out[-1500:]


@pytest.mark.parametrize("at", ["Plan:", "done: "])
def test_ctrl_c_held_down_ends_the_run_at_once_with_one_line_and_no_traceback(example: Path, at: str) -> None:
    """Ctrl-C every 2 ms from the moment the output shows ``at`` (live campaigns read, applying) until the
    process ends: later ones neither cut into the run's clean-up (sessions closing, sandboxes stopping and
    saving: the next plan runs cleanly) nor into the interpreter's shutdown, where Python restores SIGINT's
    default action (death by the signal)."""
    code, out, took, _ = interrupted(example, [str(SCRIPT), "apply", "--yes"], at=at, every=0.002)
    assert at in out
    assert_interrupted(code, out)
    assert took < 5, took
    again = subprocess.run([str(SCRIPT), "plan"], cwd=example, capture_output=True, text=True)
    assert again.returncode == 0 and not any(w in again.stderr for w in NOISE), again.stderr[-1500:]


def test_ctrl_c_held_down_as_the_run_ends_never_kills_it_by_the_signal(example: Path) -> None:
    """SIGINT every 1 ms from the moment the output shows ``Verified`` until the process ends: it is
    interrupted while it closes the sandboxes (130), or had finished (0); never killed by the signal during
    the interpreter's shutdown, never a traceback."""
    code, out, took, _ = interrupted(example, [str(SCRIPT), "apply", "--yes"], at="Verified", every=0.001)
    assert "Verified" in out and not any(word in out for word in NOISE), out[-3000:]
    assert code in (0, 130) and out.count("Interrupted.") == (code == 130), (code, out[-1500:])
    assert took < 5, took


def test_a_command_started_ignoring_ctrl_c_keeps_ignoring_it(example: Path) -> None:
    """As a shell script's background command (``reconciler apply --yes &``): Ctrl-C typed in the terminal
    is not for it, and the run goes on to its end."""
    code, out, _, _ = interrupted(example, [str(SCRIPT), "apply", "--yes"], at="Plan:", every=0.02, ignoring=True)
    assert code == 0 and "Apply complete" in out and "Interrupted." not in out, out[-1500:]


def test_later_ctrl_c_do_not_cut_into_the_clean_up_of_an_interrupted_job() -> None:
    """In-process: the first Ctrl-C cancels the job; three more during its clean-up (which awaits) are
    ignored, where asyncio's own handler raises KeyboardInterrupt into it; the job ends as interrupted."""
    import asyncio

    from reconciler.interrupt import run_job

    steps: list[str] = []

    async def job() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(5)
            steps.append("not cancelled")
        finally:
            for _ in range(3):
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.sleep(0.01)
                steps.append("cleaned")

    before = signal.getsignal(signal.SIGINT)
    try:
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            run_job(job())
        assert steps == ["cleaned"] * 3 and time.monotonic() - started < 2
    finally:
        signal.signal(signal.SIGINT, before)


FAKE_MAIN = """
import atexit, os, signal, sys, time
import reconciler.cli

def main():
    atexit.register(os.kill, os.getpid(), signal.SIGINT)  # Ctrl-C during the interpreter's shutdown
    if sys.argv[1] == "done":
        return 0
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        os.kill(os.getpid(), signal.SIGINT)  # another, while the run stops
        return 130

reconciler.cli.main = main
from reconciler.entry import run
sys.exit(run())
"""


@pytest.mark.parametrize(("outcome", "code", "err"), [("done", 0, ""), ("interrupted", 130, "Interrupted.\n")])
def test_once_the_outcome_is_decided_ctrl_c_changes_nothing(tmp_path: Path, outcome: str, code: int,
                                                           err: str) -> None:
    """The entry point around a stand-in command: Ctrl-C while it stops and during the interpreter's
    shutdown (an atexit callback) is ignored: exactly the outcome's exit code and line, nothing else."""
    (tmp_path / "fake.py").write_text(FAKE_MAIN)
    ran = subprocess.run([sys.executable, str(tmp_path / "fake.py"), outcome], capture_output=True, text=True,
                         timeout=30)
    assert (ran.returncode, ran.stderr, ran.stdout) == (code, err, "")


def test_a_ctrl_c_wrapped_by_python_in_another_error_is_an_interruption_not_an_internal_error(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C while Python creates a class (pydantic's models, imported as a command starts) reaches the
    command as Python 3.11's RuntimeError from ``__set_name__``: it was reported as an internal error."""

    class Interrupting:
        def __set_name__(self, owner: type, name: str) -> None:
            raise KeyboardInterrupt

    def load_config(path: Path) -> None:
        type("Model", (), {"field": Interrupting()})

    monkeypatch.setattr("reconciler.config.load_config", load_config)
    interrupted = repo.run("accounts")
    assert (interrupted.code, interrupted.out, interrupted.err) == (130, "", "")  # entry.run prints the line
    monkeypatch.setattr("reconciler.config.load_config", lambda path: 1 / 0)
    assert "internal error (ZeroDivisionError" in repo.run("accounts").err
