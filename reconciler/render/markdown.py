"""The markdown plan: ONE pull-request comment for every account, always within ``limit`` characters.

First the summary: a table with the totals first and a row per account, the summary sentence, every warning, the
errors of accounts that could not be planned. It is never shortened. Then each account's calls, folded, grouped
by campaign. When they do not fit, the space left is shared fairly (an account that needs less than its share
leaves the rest to the others) and each account's details degrade step by step within its share: long values are
shortened, then field changes are left out, then its calls stop once its share is spent. An account is shortened,
never dropped, and each one says what it left out. Only a summary that alone exceeds ``limit`` is cut.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from reconciler.model import Action, Caution, Effect, Operation, Plan
from reconciler.render.text import NO_CHANGES, action, by_campaign, destructive, plural, summary, symbol, value

HEADING = "### Reconciler plan"
FULL_PLAN = "the full plan is in the JSON plan (`reconciler show plan.json`)"
CLOSE = "\n</details>\n\n"
FULL, SHORT_WIDTH, BRIEF = sys.maxsize, 100, 0
ERROR_CHARS = 3_000
_MARKDOWN = str.maketrans({"|": "&#124;", "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "`": "&#96;",
                           "\\": "&#92;", "~": "&#126;", "\n": "<br>", "\r": "<br>", '"': "&quot;",
                           "'": "&#39;", "@": "&#64;", "#": "&#35;"})  # no @mentions or #123 links
_FIT = "to fit the comment size limit"
_COLUMNS = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.REPLACE, Action.CONTROL)
_NOTES = {FULL: "", SHORT_WIDTH: f"_Values longer than {SHORT_WIDTH} characters are shortened {_FIT}; {FULL_PLAN}._",
          BRIEF: f"_Field changes are left out {_FIT}; {FULL_PLAN}._"}

Groups = Sequence[tuple[str, Sequence[Operation]]]


def esc(text: str) -> str:
    """User text made inert in markdown and HTML: no tags, emphasis, links, code spans, cells or line breaks."""
    return html.escape(text.replace("\r\n", "\n"), quote=False).translate(_MARKDOWN)


def _groups(plan: Plan) -> Groups:
    """Operations per account in plan order; accounts as the plan lists them, then any others as they appear."""
    by_account: dict[str, list[Operation]] = {name: [] for name in plan.accounts}
    for op in plan.operations:
        by_account.setdefault(op.account, []).append(op)
    return list(by_account.items())


def _warnings_cell(ops: Iterable[Operation], thresholds: int, total: bool = False) -> str:
    ops = list(ops)
    kinds = [e.kind for op in ops for e in op.side_effects]
    parts = [plural(kinds.count(Effect.PURCHASE), "purchase")] if Effect.PURCHASE in kinds else []
    harmful = sum(1 for op in ops if destructive(op))
    if harmful:
        parts.append(plural(harmful, "destructive call"))
    if thresholds:
        parts.append(plural(thresholds, "threshold") if total else "threshold")
    return ", ".join(parts) or "-"


def _row(name: str, counts: Mapping[Action, int], warnings: str) -> str:
    return f"| {' | '.join([name, *(str(counts[a]) for a in _COLUMNS), warnings])} |"


def _table(plan: Plan, groups: Groups, errors: Mapping[str, str]) -> str:
    """Totals first (with more than one account), then one row per account; an account that could not be
    planned has a row that says so."""
    thresholds = [w.account for w in plan.warnings if w.kind is Caution.THRESHOLD]
    rows = ["| Account | Create | Update | Delete | Replace | Run state | Warnings |",
            "|---|---:|---:|---:|---:|---:|---|"]
    failed = [name for name in errors if name not in dict(groups)]
    if len(groups) + len(failed) > 1:
        cell = _warnings_cell(plan.operations, len(set(thresholds)), total=True)
        if errors:
            cell = f"{cell}, {len(errors)} not planned" if cell != "-" else f"{len(errors)} not planned"
        rows.append(_row("**Total**", plan.counts(), cell))
    for account, ops in groups:
        counts = Plan(tuple(ops), (account,)).counts()  # the same as plan.for_account(account).counts()
        rows.append(_row(esc(account), counts, _warnings_cell(ops, thresholds.count(account))))
    rows.extend(f"| {esc(name)} | {' | '.join('-' for _ in _COLUMNS)} | **not planned** (see below) |"
                for name in failed)
    return "\n".join(rows)


def _error(account: str, text: str, most: int) -> str:
    """One account's plan-time error, inert, at most ``most`` characters of it."""
    text = text.strip()
    if len(text) > most:
        text = text[:most] + f"\n… {len(text) - most:,} more characters in the run's log"
    lines = "\n".join(esc(line) for line in text.splitlines())
    return f"**{esc(account)}** could not be planned:\n<pre>\n{lines}\n</pre>"


def _head(plan: Plan, groups: Groups, errors: Mapping[str, str], context: str, limit: int) -> str:
    """Heading, context line, table, summary sentence, every warning and error: always complete."""
    parts = [HEADING]
    if context:
        parts.append(context)
    sentence = summary(plan) if groups else ""
    if errors:
        names = ", ".join(esc(name) for name in errors)
        sentence += f"{' ' if sentence else ''}**{plural(len(errors), 'account')} could not be planned**: {names}."
    parts.extend((_table(plan, groups, errors), sentence))
    if plan.warnings:
        parts.append("\n".join(f"- ⚠ **{esc(w.account)}**: {esc(w.message)}" for w in plan.warnings))
    most = max(200, min(ERROR_CHARS, limit // (4 * len(errors)))) if errors else 0
    parts.extend(_error(name, text, most) for name, text in errors.items())
    return "\n\n".join(parts)


def _code(v: Any, width: int) -> str:
    text = value(v)
    if len(text) > width:
        text = text[:width - 1] + "…"
    return f"<code>{esc(text)}</code>"


def _item(op: Operation, width: int, head: str, indent: str) -> str:
    """One operation as a list item; ``width`` shortens values, 0 leaves the field changes out."""
    line = f"{indent}- <code>{symbol(op)}</code> {head}{action(op)} ({esc(op.method)})"
    lines = [line + (f", {plural(len(op.changes), 'field change')} not shown" if not width and op.changes else "")]
    sub = indent + "  - "
    for c in op.changes if width else ():
        if op.action is Action.CREATE:
            lines.append(f"{sub}{esc(c.path)} = {_code(c.after, width)}")
        else:
            lines.append(f"{sub}{esc(c.path)}: {_code(c.before, width)} -> {_code(c.after, width)}")
    lines.extend(f"{sub}! {esc(str(effect))}" for effect in op.side_effects)
    if op.waits_for:
        lines.append(f"{sub}waits for {esc(', '.join(op.waits_for))}: {esc(op.reason)}")
    elif op.reason:
        lines.append(f"{sub}({esc(op.reason)})")
    return "\n".join(lines) + "\n"


def _items(ops: Sequence[Operation], width: int) -> Iterator[str]:
    """One string per operation; a campaign with several calls gets a heading (carried by its first call) and
    its calls nested beneath it. Made one by one: a large plan is cut long before its end."""
    for calls in by_campaign(ops):
        name = esc(calls[0].campaign)
        if len(calls) == 1:
            yield _item(calls[0], width, f"{name}: ", "")
            continue
        for i, op in enumerate(calls):
            item = _item(op, width, "", "  ")
            yield f"- {name}: {len(calls)} calls\n{item}" if i == 0 else item


def _opening(account: str, ops: Sequence[Operation]) -> str:
    return f"<details><summary>{esc(account)}: {plural(len(ops), 'operation')}</summary>\n\n"


def _more(n: int) -> str:
    return f"_… {plural(n, 'more operation')} not shown and field changes are left out {_FIT}; {FULL_PLAN}._"


def _block(account: str, ops: Sequence[Operation], items: Iterable[str], note: str) -> str:
    return _opening(account, ops) + (f"{note}\n\n" if note else "") + "".join(items) + CLOSE


def _taken(items: Iterable[str], room: int) -> list[str]:
    """The first items that fit in ``room`` characters together."""
    shown: list[str] = []
    for item in items:
        room -= len(item)
        if room < 0:
            break
        shown.append(item)
    return shown


def _fit(account: str, ops: Sequence[Operation], allowance: int) -> str:
    """The account's block within ``allowance``: all its calls with every value, else with long values
    shortened, else without field changes, else as many calls as fit and how many did not."""
    for width in (FULL, SHORT_WIDTH, BRIEF):
        room = allowance - len(_block(account, ops, (), _NOTES[width]))
        shown = _taken(_items(ops, width), room)
        if len(shown) == len(ops):
            return _block(account, ops, shown, _NOTES[width])
    shown = _taken(_items(ops, BRIEF), allowance - len(_block(account, ops, (), _more(len(ops)))))
    return _block(account, ops, shown, _more(len(ops) - len(shown)))


def _whole(account: str, ops: Sequence[Operation], width: int, budget: int) -> int:
    """The size of the account's block with every call shown at ``width``; more than ``budget`` if larger."""
    empty = len(_block(account, ops, (), _NOTES[width]))
    shown = _taken(_items(ops, width), budget - empty)
    return empty + sum(map(len, shown)) if len(shown) == len(ops) else budget + 1


def _details(groups: Groups, budget: int) -> str:
    """Every account's folded block, the whole within ``budget`` characters when it can be: each account gets
    at least room to say how many calls it left out, and a fair share of the rest.

    Shares are handed out one account after another, each what it needs in full or an equal part of what is
    left, starting with the accounts that can show all their calls in the least room (briefly); what a block
    leaves of its share (a block with shortened values is often much smaller) goes to those after it."""
    busy = {account: ops for account, ops in groups if ops}
    least = {account: len(_block(account, ops, (), _more(len(ops)))) for account, ops in busy.items()}
    needs = {account: max(_whole(account, ops, FULL, budget) - least[account], 0) for account, ops in busy.items()}
    brief = {account: _whole(account, ops, BRIEF, budget) for account, ops in busy.items()}
    left = max(budget - sum(least.values()), 0)
    blocks: dict[str, str] = {}
    order = sorted(busy, key=lambda a: (brief[a], needs[a], a))
    for i, account in enumerate(order):
        share = min(needs[account], left // (len(order) - i))
        blocks[account] = _fit(account, busy[account], least[account] + share)
        left -= len(blocks[account]) - least[account]
    return "".join(blocks[account] for account in busy)


def _clip(text: str, limit: int) -> str:
    """Last resort when the summary alone is too long: cut at a line end and say so."""
    if len(text) <= limit:
        return text
    note = f"\n\n_… the summary is cut to fit {limit:,} characters; {FULL_PLAN}._\n"
    cut = text.rfind("\n", 0, max(limit - len(note), 0))
    return text[:cut] + note if cut > 0 else text[:limit]


def render_markdown(plan: Plan, limit: int = 65_536, *, errors: Mapping[str, str] | None = None,
                    context: str = "") -> str:
    """The plan as a GitHub pull-request comment of at most ``limit`` characters; same plan, same bytes.
    ``errors`` holds, per account that could not be planned, its error text; ``context`` is a markdown line
    (the commit and the run) shown under the heading."""
    errors = dict(errors or {})
    if plan.empty and not errors:
        return _clip("\n\n".join([HEADING, *([context] if context else []), NO_CHANGES]) + "\n", limit)
    groups = _groups(plan)
    prefix = _head(plan, groups, errors, context, limit) + "\n\n"
    text = (prefix + _details(groups, limit - len(prefix) + 1)).rstrip("\n") + "\n"
    return _clip(text, limit)
