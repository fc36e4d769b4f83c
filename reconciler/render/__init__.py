"""Plan renderers: text (terminals and logs), markdown (pull-request comments), json (saved plans).

Each is imported when a plan is rendered in its format: the command line names the formats at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from reconciler.model import Plan

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")


def render(plan: Plan, fmt: Format, providers: Mapping[str, str], color: bool = False) -> str:
    if fmt == "json":
        from reconciler import planfile  # its pydantic models, only for the saved-plan format

        return planfile.dumps(plan, providers).rstrip("\n")
    if fmt == "markdown":
        from reconciler.render.markdown import render_markdown

        return render_markdown(plan)
    from reconciler.render.text import render_text

    return render_text(plan, color)
