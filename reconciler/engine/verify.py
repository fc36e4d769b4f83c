"""After apply: read the touched campaigns back and compare them with what the plan set out to do."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from reconciler.diff import changed_fields
from reconciler.model import Live, LiveState, Target
from reconciler.providers.base import Provider
from reconciler.render.text import value


def mismatches(provider: Provider, targets: Iterable[Target], live: LiveState) -> list[str]:
    """One line per target that does not look as the plan said it would; empty when all do."""
    by_id = {c.id: c for c in live.campaigns}
    by_key: dict[str | None, list[Live]] = defaultdict(list)
    for c in live.campaigns:
        by_key[c.key].append(c)
    lines: list[str] = []
    for t in targets:
        where = f"{t.account} / {t.campaign}"
        if t.expect is None:
            if t.id in by_id:
                lines.append(f"{where}: still exists (id {t.id}) although the plan deletes it")
            continue
        found = _find(t, by_id, by_key[t.key] if t.key is not None else [])
        if found is None:
            lines.append(f"{where}: not found after apply")
            continue
        for name, (now, wanted) in changed_fields(t.expect, provider.live_fields(found), t.ignore_changes).items():
            lines.append(f"{where}: {name} is {value(now)}, the plan set {value(wanted)}")
    return lines


def _find(t: Target, by_id: dict[object, Live], same_key: Sequence[Live]) -> Live | None:
    """By its planned id; a created or replaced campaign has a new id and is found by its key."""
    if t.id is not None and t.id in by_id:
        return by_id[t.id]
    return same_key[0] if len(same_key) == 1 else None
