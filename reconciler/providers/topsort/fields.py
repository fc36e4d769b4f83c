"""Topsort campaigns normalised for diffing (ENG-05), what a create fills in, and what a document exports.

Both sides are brought to one shape: times as canonical UTC text, numbers as the model types them, the
lists of segments and product ids sorted (their order carries no meaning), nested objects with every member.
Read-only fields (TOP-09) are never part of it. Two values cannot be compared as they are:

- ``startDate``: a start in the past is set to the moment the request arrives (TOP-03). A desired start in
  the past and a live start in the past are the same thing: the campaign has started (``settled``).
- ``bids`` are create-time only and the campaign model answers just ``bidCount`` (TOP-10): the live side of
  ``bids`` is that count, and a desired list of as many bids is no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from reconciler.providers.base import CampaignDocument
from reconciler.providers.topsort.constraints import CLOCK_SKEW, canonical, in_past
from reconciler.providers.topsort.model import AdFormat, TopsortCampaign

MANAGED = ("name", "externalCampaignId", "campaignType", "adFormat", "chargeType", "isActive", "isSmart",
           "isAutoTrigger", "startDate", "endDate", "budget", "targetRoas", "autobiddingObjective",
           "multiplierConfig", "targetingFilters", "exclusionFilters", "productIds")
"""The campaign fields a document manages, by the vendor's names."""
VENDOR = "vendor_id"
BIDS = "bids"
CREATE_ONLY = (VENDOR, BIDS)
"""Document fields that are not campaign fields: sent once, on create (TOP-10)."""
OBJECTS = ("budget", "multiplierConfig", "targetingFilters", "exclusionFilters")
"""TOP-01: nested objects, always sent whole."""
CLEARABLE = ("targetRoas", "autobiddingObjective", "multiplierConfig", "targetingFilters", "exclusionFilters")
"""Fields the campaign model allows to be null: a document's ``null`` clears them."""
FIXED = ("adFormat", VENDOR)
"""TOP-09: read-only once the campaign exists; a change needs a new campaign."""
DEFAULTS: Mapping[str, Any] = {"isActive": True, "isSmart": False, "isAutoTrigger": False, "chargeType": "CPC",
                               "adFormat": "listing", "status": "approved"}
"""What a create gives a field it is not sent (FACTS.md; chargeType and adFormat: the sandbox's reading)."""
LISTS = {"multiplierConfig": ("multipliers", ("type", "segmentId", "multiplier")),
         "targetingFilters": ("targetingFilters", ("type", "segmentId")),
         "exclusionFilters": ("exclusionFilters", ("type", "segmentId"))}
"""Each nested object's list member and the fields of its items."""


def desired_fields(doc: CampaignDocument) -> dict[str, Any]:
    """The fields a document sets (ENG-02), normalised; ``null`` kept only where it clears a field."""
    assert isinstance(doc, TopsortCampaign)
    wanted = set(doc.model_fields_set) & {*MANAGED, *CREATE_ONLY}
    dumped = doc.model_dump(mode="json", include=wanted)
    return {name: normalise(name, value) for name, value in sorted(dumped.items())
            if value is not None or name in CLEARABLE}


def live_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign model as the API answers it, normalised like ``desired_fields`` (read-only fields left out)."""
    out = {name: normalise(name, raw[name]) for name in MANAGED if name in raw}
    if raw.get("vendorId") is not None:
        out[VENDOR] = raw["vendorId"]
    if isinstance(raw.get("bidCount"), int):
        out[BIDS] = raw["bidCount"]
    return out


def normalise(name: str, value: Any) -> Any:
    """One value in the shape both sides are compared in."""
    if value is None:
        return None
    if name in ("startDate", "endDate"):
        return canonical(value)
    if name == "budget" and isinstance(value, Mapping):
        return {"amount": value.get("amount"), "type": value.get("type")}  # amountUsed & co are read-only
    if name in LISTS and isinstance(value, Mapping):
        member, keys = LISTS[name]
        items = [{k: _number(k, item.get(k)) for k in keys} for item in value.get(member) or []
                 if isinstance(item, Mapping)]
        return {"isActive": bool(value.get("isActive", True)),
                member: sorted(items, key=lambda i: tuple(str(i[k]) for k in keys))}
    if name == BIDS and isinstance(value, list):  # as sent: the bids' optional members only when given
        return [{k: v for k, v in bid.items() if v is not None} if isinstance(bid, Mapping) else bid
                for bid in value]
    if name == "productIds" and isinstance(value, list):
        return sorted(str(v) for v in value)
    if name == "targetRoas":
        return _number(name, value)
    return value


def _number(name: str, value: Any) -> Any:
    """Multipliers and ROAS as floats (``2`` and ``2.0`` are one value); whole ids stay integers."""
    if name in ("multiplier", "targetRoas") and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def settled(name: str, desired: Any, live: Any) -> bool:
    """Whether ``live`` is what Topsort made of ``desired`` (see the module docstring)."""
    if name == "startDate":
        return in_past(desired) and in_past(live, slack=CLOCK_SKEW)
    if name == BIDS:
        return isinstance(desired, list) and isinstance(live, int) and len(desired) == live
    return False


def identity(raw: Mapping[str, Any]) -> str | None:
    """The natural key of a campaign (TOP-07): its externalCampaignId, else its name."""
    external = raw.get("externalCampaignId")
    return external if external is not None else raw.get("name")


def export(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The document fields of one campaign model (``reconciler import``), in the document model's order.

    A field at the value a create gives it is left out, so it stays unmanaged (ENG-02), and so is a
    clearable field that is null; ``vendor_id`` and ``bids`` cannot be read back as sent and are left out,
    and so is an ad format a document cannot set.
    """
    live = live_fields(raw)
    if live.get("adFormat") not in get_args(AdFormat):
        live.pop("adFormat", None)  # a format only Topsort's own tools make (sponsored_brand, ...): unmanaged
    order = [name for name in TopsortCampaign.model_fields if name in MANAGED]
    return {name: live[name] for name in order
            if live.get(name) is not None and live[name] != DEFAULTS.get(name)}
