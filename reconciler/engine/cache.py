"""A cache of read and validated campaign files under ``.reconciler/cache/``, keyed by content hash.

A file whose bytes hash as when it was cached is not parsed or validated again. Like git's index, the
hash is trusted without reading the file when its size, modification time and inode are unchanged and
it was last modified well before the cache was written (a file changed within the same second could
otherwise keep its time). The entries depend on this code and on which provider each account has, so
either changing empties the cache.

Outcomes are stored as the pickled chunks the reading workers sent back, so a cold run does not pickle
them a second time; a chunk goes when none of its files is current, and all are packed into one when
more than half of what the cache holds is stale. The chunks follow the pickled index in the file, and a
run unpickles them where they lie in the mapped file.

Loading a pickle runs code, so the cache is signed with a key kept outside the repository
(``$XDG_CACHE_HOME/reconciler/cache.key``): a cache someone committed or put in a pull request is
ignored rather than loaded. ``RECONCILER_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import mmap
import os
import pickle
import secrets
import struct
import sys
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from stat import S_ISREG
from typing import Any, Final

import reconciler
from reconciler.engine.memory import kept
from reconciler.errors import Problem
from reconciler.files import write_atomic
from reconciler.model import Desired

Outcome = tuple[list[Desired], list[Problem]]
"""What one file holds: its desired campaigns, and the problems that kept others from being read."""
RACY_NS = 2_000_000_000
UNREAD = b""
"""The digest of a file that could not be read: its outcome (the problem) is never taken from the cache."""
FORMAT = 6
HEADER = struct.Struct("<Q")
"""After the signature: the length of the pickled index; the chunks follow it, back to back."""

Entry = tuple[int, int, int, bytes, int, int]
"""What the cache knows of one file: its size, modification time and inode (its stamp), the digest of its
bytes, and where its outcome is (chunk, slot). A plain tuple: 10,000 read back in 4 ms, where dataclass
instances took 37."""
DIGEST: Final = 3
CHUNK: Final = 4
SLOT: Final = 5


def stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def enabled() -> bool:
    return os.environ.get("RECONCILER_CACHE", "on").lower() not in ("off", "0", "false", "no")


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def pack(outcomes: Sequence[Outcome]) -> bytes:
    return pickle.dumps(list(outcomes), protocol=pickle.HIGHEST_PROTOCOL)


def unpack(chunk: bytes | memoryview) -> list[Outcome]:
    with kept():
        outcomes: list[Outcome] = pickle.loads(chunk)
    return outcomes


def salt(providers: Mapping[str, str]) -> bytes:
    """What the entries depend on besides the files: this code, the Python, and the accounts' providers."""
    package = Path(reconciler.__file__).parent
    code = sorted((str(p.relative_to(package)), p.stat().st_mtime_ns, p.stat().st_size)
                  for p in package.rglob("*.py"))
    return digest(repr((FORMAT, reconciler.__version__, sys.version, code, sorted(providers.items()))).encode())


class DocumentCache:
    """``lookup`` a file's outcome by stat or content; ``add`` newly read ones in chunks; ``save`` at the end."""

    def __init__(self, path: Path, salt: bytes, key: bytes | None) -> None:
        self.path, self._salt, self._key = path, salt, key
        self._written_ns = 0
        self._entries: dict[str, Entry] = {}
        self._order: list[str] = []
        """The files as the run that wrote the cache listed them (for ``unchanged``)."""
        self._clean: dict[str, int] = {}
        """The accounts for which that run found no problem at all in those files, each with its number of
        campaigns."""
        self._chunks: list[bytes | memoryview] = []
        """Each chunk: its bytes, or a view of it in the mapped cache file (``_mapped``)."""
        self._mapped: mmap.mmap | None = None
        self._loaded: dict[int, list[Outcome]] = {}
        self._dirty = False
        if key is not None:
            self._read()

    @classmethod
    def open(cls, workdir: Path, providers: Mapping[str, str]) -> DocumentCache:
        key = signing_key() if enabled() else None
        return cls(workdir / "cache" / "documents.pickle", salt(providers), key)

    def _read(self) -> None:
        """The cache file, mapped rather than read: its bytes are checked and unpickled where they lie in the
        page cache, not copied into memory the process would first have to be given (4 ms a 10,000-file
        cache on this machine, where fresh memory costs 1.4 ms a megabyte). The mapping stays open for the
        chunks, which are unpickled from it as they are needed (a 100,000-file cache: 24 MB of chunks not
        copied, its index read in 0.11 s rather than 0.21)."""
        try:
            with open(self.path, "rb") as f:
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable or empty: no cache
            return
        try:
            with memoryview(mapped) as blob:
                if len(blob) < 32 + HEADER.size or not hmac.compare_digest(blob[:32], self._sign(blob[32:])):
                    raise ValueError("not signed with this user's key")
                start = 32 + HEADER.size + HEADER.unpack_from(blob, 32)[0]
                loaded: Any = pickle.loads(blob[32 + HEADER.size:start])
                if not (isinstance(loaded, tuple) and len(loaded) == 6 and loaded[0] == self._salt):
                    raise ValueError("written for other code or accounts")
                _, written_ns, entries, order, clean, sizes = loaded
                ends = list(itertools.accumulate(sizes, initial=start))
                if ends[-1] != len(blob):
                    raise ValueError("cut short")
        except Exception:  # unreadable, cut short, or of another version: no cache
            mapped.close()
            return
        self._mapped = mapped
        self._written_ns, self._entries, self._order, self._clean = written_ns, entries, order, clean
        with memoryview(mapped) as blob:  # each chunk a view of its own, for as long as the cache is used
            self._chunks = [blob[a:b] for a, b in itertools.pairwise(ends)]

    def _sign(self, *body: bytes | memoryview) -> bytes:
        """The signature of the body made of these parts, in order."""
        assert self._key is not None
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in body:
            mac.update(part)
        return mac.digest()

    def _outcome(self, entry: Entry) -> Outcome:
        chunk = entry[CHUNK]
        if chunk not in self._loaded:
            self._loaded[chunk] = unpack(self._chunks[chunk])
        return self._loaded[chunk][entry[SLOT]]

    def unchanged(self, paths: Sequence[str]) -> bool:
        """Whether the files are those the cache was written for and none changed since (by stamp, well
        before the cache was written): then ``outcomes`` takes them all in one pass, without the per-file
        bookkeeping of ``lookup``."""
        if paths != self._order:
            return False
        entries, settled = self._entries, self._written_ns - RACY_NS
        try:
            for path, st in zip(paths, _stats(paths), strict=True):
                size, mtime, ino, hashed, _, _ = entries[path]  # stamp(st), field by field: 10% faster
                if st.st_mtime_ns != mtime or mtime >= settled or st.st_size != size or st.st_ino != ino \
                        or hashed == UNREAD or not S_ISREG(st.st_mode):
                    return False
        except OSError:
            return False
        return True

    def outcomes(self, paths: Sequence[str]) -> list[Outcome]:
        """Every file's cached outcome (the files are ``unchanged``)."""
        entries = self._entries
        return [self._outcome(entries[path]) for path in paths]

    def clean(self, accounts: Collection[str]) -> bool:
        """Whether the run that wrote the cache found no problem at all, checking (at least) ``accounts``."""
        return bool(accounts) and all(name in self._clean for name in accounts)

    def campaigns(self, account: str) -> int:
        """How many campaigns the files describe for ``account``, as the run that found it clean counted."""
        return self._clean.get(account, 0)

    def lookup(self, path: str, st: os.stat_result) -> Outcome | bytes | None:
        """The cached outcome of the file at ``path``; else its bytes if they had to be read to tell, else
        None (nothing cached for it)."""
        entry = self._entries.get(path)
        if entry is None or entry[DIGEST] == UNREAD:
            return None
        if stamp(st) == entry[:3] and st.st_mtime_ns < self._written_ns - RACY_NS:
            return self._outcome(entry)
        with open(path, "rb") as f:
            data = f.read()
        if entry[DIGEST] != digest(data):
            return data
        self._entries[path] = (*stamp(st), *entry[DIGEST:])
        self._dirty = True
        return self._outcome(entry)

    def add(self, files: Sequence[tuple[str, os.stat_result, bytes]], chunk: bytes,
            outcomes: list[Outcome]) -> None:
        """``files`` (path, stat, digest) were read into ``outcomes``, which ``chunk`` holds pickled."""
        number = len(self._chunks)
        self._chunks.append(chunk)
        self._loaded[number] = outcomes
        for slot, (path, st, hashed) in enumerate(files):
            self._entries[path] = (*stamp(st), hashed, number, slot)
        self._dirty = True

    def save(self, paths: Sequence[str], clean: Mapping[str, int]) -> None:
        """Write the cache for ``paths`` (the run's files, in its order; no others), and the accounts for
        which the run found no problem in them with their numbers of campaigns (``clean``), if anything
        changed; never fails the run. The cache's last step in a run: when it writes, it first lets go of
        the file it mapped (Windows cannot replace a mapped file), and with it of the chunks it did not
        unpickle."""
        unchanged = not self._dirty and list(paths) == self._order and dict(clean) == self._clean
        if self._key is None or unchanged:  # (the order lists every entry: the same files, none new or gone)
            return
        # Keyed by the run's own strings, the same objects as ``order``'s: each path is pickled once.
        entries = {p: self._entries[p] for p in paths if p in self._entries}
        used = sorted({e[CHUNK] for e in entries.values()})
        slots = sum(len(self._loaded[c]) if c in self._loaded else 0 for c in used)
        chunks: list[bytes | memoryview]
        if slots > 2 * len(entries):  # mostly stale: pack the current outcomes into one chunk
            ordered = sorted(entries)
            chunks = [pack([self._outcome(entries[p]) for p in ordered])]
            entries = {p: (*entries[p][:CHUNK], 0, i) for i, p in enumerate(ordered)}
        else:
            renumber = {old: new for new, old in enumerate(used)}
            chunks = [self._chunks[c] for c in used]
            entries = {p: (*e[:CHUNK], renumber[e[CHUNK]], e[SLOT]) for p, e in entries.items()}
        order = [p for p in paths if p in entries]
        index = pickle.dumps((self._salt, time.time_ns(), entries, order, dict(clean), [len(c) for c in chunks]),
                             protocol=pickle.HIGHEST_PROTOCOL)
        body = [HEADER.pack(len(index)), index, *chunks]
        data = b"".join([self._sign(*body), *body])  # one copy of the chunks (35 MB for 100,000 files)
        self._unmap()
        with contextlib.suppress(OSError):  # a read-only checkout just goes without a cache
            write_atomic(self.path, data)

    def _unmap(self) -> None:
        if self._mapped is not None:
            for chunk in self._chunks:
                if isinstance(chunk, memoryview):
                    chunk.release()
            self._mapped.close()
            self._mapped = None


def _stats(paths: Sequence[str]) -> Iterator[os.stat_result]:
    """``os.stat`` of each path (symbolic links followed), each looked up from its folder's descriptor: the
    kernel then resolves one name rather than the whole path (10,000 files: 0.047 s rather than 0.072)."""
    if os.stat not in os.supports_dir_fd:  # (Windows)
        yield from map(os.stat, paths)
        return
    folder, fd = None, -1
    try:
        for path in paths:
            parent, _, name = path.rpartition(os.sep)
            if parent != folder:
                if fd >= 0:
                    os.close(fd)
                    fd = -1
                fd, folder = os.open(parent or os.sep, os.O_RDONLY | os.O_DIRECTORY), parent
            yield os.stat(name, dir_fd=fd)
    finally:
        if fd >= 0:
            os.close(fd)


def signing_key() -> bytes | None:
    """This user's key for signing caches, made on first use; None when it cannot be kept."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(home) / "reconciler" / "cache.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        return path.read_bytes()
    except FileExistsError:
        return path.read_bytes()
    except OSError:
        return None
