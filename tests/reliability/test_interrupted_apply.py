"""An apply killed part-way (SIGKILL: no clean-up at all) against a vendor that keeps running (issue 9).

The vendor is a UIS sandbox in its own process, answering every call after 100 ms. Once it has made some
of the changes, the apply process is killed. The next plan must show exactly the changes the vendor did
not make, and the next apply must finish the job without creating anything twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bench.common import serve_sandbox
from conftest import Repo, uis_campaign, uis_seed

from reconciler.sandbox.store import read_log

UPDATES, CREATES = 24, 4
WRITES = {"update.campaigns", "create.campaigns"}


def _vendor(root: Path) -> tuple[subprocess.Popen[str], str, str]:
    root.mkdir()
    seed = uis_seed(*(uis_campaign(100 + i, f"Old{i}", description="before") for i in range(UPDATES)))
    (root / "seed.json").write_text(json.dumps(seed))
    (root / "reconciler.yaml").write_text(
        "version: 1\ndocuments: ['**/*.y*ml']\naccounts:\n  u:\n    provider: uis\n"
        "    sandbox: {seed: seed.json, faults: {latency_ms: 100}}\n")
    return serve_sandbox(root, "u")


def _log(vendor: Path) -> list[dict[str, Any]]:
    return read_log(vendor / ".reconciler" / "sandbox" / "u.requests.jsonl")


def _made(vendor: Path) -> tuple[set[str], set[str]]:
    """Names the vendor updated and created (the requests it carried out)."""
    updated = {f"Old{int(str(r['params']['id'])) - 100}" for r in _log(vendor)
               if r["operation"] == "update.campaigns" and r["outcome"] == "ok"}
    created = {str(r["params"]["name"]) for r in _log(vendor)
               if r["operation"] == "create.campaigns" and r["outcome"] == "ok"}
    return updated, created


def test_a_killed_apply_leaves_a_plan_of_exactly_what_remains_and_converges(
        repo: Repo, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    vendor_dir = tmp_path_factory.mktemp("vendor") / "uis"
    vendor, url, token = _vendor(vendor_dir)
    try:
        repo.write("reconciler.yaml", "version: 1\ndocuments: ['**/*.y*ml']\naccounts:\n  u:\n    provider: uis\n"
                   f"    endpoint: {url}\n    credentials: {{access_token: \"${{env:VENDOR_TOKEN}}\"}}\n"
                   "safety: {update_threshold: 1}\napply: {concurrency: 2}\n")
        for i in range(UPDATES):
            repo.write(f"old{i}.yaml", f"account: u\nname: Old{i}\ndescription: after\n")
        for i in range(CREATES):
            repo.write(f"new{i}.yaml", f"account: u\nname: New{i}\nsite_id: 1\n")
        monkeypatch.setenv("VENDOR_TOKEN", token)
        apply = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", str(repo.path), "--yes"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
        deadline = time.monotonic() + 60
        while sum(1 for r in _log(vendor_dir) if r["operation"] in WRITES) < 8:
            assert apply.poll() is None, apply.stderr.read() if apply.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.02)
        apply.send_signal(signal.SIGKILL)
        assert apply.wait() == -signal.SIGKILL
        time.sleep(0.5)  # calls already sent are still carried out by the vendor
        updated, created = _made(vendor_dir)
        assert 0 < len(updated) + len(created) < UPDATES + CREATES, "killed part-way"

        planned = repo.run("plan", ".", "-o", "rest.json")
        assert planned.code == 0, planned.err
        ops = json.loads((repo.path / "rest.json").read_text())["operations"]
        by_method = Counter(op["method"] for op in ops)
        assert {op["campaign"] for op in ops if op["method"] == "update.campaigns"} == \
            {f"Old{i}" for i in range(UPDATES)} - updated
        assert {op["campaign"] for op in ops if op["method"] == "create.campaigns"} == \
            {f"New{i}" for i in range(CREATES)} - created
        assert by_method["update.campaigns"] + by_method["create.campaigns"] == \
            UPDATES + CREATES - len(updated) - len(created)

        applied = repo.run("apply", ".", "--yes")
        assert applied.code == 0, applied.err
        assert repo.run("plan", ".", "--detailed-exitcode").code == 0
        creates = Counter(str(r["params"]["name"]) for r in _log(vendor_dir)
                          if r["operation"] == "create.campaigns" and r["outcome"] == "ok")
        assert creates == Counter({f"New{i}": 1 for i in range(CREATES)})  # nothing created twice
    finally:
        vendor.terminate()
        vendor.wait()
