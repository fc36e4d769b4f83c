"""The documents of files read before, by the digest of their text: a warm run takes them from here rather
than parsing the YAML again (they are still validated, as the accounts or the code may have changed).

Plain JSON (each document's values and the lines and columns ``Located`` keeps), one file per
repository, kept in the user's cache folder (``$XDG_CACHE_HOME/reconciler/documents/``) rather than in
the repository: a cache committed to a repository or sent in a pull request can never stand in for its
files. A cache that is missing, unreadable, corrupt or written by other code is a cold read; only the
files of the last run are kept. ``RECONCILER_CACHE=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

import reconciler
from reconciler import yamltext
from reconciler.files import write_atomic
from reconciler.model import Located

FORMAT = 1
Found = list[tuple[int, Any, Located]]
"""What ``yamltext.located`` gives for a file without problems: each document's index, values and source."""


def enabled() -> bool:
    return os.environ.get("RECONCILER_CACHE", "on").lower() not in ("off", "0", "false", "no")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def salt() -> str:
    """What the entries depend on besides the text: this format, the reader's code and PyYAML's version."""
    code = Path(yamltext.__file__).read_bytes()
    return f"{FORMAT}:{reconciler.__version__}:{yaml.__version__}:{hashlib.sha256(code).hexdigest()}"


def cache_file(workdir: Path) -> Path:
    """Where the cache of the repository whose working folder is ``workdir`` is kept."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = hashlib.sha256(str(workdir.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Path(home) / "reconciler" / "documents" / f"{name}.json"


class DocumentCache:
    """``get`` the documents of a text read before; ``put`` those of a text read now; ``save`` at the end."""

    def __init__(self, path: Path | None, salt: str) -> None:
        self.path, self._salt = path, salt
        self._old: dict[str, Any] = _read(path, salt) if path is not None else {}
        self._new: dict[str, Any] = {}
        self._added = False

    @classmethod
    def open(cls, workdir: Path) -> DocumentCache:
        """The cache of this repository, or one that keeps nothing when turned off."""
        return cls(cache_file(workdir), salt()) if enabled() else cls(None, "")

    def get(self, key: str, name: str) -> Found | None:
        """The documents of the text whose digest is ``key``, located in the file ``name``; None if unknown."""
        entry = self._new[key] if key in self._new else self._old.get(key)
        if entry is None:
            return None
        try:
            found = [(index, data, Located(name, data, spots)) for index, data, spots in entry]
        except (TypeError, ValueError):  # not what ``put`` writes: read the file instead
            return None
        if not all(type(index) is int and type(source.spots) is list for index, _, source in found):
            return None
        self._new[key] = entry
        return found

    def put(self, key: str, found: Found) -> None:
        """The documents of the text whose digest is ``key``, just read without problems."""
        if self.path is not None:
            self._new[key] = [[index, data, source.spots] for index, data, source in found]
            self._added = True

    def save(self) -> None:
        """Keep the documents of this run's files, if they differ from the cache's; never fails the run."""
        if self.path is None or not (self._added or self._new.keys() != self._old.keys()):
            return
        text = json.dumps({"salt": self._salt, "files": self._new}, separators=(",", ":"))
        with contextlib.suppress(OSError):  # no writable cache folder: every run is a cold one
            write_atomic(self.path, text)


def _read(path: Path, salt: str) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_bytes())
    except (OSError, ValueError):  # missing, unreadable or corrupt
        return {}
    if not isinstance(loaded, dict) or loaded.get("salt") != salt or not isinstance(loaded.get("files"), dict):
        return {}
    files: dict[str, Any] = loaded["files"]
    return files
