"""Enswitch campaigns normalised for diffing (ENG-05, ENS-08) and the defaults a create fills in (ENS-07).

Enswitch may answer any data value as a string (``"id":"1"``, ``"enabled":"0"``): integer fields are
turned back into integers and text fields into text, so an unchanged campaign never shows a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.base import CampaignDocument
from reconciler.providers.enswitch.model import EnswitchCampaign

INTEGER_FIELDS = ("enabled", "attempts", "maximum", "retry", "keep_agents_available", "owner", "recordgroup",
                  "timegroup")
TEXT_FIELDS = ("name", "description", "callerid", "dtype", "dnumber", "machine", "success")
MANAGED = tuple(sorted(INTEGER_FIELDS + TEXT_FIELDS))
DOCUMENT_ORDER = ("name", "description", "dtype", "dnumber", "callerid", "enabled", "machine", "success",
                  "attempts", "maximum", "retry", "keep_agents_available", "owner", "recordgroup", "timegroup")
"""The document model's field order, which ``export`` writes."""
REQUIRED_ON_CREATE = ("name", "dtype", "dnumber")
KEEP = "keep_agents_available"
DEFAULTS: Mapping[str, Any] = {
    "attempts": 1, "callerid": "", "description": "", "enabled": 1, "machine": "failed", "maximum": 1,
    KEEP: 0, "owner": 0, "recordgroup": 0, "retry": 3600, "success": "answer", "timegroup": 0,
}
"""ENS-07: what ``bulk/campaigns/create`` gives a field it is not sent (FACTS.md)."""


def desired_fields(doc: CampaignDocument) -> dict[str, Any]:
    """The fields a document sets (ENG-02); ``id``, ``account`` and ``lifecycle`` excluded."""
    assert isinstance(doc, EnswitchCampaign)
    dumped = doc.model_dump(mode="json", include=set(doc.model_fields_set) & set(MANAGED))
    return {name: value for name, value in sorted(dumped.items()) if value is not None}


def live_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A ``bulk/campaigns/list`` row normalised like ``desired_fields`` (ENS-08: strings become numbers)."""
    return {name: normalise(name, raw[name]) for name in MANAGED if name in raw}


def normalise(name: str, value: Any) -> Any:
    """One value as the model types it: integers for integer fields, text for the rest."""
    if name in INTEGER_FIELDS:
        return integer(value)
    return "" if value is None else str(value)


def integer(value: Any) -> Any:
    """``"12"`` -> 12; anything that is not a whole number is kept as it came, so it shows as a change."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return value


def export(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The document fields of one ``bulk/campaigns/list`` row (``reconciler import``), in the model's order.

    A field at the value a create gives by default (ENS-07) is left out, so it stays unmanaged (ENG-02);
    ``name``, ``dtype`` and ``dnumber`` are always written, as a create needs them.
    """
    live = live_fields(raw)
    return {name: live[name] for name in DOCUMENT_ORDER
            if name in live and (name in REQUIRED_ON_CREATE or live[name] != DEFAULTS.get(name))}
