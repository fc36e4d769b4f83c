"""Start-up of the command line (issue 21): whole processes against ``python -c pass``, the same run.

    python tests/bench/startup.py [--runs 21]

Times, as whole processes, ``reconciler --help``, ``reconciler validate examples`` and ``reconciler plan
examples`` (four built-in sandboxes started, read and stopped), each run in turn with ``python -c pass`` (A B
A B ...: the ratio is taken pair by pair, so a machine whose speed drifts during the run still gives a fair
ratio). The package's bytecode is compiled first, as ``pip install`` does. Prints one JSON line: for each
command the median wall seconds, the median CPU seconds (user + system of the process and its children) and
``ratio``, the median of the pairwise wall-time ratios to ``python -c pass``; for plan, ``wall_per_cpu``
(how much of its time the process waits rather than computes). Targets: --help <= 5, validate <= 8,
plan's wall_per_cpu <= 1.5. ``floor``: the libraries validate needs (click, PyYAML, pydantic with one model
built), for scale.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import reconciler

ROOT = Path(__file__).resolve().parents[2]
RECONCILER = ("-c", "import sys; from reconciler.entry import run; sys.exit(run())")  # as the `reconciler` script
COMMANDS = {"help": ("--help",), "validate": ("validate", "."), "plan": ("plan", ".")}
FLOOR = ("-c", "import click, yaml\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int = 0")
"""What validate cannot do without: its command-line, YAML and validation libraries, one pydantic model built."""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one process (its children's CPU included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)
    report: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        examples = Path(tmp) / "examples"
        shutil.copytree(ROOT / "examples", examples, ignore=shutil.ignore_patterns(".reconciler"))
        runs = {name: [sys.executable, *RECONCILER, *command] for name, command in COMMANDS.items()}
        for name, run in {**runs, "floor": [sys.executable, *FLOOR]}.items():
            timed(run, examples)  # warm-up: caches and sandbox state
            walls, cpus, ratios = [], [], []
            for _ in range(args.runs):
                wall, cpu = timed(run, examples)
                base, _ = timed([sys.executable, "-c", "pass"], examples)
                walls.append(wall)
                cpus.append(cpu)
                ratios.append(wall / base)
            report[name] = {"wall_s": round(statistics.median(walls), 4), "cpu_s": round(statistics.median(cpus), 4),
                            "ratio": round(statistics.median(ratios), 2)}
        report["plan"]["wall_per_cpu"] = round(report["plan"]["wall_s"] / report["plan"]["cpu_s"], 2)
    print(json.dumps({"runs": args.runs, **report}))


if __name__ == "__main__":
    main()
