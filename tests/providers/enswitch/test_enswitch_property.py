"""Property (hypothesis): any valid live state and any valid desired state -> plan --validate-remote ->
apply on the Enswitch sandbox over HTTP: no request refused, one write per changed campaign, the re-plan is
empty (ENG-04), and keep_agents_available survives every update of a campaign whose document leaves it out
(ENS-01).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import run_quietly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox.store import read_log

RULE = "ENS-01"
CONFIG = ("version: 1\ndocuments: ['**/*.y*ml']\n"
          "accounts:\n  e: {provider: enswitch, sandbox: {seed: seed.json}}\nsafety: {min_existing: 1000}\n")
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "25"))
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "dtype": st.sampled_from(["queue", "agent", "number", "ivr"]),
    "dnumber": st.sampled_from(["700", "701", "2001"]),
    "description": st.sampled_from(["", "a", "b b"]),
    "enabled": st.sampled_from([0, 1]),
    "machine": st.sampled_from(["", "failed", "retry", "success"]),
    "success": st.sampled_from(["answer", "key"]),
    "maximum": st.integers(1, 3),
    "retry": st.sampled_from([60, 3600]),
    "keep_agents_available": st.integers(-2, 2),
}
Campaign = dict[str, Any]


@st.composite
def _campaign(draw: st.DrawFn, name: str, required: bool, live: Campaign | None = None) -> Campaign:
    """Some of the fields (all of them when ``required``), with a negative keep only for a queue (ENS-02)."""
    names = sorted(FIELDS) if required else draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True))
    out = {"name": name, **{f: draw(FIELDS[f]) for f in sorted(names)}}
    dtype = out.get("dtype", (live or {}).get("dtype"))
    keep = out.get("keep_agents_available", (live or {}).get("keep_agents_available", 0))
    if keep < 0 and dtype != "queue":
        out["keep_agents_available"] = -keep
    return out


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[list[Campaign], list[Campaign]]:
    names = [f"C{i}" for i in range(draw(st.integers(1, 4)))]
    live = [draw(_campaign(n, True)) for n in names]
    kept = draw(st.lists(st.sampled_from(names), unique=True))
    desired = [draw(_campaign(c["name"], False, c)) for c in live if c["name"] in kept]
    desired += [draw(_campaign(f"N{i}", True)) for i in range(draw(st.integers(0, 2)))]
    return live, desired


def _changed(live: list[Campaign], desired: list[Campaign]) -> int:
    before = {c["name"]: c for c in live}
    return sum(1 for d in desired
               if d["name"] not in before or any(before[d["name"]][k] != v for k, v in d.items()))


@contextlib.contextmanager
def _repository(live: list[Campaign], desired: list[Campaign]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "reconciler.yaml").write_text(CONFIG)
        seed = {"campaigns": [{"id": i + 1, **c} for i, c in enumerate(live)]}
        (root / "seed.json").write_text(json.dumps(seed))
        for c in desired:
            (root / f"{c['name']}.yaml").write_text(json.dumps({"account": "e", **c}))
        yield root


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_ens_01_eng_04_any_valid_states_validate_apply_and_converge(
        scenario: tuple[list[Campaign], list[Campaign]]) -> None:
    live, desired = scenario
    with _repository(live, desired) as root:
        code, output = run_quietly("apply", str(root), "--yes", "--validate-remote")
        log = read_log(root / ".reconciler" / "sandbox" / "e.requests.jsonl")
        refused = [r for r in log if r["outcome"] != "ok"]
        assert code == 0 and not refused, output + json.dumps(refused)
        writes = [r for r in log if r["operation"] != "bulk/campaigns/list"]
        assert len([w for w in writes if w["params"].get("validation") != "1"]) == _changed(live, desired)
        assert len([w for w in writes if w["params"].get("validation") == "1"]) == _changed(live, desired)
        state = {c["name"]: c for c in json.loads((root / ".reconciler" / "sandbox" / "e.json").read_text())
                 ["campaigns"]}
        for c in live:
            doc = next((d for d in desired if d["name"] == c["name"]), {})
            assert state[c["name"]]["keep_agents_available"] == doc.get("keep_agents_available",
                                                                       c["keep_agents_available"])
        code, output = run_quietly("plan", str(root), "--detailed-exitcode")
        assert code == 0, output
