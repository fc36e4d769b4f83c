"""``--validate-remote``: the vendor checks every planned create and update without acting (a true dry run).

Vendor-neutral: a session that can do it meets ``RemoteValidation``; an account whose vendor cannot is
named in a note, and its operations rest on the plan's own rules. Each request is checked against the live
state as it is now, so a request that needs an earlier operation's result (a created campaign's id) cannot
be checked and is named in a note too. A refusal is a problem at the campaign's document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import Problem
from reconciler.model import Action, Desired, Operation, Plan, ResultRef
from reconciler.providers.base import Refusal, RemoteValidation, Session

CHECKED = frozenset({Action.CREATE, Action.UPDATE})
CONCURRENCY = 4


@dataclass(frozen=True)
class RemoteReport:
    """What the vendors said: refusals as located problems, notes on what could not be checked."""

    checked: int
    problems: list[Problem]
    notes: list[str]


async def validate_remote(plan: Plan, sessions: Mapping[str, Session],
                          desired: Mapping[str, Sequence[Desired]] | None = None) -> RemoteReport:
    """Send each create and update of ``plan`` for validation only; ``desired`` locates refusals in YAML."""
    notes: list[str] = []
    unable = sorted({op.account for op in plan.operations
                     if op.action in CHECKED and not isinstance(sessions[op.account], RemoteValidation)})
    notes.extend(f"account '{name}': its vendor offers no server-side validation; its operations are checked "
                 "by the plan's rules only" for name in unable)
    todo: list[Operation] = []
    for op in plan.operations:
        if op.action not in CHECKED or op.account in unable:
            continue
        if _needs_results(op.request):
            notes.append(f"{op.account} / {op.campaign}: {op.method} not validated: it needs the result of an "
                         "earlier operation")
            continue
        todo.append(op)
    slots = asyncio.Semaphore(CONCURRENCY)

    async def check(op: Operation) -> Refusal | None:
        session = sessions[op.account]
        assert isinstance(session, RemoteValidation)
        async with slots:
            return await session.validate(op, op.request)

    refusals = await asyncio.gather(*(check(op) for op in todo))
    problems = [_problem(plan, op, refusal, desired or {})
                for op, refusal in zip(todo, refusals, strict=True) if refusal is not None]
    return RemoteReport(len(todo), problems, notes)


def _needs_results(value: Any) -> bool:
    if isinstance(value, ResultRef):
        return True
    if isinstance(value, Mapping):
        return any(_needs_results(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_needs_results(v) for v in value)
    return False


def _problem(plan: Plan, op: Operation, refusal: Refusal, desired: Mapping[str, Sequence[Desired]]) -> Problem:
    """The refusal at the refused field of the campaign's document (else at the document's start)."""
    doc = _document(plan, op, desired.get(op.account, ()))
    message = f"campaign '{op.campaign}': {refusal.message}"
    if doc is None:
        return Problem(None, refusal.rule, f"{op.account} / {message}")
    field = refusal.field
    pos = doc.source.pos((field,)) if field and field in doc.fields else doc.source.pos(())
    return Problem(pos, refusal.rule, message)


def _document(plan: Plan, op: Operation, desired: Sequence[Desired]) -> Desired | None:
    """The desired campaign ``op`` belongs to: by label, or by the pinned id of the campaign it targets."""
    for d in desired:
        if d.label == op.campaign:
            return d
    ids = {t.id for t in plan.targets if t.account == op.account and t.campaign == op.campaign}
    return next((d for d in desired if d.pinned_id is not None and d.pinned_id in ids), None)
