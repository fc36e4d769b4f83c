"""A live UIS campaign -> the document that describes it (``reconciler import``).

Only what a document manages is written, with the vendor's field names and ids (never the read-only
names and numbers ``get.campaigns`` adds, such as ``site_block_name`` or ``phone_number``). A field at the
value UIS gives a campaign that does not set it is left out, so it stays unmanaged (ENG-02): no
``description``, no ``site_blocks``, no ``dynamic_call_tracking`` or ``campaign_conditions``, and
``cost_ratio`` 1 with ``cost_ratio_operator: wo_changes``. A system or integrated campaign is pinned by its
id and describes only what UIS lets a document change there: its blocks and dynamic call tracking (UIS-01).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.uis.fields import blocks, normalise

DCT = "dynamic_call_tracking"
DEFAULT_COST = (1, "wo_changes")
CONDITION_FIELDS = ("type", "campaign_parameter", "operator", "value")


def document(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The document fields of one ``get.campaigns`` row, in the document model's order."""
    if raw.get("type", "basic") != "basic":
        return _system(raw)
    doc: dict[str, Any] = {"name": raw["name"]}
    if raw.get("description") is not None:
        doc["description"] = raw["description"]
    doc["status"] = raw.get("status") or "active"
    if raw.get("site_id") is not None:
        doc["site_id"] = raw["site_id"]
    if raw.get("site_blocks"):
        doc["site_blocks"] = _blocks(raw["site_blocks"])
    if raw.get(DCT) is not None:
        doc[DCT] = normalise(DCT, raw[DCT])
    if raw.get("campaign_conditions") is not None:
        doc["campaign_conditions"] = _conditions(raw["campaign_conditions"])
    cost = (raw.get("cost_ratio", 1), raw.get("cost_ratio_operator", "wo_changes"))
    if cost != DEFAULT_COST:
        doc["cost_ratio"], doc["cost_ratio_operator"] = _number(cost[0]), cost[1]
    return doc


def _system(raw: Mapping[str, Any]) -> dict[str, Any]:
    """UIS-01: a campaign UIS made is pinned by id, with only the fields UIS lets an update change."""
    doc: dict[str, Any] = {"id": raw["id"], "site_blocks": _blocks(raw.get("site_blocks") or [])}
    if raw.get(DCT) is not None:
        doc[DCT] = normalise(DCT, raw[DCT])
    return doc


def _blocks(value: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Blocks by id, in block-id order, leaving out what is at its default (no redirection, no tracking)."""
    return [{k: v for k, v in block.items() if v is not None and v is not False} for block in blocks(value)]


def _conditions(value: Mapping[str, Any]) -> dict[str, Any]:
    return {"group_conditions": [
        {"conditions": [{k: c[k] for k in CONDITION_FIELDS if k in c} for c in group.get("conditions", [])]}
        for group in value.get("group_conditions", [])]}


def _number(value: Any) -> Any:
    """A whole float as an integer (``1.0`` reads ``1``): the same number to the plan, easier to read."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
