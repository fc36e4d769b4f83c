"""Which files of a repository are campaign documents: those that reconciler.yaml's ``documents`` globs name
and its ``exclude`` globs do not, as paths from the folder of reconciler.yaml.

Globs as in .gitignore and most tools: ``*`` and ``?`` within one folder name, ``[abc]``/``[!abc]`` a
character, ``**`` as a whole part any number of folders (none included); ``/`` separates folders on every
system. An exclude glob that names a folder leaves out everything below it.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

DEFAULT_DOCUMENTS = ("campaigns/**/*.y*ml",)
MAGIC = re.compile(r"[*?\[]")


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a documents or exclude glob, or None."""
    if not pattern.strip():
        return "a glob cannot be empty"
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:", pattern) or "\\" in pattern:
        return f"glob '{pattern}' must be relative to the folder of reconciler.yaml, with / between folders"
    if ".." in pattern.split("/"):
        return f"glob '{pattern}' may not leave the folder of reconciler.yaml (..)"
    try:
        re.compile(translate(pattern))
    except re.error as exc:
        return f"glob '{pattern}' is not valid: {exc.msg}"
    return None


def translate(pattern: str) -> str:
    """The regular expression of a glob, for paths with / between folders."""
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
            continue
        out.append(_part(part) + ("" if last else "/"))
    return "".join(out)


def _part(part: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(part):
        c = part[i]
        close = _class_end(part, i) if c == "[" else -1
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif close > 0:
            body = part[i + 1:close]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _class_end(part: str, i: int) -> int:
    """Where the character class opened at ``i`` closes, or -1 when the ``[`` is a plain character."""
    j = i + 1
    if part[j:j + 1] == "!":
        j += 1
    if part[j:j + 1] == "]":
        j += 1
    return part.find("]", j)


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{translate(p)})" for p in patterns), re.DOTALL)


def _start(pattern: str) -> tuple[str, ...]:
    """The folders a glob starts with before its first wildcard (``campaigns/**/*.yaml``: ``campaigns``)."""
    parts = [p for p in pattern.split("/") if p not in ("", ".")]
    fixed: list[str] = []
    for part in parts[:-1]:
        if MAGIC.search(part):
            break
        fixed.append(part)
    return tuple(fixed)


@dataclass(frozen=True)
class Discovery:
    """Where a repository's documents are: ``root`` (the folder of reconciler.yaml, its real path: links
    resolved, as ``os.path.realpath`` gives it) and its globs."""

    root: str
    documents: tuple[str, ...] = DEFAULT_DOCUMENTS
    exclude: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    """Files that are never documents, whatever the globs say: reconciler.yaml itself."""

    def names(self, relative: str) -> bool:
        """Whether the file at ``relative`` (from ``root``, / between folders) is a document."""
        included, excluded = _compiled(self.documents), _compiled(self.exclude)
        if included is None or not included.fullmatch(relative):
            return False
        if relative in self.skip:
            return False
        if excluded is None:
            return True
        folders = relative.split("/")
        return not any(excluded.fullmatch("/".join(folders[:i])) for i in range(1, len(folders) + 1))

    def may_hold(self, folder: str) -> bool:
        """Whether documents may lie below ``folder`` (from ``root``; "" is the root): it is not excluded, and
        it is on the way to, or below, where some documents glob starts."""
        excluded = _compiled(self.exclude)
        if folder and excluded is not None and (excluded.fullmatch(folder) or excluded.fullmatch(folder + "/")):
            return False
        parts = tuple(folder.split("/")) if folder else ()
        return any(parts[:len(start)] == start[:len(parts)] for start in map(_start, self.documents))

    def outside(self, file: str) -> str | None:
        """Why the file ``file`` (a path from here) is not a document, or None when it is one."""
        if self.names(self.relative(file, folder=False)):
            return None
        return f"not a campaign document: reconciler.yaml's documents ({self.globs()}) leave it out"

    def relative(self, path: str, *, folder: bool) -> str:
        """``path`` (from here) as a path from ``root``, / between folders. Links on the way are followed, as
        ``root``'s were; a file keeps its own name (where a link to a file leads is ``confine``'s business)."""
        if folder:
            real = os.path.realpath(path)
        else:
            real = os.path.join(os.path.realpath(os.path.dirname(path) or "."), os.path.basename(path))
        return os.path.relpath(real, self.root).replace(os.sep, "/")

    def globs(self) -> str:
        return ", ".join(self.documents) + (f" less {', '.join(self.exclude)}" if self.exclude else "")

    def walk(self, top: str) -> list[str]:
        """The documents under the folder ``top`` (a path as the caller writes it: results start with it),
        sorted folder by folder; hidden folders (``.git``, ``.reconciler``) skipped."""
        base = self.relative(top, folder=True)
        if base == ".." or base.startswith("../"):
            return []
        base = "" if base == "." else base + "/"
        parts = base.split("/")[:-1]
        if any(not self.may_hold("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            return []  # the folder given is in, or is, one the globs leave out
        included, excluded = _compiled(self.documents), _compiled(self.exclude)
        if included is None:
            return []
        # the folders walked are neither excluded nor hidden (``may_hold``): only the file's own path is left
        # to check, for each of a hundred thousand files
        named = included.fullmatch
        left_out = excluded.fullmatch if excluded is not None else None
        found: list[str] = []
        for folder, dirs, files in os.walk(top):
            inner = os.path.relpath(folder, top).replace(os.sep, "/")
            here = base + ("" if inner == "." else inner + "/")
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and self.may_hold(here + d))
            prefix = "" if folder == "." else folder[2:] + os.sep if top == "." else folder + os.sep  # as pathlib
            found.extend(prefix + name for name in sorted(files)
                         if named(here + name) and not (left_out and left_out(here + name))
                         and here + name not in self.skip)
        return found

