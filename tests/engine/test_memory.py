"""What a run keeps is left out of the collector's passes while it runs, given back when it ends, and
not freed object by object: the command exits with it, a caller in the same process frees it next run."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

import pytest
from conftest import ROOT, Repo

from reconciler.cli import main
from reconciler.engine.memory import LARGE_BLOCKS, hold, kept, release
from reconciler.model import Desired, LiveState, Plan


class Data:
    """Something weakly referable, to tell when it is freed."""


def test_what_a_block_keeps_is_frozen_and_the_collector_is_as_it_was() -> None:
    gc.unfreeze()
    try:
        with kept():
            assert not gc.isenabled()  # no pass while the data is made
            data = [{"id": i, "fields": {"name": f"c{i}"}} for i in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= 2000  # each campaign and its fields
        gc.disable()
        with kept():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
        gc.unfreeze()
    assert data[-1]["id"] == 999


def test_a_run_gives_what_it_kept_back_to_the_collector_when_it_ends() -> None:
    with kept():
        kept_data = [[i] for i in range(100)]
    assert gc.get_freeze_count() > 0
    assert main(["--version"]) == 0
    assert gc.get_freeze_count() == 0
    assert len(kept_data) == 100


def test_what_a_run_holds_outlives_it_until_the_next_run_starts() -> None:
    data = Data()
    seen = weakref.ref(data)
    assert hold(data) is data
    del data
    assert seen() is not None  # held, not freed when its last user let go
    assert main(["--version"]) == 0  # the next run in this process frees it first
    assert seen() is None


def _alive(kind: type) -> int:
    return sum(isinstance(o, kind) for o in gc.get_objects())


def test_a_plan_holds_its_documents_and_live_campaigns_past_its_end(examples: Repo) -> None:
    release()
    gc.collect()
    assert _alive(LiveState) == _alive(Desired) == 0
    assert examples.run("plan", "examples").code == 0
    assert _alive(LiveState) == 4  # one for each account: still there, for the process to exit with
    assert _alive(Desired) == 19
    release()
    assert _alive(LiveState) == _alive(Desired) == 0  # freed by reference counting alone, no pass needed


def test_the_plan_is_not_formatted_on_the_way_out_of_the_event_loop(examples: Repo,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """asyncio.run's way out formats its task's result on Python 3.11 (a failed enum lookup of the SIGINT
    handler); a plan's repr costs time in proportion to its size, for nothing."""
    formatted: list[int] = []
    original = Plan.__repr__

    def counted(self: Plan) -> str:
        formatted.append(1)
        return original(self)

    monkeypatch.setattr(Plan, "__repr__", counted)
    assert examples.run("plan", "examples").code == 0
    assert formatted == []


def test_the_command_exits_with_its_code_and_all_of_its_output(examples: Repo) -> None:
    """``python -m reconciler`` ends the process without the interpreter's shutdown: nothing it printed is
    lost and the exit code is main's."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "reconciler", "plan", ".", "--detailed-exitcode"],
                          cwd=examples.path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stdout.rstrip().endswith("Plan: 5 to create, 10 to update, 0 to delete, 2 to start, stop or archive "
                                         "(19 calls, 1 of them destructive).")
    assert "Reading live campaigns" not in done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    bad = subprocess.run([sys.executable, "-m", "reconciler", "plan", ".", "--account", "nobody"],
                         cwd=examples.path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1
    assert bad.stderr.rstrip().endswith("1 problem(s) found; nothing was changed.")


REUSE = """
import resource, sys
from reconciler.engine.memory import reuse_large_blocks
if sys.argv[1] == "run" and not reuse_large_blocks():
    print("unsupported")
    raise SystemExit
size = 48 << 20  # over glibc's largest adaptive threshold (32 MB): mapped afresh each time by default
block = b"x" * size
del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = b"y" * size  # written through: each page not kept from the first block is a fault
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, size // resource.getpagesize())
"""


def _faults(mode: str) -> tuple[int, int] | None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", REUSE, mode], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    return None if out == ["unsupported"] else (int(out[0]), int(out[1]))


def test_a_run_reuses_a_freed_large_block_rather_than_mapping_it_afresh() -> None:
    """The 32-64 MB orjson takes to decode each page of 10,000 campaigns comes back from the heap, not as
    fresh memory the kernel must find and zero (glibc; elsewhere the allocator is left as it is)."""
    reused = _faults("run")
    if reused is None:
        pytest.skip("the C allocator is not glibc's")
    assert LARGE_BLOCKS > 48 << 20  # the block is one the run keeps
    faults, pages = reused
    assert faults < pages // 10
    default = _faults("default")
    assert default is not None
    assert default[0] > pages // 2  # the control: without it, the block is mapped and touched afresh
