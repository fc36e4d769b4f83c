"""What the benchmarks share: a UIS repository of N campaigns, and its sandbox served by its own process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.sandbox.store import read_log

PYTHON = sys.executable
TOKEN_ENV = "BENCH_UIS_TOKEN"
SITE_ID = 1234
SOURCES = ("google", "yandex", "vk", "email", "partner")


def campaign(i: int, description: str) -> dict[str, Any]:
    return {
        "name": f"Campaign {i:06d}",
        "status": "active" if i % 7 else "inactive",
        "site_id": SITE_ID,
        "description": description,
        "campaign_conditions": {"group_conditions": [{"conditions": [
            {"type": "include", "campaign_parameter": "utm_source", "operator": "=",
             "value": SOURCES[i % len(SOURCES)]},
            {"type": "include", "campaign_parameter": "utm_campaign", "operator": "=", "value": f"c{i}"}]}]},
    }


def document(i: int, description: str) -> str:
    c = campaign(i, description)
    lines = [
        "# yaml-language-server: $schema=../../schemas/uis.campaign.schema.json",
        "account: bench",
        f"name: {c['name']}",
        f"status: {c['status']}",
        f"site_id: {SITE_ID}",
        f"description: {c['description']}",
        "campaign_conditions:",
        "  group_conditions:",
        "    - conditions:",
    ]
    for cc in c["campaign_conditions"]["group_conditions"][0]["conditions"]:
        lines += [f"        - type: {cc['type']}", f"          campaign_parameter: {cc['campaign_parameter']}",
                  f"          operator: \"{cc['operator']}\"", f"          value: {cc['value']}"]
    return "\n".join(lines) + "\n"


def generate(root: Path, n: int, live_description: Callable[[int], str], sandbox: str = "",
             settings: str = "") -> None:
    """``root/plan``: N documents (description "Campaign number i") and a reconciler.yaml on a remote
    endpoint; ``root/sandbox``: the sandbox repository whose seed holds the live campaigns."""
    plan, box = root / "plan", root / "sandbox"
    for i in range(n):
        folder = plan / "campaigns" / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"c{i:06d}.yaml").write_text(document(i, f"Campaign number {i}"), encoding="utf-8")
    (plan / "reconciler.yaml").write_text(
        "version: 1\naccounts:\n  bench:\n    provider: uis\n    endpoint: ENDPOINT\n"
        "    credentials: {access_token: \"${env:" + TOKEN_ENV + "}\"}\n"
        "safety: {update_threshold: 1, delete_threshold: 1}\n" + settings, encoding="utf-8")
    live = [{"id": 1000 + i, "type": "basic", "creation_time": "2026-01-01 00:00:00",
             **campaign(i, live_description(i))} for i in range(n)]
    seed = {"sites": [{"id": SITE_ID, "domain_name": "example.com", "site_blocks": []}], "campaigns": live}
    box.mkdir(parents=True)
    (box / "seed.json").write_text(json.dumps(seed), encoding="utf-8")
    (box / "reconciler.yaml").write_text(
        "version: 1\naccounts:\n  bench:\n    provider: uis\n"
        f"    sandbox: {{seed: seed.json{sandbox}}}\n", encoding="utf-8")


def serve_sandbox(repo: Path, account: str) -> tuple[subprocess.Popen[str], str, str]:
    """``reconciler sandbox serve`` for ``account`` of ``repo``, as its own process: it, its URL and token."""
    proc = subprocess.Popen([PYTHON, "-m", "reconciler", "sandbox", "serve", str(repo), "--account", account,
                             "--for", "3600"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = token = ""
    while not (url and token):
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"sandbox did not start (exit {proc.wait()})")
        if m := re.search(r"on (http://\S+)", line):
            url = m.group(1)
        if m := re.search(r"access_token: (\S+)", line):
            token = m.group(1)
    return proc, url, token


def serve(root: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The sandbox of ``root/sandbox``; points ``root/plan`` at it; the environment with its token."""
    proc, url, token = serve_sandbox(root / "sandbox", "bench")
    cfg = root / "plan" / "reconciler.yaml"
    cfg.write_text(re.sub(r"endpoint: \S+", f"endpoint: {url}", cfg.read_text()))
    return proc, {**os.environ, TOKEN_ENV: token}


def requests(root: Path) -> list[dict[str, Any]]:
    """The sandbox's request log."""
    return read_log(root / "sandbox" / ".reconciler" / "sandbox" / "bench.requests.jsonl")


def timed(code: str, args: list[str], env: dict[str, str]) -> tuple[float, list[str]]:
    """Runs ``python -c code args``: whole-process seconds and the words of what it printed."""
    t0 = time.perf_counter()
    out = subprocess.run([PYTHON, "-c", code, *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if out.returncode not in (0, 2) or "Traceback" in out.stderr:
        raise SystemExit(f"failed ({out.returncode}): {out.stderr[-2000:]}")
    return wall, out.stdout.strip().split(maxsplit=3)
