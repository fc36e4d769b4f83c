"""YAML files -> documents whose every value can be traced to its file, line and column.

Parsing goes through PyYAML's C parser (libyaml) with the YAML 1.2 core schema (``yes`` is a string, as
in ruamel.yaml, which ``fmt`` and ``import`` use to write files). The composed node tree is turned into
plain Python values here, which is also where duplicate keys are caught. Positions cost more than the
values, so a file read from disk is read without them; its documents find them again, by reading the
file once more, when a problem has to be reported (``Located``).
"""

from __future__ import annotations

import functools
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any, cast

import yaml
from yaml.error import MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from reconciler.errors import Problem
from reconciler.model import Located, Path, Pos, Tables

SUFFIXES = (".yaml", ".yml")
CONFIG_NAMES = ("reconciler.yaml", "reconciler.yml")
MAX_NODES = 100_000
MAX_DEPTH = 100
SYNTAX = "YAML"


class _Resolver(yaml.resolver.BaseResolver):
    """The YAML 1.2 core schema's implicit tags, with ruamel.yaml's patterns for version 1.2.

    libyaml calls ``resolve`` for every node; PyYAML's version took a quarter of reading a file. This one
    gives the same tags faster: there are no path resolvers, a plain scalar whose first character starts
    no pattern is a string, and the tags of other plain scalars are remembered (keys and values repeat).
    """

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:
            return self.DEFAULT_MAPPING_TAG if kind is MappingNode else self.DEFAULT_SEQUENCE_TAG
        if not implicit[0] or value[:1] not in self.yaml_implicit_resolvers:
            return _STR
        tag = _RESOLVED.get(value)
        if tag is None:
            tag = _resolve(self, kind, value, implicit)
            if len(_RESOLVED) < RESOLVED_MAX:
                _RESOLVED[value] = tag
        return tag

    def descend_resolver(self, current_node: Node | None, current_index: Any) -> None:
        """Nothing to follow: there are no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to follow: there are no path resolvers."""


_resolve: Callable[[_Resolver, type[Node], str, tuple[bool, bool]], str] = yaml.resolver.BaseResolver.resolve
RESOLVED_MAX = 4096
"""Plain scalars whose tags are remembered (a process reads many files; their values mostly repeat)."""
_RESOLVED: dict[str, str] = {}
_STR = "tag:yaml.org,2002:str"


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


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its data and where each value came from."""

    data: Any
    source: Located
    index: int


def discover(root: FsPath) -> list[FsPath]:
    """Every campaign file under ``root``, sorted; hidden folders (``.reconciler/``, ``.git/``) skipped."""
    return [FsPath(p) for p in walk(root)]


def walk(root: FsPath) -> list[str]:
    """``discover`` as strings (no path objects: a tree may hold a hundred thousand files)."""
    top = str(root)
    if root.is_file():
        return [top]
    found: list[str] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        at_top = folder == top
        prefix = "" if folder == "." else folder[2:] + os.sep if top == "." else folder + os.sep  # as pathlib
        found.extend(prefix + name for name in sorted(files)
                     if name.endswith(SUFFIXES) and not (at_top and name in CONFIG_NAMES))
    return found


def load_tree(root: FsPath, base: FsPath) -> tuple[list[Document], list[Problem]]:
    """All documents of all campaign files under ``root``; file names shown relative to ``base``."""
    docs: list[Document] = []
    problems: list[Problem] = []
    for path in discover(root):
        file_docs, file_problems = load_file(path, display_name(path, base), positions=False)
        docs.extend(file_docs)
        problems.extend(file_problems)
    return docs, problems


def display_name(path: FsPath, base: FsPath) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def load_file(path: FsPath, name: str, *, positions: bool = True) -> tuple[list[Document], list[Problem]]:
    """Documents of one file (empty documents skipped) and the problems found in it.

    Without ``positions`` they are found again from the file if a problem needs them (faster, smaller)."""
    text, problems = read_text(path, name)
    if text is None:
        return [], problems
    return load_text(text, name, origin=None if positions else str(path))


def read_text(path: FsPath, name: str) -> tuple[str | None, list[Problem]]:
    """The text of a UTF-8 file (a byte-order mark dropped), or None and the problem reading it."""
    try:
        mode = os.stat(path).st_mode
        irregular = not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))  # reading a folder says what it is
        raw = b"" if irregular else path.read_bytes()
    except OSError as exc:
        return None, [unreadable(name, exc.strerror)]
    if irregular:  # a FIFO or a device would block or never end
        return None, [unreadable(name, NOT_A_FILE)]
    return decode(raw, name)


NOT_A_FILE = "not a regular file"


def unreadable(name: str, why: str | None) -> Problem:
    """The problem of a file that cannot be read, and ``why``."""
    return Problem(Pos(name, 1, 1), SYNTAX, f"cannot read file: {why}")


def decode(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(Pos(name, line, 1), SYNTAX, "file is not valid UTF-8")]


def load_text(text: str, name: str, origin: str | None = None) -> tuple[list[Document], list[Problem]]:
    """The documents of ``text``; with ``origin`` (the file it was read from) their positions are found
    from that file when first needed, else they are recorded now. Problems are always located."""
    if origin is not None:
        found = _values(text)
        if found is not None:
            return [Document(data, Located(name, locate=_locator(origin, name, index)), index)
                    for index, data in found], []
    return _load(text, name)


class Positions(tuple[str, str, int]):
    """``Positions((origin, name, index))`` finds the positions of document ``index`` of the file at
    ``origin`` (none if it no longer reads).

    A tuple rather than a closure: documents are pickled into the cache and sent between processes, and a
    tuple is read back without calling any Python code (10,000 documents: 12% faster than a small class).
    """

    __slots__ = ()

    def __call__(self) -> Tables:
        origin, name, index = self
        try:
            st = os.stat(origin)
        except OSError:
            return {}, {}
        return _tables(origin, name, (st.st_mtime_ns, st.st_size, st.st_ino)).get(index, ({}, {}))


def _locator(origin: str, name: str, index: int) -> Callable[[], Tables]:
    # mypy does not take an instance of a tuple subclass with __call__ for a Callable
    return cast(Callable[[], Tables], Positions((origin, name, index)))


@functools.lru_cache(maxsize=16)
def _tables(origin: str, name: str, stamp: tuple[int, int, int]) -> dict[int, Tables]:
    """Positions of every document of a file, kept for a few files (problems tend to come several a file);
    ``stamp`` (its time, size and inode) keeps a rewritten file from being given its old positions."""
    text, _ = read_text(FsPath(origin), name)
    docs = _load(text, name)[0] if text is not None else []
    return {d.index: (d.source.values, d.source.keys) for d in docs}


def _values(text: str) -> list[tuple[int, Any]] | None:
    """The index and values of each document of ``text`` that has any, or None if it has a problem (which
    ``_load`` then finds and locates). It takes 42% fewer instructions than ``_load``, which records every
    position."""
    found: list[tuple[int, Any]] = []
    try:
        for index, node in enumerate(_compose_all(text)):
            if node is not None and (data := _Plain().build(node, 0)) is not None:
                found.append((index, data))
    except (_Unusual, YAMLError):
        return None
    return found


def _load(text: str, name: str) -> tuple[list[Document], list[Problem]]:
    """Documents, with every position recorded, and problems."""
    docs: list[Document] = []
    problems: list[Problem] = []
    try:
        for index, node in enumerate(_compose_all(text)):
            if node is None:
                continue
            builder = _Builder(name)
            data = builder.build(node, (), 0)
            problems.extend(builder.problems)
            if not builder.problems and data is not None:
                docs.append(Document(data, Located(name, builder.values, builder.keys), index))
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


class _Unusual(Exception):
    """What ``_Plain`` leaves to ``_Builder``: a problem, or a key that is not a string."""


class _Plain:
    """Turns one composed node tree into Python values, as ``_Builder`` does for a tree without problems;
    raises ``_Unusual`` at anything else."""

    __slots__ = ("_count",)

    def __init__(self) -> None:
        self._count = 0

    def build(self, node: Node, depth: int) -> Any:
        self._count += 1
        if self._count > MAX_NODES or depth > MAX_DEPTH:
            raise _Unusual
        kind = type(node)
        if kind is ScalarNode:
            if node.tag == _STR:
                return node.value
            try:
                return _scalar(node.tag, node.value)
            except ValueError:
                raise _Unusual from None
        if kind is MappingNode:
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not ScalarNode or key_node.tag != _STR:
                    raise _Unusual
                key = sys.intern(key_node.value)
                if key in out:
                    raise _Unusual
                out[key] = self.build(value_node, depth + 1)
            return out
        if kind is SequenceNode:
            return [self.build(item, depth + 1) for item in node.value]
        raise _Unusual


class _Builder:
    """Turns one composed node tree into Python values, recording every position and problem."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path, Pos] = {}
        self.keys: dict[Path, Pos] = {}
        self.problems: list[Problem] = []
        self._count = 0

    def _pos(self, node: Node) -> Pos:
        return Pos(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def _refuse(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self._pos(node), SYNTAX, message))

    def build(self, node: Node, path: Path, depth: int) -> Any:
        self._count += 1
        if self._count > MAX_NODES or depth > MAX_DEPTH:
            if not self.problems:  # one such problem a document is enough
                self._refuse(node, f"document too large (over {MAX_NODES} values; alias bomb?)"
                             if self._count > MAX_NODES else
                             f"values nested too deeply (over {MAX_DEPTH} levels; recursive alias?)")
            return None
        self.values[path] = self._pos(node)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
                self._refuse(key_node, "keys must be plain scalars (merge keys are not supported)")
                continue
            key = sys.intern(str(key_node.value))
            if key in out:
                first = self.keys.get((*path, key))
                self._refuse(key_node, f"duplicate key '{key}'" + (f" (first at line {first.line})" if first else ""))
                continue
            self.keys[(*path, key)] = self._pos(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
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
