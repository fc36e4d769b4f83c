"""CallFire campaigns normalised for diffing (ENG-05), merged into full configurations (CF-01) and exported.

Campaigns are compared as flat field maps: ``RetryConfig``'s subfields become ``RetryConfig.MaxAttempts`` and
so on, so a document that sets one subfield manages only that one (ENG-02). ``Question`` and
``TransferNumber`` are lists of items identified by ``Label`` / ``Name``; questions are asked in their order,
transfer numbers have none (they are sorted by name). ``Status`` is the run state: CallFire's many statuses
fold into RUNNING, STOPPED and ARCHIVED where they mean one of those; any other (SUSPENDED, DECLINED, ...) is
kept as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.providers.base import CampaignDocument
from reconciler.providers.callfire import wire
from reconciler.providers.callfire.model import CallFireCampaign

RETRY = "RetryConfig"
RETRY_FIELDS = ("MaxAttempts", "MinutesBetweenAttempts", "RetryResults", "RetryPhoneTypes")
ITEM_KEYS = {"Question": "Label", "TransferNumber": "Name"}
"""CF-05: the field that identifies an item of each list."""
ORDERED = frozenset({"Question"})
"""Lists whose order carries meaning: agents ask the questions in their order."""
TEXT = ("Label", "Script", "AgentGroupName", "TransferCallerId")
NULLABLE = ("FromNumber", "LocalRestrictBegin", "LocalRestrictEnd", "AgentGroupId", "SmartDropSoundId",
            "SmartDropSoundRef")
"""Fields whose absence is null: a document may set them to null to clear them."""
BOOLEAN = ("AllowAnyTransfer", "Recorded", "MultilineDialingEnabled")
INTEGER = ("AgentGroupId", "SmartDropSoundId", "MultilineDialingRatio", "ScrubLevel", "NumberOfRings",
           "RetryConfig.MaxAttempts", "RetryConfig.MinutesBetweenAttempts")
ENUM_LISTS = ("RetryConfig.RetryResults", "RetryConfig.RetryPhoneTypes")
DEFAULTS: Mapping[str, Any] = {
    "Label": "", "Script": "", "FromNumber": None, "LocalRestrictBegin": None, "LocalRestrictEnd": None,
    "Question": [], "TransferNumber": [],
    "RetryConfig.MaxAttempts": 1, "RetryConfig.MinutesBetweenAttempts": 60, "RetryConfig.RetryResults": [],
    "RetryConfig.RetryPhoneTypes": [],
    "AgentGroupId": None, "AgentGroupName": "", "SmartDropSoundId": None, "SmartDropSoundRef": None,
    "AllowAnyTransfer": False, "TransferCallerId": "", "Recorded": False, "MultilineDialingRatio": 1,
    "MultilineDialingEnabled": False, "ScrubLevel": 0, "NumberOfRings": 4,
}
"""CF-01: what a create or an update gives each configuration field it is not sent."""
CONFIG = tuple(DEFAULTS)
"""Every configuration field UpdateCccCampaign overwrites, in document order (flat names)."""
MANAGED = ("Name", "Status", *CONFIG)
READ_ONLY = ("id", wire.ID, "Status", "Created", "LastModified", "ConfigUpdated")
KNOWN = frozenset({*READ_ONLY, "Name", *(name.split(".")[0] for name in CONFIG)})
RUNNING_LIKE = frozenset({"RUNNING", "START_PENDING", "VALIDATING_START", "SCHEDULED"})
STOPPED_LIKE = frozenset({"STOPPED", "SETUP", "FINISHED", "PAUSED", "APPROVED", "TEST"})
RUN_STATES = ("RUNNING", "STOPPED", "ARCHIVED")


def run_state(status: Any) -> str:
    """CallFire's status folded into the run state a document names (others kept as they are)."""
    text = str(status or "SETUP")
    if text in RUNNING_LIKE:
        return "RUNNING"
    if text in STOPPED_LIKE:
        return "STOPPED"
    return text


def flatten(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign's top-level fields with ``RetryConfig`` spread into ``RetryConfig.<subfield>`` ones."""
    out = {k: v for k, v in raw.items() if k != RETRY}
    retry = raw.get(RETRY)
    if isinstance(retry, Mapping):
        out.update({f"{RETRY}.{k}": v for k, v in retry.items()})
    return out


def desired_fields(doc: CampaignDocument) -> dict[str, Any]:
    """The fields a document sets (ENG-02), flat and normalised; ``id``, ``account``, ``lifecycle`` excluded,
    and so are the fields ``lifecycle.ignore_changes`` names (``RetryConfig`` covers its subfields)."""
    assert isinstance(doc, CallFireCampaign)
    dumped = doc.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name in doc.model_fields_set - {"id", "account", "lifecycle"}:
        if name == RETRY:
            if doc.RetryConfig is not None:
                out.update({f"{RETRY}.{k}": dumped[RETRY][k] for k in doc.RetryConfig.model_fields_set
                            if dumped[RETRY][k] is not None})
        elif dumped[name] is not None or name in NULLABLE:
            out[name] = dumped[name]
    ignored = tuple(doc.lifecycle.ignore_changes) if doc.lifecycle else ()
    return {name: normalise(name, value) for name, value in sorted(out.items())
            if not any(name == path or name.startswith(path + ".") for path in ignored)}


def live_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A GetCccCampaign answer normalised like ``desired_fields``; a field it lacks has its default. The
    answer's forms (``wire``) read as a document writes them: ``"BUSY NO_ANS"`` is ``["BUSY", "NO_ANS"]`` and
    ``"08:00:00Z"`` is ``"08:00:00"``, so an applied configuration plans clean (ENG-04)."""
    flat = flatten(raw)
    fields = {"Name": normalise("Name", flat.get("Name")), "Status": normalise("Status", flat.get("Status"))}
    fields.update({name: normalise(name, flat.get(name, DEFAULTS[name])) for name in CONFIG})
    return fields


def normalise(name: str, value: Any) -> Any:
    """One value as the model types it (ENG-05): CallFire may answer numbers and booleans as text."""
    if name == "Status":
        return run_state(value)
    if name in ITEM_KEYS:
        return items(name, (v for v in wire.as_list(value) if isinstance(v, Mapping)))
    if name in ENUM_LISTS:
        return sorted(set(wire.enum_list(value)))
    if name in wire.WINDOW_FIELDS:
        return wire.local_time(value)
    if name in BOOLEAN:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if name in INTEGER:
        return None if value in (None, "") else _integer(value)
    if name in NULLABLE:
        return None if value in (None, "") else str(value)
    return "" if value is None else str(value)


def _integer(value: Any) -> Any:
    try:
        return int(str(value).strip())
    except ValueError:
        return value  # kept as it came, so it shows as a change


def items(name: str, value: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Questions (in their order) or transfer numbers (sorted by name) in canonical form."""
    if name == "Question":
        out = [{"Label": str(q.get("Label", "")), "ResponseType": str(q.get("ResponseType") or "STRING"),
                "Choices": _choices(q.get("Choices"))} for q in value]
    else:
        out = [{"Name": str(t.get("Name", "")), "Number": str(t.get("Number", "")),
                "AllowAssistedTransfer": normalise("AllowAnyTransfer", t.get("AllowAssistedTransfer", False))}
               for t in value]
    return out if name in ORDERED else sorted(out, key=lambda item: str(item[ITEM_KEYS[name]]))


def _choices(value: Any) -> str | None:
    """A question's choices as one text; a list (the Java client's ``List<String> choices``) joined by spaces,
    as that client sends it (inferred for answers: the docs type Choices as a string)."""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return str(value) if value else None


def updated_items(existing: Sequence[Mapping[str, Any]], sent: Sequence[Mapping[str, Any]],
                  key: str) -> list[Mapping[str, Any]]:
    """CF-05: what an update leaves: each sent item replaces the one with its key in place, or is added at the
    end; the items it does not send stay."""
    by_key = {str(item.get(key)): item for item in sent}
    kept = [by_key.pop(str(item.get(key)), item) for item in existing]
    return kept + [item for item in sent if str(item.get(key)) in by_key]


def merged(live: Mapping[str, Any], desired: Mapping[str, Any], ignore: Iterable[str] = ()) -> dict[str, Any]:
    """CF-01: the whole configuration an update must carry, live overlaid with desired (flat, normalised)."""
    skipped = set(ignore)
    return {name: desired[name] if name in desired and name not in skipped else live[name] for name in CONFIG}


def request_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A flat configuration as the request carries it: RetryConfig nested, null values and items' empty
    optional fields left out (leaving a field out gives it its default, which is null)."""
    out: dict[str, Any] = {}
    for name, value in config.items():
        if value is None:
            continue
        if name in ITEM_KEYS:
            value = [{k: v for k, v in item.items() if v is not None} for item in value]
        if name.startswith(RETRY + "."):
            out.setdefault(RETRY, {})[name.split(".", 1)[1]] = value
        else:
            out[name] = value
    return out


def export(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The document fields of one campaign (``reconciler import``), in the model's order.

    ``Name`` always; ``Status`` when it is a run state a document can ask for; every configuration field
    that is not at the value a create gives it (CF-01 defaults), so the rest stays unmanaged (ENG-02).
    """
    live = live_fields(raw)
    doc: dict[str, Any] = {"Name": live["Name"]}
    if live["Status"] in RUN_STATES:
        doc["Status"] = live["Status"]
    chosen = {name: live[name] for name in CONFIG if live[name] != DEFAULTS[name]}
    for name, value in request_config(chosen).items():
        if name in ITEM_KEYS:
            value = [{k: v for k, v in item.items() if v is not False} for item in value]
        doc[name] = value
    return doc
