"""A whole plan across accounts: every account planned concurrently, all problems gathered."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import cast

from reconciler.config import Config
from reconciler.engine.apply import Outcome, Status
from reconciler.engine.connect import context
from reconciler.engine.plan import AccountPlan, order, plan_live
from reconciler.engine.safety import thresholds
from reconciler.engine.targeting import Targets, chosen, narrow, unmatched
from reconciler.engine.verify import from_answers, mismatches, read_back
from reconciler.errors import Problem, ProblemsError, failures
from reconciler.model import Desired, LiveState, Operation, Plan, PlanWarning, Target
from reconciler.providers import PROVIDERS
from reconciler.providers.base import Session


def make_plan(config: Config, desired: Mapping[str, Sequence[Desired]], live: Mapping[str, LiveState],
              only: Targets | None = None) -> Plan:
    """The plan for every account of ``desired`` against its ``live`` state (limited to the campaigns ``only``
    targets and what they wait for); raises the problems of all accounts at once."""
    parts: dict[str, AccountPlan] = {}
    problems: list[Problem] = []
    for n in sorted(desired):
        try:
            parts[n] = plan_live(PROVIDERS[config.accounts[n].provider], context(config, config.accounts[n]),
                                 desired[n], live[n])
        except ProblemsError as exc:
            problems.extend(exc.problems)
    if only is not None and only.active:
        problems.extend(unmatched(only, desired, live))
    if problems:
        raise ProblemsError(problems)
    if only is None or not only.active:
        return combine(config, parts)
    notes: list[PlanWarning] = []
    for n in sorted(parts):
        parts[n], found = narrow(n, parts[n], only, chosen(only, n, desired[n], live[n]))
        notes.extend(found)
    the_plan = combine(config, parts)
    return replace(the_plan, warnings=(*notes, *the_plan.warnings))


def combine(config: Config, parts: Mapping[str, AccountPlan]) -> Plan:
    """One ordered plan from the accounts' shares, with their threshold warnings."""
    operations: list[Operation] = []
    targets: list[Target] = []
    warnings: list[PlanWarning] = []
    for name in sorted(parts):
        operations.extend(parts[name].operations)
        targets.extend(parts[name].targets)
        warnings.extend(thresholds(name, parts[name], config.safety))
    return Plan(order(operations), tuple(sorted(parts)), tuple(targets), tuple(warnings))


async def read_all(sessions: Mapping[str, Session], names: Sequence[str],
                   expected: Mapping[str, int] | None = None) -> dict[str, LiveState]:
    """Each account's live state, read concurrently; ``expected``: about how many campaigns each account has
    documents for."""
    expected = expected or {}
    states = await asyncio.gather(*(sessions[n].read(expected.get(n, 0)) for n in names), return_exceptions=True)
    failed = [(n, s) for n, s in zip(names, states, strict=True) if isinstance(s, BaseException)]
    if failed:
        raise failures("reading the live campaigns", failed)
    return dict(zip(names, cast(list[LiveState], states), strict=True))


async def verify(config: Config, plan: Plan, outcomes: Sequence[Outcome],
                 sessions: Mapping[str, Session]) -> list[str]:
    """Read back what changed in each account (unless the answers to its writes are the read-back); the
    targets whose operations all succeeded must match."""
    status: dict[tuple[str, str], set[Status]] = defaultdict(set)
    for o in outcomes:
        status[(o.operation.account, o.operation.campaign)].add(o.status)
    done = {key for key, seen in status.items() if seen == {Status.DONE}}
    names = sorted({account for account, _ in done})
    targets = {name: [t for t in plan.for_account(name).targets if (t.account, t.campaign) in done]
               for name in names}
    doubted = {o.operation.account for o in outcomes if o.doubted}  # the vendor may hold more than answered
    answered = {name: None if name in doubted else
                from_answers(sessions[name], (o for o in outcomes if o.operation.account == name), targets[name])
                for name in names}
    # A lost answer may have left a duplicate the touched campaigns do not show: those accounts are read whole.
    live = await read_back(sessions, {name: targets[name] for name in names if answered[name] is None}, doubted)
    lines: list[str] = []
    for name in names:
        provider = PROVIDERS[config.accounts[name].provider]
        state = answered[name]
        lines.extend(mismatches(provider, targets[name], live[name] if state is None else state))
    return lines
