"""UIS campaigns normalised for diffing (ENG-05) and turned back into request values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.uis.model import UisCampaign

MANAGED = ("name", "description", "status", "site_id", "site_blocks", "dynamic_call_tracking",
           "campaign_conditions", "cost_ratio", "cost_ratio_operator")
BLOCK_FIELDS = ("site_block_id", "phone_number_id", "redirection_phone_number_id",
                "dynamic_call_tracking_enabled")
DISPLAY_KEYS = {"site_blocks": "site_block_id"}
DEFAULT_RESERVATION_TIME = "15m"


def desired_fields(doc: UisCampaign) -> dict[str, Any]:
    """The fields a document sets (ENG-02), normalised; ``id``, ``account`` and ``lifecycle`` excluded."""
    dumped = doc.model_dump(mode="json", include=set(doc.model_fields_set) & set(MANAGED))
    return {name: normalise(name, value) for name, value in sorted(dumped.items()) if value is not None}


def live_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A ``get.campaigns`` row normalised like ``desired_fields`` (read-only fields dropped)."""
    return {name: normalise(name, raw.get(name)) for name in MANAGED if name in raw}


def normalise(name: str, value: Any) -> Any:
    if name == "site_blocks":
        return blocks(value or [])
    if name == "dynamic_call_tracking":
        return None if value is None else {
            "reservation_time": value.get("reservation_time") or DEFAULT_RESERVATION_TIME,
            "count_virtual_numbers": value.get("count_virtual_numbers"),
            "count_visits": value.get("count_visits"),
        }
    return value


def blocks(value: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Blocks in a canonical form, ordered by block id (their order carries no meaning)."""
    out = [{"site_block_id": b.get("site_block_id"),
            "phone_number_id": b.get("phone_number_id"),
            "redirection_phone_number_id": b.get("redirection_phone_number_id"),
            "dynamic_call_tracking_enabled": bool(b.get("dynamic_call_tracking_enabled", False))}
           for b in value]
    return sorted(out, key=lambda b: (b["site_block_id"] is None, b["site_block_id"] or 0))


def request_value(name: str, value: Any) -> Any:
    """A normalised value as the API takes it (absent optional block fields left out)."""
    if name == "site_blocks":
        return [{k: v for k, v in b.items() if v is not None} for b in value]
    return value


def any_tracking(site_blocks: list[Mapping[str, Any]] | None) -> bool:
    return any(b.get("dynamic_call_tracking_enabled") for b in site_blocks or [])
