"""Planning: match desired to live, ask the provider for operations, order them deterministically."""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

from reconciler.diff import changed_fields
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Desired, Live, LiveState, Operation
from reconciler.providers.base import AccountContext, Match, Provider, Session

IDENTITY = "IDENTITY"


async def plan_account(provider: Provider, account: AccountContext, desired: Sequence[Desired],
                       session: Session) -> tuple[list[Operation], LiveState]:
    live = await session.read()
    matches, orphans = match(provider, desired, live)
    return provider.plan(account, matches, orphans, live), live


def match(provider: Provider, desired: Sequence[Desired], live: LiveState) -> tuple[list[Match], list[Live]]:
    """Pair each desired campaign with its live one, by pinned id or else by key (ambiguity is an error)."""
    by_id = {c.id: c for c in live.campaigns}
    pinned = {d.pinned_id for d in desired if d.pinned_id is not None}
    by_key: dict[object, list[Live]] = defaultdict(list)
    for c in live.campaigns:
        if c.id not in pinned:
            by_key[c.key].append(c)
    matches: list[Match] = []
    problems: list[Problem] = []
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
        changes = {} if found is None else changed_fields(d.fields, provider.live_fields(found),
                                                          d.lifecycle.ignore_changes)
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
    ready: list[Operation] = []
    while sorter.is_active():
        ready.extend(ops[i] for i in sorter.get_ready())
        ready.sort(key=lambda o: (o.account, o.campaign, o.id), reverse=True)
        op = ready.pop()
        out.append(op)
        sorter.done(op.id)
    return tuple(out)
