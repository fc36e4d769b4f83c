"""What the UIS sandbox accepts in a get.* request: paging, ``fields``, ``filter`` and ``sort`` (pure checks).

Source: the Data API v2.0 docs (comagic.github.io ``data_api/``): the general page's sections on filtering
("Критерии фильтрации", "Операторы фильтрации"), sorting ("Сортировка данных"), paging ("Постраничный
вывод": ``offset`` default 0, at most 100,000; ``limit`` default 1000, at most 10,000) and returned fields;
each method's page marks which answer fields may be filtered on and sorted by. As the docs give it: a field
the method does not have is ``unexpected_parameters``, one it has but does not filter or sort on is
``filter_prohibited`` / ``sort_prohibited``; ``sort.order`` defaults to ``asc``; a filter without ``value``
compares with null ("если оно отсутствует, то считается пустота").
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.providers.uis.model import UisLiveCampaign
from reconciler.providers.uis.sandbox_checks import (
    COMMON,
    UisRefusal,
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
NUMBER, TEXT = (int, float), (str,)
COMPARE: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, ">": operator.gt, "<=": operator.le,
                                                  ">=": operator.ge}
"""The ordering operators, for numbers and iso8601 times (``YYYY-MM-DD hh:mm:ss`` text orders as time)."""
FILTER_OPERATORS = ("=", "!=", "in", "not_in", *COMPARE)
"""The operators the sandbox evaluates; the docs list more (like, regexp, jsquery, ...), which it refuses."""
PAGING = frozenset({"limit", "offset"})
QUERY = PAGING | {"fields", "filter", "sort"}


@dataclass(frozen=True)
class Catalog:
    """What one get.* method answers: its fields, those it filters on (with their types) and sorts by."""

    fields: tuple[str, ...]
    filterable: Mapping[str, tuple[type, ...]]
    sortable: frozenset[str]


CAMPAIGNS = Catalog(  # data_api/campaign/get_campaigns
    fields=tuple(UisLiveCampaign.model_fields),
    filterable={"id": NUMBER, "name": TEXT, "status": TEXT, "creation_time": TEXT, "engine": TEXT,
                "type": TEXT, "costs": NUMBER, "site_id": NUMBER, "site_domain_name": TEXT},
    sortable=frozenset({"name", "creation_time", "engine", "type", "costs", "site_id"}))
PHONE_NUMBERS = Catalog(  # data_api/campaign/get_campaign_available_phone_numbers
    fields=("id", "prefix", "phone_number", "type"),
    filterable={"id": NUMBER, "prefix": TEXT, "phone_number": TEXT, "type": TEXT},
    sortable=frozenset({"prefix"}))
REDIRECTION_NUMBERS = Catalog(  # data_api/campaign/get_campaign_available_redirection_phone_numbers
    fields=("id", "phone_number"), filterable={"id": NUMBER, "phone_number": TEXT}, sortable=frozenset())
SITES = Catalog(  # data_api/site/get_sites: of its many fields, the ones a seed holds
    fields=("id", "domain_name", "site_blocks"), filterable={"id": NUMBER, "domain_name": TEXT},
    sortable=frozenset())


@dataclass(frozen=True)
class ReadQuery:
    """A validated get.* query."""

    limit: int
    offset: int
    fields: tuple[str, ...] | None
    keep: Predicate | None
    sort: tuple[tuple[str, bool], ...]  # (field, descending), first key first

    def page(self, rows: list[Row], view: Callable[[Row], Row] | None = None) -> tuple[list[Row], int]:
        """This query's page of ``rows`` (filtered on ``view(row)``; by id unless sorted), and how many rows
        it selects. Without ``sort`` the order is by id (the docs name no order: the sandbox's reading)."""
        keep = self.keep
        kept = rows if keep is None else [row for row in rows if keep(view(row) if view else row)]
        kept = sorted(kept, key=lambda row: row["id"])
        for name, descending in reversed(self.sort):
            kept.sort(key=lambda row: (row[name] is None, row[name]), reverse=descending)
        return kept[self.offset:self.offset + self.limit], len(kept)

    def project(self, row: Row) -> dict[str, Any]:
        return dict(row) if self.fields is None else {name: row[name] for name in self.fields if name in row}


def check_paging(params: Mapping[str, Any]) -> tuple[int, int]:
    """``(limit, offset)`` of a get.* request (which may also select fields, filter and sort: ``QUERY``)."""
    _no_extra(params, COMMON | QUERY, "")
    return (_bounded(params.get("limit", DEFAULT_LIMIT), "limit", 1, MAX_LIMIT),
            _bounded(params.get("offset", 0), "offset", 0, MAX_OFFSET))


def check_read_query(params: Mapping[str, Any], catalog: Catalog = CAMPAIGNS) -> ReadQuery:
    limit, offset = check_paging(params)
    fields = None
    if "fields" in params:
        names = _expect(params["fields"], "fields", list, "an array")
        fields = tuple(_known(name, _at("fields", i), catalog.fields) for i, name in enumerate(names))
    keep = _filter(params["filter"], "filter", catalog) if "filter" in params else None
    return ReadQuery(limit, offset, fields, keep, _sort(params.get("sort", []), catalog))


def _known(value: Any, where: str, names: tuple[str, ...]) -> str:
    """A field name of the method: one it does not have is an unexpected parameter."""
    name = _expect(value, where, str, "a string")
    if name not in names:
        raise UisRefusal("unexpected_parameters", f"{where}: the method has no field {name}", where, name)
    return name


def _filter(value: Any, where: str, catalog: Catalog) -> Predicate:
    spec = _expect(value, where, dict, "an object")
    if "filters" not in spec:
        return _simple_filter(spec, where, catalog)
    _no_extra(spec, frozenset({"filters", "condition"}), where)
    combine = all if _one_of(_required(spec, "condition", where), _at(where, "condition"),
                             ("and", "or")) == "and" else any
    items = _expect(spec["filters"], _at(where, "filters"), list, "an array")
    parts = [_filter(item, _at(_at(where, "filters"), i), catalog) for i, item in enumerate(items)]
    return lambda row: combine(part(row) for part in parts)


def _simple_filter(spec: Mapping[str, Any], where: str, catalog: Catalog) -> Predicate:
    _no_extra(spec, frozenset({"field", "operator", "value"}), where)
    name = _known(_required(spec, "field", where), _at(where, "field"), catalog.fields)
    if name not in catalog.filterable:
        raise UisRefusal("filter_prohibited", f"{name} cannot be filtered on", _at(where, "field"), name)
    kinds = catalog.filterable[name]
    op = _one_of(_required(spec, "operator", where), _at(where, "operator"), FILTER_OPERATORS)
    value, field = spec.get("value"), _at(where, "value")
    if op in ("=", "!="):
        target = None if value is None else _scalar(value, field, kinds)
        return lambda row: (row.get(name) == target) is (op == "=")
    if op in COMPARE:
        bound, compare = _scalar(value, field, kinds), COMPARE[op]
        return lambda row: row.get(name) is not None and compare(row[name], bound)
    members = frozenset(_scalar(item, _at(field, i), kinds)
                        for i, item in enumerate(_expect(value, field, list, "an array")))
    return lambda row: (row.get(name) in members) is (op == "in")


def _sort(value: Any, catalog: Catalog) -> tuple[tuple[str, bool], ...]:
    keys = []
    for i, item in enumerate(_expect(value, "sort", list, "an array")):
        where = _at("sort", i)
        spec = _expect(item, where, dict, "an object")
        _no_extra(spec, frozenset({"field", "order"}), where)
        name = _known(_required(spec, "field", where), _at(where, "field"), catalog.fields)
        if name not in catalog.sortable:
            raise UisRefusal("sort_prohibited", f"{name} cannot be sorted by", _at(where, "field"), name)
        order = _one_of(spec.get("order", "asc"), _at(where, "order"), ("asc", "desc"))
        keys.append((name, order == "desc"))
    return tuple(keys)
