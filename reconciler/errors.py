"""The errors of reconciler.

ReconcilerError                 anything reconciler reports to its user
 +-- ProblemsError              one or more located problems (bad input, unreachable desired state)
 +-- VendorError                a vendor (or its sandbox) refused a request or could not be reached
 |    +-- TransportError        no usable answer: connection, timeout, malformed reply
 +-- UnsafePlanError            a plan exceeds a safety threshold and --force was not given (ENG-06)
 +-- SandboxError               the built-in sandbox could not start or load its seed

Every user-facing problem is one line ``file:line:col: RULE-ID message``. Problems are collected for a
whole run and raised together, so the user sees all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconciler.model import Pos


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input or the desired state, at a place in a file."""

    pos: Pos | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos is not None else ""
        return f"{where}{self.rule} {printable(self.message, None)}"  # one line, whatever a name holds


def printable(text: str, limit: int | None = 80) -> str:
    """``text`` (a name from the input) fit for a one-line message: control characters such as a newline
    escaped, at most ``limit`` characters (the rest elided; None: no limit)."""
    escaped = text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return escaped if limit is None or len(escaped) <= limit else escaped[: limit - 1] + "…"


class ReconcilerError(Exception):
    """Root of every error reconciler reports."""


class ProblemsError(ReconcilerError):
    """A run found problems; all of them are carried, sorted by place."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(set(problems), key=_problem_order))
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_order(p: Problem) -> tuple[str, int, int, str, str]:
    if p.pos is None:
        return ("", 0, 0, p.rule, p.message)
    return (p.pos.file, p.pos.line, p.pos.col, p.rule, p.message)


class VendorError(ReconcilerError):
    """The vendor refused a request; ``final`` errors are never retried.

    A retryable error says how long the vendor asked to wait (``retry_after``, seconds) and whether the
    request may have taken effect anyway (``maybe_applied``: a lost answer, unlike a 429 refusal).
    """

    def __init__(self, message: str, *, code: str = "", field: str | None = None, final: bool = True,
                 retry_after: float | None = None, maybe_applied: bool = True) -> None:
        self.code = code
        self.field = field
        self.final = final
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied
        self.pending = False
        self.attempts = 1
        """How many times the call was sent before it failed for good."""
        super().__init__(message)


class TransportError(VendorError):
    """No usable answer from the vendor; ``pending``: none came in time, so the request may still be running
    there (a look-up for it waits as long again before it trusts finding nothing)."""

    def __init__(self, message: str, *, maybe_applied: bool = True, pending: bool = False) -> None:
        super().__init__(message, code="transport", final=False, maybe_applied=maybe_applied)
        self.pending = pending


class AccountsFailed(ReconcilerError):
    """Calls to the vendors of several accounts failed: one line for each account (a vendor's multi-line
    message escaped, so that it stays on its account's line)."""

    def __init__(self, lines: Iterable[str]) -> None:
        super().__init__("\n".join(printable(line, None) for line in lines))


def failures(what: str, failed: Sequence[tuple[str, BaseException]]) -> BaseException:
    """Every account's failure at once, each naming the account, what it was doing and how many attempts the
    call had; anything but a vendor's error is raised as it is."""
    for _, exc in failed:
        if not isinstance(exc, VendorError):
            return exc
    return AccountsFailed(f"account '{name}': {what} failed"
                          + (f" after {exc.attempts} attempts" if isinstance(exc, VendorError) and exc.attempts > 1
                             else "") + f": {exc}" for name, exc in failed)


class UnsafePlanError(ReconcilerError):
    """A plan exceeds a safety threshold (ENG-06); apply needs --force."""


class SandboxError(ReconcilerError):
    """The built-in sandbox could not be started or its seed not loaded."""
