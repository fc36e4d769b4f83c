"""Campaign documents -> desired campaigns per account, with every offline problem of the run."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Collection, Mapping
from pathlib import Path as FsPath

from reconciler.config import Config
from reconciler.documents import Document, load_tree
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Desired, Lifecycle
from reconciler.providers import PROVIDERS
from reconciler.validation import validate

ACCOUNT = "ACCOUNT"
IDENTITY = "IDENTITY"


def load_desired(config: Config, path: FsPath, base: FsPath,
                 only: Collection[str] = ()) -> dict[str, list[Desired]]:
    """Desired campaigns of every account (or of ``only``), sorted; raises all problems at once."""
    docs, problems = load_tree(path, base)
    unknown = sorted(set(only) - set(config.accounts))
    if unknown:
        problems.append(Problem(None, ACCOUNT, f"unknown account(s) {', '.join(unknown)} "
                                               f"(reconciler.yaml has: {', '.join(config.accounts)})"))
    desired: dict[str, list[Desired]] = {name: [] for name in config.accounts if not only or name in only}
    for doc in docs:
        found, found_problems = desired_of(config, doc)
        problems.extend(found_problems)
        if found is not None and found.account in desired:
            desired[found.account].append(found)
    for name, items in desired.items():
        items.sort(key=lambda d: (d.label, d.source.file))
        problems.extend(_duplicates(items))
        problems.extend(PROVIDERS[config.accounts[name].provider].offline_problems(items))
    if problems:
        raise ProblemsError(problems)
    return desired


def desired_of(config: Config, doc: Document) -> tuple[Desired | None, list[Problem]]:
    """The desired campaign one document describes, or the problems that keep it from describing one."""
    src = doc.source
    if not isinstance(doc.data, dict):
        return None, [Problem(src.pos(()), "SCHEMA", "a campaign document must be a mapping of fields")]
    account = doc.data.get("account")
    if not isinstance(account, str):
        return None, [Problem(src.pos(("account",)), ACCOUNT,
                              "missing 'account': name the reconciler.yaml account this campaign belongs to")]
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
    lifecycle = Lifecycle(lc.allow_replace, lc.prevent_destroy, tuple(lc.ignore_changes)) if lc else Lifecycle()
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
