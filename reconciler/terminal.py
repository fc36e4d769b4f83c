"""People at a terminal: colour (NO_COLOR, FORCE_COLOR), the question before apply (Ctrl-C answers it at
once), the tool's own flags (``--debug``) anywhere on the command line, and notices while a command works
(a rate-limit wait) printed above any progress bar rather than through it."""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import click


def color(stream: TextIO | None = None) -> bool:
    """Whether to colour what goes to ``stream`` (standard output): never with NO_COLOR (no-color.org), always
    with FORCE_COLOR (force-color.org; ``0`` does not force), else on a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return (stream or sys.stdout).isatty()


def ask(question: str) -> bool:
    """``click.confirm`` (default no) that Ctrl-C interrupts at once, raising ``click.Abort``.

    Inside ``asyncio.run`` Ctrl-C only cancels the main task, which cannot happen while the question blocks
    the loop: the question would wait for Enter first. While it is asked, Ctrl-C raises in it instead."""
    if threading.current_thread() is not threading.main_thread():
        return click.confirm(question, default=False)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return click.confirm(question, default=False)
    finally:
        signal.signal(signal.SIGINT, previous)


GLOBAL_FLAGS = ("--debug",)


class Group(click.Group):
    """A command group whose own flags (``GLOBAL_FLAGS``) may also be given after the command
    (``reconciler plan examples --debug``), as with git's or terraform's; ``--`` ends the options."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
        rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
        return super().parse_args(ctx, [*dict.fromkeys(flags), *rest, *args[end:]])


_printer: Callable[[str, bool], None] | None = None


def say(text: str, err: bool = False) -> None:
    """A line of a command's results (on standard error with ``err``): above a live progress bar, if one is
    shown, rather than through it."""
    if _printer is not None:
        _printer(text, err)
    else:
        click.echo(text, err=err)


def notice(text: str) -> None:
    """Tell the person running the command what it is doing (a rate-limit wait), on standard error."""
    say(text, err=True)


@contextmanager
def printing_with(printer: Callable[[str, bool], None]) -> Iterator[None]:
    """While a progress bar is shown, ``say`` and ``notice`` print through ``printer`` (above it)."""
    global _printer
    previous, _printer = _printer, printer
    try:
        yield
    finally:
        _printer = previous


NOTICE_FROM = 1.0
"""Seconds of waiting worth telling about."""


def waiting(what: str, seconds: float, why: str) -> None:
    """A notice that ``what`` waits ``seconds`` for ``why`` (only when it is long enough to be noticed)."""
    if seconds >= NOTICE_FROM:
        notice(f"{what}: waiting {duration(seconds)} for {why}")


def duration(seconds: float) -> str:
    """``42 s``, ``17 min``, ``5 h 12 min``."""
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
