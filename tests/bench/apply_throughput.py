"""Apply throughput against a rate-limited, slow vendor (issue 9).

    python tests/bench/apply_throughput.py [--updates 500] [--latency-ms 50] [--per-second 100]

A UIS sandbox, run as its own process, answers every call after ``--latency-ms`` and allows
``--per-second`` calls a second (its "minute" window shortened to one second); the documents change the
description of ``--updates`` campaigns. ``reconciler apply --yes`` runs in a fresh process. The physical
limit is updates / per-second seconds (every update is one call; the plan's and the check's reads count
against the same limit). Prints one JSON line: ``apply_s`` (in the process, after imports),
``apply_process_s`` (whole process), ``limit_s`` (the physical limit), ``ratio`` = apply_s / limit_s,
calls by kind and ``limit_errors`` (calls the sandbox refused with limit_exceeded). With ``--repeat R``
(default 3) the whole run (a fresh repository and sandbox each time) is made R times and the times are
medians (``runs`` lists each); calls and limit errors are the largest seen.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from common import generate, requests, serve, timed

APPLY = """
import sys, time, contextlib, io
from reconciler.cli import main
t0 = time.perf_counter()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["apply", sys.argv[1], "--yes"])
print(time.perf_counter() - t0, code)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--updates", type=int, default=500)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--per-second", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=None, help="apply.concurrency (default: the tool's)")
    ap.add_argument("--repeat", type=int, default=3, help="Runs to make; times are medians.")
    ap.add_argument("--keep", type=Path, help="Generate here and keep the last run's repository.")
    args = ap.parse_args()
    runs = [_run(args) for _ in range(args.repeat)]
    apply_s = statistics.median(r["apply_s"] for r in runs)
    wall = statistics.median(r["apply_process_s"] for r in runs)
    limit = args.updates / args.per_second
    print(json.dumps({
        "updates": args.updates, "latency_ms": args.latency_ms, "per_second": args.per_second,
        "repeat": args.repeat, "apply_s": round(apply_s, 3), "apply_process_s": round(wall, 3), "limit_s": limit,
        "ratio": round(apply_s / limit, 3), "process_ratio": round(wall / limit, 3),
        "exit_codes": sorted({r["exit_code"] for r in runs}), "calls": max(r["calls"] for r in runs),
        "calls_by_kind": runs[-1]["calls_by_kind"], "limit_errors": max(r["limit_errors"] for r in runs),
        "runs": [round(r["apply_s"], 3) for r in runs],
    }))


def _run(args: argparse.Namespace) -> dict[str, Any]:
    """One apply of ``--updates`` changes against a fresh sandbox: its figures."""
    root = args.keep or Path(tempfile.mkdtemp(prefix="apply-throughput-"))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    settings = f"apply: {{concurrency: {args.concurrency}}}\n" if args.concurrency else ""
    generate(root, args.updates, lambda i: f"Old description {i}", settings=settings,
             sandbox=f", limits: {{minute: {args.per_second}, window_s: 1}}, faults: {{latency_ms: {args.latency_ms}}}")
    proc, env = serve(root)
    try:
        wall, (apply_s, code) = timed(APPLY, [str(root / "plan")], env)
        log = requests(root)
    finally:
        proc.terminate()
        proc.wait()
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    kinds = Counter(str(r["operation"]) for r in log)
    return {"apply_s": float(apply_s), "apply_process_s": wall, "exit_code": int(code),
            "calls": sum(kinds.values()), "calls_by_kind": dict(sorted(kinds.items())),
            "limit_errors": sum(1 for r in log if "limit_exceeded" in json.dumps(r["outcome"]))}


if __name__ == "__main__":
    main()
