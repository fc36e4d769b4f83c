"""Plan-time checks of the blocks a plan will send, against the reference data read from UIS.

UIS-08: the site block is on the campaign's site and the number is one UIS offers. UIS-10: a
call_tracking number needs a redirection number, other numbers take none, and it must be one UIS offers.
UIS-11: dynamic call tracking only on va and call_tracking numbers. UIS-19: a site block appears at
most once in a campaign's blocks (UIS refuses the whole list; a number in two blocks is UIS-09's). Components (va,
dynamic_call_tracking) cannot be read through the API: they are checked when the account lists them
(``components:`` in reconciler.yaml), else left to UIS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import Problem
from reconciler.providers.base import Match
from reconciler.providers.uis.references import listing

DCT = "dynamic_call_tracking"
TRACKABLE = ("va", "call_tracking")


@dataclass(frozen=True)
class References:
    site_blocks: Mapping[int, frozenset[int]]
    number_types: Mapping[int, str]
    redirections: frozenset[int]
    components: frozenset[str] | None

    @classmethod
    def of(cls, references: Mapping[str, Any], components: Collection[str] | None) -> References:
        return cls({s["id"]: frozenset(b["site_block_id"] for b in s.get("site_blocks", []))
                    for s in references.get("sites", [])},
                   {n["id"]: n.get("type", "") for n in references.get("phone_numbers", [])},
                   frozenset(n["id"] for n in references.get("redirection_phone_numbers", [])),
                   None if components is None else frozenset(components))


def _sends_blocks(m: Match) -> bool:
    return bool(m.desired.fields.get("site_blocks")) and (
        m.live is None or "site_blocks" in m.changes or "site_id" in m.changes)  # a replacement creates


def block_problems(matches: Sequence[Match], refs: References) -> list[Problem]:
    problems: list[Problem] = []
    for m in matches:
        if not _sends_blocks(m):
            continue
        site = m.desired.fields.get("site_id", m.live.fields.get("site_id") if m.live else None)
        where = m.desired.source.pos(("site_blocks",), key=True)
        problems.extend(Problem(where, TWICE, text) for text in _twice(m.desired.fields["site_blocks"]))
        for block in m.desired.fields["site_blocks"]:
            problems.extend(Problem(where, rule, f"block {block['site_block_id']}: {text}")
                            for rule, text in _block(block, site, refs))
    if refs.components is not None and "dynamic_call_tracking" not in refs.components:
        problems.extend(Problem(m.desired.source.pos((DCT,), key=True), "UIS-11",
                                "dynamic_call_tracking needs the component dynamic_call_tracking, which "
                                "the account's components do not list")
                        for m in matches if DCT in (m.changes if m.live else m.desired.fields))
    return problems


TWICE = "UIS-19"


def _twice(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    """The site blocks a campaign's blocks give more than once (UIS refuses the list: "is given twice")."""
    ids = Counter(b["site_block_id"] for b in blocks)
    return [f"site block {i} is given {n} times; UIS takes each block once (merge them into one)"
            for i, n in sorted(ids.items(), key=lambda item: str(item[0])) if n > 1]


def _block(block: Mapping[str, Any], site: Any, refs: References) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    blocks = refs.site_blocks.get(site)
    if blocks is not None and block["site_block_id"] not in blocks:
        found.append(("UIS-08", f"site block {block['site_block_id']} is not on site {site} "
                                f"(its blocks: {_listed(blocks)})"))
    number = block["phone_number_id"]
    kind = refs.number_types.get(number)
    if kind is None:
        found.append(("UIS-08", f"phone number {number} is not one UIS offers this account "
                                f"(get.campaign_available_phone_numbers: {_listed(refs.number_types)})"))
        return found
    found.extend(_redirection(kind, block.get("redirection_phone_number_id"), refs))
    if block.get("dynamic_call_tracking_enabled"):
        if kind not in TRACKABLE:
            found.append(("UIS-11", f"dynamic_call_tracking_enabled needs a va or call_tracking number; "
                                    f"{number} is a {kind} number"))
        elif refs.components is not None and "dynamic_call_tracking" not in refs.components:
            found.append(("UIS-11", "dynamic_call_tracking_enabled needs the component dynamic_call_tracking"))
    return found


def _redirection(kind: str, redirection: Any, refs: References) -> list[tuple[str, str]]:
    if redirection is None:
        return [("UIS-10", "a call_tracking number needs a redirection_phone_number_id")] \
            if kind == "call_tracking" else []
    if kind != "call_tracking":
        return [("UIS-10", f"redirection_phone_number_id is only for call_tracking numbers, not {kind}")]
    if refs.components is not None and "va" not in refs.components:
        return [("UIS-10", "redirection_phone_number_id needs the component va")]
    if redirection not in refs.redirections:
        return [("UIS-10", f"redirection number {redirection} is not one UIS offers (get.campaign_available_"
                           f"redirection_phone_numbers: {_listed(refs.redirections)})")]
    return []


def _listed(ids: Collection[int]) -> str:
    return listing([str(i) for i in sorted(ids)]) or "none"
