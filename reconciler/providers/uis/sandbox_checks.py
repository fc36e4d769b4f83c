"""What the UIS sandbox refuses, and why: pure checks over the state dict and a request's params.

Every check raises ``UisRefusal`` (code, mnemonic, dotted ``field``) or returns the validated values,
normalised the way the vendor stores them. Checks run in a fixed order (envelope-level checks live in
``sandbox.py``), so one request always gets the same answer; nothing here mutates the state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, get_args

from reconciler.providers.uis.model import (
    DESCRIPTION_MAX,
    FIXED_VALUE_PARAMETERS,
    MAX_CONDITIONS,
    MAX_GROUPS,
    OPERATORS,
    CostRatioOperator,
    ReservationTime,
    Status,
)

CODES: dict[str, int] = {
    "parse_error": -32700, "invalid_request": -32600, "method_not_found": -32601,
    "data_type_error": -32602, "required_parameter_missed": -32602, "invalid_parameter_value": -32602,
    "unexpected_parameters": -32602, "invalid_parameters_combination": -32602,
    "entity_not_found": -32602, "already_in_use": -32602, "filter_prohibited": -32602, "sort_prohibited": -32602,
    "access_token_invalid": -32001, "forbidden": -32003, "parameter_component_disabled": -32008,
    "limit_exceeded": -32029, "notifications_not_supported": -32099,
}
DELETE_FORBIDDEN = -32602
"""delete.campaigns refuses the system and integrated campaigns with ``forbidden``, which the docs' list of
errors for delete methods gives as -32602 "Permission denied" (elsewhere forbidden is -32003)."""
COMMON = frozenset({"access_token", "user_id"})
CREATE_FIELDS = frozenset({"name", "description", "status", "site_id", "site_blocks",
                           "dynamic_call_tracking", "campaign_conditions"})
UPDATE_FIELDS = CREATE_FIELDS | {"id", "cost_ratio", "cost_ratio_operator"}
NON_BASIC_FIELDS = frozenset({"id", "site_id", "site_blocks", "dynamic_call_tracking"})  # UIS-01
BLOCK_FIELDS = frozenset({"site_block_id", "phone_number_id", "redirection_phone_number_id",
                          "dynamic_call_tracking_enabled"})
DCT_FIELDS = frozenset({"reservation_time", "count_virtual_numbers", "count_visits"})
CONDITION_FIELDS = frozenset({"type", "campaign_parameter", "operator", "value"})
DCT_NUMBER_TYPES = ("va", "call_tracking")

T = TypeVar("T")
_UNSET: Any = object()


class UisRefusal(Exception):
    """A request the UIS API refuses: JSON-RPC code, mnemonic, message and the parameter at fault."""

    def __init__(self, mnemonic: str, message: str, field: str | None = None, value: Any = _UNSET,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.code = CODES[mnemonic] if code is None else code
        self.mnemonic = mnemonic
        self.message = message
        self.field = field
        self.value = value

    def error(self) -> dict[str, Any]:
        """The JSON-RPC ``error`` member."""
        data: dict[str, Any] = {"mnemonic": self.mnemonic}
        if self.field is not None:
            data["field"] = self.field
        if self.value is not _UNSET:
            data["value"] = self.value
        return {"code": self.code, "message": self.message, "data": data}

    def outcome(self) -> dict[str, Any]:
        """What the request log records."""
        return {"code": self.code, "mnemonic": self.mnemonic, "field": self.field}


@dataclass(frozen=True)
class _Refs:
    """Reference data one site_blocks list is checked against."""

    numbers: dict[int, str]  # phone number id -> type
    redirections: frozenset[int]
    components: frozenset[str]
    taken: frozenset[int]  # call_tracking numbers held by blocks of other campaigns
    site_blocks: frozenset[int]


# --- typed access -------------------------------------------------------------------------------------

def _at(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _expect(value: Any, field: str, kind: type[T], label: str) -> T:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UisRefusal("data_type_error", f"{field} must be {label}", field, value)
    return value


def _int(value: Any, field: str) -> int:
    return _expect(value, field, int, "an integer")


def _invalid(field: str, value: Any, why: str) -> UisRefusal:
    return UisRefusal("invalid_parameter_value", f"{field} {why}", field, value)


def _required(obj: Mapping[str, Any], key: str, prefix: str) -> Any:
    if key not in obj:
        raise UisRefusal("required_parameter_missed", f"{_at(prefix, key)} is required", _at(prefix, key))
    return obj[key]


def _no_extra(obj: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
    for key in obj:
        if key not in allowed:
            raise UisRefusal("unexpected_parameters", f"unexpected parameter {_at(prefix, key)}",
                             _at(prefix, key))


def _one_of(value: Any, field: str, allowed: Iterable[str]) -> str:
    text = _expect(value, field, str, "a string")
    if text not in allowed:
        raise _invalid(field, text, "is not one of the allowed values")
    return text


def _bounded(value: Any, field: str, low: int, high: int | None = None) -> int:
    number = _int(value, field)
    if number < low or (high is not None and number > high):
        raise _invalid(field, number, f"must be >= {low}" + (f" and <= {high}" if high is not None else ""))
    return number


def _scalar(value: Any, field: str, kinds: tuple[type, ...]) -> Any:
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise UisRefusal("data_type_error", f"{field} has the wrong type", field, value)
    return value


def check_user_id(params: Mapping[str, Any], agent_customer_users: Collection[int] | None) -> None:
    """``user_id`` is an integer; an agent's token (UIS-16) must name one of the customer users it acts for."""
    if agent_customer_users is not None and "user_id" not in params:
        raise UisRefusal("required_parameter_missed", "user_id is required: the token belongs to an agent",
                         "user_id")
    if "user_id" in params:
        user_id = _int(params["user_id"], "user_id")
        if agent_customer_users is not None and user_id not in agent_customer_users:
            raise UisRefusal("entity_not_found", f"customer user {user_id} not found", "user_id", user_id)


# --- create / update / delete ------------------------------------------------------------------------

def check_create(state: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of the campaign to create (UIS-01, UIS-04, UIS-05, UIS-07..UIS-13, UIS-15)."""
    _no_extra(params, COMMON | CREATE_FIELDS, "")
    _required(params, "name", "")
    changes = _check_scalars(params)
    site = _site(state, _int(_required(params, "site_id", ""), "site_id"))
    inactive = changes.get("status") == "inactive"
    return {**changes, "site_id": site["id"], **_check_links(state, params, site, inactive, None)}


def check_update(state: Mapping[str, Any],
                 params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The campaign to update and the fields that change (UIS-01..UIS-15)."""
    _no_extra(params, COMMON | UPDATE_FIELDS, "")
    campaign = _campaign(state, params)
    if campaign["type"] != "basic":
        for key in params:
            if key not in COMMON | NON_BASIC_FIELDS:
                raise UisRefusal("forbidden", f"{key} of a {campaign['type']} campaign cannot change", key)
    site_id = _int(_required(params, "site_id", ""), "site_id")
    if site_id != campaign["site_id"]:
        raise _invalid("site_id", site_id, "cannot be changed")
    site = _site(state, site_id)
    changes = _check_scalars(params)
    inactive = campaign["status"] == "inactive" or changes.get("status") == "inactive"
    return campaign, {**changes, **_check_links(state, params, site, inactive, campaign["id"])}


def check_delete(state: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The campaign to delete; only basic campaigns can be (UIS-01)."""
    _no_extra(params, COMMON | {"id"}, "")
    campaign = _campaign(state, params)
    if campaign["type"] != "basic":
        raise UisRefusal("forbidden", f"a {campaign['type']} campaign cannot be deleted", "id",
                         campaign["id"], code=DELETE_FORBIDDEN)
    return campaign


def _campaign(state: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    campaign_id = _int(_required(params, "id", ""), "id")
    for campaign in state["campaigns"]:
        if campaign["id"] == campaign_id:
            return dict(campaign)
    raise UisRefusal("entity_not_found", f"campaign {campaign_id} not found", "id", campaign_id)


def _site(state: Mapping[str, Any], site_id: int) -> dict[str, Any]:
    for site in state["sites"]:
        if site["id"] == site_id:
            return dict(site)
    raise UisRefusal("entity_not_found", f"site {site_id} not found", "site_id", site_id)


def _name(value: Any) -> str:
    name = _expect(value, "name", str, "a string")
    if not name:
        raise _invalid("name", name, "must not be empty")
    return name


def _description(value: Any) -> str:
    description = _expect(value, "description", str, "a string")
    if len(description) > DESCRIPTION_MAX:
        raise _invalid("description", description, f"must be at most {DESCRIPTION_MAX} characters")
    return description


def _cost_ratio(value: Any) -> float:
    number = _scalar(value, "cost_ratio", (int, float))
    if not math.isfinite(number) or number < 1:
        raise _invalid("cost_ratio", number, "must be a number >= 1")
    return float(number)


SCALAR_CHECKS: dict[str, Callable[[Any], Any]] = {  # in the order they are checked
    "name": _name,
    "description": _description,
    "status": lambda value: _one_of(value, "status", get_args(Status)),
    "cost_ratio": _cost_ratio,
    "cost_ratio_operator": lambda value: _one_of(value, "cost_ratio_operator", get_args(CostRatioOperator)),
}


def _check_scalars(params: Mapping[str, Any]) -> dict[str, Any]:
    return {key: check(params[key]) for key, check in SCALAR_CHECKS.items() if key in params}


def _check_links(state: Mapping[str, Any], params: Mapping[str, Any], site: Mapping[str, Any],
                 inactive: bool, own_id: int | None) -> dict[str, Any]:
    """site_blocks, dynamic_call_tracking and campaign_conditions, when sent."""
    changes: dict[str, Any] = {}
    components = frozenset(state["components"])
    if "site_blocks" in params:
        items = _expect(params["site_blocks"], "site_blocks", list, "an array")
        if inactive:  # UIS-07, and UIS-11's "not with status inactive"
            raise UisRefusal("invalid_parameters_combination",
                             "site_blocks cannot be set on an inactive campaign", "site_blocks")
        changes["site_blocks"] = _check_blocks(items, _refs(state, site, own_id))
    if "dynamic_call_tracking" in params:
        changes["dynamic_call_tracking"] = _check_dct(params["dynamic_call_tracking"], components)
    elif any(block["dynamic_call_tracking_enabled"] for block in changes.get("site_blocks", [])):
        raise UisRefusal("invalid_parameters_combination",  # UIS-12
                         "dynamic_call_tracking is required with dynamic_call_tracking_enabled",
                         "dynamic_call_tracking")
    if "campaign_conditions" in params:
        changes["campaign_conditions"] = _check_conditions(params["campaign_conditions"])
    return changes


def _refs(state: Mapping[str, Any], site: Mapping[str, Any], own_id: int | None) -> _Refs:
    numbers = {number["id"]: number["type"] for number in state["phone_numbers"]}
    taken = frozenset(block["phone_number_id"] for campaign in state["campaigns"] if campaign["id"] != own_id
                      for block in campaign["site_blocks"]
                      if numbers.get(block["phone_number_id"]) == "call_tracking")
    return _Refs(numbers, frozenset(n["id"] for n in state["redirection_phone_numbers"]),
                 frozenset(state["components"]), taken,
                 frozenset(block["site_block_id"] for block in site["site_blocks"]))


def _check_blocks(items: list[Any], refs: _Refs) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = _at("site_blocks", i)
        block = _check_block(item, where, refs)
        if any(block["site_block_id"] == other["site_block_id"] for other in blocks):
            raise _invalid(_at(where, "site_block_id"), block["site_block_id"], "is given twice")
        number_id = block["phone_number_id"]
        if refs.numbers[number_id] == "call_tracking" and (  # UIS-09
                number_id in refs.taken or any(other["phone_number_id"] == number_id for other in blocks)):
            raise UisRefusal("already_in_use", f"phone number {number_id} is already in use",
                             _at(where, "phone_number_id"), number_id)
        blocks.append(block)
    return blocks


def _check_block(item: Any, where: str, refs: _Refs) -> dict[str, Any]:
    block = _expect(item, where, dict, "an object")
    _no_extra(block, BLOCK_FIELDS, where)
    block_id = _int(_required(block, "site_block_id", where), _at(where, "site_block_id"))
    number_id = _int(_required(block, "phone_number_id", where), _at(where, "phone_number_id"))
    redirection = (_int(block["redirection_phone_number_id"], _at(where, "redirection_phone_number_id"))
                   if "redirection_phone_number_id" in block else None)
    enabled = _expect(block.get("dynamic_call_tracking_enabled", False),
                      _at(where, "dynamic_call_tracking_enabled"), bool, "a boolean")
    if block_id not in refs.site_blocks:  # UIS-08
        raise UisRefusal("entity_not_found", f"site block {block_id} not found on the campaign's site",
                         _at(where, "site_block_id"), block_id)
    if number_id not in refs.numbers:  # UIS-08
        raise UisRefusal("entity_not_found", f"phone number {number_id} is not available",
                         _at(where, "phone_number_id"), number_id)
    _check_redirection(refs.numbers[number_id], redirection, _at(where, "redirection_phone_number_id"), refs)
    if enabled:
        _check_dct_enabled(refs.numbers[number_id], _at(where, "dynamic_call_tracking_enabled"), refs)
    return {"site_block_id": block_id, "phone_number_id": number_id,
            "redirection_phone_number_id": redirection, "dynamic_call_tracking_enabled": enabled}


def _check_redirection(number_type: str, redirection: int | None, field: str, refs: _Refs) -> None:
    """UIS-10."""
    if redirection is None:
        if number_type == "call_tracking":
            raise UisRefusal("required_parameter_missed", f"{field} is required with a call_tracking number",
                             field)
        return
    if number_type != "call_tracking":
        raise UisRefusal("invalid_parameters_combination",
                         f"{field} is only allowed with a call_tracking number", field, redirection)
    if "va" not in refs.components:
        raise UisRefusal("parameter_component_disabled", f"{field} needs the component va", field)
    if redirection not in refs.redirections:
        raise _invalid(field, redirection, "is not an available redirection number")


def _check_dct_enabled(number_type: str, field: str, refs: _Refs) -> None:
    """UIS-11 (its "not with status inactive" is refused earlier, by UIS-07)."""
    if number_type not in DCT_NUMBER_TYPES:
        raise UisRefusal("invalid_parameters_combination",
                         f"{field} is only allowed with a va or call_tracking number", field, True)
    if "dynamic_call_tracking" not in refs.components:
        raise UisRefusal("parameter_component_disabled", f"{field} needs the component dynamic_call_tracking",
                         field)


def _check_dct(value: Any, components: frozenset[str]) -> dict[str, Any]:
    """UIS-12 (component) and UIS-13."""
    where = "dynamic_call_tracking"
    if where not in components:
        raise UisRefusal("parameter_component_disabled", f"{where} needs the component {where}", where)
    dct = _expect(value, where, dict, "an object")
    _no_extra(dct, DCT_FIELDS, where)
    return {
        "reservation_time": _one_of(dct.get("reservation_time", "15m"), _at(where, "reservation_time"),
                                    get_args(ReservationTime)),
        **{key: _bounded(_required(dct, key, where), _at(where, key), 1)
           for key in ("count_virtual_numbers", "count_visits")},
    }


def _check_conditions(value: Any) -> dict[str, Any]:
    """UIS-15."""
    where = "campaign_conditions"
    spec = _expect(value, where, dict, "an object")
    _no_extra(spec, frozenset({"group_conditions"}), where)
    field = _at(where, "group_conditions")
    groups = _expect(_required(spec, "group_conditions", where), field, list, "an array")
    if len(groups) > MAX_GROUPS:
        raise _invalid(field, len(groups), f"must hold at most {MAX_GROUPS} groups")
    return {"group_conditions": [_check_group(group, _at(field, i)) for i, group in enumerate(groups)]}


def _check_group(value: Any, where: str) -> dict[str, Any]:
    group = _expect(value, where, dict, "an object")
    _no_extra(group, frozenset({"conditions"}), where)
    field = _at(where, "conditions")
    conditions = _expect(_required(group, "conditions", where), field, list, "an array")
    if not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise _invalid(field, len(conditions), f"must hold 1 to {MAX_CONDITIONS} conditions")
    return {"conditions": [_check_condition(item, _at(field, i)) for i, item in enumerate(conditions)]}


def _check_condition(value: Any, where: str) -> dict[str, Any]:
    condition = _expect(value, where, dict, "an object")
    _no_extra(condition, CONDITION_FIELDS, where)
    kind = _one_of(_required(condition, "type", where), _at(where, "type"), ("include", "exclude"))
    parameter = _one_of(_required(condition, "campaign_parameter", where), _at(where, "campaign_parameter"),
                        OPERATORS)
    operator = _one_of(_required(condition, "operator", where), _at(where, "operator"), OPERATORS[parameter])
    text = _expect(_required(condition, "value", where), _at(where, "value"), str, "a string")
    if text not in FIXED_VALUE_PARAMETERS.get(parameter, (text,)):
        raise _invalid(_at(where, "value"), text, f"is not a value of {parameter}")
    if operator == "~":
        try:
            re.compile(text)
        except re.error as exc:
            raise _invalid(_at(where, "value"), text, f"is not a regular expression: {exc}") from exc
    return {"type": kind, "campaign_parameter": parameter, "operator": operator, "value": text}
