"""Topsort planning: (desired, live) -> the requests Topsort will accept.

Each function names the rule it honours; a desired state Topsort would refuse is a located problem. A
request is ``{"campaignId": .., "vendor_id": .., "body": {..}}``: the path and query parameters, then the
JSON body.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from reconciler.diff import leaf_changes
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Action, Desired, Effect, FieldChange, Live, LiveState, Operation, SideEffect, op_id
from reconciler.providers.base import AccountContext, Match
from reconciler.providers.topsort import checks
from reconciler.providers.topsort.constraints import effective_start, in_past
from reconciler.providers.topsort.fields import BIDS, DEFAULTS, OBJECTS, VENDOR, live_fields

CREATE = "POST /campaigns"
UPDATE = "PATCH /campaigns/{campaignId}"
DELETE = "DELETE /campaigns/{campaignId}"
REQUIRED_ON_CREATE = ("name", BIDS, "campaignType")
"""TOP-10, with vendor_id (from the document or the account)."""


def offline_problems(desired: Sequence[Desired]) -> list[Problem]:
    """TOP-07 duplicates, and TOP-04/06/08 where the document alone shows them."""
    problems = checks.duplicate_externals(desired)
    for d in desired:
        problems += checks.campaign_problems(d, d.fields, set(d.fields), checks.start_of(d.fields), offline=True)
    return problems


def plan(account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
         live: LiveState) -> list[Operation]:
    """One request per campaign that differs (two for a replacement), and the deletes of ``prune``."""
    vendor = account.settings.get(VENDOR)
    ops: list[Operation] = []
    problems = checks.external_problems(matches, orphans) + checks.vendor_problems(matches, vendor)
    for m in matches:
        if m.live is None:
            found, found_problems = _create(account.name, m.desired, m.label, vendor)
        elif m.changes:
            found, found_problems = _update(account.name, m, vendor)
        else:
            continue
        ops.extend(found)
        problems.extend(found_problems)
    if problems:
        raise ProblemsError(problems)
    if account.prune:
        ops.extend(_delete(account.name, live) for live in orphans)
    return ops



def _start_effect(start: Any, sent: bool) -> tuple[SideEffect, ...]:
    """TOP-03: shown once, in the plan whose request sends the past start (or none, on create)."""
    if not sent:
        return ()
    if start is None:
        return (SideEffect(Effect.SERVER, "startDate is not set: Topsort starts the campaign when it is created "
                                          "(TOP-03)"),)
    if in_past(start):
        return (SideEffect(Effect.SERVER, f"startDate {start} is in the past: Topsort sets it to the moment the "
                                          "request arrives (TOP-03); later plans take that as matching"),)
    return ()


def _create(account: str, d: Desired, label: str, vendor: Any,
            replaces: Operation | None = None) -> tuple[list[Operation], list[Problem]]:
    """TOP-10: POST with name, bids, campaignType and the vendor; Topsort's defaults fill the rest."""
    vendor = d.fields.get(VENDOR, vendor)
    missing = [name for name in REQUIRED_ON_CREATE if d.fields.get(name) is None]
    missing += [] if vendor is not None else [f"{VENDOR} (in the document or on the account in reconciler.yaml)"]
    if missing:
        return [], [Problem(d.source.pos(()), "TOP-10", f"campaign '{label}' does not exist yet, and creating "
                                                        f"it needs {', '.join(missing)}")]
    body = {k: v for k, v in d.fields.items() if k != VENDOR and v is not None}
    after = {**DEFAULTS, **body}
    start = effective_start(body.get("startDate"), sent=True)
    problems = checks.campaign_problems(d, after, set(after), start)
    if problems:
        return [], problems
    effects = _start_effect(body.get("startDate"), sent=True)
    if replaces is not None:
        effects += (SideEffect(Effect.OTHER, "fields the document does not set take Topsort's defaults on the new "
                                             "campaign"),)
    op = Operation(id=op_id(account, label, "create"), account=account, campaign=label,
                   action=Action.CREATE if replaces is None else Action.REPLACE, method=CREATE,
                   request={VENDOR: vendor, "body": body},
                   changes=tuple(FieldChange(k, None, v) for k, v in sorted({**body, VENDOR: vendor}.items())),
                   side_effects=effects, waits_for=() if replaces is None else (replaces.id,),
                   reason="" if replaces is None else "the campaign is created again once the old one is deleted "
                                                      "(lifecycle.allow_replace)")
    return [op], []


def _update(account: str, m: Match, vendor: Any) -> tuple[list[Operation], list[Problem]]:
    """TOP-01: PATCH with only the changed fields, nested objects whole; fixed fields need a replacement."""
    d, live = m.desired, m.live
    assert live is not None
    fixed = checks.fixed_changes(m)
    if fixed and d.lifecycle.allow_replace:
        return _replace(account, m, vendor, fixed)
    if fixed:
        return [], [Problem(d.source.pos((name,)), rule, f"{text}; set lifecycle: {{allow_replace: true}} to delete "
                                                         "the campaign and create it again")
                    for name, rule, text in fixed]
    changed = {name: after for name, (_, after) in m.changes.items()}
    after = {**live_fields(live.fields), **changed}
    start = effective_start(after.get("startDate"), sent="startDate" in changed)
    problems = checks.campaign_problems(d, after, set(changed), start)
    if problems:
        return [], problems
    op = Operation(id=op_id(account, m.label, "update"), account=account, campaign=m.label,
                   action=Action.UPDATE, method=UPDATE, request={"campaignId": live.id, "body": changed},
                   changes=_changes(m.changes), side_effects=_start_effect(changed.get("startDate"),
                                                                           "startDate" in changed))
    return [op], []


def _changes(changes: Mapping[str, tuple[Any, Any]]) -> tuple[FieldChange, ...]:
    """Leaf paths inside the nested objects (which are still sent whole), plain changes elsewhere."""
    out: list[FieldChange] = []
    for name, (before, after) in sorted(changes.items()):
        out.extend(leaf_changes(name, before, after) if name in OBJECTS else [FieldChange(name, before, after)])
    return tuple(out)


def _replace(account: str, m: Match, vendor: Any,
             fixed: Collection[tuple[str, str, str]]) -> tuple[list[Operation], list[Problem]]:
    """TOP-05/09/10 with lifecycle.allow_replace: delete the campaign, then create it as the document says."""
    live = m.live
    assert live is not None
    rules = ", ".join(sorted({rule for _, rule, _ in fixed}))
    delete = Operation(id=op_id(account, m.label, "delete"), account=account, campaign=m.label,
                       action=Action.REPLACE, method=DELETE, request={"campaignId": live.id},
                       changes=tuple(FieldChange(name, *m.changes[name]) for name, _, _ in fixed),
                       side_effects=(SideEffect(Effect.OTHER, f"campaign {live.id} is deleted with its bids and "
                                                              "history; the new one gets a new campaignId"),),
                       reason=f"{', '.join(name for name, _, _ in fixed)} cannot change in place ({rules}); "
                              "lifecycle.allow_replace is set")
    ops, problems = _create(account, m.desired, m.label, vendor if vendor is not None else live.fields.get("vendorId"),
                            replaces=delete)
    return ([delete, *ops] if not problems else []), problems


def _delete(account: str, live: Live) -> Operation:
    return Operation(id=op_id(account, live.label, "delete"), account=account, campaign=live.label,
                     action=Action.DELETE, method=DELETE, request={"campaignId": live.id},
                     changes=(FieldChange("campaignId", live.id, None),),
                     reason="no document describes it and the account sets prune: true (ENG-03)")
