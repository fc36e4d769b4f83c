"""How close a plan of N campaigns comes to the limit of this machine (issue 9).

    python tests/bench/plan_scale.py --campaigns 10000 [--keep DIR]

Generates N UIS campaign documents (one a file) and a sandbox, run as its own process, holding the same
campaigns with 1% of them different. In one run it measures, each in a fresh process:
  (a) PyYAML's C loader reading the same files (the floor for "read N YAML files" in Python),
  (b) a cold plan: no cache under ``.reconciler/``,
  (c) a warm plan: nothing changed since (b),
and prints one JSON line. ``*_s`` are seconds inside the process, after its imports (what the work costs);
``*_process_s`` are whole processes, interpreter start and imports included (a plan's process ends as
the ``reconciler`` command's does, without freeing its objects one by one). Each run starts after
``os.sync``, so the kernel is not still writing out the generated files or the previous run's cache.
With ``--repeat R`` (default 3) the three are measured R times in turn (a, b, c, a, b, c, ...; the cache
is removed before each cold plan) and each figure is the median, so a machine whose speed drifts does
not skew one of them; ``runs`` lists every run. ``cold_ratio`` = b/a and ``warm_ratio`` = c/a on the
in-process medians; ``calls`` are the vendor calls each plan made (from the sandbox's request log);
``peak_rss_mb`` is the plan processes' largest peak resident set.

    python tests/bench/plan_scale.py --campaigns 100000 --scale-from 10000 [--repeat R]

measures both sizes step by step: M's PyYAML read right before N's, then M's cold plan before N's, then
the warm plans (this machine's speed drifts by up to 1.8x within minutes: sizes timed in separate
invocations, or a whole run of each apart, do not compare), and adds ``scale``: N's times over M's, the
median of the R pairs, and ``scale_from``: M's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import generate, requests, serve, timed

PYYAML = """
import sys, time
t0 = time.perf_counter()
import os, yaml
n = 0
for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".yaml") and name != "reconciler.yaml":
            with open(os.path.join(folder, name), "rb") as f:
                for doc in yaml.load_all(f, Loader=yaml.CSafeLoader):
                    n += 1
print(time.perf_counter() - t0, n)
"""

PLAN = """
import os, sys, time, resource, contextlib, io
from reconciler.cli import main
t0 = time.perf_counter()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["plan", sys.argv[1]])
elapsed = time.perf_counter() - t0
# This process's own peak (kB). On Linux ru_maxrss also counts the benchmark's memory from before exec (a
# benchmark holding 100,000 generated campaigns showed a 10,000-campaign plan at 263 MB); VmHWM does not.
try:
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
summary = [line for line in out.getvalue().splitlines() if line.startswith("Plan:")]
print(elapsed, rss, code, summary[-1] if summary else "", flush=True)
os._exit(0)  # as the reconciler command ends (cli.run): not freeing 100,000 campaigns object by object
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--campaigns", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="Measure each R times; report medians.")
    ap.add_argument("--keep", type=Path, help="Generate here and keep it (default: a temporary folder).")
    ap.add_argument("--scale-from", type=int, metavar="M",
                    help="Also measure M campaigns, each step right before N's, and report N's times over M's.")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="plan-scale-"))
    shutil.rmtree(base, ignore_errors=True)
    sizes = [args.campaigns] if args.scale_from is None else [args.scale_from, args.campaigns]
    trees = [_Tree(base / str(n) if len(sizes) > 1 else base, n) for n in sizes]
    try:
        for _ in range(args.repeat):
            for tree in trees:
                tree.runs.append({"exit_codes": [], "plan": [], "rss_kb": 0})
            for step in STEPS:  # M's then N's, so the two of a pair are timed back to back
                for tree in trees:
                    tree.measure(step)
    finally:
        for tree in trees:
            tree.stop()
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    line = trees[-1].figures()
    if len(trees) > 1:
        small, big = trees
        line["scale_from"] = small.figures()
        line["scale"] = {name: round(statistics.median(b[name] / s[name] for s, b in zip(small.runs, big.runs,
                                                                                             strict=True)), 2)
                         for name in ("pyyaml_c_s", "cold_s", "warm_s")}
    print(json.dumps(line))


STEPS = ("pyyaml", "cold", "warm")


class _Tree:
    """N campaigns generated under ``root`` and their sandbox; ``measure`` makes one step of a run."""

    def __init__(self, root: Path, n: int) -> None:
        self.root, self.n = root, n
        root.mkdir(parents=True)
        t0 = time.perf_counter()
        generate(root, n, lambda i: f"Campaign number {i}" + (" (changed at the vendor)" if i % 100 == 0 else ""),
                 sandbox=", limits: {minute: 1000000, day: 10000000}")
        self.generated = time.perf_counter() - t0
        self.proc, self.env = serve(root)
        self.runs: list[dict[str, Any]] = []
        self.documents = 0

    def measure(self, step: str) -> None:
        """One step of the current run: (a) "pyyaml", (b) "cold" (the cache removed first) or (c) "warm"."""
        root, env, plan, run = self.root, self.env, str(self.root / "plan"), self.runs[-1]
        if step == "cold":
            shutil.rmtree(root / "plan" / ".reconciler", ignore_errors=True)
        os.sync()  # each run starts with nothing left for the kernel to write (100,000 files: 40 MB)
        if step == "pyyaml":
            wall, (seconds, docs) = timed(PYYAML, [plan], env)
            self.documents = int(docs)
            run.update(pyyaml_c_s=float(seconds), pyyaml_c_process_s=wall)
            return
        before = len(requests(root))
        wall, (seconds, rss, code, summary) = timed(PLAN, [plan], env)
        run.update({f"{step}_s": float(seconds), f"{step}_process_s": wall,
                    f"calls_{step}": len(requests(root)) - before, "rss_kb": max(run["rss_kb"], int(rss))})
        run["exit_codes"].append(int(code))
        run["plan"].append(summary)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()

    def figures(self) -> dict[str, Any]:
        runs = self.runs

        def median(name: str) -> float:
            return statistics.median(float(r[name]) for r in runs)

        a, b, c = median("pyyaml_c_s"), median("cold_s"), median("warm_s")
        return {
            "campaigns": self.n, "documents": self.documents, "changed_at_vendor": (self.n + 99) // 100,
            "generate_s": round(self.generated, 2), "repeat": len(runs),
            "pyyaml_c_s": round(a, 3), "cold_s": round(b, 3), "warm_s": round(c, 3),
            "cold_ratio": round(b / a, 3), "warm_ratio": round(c / a, 3),
            "pyyaml_c_process_s": round(median("pyyaml_c_process_s"), 3),
            "cold_process_s": round(median("cold_process_s"), 3), "warm_process_s": round(median("warm_process_s"), 3),
            "calls_cold": max(r["calls_cold"] for r in runs), "calls_warm": max(r["calls_warm"] for r in runs),
            "peak_rss_mb": round(max(r["rss_kb"] for r in runs) / 1024, 1),
            "exit_codes": sorted({code for r in runs for code in r["exit_codes"]}), "plan": runs[-1]["plan"],
            "runs": [{**{k: round(r[k], 3) for k in ("pyyaml_c_s", "cold_s", "warm_s")},
                      "rss_mb": round(r["rss_kb"] / 1024, 1)} for r in runs],
        }


if __name__ == "__main__":
    main()
