"""Run a command-line tool installed by the test extra (actionlint, check-jsonschema), never touching the network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

NO_NETWORK = "http://127.0.0.1:9"  # the discard port: a tool that tries to fetch anything fails at once


def tool(name: str) -> str:
    """The tool's executable: beside this interpreter (a virtualenv that is not activated), else on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run with every proxy variable pointing nowhere, so a fetch that should not happen cannot succeed."""
    env = {**os.environ, "NO_COLOR": "1"}
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[var] = NO_NETWORK
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
