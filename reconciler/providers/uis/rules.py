"""UIS planning: (desired, live) -> the calls UIS will accept, in an order that works.

Each function names the rule it honours; a desired state UIS would refuse is a located problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.diff import leaf_changes
from reconciler.errors import Problem, ProblemsError
from reconciler.model import (
    Action,
    Desired,
    Effect,
    FieldChange,
    Live,
    LiveState,
    Operation,
    ResultRef,
    SideEffect,
    op_id,
)
from reconciler.providers.base import AccountContext, Match
from reconciler.providers.uis.checks import References, block_problems
from reconciler.providers.uis.fields import DISPLAY_KEYS, any_tracking, normalise, request_value
from reconciler.providers.uis.handover import order_handovers

CREATE_FIELDS = ("name", "description", "status", "site_id", "site_blocks", "dynamic_call_tracking",
                 "campaign_conditions")
UPDATE_ONLY_FIELDS = ("cost_ratio", "cost_ratio_operator")
SYSTEM_UPDATABLE = frozenset({"site_blocks", "dynamic_call_tracking"})
DCT = "dynamic_call_tracking"


def offline_problems(desired: Sequence[Desired]) -> list[Problem]:
    """Rules checkable without live state."""
    problems: list[Problem] = []
    for d in desired:
        if d.fields.get("status") == "inactive" and d.fields.get("site_blocks"):
            problems.append(Problem(d.source.pos(("site_blocks",), key=True), "UIS-07",
                                    "site_blocks cannot be set on an inactive campaign "
                                    "(making it inactive resets them); remove them or set status: active"))
    return problems


def plan(account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
         live: LiveState) -> list[Operation]:
    """The calls per campaign, checked against the account's reference data (``live.references``) and ordered
    so that a number moving between campaigns is released before it is taken (UIS-09, ``handover``)."""
    references = live.references
    ops: list[Operation] = []
    problems: list[Problem] = []
    for m in matches:
        if m.live is None:
            found, found_problems = _create(account.name, m.desired)
        elif m.changes:
            found, found_problems = _update(account.name, m)
        else:
            continue
        ops.extend(found)
        problems.extend(found_problems)
    if account.prune:
        ops.extend(_delete(account.name, o) for o in orphans if o.fields.get("type", "basic") == "basic")
    problems.extend(block_problems(matches, References.of(references, account.settings.get("components"))))
    if problems:
        raise ProblemsError(problems)
    return order_handovers(ops, matches, orphans, references)



def _changes(fields: Mapping[str, tuple[Any, Any]]) -> tuple[FieldChange, ...]:
    out: list[FieldChange] = []
    for name, (before, after) in fields.items():
        out.extend(leaf_changes(name, before, after, DISPLAY_KEYS))
    return tuple(out)


def _blank(value: Any) -> Any:
    """The empty value of a created field's type, so its display lists it item by item."""
    return type(value)() if isinstance(value, dict | list) else None


def _purchase(before: Any, after: Any) -> tuple[SideEffect, ...]:
    """UIS-13: a rise in count_virtual_numbers buys numbers."""
    old = (before or {}).get("count_virtual_numbers") or 0
    new = (after or {}).get("count_virtual_numbers") or 0
    if new <= old:
        return ()
    return (SideEffect(Effect.PURCHASE,
                       f"buys {new - old} virtual number(s) for dynamic call tracking ({old} -> {new})"),)


def _create(account: str, d: Desired, replaces: Operation | None = None) -> tuple[list[Operation], list[Problem]]:
    """create.campaigns (UIS-04/05/12), then cost_ratio fields in an update; after ``replaces`` if given."""
    fields = d.fields
    label = d.label
    problems: list[Problem] = []
    if "site_id" not in fields:
        problems.append(Problem(d.source.pos(()), "UIS-04", f"site_id is required to create campaign '{label}'"))
    if "name" not in fields:
        problems.append(Problem(d.source.pos(()), "UIS-05", "name is required to create a campaign"))
    if any_tracking(fields.get("site_blocks")) and DCT not in fields:
        problems.append(Problem(d.source.pos(("site_blocks",), key=True), "UIS-12",
                                "a block enables dynamic call tracking, so dynamic_call_tracking must be set"))
    if problems:
        return [], problems
    create = Operation(
        id=op_id(account, label, "create"), account=account, campaign=label,
        action=Action.CREATE if replaces is None else Action.REPLACE, method="create.campaigns",
        # an empty block list is what a new campaign has anyway, and UIS-07 refuses one with status inactive
        request={k: request_value(k, fields[k]) for k in CREATE_FIELDS if k in fields and fields[k] != []},
        changes=_changes({k: (_blank(fields[k]), fields[k]) for k in CREATE_FIELDS if k in fields}),
        side_effects=_purchase(None, fields.get(DCT)),
        waits_for=() if replaces is None else (replaces.id,),
        reason="" if replaces is None else "the campaign is created again once the old one is deleted "
                                            "(UIS-04, lifecycle.allow_replace)")
    later = {k: fields[k] for k in UPDATE_ONLY_FIELDS if k in fields}
    if not later:
        return [create], []
    follow = Operation(
        id=op_id(account, label, "update"), account=account, campaign=label, action=Action.UPDATE,
        method="update.campaigns", request={"id": ResultRef(create.id, "id"), "site_id": fields["site_id"], **later},
        changes=_changes({k: (None, v) for k, v in later.items()}), waits_for=(create.id,),
        reason="create.campaigns does not take cost_ratio fields: they are set once the campaign exists")
    return [create, follow], []


def _update(account: str, m: Match) -> tuple[list[Operation], list[Problem]]:
    assert m.live is not None
    d, live, changes = m.desired, m.live, dict(m.changes)
    label = m.label
    problems = _update_problems(d, live, changes)
    if problems:
        return [], problems
    if "site_id" in changes:
        return _replace(account, m)
    base: dict[str, Any] = {"id": live.id, "site_id": live.fields.get("site_id")}
    live_status = live.fields.get("status", "active")
    status_after = d.fields.get("status", live_status)
    side_effects = _purchase(*changes[DCT]) if DCT in changes else ()
    if status_after == "inactive" and live_status == "active" and live.fields.get("site_blocks"):
        # UIS-06: deactivation resets every block; the desired list is empty (UIS-07 offline check).
        changes.pop("site_blocks", None)
        reset = ", ".join(str(b.get("site_block_id")) for b in live.fields["site_blocks"])
        side_effects += (SideEffect(Effect.RESET,
                                    f"resets site blocks {reset} (UIS-06: an inactive campaign keeps no blocks)"),)
    if live_status == "inactive" and "site_blocks" in changes:
        # UIS-07: activation is its own call; the blocks follow once the campaign is active.
        blocks = {k: changes.pop(k) for k in ("site_blocks", DCT) if k in changes}
        first = _update_op(account, label, "activate", base, changes, d, live, side_effects)
        second = _update_op(account, label, "update-blocks", base, blocks, d, live, (),
                            waits=(first.id,), reason="site_blocks can change only once the campaign is "
                            "active (UIS-07)")
        return [first, second], []
    return [_update_op(account, label, "update", base, changes, d, live, side_effects)], []


def _update_op(account: str, label: str, step: str, base: Mapping[str, Any],
               changes: Mapping[str, tuple[Any, Any]], d: Desired, live: Live,
               side_effects: tuple[SideEffect, ...],
               waits: tuple[str, ...] = (), reason: str = "") -> Operation:
    """UIS-02/-04/-12: id, the current site_id and only the changed fields, objects whole."""
    request = {**base, **{k: request_value(k, after) for k, (_, after) in changes.items()}}
    if any_tracking(request.get("site_blocks")) and DCT not in request:
        request[DCT] = d.fields.get(DCT) or normalise(DCT, live.fields.get(DCT))
    return Operation(id=op_id(account, label, step), account=account, campaign=label, action=Action.UPDATE,
                     method="update.campaigns", request=request, changes=_changes(changes),
                     side_effects=side_effects, waits_for=waits, reason=reason)


def _update_problems(d: Desired, live: Live, changes: Mapping[str, tuple[Any, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    kind = live.fields.get("type", "basic")
    if kind != "basic":
        article = "an" if kind[0] in "aeiou" else "a"
        for name in sorted(set(changes) - SYSTEM_UPDATABLE):
            problems.append(Problem(d.source.pos((name,), key=True), "UIS-01",
                                    f"{name} cannot be changed on {article} {kind} campaign: only site_blocks "
                                    "and dynamic_call_tracking can"))
    if "site_id" in changes and not d.lifecycle.allow_replace:
        before, after = changes["site_id"]
        problems.append(Problem(d.source.pos(("site_id",)), "UIS-04",
                                f"site_id cannot change ({before} -> {after}): UIS would need the campaign "
                                "deleted and created again; set lifecycle: {allow_replace: true} to do that"))
    live_status = live.fields.get("status", "active")
    if live_status == "inactive" and "site_blocks" in changes and d.fields.get("status") != "active":
        problems.append(Problem(d.source.pos(("site_blocks",), key=True), "UIS-07",
                                "the campaign is inactive in UIS, so its site_blocks cannot change: "
                                "set status: active"))
    if "site_blocks" in changes and any_tracking(d.fields.get("site_blocks")) \
            and d.fields.get(DCT, normalise(DCT, live.fields.get(DCT))) is None:  # UIS answers none as {}
        problems.append(Problem(d.source.pos(("site_blocks",), key=True), "UIS-12",
                                "a block enables dynamic call tracking, so dynamic_call_tracking must be set"))
    return problems


def _replace(account: str, m: Match) -> tuple[list[Operation], list[Problem]]:
    """UIS-04: site_id is fixed at creation, so the campaign is deleted, then created on the new site."""
    d, live = m.desired, m.live
    assert live is not None
    before, after = live.fields.get("site_id"), d.fields.get("site_id")
    delete = Operation(id=op_id(account, m.label, "delete"), account=account, campaign=m.label,
                       action=Action.REPLACE, method="delete.campaigns", request={"id": live.id},
                       changes=(FieldChange("site_id", before, after),),
                       side_effects=(SideEffect(Effect.OTHER, f"campaign {live.id} is deleted with its "
                                                              "history; the new one gets a new id"),),
                       reason="site_id cannot change in place (UIS-04); lifecycle.allow_replace is set")
    ops, problems = _create(account, d, replaces=delete)
    return ([delete, *ops] if not problems else []), problems


def _delete(account: str, live: Live) -> Operation:
    label = live.label
    return Operation(id=op_id(account, label, "delete"), account=account, campaign=label, action=Action.DELETE,
                     method="delete.campaigns", request={"id": live.id},
                     changes=(FieldChange("id", live.id, None),),
                     reason="no document describes it and the account sets prune: true (ENG-03)")
