"""Core immutable types that flow through the engine.

documents -> Desired; provider read -> Live; diff -> FieldChange; provider plan -> Operation; -> Plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a source file; line and column count from 1."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Located:
    """Where each value of one YAML document came from."""

    file: str
    values: Mapping[Path, Pos]
    keys: Mapping[Path, Pos]

    def pos(self, path: Path = (), *, key: bool = False) -> Pos:
        """The position of ``path`` (its key with ``key=True``), else of its nearest located ancestor."""
        table = self.keys if key else self.values
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if key and p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), Pos(self.file, 1, 1))


@dataclass(frozen=True)
class Lifecycle:
    allow_replace: bool = False
    prevent_destroy: bool = False
    ignore_changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Desired:
    """One desired campaign: the fields its document sets, normalised, and where they came from."""

    account: str
    key: str | None
    pinned_id: Any
    fields: Mapping[str, Any]
    lifecycle: Lifecycle
    source: Located

    @property
    def label(self) -> str:
        return self.key if self.key is not None else f"id {self.pinned_id}"


@dataclass(frozen=True)
class Live:
    """One live campaign as the vendor reads it back."""

    id: Any
    key: str | None
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class LiveState:
    """Everything read from one account: its campaigns and any reference data the provider needs."""

    campaigns: tuple[Live, ...]
    references: Mapping[str, Any] = field(default_factory=dict)
    calls: int = 0


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    CONTROL = "control"
    REPLACE = "replace"


@dataclass(frozen=True)
class ResultRef:
    """A request value known only once an earlier operation has run (e.g. the id of a created campaign)."""

    operation: str
    field: str

    def __str__(self) -> str:
        return f"(known after {self.operation})"


@dataclass(frozen=True)
class Operation:
    """One vendor call the plan will make, with what it changes and what it waits for."""

    id: str
    account: str
    campaign: str
    action: Action
    method: str
    request: Mapping[str, Any]
    changes: tuple[FieldChange, ...] = ()
    side_effects: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    operations: tuple[Operation, ...]
    accounts: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.operations

    def counts(self) -> Counter[Action]:
        """Campaign-level counts: several calls for one campaign count once, by their first action."""
        seen: dict[tuple[str, str], Action] = {}
        for op in self.operations:
            seen.setdefault((op.account, op.campaign), op.action)
        return Counter(seen.values())
