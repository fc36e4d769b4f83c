"""Enswitch planning: (desired, live) -> the calls Enswitch will accept.

Each function names the rule it honours; a desired state Enswitch would refuse is a located problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.errors import Problem, ProblemsError
from reconciler.model import Action, Desired, Effect, FieldChange, Live, LiveState, Operation, SideEffect, op_id
from reconciler.providers.base import AccountContext, Match
from reconciler.providers.enswitch.fields import KEEP, REQUIRED_ON_CREATE, integer, normalise
from reconciler.providers.enswitch.model import DEFAULT_VERSION, has_keep_agents, negative_keep_problem

CREATE = "bulk/campaigns/create"
UPDATE = "bulk/campaigns/update"
DELETE = "bulk/campaigns/delete"


def offline_problems(desired: Sequence[Desired]) -> list[Problem]:
    """ENS-02 where the document alone shows it: a negative keep_agents_available with a dtype not queue."""
    problems: list[Problem] = []
    for d in desired:
        text = negative_keep_problem(d.fields.get(KEEP), d.fields.get("dtype"))
        if text is not None:
            problems.append(Problem(d.source.pos((KEEP,)), "ENS-02", text))
    return problems


def plan(account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
         live: LiveState) -> list[Operation]:
    """One call per campaign that differs: create, update, or (with prune) delete."""
    version = str(account.settings.get("version", DEFAULT_VERSION))
    ops: list[Operation] = []
    problems: list[Problem] = []
    for m in matches:
        found = _version_problems(m.desired, version) + _live_problems(m)
        if m.live is None:
            found += _create_problems(m.desired)
        problems.extend(found)
        if found:
            continue
        if m.live is None:
            ops.append(_create(account.name, m.desired))
        elif m.changes:
            ops.append(_update(account.name, m, has_keep_agents(version)))
    if problems:
        raise ProblemsError(problems)
    if account.prune:
        ops.extend(_delete(account.name, live) for live in orphans)
    return ops



def _version_problems(d: Desired, version: str) -> list[Problem]:
    """ENS-06: keep_agents_available exists from Enswitch 4.2."""
    if KEEP in d.fields and not has_keep_agents(version):
        return [Problem(d.source.pos((KEEP,), key=True), "ENS-06",
                        f"keep_agents_available exists from Enswitch 4.2; the account's server is {version} "
                        "(version in reconciler.yaml): remove the field or correct the version")]
    return []


def _live_problems(m: Match) -> list[Problem]:
    """ENS-02 against the live value of the field the document does not set."""
    if m.live is None or not ({KEEP, "dtype"} & set(m.desired.fields)):
        return []
    live = m.live.fields
    keep = integer(m.desired.fields.get(KEEP, live.get(KEEP, 0)))
    text = negative_keep_problem(keep, normalise("dtype", m.desired.fields.get("dtype", live.get("dtype"))))
    if text is None or (KEEP in m.desired.fields and "dtype" in m.desired.fields):
        return []  # both in the document: the offline check reports it
    where = (KEEP,) if KEEP in m.desired.fields else ("dtype",)
    return [Problem(m.desired.source.pos(where), "ENS-02", f"{text} once this change is made")]


def _create_problems(d: Desired) -> list[Problem]:
    """ENS-07: a create needs name, dtype and dnumber."""
    missing = [name for name in REQUIRED_ON_CREATE if name not in d.fields]
    if not missing:
        return []
    return [Problem(d.source.pos(()), "ENS-07",
                    f"campaign '{d.label}' does not exist yet, and creating it needs {', '.join(missing)}")]


def _create(account: str, d: Desired) -> Operation:
    """bulk/campaigns/create with every field the document sets; Enswitch's defaults fill the rest."""
    effects: tuple[SideEffect, ...] = ()
    if "enabled" not in d.fields:
        effects = (SideEffect(Effect.SERVER, "enabled is not set: Enswitch creates the campaign enabled (1), "
                                             "so it starts calling (ENS-07 defaults)"),)
    return Operation(id=op_id(account, d.label, "create"), account=account, campaign=d.label,
                     action=Action.CREATE, method=CREATE, request=dict(d.fields),
                     changes=tuple(FieldChange(k, None, v) for k, v in d.fields.items()), side_effects=effects)


def _update(account: str, m: Match, keep_known: bool) -> Operation:
    """ENS-01: id, the changed fields, and keep_agents_available unless desired and live are both 0."""
    assert m.live is not None
    request: dict[str, Any] = {"id": m.live.id, **{k: after for k, (_, after) in m.changes.items()}}
    reason = ""
    live_keep = integer(m.live.fields.get(KEEP, 0))
    keep = m.desired.fields.get(KEEP, live_keep)
    if keep_known and KEEP not in request and not (keep == 0 and live_keep == 0):
        request[KEEP] = keep
        reason = (f"keep_agents_available is sent unchanged ({keep}): Enswitch resets it to 0 when an update "
                  "leaves it out (ENS-01)")
    return Operation(id=op_id(account, m.label, "update"), account=account, campaign=m.label,
                     action=Action.UPDATE, method=UPDATE, request=request, changes=_changes(m.changes),
                     reason=reason)


def _changes(changes: Mapping[str, tuple[Any, Any]]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(name, before, after) for name, (before, after) in sorted(changes.items()))


def _delete(account: str, live: Live) -> Operation:
    return Operation(id=op_id(account, live.label, "delete"), account=account, campaign=live.label,
                     action=Action.DELETE, method=DELETE, request={"id": live.id},
                     changes=(FieldChange("id", live.id, None),),
                     reason="no document describes it and the account sets prune: true (ENG-03)")
