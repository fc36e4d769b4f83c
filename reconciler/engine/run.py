"""A whole plan across accounts: every account planned concurrently, all problems gathered."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence

from reconciler.config import Config
from reconciler.engine.apply import Outcome, Status
from reconciler.engine.connect import context
from reconciler.engine.plan import AccountPlan, order, plan_live
from reconciler.engine.safety import thresholds
from reconciler.engine.saved import RULE as RULE_SAVED
from reconciler.engine.saved import stale
from reconciler.engine.verify import from_answers, mismatches
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Desired, LiveState, Operation, Plan, PlanWarning, Target
from reconciler.providers import PROVIDERS
from reconciler.providers.base import Session


def make_plan(config: Config, desired: Mapping[str, Sequence[Desired]], live: Mapping[str, LiveState]) -> Plan:
    """The plan for every account of ``desired`` against its ``live`` state; raises the problems of all
    accounts at once."""
    parts: dict[str, AccountPlan] = {}
    problems: list[Problem] = []
    for n in sorted(desired):
        try:
            parts[n] = plan_live(PROVIDERS[config.accounts[n].provider], context(config, config.accounts[n]),
                                 desired[n], live[n])
        except ProblemsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return combine(config, parts)


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
    states = await asyncio.gather(*(sessions[n].read(expected.get(n, 0)) for n in names))
    return dict(zip(names, states, strict=True))


async def check_saved(config: Config, plan: Plan, sessions: Mapping[str, Session], shown: str) -> None:
    """Refuse a saved plan, before any write, if a campaign it touches changed since (ENG-07)."""
    live = await read_all(sessions, plan.accounts)
    problems = [p for name in plan.accounts for p in stale(plan.for_account(name).targets, live[name], shown)]
    if problems:
        raise ProblemsError([*problems, Problem(None, RULE_SAVED, f"{shown}: the plan is out of date; make a "
                                                                  "new one")])


async def verify(config: Config, plan: Plan, outcomes: Sequence[Outcome],
                 sessions: Mapping[str, Session]) -> list[str]:
    """Read back every account that changed (unless the answers to its writes are the read-back); the targets
    whose operations all succeeded must match."""
    status: dict[tuple[str, str], set[Status]] = defaultdict(set)
    for o in outcomes:
        status[(o.operation.account, o.operation.campaign)].add(o.status)
    done = {key for key, seen in status.items() if seen == {Status.DONE}}
    names = sorted({account for account, _ in done})
    targets = {name: [t for t in plan.for_account(name).targets if (t.account, t.campaign) in done]
               for name in names}
    answered = {name: from_answers(sessions[name], (o for o in outcomes if o.operation.account == name),
                                   targets[name]) for name in names}
    live = await read_all(sessions, [name for name in names if answered[name] is None])
    lines: list[str] = []
    for name in names:
        provider = PROVIDERS[config.accounts[name].provider]
        state = answered[name]
        lines.extend(mismatches(provider, targets[name], live[name] if state is None else state))
    return lines
