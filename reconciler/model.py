"""Core immutable types that flow through the engine.

documents -> Desired; provider read -> Live; diff -> FieldChange; provider plan -> Operation; -> Plan.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
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


class Located:
    """Where each value and key of one YAML document came from.

    ``spots`` holds the line and column of each value and key (two numbers each) in the order they were
    read: a value, then, for a mapping, each key followed by its value, and for a sequence each item.
    ``pos`` finds a path's place in that order by walking the document's values (``data``): only a problem
    needs a position, so none is looked up while reading.
    ``aliases`` maps a path the document does not have (an id a readable reference stands for) to the path
    that stands for it.
    """

    __slots__ = ("aliases", "data", "file", "spots")

    def __init__(self, file: str, data: Any = None, spots: Sequence[int] = (), *,
                 aliases: Mapping[Path, Path] | None = None) -> None:
        self.file = file
        self.data = data
        self.spots = spots
        self.aliases: Mapping[Path, Path] = aliases or {}

    def alias(self, more: Mapping[Path, Path]) -> Located:
        """The same source where each path of ``more`` is found where the path it maps to is."""
        return Located(self.file, self.data, self.spots, aliases={**self.aliases, **more})

    def pos(self, path: Path = (), *, key: bool = False) -> Pos:
        """The position of ``path`` (its key with ``key=True``, where it has one), else of its nearest
        located ancestor."""
        p = tuple(path)
        while p:
            found = _place(self.data, p)
            if found is not None:
                value, key_at = found
                return self._at(key_at if key and key_at is not None else value)
            if p in self.aliases:
                return self.pos(self.aliases[p], key=key)
            p = p[:-1]
        return self._at(0)

    def _at(self, place: int) -> Pos:
        if 2 * place + 1 < len(self.spots):
            return Pos(self.file, self.spots[2 * place], self.spots[2 * place + 1])
        return Pos(self.file, 1, 1)


def _place(data: Any, path: Path) -> tuple[int, int | None] | None:
    """The place of the value at ``path`` in reading order, and of its key (None for an item of a sequence);
    None if ``data`` has no such path."""
    place, key_place, node = 0, None, data
    for step in path:
        place += 1  # past the collection itself
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            for name, value in node.items():
                if name == step:
                    key_place, place, node = place, place + 1, value
                    break
                place += 1 + _size(value)
        elif isinstance(node, list) and type(step) is int and 0 <= step < len(node):
            place += sum(_size(item) for item in node[:step])
            key_place, node = None, node[step]
        else:
            return None
    return place, key_place


def _size(value: Any) -> int:
    """How many places ``value`` takes in reading order: itself, and each key and value it holds."""
    if isinstance(value, dict):
        return 1 + sum(1 + _size(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(_size(item) for item in value)
    return 1


@dataclass(frozen=True)
class Lifecycle:
    allow_replace: bool = False
    prevent_destroy: bool = False
    ignore_changes: tuple[str, ...] = ()


NO_LIFECYCLE = Lifecycle()
"""The lifecycle of a document that sets none."""


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
        """How plans name it; unique in an account (a pinned id is shown, as names may repeat then)."""
        if self.pinned_id is None:
            return str(self.key)
        return f"{self.key} (id {self.pinned_id})" if self.key is not None else f"id {self.pinned_id}"


@dataclass(frozen=True)
class Live:
    """One live campaign as the vendor reads it back."""

    id: Any
    key: str | None
    fields: Mapping[str, Any]

    @property
    def label(self) -> str:
        """How plans name a campaign no document describes: by name and id (names may repeat)."""
        return f"{self.key} (id {self.id})" if self.key is not None else f"id {self.id}"

    def fingerprint(self) -> str:
        """A digest of everything the vendor reported, to tell whether it changed since a plan (ENG-07)."""
        text = json.dumps(self.fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


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


class Effect(StrEnum):
    """Kinds of side effect, so summaries can count them (purchases and resets are warnings)."""

    PURCHASE = "purchase"
    RESET = "reset"
    """The call removes data the vendor holds beyond the fields it shows (blocks reset, every question deleted):
    plans show it as a destructive call."""
    SERVER = "server"
    """A value the vendor sets by itself (e.g. a past start date becomes now)."""
    OTHER = "other"


@dataclass(frozen=True)
class SideEffect:
    """What the vendor does beyond the fields sent, shown beside the change."""

    kind: Effect
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ResultRef:
    """A request value known only once an earlier operation has run (e.g. the id of a created campaign)."""

    operation: str
    field: str

    def __str__(self) -> str:
        return f"(known after {self.operation})"


def op_id(account: str, campaign: str, step: str) -> str:
    """An operation's id: unique in a plan, and the same for the same step of a campaign in every plan."""
    return f"{account}:{campaign}:{step}"


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
    side_effects: tuple[SideEffect, ...] = ()
    waits_for: tuple[str, ...] = ()
    reason: str = ""

    @property
    def creates(self) -> bool:
        """Whether it is the call that creates its campaign (the step every provider names ``create``):
        sent twice, it could make two (ENG-09)."""
        return self.id == op_id(self.account, self.campaign, "create")


@dataclass(frozen=True)
class Target:
    """A campaign a plan touches: what it was when planned (ENG-07) and what it must be after (verify)."""

    account: str
    campaign: str
    id: Any
    """Its live id when planned; None when the plan creates it."""
    key: str | None
    fingerprint: str | None
    """``Live.fingerprint()`` when planned; None when it did not exist."""
    expect: Mapping[str, Any] | None
    """The desired fields it must have after apply; None when the plan deletes it."""
    ignore_changes: tuple[str, ...] = ()


class Caution(StrEnum):
    THRESHOLD = "threshold"
    TARGET = "target"
    """The plan is limited to targeted campaigns (and what they wait for): other changes are left out."""


@dataclass(frozen=True)
class PlanWarning:
    """Something a reviewer must see before apply; a threshold warning makes apply need --force (ENG-06)."""

    account: str
    kind: Caution
    message: str


@dataclass(frozen=True)
class Plan:
    operations: tuple[Operation, ...]
    accounts: tuple[str, ...]
    targets: tuple[Target, ...] = ()
    warnings: tuple[PlanWarning, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.operations

    @property
    def needs_force(self) -> bool:
        return any(w.kind is Caution.THRESHOLD for w in self.warnings)

    def for_account(self, account: str) -> Plan:
        return Plan(tuple(op for op in self.operations if op.account == account), (account,),
                    tuple(t for t in self.targets if t.account == account),
                    tuple(w for w in self.warnings if w.account == account))

    def counts(self) -> Counter[Action]:
        """Campaign-level counts: several calls for one campaign count once, by their first action; a run-state
        change (CONTROL) is counted besides, so a campaign created (or updated) and started counts in both."""
        seen: dict[tuple[str, str], Action] = {}
        controlled: set[tuple[str, str]] = set()
        for op in self.operations:
            if op.action is Action.CONTROL:
                controlled.add((op.account, op.campaign))
            else:
                seen.setdefault((op.account, op.campaign), op.action)
        counts = Counter(seen.values())
        counts[Action.CONTROL] = len(controlled)
        return counts
