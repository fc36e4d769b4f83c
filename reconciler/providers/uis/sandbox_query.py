"""What the UIS sandbox accepts in a get.* request: paging, fields, filter and sort (pure checks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.providers.uis.model import UisLiveCampaign
from reconciler.providers.uis.sandbox_checks import (
    COMMON,
    _at,
    _bounded,
    _expect,
    _no_extra,
    _one_of,
    _required,
    _scalar,
)

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

MAX_LIMIT, MAX_OFFSET, DEFAULT_LIMIT = 10_000, 100_000, 1000
READ_FIELDS = tuple(UisLiveCampaign.model_fields)
SCALAR_FIELDS: dict[str, tuple[type, ...]] = {  # what get.campaigns filters and sorts on
    "id": (int,), "name": (str,), "description": (str,), "status": (str,), "creation_time": (str,),
    "engine": (str,), "type": (str,), "costs": (int, float), "cost_ratio": (int, float),
    "cost_ratio_operator": (str,), "site_id": (int,), "site_domain_name": (str,),
}
FILTER_OPERATORS = ("=", "!=", "in", "not_in")
PAGING = frozenset({"limit", "offset"})
QUERY = PAGING | {"fields", "filter", "sort"}


@dataclass(frozen=True)
class ReadQuery:
    """A validated get.campaigns query."""

    limit: int
    offset: int
    fields: tuple[str, ...] | None
    keep: Predicate | None
    sort: tuple[tuple[str, bool], ...]  # (field, descending), first key first


# --- reads --------------------------------------------------------------------------------------------

def check_paging(params: Mapping[str, Any], allowed: frozenset[str] = PAGING) -> tuple[int, int]:
    """``(limit, offset)`` of a get.* request."""
    _no_extra(params, COMMON | allowed, "")
    return (_bounded(params.get("limit", DEFAULT_LIMIT), "limit", 1, MAX_LIMIT),
            _bounded(params.get("offset", 0), "offset", 0, MAX_OFFSET))


def check_read_query(params: Mapping[str, Any]) -> ReadQuery:
    limit, offset = check_paging(params, QUERY)
    fields = None
    if "fields" in params:
        names = _expect(params["fields"], "fields", list, "an array")
        fields = tuple(_one_of(name, _at("fields", i), READ_FIELDS) for i, name in enumerate(names))
    keep = _filter(params["filter"], "filter") if "filter" in params else None
    return ReadQuery(limit, offset, fields, keep, _sort(params.get("sort", [])))


def _filter(value: Any, where: str) -> Predicate:
    spec = _expect(value, where, dict, "an object")
    if "filters" not in spec:
        return _simple_filter(spec, where)
    _no_extra(spec, frozenset({"filters", "condition"}), where)
    combine = all if _one_of(_required(spec, "condition", where), _at(where, "condition"),
                             ("and", "or")) == "and" else any
    items = _expect(spec["filters"], _at(where, "filters"), list, "an array")
    parts = [_filter(item, _at(_at(where, "filters"), i)) for i, item in enumerate(items)]
    return lambda row: combine(part(row) for part in parts)


def _simple_filter(spec: Mapping[str, Any], where: str) -> Predicate:
    _no_extra(spec, frozenset({"field", "operator", "value"}), where)
    name = _one_of(_required(spec, "field", where), _at(where, "field"), SCALAR_FIELDS)
    operator = _one_of(_required(spec, "operator", where), _at(where, "operator"), FILTER_OPERATORS)
    value, field = _required(spec, "value", where), _at(where, "value")
    if operator in ("=", "!="):
        target = _scalar(value, field, SCALAR_FIELDS[name])
        return lambda row: (row.get(name) == target) is (operator == "=")
    members = frozenset(_scalar(item, _at(field, i), SCALAR_FIELDS[name])
                        for i, item in enumerate(_expect(value, field, list, "an array")))
    return lambda row: (row.get(name) in members) is (operator == "in")


def _sort(value: Any) -> tuple[tuple[str, bool], ...]:
    keys = []
    for i, item in enumerate(_expect(value, "sort", list, "an array")):
        where = _at("sort", i)
        spec = _expect(item, where, dict, "an object")
        _no_extra(spec, frozenset({"field", "order"}), where)
        name = _one_of(_required(spec, "field", where), _at(where, "field"), SCALAR_FIELDS)
        order = _one_of(_required(spec, "order", where), _at(where, "order"), ("asc", "desc"))
        keys.append((name, order == "desc"))
    return tuple(keys)
