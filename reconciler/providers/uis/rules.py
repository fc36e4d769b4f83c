"""UIS planning: (desired, live) -> the calls UIS will accept, in an order that works.

Each function names the rule it honours; a desired state UIS would refuse is a located problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.diff import leaf_changes
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Action, Desired, FieldChange, Live, Operation, ResultRef
from reconciler.providers.base import AccountContext, Match
from reconciler.providers.uis.fields import DISPLAY_KEYS, any_tracking, normalise, request_value

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


def plan(account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live]) -> list[Operation]:
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
        ops.extend(_delete(account.name, live) for live in orphans if live.fields.get("type", "basic") == "basic")
    if problems:
        raise ProblemsError(problems)
    return ops


def _op_id(account: str, label: str, step: str) -> str:
    return f"{account}:{label}:{step}"


def _changes(fields: Mapping[str, tuple[Any, Any]]) -> tuple[FieldChange, ...]:
    out: list[FieldChange] = []
    for name, (before, after) in fields.items():
        out.extend(leaf_changes(name, before, after, DISPLAY_KEYS))
    return tuple(out)


def _blank(value: Any) -> Any:
    """The empty value of a created field's type, so its display lists it item by item."""
    return type(value)() if isinstance(value, dict | list) else None


def _purchase(before: Any, after: Any) -> tuple[str, ...]:
    """UIS-13: a rise in count_virtual_numbers buys numbers."""
    old = (before or {}).get("count_virtual_numbers") or 0
    new = (after or {}).get("count_virtual_numbers") or 0
    return (f"buys {new - old} virtual number(s) for dynamic call tracking ({old} -> {new})",) if new > old else ()


def _create(account: str, d: Desired) -> tuple[list[Operation], list[Problem]]:
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
        id=_op_id(account, label, "create"), account=account, campaign=label, action=Action.CREATE,
        method="create.campaigns",
        request={k: request_value(k, fields[k]) for k in CREATE_FIELDS if k in fields},
        changes=_changes({k: (_blank(fields[k]), fields[k]) for k in CREATE_FIELDS if k in fields}),
        side_effects=_purchase(None, fields.get(DCT)))
    later = {k: fields[k] for k in UPDATE_ONLY_FIELDS if k in fields}
    if not later:
        return [create], []
    follow = Operation(
        id=_op_id(account, label, "update"), account=account, campaign=label, action=Action.UPDATE,
        method="update.campaigns", request={"id": ResultRef(create.id, "id"), "site_id": fields["site_id"], **later},
        changes=_changes({k: (None, v) for k, v in later.items()}), waits_for=(create.id,),
        reason="create.campaigns does not take cost_ratio fields: they are set once the campaign exists")
    return [create, follow], []


def _update(account: str, m: Match) -> tuple[list[Operation], list[Problem]]:
    assert m.live is not None
    d, live, changes = m.desired, m.live, dict(m.changes)
    label = d.key or str(live.key)
    problems = _update_problems(d, live, changes)
    if problems:
        return [], problems
    base: dict[str, Any] = {"id": live.id, "site_id": live.fields.get("site_id")}
    live_status = live.fields.get("status", "active")
    status_after = d.fields.get("status", live_status)
    side_effects = _purchase(*changes[DCT]) if DCT in changes else ()
    if status_after == "inactive" and live_status == "active" and live.fields.get("site_blocks"):
        # UIS-06: deactivation resets every block; the desired list is empty (UIS-07 offline check).
        changes.pop("site_blocks", None)
        reset = ", ".join(str(b.get("site_block_id")) for b in live.fields["site_blocks"])
        side_effects += (f"resets site blocks {reset} (UIS-06: an inactive campaign keeps no blocks)",)
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
               changes: Mapping[str, tuple[Any, Any]], d: Desired, live: Live, side_effects: tuple[str, ...],
               waits: tuple[str, ...] = (), reason: str = "") -> Operation:
    """UIS-02/-04/-12: id, the current site_id and only the changed fields, objects whole."""
    request = {**base, **{k: request_value(k, after) for k, (_, after) in changes.items()}}
    if any_tracking(request.get("site_blocks")) and DCT not in request:
        request[DCT] = d.fields.get(DCT) or normalise(DCT, live.fields.get(DCT))
    return Operation(id=_op_id(account, label, step), account=account, campaign=label, action=Action.UPDATE,
                     method="update.campaigns", request=request, changes=_changes(changes),
                     side_effects=side_effects, waits_for=waits, reason=reason)


def _update_problems(d: Desired, live: Live, changes: Mapping[str, tuple[Any, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    kind = live.fields.get("type", "basic")
    if kind != "basic":
        for name in sorted(set(changes) - SYSTEM_UPDATABLE):
            problems.append(Problem(d.source.pos((name,), key=True), "UIS-01",
                                    f"{name} cannot be changed on a {kind} campaign: only site_blocks and "
                                    "dynamic_call_tracking can"))
    if "site_id" in changes:
        before, after = changes["site_id"]
        problems.append(Problem(d.source.pos(("site_id",)), "UIS-04",
                                f"site_id cannot change ({before} -> {after}): UIS would need the campaign "
                                "deleted and created again"))
    live_status = live.fields.get("status", "active")
    if live_status == "inactive" and "site_blocks" in changes and d.fields.get("status") != "active":
        problems.append(Problem(d.source.pos(("site_blocks",), key=True), "UIS-07",
                                "the campaign is inactive in UIS, so its site_blocks cannot change: "
                                "set status: active"))
    if "site_blocks" in changes and any_tracking(d.fields.get("site_blocks")) \
            and d.fields.get(DCT, live.fields.get(DCT)) is None:
        problems.append(Problem(d.source.pos(("site_blocks",), key=True), "UIS-12",
                                "a block enables dynamic call tracking, so dynamic_call_tracking must be set"))
    return problems


def _delete(account: str, live: Live) -> Operation:
    label = str(live.key)
    return Operation(id=_op_id(account, label, "delete"), account=account, campaign=label, action=Action.DELETE,
                     method="delete.campaigns", request={"id": live.id},
                     changes=(FieldChange("id", live.id, None),),
                     reason="no document describes it and the account sets prune: true (ENG-03)")
