"""The GitHub workflows and the composite action: actionlint-clean, schema-valid, and fork-safe by construction."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from external_tools import run, tool
from ruamel.yaml import YAML

WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / ".github" / "actions" / "reconciler" / "action.yml"
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"
LOCAL_ACTION = "./.github/actions/reconciler"
SECRETS = re.compile(r"\$\{\{[^}]*\bsecrets\.")  # an expression that reads a secret


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(path)  # YAML 1.2: `on` stays a string
    return data


def _workflow(name: str) -> dict[str, Any]:
    return _load(WORKFLOWS / name)


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _actionlint(*files: str, cwd: Path = ROOT) -> tuple[int, str]:
    # -shellcheck= -pyflakes=: no external linters, so the result does not depend on what else is installed.
    done = run([tool("actionlint"), "-shellcheck=", "-pyflakes=", "-no-color", "-oneline", *files], cwd)
    return done.returncode, done.stdout + done.stderr


def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} >= {"ci.yml", "plan.yml", "apply.yml"}
    code, output = _actionlint(*files)
    assert code == 0, output


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - uses: actions/checkout@v4\n        with: {persist-credential: false}\n"
                      "      - run: echo ${{ matrix.nope }}\n", encoding="utf-8")
    code, output = _actionlint(".github/workflows/broken.yml", cwd=tmp_path)
    assert code == 1
    assert 'input "persist-credential" is not defined' in output
    assert 'property "nope" is not defined' in output


@pytest.mark.parametrize(("schema", "files"), [
    ("vendor.github-workflows", sorted(WORKFLOWS.glob("*.yml"))),
    ("vendor.github-actions", [ACTION]),
])
def test_files_match_githubs_schemas(schema: str, files: list[Path]) -> None:
    done = run([tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)], ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_the_ci_script_on_push_and_pull_request() -> None:
    ci = _workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    assert any("run" in s and ".ci/run" in s["run"] for s in _steps(ci))


def test_no_workflow_runs_fork_code_with_secrets() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        assert not {"pull_request_target", "workflow_run"} & set(_load(path)["on"]), path.name


def test_plan_gives_secrets_only_to_pull_requests_from_this_repository() -> None:
    plan = _workflow("plan.yml")
    assert list(plan["on"]) == ["pull_request"]
    assert plan["permissions"] == {}
    assert not SECRETS.search(json.dumps({k: v for k, v in plan.items() if k != "jobs"}))
    for name, job in plan["jobs"].items():
        assert not SECRETS.search(json.dumps({k: v for k, v in job.items() if k != "steps"})), name
        for step in job.get("steps", []):
            if SECRETS.search(json.dumps(step)):
                assert SAME_REPO in step.get("if", ""), step.get("name")
                assert f"!{SAME_REPO}" not in step["if"].replace(" ", "")


def test_jobs_ask_for_the_least_permissions() -> None:
    for name in ("plan.yml", "apply.yml"):
        workflow = _workflow(name)
        assert workflow["permissions"] == {}, name
        for job_name, job in workflow["jobs"].items():
            writes = {k for k, v in job.get("permissions", {}).items() if v == "write"}
            assert writes <= ({"pull-requests"} if job_name == "comment" else set()), (name, job_name)
    assert _workflow("ci.yml")["permissions"] == {"contents": "read"}


def test_plan_posts_one_sticky_comment_and_keeps_the_json_plans() -> None:
    steps = _steps(_workflow("plan.yml"))
    sticky = [s for s in steps if s.get("uses", "").startswith("marocchino/sticky-pull-request-comment@")]
    assert len(sticky) == 1
    assert sticky[0]["uses"].split("@")[1].count(".") == 2, "pinned to a release, not a branch"
    assert sticky[0]["with"]["header"] and sticky[0]["with"]["path"] == "comment.md"
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(uploads) == 1 and "plan.json" in uploads[0]["with"]["path"]
    plans = [s for s in steps if s.get("uses") == LOCAL_ACTION and s["with"]["args"].startswith("plan\n")]
    assert plans and all("-o\nplan.json\n" in s["with"]["args"] for s in plans)


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml"])
def test_one_job_per_account_from_the_accounts_command(name: str) -> None:
    jobs = _workflow(name)["jobs"]
    listing = [s for s in jobs["accounts"]["steps"] if s.get("uses") == LOCAL_ACTION]
    assert listing[0]["with"]["args"].split() == ["accounts", "${{", "env.RECONCILER_PATH", "}}", "--json"]
    per_account = jobs["plan" if name == "plan.yml" else "apply"]
    assert per_account["strategy"]["matrix"]["account"] == "${{ fromJSON(needs.accounts.outputs.accounts) }}"
    runs = [s for s in per_account["steps"] if s.get("uses") == LOCAL_ACTION]
    assert runs
    for step in runs:
        args = step["with"]["args"]
        assert "--account\n${{ matrix.account.name }}\n" in args or "--plan\n" in args, step.get("name")


def test_apply_is_never_cancelled_and_prefers_the_reviewed_plan() -> None:
    apply = _workflow("apply.yml")
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert apply["on"]["push"] == {"branches": ["main"]}
    steps = {s.get("name"): s for s in apply["jobs"]["apply"]["steps"]}
    assert "--plan\n${{ steps.reviewed.outputs.plan }}\n" in steps["Apply the reviewed plan"]["with"]["args"]
    assert steps["Re-plan and apply"]["if"] == "steps.reviewed.outputs.plan == ''"
    assert "--yes\n" in steps["Re-plan and apply"]["with"]["args"]


def test_composite_action_installs_and_runs_reconciler_without_a_shell_reading_the_args() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"args", "python-version"}
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    for step in steps:
        assert "${{" not in step.get("run", ""), "inputs reach scripts through env only"
