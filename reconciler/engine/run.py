"""A whole plan across accounts: every account planned concurrently, all problems gathered."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from reconciler.config import Config
from reconciler.engine.connect import context
from reconciler.engine.plan import order, plan_account
from reconciler.errors import ProblemsError
from reconciler.model import Desired, Operation, Plan
from reconciler.providers import PROVIDERS
from reconciler.providers.base import Session


async def make_plan(config: Config, desired: Mapping[str, Sequence[Desired]],
                    sessions: Mapping[str, Session]) -> Plan:
    names = sorted(desired)
    results = await asyncio.gather(
        *(plan_account(PROVIDERS[config.accounts[n].provider], context(config.accounts[n]), desired[n],
                       sessions[n]) for n in names),
        return_exceptions=True)
    problems = [p for r in results if isinstance(r, ProblemsError) for p in r.problems]
    if problems:
        raise ProblemsError(problems)
    operations: list[Operation] = []
    for r in results:
        if isinstance(r, BaseException):
            raise r
        operations.extend(r[0])
    return Plan(order(operations), tuple(names))
