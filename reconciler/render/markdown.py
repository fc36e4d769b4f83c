"""The markdown plan: a pull-request comment, summary first, details folded, always within ``limit`` characters.

The summary (table, sentence, warnings) is never shortened. When the details do not fit they degrade step by step:
long values are shortened, then field changes are left out, then operations stop once the budget is spent; each
degraded comment says what was left out. Only a summary that alone exceeds ``limit`` is cut (at a line end).
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from reconciler.model import Action, Caution, Effect, Operation, Plan
from reconciler.render.text import NO_CHANGES, SYMBOLS, summary, value

HEADING = "### Reconciler plan"
FULL_PLAN = "the full plan is in the JSON plan (`reconciler show plan.json`)"
CLOSE = "\n</details>\n\n"
FULL, SHORT_WIDTH, BRIEF = sys.maxsize, 100, 0
_MARKDOWN = str.maketrans({"|": "&#124;", "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "`": "&#96;",
                           "\\": "&#92;", "~": "&#126;", "\n": "<br>", "\r": "<br>", '"': "&quot;",
                           "'": "&#39;", "@": "&#64;", "#": "&#35;"})  # no @mentions or #123 links
_FIT = "to fit the comment size limit"
_COLUMNS = (Action.CREATE, Action.UPDATE, Action.DELETE, Action.REPLACE, Action.CONTROL)
_NOTES = {SHORT_WIDTH: f"_Values longer than {SHORT_WIDTH} characters are shortened; {FULL_PLAN}._",
          BRIEF: f"_Field changes are left out {_FIT}; {FULL_PLAN}._"}

Groups = Sequence[tuple[str, Sequence[Operation]]]


def esc(text: str) -> str:
    """User text made inert in markdown and HTML: no tags, emphasis, links, code spans, cells or line breaks."""
    return html.escape(text.replace("\r\n", "\n"), quote=False).translate(_MARKDOWN)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _groups(plan: Plan) -> Groups:
    """Operations per account in plan order; accounts as the plan lists them, then any others as they appear."""
    by_account: dict[str, list[Operation]] = {name: [] for name in plan.accounts}
    for op in plan.operations:
        by_account.setdefault(op.account, []).append(op)
    return list(by_account.items())


def _warnings_cell(ops: Iterable[Operation], threshold: bool) -> str:
    kinds = [e.kind for op in ops for e in op.side_effects]
    parts = [_plural(kinds.count(kind), kind.value) for kind in (Effect.PURCHASE, Effect.RESET) if kind in kinds]
    if threshold:
        parts.append("threshold")
    return ", ".join(parts) or "-"


def _head(plan: Plan, groups: Groups) -> str:
    """Heading, table (one row per account), summary sentence and every warning: always complete."""
    thresholds = {w.account for w in plan.warnings if w.kind is Caution.THRESHOLD}
    rows = ["| Account | Create | Update | Delete | Replace | Run state | Warnings |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for account, ops in groups:
        counts = Plan(tuple(ops), (account,)).counts()  # the same as plan.for_account(account).counts()
        cells = [esc(account), *(str(counts[a]) for a in _COLUMNS), _warnings_cell(ops, account in thresholds)]
        rows.append(f"| {' | '.join(cells)} |")
    parts = [HEADING, "\n".join(rows), summary(plan)]
    if plan.warnings:
        parts.append("\n".join(f"- ⚠ **{esc(w.account)}**: {esc(w.message)}" for w in plan.warnings))
    return "\n\n".join(parts)


def _code(v: Any, width: int) -> str:
    text = value(v)
    if len(text) > width:
        text = text[:width - 1] + "…"
    return f"<code>{esc(text)}</code>"


def _item(op: Operation, width: int) -> str:
    """One operation as a list item; ``width`` shortens values, 0 leaves the field changes out."""
    line = f"- <code>{SYMBOLS[op.action]}</code> {esc(op.campaign)}: {op.action} ({esc(op.method)})"
    lines = [line + (f", {_plural(len(op.changes), 'field change')} not shown" if not width and op.changes else "")]
    for c in op.changes if width else ():
        if op.action is Action.CREATE:
            lines.append(f"  - {esc(c.path)} = {_code(c.after, width)}")
        else:
            lines.append(f"  - {esc(c.path)}: {_code(c.before, width)} -> {_code(c.after, width)}")
    lines.extend(f"  - ! {esc(str(effect))}" for effect in op.side_effects)
    if op.waits_for:
        lines.append(f"  - waits for {esc(', '.join(op.waits_for))}: {esc(op.reason)}")
    elif op.reason:
        lines.append(f"  - ({esc(op.reason)})")
    return "\n".join(lines) + "\n"


def _details(groups: Groups, width: int, budget: int) -> tuple[str, int]:
    """Folded blocks for as many operations as fit in ``budget`` characters, always closed; and how many fit."""
    parts: list[str] = []
    used = shown = 0
    for account, ops in groups:
        opening = f"<details><summary>{esc(account)}: {_plural(len(ops), 'operation')}</summary>\n\n"
        for i, op in enumerate(ops):
            item = _item(op, width)
            cost = len(item) + (0 if i else len(opening) + len(CLOSE))
            if used + cost > budget:
                if i:
                    parts.append(CLOSE)
                return "".join(parts), shown
            parts.extend((opening, item) if not i else (item,))
            used, shown = used + cost, shown + 1
        if ops:
            parts.append(CLOSE)
    return "".join(parts), shown


def _prefix(head: str, note: str) -> str:
    return f"{head}\n\n{note}\n\n" if note else f"{head}\n\n"


def _join(prefix: str, details: str) -> str:
    """Exactly len(prefix) + len(details) - 1 characters: both end with a blank line, the comment with one newline."""
    return (prefix + details).rstrip("\n") + "\n"


def _more(n: int) -> str:
    """Longer than the note for leaving field changes out, so a budget that fails that one fails with this one."""
    return f"_… {_plural(n, 'more operation')} not shown and field changes are left out {_FIT}; {FULL_PLAN}._"


def _clip(text: str, limit: int) -> str:
    """Last resort when the summary alone is too long: cut at a line end and say so."""
    if len(text) <= limit:
        return text
    note = f"\n\n_… the summary is cut to fit {limit:,} characters; {FULL_PLAN}._\n"
    cut = text.rfind("\n", 0, max(limit - len(note), 0))
    return text[:cut] + note if cut > 0 else text[:limit]


def render_markdown(plan: Plan, limit: int = 65_536) -> str:
    """The plan as a GitHub pull-request comment of at most ``limit`` characters; same plan, same bytes."""
    if plan.empty:
        return _clip(f"{HEADING}\n\n{NO_CHANGES}\n", limit)
    groups = _groups(plan)
    head = _head(plan, groups)
    total = len(plan.operations)
    for width, note in ((FULL, ""), (SHORT_WIDTH, _NOTES[SHORT_WIDTH]), (BRIEF, _NOTES[BRIEF])):
        details, shown = _details(groups, width, limit - len(_prefix(head, note)) + 1)
        if shown == total:
            return _join(_prefix(head, note), details)
    details, shown = _details(groups, BRIEF, limit - len(_prefix(head, _more(total))) + 1)
    text = _join(_prefix(head, _more(total - shown)), details)
    return _clip(text, limit)
