"""Ctrl-C and a command's work: the vendor calls run as one job that the first Ctrl-C cancels, and an error that
stands for a Ctrl-C is told from a defect (``entry`` reports an interrupted run once, with exit code 130)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from types import FrameType

T = TypeVar("T")


def run_job(job: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(job)``, with two differences. Ctrl-C cancels the job, as asyncio's own handler does, but
    only the first: later ones are ignored rather than raised as KeyboardInterrupt into the clean-up then under
    way (sessions closing, sandboxes stopping), where they printed tracebacks (an interrupted join, a coroutine
    never awaited) and cut it short. An interrupted job raises KeyboardInterrupt here, once asyncio.run has
    finished.

    And ``job``'s result is kept out of the task ``asyncio.run`` makes: on its way out it asks for the SIGINT
    handler, and Python 3.11's failed enum lookup there formats the handler's repr, the task and its result
    with it (a plan of 100 updates: 1% of a warm 10,000-campaign plan)."""
    import asyncio
    import signal

    result: list[T] = []
    running: list[asyncio.Task[None]] = []
    interrupted: list[bool] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        interrupted.append(True)
        if running and running[0].cancel():
            running[0].get_loop().call_soon_threadsafe(lambda: None)  # wakes the loop waiting in select()

    async def task() -> None:
        me = asyncio.current_task()
        assert me is not None
        running.append(me)
        if interrupted:  # before the job could start
            job.close()
            return
        result.append(await job)

    previous = signal.getsignal(signal.SIGINT)
    if callable(previous):  # not when Ctrl-C is ignored (a command started with `&` in a script, or after one)
        signal.signal(signal.SIGINT, stop)  # asyncio.run then keeps its own handler out
    try:
        asyncio.run(task())
    except BaseException:  # after a Ctrl-C: its CancelledError, or what the job's clean-up made of it
        if not interrupted:
            raise
    finally:
        if not interrupted and callable(previous):
            signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt
    return result[0]


def from_ctrl_c(exc: BaseException) -> bool:
    """Whether ``exc`` stands for a Ctrl-C: one during a class's creation reaches us as the RuntimeError
    Python 3.11 raises from the KeyboardInterrupt in a ``__set_name__`` (pydantic's models, while a command
    imports them)."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, KeyboardInterrupt):
        cause = cause.__cause__ or cause.__context__
    return cause is not None
