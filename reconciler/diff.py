"""Field-level differences between a normalised desired campaign and a normalised live one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reconciler.model import FieldChange


def changed_fields(desired: Mapping[str, Any], live: Mapping[str, Any], ignore: Sequence[str] = (),
                   settled: Callable[[str, Any, Any], bool] | None = None) -> dict[str, tuple[Any, Any]]:
    """Top-level fields the desired state sets to another value than live (ENG-02: only those it sets).

    Values are already normalised by the provider (ENG-05), so plain equality is the comparison, except
    where ``settled(name, desired, live)`` says the vendor made the live value of the desired one.
    """
    if desired.items() <= live.items():  # in C, without hashing values: most campaigns are as documented
        return {}
    changes = {name: (live.get(name), value) for name, value in desired.items()
               if live.get(name) != value and name not in ignore
               and not (settled is not None and settled(name, value, live.get(name)))}
    return dict(sorted(changes.items())) if len(changes) > 1 else changes  # most campaigns have none to sort


def leaf_changes(name: str, before: Any, after: Any, keys: Mapping[str, str] | None = None) -> list[FieldChange]:
    """What changes inside one field, as leaf paths for display (``site_blocks[site_block_id=11].x``).

    ``keys`` names, per list field, the item field that identifies an item, so a removed item is shown
    as removed rather than as every following item shifting.
    """
    keyed = keys or {}
    b, a = _keyed(name, before, keyed), _keyed(name, after, keyed)
    if not isinstance(b, dict | list) or not isinstance(a, dict | list) or type(a) is not type(b):
        return [FieldChange(name, before, after)]
    if not b or not a:  # all items added or all removed: one change per item
        filled = a or b
        items = list(enumerate(filled)) if isinstance(filled, list) else list(filled.items())
        return [FieldChange(name + _segment(k), None if a else v, v if a else None) for k, v in items]
    from deepdiff import DeepDiff  # only when a plan shows changes: validate and --help never load it
    from deepdiff.helper import NotPresent

    tree = DeepDiff(b, a, view="tree", ignore_numeric_type_changes=True)
    out: list[FieldChange] = []
    for items in tree.values():
        for level in items:
            path = name + "".join(_segment(p) for p in level.path(output_format="list"))
            before, after = (None if isinstance(v, NotPresent) else v for v in (level.t1, level.t2))
            out.append(FieldChange(path, before, after))
    return sorted(out, key=lambda c: c.path)


def _keyed(name: str, value: Any, keys: Mapping[str, str]) -> Any:
    key = keys.get(name)
    if key and isinstance(value, list) and all(isinstance(v, dict) and key in v for v in value):
        return {f"{key}={v[key]}": v for v in value}
    return value


def _segment(part: Any) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    if isinstance(part, str) and "=" in part:
        return f"[{part}]"
    return f".{part}"
