"""CallFire planning: (desired, live) -> the calls CallFire will accept, in an order that works.

UpdateCccCampaign overwrites the whole configuration (CF-01), so every update carries the live configuration
overlaid with the desired fields, while the plan shows only the fields that change. Each function names the
rule it honours; a desired state CallFire would refuse is a located problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.diff import leaf_changes
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Action, Desired, Effect, FieldChange, Live, LiveState, Operation, SideEffect
from reconciler.providers.base import AccountContext, Match
from reconciler.providers.callfire import steps
from reconciler.providers.callfire.fields import (
    CONFIG,
    DEFAULTS,
    ITEM_KEYS,
    KNOWN,
    RUN_STATES,
    items,
    live_fields,
    merged,
    request_config,
    run_state,
    updated_items,
)
from reconciler.providers.callfire.model import window_problem

WINDOW = ("LocalRestrictBegin", "LocalRestrictEnd")
FULL = ("UpdateCccCampaign overwrites the whole configuration: the request carries every field, the live value "
        "of each one the document does not set (CF-01)")


def offline_problems(desired: Sequence[Desired]) -> list[Problem]:
    """CF-06: the calling window's order; CF-05: an item key given twice in one list."""
    problems: list[Problem] = []
    for d in desired:
        text = window_problem(d.fields.get(WINDOW[0]), d.fields.get(WINDOW[1]))
        if text is not None:
            problems.append(Problem(d.source.pos((WINDOW[0],)), "CF-06", text))
        for field, key in ITEM_KEYS.items():
            names = [item[key] for item in d.fields.get(field) or []]
            for name in sorted({n for n in names if names.count(n) > 1}):
                problems.append(Problem(d.source.pos((field,), key=True), "CF-05",
                                        f"{field} {key} '{name}' is given twice: CallFire tells items apart by "
                                        f"{key}"))
    return problems


def plan(account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
         live: LiveState) -> list[Operation]:
    """The calls per campaign: create, update (with its CF-05 deletions), control, replace, prune."""
    basis = steps.account_basis(live)
    ops: list[Operation] = []
    problems: list[Problem] = []
    for m in matches:
        if m.live is None:
            ops.extend(_create(account.name, m.label, m.desired, basis))
            continue
        if not m.changes:
            continue
        found = _problems(m)
        problems.extend(found)
        if not found:
            ops.extend(_replace(account.name, m) if "Name" in m.changes else _change(account.name, m))
    if problems:
        raise ProblemsError(problems)
    if account.prune:
        for o in orphans:
            running = run_state(o.fields.get("Status")) == "RUNNING"
            ops.extend(steps.stop_then_delete(account.name, o.label, o.id, running, Action.DELETE,
                                              (FieldChange("id", o.id, None),),
                                              "no document describes it and the account sets prune: true (ENG-03)"))
    return ops


def _problems(m: Match) -> list[Problem]:
    """What keeps a matched campaign from changing as its document asks (CF-01, -02, -04, -06)."""
    assert m.live is not None
    d, raw, changed = m.desired, m.live.fields, sorted(m.changes)
    state = run_state(raw.get("Status"))
    problems: list[Problem] = []
    if state == "ARCHIVED":
        problems.append(Problem(d.source.pos((changed[0],), key=True), "CF-04",
                                f"campaign '{m.label}' is archived in CallFire: it cannot be changed or restarted "
                                f"({', '.join(changed)} differ)"))
    elif "Status" in m.changes and state not in RUN_STATES:
        problems.append(Problem(d.source.pos(("Status",)), "CF-04",
                                f"CallFire holds campaign '{m.label}' in {state}: ControlCccCampaign cannot move it"))
    if "Name" in m.changes and not d.lifecycle.allow_replace:
        before, after = m.changes["Name"]
        problems.append(Problem(d.source.pos(("Name",)), "CF-02",
                                f"Name cannot change ({before!r} -> {after!r}): UpdateCccCampaign never changes it, "
                                "so CallFire needs the campaign deleted and created again; set lifecycle: "
                                "{allow_replace: true} to do that"))
    unknown = sorted(set(raw) - KNOWN)
    if unknown and set(m.changes) - {"Status"}:
        problems.append(Problem(d.source.pos(()), "CF-01",
                                f"CallFire reports field(s) {', '.join(unknown)} of campaign '{m.label}' that "
                                "reconciler does not know: the update overwrites the whole configuration and would "
                                "reset them"))
    live = live_fields(raw)
    window = [d.fields.get(name, live[name]) for name in WINDOW]
    text = window_problem(window[0], window[1])
    if text is not None and (WINDOW[0] in m.changes or WINDOW[1] in m.changes):
        at = WINDOW[0] if WINDOW[0] in m.changes else WINDOW[1]
        problems.append(Problem(d.source.pos((at,)), "CF-06", f"{text} (the other end is CallFire's live value)"))
    return problems


def _create(account: str, label: str, d: Desired, basis: str) -> list[Operation]:
    """CreateCccCampaign with every field (defaults for the rest), then a control step for a run state."""
    config = merged(DEFAULTS, d.fields)
    changes = _shown({k: (None, v) for k, v in d.fields.items() if k not in ("Name", "Status")})
    effects: tuple[SideEffect, ...] = ()
    if "Status" not in d.fields:
        effects = (SideEffect(Effect.SERVER, "CallFire creates the campaign stopped (SETUP); Status: RUNNING would "
                                             "start it"),)
    create = steps.create(account, label, str(d.key), request_config(config), basis,
                          (FieldChange("Name", None, d.key), *changes), side_effects=effects)
    after = d.fields.get("Status", "STOPPED")
    if after == "STOPPED":
        return [create]
    return [create, *steps.controls(account, label, steps.created_id(create), "STOPPED", after, (create.id,))]


def _change(account: str, m: Match) -> list[Operation]:
    """CF-05 deletions, then the full update (CF-01), then the control steps (CF-04), each after the last."""
    assert m.live is not None
    d, live_id = m.desired, m.live.id
    live = live_fields(m.live.fields)
    config = merged(live, d.fields, d.lifecycle.ignore_changes)
    ops: list[Operation] = []
    cleared = dict(live)
    for field, key in ITEM_KEYS.items():
        if field not in m.changes or items(field, updated_items(live[field], config[field], key)) == config[field]:
            continue  # the update alone gets there (CF-05: it adds and changes items in place)
        wanted = {item[key] for item in config[field]}
        removed = [item for item in live[field] if item[key] not in wanted]
        ops.append(steps.delete_items(account, m.label, live_id, field, key, removed,
                                      len(live[field]) - len(removed)))
        cleared[field] = []
    if any(config[name] != cleared[name] for name in CONFIG):
        reason = FULL if not ops else (f"{FULL}; it puts back what the Delete call removed and should stay "
                                       "(CF-05)")
        ops.append(steps.update(account, m.label, live_id, str(m.live.key), request_config(config),
                                m.live.fingerprint(), _shown(m.changes), tuple(op.id for op in ops), reason))
    if "Status" in m.changes:
        before, after = m.changes["Status"]
        waits = (ops[-1].id,) if ops and ops[-1].method == steps.UPDATE else tuple(op.id for op in ops)
        ops.extend(steps.controls(account, m.label, live_id, before, after, waits))
    return ops


def _replace(account: str, m: Match) -> list[Operation]:
    """CF-02: a rename is a new campaign with the whole configuration carried over, once the old is deleted."""
    assert m.live is not None
    d, old = m.desired, m.live
    live = live_fields(old.fields)
    config = merged(live, d.fields, d.lifecycle.ignore_changes)
    before, after = m.changes["Name"]
    deletion = steps.stop_then_delete(
        account, m.label, old.id, live["Status"] == "RUNNING", Action.REPLACE, (FieldChange("Name", before, after),),
        "UpdateCccCampaign never changes the Name (CF-02); lifecycle.allow_replace is set",
        (SideEffect(Effect.OTHER, f"campaign {old.id} is deleted with its history; the new one gets a new id (a "
                                  "document that pins the old id must pin the new one)"),))
    shown = {k: v for k, v in m.changes.items() if k not in ("Name", "Status")}
    create = steps.create(account, m.label, str(after), request_config(config), old.fingerprint(),
                          _shown(shown), replaces=deletion[-1])
    state = d.fields.get("Status", live["Status"] if live["Status"] in RUN_STATES else "STOPPED")
    if state == "STOPPED":
        return [*deletion, create]
    return [*deletion, create, *steps.controls(account, m.label, steps.created_id(create), "STOPPED", state,
                                               (create.id,))]


def _shown(changes: Mapping[str, tuple[Any, Any]]) -> list[FieldChange]:
    """The configuration fields that change, item by item for lists (requirement: the plan shows only these);
    items a Delete call removes are shown on that call."""
    out: list[FieldChange] = []
    for name in sorted(k for k in changes if k in CONFIG):
        before, after = changes[name]
        if name in ITEM_KEYS:
            key = ITEM_KEYS[name]
            kept = {item[key] for item in after}
            before = [item for item in before or [] if item[key] in kept]
            out.extend(FieldChange(c.path, steps.shown(c.before), steps.shown(c.after))
                       for c in leaf_changes(name, before, after, ITEM_KEYS))
            order = ([item[key] for item in before], [item[key] for item in after if item[key] in
                                                      {i[key] for i in before}])
            if order[0] != order[1]:
                out.append(FieldChange(f"{name} order", order[0], order[1]))
        else:
            out.append(FieldChange(name, before, after))
    return out
