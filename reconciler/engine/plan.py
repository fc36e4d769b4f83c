"""Planning: match desired to live, ask the provider for operations, order them deterministically."""

from __future__ import annotations

import graphlib
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.errors import Problem, ProblemsError
from reconciler.model import Action, Desired, Live, LiveState, Operation, Target
from reconciler.providers.base import AccountContext, Match, Provider, differences

IDENTITY = "IDENTITY"
LIFECYCLE = "LIFECYCLE"


@dataclass(frozen=True)
class AccountPlan:
    """One account's share of a plan, with what the safety checks need to know."""

    operations: list[Operation]
    targets: list[Target]
    managed: int
    """Live campaigns under management: matched ones, and every other one when the account prunes."""


def plan_live(provider: Provider, account: AccountContext, desired: Sequence[Desired],
              live: LiveState) -> AccountPlan:
    matches, orphans = match(provider, provider.resolve(desired, live), live)
    operations = provider.plan(account, matches, orphans, live)
    problems = protected(provider, matches, operations)
    if problems:
        raise ProblemsError(problems)
    managed = sum(1 for m in matches if m.live is not None) + (len(orphans) if account.prune else 0)
    return AccountPlan(operations, targets(account.name, matches, orphans, operations), managed)


def protected(provider: Provider, matches: Sequence[Match], operations: Sequence[Operation]) -> list[Problem]:
    """``lifecycle.prevent_destroy`` forbids any plan that deletes or replaces the campaign."""
    destroyed = {op.campaign for op in operations if op.action in (Action.DELETE, Action.REPLACE)}
    return [Problem(m.desired.source.pos(("lifecycle", "prevent_destroy")), LIFECYCLE,
                    f"campaign '{m.label}' would be {'replaced' if m.live is not None else 'deleted'}, "
                    "but lifecycle.prevent_destroy is set")
            for m in matches if m.desired.lifecycle.prevent_destroy and m.label in destroyed]


def targets(account: str, matches: Sequence[Match], orphans: Sequence[Live],
            operations: Sequence[Operation]) -> list[Target]:
    """Each campaign the operations touch: its fingerprint now and the fields it must have afterwards."""
    touched = {op.campaign for op in operations}
    found: list[Target] = []
    for m in matches:
        if m.label in touched:
            live = m.live
            found.append(Target(account, m.label, None if live is None else live.id, m.desired.key,
                                None if live is None else live.fingerprint(), m.desired.fields,
                                m.desired.lifecycle.ignore_changes))
    for o in orphans:
        if o.label in touched:
            found.append(Target(account, o.label, o.id, o.key, o.fingerprint(), None))
    return sorted(found, key=lambda t: (t.campaign, str(t.id)))


def match(provider: Provider, desired: Sequence[Desired], live: LiveState) -> tuple[list[Match], list[Live]]:
    """Pair each desired campaign with its live one, by pinned id or else by key (ambiguity is an error)."""
    pinned = {d.pinned_id for d in desired if d.pinned_id is not None}
    by_id = {c.id: c for c in live.campaigns} if pinned else {}
    by_key: dict[object, list[Live]] = {}
    for c in live.campaigns:
        if c.id not in pinned:
            same = by_key.get(c.key)
            if same is None:
                by_key[c.key] = [c]
            else:
                same.append(c)
    matches: list[Match] = []
    problems: list[Problem] = []
    changes_of = differences(provider)
    for d in desired:
        found: Live | None
        if d.pinned_id is not None:
            found = by_id.get(d.pinned_id)
            if found is None:
                problems.append(Problem(d.source.pos((provider.id_field,)), IDENTITY,
                                        f"no live campaign has {provider.id_field} {d.pinned_id}"))
                continue
        else:
            candidates = by_key.get(d.key, [])
            if len(candidates) > 1:
                ids = ", ".join(str(c.id) for c in sorted(candidates, key=lambda c: str(c.id)))
                problems.append(Problem(d.source.pos((provider.key_field,)), IDENTITY,
                                        f"{len(candidates)} live campaigns have {provider.key_field} "
                                        f"'{d.key}' ({provider.id_field}s {ids}): pin one with "
                                        f"'{provider.id_field}:'"))
                continue
            found = candidates[0] if candidates else None
        changes = {} if found is None else changes_of(d.fields, found, d.lifecycle.ignore_changes)
        matches.append(Match(d, found, changes))
    if problems:
        raise ProblemsError(problems)
    matched = {m.live.id for m in matches if m.live is not None}
    orphans = sorted((c for c in live.campaigns if c.id not in matched), key=lambda c: (str(c.key), str(c.id)))
    return matches, orphans


def order(operations: Iterable[Operation]) -> tuple[Operation, ...]:
    """Dependencies first; among operations that are ready, by (account, campaign, id) (ENG-01)."""
    ops = {op.id: op for op in operations}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for op in ops.values():
        sorter.add(op.id, *(w for w in op.waits_for if w in ops))
    sorter.prepare()
    out: list[Operation] = []
    ready: list[tuple[str, str, str]] = []  # a heap: the smallest ready operation runs next
    while sorter.is_active():
        for i in sorter.get_ready():
            heapq.heappush(ready, (ops[i].account, ops[i].campaign, i))
        _, _, first = heapq.heappop(ready)
        out.append(ops[first])
        sorter.done(first)
    return tuple(out)
