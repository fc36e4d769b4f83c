"""The CallFire calls a plan is made of, each an Operation with its request, changes and dependencies.

CF-03: every create and update carries a RequestId, a name-based UUID of the operation's id, the request it
sends and what the plan was made from (the live campaign's fingerprint; for a new campaign, the account's).
The engine sends that same request on every retry, so CallFire applies it once; a later plan is made from
another live state (an applied change moves the campaign's fingerprint), so it gets new RequestIds.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.model import Action, Effect, FieldChange, LiveState, Operation, ResultRef, SideEffect, op_id

CREATE = "CreateCccCampaign"
UPDATE = "UpdateCccCampaign"
CONTROL = "ControlCccCampaign"
DELETE = "DeleteCccCampaign"
DELETE_ITEMS = {"Question": "DeleteCccCampaignQuestions", "TransferNumber": "DeleteCccCampaignTransferNumbers"}
ROUTES: Mapping[str, tuple[str, str]] = {
    CREATE: ("POST", "/ccc"), UPDATE: ("PUT", "/ccc/{id}"), CONTROL: ("PUT", "/ccc/{id}/control"),
    DELETE: ("DELETE", "/ccc/{id}"), DELETE_ITEMS["Question"]: ("DELETE", "/ccc/{id}/questions"),
    DELETE_ITEMS["TransferNumber"]: ("DELETE", "/ccc/{id}/transfer-numbers"),
}
"""Each method's HTTP method and path under the REST base (``.json`` is appended)."""
COMMAND_STATES = {"START": "RUNNING", "STOP": "STOPPED", "ARCHIVE": "ARCHIVED"}
REQUEST_IDS = uuid.UUID("3c0b8d2e-6f43-5a7e-9d1c-0ca11f1e0003")
"""The namespace of the name-based RequestIds (any fixed UUID; it only has to stay the same)."""



def request_id(operation: str, basis: str, request: Mapping[str, Any]) -> str:
    """CF-03: the same operation, request and live basis give the same RequestId, anything else another."""
    text = json.dumps([operation, basis, request], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return f"urn:uuid:{uuid.uuid5(REQUEST_IDS, text)}"


def account_basis(live: LiveState) -> str:
    """What a create's RequestId is derived from: every live campaign of the account, by fingerprint."""
    text = "\n".join(sorted(f"{c.id}:{c.fingerprint()}" for c in live.campaigns))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def create(account: str, label: str, name: str, config: Mapping[str, Any], basis: str,
           changes: Iterable[FieldChange], *, replaces: Operation | None = None,
           side_effects: tuple[SideEffect, ...] = ()) -> Operation:
    """CreateCccCampaign with the whole configuration and a RequestId (CF-01, CF-03)."""
    oid = op_id(account, label, "create")
    body = {"Name": name, **config}
    return Operation(oid, account, label, Action.CREATE if replaces is None else Action.REPLACE, CREATE,
                     {"RequestId": request_id(oid, basis, body), **body}, tuple(changes), side_effects,
                     () if replaces is None else (replaces.id,),
                     "" if replaces is None else "the campaign is created again, with the new name, once the old "
                                                 "one is deleted (CF-02, lifecycle.allow_replace)")


def update(account: str, label: str, campaign_id: Any, name: str, config: Mapping[str, Any], basis: str,
           changes: Iterable[FieldChange], waits: tuple[str, ...], reason: str) -> Operation:
    """UpdateCccCampaign: the full merged configuration, the unchanged Name, a RequestId (CF-01/02/03)."""
    oid = op_id(account, label, "update")
    body = {"id": campaign_id, "Name": name, **config}
    return Operation(oid, account, label, Action.UPDATE, UPDATE,
                     {"id": campaign_id, "RequestId": request_id(oid, basis, body), "Name": name, **config},
                     tuple(changes), waits_for=waits, reason=reason)


def delete_items(account: str, label: str, campaign_id: Any, field: str, key: str,
                 removed: list[Mapping[str, Any]], kept: int) -> Operation:
    """CF-05: DeleteCccCampaignQuestions / TransferNumbers removes every item; the update puts back the rest."""
    step = "delete-questions" if field == "Question" else "delete-transfer-numbers"
    back = f"; the update that follows puts back the other {kept}" if removed else \
        "; the update that follows puts them back in the document's order"
    effect = SideEffect(Effect.RESET, f"removes all {len(removed) + kept} {_plural(field)}{back}")
    return Operation(op_id(account, label, step), account, label, Action.UPDATE, DELETE_ITEMS[field],
                     {"id": campaign_id},
                     tuple(FieldChange(f"{field}[{key}={item[key]}]", shown(item), None) for item in removed),
                     (effect,), reason=f"an update never removes or reorders {_plural(field)}: that takes this "
                                       "call (CF-05)")


def shown(value: Any) -> Any:
    """A list item as a plan shows it: without its empty optional fields (a question's null Choices)."""
    return {k: v for k, v in value.items() if v is not None} if isinstance(value, Mapping) else value


def _plural(field: str) -> str:
    return "questions" if field == "Question" else "transfer numbers"


def controls(account: str, label: str, campaign_id: Any, before: str, after: str, waits: tuple[str, ...],
             action: Action = Action.CONTROL, reason: str = "") -> list[Operation]:
    """CF-04: ControlCccCampaign steps from run state ``before`` to ``after``, each after ``waits``.

    CallFire archives only a stopped campaign, so a running one is stopped first.
    """
    commands = {("STOPPED", "RUNNING"): ["START"], ("RUNNING", "STOPPED"): ["STOP"],
                ("STOPPED", "ARCHIVED"): ["ARCHIVE"], ("RUNNING", "ARCHIVED"): ["STOP", "ARCHIVE"]}[(before, after)]
    ops: list[Operation] = []
    state = before
    for command in commands:
        why = (reason or "the run state changes only through ControlCccCampaign, after the configuration (CF-04)"
               if command == commands[-1] else "CallFire archives only a stopped campaign")
        op = Operation(op_id(account, label, command.lower()), account, label, action, CONTROL,
                       {"id": campaign_id, "Command": command},
                       (FieldChange("Status", state, COMMAND_STATES[command]),), waits_for=waits, reason=why)
        ops.append(op)
        waits, state = (op.id,), COMMAND_STATES[command]
    return ops


def stop_then_delete(account: str, label: str, campaign_id: Any, running: bool, action: Action,
                     changes: tuple[FieldChange, ...], reason: str,
                     side_effects: tuple[SideEffect, ...] = ()) -> list[Operation]:
    """DeleteCccCampaign, after a STOP when the campaign is running (CallFire deletes only a stopped one)."""
    stop = controls(account, label, campaign_id, "RUNNING", "STOPPED", (), action,
                    "CallFire deletes only a stopped campaign") if running else []
    delete = Operation(op_id(account, label, "delete"), account, label, action, DELETE, {"id": campaign_id},
                       changes, side_effects, tuple(op.id for op in stop), reason)
    return [*stop, delete]


def created_id(create_op: Operation) -> ResultRef:
    """The id of the campaign ``create_op`` makes, for the calls that follow it."""
    return ResultRef(create_op.id, "Id")
