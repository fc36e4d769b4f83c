"""One apply per account at a time: a lock file per account under ``.reconciler/locks/``.

Apply takes the locks of its accounts (in name order, so two runs never wait for each other in a circle)
before it reads any live state, and keeps them to its end; a second apply of the same account waits up to
``apply: {lock_wait: SECONDS}`` (0: not at all) and then fails before any write, naming the run that holds it.

The lock is ``flock`` on the file, which works across processes (and over NFS on Linux): the kernel drops it
when its process ends, however it ends, so a lock can never be left stale by a crash or a kill. The file's
text only says who holds it (process, host, since when, command) for the message; a file left by a run that
is gone holds nothing and is taken over. Runs on other machines (CI) are kept apart by the workflows'
``concurrency`` groups.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from reconciler.errors import ReconcilerError

POLL = 0.1
"""Seconds between two tries while waiting for a lock."""


class LockedError(ReconcilerError):
    """Another run applies an account of this one."""


@contextlib.contextmanager
def applying(workdir: Path, accounts: Sequence[str], wait: float = 0.0) -> Iterator[None]:
    """Hold the apply lock of every one of ``accounts`` for the block; raise LockedError if another run holds
    one for longer than ``wait`` seconds."""
    folder = workdir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    held: list[int] = []
    try:
        for name in sorted(set(accounts)):
            held.append(_take(folder / f"{name}.lock", name, wait))
        yield
    finally:
        for fd in held:
            os.close(fd)  # closing drops the flock


def _take(path: Path, account: str, wait: float) -> int:
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise LockedError(_busy(path, account, wait)) from None
            time.sleep(POLL)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(_holder()).encode(), 0)
        return fd


def _holder() -> dict[str, object]:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "command": " ".join(["reconciler", *sys.argv[1:]])[:200]}


def _busy(path: Path, account: str, wait: float) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        who = f"process {int(holder['pid'])} on {holder['host']}, since {holder['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        who = "a run that has not said who it is yet"
    waited = f" after waiting {wait:g} s" if wait else ""
    return (f"account '{account}' is being applied by another run ({who}){waited}; nothing was changed. Let it "
            f"finish and apply again, or wait for it with apply: {{lock_wait: SECONDS}} in reconciler.yaml "
            f"(lock file {path})")
