"""The text plan: per campaign its calls, each with its action, each field's before -> after, side effects and
what it waits for; a destructive call is marked as one."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import click

from reconciler.model import Action, Effect, Operation, Plan

SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.CONTROL: ">",
           Action.REPLACE: "-/+"}
COLOURS = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red", Action.CONTROL: "cyan",
           Action.REPLACE: "magenta"}
DESTRUCTIVE = "!"
NO_CHANGES = "No changes. Live campaigns match the desired state."


def value(v: Any) -> str:
    if v is None:
        return "(none)"
    return json.dumps(v, ensure_ascii=False, separators=(", ", ": "), default=str)


def destructive(op: Operation) -> bool:
    """A call that removes data the vendor holds beyond the fields it shows (Effect.RESET): an update that
    deletes every question of a CallFire campaign is not an ordinary update."""
    return any(e.kind is Effect.RESET for e in op.side_effects)


def symbol(op: Operation) -> str:
    return DESTRUCTIVE if destructive(op) else SYMBOLS[op.action]


def action(op: Operation) -> str:
    """The action as plans name it: ``update``, or ``destructive update``."""
    return f"destructive {op.action}" if destructive(op) else str(op.action)


def by_campaign(operations: Iterable[Operation]) -> list[list[Operation]]:
    """The operations of each campaign together, in plan order; campaigns in the order of their first call."""
    groups: dict[tuple[str, str], list[Operation]] = {}
    for op in operations:
        groups.setdefault((op.account, op.campaign), []).append(op)
    return list(groups.values())


def plural(n: int, word: str) -> str:
    """``1 call``, ``1,000 calls``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary(plan: Plan) -> str:
    if plan.empty:
        return NO_CHANGES
    counts = plan.counts()
    parts = [f"{counts[Action.CREATE]} to create", f"{counts[Action.UPDATE]} to update",
             f"{counts[Action.DELETE]} to delete"]
    if counts[Action.REPLACE]:
        parts.append(f"{counts[Action.REPLACE]} to replace")
    if counts[Action.CONTROL]:
        parts.append(f"{counts[Action.CONTROL]} to start, stop or archive")
    calls = plural(len(plan.operations), "call")
    harmful = sum(1 for op in plan.operations if destructive(op))
    if harmful:
        calls += f", {harmful:,} of them destructive"
    return f"Plan: {', '.join(parts)} ({calls})."


def _details(op: Operation) -> list[tuple[str, bool]]:
    """The lines under an operation's heading; True marks a side effect (painted as a warning)."""
    lines: list[tuple[str, bool]] = []
    for c in op.changes:
        if op.action is Action.CREATE:
            lines.append((f"{c.path} = {value(c.after)}", False))
        else:
            lines.append((f"{c.path}: {value(c.before)} -> {value(c.after)}", False))
    lines.extend((f"! {effect}", True) for effect in op.side_effects)
    if op.waits_for:
        lines.append((f"waits for {', '.join(op.waits_for)}: {op.reason}", False))
    elif op.reason:
        lines.append((f"({op.reason})", False))
    return lines


def render_text(plan: Plan, color: bool = False) -> str:
    """The plan for a terminal or a log; ``color`` adds ANSI colours (a terminal without NO_COLOR). A campaign
    with several calls gets a heading and its calls indented beneath it, each still a whole line for grep."""

    def paint(text: str, fg: str | None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    def colour(op: Operation) -> str:
        return "red" if destructive(op) else COLOURS[op.action]

    def operation(op: Operation, head: str, indent: str) -> Sequence[str]:
        out = [indent + paint(head, colour(op), bold=True)]
        out.extend(f"      {paint(text, 'yellow') if effect else text}" for text, effect in _details(op))
        return out

    lines: list[str] = []
    for ops in by_campaign(plan.operations):
        name = f"{ops[0].account} / {ops[0].campaign}"
        indent = "" if len(ops) == 1 else "  "  # a campaign of several calls: its name, then each call
        if indent:
            lines.append(paint(f"{name}: {len(ops)} calls", "white", bold=True))
        for op in ops:
            lines.extend(operation(op, f"{symbol(op)} {name}: {action(op)} ({op.method})", indent))
        lines.append("")
    lines.append(paint(summary(plan), None, bold=True))  # the terminal's own colour: readable on any theme
    lines.extend(paint(f"Warning: {w.account}: {w.message}", "red", bold=True) for w in plan.warnings)
    return "\n".join(lines)
