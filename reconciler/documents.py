"""YAML files -> documents whose every value can be traced to its file, line and column (read by ``yamltext``,
positions recorded as the values are built)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from reconciler.confine import refuse_outside
from reconciler.discovery import Discovery
from reconciler.errors import Problem
from reconciler.model import Located, Pos
from reconciler.yamltext import SYNTAX, located

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
    d = discovery or Discovery(os.path.realpath(root), skip=CONFIG_NAMES)
    found = d.walk(str(root))
    refuse_outside(d.root, found)  # the repository's folder: a link from one folder of it to another is fine
    return found


def load_tree(root: FsPath, base: FsPath, discovery: Discovery | None = None
              ) -> tuple[list[Document], list[Problem]]:
    """All documents of all campaign files under ``root``; file names shown relative to ``base``."""
    docs: list[Document] = []
    problems: list[Problem] = []
    for path in discover(root, discovery):
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
    if text is None:
        return [], problems
    return load_text(text, name)


def read_text(path: str | FsPath, name: str) -> tuple[str | None, list[Problem]]:
    """The text of a UTF-8 file (a byte-order mark dropped), or None and the problem reading it."""
    raw, problems = read_bytes(path, name)
    return decode(raw, name) if raw is not None else (None, problems)


def read_bytes(path: str | FsPath, name: str) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a regular file, or None and the problem reading it."""
    try:
        mode = os.stat(path).st_mode
        irregular = not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))  # reading a folder says what it is
        if irregular:
            raw = b""
        else:
            with open(path, "rb") as f:
                raw = f.read()
    except OSError as exc:
        return None, [unreadable(name, exc.strerror)]
    if irregular:  # a FIFO or a device would block or never end
        return None, [unreadable(name, NOT_A_FILE)]
    return raw, []


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


def load_text(text: str, name: str) -> tuple[list[Document], list[Problem]]:
    """The documents of ``text`` (shown as the file ``name``), every position recorded, and its problems."""
    found, problems = located(text, name)
    return [Document(data, source, index) for index, data, source in found], problems
