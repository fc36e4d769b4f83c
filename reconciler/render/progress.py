"""Progress bars for people at a terminal (rich, on stderr); nothing at all in CI or in a pipe."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from reconciler.terminal import printing_with


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

        def above(text: str, err: bool) -> None:
            """A line above the bar (the bar is redrawn below it); one for standard output goes there itself
            when that is not this terminal (``apply > log``)."""
            if err or sys.stdout.isatty():
                bar.console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
            else:
                click.echo(text)

        with printing_with(above):
            yield lambda: bar.advance(task)
