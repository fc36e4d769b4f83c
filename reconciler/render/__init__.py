"""Plan renderers: text (terminals and logs), markdown (pull-request comments), json (saved plans)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from reconciler.model import Plan
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")


def render(plan: Plan, fmt: Format, providers: Mapping[str, str], color: bool = False) -> str:
    if fmt == "json":
        from reconciler import planfile  # its pydantic models, only for the saved-plan format

        return planfile.dumps(plan, providers).rstrip("\n")
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color)
