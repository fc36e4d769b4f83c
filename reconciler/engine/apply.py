"""Apply: run a plan's operations, independent ones concurrently, each once its dependencies succeeded.

A retryable failure (429, 5xx, timeout, lost connection) is retried with backoff. Before an operation
whose answer may have been lost is sent again, the provider looks it up by identity (ENG-09). A create
whose answer never came may still be carried out by a slow vendor: it is looked up, with backoff, until it
is found or ``ApplyOptions.settle`` seconds pass, and then it is reported "unknown", never sent again; the
next plan finds it if it took effect. A failed or unknown operation stops the operations that wait for it,
and only those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.config import SETTLE
from reconciler.errors import TransportError, VendorError
from reconciler.http import DEFAULT_RETRY, RetryPolicy, pause_to_retry
from reconciler.model import Operation, Plan, ResultRef
from reconciler.providers.base import Observes, Session


class Status(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"
    """Its answer was lost and look-ups did not show whether it took effect before their bound passed."""


@dataclass(frozen=True)
class Outcome:
    operation: Operation
    status: Status
    detail: str = ""
    result: Mapping[str, Any] = field(default_factory=dict)
    attempts: int = 1
    doubted: bool = False
    """An answer was lost on the way: the vendor may hold more than the answers say (verify reads back)."""


@dataclass(frozen=True)
class ApplyOptions:
    concurrency: int = 8
    """Operations in flight at once, per account."""
    retry: RetryPolicy = DEFAULT_RETRY
    settle: float = SETTLE
    """Seconds a create whose answer was lost is looked up for before it is reported unknown (ENG-09)."""


def resolve(value: Any, results: Mapping[str, Mapping[str, Any]]) -> Any:
    """``value`` with each ResultRef replaced by the field of the earlier operation's result."""
    if isinstance(value, ResultRef):
        return results[value.operation][value.field]
    if isinstance(value, Mapping):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


async def apply_plan(plan: Plan, sessions: Mapping[str, Session],
                     report: Callable[[Outcome], None] = lambda _: None,
                     options: ApplyOptions = ApplyOptions()) -> list[Outcome]:
    """Every operation's outcome, in plan order."""
    finished = {op.id: asyncio.Event() for op in plan.operations}
    outcomes: dict[str, Outcome] = {}
    results: dict[str, Mapping[str, Any]] = {}
    slots = {name: asyncio.Semaphore(options.concurrency) for name in {op.account for op in plan.operations}}

    async def run(op: Operation) -> None:
        for dep in op.waits_for:
            if dep in finished:
                await finished[dep].wait()
        failed = [dep for dep in op.waits_for if dep in outcomes and outcomes[dep].status is not Status.DONE]
        if failed:
            outcome = Outcome(op, Status.SKIPPED, f"not run: it waits for {failed[0]}, which did not succeed",
                              attempts=0)
        else:
            async with slots[op.account]:
                outcome = await execute(sessions[op.account], op, resolve(op.request, results), options.retry,
                                        options.settle)
        if outcome.status is Status.DONE:
            results[op.id] = outcome.result
        outcomes[op.id] = outcome
        finished[op.id].set()
        report(outcome)

    await asyncio.gather(*(run(op) for op in plan.operations))
    return [outcomes[op.id] for op in plan.operations]


async def execute(session: Session, op: Operation, request: Mapping[str, Any], policy: RetryPolicy,
                  settle: float = SETTLE) -> Outcome:
    """One operation with retries; after an answer that may have been lost, look before sending again (a lost
    create's look-ups go on for up to ``settle`` seconds)."""
    doubted = False
    for attempt in range(1, policy.attempts + 1):
        try:
            return Outcome(op, Status.DONE, result=await session.execute(op, request), attempts=attempt,
                           doubted=doubted)
        except VendorError as exc:
            error = exc
        if error.final or (attempt >= policy.attempts and not error.maybe_applied):
            return Outcome(op, Status.FAILED, _failed(error, attempt), attempts=attempt, doubted=doubted)
        wait = policy.delay(attempt - 1, error.retry_after)
        if error.pending:  # it may still be running at the vendor: let it finish before looking it up
            wait = max(wait, policy.timeout)
        if error.maybe_applied:
            doubted = True
            await pause_to_retry(error, wait)
            found = await look_up(session, op, request, policy, settle, patient(session, op, error))
            if isinstance(found, Unknown):
                return Outcome(op, Status.UNKNOWN, f"its answer was lost ({error}); {found}, and it may still "
                                                   "take effect, so it was not sent again: run plan to see whether "
                                                   "it did", attempts=attempt, doubted=True)
            if found is not None:
                return Outcome(op, Status.DONE, "its answer was lost, but it had taken effect", found, attempt,
                               doubted=True)
            if attempt >= policy.attempts:
                return Outcome(op, Status.FAILED, _failed(error, attempt), attempts=attempt, doubted=True)
        else:
            await pause_to_retry(error, wait)
    raise AssertionError("unreachable: policy.attempts >= 1")


def _failed(error: VendorError, attempt: int) -> str:
    return f"{error}" + (f" (after {attempt} attempts)" if attempt > 1 else "")


def lost(error: VendorError) -> bool:
    """No answer came (a timeout, a connection lost after sending) or a gateway gave up waiting: the request
    may still be running at the vendor, so not finding its effect yet proves nothing."""
    return error.pending or (isinstance(error, TransportError) and error.maybe_applied)


def patient(session: Session, op: Operation, error: VendorError) -> bool:
    """Whether the look-up for ``op`` after ``error`` goes on until it finds the effect or the bound passes:
    for a create whose answer was lost, sending it again could make a duplicate (ENG-09); so for the other
    calls whose effect the session observes (``Observes``). A vendor that answered (a 5xx) has finished with
    the request: one look-up is certain then."""
    observed = op.creates or (isinstance(session, Observes) and session.observes(op))
    return observed and lost(error)


@dataclass(frozen=True)
class Unknown:
    """A look-up that did not make the vendor's outcome certain before its bound passed."""

    looks: int
    seconds: float
    error: str = ""

    def __str__(self) -> str:
        tried = f"{self.looks} look-up(s) over {self.seconds:.1f} s did not find it"
        return tried + (f" (the last one failed: {self.error})" if self.error else "")


async def look_up(session: Session, op: Operation, request: Mapping[str, Any], policy: RetryPolicy,
                  bound: float, patient: bool) -> Mapping[str, Any] | Unknown | None:
    """What ``op`` did, asked of the vendor by its identity (``Session.recover``): its result when it took
    effect; None when it certainly did not (or sending it again is harmless). ``patient``: the vendor may still
    carry it out, so not finding it is not certain either. Look-ups that fail, or find nothing while patient,
    go on with backoff for up to ``bound`` seconds, then the outcome is Unknown (at once after a final error)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    looks = 0
    while True:
        looks += 1
        failure: VendorError | None = None
        try:
            found = await session.recover(op, request)
        except VendorError as exc:
            found, failure = None, exc
        if found is not None or (failure is None and not patient):
            return found
        left = started + bound - loop.time()
        if left <= 0 or (failure is not None and failure.final):
            return Unknown(looks, loop.time() - started, "" if failure is None else str(failure))
        await asyncio.sleep(min(left, policy.delay(looks - 1)))
