"""YAML files -> documents whose every value can be traced to its file, line and column.

The text is parsed by ``yamltext``. Positions cost more than the values, so a file read from disk is read
without them; its documents find them again, by reading the file once more, when a problem has to be
reported (``Located``).
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any, cast

from reconciler.confine import refuse_outside
from reconciler.discovery import Discovery
from reconciler.errors import Problem
from reconciler.model import Located, Pos, Tables
from reconciler.yamltext import SYNTAX, located, values

CONFIG_NAMES = ("reconciler.yaml", "reconciler.yml")


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its data and where each value came from."""

    data: Any
    source: Located
    index: int


def discover(root: FsPath, discovery: Discovery | None = None) -> list[FsPath]:
    """``walk`` as paths."""
    return [FsPath(p) for p in walk(root, discovery)]


def walk(root: FsPath, discovery: Discovery | None = None) -> list[str]:
    """The campaign documents under the folder ``root``, sorted, or ``root`` itself if it is a file; strings,
    not path objects (a tree may hold a hundred thousand files).

    ``discovery`` says which files are documents (reconciler.yaml's ``documents`` and ``exclude`` globs, from
    its folder); without it, those of reconciler.yaml's defaults from ``root``. A file is taken as it is
    given: the caller decides whether it is a document (``Discovery.names``)."""
    if root.is_file():
        return [str(root)]
    found = (discovery or Discovery(os.path.abspath(root), skip=CONFIG_NAMES)).walk(str(root))
    refuse_outside(str(root), found)
    return found


def load_tree(root: FsPath, base: FsPath, discovery: Discovery | None = None
              ) -> tuple[list[Document], list[Problem]]:
    """All documents of all campaign files under ``root``; file names shown relative to ``base``."""
    docs: list[Document] = []
    problems: list[Problem] = []
    for path in discover(root, discovery):
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
        found = values(text)
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
    found = located(text, name)[0] if text is not None else []
    return {index: (source.values, source.keys) for index, _, source in found}


def _load(text: str, name: str) -> tuple[list[Document], list[Problem]]:
    """Documents, with every position recorded, and problems."""
    found, problems = located(text, name)
    return [Document(data, source, index) for index, data, source in found], problems
