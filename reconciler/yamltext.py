"""YAML text -> plain Python values, through PyYAML's C parser (libyaml) with the YAML 1.2 core schema
(``yes`` is a string, as in ruamel.yaml, which ``fmt`` and ``import`` use to write files).

libyaml parses the text into events; ``located`` builds values straight from them, in one pass, recording
where every value and key came from, and catching duplicate keys, alias bombs and numbers that do not read.
No node tree is composed: an anchored value is kept with its positions, and an alias is a copy of it.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import yaml
from yaml.composer import ComposerError
from yaml.error import MarkedYAMLError, YAMLError
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.reader import ReaderError

from reconciler.errors import Problem
from reconciler.model import Located, Pos

MAX_NODES = 100_000
MAX_DEPTH = 100
SYNTAX = "YAML"


class _Resolver(yaml.resolver.BaseResolver):
    """The YAML 1.2 core schema's implicit tags, with ruamel.yaml's patterns for version 1.2."""


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("float", r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                   |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                   |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
                   |[-+]?\.(?:inf|Inf|INF)
                   |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
    ("int", r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$", "-+0123456789"),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _Resolver.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern, re.X), list(_first))

_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = _Resolver.yaml_implicit_resolvers


def tag_of(value: str, tag: str | None, plain: bool) -> str:
    """A scalar's tag as PyYAML's resolver gives it with this schema: its own, unless it has none (or the
    non-specific ``!``); then a plain scalar's by the first pattern it matches, and any other a string."""
    if tag is not None and tag != "!":
        return tag
    if plain:
        for resolved, pattern in _IMPLICIT.get(value[:1], ()):
            if pattern.match(value):
                return resolved
    return _STR


if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _Parser
else:  # pragma: no cover - PyYAML's wheels ship libyaml; a build without it reads the same, slower

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


def located(text: str, name: str) -> tuple[list[tuple[int, Any, Located]], list[Problem]]:
    """The index, values and source (every position recorded, under the file name ``name``) of each document
    of ``text`` that has any, and the problems of the others (of a document that stops being YAML, only
    that: what was found in it before may be an echo of it)."""
    docs: list[tuple[int, Any, Located]] = []
    problems: list[Problem] = []
    parser = _Parser(text)
    try:
        parser.get_event()  # the stream's start
        index = 0
        while type(parser.get_event()) is DocumentStartEvent:
            builder = _Builder(name, parser.get_event)
            data = builder.build(parser.get_event(), 0)
            parser.get_event()  # the document's end
            problems.extend(builder.problems)
            if not builder.problems and data is not None:
                docs.append((index, data, Located(name, data, builder.spots)))
            index += 1
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(name, mark.line + 1, mark.column + 1) if mark is not None else Pos(name, 1, 1)
        problems.append(Problem(pos, SYNTAX, _yaml_message(exc, text, pos)))
    except ReaderError as exc:  # a character YAML does not allow: located by its index in the text
        before = text[: exc.position]
        pos = Pos(name, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        problems.append(Problem(pos, SYNTAX, f"unacceptable character #x{exc.character:04x}: {exc.reason}"))
    except YAMLError as exc:
        problems.append(Problem(Pos(name, 1, 1), SYNTAX, str(exc).strip().splitlines()[0]))
    finally:
        parser.dispose()
    return docs, problems


def _yaml_message(exc: MarkedYAMLError, text: str, pos: Pos) -> str:
    lines = text.splitlines()
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    if line[pos.col - 1 : pos.col] == "\t":
        return "tab character: YAML is indented with spaces only"
    if exc.context == DUPLICATE_ANCHOR and exc.context_mark is not None:
        anchor = re.match(r"&([^\s,\[\]{}]+)", line[pos.col - 1:])
        return f"duplicate anchor &{anchor.group(1) if anchor else ''} (first at line {exc.context_mark.line + 1})"
    parts = [p for p in (exc.context, exc.problem) if p]
    return "; ".join(" ".join(str(p).split()) for p in parts) or "invalid YAML"


DUPLICATE_ANCHOR = "found duplicate anchor; first occurrence"


class _Tree(NamedTuple):
    """An anchored collection, as an alias repeats it: its values, its positions (``spots``), how many
    values it holds (``values``) and how deeply they nest."""

    value: Any
    spots: list[int]
    values: int
    height: int


class _Builder:
    """Turns the events of one document into Python values, recording every problem, and the line and column
    of every value and key in the order ``Located`` expects them (``spots``).

    An anchored scalar is kept as its event, an anchored collection as a ``_Tree``; an alias is built from
    that again, so it reads exactly as the text it stands for would, and counts as many values."""

    def __init__(self, file: str, pull: Callable[[], Any]) -> None:
        self.file = file
        self.pull = pull
        self.spots: list[int] = []
        self.problems: list[Problem] = []
        self._count = 0
        self._anchors: dict[str, Any] = {}  # a ScalarEvent, a _Tree, or None while it is built
        self._marks: dict[str, Any] = {}

    def _refuse(self, event: Any, message: str) -> None:
        mark = event.start_mark
        self.problems.append(Problem(Pos(self.file, mark.line + 1, mark.column + 1), SYNTAX, message))

    def _too_big(self, event: Any) -> None:
        if not self.problems:  # one such problem a document is enough
            self._refuse(event, f"document too large (over {MAX_NODES} values; alias bomb?)"
                         if self._count > MAX_NODES else
                         f"values nested too deeply (over {MAX_DEPTH} levels; recursive alias?)")

    def build(self, event: Any, depth: int) -> Any:
        """The value of the node that starts with ``event`` (its other events pulled)."""
        if type(event) is AliasEvent:
            return self._alias(event, depth)
        self._count += 1
        if self._count > MAX_NODES or depth > MAX_DEPTH:
            self._too_big(event)
            _skip(event, self.pull)
            return None
        anchor = event.anchor
        if anchor is None:
            return self._node(event, depth)
        self._anchor(anchor, event)
        start, count = len(self.spots), self._count
        value = self._node(event, depth)
        if type(event) is not ScalarEvent:
            self._anchors[anchor] = _Tree(value, self.spots[start:], self._count - count + 1,
                                          _height(value))
        return value

    def _node(self, event: Any, depth: int) -> Any:
        mark = event.start_mark
        self.spots += (mark.line + 1, mark.column + 1)
        kind = type(event)
        if kind is ScalarEvent:
            return self._scalar(event)
        if kind is MappingStartEvent:
            return self._mapping(depth)
        out = []
        pull = self.pull
        while type(item := pull()) is not SequenceEndEvent:
            out.append(self.build(item, depth + 1))
        return out

    def _anchor(self, anchor: str, event: Any) -> None:
        if anchor in self._marks:
            raise ComposerError(DUPLICATE_ANCHOR, self._marks[anchor], "second occurrence", event.start_mark)
        self._marks[anchor] = event.start_mark
        self._anchors[anchor] = event if type(event) is ScalarEvent else None

    def _alias(self, event: Any, depth: int) -> Any:
        name = event.anchor
        target = self._anchors.get(name, event)
        if target is event:
            self._refuse(event, f"undefined alias *{name}")
            return None
        if type(target) is ScalarEvent:
            self._count += 1
            if self._count > MAX_NODES or depth > MAX_DEPTH:
                self._too_big(event)
                return None
            return self._node(target, depth)
        if target is None:  # an alias inside the value it stands for
            if not self.problems:
                self._refuse(event, f"values nested too deeply (over {MAX_DEPTH} levels; recursive alias?)")
            return None
        assert isinstance(target, _Tree)
        self._count += target.values
        if self._count > MAX_NODES or depth + target.height > MAX_DEPTH:
            self._too_big(event)
            return None
        self.spots += target.spots
        return _copy(target.value)

    def _discard(self, event: Any, depth: int) -> None:
        """Pulls the rest of the node ``event`` starts (its anchors still defined), keeping nothing of it."""
        spots, count, problems = len(self.spots), self._count, len(self.problems)
        self.build(event, depth)
        del self.spots[spots:]
        del self.problems[problems:]
        self._count = count

    def _mapping(self, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        pull = self.pull
        while type(key_event := pull()) is not MappingEndEvent:
            key_scalar = self._key(key_event)
            if key_scalar is None:
                _skip(key_event, pull)
                self._discard(pull(), depth + 1)
                continue
            key = sys.intern(str(key_scalar.value))
            if key in out:
                self._refuse(key_scalar, f"duplicate key '{key}' (first at line {lines[key]})")
                self._discard(pull(), depth + 1)
                continue
            mark = key_scalar.start_mark
            lines[key] = mark.line + 1
            self.spots += (mark.line + 1, mark.column + 1)
            out[key] = self.build(pull(), depth + 1)
        return out

    def _key(self, event: Any) -> Any:
        """The scalar event a key is (or, for an alias, stands for); None, the problem recorded, if that is no
        plain scalar."""
        kind = type(event)
        if kind is AliasEvent:
            if event.anchor not in self._anchors:
                self._refuse(event, f"undefined alias *{event.anchor}")
                return None
            scalar = self._anchors[event.anchor]
        else:
            scalar = event
            if kind is ScalarEvent and event.anchor is not None:
                self._anchor(event.anchor, event)
        if type(scalar) is ScalarEvent and not _is_merge(scalar):
            return scalar
        self._refuse(event, "keys must be plain scalars (merge keys are not supported)")
        return None

    def _scalar(self, event: Any) -> Any:
        value = event.value
        tag = tag_of(value, event.tag, event.implicit[0])
        if tag == _STR:
            return value
        try:
            return _scalar(tag, value)
        except ValueError:
            shown = repr(value) if len(value) <= 20 else f"'{value[:20]}...' ({len(value)} characters)"
            self._refuse(event, f"cannot read number {shown}")
            return None


def _is_merge(event: Any) -> bool:
    return (event.tag is not None or event.value == "<<") and tag_of(
        event.value, event.tag, event.implicit[0]) == _MERGE


def _skip(event: Any, pull: Callable[[], Any]) -> None:
    """Pulls the rest of the node ``event`` starts, building nothing."""
    depth = 0 if type(event) in (ScalarEvent, AliasEvent) else 1
    while depth:
        kind = type(pull())
        if kind is MappingStartEvent or kind is SequenceStartEvent:
            depth += 1
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            depth -= 1


def _height(value: Any) -> int:
    """How deeply ``value`` nests: 0 for a scalar."""
    if isinstance(value, dict):
        return 1 + max((_height(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_height(v) for v in value), default=0)
    return 0


def _copy(value: Any) -> Any:
    """A copy of built values, so that no two places of a document share one."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _scalar(tag: str, value: str) -> Any:
    """The value of a scalar by its tag; ValueError for a number that does not read."""
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() == "true"
    if tag.endswith(":int"):
        return _int(value)
    if tag.endswith(":float"):
        return _float(value)
    return str(value)



def _int(value: str) -> int:
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body[:2].lower() in ("0x", "0o", "0b"):
        return sign * int(body, 0)
    return sign * int(body, 10)


def _float(value: str) -> float:
    text = value.replace("_", "").lower()
    if text.lstrip("+-") in (".inf", "inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text in (".nan", "nan"):
        return math.nan
    return float(text)
