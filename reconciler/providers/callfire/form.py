"""API 1.1 form bodies: PascalCase names, indexed lists, repeated enum lists (FACTS.md, CallFire).

``Question[0][Label]=..``, ``TransferNumber[1][Number]=..``, ``RetryConfig[MaxAttempts]=..`` and, for an
enum list, ``RetryConfig[RetryResults]=BUSY&RetryConfig[RetryResults]=NO_ANS``. Booleans are ``true`` /
``false``. ``encode`` writes a request (the client); ``decode`` reads one back (the sandbox).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

PARAMETER = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\[([A-Za-z0-9]+)\])?(?:\[([A-Za-z][A-Za-z0-9]*)\])?$")


class FormError(ValueError):
    """A parameter name that is not of the API's form."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A request's fields as form pairs (``id`` travels in the path and is left out)."""
    pairs: list[tuple[str, str]] = []
    for name, value in request.items():
        if name == "id" or value is None:
            continue
        if isinstance(value, Mapping):
            for sub, inner in value.items():
                values = inner if isinstance(inner, list) else [inner]
                pairs.extend((f"{name}[{sub}]", _text(v)) for v in values if v is not None)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                pairs.extend((f"{name}[{index}][{k}]", _text(v)) for k, v in item.items() if v is not None)
        else:
            pairs.append((name, _text(value)))
    return pairs


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs back into a request: ``{"Question": [{..}], "RetryConfig": {"RetryResults": [..]}, ..}``.

    A nested object's value is a list when its parameter repeats; list items come in index order.
    """
    top: dict[str, Any] = {}
    indexed: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in pairs:
        match = PARAMETER.match(key)
        if match is None:
            raise FormError(key)
        name, middle, leaf = match.groups()
        if middle is None:
            top[name] = value
        elif leaf is not None:
            if not middle.isdigit():
                raise FormError(key)
            indexed.setdefault(name, {}).setdefault(int(middle), {})[leaf] = value
        else:
            nested = top.setdefault(name, {})
            if not isinstance(nested, dict):
                raise FormError(key)
            previous = nested.get(middle)
            if previous is None:
                nested[middle] = value
            else:
                nested[middle] = [*previous, value] if isinstance(previous, list) else [previous, value]
    for name, by_index in indexed.items():
        if name in top:
            raise FormError(name)
        top[name] = [by_index[i] for i in sorted(by_index)]
    return top
