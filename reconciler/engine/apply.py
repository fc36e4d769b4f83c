"""Apply: run a plan's operations, independent ones concurrently, each once its dependencies succeeded.

A retryable failure (429, 5xx, timeout, lost connection) is retried with backoff. Before an operation
whose answer may have been lost is sent again, the provider looks it up (ENG-09), so a create is never
repeated blindly; after a timeout the look-up waits as long as the timeout first, since the vendor may
still be working on the request. A failed operation stops the operations that wait for it, and only those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.errors import VendorError
from reconciler.http import DEFAULT_RETRY, RetryPolicy, pause_to_retry
from reconciler.model import Operation, Plan, ResultRef
from reconciler.providers.base import Session


class Status(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    operation: Operation
    status: Status
    detail: str = ""
    result: Mapping[str, Any] = field(default_factory=dict)
    attempts: int = 1


@dataclass(frozen=True)
class ApplyOptions:
    concurrency: int = 8
    """Operations in flight at once, per account."""
    retry: RetryPolicy = DEFAULT_RETRY


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
                outcome = await execute(sessions[op.account], op, resolve(op.request, results), options.retry)
        if outcome.status is Status.DONE:
            results[op.id] = outcome.result
        outcomes[op.id] = outcome
        finished[op.id].set()
        report(outcome)

    await asyncio.gather(*(run(op) for op in plan.operations))
    return [outcomes[op.id] for op in plan.operations]


async def execute(session: Session, op: Operation, request: Mapping[str, Any], policy: RetryPolicy) -> Outcome:
    """One operation with retries; after an answer that may have been lost, look before sending again."""
    unsure = False
    for attempt in range(1, policy.attempts + 1):
        try:
            if unsure:
                found = await session.recover(op, request)
                if found is not None:
                    return Outcome(op, Status.DONE, "its answer was lost, but it had taken effect",
                                   found, attempt)
                unsure = False
            return Outcome(op, Status.DONE, result=await session.execute(op, request), attempts=attempt)
        except VendorError as exc:
            if exc.final or attempt >= policy.attempts:
                tries = f" (after {attempt} attempts)" if attempt > 1 else ""
                return Outcome(op, Status.FAILED, f"{exc}{tries}", attempts=attempt)
            unsure = unsure or exc.maybe_applied
            wait = policy.delay(attempt - 1, exc.retry_after)
            if exc.pending:  # it may still be running at the vendor: let it finish before looking it up
                wait = max(wait, policy.timeout)
            await pause_to_retry(exc, wait)
    raise AssertionError("unreachable: policy.attempts >= 1")
