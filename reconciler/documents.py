"""YAML files -> documents whose every value keeps its file, line and column.

Parsing goes through ruamel.yaml's composer (the C parser when installed), so the node tree carries
marks; the tree is turned into plain Python values here, which is also where duplicate keys are caught.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Problem
from reconciler.model import Located, Path, Pos

SUFFIXES = (".yaml", ".yml")
CONFIG_NAMES = ("reconciler.yaml", "reconciler.yml")
MAX_NODES = 100_000
SYNTAX = "YAML"


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its data and where each value came from."""

    data: Any
    source: Located
    index: int


def discover(root: FsPath) -> list[FsPath]:
    """Every campaign file under ``root``, sorted; hidden folders (``.reconciler/``, ``.git/``) skipped."""
    if root.is_file():
        return [root]
    found: list[FsPath] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = FsPath(folder)
        for name in sorted(files):
            if name.endswith(SUFFIXES) and not (here == root and name in CONFIG_NAMES):
                found.append(here / name)
    return found


def load_tree(root: FsPath, base: FsPath) -> tuple[list[Document], list[Problem]]:
    """All documents of all campaign files under ``root``; file names shown relative to ``base``."""
    docs: list[Document] = []
    problems: list[Problem] = []
    for path in discover(root):
        file_docs, file_problems = load_file(path, display_name(path, base))
        docs.extend(file_docs)
        problems.extend(file_problems)
    return docs, problems


def display_name(path: FsPath, base: FsPath) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def load_file(path: FsPath, name: str) -> tuple[list[Document], list[Problem]]:
    """Documents of one file (empty documents skipped) and the problems found in it."""
    text, problems = read_text(path, name)
    return load_text(text, name) if text is not None else ([], problems)


def read_text(path: FsPath, name: str) -> tuple[str | None, list[Problem]]:
    """The text of a UTF-8 file (a byte-order mark dropped), or None and the problem reading it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Pos(name, 1, 1), SYNTAX, f"cannot read file: {exc.strerror}")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(Pos(name, line, 1), SYNTAX, "file is not valid UTF-8")]


def load_text(text: str, name: str) -> tuple[list[Document], list[Problem]]:
    docs: list[Document] = []
    problems: list[Problem] = []
    try:
        for index, node in enumerate(_compose_all(text)):
            if node is None:
                continue
            builder = _Builder(name)
            data = builder.build(node, ())
            problems.extend(builder.problems)
            if not builder.problems and data is not None:
                docs.append(Document(data, Located(name, builder.values, builder.keys), index))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(name, mark.line + 1, mark.column + 1) if mark is not None else Pos(name, 1, 1)
        problems.append(Problem(pos, SYNTAX, _yaml_message(exc, text, pos)))
    except YAMLError as exc:
        problems.append(Problem(Pos(name, 1, 1), SYNTAX, str(exc).strip().splitlines()[0]))
    return docs, problems


@functools.cache
def _parser() -> YAML:
    """One safe parser for the process: building a YAML() costs more than composing a small file."""
    return YAML(typ="safe")


def _compose_all(text: str) -> Iterator[Node | None]:
    yield from _parser().compose_all(text)


def _yaml_message(exc: MarkedYAMLError, text: str, pos: Pos) -> str:
    lines = text.splitlines()
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    if line[pos.col - 1 : pos.col] == "\t":
        return "tab character: YAML is indented with spaces only"
    parts = [p for p in (exc.context, exc.problem) if p]
    return "; ".join(" ".join(str(p).split()) for p in parts) or "invalid YAML"


class _Builder:
    """Turns one composed node tree into Python values, recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path, Pos] = {}
        self.keys: dict[Path, Pos] = {}
        self.problems: list[Problem] = []
        self._count = 0

    def _pos(self, node: Node) -> Pos:
        return Pos(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, path: Path) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            if self._count == MAX_NODES + 1:
                self.problems.append(Problem(self._pos(node), SYNTAX,
                                             f"document too large (over {MAX_NODES} values; alias bomb?)"))
            return None
        self.values[path] = self._pos(node)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or _tag(key_node).endswith(":merge"):
                self.problems.append(Problem(self._pos(key_node), SYNTAX,
                                             "keys must be plain scalars (merge keys are not supported)"))
                continue
            key = str(key_node.value)
            if key in out:
                first = self.keys[(*path, key)]
                self.problems.append(Problem(self._pos(key_node), SYNTAX,
                                             f"duplicate key '{key}' (first at line {first.line})"))
                continue
            self.keys[(*path, key)] = self._pos(key_node)
            out[key] = self.build(value_node, (*path, key))
        return out

    def _scalar(self, node: Node) -> Any:
        tag, value = _tag(node), str(node.value)
        try:
            if tag.endswith(":null"):
                return None
            if tag.endswith(":bool"):
                return value.lower() == "true"
            if tag.endswith(":int"):
                return _int(value)
            if tag.endswith(":float"):
                return _float(value)
        except ValueError:
            self.problems.append(Problem(self._pos(node), SYNTAX, f"cannot read number {value!r}"))
            return None
        return value


def _tag(node: Node) -> str:
    return str(node.tag) if node.tag is not None else ""


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
