"""YAML text -> plain Python values, through PyYAML's C parser (libyaml) with the YAML 1.2 core schema
(``yes`` is a string, as in ruamel.yaml, which ``fmt`` and ``import`` use to write files).

libyaml composes the node tree; ``located`` turns it into values in one pass, recording where every value
and key came from, and catching duplicate keys, alias bombs and numbers that do not read.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.error import MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from reconciler.errors import Problem
from reconciler.model import Located, Pos

MAX_NODES = 100_000
MAX_DEPTH = 100
SYNTAX = "YAML"


class _Resolver(yaml.resolver.BaseResolver):
    """The YAML 1.2 core schema's implicit tags, with ruamel.yaml's patterns for version 1.2."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's answer; a plain scalar whose first character starts no pattern is a string, told at once
        (libyaml asks for every node, and most are such strings)."""
        if kind is ScalarNode and implicit[0] and value[:1] not in self.yaml_implicit_resolvers:
            return _STR
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag


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

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _Composer(CParser, _Resolver):
        """libyaml's parser and composer with the YAML 1.2 resolver."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML's wheels ship libyaml; a build without it reads the same, slower

    class _Composer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[no-redef]
                    yaml.composer.Composer, _Resolver):
        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)


def located(text: str, name: str) -> tuple[list[tuple[int, Any, Located]], list[Problem]]:
    """The index, values and source (every position recorded, under the file name ``name``) of each document
    of ``text`` that has any, and the problems of the others."""
    docs: list[tuple[int, Any, Located]] = []
    problems: list[Problem] = []
    try:
        for index, node in enumerate(_compose_all(text)):
            if node is None:
                continue
            builder = _Builder(name)
            data = builder.build(node, 0)
            problems.extend(builder.problems)
            if not builder.problems and data is not None:
                docs.append((index, data, Located(name, data, builder.spots)))
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
    return docs, problems


def _compose_all(text: str) -> Iterator[Node | None]:
    composer = _Composer(text)
    try:
        while composer.check_node():
            yield composer.get_node()
    finally:
        composer.dispose()


def _yaml_message(exc: MarkedYAMLError, text: str, pos: Pos) -> str:
    lines = text.splitlines()
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    if line[pos.col - 1 : pos.col] == "\t":
        return "tab character: YAML is indented with spaces only"
    if exc.context == "found duplicate anchor; first occurrence" and exc.context_mark is not None:
        anchor = re.match(r"&([^\s,\[\]{}]+)", line[pos.col - 1:])
        return f"duplicate anchor &{anchor.group(1) if anchor else ''} (first at line {exc.context_mark.line + 1})"
    parts = [p for p in (exc.context, exc.problem) if p]
    return "; ".join(" ".join(str(p).split()) for p in parts) or "invalid YAML"


class _Builder:
    """Turns one composed node tree into Python values, recording every problem, and the line and column of
    every value and key in the order ``Located`` expects them (``spots``)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.spots: list[int] = []
        self.problems: list[Problem] = []
        self._count = 0

    def _refuse(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(Pos(self.file, mark.line + 1, mark.column + 1), SYNTAX, message))

    def build(self, node: Node, depth: int) -> Any:
        self._count += 1
        if self._count > MAX_NODES or depth > MAX_DEPTH:
            if not self.problems:  # one such problem a document is enough
                self._refuse(node, f"document too large (over {MAX_NODES} values; alias bomb?)"
                             if self._count > MAX_NODES else
                             f"values nested too deeply (over {MAX_DEPTH} levels; recursive alias?)")
            return None
        mark = node.start_mark
        self.spots += (mark.line + 1, mark.column + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or key_node.tag == _MERGE:
                self._refuse(key_node, "keys must be plain scalars (merge keys are not supported)")
                continue
            key = sys.intern(str(key_node.value))
            if key in out:
                self._refuse(key_node, f"duplicate key '{key}' (first at line {lines[key]})")
                continue
            mark = key_node.start_mark
            lines[key] = mark.line + 1
            self.spots += (mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, depth + 1)
        return out

    def _scalar(self, node: Node) -> Any:
        tag, value = node.tag, node.value
        if tag == _STR:
            return value
        try:
            return _scalar(tag, value)
        except ValueError:
            shown = repr(value) if len(value) <= 20 else f"'{value[:20]}...' ({len(value)} characters)"
            self._refuse(node, f"cannot read number {shown}")
            return None


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
