"""Campaign documents -> desired campaigns per account, with every offline problem of the run."""

from __future__ import annotations

import difflib
import multiprocessing
import os
import stat
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path as FsPath

from reconciler.config import Config
from reconciler.documents import NOT_A_FILE, Document, decode, load_text, unreadable, walk
from reconciler.engine.cache import UNREAD, DocumentCache, Outcome, digest, pack, unpack
from reconciler.engine.memory import hold, kept
from reconciler.errors import Problem, ProblemsError
from reconciler.http import prepare_in_background
from reconciler.model import NO_LIFECYCLE, Desired, Lifecycle
from reconciler.providers import PROVIDERS
from reconciler.validation import validate

ACCOUNT = "ACCOUNT"
IDENTITY = "IDENTITY"
PARALLEL_FROM = 250
"""Files to read before it pays to fork workers: on 2 cores, reading 250 fresh files took 0.116 s forked
against 0.128 s in one process, 500 files 0.247 against 0.274 s, 1,000 files 0.348 against 0.445 s."""
MAX_WORKERS = 8


def load_desired(config: Config, path: FsPath, base: FsPath,
                 only: Collection[str] = ()) -> dict[str, list[Desired]]:
    """Desired campaigns of every account (or of ``only``), sorted; raises all problems at once."""
    return Documents(config, path, base, only).load()


Job = tuple[str, str, "bytes | None"]
"""A file to read: its path, the name shown for it, and its bytes if they were read already."""


class Documents:
    """A run's campaign documents: found and checked against the cache when made, read by ``load``.

    ``known_clean`` is told before any file is read: the cache holds this very tree (the same files, none
    changed) from a run that found no problem in it for these accounts, so ``load`` will find none either
    and only takes what the cache holds. Only then may a run call a vendor before ``load`` is done: bad
    input never gets as far as a vendor call.
    """

    def __init__(self, config: Config, root: FsPath, base: FsPath, only: Collection[str] = ()) -> None:
        self.config = config
        self.unknown = sorted(set(only) - set(config.accounts))
        self.accounts = tuple(name for name in config.accounts if not only or name in only)
        self._cache = DocumentCache.open(config.workdir, {n: a.provider for n, a in config.accounts.items()})
        self._under = str(base) + os.sep
        self._paths = walk(root, config.discovery)
        # Each file by the same string in every run: its absolute path. The walk's paths are all absolute or
        # all relative to here; os.path.join for each of 10,000 took 4% of a warm plan's instructions.
        here = "" if os.path.isabs(root) else os.path.join(os.getcwd(), "")
        self._origins = [here + p for p in self._paths]
        self._unchanged = self._cache.unchanged(self._origins)
        self.known_clean = not self.unknown and self._unchanged and self._cache.clean(self.accounts)
        self._loaded: dict[str, list[Desired]] | None = None
        hold(self)  # with the cache and what ``load`` finds: all of it lives to the end of the run

    def load(self) -> dict[str, list[Desired]]:
        """Desired campaigns of the accounts, sorted (the same on every call); raises all problems at once.
        When ``known_clean``, this only takes what the cache holds: no file is read, nothing waited for."""
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def expected(self) -> dict[str, int]:
        """About how many campaigns each account has documents for: exactly once loaded; before that, when
        ``known_clean``, as the run that found the tree clean counted; else nothing known."""
        if self._loaded is not None:
            return {name: len(items) for name, items in self._loaded.items()}
        return {name: self._cache.campaigns(name) for name in self.accounts} if self.known_clean else {}

    def _load(self) -> dict[str, list[Desired]]:
        problems: list[Problem] = []
        if self.unknown:
            problems.append(Problem(None, ACCOUNT, f"unknown account(s) {', '.join(self.unknown)} "
                                                   f"(reconciler.yaml has: {', '.join(self.config.accounts)})"))
        desired: dict[str, list[Desired]] = {name: [] for name in self.accounts}
        with kept():
            outcomes = self._cache.outcomes(self._origins) if self._unchanged else self._read()
        for found, found_problems in outcomes:
            problems.extend(found_problems)
            for d in found:
                if d.account in desired:
                    desired[d.account].append(d)
        for name, items in desired.items():
            items.sort(key=lambda d: (d.label, d.source.file))
            problems.extend(_duplicates(items))
            problems.extend(PROVIDERS[self.config.accounts[name].provider].offline_problems(items))
        self._cache.save(self._origins, {} if problems else {name: len(desired[name]) for name in self.accounts})
        if problems:
            raise ProblemsError(problems)
        return desired

    def _read(self) -> list[Outcome]:
        """Each file's desired campaigns and problems: from the cache file by file, else read (across cores
        when there are many)."""
        cache, under = self._cache, self._under
        outcomes: list[Outcome | None] = []
        todo: list[tuple[int, os.stat_result, Job]] = []
        for path, origin in zip(self._paths, self._origins, strict=True):
            shown = path[len(under):] if path.startswith(under) else path
            try:
                st = os.stat(origin)
                found = cache.lookup(origin, st) if stat.S_ISREG(st.st_mode) else unreadable(shown, NOT_A_FILE)
            except OSError as exc:
                outcomes.append(([], [unreadable(shown, exc.strerror)]))
                continue
            if isinstance(found, Problem):  # a FIFO or a device would block or never end
                outcomes.append(([], [found]))
                continue
            if found is None or isinstance(found, bytes):
                todo.append((len(outcomes), st, (origin, shown, found)))
                outcomes.append(None)
            else:
                outcomes.append(found)
        for part, (digests, chunk, read) in _read_all(self.config, todo):
            cache.add([(job[0], st, d) for (_, st, job), d in zip(part, digests, strict=True)], chunk, read)
            for (i, _, _), outcome in zip(part, read, strict=True):
                outcomes[i] = outcome
        return [o for o in outcomes if o is not None]


Part = list[tuple[int, os.stat_result, Job]]


def _read_all(config: Config, todo: Part) -> Iterator[tuple[Part, tuple[list[bytes], bytes, list[Outcome]]]]:
    """Each part of ``todo`` with what reading it gave: the files' digests, the outcomes pickled (for the
    cache) and the outcomes."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(todo) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        if todo:
            digests, read = read_chunk(config, [job for _, _, job in todo])
            yield todo, (digests, pack(read), read)
        return
    size = -(-len(todo) // (workers * 4))
    parts = [todo[i:i + size] for i in range(0, len(todo), size)]
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        jobs = [[job for _, _, job in part] for part in parts]
        results = pool.map(_packed, [config] * len(parts), jobs)  # every worker forked by now
        prepare_in_background()  # this process mostly waits for them meanwhile
        for part, (digests, chunk) in zip(parts, results, strict=True):
            yield part, (digests, chunk, unpack(chunk))
    finally:
        # The workers end by themselves, and the executor's own thread joins them: waiting here for them to
        # end took 20 ms of the 200 that reading 500 files took.
        pool.shutdown(wait=False, cancel_futures=True)


def _packed(config: Config, jobs: Sequence[Job]) -> tuple[list[bytes], bytes]:
    """In a worker: ``read_chunk`` with the outcomes pickled once, here, for both the pipe and the cache."""
    digests, read = read_chunk(config, jobs)
    return digests, pack(read)


def read_chunk(config: Config, jobs: Sequence[Job]) -> tuple[list[bytes], list[Outcome]]:
    """The files' content digests and outcomes."""
    digests: list[bytes] = []
    outcomes: list[Outcome] = []
    for origin, shown, data in jobs:
        if data is None:
            try:
                with open(origin, "rb") as f:
                    data = f.read()
            except OSError as exc:
                outcomes.append(([], [unreadable(shown, exc.strerror)]))
                digests.append(UNREAD)
                continue
        digests.append(digest(data))
        outcomes.append(read_file(config, origin, shown, data))
    return digests, outcomes


def read_file(config: Config, origin: str, shown: str, data: bytes) -> Outcome:
    """The desired campaigns of one file's bytes, and the problems of those it could not read."""
    text, problems = decode(data, shown)
    if text is None:
        return [], problems
    docs, problems = load_text(text, shown, origin=origin)
    desired, more = desired_in(config, docs)
    return desired, problems + more


def desired_in(config: Config, docs: Iterable[Document]) -> Outcome:
    """The desired campaigns the documents describe, and the problems of those that describe none."""
    desired: list[Desired] = []
    problems: list[Problem] = []
    for doc in docs:
        found, found_problems = desired_of(config, doc)
        problems.extend(found_problems)
        if found is not None:
            desired.append(found)
    return desired, problems


def desired_of(config: Config, doc: Document) -> tuple[Desired | None, list[Problem]]:
    """The desired campaign one document describes, or the problems that keep it from describing one."""
    src = doc.source
    if not isinstance(doc.data, dict):
        return None, [Problem(src.pos(()), "SCHEMA", "a campaign document must be a mapping of fields")]
    account = doc.data.get("account")
    if account is None:
        return None, [Problem(src.pos(("account",)), ACCOUNT,
                              "missing 'account': name the reconciler.yaml account this campaign belongs to")]
    if not isinstance(account, str):
        return None, [Problem(src.pos(("account",)), ACCOUNT,
                              "account: Input should be a valid string (the name of a reconciler.yaml account)")]
    if account not in config.accounts:
        hint = difflib.get_close_matches(account, config.accounts, n=1)
        msg = f"unknown account '{account}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
        return None, [Problem(src.pos(("account",)), ACCOUNT, msg)]
    provider = PROVIDERS[config.accounts[account].provider]
    model, problems = validate(provider.document_model, doc.data, src, rules=provider.schema_rules)
    if model is None:
        return None, problems
    key = getattr(model, provider.key_field, None)
    pinned = getattr(model, provider.id_field, None)
    if key is None and pinned is None:
        return None, [Problem(src.pos(()), IDENTITY,
                              f"a campaign needs '{provider.key_field}' or a pinned '{provider.id_field}'")]
    lc = model.lifecycle
    lifecycle = Lifecycle(lc.allow_replace, lc.prevent_destroy, tuple(lc.ignore_changes)) if lc else NO_LIFECYCLE
    return Desired(account, key, pinned, provider.desired_fields(model), lifecycle, src), []


def _duplicates(items: list[Desired]) -> list[Problem]:
    """Two documents for one campaign (same pinned id, or same key without a pinned id)."""
    problems: list[Problem] = []
    seen: Mapping[str, dict[object, Desired]] = defaultdict(dict)
    for d in items:
        identity, field = ("id", d.pinned_id) if d.pinned_id is not None else ("key", d.key)
        first = seen[identity].get(field)
        if first is not None:
            where = first.source.pos(())
            problems.append(Problem(d.source.pos(()), IDENTITY,
                                    f"campaign '{d.label}' is already described at {where}"))
        else:
            seen[identity][field] = d
    return problems
