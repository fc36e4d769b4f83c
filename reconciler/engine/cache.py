"""The documents of files read before, by the digest of their contents: a warm run takes them from here rather
than parsing the YAML again, and, for a document that was valid, the desired campaign it gave rather than
validating it again.

Plain JSON, one file per repository: each document's values, the lines and columns ``Located`` keeps and,
once it was valid, the plain parts of its ``Desired`` with the provider that validated it. That outcome is
used only while the document's account still names that provider in reconciler.yaml; the whole cache only
with the code that made it (``salt``: the source of every module of the package, and the versions of the
libraries that read and validate). Checks across files (duplicates, the providers' offline rules) are not
kept: they run every time. Kept in the user's cache folder (``$XDG_CACHE_HOME/reconciler/documents/``)
rather than in the repository: a cache committed to a repository or sent in a pull request can never stand
in for its files. A cache that is missing, unreadable, corrupt or written by other code is a cold read;
only the files of the last run are kept. ``RECONCILER_CACHE=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pydantic
import pydantic_core
import yaml

import reconciler
from reconciler.files import write_atomic
from reconciler.model import NO_LIFECYCLE, Desired, Lifecycle, Located

FORMAT = 2
Found = list[tuple[int, Any, Located]]
"""What ``yamltext.located`` gives for a file without problems: each document's index, values and source."""
Cached = list[tuple[int, Any, Located, Any]]
"""What ``get`` gives: each document's index, values, source, and what validating it gave (for ``desired``)."""


def enabled() -> bool:
    return os.environ.get("RECONCILER_CACHE", "on").lower() not in ("off", "0", "false", "no")


def digest(raw: bytes) -> str:
    """The key of a file's contents."""
    return hashlib.sha256(raw).hexdigest()


def salt() -> str:
    """What the entries depend on besides the contents: this format, the code of every module of the package
    (an editable install changes its code without changing its version), and the versions of Python and of
    the libraries that read and validate documents. Without code to read (a package imported from an
    archive), a salt no run shares: every run is a cold one."""
    code = hashlib.sha256()
    root = os.path.dirname(reconciler.__file__)
    found = False
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".pyc")):  # .pyc: a package installed without its sources
                path = os.path.join(folder, name)
                code.update(os.path.relpath(path, root).encode("utf-8", "surrogatepass") + b"\0")
                with open(path, "rb") as f:
                    code.update(f.read() + b"\0")
                found = True
    versions = (sys.version, reconciler.__version__, pydantic.VERSION, pydantic_core.__version__, yaml.__version__)
    return f"{FORMAT}:{':'.join(versions)}:{code.hexdigest() if found else os.urandom(16).hex()}"


def cache_file(workdir: Path) -> Path:
    """Where the cache of the repository whose working folder is ``workdir`` is kept."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = hashlib.sha256(str(workdir.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Path(home) / "reconciler" / "documents" / f"{name}.json"


class DocumentCache:
    """``get`` the documents of contents read before; ``put`` those of contents read now; ``keep`` the campaign
    a valid document of such contents gave (``desired`` takes it back); ``save`` at the end."""

    def __init__(self, path: Path | None, salt: str) -> None:
        self.path, self._salt = path, salt
        self._old: dict[str, Any] = _read(path, salt) if path is not None else {}
        self._new: dict[str, Any] = {}
        self._added = False

    @classmethod
    def open(cls, workdir: Path) -> DocumentCache:
        """The cache of this repository, or one that keeps nothing when turned off."""
        return cls(cache_file(workdir), salt()) if enabled() else cls(None, "")

    def get(self, key: str, name: str) -> Cached | None:
        """The documents of the contents whose digest is ``key``, located in the file ``name``; None if
        unknown."""
        entry = self._new[key] if key in self._new else self._old.get(key)
        if not isinstance(entry, list):
            return None
        try:
            found = [(doc[0], doc[1], Located(name, doc[1], doc[2]), doc[3] if len(doc) == 4 else None)
                     for doc in entry]
        except (TypeError, KeyError, IndexError):  # not what ``put`` writes: read the file instead
            return None
        if not all(type(index) is int and type(source.spots) is list for index, _, source, _ in found):
            return None
        self._new[key] = entry
        return found

    def put(self, key: str, found: Found) -> None:
        """The documents of the contents whose digest is ``key``, just read without problems; contents whose
        values JSON does not give back exactly (``_exact``) are not kept."""
        entry = [[index, data, list(source.spots)] for index, data, source in found]
        if self.path is not None and _exact(entry):
            self._new[key] = entry
            self._added = True

    def keep(self, key: str, at: int, provider: str, desired: Desired) -> None:
        """The campaign the ``at``-th document of the contents ``key`` (in the order ``put`` or ``get`` has
        them: empty documents have no place) gave, validated by ``provider``; not kept when JSON would not
        give it back exactly (a value that is no plain data)."""
        entry = self._new.get(key)
        if not isinstance(entry, list) or not 0 <= at < len(entry):
            return
        lc = desired.lifecycle
        kept = [provider, desired.key, desired.pinned_id, _written(desired.fields, entry[at][1]),
                lc.allow_replace, lc.prevent_destroy, list(lc.ignore_changes)]
        if _exact(kept):
            entry[at] = [*entry[at][:3], kept]  # in place of what another provider gave
            self._added = True

    def save(self) -> None:
        """Keep the documents of this run's files, if they differ from the cache's; never fails the run."""
        if self.path is None or not (self._added or self._new.keys() != self._old.keys()):
            return
        text = orjson.dumps({"salt": self._salt, "files": self._new})
        with contextlib.suppress(OSError):  # no writable cache folder: every run is a cold one
            write_atomic(self.path, text)


def desired(kept: Any, provider: str, source: Located) -> Desired | None:
    """The campaign a document (at ``source``) gave when ``provider`` validated it (``kept``, from ``get``);
    None when it was not kept for that provider."""
    if type(kept) is not list or len(kept) != 7 or kept[0] != provider:
        return None
    _, key, pinned, written, allow_replace, prevent_destroy, ignore = kept
    data = source.data
    account = data.get("account") if isinstance(data, dict) else None
    if not (isinstance(account, str) and type(written) is list and type(allow_replace) is bool
            and type(prevent_destroy) is bool and type(ignore) is list and all(type(n) is str for n in ignore)):
        return None
    fields: dict[str, Any] = {}
    for item in written:
        if type(item) is str and item in data:
            fields[item] = data[item]
        elif type(item) is list and len(item) == 2 and type(item[0]) is str:
            fields[item[0]] = item[1]
        else:
            return None
    lifecycle = Lifecycle(allow_replace, prevent_destroy, tuple(ignore))
    return Desired(account, key, pinned, fields, NO_LIFECYCLE if lifecycle == NO_LIFECYCLE else lifecycle, source)


def _written(fields: Mapping[str, Any], data: Any) -> list[Any]:
    """A campaign's fields as ``desired`` takes them back: the name alone of a field whose value is the
    document's own value under that name (most are: kept once, and the same object in both once read back;
    neither is changed after reading), else the name and the value."""
    own = data if isinstance(data, dict) else {}
    return [name if name in own and _same(own[name], value) else [name, value] for name, value in fields.items()]


def _same(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same JSON (so 2 and 2.0, or 1 and true, are not)."""
    try:
        return orjson.dumps(a) == orjson.dumps(b)
    except TypeError:  # orjson.JSONEncodeError: no JSON at all (``keep`` leaves such a campaign out)
        return False


def _exact(value: Any) -> bool:
    """Whether ``value`` comes back from JSON as it is: plain data (no tuple, no other type, no key that is
    not text, no number JSON cannot carry), equal to what reading it back gives."""
    try:
        return bool(orjson.loads(orjson.dumps(value)) == value)
    except (TypeError, ValueError):  # orjson.JSONEncodeError: a type JSON has not, a lone surrogate, a big int
        return False


def _read(path: Path, salt: str) -> dict[str, Any]:
    try:
        loaded = orjson.loads(path.read_bytes())
    except (OSError, ValueError):  # missing, unreadable or corrupt
        return {}
    if not isinstance(loaded, dict) or loaded.get("salt") != salt or not isinstance(loaded.get("files"), dict):
        return {}
    files: dict[str, Any] = loaded["files"]
    return files
