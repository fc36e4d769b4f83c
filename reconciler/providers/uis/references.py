"""Readable references in UIS documents -> the vendor's ids, from the reference data read with live state.

A document may write ``site: example.com`` for ``site_id``, and in a block ``site_block: Header``,
``phone_number: "+7 495 123-45-67"`` and ``redirection_phone_number: "..."`` for the ``*_id`` fields.
``fields.desired_fields`` keeps each as a ``Ref`` under the id field; ``resolve`` swaps in the id, so the
resolved fields are exactly what the id form gives (blocks sorted by id) and plans do not depend on the form.

How a name finds its thing:
- ``site``: the domain name of one of ``get.sites``, ignoring case and a trailing dot (UIS-04);
- ``site_block``: a block name of the campaign's own site (its ``site``/``site_id``, else the live campaign's),
  ignoring case and repeated spaces (UIS-03);
- ``phone_number``: one of ``get.campaign_available_phone_numbers`` (UIS-08), ``redirection_phone_number``:
  one of ``get.campaign_available_redirection_phone_numbers`` (UIS-10); numbers are compared by their digits
  only, so "+7 (495) 123-45-67", "7 495 123 45 67" and "74951234567" are one number (nothing else is
  rewritten: a leading 8 is not read as +7).
A name that finds nothing, or more than one thing, is a problem at the name, listing the candidates.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.errors import Problem, ProblemsError
from reconciler.model import Desired, Live, LiveState, Located
from reconciler.providers.uis.fields import Ref, blocks
from reconciler.providers.uis.model import RefKind

RULES: Mapping[RefKind, str] = {"site": "UIS-04", "site_block": "UIS-03", "phone_number": "UIS-08",
                                "redirection_phone_number": "UIS-10"}
NOUNS: Mapping[RefKind, tuple[str, str]] = {
    "site": ("site", "sites"), "site_block": ("site block", "blocks"),
    "phone_number": ("phone number", "available phone numbers"),
    "redirection_phone_number": ("redirection phone number", "redirection phone numbers")}
SHOWN = 10
"""Candidates listed in a problem; the rest are counted."""


def site_key(text: str) -> str:
    return text.strip().rstrip(".").casefold()


def block_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def phone_key(text: str) -> str:
    return "".join(ch for ch in text if ch in "0123456789")


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str


@dataclass(frozen=True)
class Catalogue:
    """What one kind of reference can name, indexed by the compared form of the name."""

    key: Callable[[str], str]
    by_key: Mapping[str, tuple[Candidate, ...]]

    def find(self, text: str) -> tuple[Candidate, ...]:
        return self.by_key.get(self.key(text), ())

    def names(self) -> list[str]:
        return sorted({c.name for found in self.by_key.values() for c in found})


def catalogue(items: Iterable[Candidate], key: Callable[[str], str]) -> Catalogue:
    by_key: dict[str, list[Candidate]] = defaultdict(list)
    for c in items:
        by_key[key(c.name)].append(c)
    return Catalogue(key, {k: tuple(v) for k, v in by_key.items()})


@dataclass(frozen=True)
class Catalogues:
    """Everything the account's reference data lets a document name."""

    sites: Catalogue
    site_names: Mapping[int, str]
    blocks: Mapping[int, Catalogue]
    """Per site id: the site's blocks."""
    phone_numbers: Catalogue
    redirection_phone_numbers: Catalogue


def catalogues(references: Mapping[str, Any]) -> Catalogues:
    sites = list(references.get("sites", []))
    return Catalogues(
        sites=catalogue((Candidate(s["id"], s["domain_name"]) for s in sites), site_key),
        site_names={s["id"]: s["domain_name"] for s in sites},
        blocks={s["id"]: catalogue((Candidate(b["site_block_id"], b["site_block_name"])
                                    for b in s.get("site_blocks") or []), block_key) for s in sites},
        phone_numbers=catalogue((Candidate(n["id"], n["phone_number"])
                                 for n in references.get("phone_numbers", [])), phone_key),
        redirection_phone_numbers=catalogue((Candidate(n["id"], n["phone_number"])
                                             for n in references.get("redirection_phone_numbers", [])), phone_key))


# --- resolving ---------------------------------------------------------------------------------------------

def resolve(desired: Sequence[Desired], live: LiveState) -> list[Desired]:
    """``desired`` with every ``Ref`` replaced by the id it names; raises ProblemsError for any that fail.

    The source also places each id the document did not write at the name written for it, so later
    problems about that id (e.g. UIS-04, a site that would change) point at the name.
    """
    if not any(_has_refs(d.fields) for d in desired):
        return list(desired)
    found = catalogues(live.references)
    live_site = live_sites(desired, live.campaigns)
    problems: list[Problem] = []
    out: list[Desired] = []
    for d in desired:
        refs = refs_in(d.fields)
        if refs:
            fields, more = resolve_fields(d, found, live_site(d))
            problems.extend(more)
            d = replace(d, fields=fields, source=aliased(d.source, refs))
        out.append(d)
    if problems:
        raise ProblemsError(problems)
    return out


def _has_refs(fields: Mapping[str, Any]) -> bool:
    """``refs_in`` is not empty: asked of every campaign of every plan, so without building the list."""
    if isinstance(fields.get("site_id"), Ref):
        return True
    blocks = fields.get("site_blocks")
    if not blocks:  # no generator to make: half the cost
        return False
    return any(isinstance(v, Ref) for b in blocks for v in b.values())


def refs_in(fields: Mapping[str, Any]) -> list[Ref]:
    values = [fields.get("site_id"), *(v for b in fields.get("site_blocks") or [] for v in b.values())]
    return [v for v in values if isinstance(v, Ref)]


def aliased(source: Located, refs: Sequence[Ref]) -> Located:
    """``source`` where the id path each reference stands for is found at the reference."""
    return source.alias({(*ref.path[:-1], f"{ref.kind}_id"): ref.path for ref in refs})


def live_sites(desired: Sequence[Desired], campaigns: Sequence[Live]) -> Callable[[Desired], int | None]:
    """The site of the live campaign a desired one will match (by pinned id, else by a unique key)."""
    by_id = {c.id: c.fields.get("site_id") for c in campaigns}
    pinned = {d.pinned_id for d in desired if d.pinned_id is not None}
    by_key: dict[Any, list[Any]] = defaultdict(list)
    for c in campaigns:
        if c.id not in pinned:
            by_key[c.key].append(c.fields.get("site_id"))

    def site(d: Desired) -> int | None:
        if d.pinned_id is not None:
            return by_id.get(d.pinned_id)
        found = by_key.get(d.key, [])
        return found[0] if len(found) == 1 else None

    return site


def resolve_fields(d: Desired, found: Catalogues, live_site: int | None) -> tuple[dict[str, Any], list[Problem]]:
    """One campaign's fields with its references resolved, and the problems of those that did not."""
    problems: list[Problem] = []
    fields = dict(d.fields)
    site = fields.get("site_id", live_site)
    site_reported = False
    if isinstance(site, Ref):
        site = fields["site_id"] = lookup(d, site, found.sites, problems)
        site_reported = site is None
    if "site_blocks" in fields:
        scope = BlockScope(site, site_reported)
        fields["site_blocks"] = blocks([resolve_block(d, b, found, scope, problems) for b in fields["site_blocks"]])
    return fields, problems


@dataclass(frozen=True)
class BlockScope:
    """The site whose blocks a block name is looked up in (UIS-03)."""

    site: int | None
    reported: bool = False
    """The site's own reference failed (and was reported), so block names are not looked up."""


def resolve_block(d: Desired, block: Mapping[str, Any], found: Catalogues, scope: BlockScope,
                  problems: list[Problem]) -> dict[str, Any]:
    out = dict(block)
    for name, value in block.items():
        if not isinstance(value, Ref):
            continue
        if value.kind == "site_block":
            out[name] = block_id(d, value, found, scope, problems)
        elif value.kind == "phone_number":
            out[name] = lookup(d, value, found.phone_numbers, problems)
        else:
            out[name] = lookup(d, value, found.redirection_phone_numbers, problems)
    return out


def block_id(d: Desired, ref: Ref, found: Catalogues, scope: BlockScope, problems: list[Problem]) -> int | None:
    """UIS-03: a block name is looked up among the blocks of the campaign's own site only."""
    site = scope.site
    if scope.reported:
        return None
    if site is None:
        problems.append(Problem(d.source.pos(ref.path), RULES[ref.kind],
                                f"site block '{ref.text}' cannot be found: the campaign's site is not known "
                                "(a new campaign, or no live campaign matches it); set site or site_id"))
        return None
    where = found.site_names.get(site, f"site {site}")
    return lookup(d, ref, found.blocks.get(site, catalogue((), block_key)), problems, f" on {where}")


def lookup(d: Desired, ref: Ref, among: Catalogue, problems: list[Problem], where: str = "") -> int | None:
    """The id ``ref`` names in ``among``; else a problem at the reference and None."""
    matches = among.find(ref.text)
    if len(matches) == 1:
        return matches[0].id
    message = unknown(ref, among, where) if not matches else ambiguous(ref, matches, where)
    problems.append(Problem(d.source.pos(ref.path), RULES[ref.kind], message))
    return None


def unknown(ref: Ref, among: Catalogue, where: str) -> str:
    noun, plural = NOUNS[ref.kind]
    names = among.names()
    if not names:
        return f"unknown {noun} '{ref.text}'{where} (there are no {plural}{where})"
    by_key = {among.key(n): n for n in names}
    close = difflib.get_close_matches(among.key(ref.text), list(by_key), n=1)
    hint = f", did you mean '{by_key[close[0]]}'?" if close else ""
    return f"unknown {noun} '{ref.text}'{where}{hint} ({plural}: {listing(names)})"


def ambiguous(ref: Ref, matches: Sequence[Candidate], where: str) -> str:
    noun, plural = NOUNS[ref.kind]
    named = ", ".join(f"'{c.name}' (id {c.id})" for c in sorted(matches, key=lambda c: c.id))
    return (f"ambiguous {noun} '{ref.text}'{where}: {len(matches)} {plural} match ({named}); "
            f"give {ref.kind}_id instead")


def listing(names: Sequence[str]) -> str:
    """At most ``SHOWN`` names, then how many more."""
    shown = ", ".join(names[:SHOWN])
    return shown if len(names) <= SHOWN else f"{shown} and {len(names) - SHOWN} more"
