"""UIS campaigns normalised for diffing (ENG-05) and turned back into request values.

A readable reference in a document (``site: example.com``, ``site_block: Header``, ``phone_number: ...``)
is kept under the id field it stands for as a ``Ref`` until ``references.resolve`` replaces it with the id
at plan time, once the account's reference data is known.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.model import Path
from reconciler.providers.base import CampaignDocument
from reconciler.providers.uis.model import READABLE_BLOCK_FIELDS, RefKind, UisCampaign

MANAGED = ("name", "description", "status", "site_id", "site_blocks", "dynamic_call_tracking",
           "campaign_conditions", "cost_ratio", "cost_ratio_operator")
_managed = operator.itemgetter(*MANAGED)
_MANAGED_SET = frozenset(MANAGED)
BLOCK_FIELDS = ("site_block_id", "phone_number_id", "redirection_phone_number_id",
                "dynamic_call_tracking_enabled")
DISPLAY_KEYS = {"site_blocks": "site_block_id"}
DEFAULT_RESERVATION_TIME = "15m"
NESTED = ("dynamic_call_tracking", "campaign_conditions")
"""Objects UIS may answer empty (``{}``, ``[]`` or null); a group without conditions is no condition."""
DEFAULTS = {"cost_ratio": 1, "cost_ratio_operator": "wo_changes"}
"""What get.campaigns documents as the default of a field it may answer as null."""


@dataclass(frozen=True)
class Ref:
    """A value a document gives by a name people read, in place of the vendor's id (resolved at plan time)."""

    kind: RefKind
    text: str
    path: Path
    """Where the name is written in the document, for problems about it."""


def desired_fields(doc: CampaignDocument) -> dict[str, Any]:
    """The fields a document sets (ENG-02), normalised; ``id``, ``account`` and ``lifecycle`` excluded.

    Readable references stay unresolved, as ``Ref`` values under the id fields they stand for. Run once per
    document: only the fields ``normalise`` changes are passed through it, as in ``live_fields``.
    """
    assert isinstance(doc, UisCampaign)
    dumped = doc.model_dump(mode="json", include=doc.model_fields_set & _MANAGED_SET)
    if doc.site is not None:
        dumped["site_id"] = Ref("site", doc.site, ("site",))
    out = {name: dumped[name] for name in sorted(dumped) if dumped[name] is not None}
    if "site_blocks" in out:
        out["site_blocks"] = blocks([_block_refs(i, b) for i, b in enumerate(out["site_blocks"])])
    for name in NESTED:
        if name in out:
            out[name] = normalise(name, out[name])
    return out


def _block_refs(index: int, block: Mapping[str, Any]) -> dict[str, Any]:
    """A document's block with each readable reference turned into a ``Ref`` under its id field."""
    out = dict(block)
    for id_field, name in READABLE_BLOCK_FIELDS.items():
        text = out.pop(name, None)
        if text is not None:
            out[id_field] = Ref(name, text, ("site_blocks", index, name))
    return out


def live_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A ``get.campaigns`` row normalised like ``desired_fields`` (read-only fields dropped).

    UIS answers an empty array as ``[]`` and an empty object as ``{}``, and a field with no value as null
    (the docs' "Соглашения"); all three read alike here (``empty``). Run once per live campaign of every
    plan, so written for speed: a full row's fields are taken in one step, and only the fields that need it
    are normalised."""
    try:
        out = dict(zip(MANAGED, _managed(raw), strict=True))
    except KeyError:  # a row without some field (a system campaign's conditions, a filtered read)
        out = {name: raw[name] for name in MANAGED if name in raw}
    if "site_blocks" in out:
        out["site_blocks"] = blocks(out["site_blocks"]) if out["site_blocks"] else []
    for name in NESTED:
        if name in out:
            out[name] = normalise(name, out[name])
    for name, default in DEFAULTS.items():
        if name in out and out[name] is None:
            out[name] = default
    return out


def normalise(name: str, value: Any) -> Any:
    """One value in the form both sides are compared in: ``site_blocks`` and the ``NESTED`` objects are
    brought to one shape; any other value is its own normal form."""
    if name == "site_blocks":
        return blocks(value or [])
    if name == "dynamic_call_tracking":
        return None if empty(value) else {
            "reservation_time": value.get("reservation_time") or DEFAULT_RESERVATION_TIME,
            "count_virtual_numbers": value.get("count_virtual_numbers"),
            "count_visits": value.get("count_visits"),
        }
    if name == "campaign_conditions":
        groups = [] if empty(value) else value.get("group_conditions") or []
        return {"group_conditions": [{"conditions": list(g["conditions"])} for g in groups
                                     if isinstance(g, Mapping) and g.get("conditions")]}
    return value


def empty(value: Any) -> bool:
    """No value, as UIS may answer it: null, an empty object or an empty array."""
    return value is None or value == {} or value == []


def blocks(value: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Blocks in a canonical form, ordered by block id (their order carries no meaning)."""
    out = [{"site_block_id": b.get("site_block_id"),
            "phone_number_id": b.get("phone_number_id"),
            "redirection_phone_number_id": b.get("redirection_phone_number_id"),
            "dynamic_call_tracking_enabled": bool(b.get("dynamic_call_tracking_enabled", False))}
           for b in value]
    return sorted(out, key=_block_order)


def _block_order(block: Mapping[str, Any]) -> tuple[bool, int]:
    """By block id; blocks without one yet (unresolved ``Ref``) last, in document order."""
    block_id = block["site_block_id"]
    return (not isinstance(block_id, int), block_id if isinstance(block_id, int) else 0)


def request_value(name: str, value: Any) -> Any:
    """A normalised value as the API takes it (absent optional block fields left out)."""
    if name == "site_blocks":
        return [{k: v for k, v in b.items() if v is not None} for b in value]
    return value


def any_tracking(site_blocks: list[Mapping[str, Any]] | None) -> bool:
    return any(b.get("dynamic_call_tracking_enabled") for b in site_blocks or [])
