"""The GitHub workflows and the composite action: actionlint-clean, schema-valid, and fork-safe by construction."""

from __future__ import annotations

import json
import re
import shutil
import sys
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
REUSABLE = {"plan": "reconciler-plan.yml", "apply": "reconciler-apply.yml", "drift": "reconciler-drift.yml"}


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(path)  # YAML 1.2: `on` stays a string
    return data


def _workflow(name: str) -> dict[str, Any]:
    return _load(WORKFLOWS / name)


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _actionlint(*files: str, cwd: Path = ROOT) -> tuple[int, str]:
    # shellcheck from the test extra checks every run: script; -pyflakes=: no other linter, so the result does
    # not depend on what else is installed.
    done = run([tool("actionlint"), f"-shellcheck={tool('shellcheck')}", "-pyflakes=", "-no-color", "-oneline",
                *files], cwd)
    return done.returncode, done.stdout + done.stderr


def test_workflows_pass_actionlint_and_shellcheck() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} >= {"ci.yml", "plan.yml", "apply.yml", "drift.yml", *REUSABLE.values()}
    code, output = _actionlint(*files)
    assert code == 0, output


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - uses: actions/checkout@v4\n        with: {persist-credential: false}\n"
                      "      - run: echo ${{ matrix.nope }}\n      - run: echo $UNQUOTED > $OUT\n", encoding="utf-8")
    code, output = _actionlint(".github/workflows/broken.yml", cwd=tmp_path)
    assert code == 1
    assert 'input "persist-credential" is not defined' in output
    assert 'property "nope" is not defined' in output
    assert "SC2086" in output  # shellcheck ran


def _zizmor(folder: Path) -> tuple[int, str]:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if found is None:
        pytest.skip("zizmor is not installed (it comes with the test extra: pip install -e '.[test]')")
    # --offline: no GitHub API; --no-ignores: a finding cannot be silenced by a comment in the workflow.
    done = run([found, "--offline", "--no-ignores", "--min-severity", "medium", str(folder)], ROOT)
    return done.returncode, done.stdout + done.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_more() -> None:
    code, output = _zizmor(ROOT / ".github")
    assert code == 0, output


def test_zizmor_catches_an_unpinned_action_and_persisted_credentials(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - uses: actions/checkout@v4\n", encoding="utf-8")
    code, output = _zizmor(tmp_path / ".github")
    assert code != 0
    assert "unpinned-uses" in output and "artipacked" in output


def _remote_uses() -> list[tuple[str, str, str]]:
    """(file, uses, the line's comment) of every step that uses an action from another repository."""
    found = []
    for path in [*WORKFLOWS.glob("*.yml"), ACTION]:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\s*-?\s*uses:\s*([^\s#]+)\s*(#.*)?$", line)
            if match and not match.group(1).startswith("./"):
                found.append((path.name, match.group(1), match.group(2) or ""))
    return found


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it() -> None:
    uses = _remote_uses()
    assert {u.split("@")[0] for _, u, _ in uses} >= {"actions/checkout", "actions/setup-python",
                                                     "actions/upload-artifact", "actions/download-artifact",
                                                     "marocchino/sticky-pull-request-comment"}
    for name, ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), (name, ref)
        assert re.fullmatch(r"# v\d+\.\d+\.\d+", comment.strip()), (name, ref, "version comment")
    by_action: dict[str, set[str]] = {}
    for _, ref, _ in uses:
        by_action.setdefault(ref.split("@")[0], set()).add(ref)
    assert all(len(refs) == 1 for refs in by_action.values()), by_action  # one version of each everywhere


def test_every_checkout_leaves_no_credentials_behind() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for step in _steps(_load(path)):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, path.name


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
    caller = _workflow("plan.yml")
    assert list(caller["on"]) == ["pull_request"]
    assert caller["jobs"]["reconciler"]["uses"] == "./.github/workflows/reconciler-plan.yml"
    plan = _workflow("reconciler-plan.yml")
    assert list(plan["on"]) == ["workflow_call"] and plan["permissions"] == {}
    assert not SECRETS.search(json.dumps({k: v for k, v in plan.items() if k != "jobs"}))
    guarded = 0
    for name, job in plan["jobs"].items():
        assert not SECRETS.search(json.dumps({k: v for k, v in job.items() if k != "steps"})), name
        for step in job.get("steps", []):
            if SECRETS.search(json.dumps(step)):
                assert SAME_REPO in step.get("if", ""), step.get("name")
                assert f"!{SAME_REPO}" not in step["if"].replace(" ", "")
                guarded += 1
    assert guarded == 2  # masking the credentials, and the plan that uses them
    assert SAME_REPO in plan["jobs"]["comment"]["if"]


WRITES = {("reconciler-plan.yml", "comment"): {"pull-requests"}, ("reconciler-apply.yml", "report"): {"pull-requests"},
          ("reconciler-drift.yml", "drift"): {"issues"}}


def test_jobs_ask_for_the_least_permissions() -> None:
    for name in ("plan.yml", "apply.yml", "drift.yml", *REUSABLE.values()):
        workflow = _workflow(name)
        assert workflow["permissions"] == {}, name
        if name in REUSABLE.values():
            for job_name, job in workflow["jobs"].items():
                writes = {k for k, v in job.get("permissions", {}).items() if v == "write"}
                assert writes == WRITES.get((name, job_name), set()), (name, job_name)
    # a caller grants what its reusable workflow's jobs need and no more (actionlint checks it is enough)
    assert _workflow("drift.yml")["jobs"]["reconciler"]["permissions"] == {"contents": "read", "issues": "write"}
    assert _workflow("plan.yml")["jobs"]["reconciler"]["permissions"] == {"contents": "read",
                                                                          "pull-requests": "write"}
    assert _workflow("ci.yml")["permissions"] == {"contents": "read"}


def test_plan_posts_one_sticky_comment_made_by_the_comment_module_and_keeps_the_json_plans() -> None:
    steps = _steps(_workflow("reconciler-plan.yml"))
    sticky = [s for s in steps if s.get("uses", "").startswith("marocchino/sticky-pull-request-comment@")]
    assert len(sticky) == 1
    assert sticky[0]["with"] == {"header": "reconciler-plan", "path": "comment.md"}
    [assemble] = [s for s in steps if "reconciler.workflow.comment" in s.get("run", "")]
    assert "--header reconciler-plan" in assemble["run"] and "-o comment.md" in assemble["run"]
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(uploads) == 1 and "plan.json" in uploads[0]["with"]["path"]
    assert "error.txt" in uploads[0]["with"]["path"] and uploads[0]["if"] == "${{ !cancelled() }}"
    plans = [s for s in steps if s.get("name", "").startswith("Plan")]
    assert len(plans) == 2 and all("-o plan.json" in s["run"] and "mv stderr.txt error.txt" in s["run"]
                                   for s in plans)


@pytest.mark.parametrize(("name", "job"), [("reconciler-plan.yml", "plan"), ("reconciler-apply.yml", "apply"),
                                           ("reconciler-drift.yml", "drift")])
def test_one_job_per_account_from_the_accounts_command(name: str, job: str) -> None:
    jobs = _workflow(name)["jobs"]
    listing = "".join(s.get("run", "") for s in jobs["accounts"]["steps"])
    assert 'reconciler accounts "$RECONCILER_PATH" --json' in listing
    per_account = jobs[job]
    assert per_account["strategy"]["matrix"]["account"] == "${{ fromJSON(needs.accounts.outputs.accounts) }}"
    assert per_account["env"]["ACCOUNT"] == "${{ matrix.account.name }}"
    assert any('--account "$ACCOUNT"' in s.get("run", "") for s in per_account["steps"])


def test_the_reusable_workflows_are_callable_from_another_repository() -> None:
    for command, name in REUSABLE.items():
        workflow = _workflow(name)
        call = workflow["on"]["workflow_call"]
        assert call["inputs"]["package"]["required"] is True  # no path into this repository is assumed
        assert set(call["secrets"]) == {"credentials"}
        assert LOCAL_ACTION not in json.dumps(workflow)  # a local action would resolve in the caller's checkout
        caller = _workflow(f"{command}.yml")["jobs"]["reconciler"]
        assert caller["uses"] == f"./.github/workflows/{name}"
        assert caller["with"]["package"] == "."
        assert caller["secrets"] == {"credentials": "${{ secrets.RECONCILER_CREDENTIALS }}"}


def test_apply_runs_in_an_environment_one_at_a_time_per_account_and_prefers_the_reviewed_plan() -> None:
    caller = _workflow("apply.yml")
    assert caller["concurrency"]["cancel-in-progress"] is False
    assert caller["on"]["push"] == {"branches": ["main"]}
    job = _workflow("reconciler-apply.yml")["jobs"]["apply"]
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["concurrency"] == {"group": "reconciler-apply-${{ matrix.account.name }}",
                                  "cancel-in-progress": False}
    steps = {s.get("name"): s for s in job["steps"]}
    script = steps["Apply"]["run"]
    assert 'set -- apply "$RECONCILER_PATH" --plan "$REVIEWED"' in script
    assert 'set -- apply "$RECONCILER_PATH" --account "$ACCOUNT" --yes' in script
    assert steps["Apply"]["env"]["REVIEWED"] == "${{ steps.reviewed.outputs.plan }}"


def test_apply_results_go_to_the_job_summary_and_the_merged_pull_request() -> None:
    jobs = _workflow("reconciler-apply.yml")["jobs"]
    summary = {s.get("name"): s for s in jobs["apply"]["steps"]}["Job summary"]
    assert "reconciler.workflow.report" in summary["run"] and "$GITHUB_STEP_SUMMARY" in summary["run"]
    [report] = [s for s in jobs["report"]["steps"] if "reconciler.workflow.report" in s.get("run", "")]
    assert '>> "$GITHUB_STEP_SUMMARY"' in report["run"]
    assert 'gh pr comment "$number" --repo "$GITHUB_REPOSITORY" --body-file report.md' in report["run"]
    assert jobs["report"]["if"] == "${{ !cancelled() }}"


def test_drift_runs_on_a_schedule_and_keeps_one_issue_per_account() -> None:
    caller = _workflow("drift.yml")
    assert caller["on"]["schedule"] and "workflow_dispatch" in caller["on"]
    assert caller["jobs"]["reconciler"]["uses"] == "./.github/workflows/reconciler-drift.yml"
    [step] = [s for s in _workflow("reconciler-drift.yml")["jobs"]["drift"]["steps"]
              if "reconciler.workflow.drift" in s.get("run", "")]
    assert "plan \"$RECONCILER_PATH\" --account \"$ACCOUNT\" --detailed-exitcode" in step["run"]
    assert '--exit-code "$code" --plan plan.json' in step["run"]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert step["if"] == "${{ !matrix.account.sandbox }}"  # a sandbox's campaigns live for one run only


def test_composite_action_installs_and_runs_reconciler_without_a_shell_reading_the_args() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"args", "python-version"}
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    for step in steps:
        assert "${{" not in step.get("run", ""), "inputs reach scripts through env only"
