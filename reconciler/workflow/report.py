"""The apply report, for the job summary and the merged pull request: ``python -m reconciler.workflow.report``.

Each apply job leaves a folder ``RESULTS/apply-ACCOUNT`` holding ``apply.log`` (what ``reconciler apply``
printed) and ``exit-code``. The report is a table (one row per account: applied, failed, not run, and the
apply's own summary line) and each account's log folded beneath it; a long log keeps its end, where the
outcome is, and the whole stays within GitHub's comment limit.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.render.markdown import esc
from reconciler.workflow.comment import GITHUB_LIMIT, account_names, arguments, context, emit

HEADING = "### Reconciler apply"
OUTCOME = re.compile(r"^(Apply (complete|incomplete):.*|No changes\..*|Verify failed:.*|error:.*|\d+ problem\(s\).*)$")


@dataclass(frozen=True)
class Result:
    account: str
    code: int | None
    """The apply's exit code; None when the job left none (it did not run or did not finish)."""
    log: str

    @property
    def state(self) -> str:
        return {None: "did not run", 0: "applied"}.get(self.code, "**failed**")

    @property
    def outcome(self) -> str:
        lines = [line.strip() for line in self.log.splitlines() if OUTCOME.match(line.strip())]
        return esc(lines[-1]) if lines else "-"


def gather(results: Path, accounts: Iterable[str] = ()) -> list[Result]:
    folders = {p.name.removeprefix("apply-"): p for p in results.glob("apply-*") if p.is_dir()} \
        if results.is_dir() else {}
    out = []
    for account in sorted(set(folders) | set(accounts)):
        folder = folders.get(account)
        log = code = None
        if folder is not None:
            if (folder / "apply.log").is_file():
                log = (folder / "apply.log").read_text(encoding="utf-8", errors="replace")
            if (folder / "exit-code").is_file():
                text = (folder / "exit-code").read_text(encoding="utf-8").strip()
                code = int(text) if text.lstrip("-").isdigit() else None
        out.append(Result(account, code, log or ""))
    return out


def _log(result: Result, room: int) -> str:
    """The account's log folded, its end kept when it is longer than ``room`` allows."""
    opening = f"<details><summary>{esc(result.account)}: {result.state}</summary>\n\n<pre>\n"
    closing = "\n</pre>\n</details>\n\n"
    text = result.log.strip() or "(no output)"
    lines = text.splitlines()
    note = "… {n:,} earlier lines are in the run's log\n"
    budget = room - len(opening) - len(closing) - len(note) - 10
    rendered: list[str] = []  # the longest end of the log that fits, last line first
    size = 0
    for line in reversed(lines):
        shown = esc(line)
        if size + len(shown) + 1 > budget:
            break
        rendered.append(shown)
        size += len(shown) + 1
    dropped = len(lines) - len(rendered)
    head = note.format(n=dropped) if dropped else ""
    return opening + head + "\n".join(reversed(rendered)) + closing


def render(results: Sequence[Result], commit: str = "", run_url: str = "", limit: int = GITHUB_LIMIT) -> str:
    rows = ["| Account | Result | Outcome |", "|---|---|---|"]
    rows.extend(f"| {esc(r.account)} | {r.state} | {r.outcome} |" for r in results)
    failed = sum(1 for r in results if r.code != 0)
    line = context(commit, run_url, done="Applied")
    parts = [HEADING, *([line] if line else []),
             "\n".join(rows),
             f"**{failed} of {len(results)} account(s) not applied.**" if failed else
             f"All {len(results)} account(s) applied."]
    head = "\n\n".join(parts) + "\n\n"
    room = (limit - len(head)) // max(len(results), 1)
    return (head + "".join(_log(r, room) for r in results)).rstrip("\n")[:limit - 1] + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.workflow.report", description=__doc__)
    parser.add_argument("results", type=Path, help="the folder holding one apply-ACCOUNT folder per account")
    parser.add_argument("--limit", type=int, default=GITHUB_LIMIT - 100, help="at most this many characters")
    arguments(parser)
    args = parser.parse_args(argv)
    results = gather(args.results, account_names(args.accounts) or ())
    emit(render(results, args.commit, args.run_url, args.limit), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
