"""How close a plan of N campaigns comes to the limit of this machine (issues 9 and 21).

    python tests/bench/plan_scale.py --campaigns 10000 [--keep DIR]

Generates N UIS campaign documents (one a file) and a sandbox, run as its own process, holding the same
campaigns with 1% of them different. In one run it measures, each as a fresh ``python -c`` process (so
both sides pay for starting Python and for their imports):
  (f) the floor: libyaml composing the same files into nodes (``yaml.compose_all`` with ``CBaseLoader``:
      no values built, no implicit tags resolved),
  (a) the baseline: PyYAML's C loader (``CSafeLoader``) reading the same files into values,
  (b) a cold plan: ``.reconciler/`` and the document cache (``XDG_CACHE_HOME`` is a folder of the run's
      own) removed first,
  (c) a warm plan: nothing changed since (b),
and prints one JSON line. ``*_process_s`` are whole processes, interpreter start, imports and exit
included, timed from outside; ``*_s`` are the seconds inside each process after its imports (what the
work itself costs). A plan process runs ``reconciler.cli.main`` and ends as the ``reconciler`` command
does (a normal interpreter exit). Ratios: ``cold_process_ratio`` = b/a and ``warm_process_ratio`` = c/a on
whole processes, ``cold_ratio`` and ``warm_ratio`` the same inside the processes, ``*_over_floor`` b/f and
c/f on whole processes. ``targets`` says which of issue 21's targets the run met. Each run starts after
``os.sync``, so the kernel is not still writing out the generated files or the previous run's cache.
With ``--repeat R`` (default 3) the steps are measured R times in turn (f, a, b, c, f, a, b, c, ...) and
each figure is the median, so a machine whose speed drifts does not skew one of them; ``runs`` lists
every run. ``calls`` are the vendor calls each plan made (from the sandbox's request log); ``peak_rss_mb``
is the plan processes' largest peak resident set (VmHWM).

    python tests/bench/plan_scale.py --campaigns 100000 --scale-from 10000 [--repeat R]

measures both sizes step by step: M's step right before N's (this machine's speed drifts by up to 1.8x
within minutes: sizes timed in separate invocations, or a whole run of each apart, do not compare), and
adds ``scale``: N's times over M's, the median of the R pairs, and ``scale_from``: M's figures.
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

READ_ALL = """
import sys, time
import os, yaml
t0 = time.perf_counter()
n = 0
for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".yaml") and name != "reconciler.yaml":
            with open(os.path.join(folder, name), "rb") as f:
                for doc in yaml.{function}(f, Loader=yaml.{loader}):
                    n += 1
print(time.perf_counter() - t0, n)
"""
PYYAML = READ_ALL.format(function="load_all", loader="CSafeLoader")
FLOOR = READ_ALL.format(function="compose_all", loader="CBaseLoader")

PLAN = """
import sys, time, resource, contextlib, io
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
"""

TARGETS = {"cold_process_ratio": 1.0, "warm_process_ratio": 0.5, "peak_rss_mb": 250}
"""Issue 21's targets at 10,000 campaigns (at most), and for ``--scale-from``: N's time at most 11x M's."""
TARGETS_AT = 10_000
SCALE_TARGET = 11.0


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
                         for name in TIMES}
        line["targets"]["scale_cold_process<=11"] = line["scale"]["cold_process_s"] <= SCALE_TARGET
        line["targets"]["scale_warm_process<=11"] = line["scale"]["warm_process_s"] <= SCALE_TARGET
    print(json.dumps(line))


STEPS = ("floor", "pyyaml", "cold", "warm")
TIMES = ("floor_s", "floor_process_s", "pyyaml_c_s", "pyyaml_c_process_s", "cold_s", "cold_process_s", "warm_s",
         "warm_process_s")


class _Tree:
    """N campaigns generated under ``root`` and their sandbox; ``measure`` makes one step of a run."""

    def __init__(self, root: Path, n: int) -> None:
        self.root, self.n = root, n
        root.mkdir(parents=True)
        t0 = time.perf_counter()
        generate(root, n, lambda i: f"Campaign number {i}" + (" (changed at the vendor)" if i % 100 == 0 else ""),
                 sandbox=", limits: {minute: 1000000, day: 10000000}")
        self.generated = time.perf_counter() - t0
        self.proc, env = serve(root)
        self.env = {**env, "XDG_CACHE_HOME": str(root / "user-cache")}
        self.runs: list[dict[str, Any]] = []
        self.documents = 0

    def measure(self, step: str) -> None:
        """One step of the current run: (f) "floor", (a) "pyyaml", (b) "cold" (``.reconciler/`` and the
        document cache removed first) or (c) "warm"."""
        root, env, plan, run = self.root, self.env, str(self.root / "plan"), self.runs[-1]
        if step == "cold":
            shutil.rmtree(root / "plan" / ".reconciler", ignore_errors=True)
            shutil.rmtree(root / "user-cache", ignore_errors=True)
        os.sync()  # each run starts with nothing left for the kernel to write (100,000 files: 40 MB)
        if step in ("floor", "pyyaml"):
            wall, (seconds, docs) = timed(FLOOR if step == "floor" else PYYAML, [plan], env)
            self.documents = int(docs)
            name = "floor" if step == "floor" else "pyyaml_c"
            run.update({f"{name}_s": float(seconds), f"{name}_process_s": wall})
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
            return round(statistics.median(float(r[name]) for r in runs), 3)

        m = {name: median(name) for name in TIMES}
        ratios = {
            "cold_process_ratio": round(m["cold_process_s"] / m["pyyaml_c_process_s"], 3),
            "warm_process_ratio": round(m["warm_process_s"] / m["pyyaml_c_process_s"], 3),
            "cold_ratio": round(m["cold_s"] / m["pyyaml_c_s"], 3),
            "warm_ratio": round(m["warm_s"] / m["pyyaml_c_s"], 3),
            "pyyaml_over_floor": round(m["pyyaml_c_process_s"] / m["floor_process_s"], 3),
            "cold_over_floor": round(m["cold_process_s"] / m["floor_process_s"], 3),
            "warm_over_floor": round(m["warm_process_s"] / m["floor_process_s"], 3),
        }
        rss = round(max(r["rss_kb"] for r in runs) / 1024, 1)
        measured = {**ratios, "peak_rss_mb": rss}
        return {
            "campaigns": self.n, "documents": self.documents, "changed_at_vendor": (self.n + 99) // 100,
            "generate_s": round(self.generated, 2), "repeat": len(runs), **m, **ratios,
            "calls_cold": max(r["calls_cold"] for r in runs), "calls_warm": max(r["calls_warm"] for r in runs),
            "peak_rss_mb": rss,
            "targets": {f"{name}<={limit:g}": measured[name] <= limit for name, limit in TARGETS.items()
                        if self.n == TARGETS_AT},
            "exit_codes": sorted({code for r in runs for code in r["exit_codes"]}), "plan": runs[-1]["plan"],
            "runs": [{**{k: round(r[k], 3) for k in TIMES}, "rss_mb": round(r["rss_kb"] / 1024, 1)} for r in runs],
        }


if __name__ == "__main__":
    main()
