"""Drift: one issue per account opened or updated while live differs from git, closed when it converges."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import Repo

from reconciler.workflow.drift import LABEL, body, main, sync, title


class FakeGh:
    """GitHub's issues for one repository, as far as the gh commands drift.py uses go."""

    def __init__(self, issues: list[dict[str, object]] | None = None) -> None:
        self.issues = issues or []
        self.calls: list[tuple[list[str], str | None]] = []

    def __call__(self, args: Sequence[str], stdin: str | None) -> str:
        args = list(args)
        self.calls.append((args, stdin))
        if args[:2] == ["issue", "list"]:
            assert args[args.index("--label") + 1] == LABEL and args[args.index("--state") + 1] == "open"
            return json.dumps([{"number": i["number"], "title": i["title"]} for i in self.issues
                               if i["state"] == "open" and LABEL in i["labels"]])  # type: ignore[operator]
        if args[:2] == ["issue", "create"]:
            number = len(self.issues) + 1
            self.issues.append({"number": number, "title": args[args.index("--title") + 1], "body": stdin,
                                "state": "open", "labels": [args[args.index("--label") + 1]]})
            return f"https://github.com/o/r/issues/{number}\n"
        issue = next((i for i in self.issues if len(args) > 2 and str(i["number"]) == args[2]), None)
        if args[:2] == ["issue", "edit"] and issue is not None:
            issue["body"] = stdin
        elif args[:2] == ["issue", "close"] and issue is not None:
            issue["state"] = "closed"
        elif args[:2] != ["label", "create"]:
            raise AssertionError(f"unexpected gh call {args}")
        return ""

    def open(self) -> list[dict[str, object]]:
        return [i for i in self.issues if i["state"] == "open"]


def test_drift_opens_one_issue_then_updates_it_then_closes_it_on_convergence() -> None:
    gh = FakeGh([{"number": 1, "title": title("shop"), "state": "closed", "labels": [LABEL]},
                 {"number": 2, "title": title("agency"), "state": "open", "labels": [LABEL]}])
    assert sync("shop", 2, "plan A", gh) == "opened https://github.com/o/r/issues/3"
    assert sync("shop", 2, "plan B", gh) == "updated #3"
    assert [(i["number"], i["body"]) for i in gh.open() if i["title"] == title("shop")] == [(3, "plan B")]
    assert sync("shop", 0, "", gh, commit="abcdef1234567890") == "closed #3"
    assert [i["number"] for i in gh.open()] == [2]  # another account's issue is not touched
    close = next(args for args, _ in gh.calls if args[:3] == ["issue", "close", "3"])
    assert "match git again (commit abcdef123456)" in close[-1]
    assert sync("shop", 0, "", gh) == "no drift, no open issue"


def test_a_duplicate_issue_is_closed_in_favour_of_the_oldest() -> None:
    gh = FakeGh([{"number": n, "title": title("shop"), "state": "open", "labels": [LABEL]} for n in (5, 9)])
    assert sync("shop", 2, "plan", gh) == "updated #5"
    assert [i["number"] for i in gh.open()] == [5]


def test_a_failed_plan_leaves_issues_alone_and_fails() -> None:
    gh = FakeGh([{"number": 1, "title": title("shop"), "state": "open", "labels": [LABEL]}])
    with pytest.raises(ValueError, match="drift is unknown"):
        sync("shop", 1, "", gh)
    assert gh.calls == [] and len(gh.open()) == 1
    assert main(["shop", "--exit-code", "1"], gh=gh) == 1


def test_the_body_is_the_saved_plan_within_the_limit(examples: Repo) -> None:
    done = examples.run("plan", "examples", "--account", "callfire-demo", "--detailed-exitcode", "-o", "plan.json")
    assert done.code == 2, done.err
    text = body(Path("plan.json"), "callfire-demo", "0123456789abcdef", "https://github.com/o/r/actions/runs/1")
    assert text.startswith("The live campaigns of account `callfire-demo` differ from the documents in git")
    assert "Planned at commit `0123456789ab` · [workflow run](https://github.com/o/r/actions/runs/1)" in text
    assert "1 to create, 2 to update" in text and len(text) <= 65_536
    gh = FakeGh()
    assert main(["callfire-demo", "--exit-code", "2", "--plan", "plan.json"], gh=gh) == 0
    assert gh.open()[0]["body"] == body(Path("plan.json"), "callfire-demo")


def test_the_module_drives_the_gh_command(tmp_path: Path) -> None:
    """The real command line with a stand-in `gh` on PATH that records its arguments and input."""
    log = tmp_path / "gh.log"
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({str(log)!r}, 'a').write(json.dumps([sys.argv[1:], sys.stdin.read()]) + '\\n')\n"
                    "print('[{\"number\": 7, \"title\": \"" + title("shop") + "\"}]' "
                    "if sys.argv[1:3] == ['issue', 'list'] else '')\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "reconciler.workflow.drift", "shop", "--exit-code", "0"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "shop: closed #7"
    calls = [json.loads(line)[0] for line in log.read_text().splitlines()]
    assert calls[1][:3] == ["issue", "close", "7"]
