"""``reconciler fmt``: every campaign file in the canonical layout, comments kept, meaning unchanged.

The layout is ``reconciler.layout``'s key order (the provider's is found through the document's ``account``
in the nearest ``reconciler.yaml``) written by ``reconciler.roundtrip``: 2-space indentation, sequences
indented under their key, flow collections kept when they fit in 120 columns. Comments stay with the key
they are written above; several documents in a file stay in it; the file's line ends and byte-order mark
are kept. A file is checked to hold the same data once formatted, else it is left alone with a problem.
Files that hold an empty document (``---`` with nothing after it, or only comments) are left as they are,
as are all files when any of them cannot be read: problems are reported and nothing is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FsPath

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from reconciler.config import find_config
from reconciler.discovery import DEFAULT_DOCUMENTS, Discovery, pattern_problem
from reconciler.documents import Document, discover, display_name, load_file, load_text, read_text
from reconciler.errors import Problem, ProblemsError
from reconciler.files import write_atomic
from reconciler.layout import ENVELOPE, FIRST, Order, arrange, order_of
from reconciler.model import Pos
from reconciler.providers import PROVIDERS
from reconciler.roundtrip import dump_all, load_all

RULE = "FMT"
BOM = "\ufeff"
PREAMBLE = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*(?=---(?:[ \t]|\n|\Z))")
"""Comment and blank lines before a first ``---``, which the round trip would drop."""


@dataclass(frozen=True)
class Change:
    """A file whose layout is not canonical, and its canonical text."""

    path: FsPath
    shown: str
    text: str


def format_tree(path: FsPath, base: FsPath, *, write: bool) -> list[Change]:
    """The campaign files under ``path`` that are not in canonical layout (rewritten when ``write``).

    Raises ProblemsError, writing nothing, when any file cannot be read or formatted."""
    orders, discovery = repository(path)
    why = discovery.outside(str(path)) if discovery is not None and path.is_file() else None
    if why is not None:
        raise ProblemsError([Problem(Pos(display_name(path, base), 1, 1), RULE, why)])
    changes: list[Change] = []
    problems: list[Problem] = []
    for file in discover(path, discovery):
        shown = display_name(file, base)
        text, found = read_text(file, shown)
        if text is None:
            problems += found
            continue
        formatted, found = format_file(text, shown, orders)
        problems += found
        if formatted is not None and formatted != text:
            changes.append(Change(file, shown, formatted))
    if problems:
        raise ProblemsError(problems)
    if write:
        for change in changes:
            bom = BOM if change.path.read_bytes().startswith(BOM.encode()) else ""
            write_atomic(change.path, bom + change.text)
    return changes


def format_file(text: str, shown: str, orders: Mapping[str, Order]) -> tuple[str | None, list[Problem]]:
    """The canonical text of one file (None: left as it is), and the problems that keep it from being."""
    docs, problems = load_text(text, shown)
    if problems:
        return None, problems
    try:
        formatted = format_text(text, orders)
    except (YAMLError, AssertionError, AttributeError, IndexError, TypeError) as exc:  # ruamel's comment code
        return None, [Problem(Pos(shown, 1, 1), RULE, f"cannot format this file, so it is left as it is "
                                                      f"({type(exc).__name__}: {' '.join(str(exc).split())})")]
    if formatted is None:
        return None, []
    after, problems = load_text(formatted, shown)
    if problems or [d.data for d in after] != [d.data for d in docs]:
        return None, [Problem(Pos(shown, 1, 1), RULE, "formatting would change what the file means, so it is "
                                                      "left as it is (please report this)")]
    return formatted, []


def format_text(text: str, orders: Mapping[str, Order]) -> str | None:
    """``text`` in canonical layout; None when it holds an empty document (which the round trip would lose)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text.replace("\r\n", "\n")
    preamble = PREAMBLE.match(body)
    head = preamble.group(0) if preamble else ""
    docs = load_all(body[len(head):])
    if not docs or any(doc is None for doc in docs):
        return None
    for doc in docs:
        if isinstance(doc, CommentedMap):
            arrange(doc, orders.get(str(doc.get(FIRST)), ENVELOPE))
    return (head + dump_all(docs)).replace("\n", newline)


def repository(path: FsPath) -> tuple[dict[str, Order], Discovery | None]:
    """The key orders of the accounts' documents and where the documents are, from the nearest
    ``reconciler.yaml`` (found as every command finds it).

    Read leniently (a broken or missing file only leaves documents in the plain ``account``-first order, and
    documents where reconciler.yaml's defaults say; None without reconciler.yaml: the defaults from ``path``, and
    a file named is formatted): ``fmt`` arranges files; ``validate`` is the place for errors."""
    try:
        file = find_config(path)
    except ProblemsError:
        return {}, None
    docs = load_file(file, file.name)[0] if file.is_file() else []
    data = docs[0].data if len(docs) == 1 and isinstance(docs[0].data, dict) else {}
    globs = {key: tuple(value) for key in ("documents", "exclude") if isinstance(value := data.get(key), list)
             and all(isinstance(g, str) and pattern_problem(g) is None for g in value)}
    return _orders(docs), Discovery(os.path.realpath(file.parent), globs.get("documents", DEFAULT_DOCUMENTS),
                                    globs.get("exclude", ()), skip=(file.name,))


def _orders(docs: list[Document]) -> dict[str, Order]:
    data = docs[0].data if len(docs) == 1 else None
    accounts = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(accounts, dict):
        return {}
    return {str(name): order_of(PROVIDERS[acct["provider"]].document_model)
            for name, acct in accounts.items()
            if isinstance(acct, dict) and isinstance(acct.get("provider"), str) and acct["provider"] in PROVIDERS}
