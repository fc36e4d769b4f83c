"""``reconciler import``: a YAML document for each live campaign of an account that no document describes.

The campaigns are read through the provider's session, as ``plan`` reads them, and matched against the
repository's documents the way ``plan`` matches; a campaign a document already describes is left alone.
Each other campaign gets ``campaigns/<account>/<slug>.yaml`` (``reconciler.slug``), holding what the
provider exports for it (``Provider.export``), ``account:`` first, pinned by id when its name is not unique
in the account, with the schema modeline on top. Before anything is written the new documents are planned
against the live state just read: they must show no change. A file already at a new document's
path is in the way (one describing the campaign would have matched it): it is not overwritten without
``--force``; the run lists them all and writes nothing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from reconciler.config import Config
from reconciler.documents import display_name, load_text
from reconciler.engine.connect import connect_all, context
from reconciler.engine.load import desired_in
from reconciler.engine.plan import match, plan_live
from reconciler.errors import Problem, ProblemsError
from reconciler.files import write_atomic
from reconciler.layout import new_document, order_of
from reconciler.model import Desired, LiveState, Pos
from reconciler.providers import PROVIDERS
from reconciler.providers.base import Provider, schema_path
from reconciler.roundtrip import dump_all
from reconciler.slug import slug, unique_names

RULE = "IMPORT"
FOLDER = "campaigns"


@dataclass(frozen=True)
class Draft:
    """A document to write for one live campaign."""

    path: FsPath
    shown: str
    campaign: str
    live_id: Any
    text: str


@dataclass(frozen=True)
class Imported:
    """What an import wrote, and what it left alone."""

    account: str
    written: tuple[Draft, ...]
    overwritten: frozenset[FsPath]
    """The files that were there before (and were in the way: written only with --force)."""
    described: tuple[tuple[str, Pos], ...]
    """Live campaigns a document already describes, and where."""
    schema_found: bool

    def lines(self) -> list[str]:
        """The report for the user."""
        out = [f"Imported {len(self.written)} campaign(s) of account '{self.account}'"
               + (":" if self.written else ".")]
        out += [f"  {d.shown}: {d.campaign}" + (" (overwritten)" if d.path in self.overwritten else "")
                for d in self.written]
        if self.described:
            out.append(f"Left alone: {len(self.described)} campaign(s) a document already describes:")
            out += [f"  {label}: {where}" for label, where in self.described]
        if self.written and not self.schema_found:
            out.append("Note: no schemas/ folder here or above for the modeline to point at; write one with "
                       "`python -m reconciler.schemas PATH` so editors check the documents.")
        return out


async def import_campaigns(config: Config, account: str, existing: Sequence[Desired], *, force: bool,
                           base: FsPath, documents: Collection[str] = ()) -> Imported:
    """Read ``account``'s live campaigns and write a document for each one no document describes.

    ``documents`` are the files that hold campaign documents (of any account): never overwritten, not
    even with ``force``, since the campaigns they describe would lose their document (and, with
    ``prune: true``, be deleted by the next apply).
    """
    provider = PROVIDERS[config.accounts[account].provider]
    async with connect_all(config, [account]) as sessions:
        live = await sessions[account].read()
    drafts, described = draft(provider, account, existing, live, config.root, base)
    problems = round_trip_problems(config, account, existing, drafts, live)
    in_the_way = frozenset(d.path for d in drafts if d.path.exists())
    problems += [Problem(Pos(d.shown, 1, 1), RULE, f"a file holding campaign documents is in the way of the "
                                                   f"document of campaign '{d.campaign}': move it (even --force "
                                                   "never overwrites a campaign document)")
                 for d in drafts if d.path in in_the_way and d.shown in documents]
    unread = [d for d in drafts if config.discovery.outside(str(d.path)) is not None]
    if unread:  # written where no command would read them, the campaigns would still have no document
        problems.append(Problem(Pos(unread[0].shown, 1, 1), RULE, f"import writes documents under {FOLDER}/, "
                                f"which reconciler.yaml's documents ({config.discovery.globs()}) leave out: "
                                f"add {FOLDER}/**/*.y*ml to them"))
    if not force:
        problems += [Problem(Pos(d.shown, 1, 1), RULE, f"a file is in the way of the document of campaign "
                                                       f"'{d.campaign}': move it, or import with --force to "
                                                       "overwrite it")
                     for d in drafts if d.path in in_the_way and d.shown not in documents]
    if problems:
        raise ProblemsError(problems)
    for d in drafts:
        write_atomic(d.path, d.text)
    folder = config.root / FOLDER / account
    return Imported(account, tuple(drafts), in_the_way, tuple(described), _schema(folder, provider.name).exists())


def draft(provider: Provider, account: str, existing: Sequence[Desired], live: LiveState, root: FsPath,
          base: FsPath) -> tuple[list[Draft], list[tuple[str, Pos]]]:
    """The documents for the live campaigns no document describes, and where the others are described."""
    matches, orphans = match(provider, provider.resolve(existing, live), live)
    described = sorted((m.label, m.desired.source.pos(())) for m in matches if m.live is not None)
    folder = root / FOLDER / account
    names = unique_names({str(o.id): slug(o.key if o.key is not None else f"id {o.id}") for o in orphans})
    counts = Counter(c.key for c in live.campaigns)
    modeline = "# yaml-language-server: $schema=" + os.path.relpath(_schema(folder, provider.name),
                                                                     folder).replace(os.sep, "/")
    drafts = []
    for o in orphans:
        fields = {"account": account, **provider.export(o.fields)}
        if o.key is None or counts[o.key] > 1:
            fields[provider.id_field] = o.id  # the name does not tell it apart: pin it
        header = [modeline] + ([] if provider.key_field in fields else [f"# {o.label}"])
        path = folder / f"{names[str(o.id)]}.yaml"
        text = dump_all([new_document(fields, order_of(provider.document_model), header)])
        drafts.append(Draft(path, display_name(path, base), o.label, o.id, text))
    return sorted(drafts, key=lambda d: d.shown), described


def _schema(folder: FsPath, provider: str) -> FsPath:
    """The nearest ``schemas/<provider>.campaign.schema.json`` from ``folder`` up; else the repository's."""
    for place in (folder, *folder.parents):
        if schema_path(place, provider).is_file():
            return schema_path(place, provider)
    return schema_path(folder.parents[1], provider)


def round_trip_problems(config: Config, account: str, existing: Sequence[Desired], drafts: Sequence[Draft],
                        live: LiveState) -> list[Problem]:
    """Problems planning the drafts as written would have: none, unless a provider's export is wrong."""
    provider = PROVIDERS[config.accounts[account].provider]
    new: list[Desired] = []
    problems: list[Problem] = []
    for d in drafts:
        docs, found = load_text(d.text, d.shown)
        described, more = desired_in(config, docs)
        new += described
        problems += found + more
    problems += provider.offline_problems(new)
    if problems:
        return problems
    try:
        planned = plan_live(provider, context(config, config.accounts[account]), [*existing, *new], live)
    except ProblemsError as exc:
        return list(exc.problems)
    drafted = {d.live_id: d for d in drafts}
    return [Problem(Pos(drafted[t.id].shown, 1, 1), RULE,
                    f"the document written for '{t.campaign}' would not plan as no change; the "
                    f"{provider.name} export misses something: please report it")
            for t in planned.targets if t.id in drafted]
