"""What the CallFire sandbox checks and does to a campaign's configuration (CF-01, -02, -04, -05, -06).

A create or update arrives as a decoded form (``form.decode``). Its configuration replaces the campaign's
whole configuration: a field it does not send takes its default (CF-01), except that questions and transfer
numbers are only added or changed, never removed (CF-05). The name is required but an update keeps the old
one (CF-02); ``Status`` is read-only (CF-04). A refusal is a ``CallFireRefusal`` (HTTP status and message),
and a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from reconciler.providers.callfire.fields import (
    ENUM_LISTS,
    ITEM_KEYS,
    RETRY,
    RUNNING_LIKE,
    STOPPED_LIKE,
    updated_items,
)
from reconciler.providers.callfire.model import CallFireLiveCampaign, window_problem

SCALARS = ("Label", "Script", "FromNumber", "LocalRestrictBegin", "LocalRestrictEnd", "AgentGroupId",
           "AgentGroupName", "SmartDropSoundId", "SmartDropSoundRef", "AllowAnyTransfer", "TransferCallerId",
           "Recorded", "MultilineDialingRatio", "MultilineDialingEnabled", "ScrubLevel", "NumberOfRings")
WRITABLE = frozenset({"Name", "RequestId", RETRY, *ITEM_KEYS, *SCALARS})
ITEM_FIELDS = {"Question": frozenset({"Label", "ResponseType", "Choices"}),
               "TransferNumber": frozenset({"Name", "Number", "AllowAssistedTransfer"})}
RETRY_FIELDS = frozenset({"MaxAttempts", "MinutesBetweenAttempts", "RetryResults", "RetryPhoneTypes"})
COMMANDS = {"START": "RUNNING", "STOP": "STOPPED", "ARCHIVE": "ARCHIVED"}
_ENUM_SUBFIELDS = frozenset(name.split(".", 1)[1] for name in ENUM_LISTS)


class CallFireRefusal(Exception):
    """A request the sandbox refuses: the HTTP status of its ResourceException and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _bad(message: str) -> CallFireRefusal:
    return CallFireRefusal(400, message)


def check_parameters(params: Mapping[str, Any]) -> None:
    """Only the configuration, Name and RequestId may be sent; Status is read-only (CF-04)."""
    if "Status" in params:
        raise _bad("Status is read-only: start, stop or archive a campaign with ControlCccCampaign")
    unknown = sorted(set(params) - WRITABLE)
    if unknown:
        raise _bad(f"Unknown parameter {unknown[0]}")
    if not isinstance(params.get("Name", ""), str) or not params.get("Name"):
        raise _bad("Name is required")  # CF-02: even an update, which never changes it
    retry = params.get(RETRY, {})
    if not isinstance(retry, dict) or set(retry) - RETRY_FIELDS:
        raise _bad(f"Unknown parameter {RETRY}[{sorted(set(retry) - RETRY_FIELDS)[0]}]"
                   if isinstance(retry, dict) else f"{RETRY} must be an object")
    for name, allowed in ITEM_FIELDS.items():
        sent = params.get(name, [])
        if not isinstance(sent, list):
            raise _bad(f"{name} must be indexed: {name}[0][...]")
        for index, item in enumerate(sent):
            extra = sorted(set(item) - allowed)
            if extra:
                raise _bad(f"Unknown parameter {name}[{index}][{extra[0]}]")


def configured(current: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` with a whole new configuration from ``params`` (CF-01); a create passes a bare campaign
    (id, Name, Status). Its id, Name, Status and Created are kept (CF-02, CF-04)."""
    check_parameters(params)
    retry = {k: (v if k not in _ENUM_SUBFIELDS or isinstance(v, list) else [v])
             for k, v in params.get(RETRY, {}).items()}
    fresh: dict[str, Any] = {name: params[name] for name in SCALARS if name in params}
    fresh[RETRY] = retry
    for name, key in ITEM_KEYS.items():
        sent = params.get(name, [])
        _unique(name, key, sent)
        fresh[name] = updated_items(current.get(name, []), sent, key)  # CF-05
    kept = {k: current[k] for k in ("id", "Name", "Status", "Created") if k in current}
    checked = _validated({**fresh, **kept})
    problem = window_problem(checked["LocalRestrictBegin"], checked["LocalRestrictEnd"])
    if problem is not None:
        raise _bad(problem)  # CF-06
    return checked


def _unique(name: str, key: str, sent: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(sent):
        if item.get(key) in seen:
            raise _bad(f"{name}[{index}][{key}] {item.get(key)!r} is given twice")
        seen.add(str(item.get(key)))


def _validated(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """CF-06 and the types of every field, as the stored (read) shape; the first problem is the refusal."""
    try:
        return CallFireLiveCampaign.model_validate(campaign).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = first["loc"][1:] if first["loc"][:1] == (RETRY,) else first["loc"]  # sent at the top level
        where = "".join(f"[{p}]" if i else str(p) for i, p in enumerate(loc))
        raise _bad(f"Invalid {where or 'campaign'}: {first['msg']}") from None


def next_status(current: str, command: str | None) -> str:
    """CF-04: the status ControlCccCampaign's ``Command`` moves a campaign to."""
    if command not in COMMANDS:
        raise _bad("Command must be one of START, STOP, ARCHIVE")
    if command == "START" and current not in STOPPED_LIKE:
        raise _bad(f"Campaign cannot be started: it is {current}")
    if command == "STOP" and current not in RUNNING_LIKE:
        raise _bad(f"Campaign cannot be stopped: it is {current}")
    if command == "ARCHIVE" and current not in STOPPED_LIKE:
        raise _bad(f"Campaign cannot be archived: it is {current}" + (", stop it first" if current in RUNNING_LIKE
                                                                       else ""))
    return COMMANDS[command]


def check_changeable(campaign: Mapping[str, Any]) -> None:
    """An archived campaign's configuration cannot change (CF-04)."""
    if campaign["Status"] == "ARCHIVED":
        raise _bad("Campaign is archived: its configuration cannot change")


def check_deletable(campaign: Mapping[str, Any]) -> None:
    """A running campaign is stopped before it is deleted."""
    if campaign["Status"] in RUNNING_LIKE:
        raise _bad(f"Campaign cannot be deleted while it is {campaign['Status']}: stop it first")
