"""Apply: run a plan's operations in order; a failed operation stops only those that wait for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.errors import VendorError
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
                     report: Callable[[Outcome], None] = lambda _: None) -> list[Outcome]:
    results: dict[str, Mapping[str, Any]] = {}
    blocked: dict[str, str] = {}
    outcomes: list[Outcome] = []
    for op in plan.operations:
        waiting = [w for w in op.waits_for if w in blocked]
        if waiting:
            outcome = Outcome(op, Status.SKIPPED, f"not run: it waits for {waiting[0]}, which did not succeed")
        else:
            try:
                result = await sessions[op.account].execute(op, resolve(op.request, results))
                results[op.id] = result
                outcome = Outcome(op, Status.DONE, result=result)
            except VendorError as exc:
                outcome = Outcome(op, Status.FAILED, str(exc))
        if outcome.status is not Status.DONE:
            blocked[op.id] = outcome.detail
        outcomes.append(outcome)
        report(outcome)
    return outcomes
