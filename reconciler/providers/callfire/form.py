"""API 1.1 form bodies as CallFire's official clients send them (``application/x-www-form-urlencoded``).

- ``RetryConfig``'s fields travel at the top level: ``MaxAttempts=3&RetryResults=BUSY NO_ANS`` (Java client
  ``CccBroadcast.java``: ``@QueryParamObject RetryConfig``, read field by field by ``ClientUtils.readObject``;
  PHP SDK ``Rest/Request/UpdateCccCampaign.php`` has ``maxAttempts`` ... ``retryPhoneTypes`` as top-level
  parameters).
- An enum list is ONE parameter, its values joined by spaces (PHP ``AbstractClient::buildPostData``:
  ``implode(' ', $value)``; the answer's own form). The Java client repeats the parameter instead
  (``CccsApiTest``: ``RetryResults=BUSY`` and ``RetryResults=NO_ANS``): the sandbox accepts both.
- Questions and transfer numbers are indexed, with the Java client's lower-camel keys: ``Question[0][label]``,
  ``Question[0][responseType]``, ``Question[0][choices]`` (choices joined by spaces), ``TransferNumber[0][name]``,
  ``[number]``, ``[allowAssistedTransfer]`` (``Question.java``, ``TransferNumber.java`` ``serializeToMap``).
  Whether CallFire reads these keys case-sensitively is not documented: the sandbox accepts either case.
- An empty enum list is not sent. Booleans are ``true`` / ``false``; ``LocalRestrictBegin`` / ``End`` are ``HH:mm:ss``.

``encode`` writes a request (the client); ``decode`` reads one back into the PascalCase request the sandbox
checks (``{"RetryConfig": {..}, "Question": [{"Label": ..}], ..}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.providers.callfire.wire import ENUM_LIST_FIELDS, enum_list, joined

RETRY = "RetryConfig"
RETRY_FIELDS = ("MaxAttempts", "MinutesBetweenAttempts", *ENUM_LIST_FIELDS)
ITEM_KEYS: Mapping[str, tuple[str, ...]] = {"Question": ("Label", "ResponseType", "Choices"),
                                             "TransferNumber": ("Name", "Number", "AllowAssistedTransfer")}
"""Each indexed list's item fields (PascalCase, as answers and documents name them)."""
PARAMETER = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\[([A-Za-z0-9]+)\])?(?:\[([A-Za-z][A-Za-z0-9]*)\])?$")


class FormError(ValueError):
    """A parameter name that is not of the API's form."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _camel(name: str) -> str:
    """``ResponseType`` -> ``responseType``: the item keys the Java client sends."""
    return name[:1].lower() + name[1:]


def encode(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A request's fields as form pairs (``id`` travels in the path and is left out)."""
    pairs: list[tuple[str, str]] = []
    for name, value in request.items():
        if name == "id" or value is None:
            continue
        if name == RETRY and isinstance(value, Mapping):
            pairs.extend(_scalar(sub, inner) for sub, inner in value.items() if _sent(sub, inner))
        elif name in ITEM_KEYS and isinstance(value, list):
            for index, item in enumerate(value):
                pairs.extend((f"{name}[{index}][{_camel(k)}]", _text(v)) for k, v in item.items() if v is not None)
        else:
            pairs.append(_scalar(name, value))
    return pairs


def _sent(name: str, value: Any) -> bool:
    """An empty enum list is left out, as the Java client leaves it (an empty collection adds no parameter):
    a field not sent takes its default, the empty list (CF-01)."""
    return value is not None and (name not in ENUM_LIST_FIELDS or bool(enum_list(value)))


def _scalar(name: str, value: Any) -> tuple[str, str]:
    return (name, joined(value)) if name in ENUM_LIST_FIELDS else (name, _text(value))


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs back into a request; a repeated top-level parameter becomes a list (an enum list's values
    are split at spaces and gathered), list items come in index order, item keys in either case.

    A ``Name[key]`` parameter (such as ``RetryConfig[MaxAttempts]``) is kept under its whole name, which no
    operation takes: the official clients never send one.
    """
    top: dict[str, Any] = {}
    indexed: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in pairs:
        match = PARAMETER.match(key)
        if match is None:
            raise FormError(key)
        name, middle, leaf = match.groups()
        if middle is None:
            previous = top.get(name)
            top[name] = value if previous is None else [*previous, value] if isinstance(previous, list) \
                else [previous, value]
        elif leaf is None:
            if middle.isdigit():
                raise FormError(key)
            top[key] = value
        else:
            if not middle.isdigit():
                raise FormError(key)
            fields = {f.lower(): f for f in ITEM_KEYS.get(name, ())}
            indexed.setdefault(name, {}).setdefault(int(middle), {})[fields.get(leaf.lower(), leaf)] = value
    retry = {name: top.pop(name) for name in RETRY_FIELDS if name in top}
    for name in ENUM_LIST_FIELDS:
        if name in retry:
            retry[name] = enum_list(retry[name])
    if retry:
        if RETRY in top:
            raise FormError(RETRY)
        top[RETRY] = retry
    for name, by_index in indexed.items():
        if name in top:
            raise FormError(name)
        top[name] = [by_index[i] for i in sorted(by_index)]
    return top
