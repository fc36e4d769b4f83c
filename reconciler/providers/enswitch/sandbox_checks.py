"""What the Enswitch sandbox checks before it acts: roles, parameters and values (ENS-02, -04, -06, -07).

Parameters arrive as text (query string or form body). A refusal is an ``EnswitchRefusal`` carrying the
envelope's code, the offending parameter in ``key`` and a message; a refused request changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.providers.enswitch.fields import DEFAULTS, INTEGER_FIELDS, KEEP, REQUIRED_ON_CREATE
from reconciler.providers.enswitch.model import has_keep_agents, negative_keep_problem

AUTH = ("auth_username", "auth_password")
CHOICES: Mapping[str, tuple[str, ...]] = {
    "dtype": ("queue", "agent", "number", "ivr"),
    "machine": ("", "failed", "retry", "success"),
    "success": ("answer", "key"),
    "enabled": ("0", "1"),
    "validation": ("0", "1"),
}
MINIMUM: Mapping[str, int] = {"attempts": 1, "maximum": 1, "retry": 1, "owner": 0, "recordgroup": 0,
                              "timegroup": 0}
TEXT = ("name", "description", "callerid", "dtype", "dnumber", "machine", "success")
WRITABLE = frozenset((*TEXT, *INTEGER_FIELDS))
INTEGER = re.compile(r"^-?[0-9]+$")
ROLES = {"create": "administrator"}
"""The role each action needs beyond ``user`` (ENS-07)."""
ALLOWED: Mapping[str, frozenset[str]] = {
    "list": frozenset({"customer"}),
    "get": frozenset({"id"}),
    "delete": frozenset({"id"}),
    "create": WRITABLE | {"validation"},
    "update": WRITABLE | {"id", "validation"},
}


class EnswitchRefusal(Exception):
    """A request the sandbox refuses: envelope code (as text), the offending parameter, a message."""

    def __init__(self, code: str, message: str, key: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.key = key
        self.message = message


def check_access(state: Mapping[str, Any], action: str) -> None:
    """ENS-04: the rate plan (403), then the role the action needs (402; create needs administrator)."""
    if not state["rate_plan_allows_bulk"]:
        raise EnswitchRefusal("403", "Your rate plan does not allow this.")
    needed = ROLES.get(action, "user")
    if needed == "administrator" and state["role"] != "administrator":
        raise EnswitchRefusal("402", "Your role does not allow this.")  # the vendor's words; the client explains


def check_known(state: Mapping[str, Any], action: str, params: Mapping[str, str]) -> None:
    """Every parameter must be one the action takes; before 4.2 keep_agents_available is unknown (ENS-06)."""
    allowed = ALLOWED[action]
    if not has_keep_agents(state["version"]):
        allowed = allowed - {KEEP}
    for name in sorted(params):
        if name not in allowed:
            raise EnswitchRefusal("400", f"Unknown parameter {name}.", name)


def campaign_id(params: Mapping[str, str]) -> int:
    """The required ``id`` parameter, as a positive integer."""
    if "id" not in params:
        raise EnswitchRefusal("400", "Missing required parameter id.", "id")
    if not INTEGER.match(params["id"]) or int(params["id"]) < 1:
        raise EnswitchRefusal("400", "id must be a positive integer.", "id")
    return int(params["id"])


def validating(params: Mapping[str, str]) -> bool:
    """ENS-03: ``validation=1`` checks the request and answers 201 without acting."""
    value = params.get("validation", "0")
    if value not in CHOICES["validation"]:
        raise EnswitchRefusal("400", "validation must be 0 or 1.", "validation")
    return value == "1"


def check_create(params: Mapping[str, str]) -> dict[str, Any]:
    """ENS-07: name, dtype and dnumber are required; the fields not sent take the defaults."""
    for name in REQUIRED_ON_CREATE:
        if not params.get(name):
            raise EnswitchRefusal("400", f"Missing required parameter {name}.", name)
    fields = {**DEFAULTS, **_values(params)}
    _check_keep(fields)
    return fields


def check_update(campaign: Mapping[str, Any], params: Mapping[str, str], version: str) -> dict[str, Any]:
    """ENS-01/02: the fields sent, checked against the campaign they will change."""
    changes = _values(params)
    if KEEP not in changes and has_keep_agents(version):
        changes[KEEP] = 0  # ENS-01: leaving it out resets it
    _check_keep({**campaign, **changes})
    return changes


def _values(params: Mapping[str, str]) -> dict[str, Any]:
    """ENS-02: the writable parameters sent, each checked and typed."""
    values: dict[str, Any] = {}
    for name in sorted(WRITABLE & set(params)):
        text = params[name]
        if name in CHOICES and text not in CHOICES[name]:
            choices = ", ".join(f'"{c}"' for c in CHOICES[name])
            raise EnswitchRefusal("400", f"{name} must be one of {choices}.", name)
        if name in INTEGER_FIELDS:
            if not INTEGER.match(text):
                raise EnswitchRefusal("400", f"{name} must be an integer.", name)
            values[name] = int(text)
            if name in MINIMUM and values[name] < MINIMUM[name]:
                raise EnswitchRefusal("400", f"{name} must be at least {MINIMUM[name]}.", name)
        else:
            values[name] = text
        if name in ("name", "dnumber") and not text:
            raise EnswitchRefusal("400", f"{name} cannot be empty.", name)
    return values


def _check_keep(fields: Mapping[str, Any]) -> None:
    """ENS-02: a negative keep_agents_available only with a queue destination."""
    problem = negative_keep_problem(fields.get(KEEP), fields.get("dtype"))
    if problem is not None:
        raise EnswitchRefusal("400", problem[0].upper() + problem[1:] + ".", KEEP)
