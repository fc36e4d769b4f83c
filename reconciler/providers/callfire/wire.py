"""CallFire API 1.1 JSON answers as the vendor writes them, read by the client and written by the sandbox.

Sources (see docs/vendors.md, CallFire):
- ``@``-prefixed attributes: a resource's id is ``@id``, a list's total ``@totalResults`` (Java client
  ``CccBroadcast.java`` ``@JsonProperty("@id")``, ``ResourceList.java`` ``@JsonProperty("@totalResults")``;
  PHP SDK ``Rest/querymap.php`` ``'id' => '@id'``).
- The list's (and the resource's) one other key names the item type. The page calls the object ``CccCampaign``
  (so does the PHP SDK's XML map); the Java client's recorded answers (``ccc/get.json``, ``ccc/query.json``)
  carry ``CccBroadcast``, and that client takes whatever the key is (``@JsonAnySetter``). So do we; the
  sandbox answers ``CccCampaign`` as the page does.
- Enum lists come back as ONE space-separated string, ``""`` when empty (``"RetryPhoneTypes": "FIRST_NUMBER"``;
  Java ``RetryConfig.java`` splits it with ``ClientUtils.deserializeEnumString``).
- ``LocalRestrictBegin`` / ``End`` come back with a zone suffix, ``"08:00:00Z"`` (Java
  ``ZONED_TIME_FORMAT_PATTERN = "HH:mm:ssX"``); they are sent without one (``TIME_FORMAT_PATTERN = "HH:mm:ss"``).
- Inferred (not documented): a one-item list may come as a bare object, as JSON made from XML often does; it is
  read as a list of one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ID = "@id"
TOTAL = "@totalResults"
ITEM = "CccCampaign"
"""The item key the sandbox answers with (the documentation's name for the object)."""
ENUM_LIST_FIELDS = ("RetryResults", "RetryPhoneTypes")
WINDOW_FIELDS = ("LocalRestrictBegin", "LocalRestrictEnd")
ZONE = re.compile(r"^(\d{2}:\d{2}:\d{2})(?:Z|[+-]\d{2}(?::?\d{2})?)$")


def enum_list(value: Any) -> list[str]:
    """``"BUSY NO_ANS"`` (the answer's form) or ``["BUSY", "NO_ANS"]`` -> ``["BUSY", "NO_ANS"]``; never the
    characters of a string."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, (list, tuple)):
        return [word for item in value for word in enum_list(item)]
    return [str(value)]


def joined(value: Any) -> str:
    """An enum list as a request sends it: one parameter, values separated by spaces."""
    return " ".join(enum_list(value))


def local_time(value: Any) -> str | None:
    """``"08:00:00Z"`` (the answer's form) -> ``"08:00:00"`` (the form a request and a document use)."""
    if value in (None, ""):
        return None
    text = str(value)
    match = ZONE.match(text)
    return match.group(1) if match else text


def as_list(value: Any) -> list[Any]:
    """A list field of an answer: absent is empty, a bare object is a list of one (inferred)."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def items(container: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items of a ResourceList: the values under its one key that is not an ``@`` attribute."""
    out: list[dict[str, Any]] = []
    for key, value in container.items():
        if not key.startswith("@"):
            out.extend(item for item in as_list(value) if isinstance(item, dict))
    return out


def total(listing: Mapping[str, Any], seen: int) -> int:
    """A ResourceList's ``@totalResults`` (``seen`` when an answer lacks it)."""
    try:
        return int(listing.get(TOTAL, seen))
    except (TypeError, ValueError):
        return seen


def resource(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The campaign of a GetCccCampaign answer ``{"Resource": {"CccCampaign": {..}}}`` ({} when none)."""
    found = items(answer.get("Resource") or {})
    return found[0] if found else {}


def campaign_id(row: Mapping[str, Any]) -> int:
    """A campaign's id, from its ``@id`` attribute."""
    return int(row[ID])


def answered(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A stored (seed-shaped) campaign as CallFire answers it: ``@id``, enum lists as one string, zoned times."""
    out: dict[str, Any] = {ID: campaign["id"]}
    for key, value in campaign.items():
        if key == "id":
            continue
        if key == "RetryConfig" and isinstance(value, Mapping):
            value = {k: joined(v) if k in ENUM_LIST_FIELDS else v for k, v in value.items()}
        elif key in WINDOW_FIELDS and value is not None:
            value = f"{value}Z"
        out[key] = value
    return out
