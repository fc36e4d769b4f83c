"""After apply: read the touched campaigns back and compare them with what the plan set out to do.

A vendor whose writes answer with the whole campaign (``WriteAnswers``) is not read again: the answers
are the read-back, as long as they describe every touched campaign that must exist afterwards. Otherwise
the touched campaigns are read back by their ids and keys where the vendor's API can select them
(``ReadsTouched``), so that the read is proportional to the change; else the whole account is read.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, cast

from reconciler.engine.apply import Outcome, Status
from reconciler.errors import failures
from reconciler.model import Live, LiveState, Target
from reconciler.providers.base import Provider, ReadsTouched, Session, WriteAnswers, differences
from reconciler.render.text import value


def mismatches(provider: Provider, targets: Iterable[Target], live: LiveState) -> list[str]:
    """One line per target that does not look as the plan said it would; empty when all do."""
    by_id = {c.id: c for c in live.campaigns}
    by_key: dict[str | None, list[Live]] = defaultdict(list)
    for c in live.campaigns:
        by_key[c.key].append(c)
    lines: list[str] = []
    changes_of = differences(provider)
    for t in targets:
        where = f"{t.account} / {t.campaign}"
        if t.expect is None:
            if t.id in by_id:
                lines.append(f"{where}: still exists (id {t.id}) although the plan deletes it")
            continue
        found = _find(t, by_id, by_key[t.key] if t.key is not None else [])
        if found is None:
            twins = by_key[t.key] if t.key is not None else []
            lines.append(f"{where}: {len(twins)} campaigns have its name after apply (ids "
                         f"{', '.join(str(c.id) for c in twins)}): a duplicate" if len(twins) > 1 else
                         f"{where}: not found after apply")
            continue
        changes = changes_of(t.expect, found, t.ignore_changes)
        for name, (now, wanted) in changes.items():
            lines.append(f"{where}: {name} is {value(now)}, the plan set {value(wanted)}")
    return lines


def _find(t: Target, by_id: dict[object, Live], same_key: Sequence[Live]) -> Live | None:
    """By its planned id; a created or replaced campaign has a new id and is found by its key."""
    if t.id is not None and t.id in by_id:
        return by_id[t.id]
    return same_key[0] if len(same_key) == 1 else None


def from_answers(session: Session, outcomes: Iterable[Outcome], targets: Sequence[Target]) -> LiveState | None:
    """The touched campaigns as the answers to the operations that succeeded describe them, when the session
    answers writes with whole campaigns and the answers cover every target that must exist; else None (read)."""
    if not isinstance(session, WriteAnswers):
        return None
    found: dict[Any, Live] = {}
    for o in outcomes:  # in plan order: a later answer about a campaign replaces an earlier one
        live = session.answered(o.operation, o.result) if o.status is Status.DONE else None
        if live is not None:
            found[live.id] = live
    by_key: dict[str | None, list[Live]] = defaultdict(list)
    for c in found.values():
        by_key[c.key].append(c)
    for t in targets:
        if t.expect is not None and _find(t, found, by_key[t.key] if t.key is not None else []) is None:
            return None
    return LiveState(tuple(found.values()))


async def read_back(sessions: Mapping[str, Session], targets: Mapping[str, Sequence[Target]],
                    whole: Collection[str] = ()) -> dict[str, LiveState]:
    """The live state of each account of ``targets`` to compare them with: only the touched campaigns when
    the session can read some (by their planned ids, and by their keys for those created or replaced), else
    the whole account, as for the accounts of ``whole`` (a lost answer may have left a duplicate the touched
    campaigns do not show). Read concurrently; every account's failure is raised at once, naming it."""

    async def read(name: str) -> LiveState:
        session = sessions[name]
        if name in whole or not isinstance(session, ReadsTouched):
            return await session.read()
        touched = targets[name]
        return await session.read_touched({t.id for t in touched if t.id is not None},
                                          {t.key for t in touched if t.key is not None})

    names = sorted(targets)
    states = await asyncio.gather(*(read(name) for name in names), return_exceptions=True)
    failed = [(n, s) for n, s in zip(names, states, strict=True) if isinstance(s, BaseException)]
    if failed:
        raise failures("reading back the touched campaigns", failed)
    return dict(zip(names, cast(list[LiveState], states), strict=True))
