"""Applying a saved plan safely: only if what it was made from is still what is live (ENG-07)."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.errors import Problem
from reconciler.model import LiveState, Target

RULE = "ENG-07"


def stale(targets: Iterable[Target], live: LiveState, shown: str) -> list[Problem]:
    """A problem per touched campaign that changed, vanished or appeared since the plan was made."""
    by_id = {c.id: c for c in live.campaigns}
    keys = {c.key for c in live.campaigns}
    problems: list[Problem] = []
    for t in targets:
        where = f"{shown}: {t.account} / {t.campaign}"
        if t.fingerprint is not None:
            now = by_id.get(t.id)
            if now is None:
                problems.append(Problem(None, RULE, f"{where}: campaign {t.id} no longer exists"))
            elif now.fingerprint() != t.fingerprint:
                problems.append(Problem(None, RULE, f"{where}: campaign {t.id} changed since the plan was made"))
        elif t.key is not None and t.key in keys:
            problems.append(Problem(None, RULE, f"{where}: a campaign with this name appeared since the plan "
                                                "was made"))
    return problems
