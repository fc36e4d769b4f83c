"""Campaign documents -> desired campaigns per account, with every offline problem of the run.

One pass, finished before any vendor is called: each file is read (``documents``), each document validated
against its provider's model, then duplicates and each provider's offline rules are checked across files.
A file whose bytes were read before takes its documents from the document cache (``engine.cache``), and a
document that was valid for the provider its account names now, its campaign too.
"""

from __future__ import annotations

import difflib
import os
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path as FsPath

from reconciler.config import Config
from reconciler.documents import Document, decode, read_bytes, walk
from reconciler.engine.cache import DocumentCache, digest
from reconciler.engine.cache import desired as cached_desired
from reconciler.errors import Problem, ProblemsError
from reconciler.model import NO_LIFECYCLE, Desired, Lifecycle
from reconciler.providers import PROVIDERS
from reconciler.validation import validate
from reconciler.yamltext import located

ACCOUNT = "ACCOUNT"
IDENTITY = "IDENTITY"

Outcome = tuple[list[Desired], list[Problem]]
"""What one file holds: its desired campaigns, and the problems that kept others from being read."""


def load_desired(config: Config, path: FsPath, base: FsPath,
                 only: Collection[str] = ()) -> dict[str, list[Desired]]:
    """Desired campaigns of every account (or of ``only``), each sorted by label; file names shown relative
    to ``base``. Raises every problem found at once."""
    problems: list[Problem] = []
    unknown = sorted(set(only) - set(config.accounts))
    if unknown:
        problems.append(Problem(None, ACCOUNT, f"unknown account(s) {', '.join(unknown)} "
                                               f"(reconciler.yaml has: {', '.join(config.accounts)})"))
    desired: dict[str, list[Desired]] = {name: [] for name in config.accounts if not only or name in only}
    under = os.path.join(base, "")
    cache = DocumentCache.open(config.workdir)
    for file in walk(path, config.discovery):
        shown = file[len(under):] if file.startswith(under) else file  # as display_name, without a Path each
        found, found_problems = read_file(config, file, shown, cache)
        problems.extend(found_problems)
        for d in found:
            if d.account in desired:
                desired[d.account].append(d)
    cache.save()
    for name, items in desired.items():
        items.sort(key=lambda d: (d.label, d.source.file))
        problems.extend(_duplicates(items))
        problems.extend(PROVIDERS[config.accounts[name].provider].offline_problems(items))
    if problems:
        raise ProblemsError(problems)
    return desired


def read_file(config: Config, path: str, shown: str, cache: DocumentCache) -> Outcome:
    """The desired campaigns of one file, and the problems of those it could not read; its documents from
    ``cache`` when its contents were read before, and the campaign of each from there when it was valid for
    the provider its account names now."""
    raw, problems = read_bytes(path, shown)
    if raw is None:
        return [], problems
    key = digest(raw)
    found = cache.get(key, shown)
    if found is None:
        text, problems = decode(raw, shown)
        if text is None:
            return [], problems
        docs, problems = located(text, shown)
        if not problems:
            cache.put(key, docs)
        found = [(index, data, source, None) for index, data, source in docs]
    desired: list[Desired] = []
    for at, (index, data, source, kept) in enumerate(found):
        provider = _provider(config, data)
        made = cached_desired(kept, provider, source) if kept is not None and provider is not None else None
        if made is None:
            made, more = desired_of(config, Document(data, source, index))
            problems.extend(more)
            if made is not None and provider is not None:
                cache.keep(key, at, provider, made)
        if made is not None:
            desired.append(made)
    return desired, problems


def _provider(config: Config, data: object) -> str | None:
    """The provider reconciler.yaml names for the account of a document's values; None without one."""
    account = data.get("account") if isinstance(data, dict) else None
    found = config.accounts.get(account) if isinstance(account, str) else None
    return found.provider if found is not None else None


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
