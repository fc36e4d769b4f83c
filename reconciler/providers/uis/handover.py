"""UIS-09: a call_tracking number serves one campaign at a time, so a number moving between campaigns is
released by the campaign that has it before the one that wants it takes it.

Each campaign the plan changes may take numbers (in its final blocks, not in its live ones) and release
numbers (in its live blocks, not in its final ones; all of them when it is deactivated or deleted). The
operation that takes a number waits for the operation that releases it. When those waits form a cycle
(A and B swap numbers, or a longer rotation), one campaign of the cycle first gets a temporary update
without the blocks whose numbers it still has to take: that releases what the others wait for, and its
final update comes last. One extra call per cycle, the fewest possible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.diff import leaf_changes
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Effect, Live, Operation, SideEffect, op_id
from reconciler.providers.base import Match
from reconciler.providers.uis.cycles import components, fewest_to_break
from reconciler.providers.uis.fields import DISPLAY_KEYS, any_tracking, normalise, request_value

RULE = "UIS-09"
DCT = "dynamic_call_tracking"


@dataclass(frozen=True)
class Holder:
    """A campaign as far as numbers go: what it has now, what it keeps, and its calls that move them."""

    label: str
    live: frozenset[int]
    final: frozenset[int] | None
    """The numbers it has after the plan; None when the plan does not touch its blocks (it keeps ``live``)."""
    taker: Operation | None
    releaser: Operation | None

    @property
    def takes(self) -> frozenset[int]:
        return frozenset() if self.final is None else self.final - self.live

    @property
    def releases(self) -> frozenset[int]:
        return frozenset() if self.final is None else self.live - self.final


def call_tracking_numbers(references: Mapping[str, Any]) -> frozenset[int]:
    return frozenset(n["id"] for n in references.get("phone_numbers", []) if n.get("type") == "call_tracking")


def _numbers(blocks: Iterable[Mapping[str, Any]] | None, tracked: frozenset[int]) -> frozenset[int]:
    return frozenset(b["phone_number_id"] for b in blocks or [] if b.get("phone_number_id") in tracked)


def claim_problems(matches: Sequence[Match], tracked: frozenset[int]) -> list[Problem]:
    """Two desired campaigns (or two blocks of one) with the same call_tracking number."""
    owners: dict[int, Match] = {}
    problems: list[Problem] = []
    claiming = [m for m in matches if tracked and m.desired.fields.get("site_blocks")]
    for m in sorted(claiming, key=lambda m: m.label):
        seen: set[int] = set()
        for block in m.desired.fields["site_blocks"]:
            number = block.get("phone_number_id")
            if number not in tracked:
                continue
            where = m.desired.source.pos(("site_blocks",), key=True)
            if number in seen:
                problems.append(Problem(where, RULE, f"call_tracking number {number} is in two blocks of "
                                                     "this campaign; it serves one block of one campaign"))
            elif number in owners:
                other = owners[number]
                there = other.desired.source.pos(("site_blocks",), key=True)
                problems.append(Problem(where, RULE, f"call_tracking number {number} (block "
                                                     f"{block['site_block_id']}) is also claimed by campaign "
                                                     f"'{other.label}' at {there}; it serves one campaign at a time"))
            else:
                owners[number] = m
            seen.add(number)
    return problems


def holders(matches: Sequence[Match], orphans: Sequence[Live], ops: Sequence[Operation],
            tracked: frozenset[int]) -> list[Holder]:
    by_campaign: dict[str, list[Operation]] = {}
    for op in ops:
        by_campaign.setdefault(op.campaign, []).append(op)
    found = [_holder(m.label, m.live, m.desired.fields, by_campaign.get(m.label, []), tracked) for m in matches]
    found += [_holder(o.label, o, None, by_campaign.get(o.label, []), tracked) for o in orphans]
    return found


def _holder(label: str, live: Live | None, desired: Mapping[str, Any] | None, ops: list[Operation],
            tracked: frozenset[int]) -> Holder:
    now = _numbers(live.fields.get("site_blocks") if live else None, tracked)
    taker = next((op for op in ops if _takes(op)), None)
    gone = next((op for op in ops if op.method == "delete.campaigns"
                 or op.request.get("status") == "inactive"), None)
    if gone is not None:  # deleted, replaced or deactivated: every block goes (UIS-06)
        final = _numbers(desired.get("site_blocks"), tracked) if taker is not None and desired else frozenset()
        return Holder(label, now, final, taker, gone)
    if taker is None or desired is None:
        return Holder(label, now, None, None, None)
    return Holder(label, now, _numbers(desired.get("site_blocks"), tracked), taker, taker)


def _takes(op: Operation) -> bool:
    """The call sets the campaign's blocks, so it may take numbers."""
    return "site_blocks" in op.request and op.method != "delete.campaigns"


def order_handovers(ops: list[Operation], matches: Sequence[Match], orphans: Sequence[Live],
                    references: Mapping[str, Any]) -> list[Operation]:
    """``ops`` with each take waiting for its release, cycles broken; an impossible take is a problem."""
    tracked = call_tracking_numbers(references)
    problems = claim_problems(matches, tracked)
    if not any(_takes(op) for op in ops):  # no call sets blocks, so none can take a number: nothing to order
        if problems:
            raise ProblemsError(problems)
        return ops
    found = holders(matches, orphans, ops, tracked)
    owner = {n: h for h in found for n in h.live}
    waits: dict[str, dict[str, str]] = {}  # taker op id -> releaser op id -> why
    desired = {m.label: m for m in matches}
    for h in found:
        for number in sorted(h.takes):
            other = owner.get(number)
            if other is None or other.label == h.label:
                continue
            if number in other.releases and other.releaser is not None and h.taker is not None:
                if other.releaser.id != h.taker.id:
                    waits.setdefault(h.taker.id, {})[other.releaser.id] = (
                        f"takes call_tracking number {number} once '{other.label}' releases it (UIS-09)")
            else:
                m = desired[h.label]
                why = "its document does not change its blocks" if other.label in desired else \
                    "no document manages it"
                problems.append(Problem(m.desired.source.pos(("site_blocks",), key=True), RULE,
                                        f"call_tracking number {number} serves campaign '{other.label}', which "
                                        f"keeps it ({why}); a number serves one campaign at a time"))
    if problems:
        raise ProblemsError(problems)
    return _break_cycles(ops, waits, found, desired)


def _break_cycles(ops: list[Operation], waits: dict[str, dict[str, str]], found: Sequence[Holder],
                  desired: Mapping[str, Match]) -> list[Operation]:
    by_id = {op.id: op for op in ops}
    # only a campaign whose one update both takes and releases numbers can be in a cycle, and break it
    breakers = {h.taker.id: h for h in found if h.taker is not None and h.releaser == h.taker}
    for breaking in fewest_to_break(_graph(by_id, waits), breakers):
        h = breakers[breaking]
        assert h.taker is not None
        temp = _temporary(h, desired[h.label], by_id[h.taker.id])
        by_id[temp.id] = temp
        for needs in waits.values():  # who waited for h's release now waits for the temporary call
            if h.taker.id in needs:
                needs[temp.id] = needs.pop(h.taker.id)
        waits.setdefault(h.taker.id, {})[temp.id] = "the temporary call released its numbers first (UIS-09)"
    assert not components(_graph(by_id, waits)), "cycles of number moves left after breaking them"
    out = []
    for op in by_id.values():
        extra = waits.get(op.id, {})
        if extra:
            reasons = [op.reason] if op.reason else []
            reasons += sorted(set(extra.values()))
            op = replace(op, waits_for=tuple(dict.fromkeys([*op.waits_for, *sorted(extra)])),
                         reason="; ".join(reasons))
        out.append(op)
    return out


def _graph(ops: Mapping[str, Operation], waits: Mapping[str, Mapping[str, str]]) -> dict[str, set[str]]:
    """Operation -> the operations it waits for: its own, and the number handovers'."""
    return {op: {*ops[op].waits_for, *waits.get(op, {})} for op in ops}


def _temporary(h: Holder, m: Match, final: Operation) -> Operation:
    """The blocks ``h`` keeps or adds from free numbers, without those it still has to take from others."""
    blocks = [b for b in m.desired.fields.get("site_blocks") or [] if b.get("phone_number_id") not in h.takes]
    request: dict[str, Any] = {"id": final.request["id"], "site_id": final.request["site_id"],
                               "site_blocks": request_value("site_blocks", blocks)}
    if any_tracking(blocks):
        request[DCT] = final.request.get(DCT) or m.desired.fields.get(DCT) or normalise(
            DCT, m.live.fields.get(DCT) if m.live else None)
    numbers = ", ".join(str(n) for n in sorted(h.releases))
    before = normalise("site_blocks", m.live.fields.get("site_blocks") if m.live else [])
    left_out = ", ".join(str(b["site_block_id"]) for b in m.desired.fields.get("site_blocks") or []
                         if b.get("phone_number_id") in h.takes)
    return Operation(id=op_id(final.account, h.label, "release"), account=final.account, campaign=h.label,
                     action=final.action, method="update.campaigns", request=request,
                     changes=tuple(leaf_changes("site_blocks", before, blocks, DISPLAY_KEYS)),
                     side_effects=(SideEffect(Effect.OTHER, f"site block(s) {left_out} go without a number "
                                                            "until the final update"),),
                     waits_for=tuple(w for w in final.waits_for if w.startswith(op_id(final.account, h.label, ""))),
                     reason=f"temporary: releases call_tracking number(s) {numbers} without the blocks whose "
                            "numbers it takes from a campaign that waits for these; breaks a cycle of "
                            "number moves (UIS-09)")
