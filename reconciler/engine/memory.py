"""Memory policy for a run: what it builds to keep is left out of the cyclic collector's passes, and is
never freed piece by piece at its end."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_held: list[object] = []

GC_THRESHOLD = (50_000, 20, 10)
"""A run builds hundreds of thousands of objects that live until it ends (documents, live campaigns): with
the default threshold (700) the collector scans them again and again, which doubled the time to read a
10,000-campaign cache or vendor answer (tests/bench/plan_scale.py)."""


@contextlib.contextmanager
def run_scope() -> Iterator[None]:
    """One run of the command in this process: what earlier runs held is freed first (``release``); the
    cyclic collector runs less often meanwhile (``GC_THRESHOLD``); what the run kept out of its passes
    (``kept``) is given back to it at the end."""
    release()
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


@contextlib.contextmanager
def kept() -> Iterator[None]:
    """For data that lives until the run ends (documents, live campaigns): the cyclic collector waits while
    it is made, then leaves it out of its passes (``gc.freeze``; ``run_scope`` undoes that when the run
    ends). Its passes over such data took a third of a warm 10,000-file read, then 60 ms more of the plan."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def hold(data: T) -> T:
    """``data``, kept alive past the end of the run: the ``reconciler`` command then exits without freeing
    it object by object (``cli.run``), and a caller that runs ``cli.main`` in its own process frees it when
    the next run starts (``release``). Freeing a 10,000-campaign plan's documents, cache and live campaigns
    at its end took 5% of a warm plan's instructions (about 30 ms)."""
    _held.append(data)
    return data


def release() -> None:
    """Free what earlier runs of this process held."""
    _held.clear()
