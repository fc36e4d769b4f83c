"""Targeting: a plan narrowed to chosen campaigns (``--campaign`` globs, the documents a PATH stands for) and
every campaign they wait for, each one pulled in said so.

What waits for what comes from the operations' ``waits_for``, whatever the vendor's reason (a UIS number
handed over between campaigns, a CallFire control call after its update): the whole campaign an operation
waits for is pulled in, since a campaign half carried out (a temporary call without its final one) is
worse than one not touched.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from reconciler.engine.plan import AccountPlan
from reconciler.errors import Problem
from reconciler.model import Caution, Desired, LiveState, Operation, PlanWarning

RULE = "TARGET"
SHOWN = 10
"""Campaign names a targeting note lists before it only counts the rest."""


@dataclass(frozen=True)
class Targets:
    """The campaigns a run is limited to: those ``campaigns`` globs name (by name, or as the plan labels them),
    among those ``described`` (account and label; None: any)."""

    campaigns: tuple[str, ...] = ()
    described: frozenset[tuple[str, str]] | None = None
    scope: str = ""
    """Which documents describe them, for the note (``the documents under campaigns/topsort``)."""

    @property
    def active(self) -> bool:
        return bool(self.campaigns) or self.described is not None

    def how(self) -> str:
        parts = [" ".join(f"--campaign '{c}'" for c in self.campaigns)] if self.campaigns else []
        return " and ".join([*parts, *([self.scope] if self.described is not None else [])])


def names(desired: Sequence[Desired], live: LiveState) -> dict[str, set[str]]:
    """Campaign label (as operations name it) -> the names a glob may match it by: the label and the key."""
    out: dict[str, set[str]] = {}
    by_key = {d.key for d in desired if d.pinned_id is None}  # their live campaigns go by the documents' labels
    for label, key in [*((d.label, d.key) for d in desired),
                       *((c.label, c.key) for c in live.campaigns if c.key not in by_key)]:
        out.setdefault(label, {label}).update([key] if key is not None else [])
    return out


def chosen(targets: Targets, account: str, desired: Sequence[Desired], live: LiveState) -> set[str]:
    """The labels of the account's campaigns ``targets`` chooses."""
    found = set(names(desired, live))
    if targets.campaigns:
        found = {label for label, known in names(desired, live).items()
                 if any(fnmatchcase(n, glob) for n in known for glob in targets.campaigns)}
    if targets.described is not None:
        found &= {label for name, label in targets.described if name == account}
    return found


def unmatched(targets: Targets, desired: Mapping[str, Sequence[Desired]], live: Mapping[str, LiveState]
              ) -> list[Problem]:
    """A problem for each ``--campaign`` glob that names no campaign of any account planned."""
    known = sorted({n for account in desired for ns in names(desired[account], live[account]).values() for n in ns})
    problems = []
    for glob in targets.campaigns:
        if not any(fnmatchcase(n, glob) for n in known):
            hint = difflib.get_close_matches(glob, known, n=1)
            problems.append(Problem(None, RULE, f"--campaign '{glob}' matches no campaign of account(s) "
                                                f"{', '.join(sorted(desired))}"
                                    + (f" (did you mean '{hint[0]}'?)" if hint else "")))
    return problems


def closure(operations: Sequence[Operation], start: Iterable[str]) -> tuple[set[str], dict[str, Operation]]:
    """The campaigns of ``start`` and those their operations wait for, over and over; each campaign pulled
    in -> the first operation found waiting for it."""
    by_id = {op.id: op for op in operations}
    by_campaign: dict[str, list[Operation]] = {}
    for op in operations:
        by_campaign.setdefault(op.campaign, []).append(op)
    keep = set(start)
    pulled: dict[str, Operation] = {}
    todo = sorted(keep)
    while todo:
        for op in by_campaign.get(todo.pop(0), []):
            for dep in op.waits_for:
                needed = by_id.get(dep)
                if needed is not None and needed.campaign not in keep:
                    keep.add(needed.campaign)
                    pulled[needed.campaign] = op
                    todo.append(needed.campaign)
    return keep, pulled


def narrow(account: str, part: AccountPlan, targets: Targets, chosen_labels: set[str]
           ) -> tuple[AccountPlan, list[PlanWarning]]:
    """The account's share of the plan limited to the chosen campaigns and what they wait for, with notes
    saying so."""
    keep, pulled = closure(part.operations, chosen_labels)
    ops = [op for op in part.operations if op.campaign in keep]
    planned = sorted({op.campaign for op in ops if op.campaign not in pulled})
    listed = ", ".join(f"'{c}'" for c in planned[:SHOWN]) + (f" and {len(planned) - SHOWN} more"
                                                               if len(planned) > SHOWN else "")
    notes = [PlanWarning(account, Caution.TARGET,
                         f"targeted by {targets.how()}: {len(chosen_labels)} campaign(s), {len(planned)} with "
                         f"changes{f' ({listed})' if planned else ''}; other campaigns are left out of this plan")
             ] if chosen_labels else []
    for campaign, waiter in sorted(pulled.items()):
        why = f": {waiter.reason}" if waiter.reason else ""
        notes.append(PlanWarning(account, Caution.TARGET, f"campaign '{campaign}' is pulled in: '{waiter.campaign}' "
                                                          f"waits for it{why}"))
    return replace(part, operations=ops, targets=[t for t in part.targets if t.campaign in keep]), notes
