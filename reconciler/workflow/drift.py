"""Drift issues: ONE open issue per account while its live campaigns differ from git, closed once they match.

``python -m reconciler.workflow.drift ACCOUNT --exit-code N --plan plan.json`` runs after
``reconciler plan --account ACCOUNT --detailed-exitcode -o plan.json``: exit code 2 opens the account's issue,
or updates its body to the latest plan; 0 closes it with a comment; any other code (the plan failed) leaves
issues alone and fails, as drift is then unknown. Issues are found by their label and exact title and changed
with the GitHub CLI (``gh``, which reads GH_TOKEN and GH_REPO).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from reconciler import planfile
from reconciler.render.markdown import render_markdown
from reconciler.workflow.comment import GITHUB_LIMIT, context

LABEL = "reconciler-drift"
NO_CHANGES, CHANGES = 0, 2

Gh = Callable[[Sequence[str], str | None], str]
"""Runs ``gh ARGS`` with the given standard input and returns its standard output."""


def title(account: str) -> str:
    return f"Drift: live campaigns of account {account} differ from git"


def body(plan_file: Path, account: str, commit: str = "", run_url: str = "") -> str:
    """The issue's text: what drift is and what to do, then the plan that would undo it (within the limit)."""
    intro = (f"The live campaigns of account `{account}` differ from the documents in git: someone changed them "
             "at the vendor, or a change was merged but not applied. Applying the documents (the apply workflow, "
             "or `reconciler apply`) undoes the calls below; to keep a live change, change the documents to "
             "match. This issue is updated by every drift check and closed when live matches git again.\n\n")
    plan, _ = planfile.load(plan_file, plan_file.name)
    return intro + render_markdown(plan, GITHUB_LIMIT - len(intro), context=context(commit, run_url))


def cli_gh(args: Sequence[str], stdin: str | None) -> str:
    done = subprocess.run(["gh", *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"gh {' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def sync(account: str, code: int, text: str, gh: Gh, commit: str = "") -> str:
    """Open, update or close the account's drift issue for a plan that exited with ``code``; what was done."""
    if code not in (NO_CHANGES, CHANGES):
        raise ValueError(f"the plan of {account} failed (exit code {code}): drift is unknown, issues are left as "
                         "they are")
    listed = json.loads(gh(["issue", "list", "--state", "open", "--label", LABEL, "--limit", "1000", "--json",
                            "number,title"], None) or "[]")
    mine = sorted(int(i["number"]) for i in listed if i["title"] == title(account))
    if code == NO_CHANGES:
        note = f"Live campaigns of `{account}` match git again" + (f" (commit {commit[:12]})." if commit else ".")
        for number in mine:
            gh(["issue", "close", str(number), "--comment", note], None)
        return f"closed #{', #'.join(map(str, mine))}" if mine else "no drift, no open issue"
    if mine:
        first, *duplicates = mine
        gh(["issue", "edit", str(first), "--body-file", "-"], text)
        for number in duplicates:
            gh(["issue", "close", str(number), "--comment", f"Duplicate of #{first}."], None)
        return f"updated #{first}"
    gh(["label", "create", LABEL, "--color", "d93f0b", "--force", "--description",
        "Live campaigns differ from git (reconciler drift check)"], None)
    url = gh(["issue", "create", "--title", title(account), "--label", LABEL, "--body-file", "-"], text).strip()
    return f"opened {url}"


def main(argv: Sequence[str] | None = None, gh: Gh = cli_gh) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.workflow.drift", description=__doc__)
    parser.add_argument("account")
    parser.add_argument("--exit-code", type=int, required=True, help="reconciler plan --detailed-exitcode's code")
    parser.add_argument("--plan", type=Path, help="the saved plan (needed when there is drift)")
    parser.add_argument("--commit", default="")
    parser.add_argument("--run-url", default="")
    args = parser.parse_args(argv)
    try:
        text = ""
        if args.exit_code == CHANGES:
            if args.plan is None:
                parser.error("--plan is needed when the plan has changes")
            text = body(args.plan, args.account, args.commit, args.run_url)
        print(f"{args.account}: {sync(args.account, args.exit_code, text, gh, args.commit)}")
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
