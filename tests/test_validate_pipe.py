"""``reconciler validate | cat`` always ends: nothing the command starts outlives it and holds the pipe open
(issue 21: 200 cold runs, 0 hangs). ``PIPE_RUNS`` sets the number of runs (default 20; 200 for the issue's
figure)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import uis_config

RUNS = int(os.environ.get("PIPE_RUNS", "20"))
FILES = 300
"""More files than the forked reader once needed (250) before it started: the runs read as large trees do."""
TIMEOUT = 60.0


def test_validate_piped_into_cat_never_hangs(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(uis_config())
    (tmp_path / "seed.json").write_text("{}")
    for i in range(FILES):
        (tmp_path / f"c{i:03d}.yaml").write_text(f"account: u\nname: C{i}\nstatus: active\nsite_id: 1\n")
    hung: list[int] = []
    for run in range(RUNS):
        validate = subprocess.Popen([sys.executable, "-m", "reconciler", "validate", str(tmp_path)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        cat = subprocess.Popen(["cat"], stdin=validate.stdout, stdout=subprocess.PIPE)
        assert validate.stdout is not None
        validate.stdout.close()  # only cat holds the read end, as in a shell pipeline
        try:
            out, _ = cat.communicate(timeout=TIMEOUT)
            err = validate.communicate(timeout=TIMEOUT)[1]
        except subprocess.TimeoutExpired:
            hung.append(run)
            for proc in (cat, validate):
                proc.kill()
                proc.communicate()
            continue
        assert validate.returncode == 0, err.decode()
        assert out.decode() == f"Valid: {FILES} campaign(s) in 1 account(s).\n"
    assert hung == [], f"{len(hung)} of {RUNS} runs hung"
