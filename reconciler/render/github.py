"""Problems as GitHub Actions annotations: ``::error file=F,line=L,col=C::RULE message``, one per line.

A workflow step that prints these lines gets each problem marked on the pull request's changed files. The escaping
follows GitHub's toolkit (``@actions/core``): ``%``, CR and LF in the message; also ``:`` and ``,`` in a property
value, where they would otherwise end the value.
"""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.errors import Problem, ProblemsError, ReconcilerError

_DATA = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def escape_data(text: str) -> str:
    """The message part of a workflow command (after the ``::``)."""
    return text.translate(_DATA)


def escape_property(text: str) -> str:
    """One property value of a workflow command (``file=...``)."""
    return text.translate(_PROPERTY)


def annotation(problem: Problem) -> str:
    """One problem as an ``::error`` workflow command; a problem with no place annotates the run itself."""
    message = escape_data(f"{problem.rule} {problem.message}")
    if problem.pos is None:
        return f"::error::{message}"
    pos = problem.pos
    return f"::error file={escape_property(pos.file)},line={pos.line},col={pos.col}::{message}"


def render_annotations(problems: Iterable[Problem]) -> str:
    """Every problem, one workflow command a line, in the order given (ProblemsError sorts them by place)."""
    return "\n".join(annotation(p) for p in problems)


def error_annotations(error: ReconcilerError) -> tuple[str, int]:
    """An error of a run as annotations, and how many problems it carries."""
    if isinstance(error, ProblemsError):
        return render_annotations(error.problems), len(error.problems)
    return f"::error::{escape_data(str(error))}", 1
