"""Progress bars for people at a terminal (rich, on stderr); nothing at all in CI or in a pipe."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


def wanted() -> bool:
    """On a terminal, and not in CI (where a bar is only noise in the log)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Callable[[], None]]:
    """``with progress("Applying", 12) as step: ... step()``; a spinner when ``total`` is None."""
    if not wanted():
        yield lambda: None
        return
    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)
