"""Memory policy for a run: what it builds to keep is left out of the cyclic collector's passes, and is
never freed piece by piece at its end; large passing buffers are reused rather than mapped afresh."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import sys
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_held: list[object] = []

GC_THRESHOLD = (50_000, 20, 10)
"""A run builds hundreds of thousands of objects that live until it ends (documents, live campaigns): with
the default threshold (700) the collector scans them again and again, which doubled the time to read a
10,000-campaign cache or vendor answer (tests/bench/plan_scale.py)."""


LARGE_BLOCKS = 256 * 2**20
"""Blocks up to this size come from the heap and stay there once freed (glibc's ``M_MMAP_THRESHOLD`` and
``M_TRIM_THRESHOLD``). By default glibc maps each block over 32 MB afresh and unmaps it when it is freed,
and orjson asks for 32-64 MB (touching 13 MB of it) to decode each 5.5 MB page of 10,000 UIS campaigns: a
warm 100,000-campaign plan had the kernel find and zero 140 MB more, 16% of all the memory it touched
(223,000 page faults against 187,000). Fresh memory is dear on a virtual machine: with the same faults, that
plan spent 1.2 to 3.1 s in the kernel on this one."""
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


@functools.cache  # once a process: a run sets it for good
def reuse_large_blocks() -> bool:
    """Have this process's C allocator keep and reuse freed blocks up to ``LARGE_BLOCKS`` (process-wide, and
    for good: glibc offers no way back to its adaptive default); whether it could (glibc on Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library offering mallopt in this process
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCKS)) and bool(mallopt(M_TRIM_THRESHOLD, LARGE_BLOCKS))


@contextlib.contextmanager
def run_scope() -> Iterator[None]:
    """One run of the command in this process: what earlier runs held is freed first (``release``); the
    cyclic collector runs less often meanwhile (``GC_THRESHOLD``); what the run kept out of its passes
    (``kept``) is given back to it at the end. Large buffers are reused from the start (``reuse_large_blocks``)."""
    release()
    reuse_large_blocks()
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
