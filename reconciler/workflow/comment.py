"""ONE pull-request comment for the plans of every account: ``python -m reconciler.workflow.comment PLANS``.

Each plan job leaves a folder ``PLANS/plan-ACCOUNT`` (an artifact) holding its saved plan ``plan.json``, or
``error.txt`` with what the plan command printed when it failed. The comment is the markdown plan of all the
saved plans together (one table, totals first, details folded per account), with each failed or missing
account's error inside it and the commit and the run on top, and it always fits GitHub's comment limit
together with the marker the sticky-comment action appends.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from reconciler import planfile
from reconciler.errors import ProblemsError
from reconciler.model import Operation, Plan, PlanWarning, Target
from reconciler.render.markdown import render_markdown

GITHUB_LIMIT = 65_536
"""GitHub refuses a comment body longer than this."""
STICKY_MARKER = "\n<!-- Sticky Pull Request Comment{header} -->"
"""What marocchino/sticky-pull-request-comment appends to the body it posts (its src/comment.ts)."""
SHA = re.compile(r"[0-9a-f]{7,40}")
URL = re.compile(r"https://[^\s()<>\[\]]+")
PLAN, ERROR = "plan.json", "error.txt"


def limit_for(header: str) -> int:
    """What is left of GitHub's limit once the sticky-comment marker for ``header`` is appended."""
    return GITHUB_LIMIT - len(STICKY_MARKER.format(header=header))


def context(commit: str, run_url: str, done: str = "Planned at") -> str:
    """The line under the heading: which commit was planned (applied), and the run (its logs and summaries)."""
    parts = []
    if SHA.fullmatch(commit):
        parts.append(f"{done} commit `{commit[:12]}`")
    if URL.fullmatch(run_url):
        parts.append(f"[workflow run]({run_url})")
    return " · ".join(parts)


def gather(plans: Path, accounts: Iterable[str] = ()) -> tuple[Plan, dict[str, str]]:
    """The saved plans merged into one, and per account with no usable plan what went wrong. ``accounts``
    are the accounts that should be there (an account without any folder was not planned at all)."""
    operations: list[Operation] = []
    names: list[str] = []
    targets: list[Target] = []
    warnings: list[PlanWarning] = []
    errors: dict[str, str] = {}
    folders = {p.name.removeprefix("plan-"): p for p in plans.glob("plan-*") if p.is_dir()} if plans.is_dir() else {}
    for account in sorted(set(folders) | set(accounts)):
        folder = folders.get(account)
        if folder is None:
            errors[account] = "no plan was made (the job did not run or did not finish): see the run's log"
        elif (folder / PLAN).is_file() and not (folder / ERROR).is_file():
            try:
                plan, _ = planfile.load(folder / PLAN, f"plan-{account}/{PLAN}")
            except ProblemsError as exc:
                errors[account] = "\n".join(str(p) for p in exc.problems)
                continue
            operations.extend(plan.operations)
            names.extend(plan.accounts)
            targets.extend(plan.targets)
            warnings.extend(plan.warnings)
        elif (folder / ERROR).is_file():
            errors[account] = (folder / ERROR).read_text(encoding="utf-8", errors="replace").strip() or \
                "the plan failed without a message: see the run's log"
        else:
            errors[account] = "the plan left no result: see the run's log"
    return Plan(tuple(operations), tuple(names), tuple(targets), tuple(warnings)), errors


UNLISTED = "(accounts)"
"""Where the comment puts the error of a run whose accounts could not even be listed."""


def build(plans: Path, *, accounts: Iterable[str] | None = (), commit: str = "", run_url: str = "",
          header: str = "reconciler-plan") -> str:
    """The comment; ``accounts`` None means they could not be listed (reconciler.yaml is broken), which is an
    error of the run when no plan arrived either."""
    plan, errors = gather(plans, accounts or ())
    if accounts is None and plan.empty and not errors:
        errors[UNLISTED] = "the accounts of reconciler.yaml could not be listed: see the run's log"
    return render_markdown(plan, limit_for(header), errors=errors, context=context(commit, run_url))


def account_names(text: str) -> list[str] | None:
    """The names in ``reconciler accounts --json`` output (a list of objects with a name); None for no output
    (the accounts job failed)."""
    if not text.strip():
        return None
    return [str(a["name"]) for a in json.loads(text)]


def arguments(parser: argparse.ArgumentParser) -> None:
    """The options the workflow modules share: every account, the commit, the run, where to write."""
    parser.add_argument("--accounts", default="", help="`reconciler accounts --json` output: every account "
                                                       "(empty: they could not be listed)")
    parser.add_argument("--commit", default="", help="the commit planned or applied")
    parser.add_argument("--run-url", default="", help="the workflow run's address")
    parser.add_argument("-o", "--out", type=Path, help="write the markdown here (default: standard output)")


def emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.workflow.comment", description=__doc__)
    parser.add_argument("plans", type=Path, help="the folder holding one plan-ACCOUNT folder per account")
    parser.add_argument("--header", default="reconciler-plan", help="the sticky comment's header")
    arguments(parser)
    args = parser.parse_args(argv)
    emit(build(args.plans, accounts=account_names(args.accounts), commit=args.commit, run_url=args.run_url,
               header=args.header), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
