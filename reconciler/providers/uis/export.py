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

from reconciler.providers.uis.fields import DEFAULTS, live_fields

DCT = "dynamic_call_tracking"
CONDITION_FIELDS = ("type", "campaign_parameter", "operator", "value")


def document(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The document fields of one ``get.campaigns`` row, in the document model's order.

    Read through ``fields.live_fields``, so an empty value in any form UIS answers it (null, ``{}``,
    ``[]``) is left out alike, and what is written is what the next plan compares."""
    live = live_fields(raw)
    if raw.get("type", "basic") != "basic":
        return _system(raw["id"], live)
    doc: dict[str, Any] = {"name": live["name"]} if live.get("name") else {"id": raw["id"]}  # no name: pinned
    if live.get("description") is not None:
        doc["description"] = live["description"]
    doc["status"] = live.get("status") or "active"
    if live.get("site_id") is not None:
        doc["site_id"] = live["site_id"]
    if live.get("site_blocks"):
        doc["site_blocks"] = _blocks(live["site_blocks"])
    if live.get(DCT) is not None:
        doc[DCT] = live[DCT]
    conditions = live.get("campaign_conditions")
    if conditions and conditions["group_conditions"]:
        doc["campaign_conditions"] = _conditions(conditions)
    cost = {name: live.get(name, default) for name, default in DEFAULTS.items()}
    if cost != DEFAULTS:
        doc["cost_ratio"], doc["cost_ratio_operator"] = _number(cost["cost_ratio"]), cost["cost_ratio_operator"]
    return doc


def _system(campaign_id: Any, live: Mapping[str, Any]) -> dict[str, Any]:
    """UIS-01: a campaign UIS made is pinned by id, with only the fields UIS lets an update change."""
    doc: dict[str, Any] = {"id": campaign_id, "site_blocks": _blocks(live.get("site_blocks") or [])}
    if live.get(DCT) is not None:
        doc[DCT] = live[DCT]
    return doc


def _blocks(value: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Blocks by id, in block-id order, leaving out what is at its default (no redirection, no tracking)."""
    return [{k: v for k, v in block.items() if v is not None and v is not False} for block in value]


def _conditions(value: Mapping[str, Any]) -> dict[str, Any]:
    return {"group_conditions": [
        {"conditions": [{k: c[k] for k in CONDITION_FIELDS if k in c} for c in group.get("conditions", [])]}
        for group in value.get("group_conditions", [])]}


def _number(value: Any) -> Any:
    """A whole float as an integer (``1.0`` reads ``1``): the same number to the plan, easier to read."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
