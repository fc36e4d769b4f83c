"""The text plan: per operation the action, each field's before -> after, side effects, what it waits for."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler.model import Action, Plan

SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.CONTROL: ">",
           Action.REPLACE: "-/+"}
COLOURS = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red", Action.CONTROL: "cyan",
           Action.REPLACE: "magenta"}
NO_CHANGES = "No changes. Live campaigns match the desired state."


def value(v: Any) -> str:
    if v is None:
        return "(none)"
    return json.dumps(v, ensure_ascii=False, separators=(", ", ": "), default=str)


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
    calls = len(plan.operations)
    return f"Plan: {', '.join(parts)} ({calls} call{'s' if calls != 1 else ''})."


def render_text(plan: Plan, color: bool = False) -> str:
    """The plan for a terminal or a log; ``color`` adds ANSI colours (a terminal without NO_COLOR)."""

    def paint(text: str, fg: str | None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    lines: list[str] = []
    for op in plan.operations:
        head = f"{SYMBOLS[op.action]} {op.account} / {op.campaign}: {op.action} ({op.method})"
        lines.append(paint(head, COLOURS[op.action], bold=True))
        for c in op.changes:
            if op.action is Action.CREATE:
                lines.append(f"      {c.path} = {value(c.after)}")
            else:
                lines.append(f"      {c.path}: {value(c.before)} -> {value(c.after)}")
        lines.extend(paint(f"      ! {effect}", "yellow") for effect in op.side_effects)
        if op.waits_for:
            lines.append(f"      waits for {', '.join(op.waits_for)}: {op.reason}")
        elif op.reason:
            lines.append(f"      ({op.reason})")
        lines.append("")
    lines.append(paint(summary(plan), None, bold=True))  # the terminal's own colour: readable on any theme
    lines.extend(paint(f"Warning: {w.account}: {w.message}", "red", bold=True) for w in plan.warnings)
    return "\n".join(lines)
