"""One apply per account at a time: two apply processes at once against one vendor process make no duplicate;
the second fails clearly before any write, or waits for the first (``apply: {lock_wait}``) and then finds
nothing left to do. A lock file left by a run that is gone holds nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, uis_live_config, uis_vendor

from reconciler.engine.lock import LockedError, applying
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.store import SandboxStore, read_log

TOKEN = "lock-test-token"
CAMPAIGNS = 4


@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[tuple[SandboxStore, str]]:
    """One slow UIS vendor process (300 ms an answer), outliving the runs."""
    with uis_vendor(tmp_path, TOKEN, Faults(latency_ms=300)) as (store, _, url):
        yield store, url


def _apply(repo: Repo) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--yes"], cwd=repo.path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "UIS_TOKEN": TOKEN})


def _holding(repo: Repo, pid: int) -> None:
    """Wait until process ``pid`` holds the account's lock."""
    lock = repo.path / ".reconciler" / "locks" / "live.lock"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if json.loads(lock.read_text())["pid"] == pid:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    raise AssertionError("the first apply never took the lock")


def _setup(repo: Repo, url: str, wait: float) -> None:
    repo.write("reconciler.yaml", uis_live_config(url, f"concurrency: 1, lock_wait: {wait}"))
    for i in range(CAMPAIGNS):
        repo.write(f"c{i}.yaml", f"account: live\nname: C{i}\nsite_id: 1\n")


def test_a_second_apply_of_the_account_fails_clearly_before_any_write(
        repo: Repo, vendor: tuple[SandboxStore, str]) -> None:
    """The first apply here is this test's process holding the lock, so that the second surely meets it."""
    store, url = vendor
    _setup(repo, url, wait=0)
    with applying(repo.path / ".reconciler", ["live"]):
        second = subprocess.run([sys.executable, "-m", "reconciler", "apply", "--yes"], cwd=repo.path, text=True,
                                capture_output=True, env={**os.environ, "UIS_TOKEN": TOKEN}, timeout=60)
    assert second.returncode == 1
    assert second.stderr.startswith(
        f"error: account 'live' is being applied by another run (process {os.getpid()} on ")
    assert "nothing was changed" in second.stderr and len(second.stderr.splitlines()) == 1
    assert "Traceback" not in second.stderr and second.stdout == ""
    assert read_log(store.log_path) == []  # not even a read: the lock comes before the live state
    after = subprocess.run([sys.executable, "-m", "reconciler", "apply", "--yes"], cwd=repo.path, text=True,
                           capture_output=True, env={**os.environ, "UIS_TOKEN": TOKEN}, timeout=60)
    assert after.returncode == 0, after.stderr  # released with the holder



def test_ctrl_c_while_waiting_for_the_lock_ends_the_apply_at_once(
        repo: Repo, vendor: tuple[SandboxStore, str]) -> None:
    """Ctrl-C while the apply waits (``lock_wait``) for a lock this test's process holds: exit 130 at once,
    not at the end of the wait, where the wait ran inside the job's event loop and the Ctrl-C only cancelled
    the job at its next await. The signal comes well after the time a run takes to reach the lock, measured
    first here (with ``lock_wait: 0`` it then fails), so that it surely lands in the wait."""
    store, url = vendor
    command = [sys.executable, "-m", "reconciler", "apply", "--yes"]
    env = {**os.environ, "UIS_TOKEN": TOKEN}
    with applying(repo.path / ".reconciler", ["live"]):
        _setup(repo, url, wait=0)
        started = time.monotonic()
        refused = subprocess.run(command, cwd=repo.path, text=True, capture_output=True, env=env, timeout=60)
        reach = time.monotonic() - started
        assert refused.returncode == 1 and "is being applied by another run" in refused.stderr, refused.stderr
        _setup(repo, url, wait=60)
        waiting = subprocess.Popen(command, cwd=repo.path, text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env)
        time.sleep(2 * reach + 0.5)
        assert waiting.poll() is None  # still waiting for the lock
        waiting.send_signal(signal.SIGINT)
        signalled = time.monotonic()
        out, err = waiting.communicate(timeout=70)
        took = time.monotonic() - signalled
    assert (waiting.returncode, out, err.strip()) == (130, "", "Interrupted."), err  # click ends ^C's line
    assert took < 5, took  # the wait had 60 s to go
    assert read_log(store.log_path) == []


def test_two_applies_at_once_make_no_duplicate(repo: Repo, vendor: tuple[SandboxStore, str]) -> None:
    """Started together, one applies and the other fails on the lock (or, if the first was done by then,
    finds nothing to do): each campaign is created once."""
    store, url = vendor
    _setup(repo, url, wait=0)
    runs = [_apply(repo), _apply(repo)]
    outputs = [r.communicate(timeout=60) for r in runs]
    results = [(r.returncode, err) for r, (_, err) in zip(runs, outputs, strict=True)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1]), results
    for code, err in results:
        assert "Traceback" not in err
        if code == 1:
            assert err.startswith("error: account 'live' is being applied by another run"), err
    names = Counter(c["name"] for c in store.state["campaigns"])
    assert names == Counter({f"C{i}": 1 for i in range(CAMPAIGNS)})  # 0 duplicates
    assert len([r for r in read_log(store.log_path) if r["operation"] == "create.campaigns"]) == CAMPAIGNS


def test_with_lock_wait_the_second_apply_waits_then_finds_nothing_to_do(
        repo: Repo, vendor: tuple[SandboxStore, str]) -> None:
    store, url = vendor
    _setup(repo, url, wait=60)
    first = _apply(repo)
    _holding(repo, first.pid)
    second = _apply(repo)
    out1, err1 = first.communicate(timeout=60)
    out2, err2 = second.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert f"Plan: {CAMPAIGNS} to create" in out1 and "No changes" in out2, out2
    names = Counter(c["name"] for c in store.state["campaigns"])
    assert names == Counter({f"C{i}": 1 for i in range(CAMPAIGNS)})  # 0 duplicates
    assert len([r for r in read_log(store.log_path) if r["operation"] == "create.campaigns"]) == CAMPAIGNS


def test_a_lock_file_left_by_a_run_that_is_gone_holds_nothing(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "a.lock").write_text(json.dumps({"pid": 999999, "host": "gone", "since": "then"}))
    with applying(tmp_path, ["a"]):
        assert json.loads((locks / "a.lock").read_text())["pid"] == os.getpid()


def test_in_one_process_a_held_lock_refuses_a_second_taker_naming_the_holder(tmp_path: Path) -> None:
    with applying(tmp_path, ["a", "b"]):
        started = time.monotonic()
        busy = rf"account 'b' is being applied by another run \(process {os.getpid()} on .*\) after waiting 0.3 s"
        with pytest.raises(LockedError, match=busy), applying(tmp_path, ["b"], wait=0.3):
            pass
        assert time.monotonic() - started >= 0.3
    with applying(tmp_path, ["b"]):  # released at the end of the block
        pass
