"""Property (hypothesis): any valid live state and any valid desired state over shared numbers, blocks and
statuses -> plan -> apply on the UIS sandbox over HTTP: no request refused, the re-plan is empty (ENG-04),
and the writes are exactly one per changed campaign, plus one per broken cycle of number moves (UIS-09),
plus the second call UIS-07 requires when an inactive campaign is activated with blocks.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import run_quietly
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.sandbox.store import read_log

RULE = "UIS-09"
BLOCKS = (11, 12, 13)
VA = (501, 502)
TRACKED = (601, 602, 603, 604, 605)
REDIRECTIONS = (77, 78)
CONFIG = ("version: 1\ndocuments: ['**/*.y*ml']\n"
          "accounts:\n  u: {provider: uis, sandbox: {seed: seed.json}}\nsafety: {min_existing: 1000}\n")
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "25"))

Block = dict[str, Any]
Campaign = dict[str, Any]  # name, status, description, blocks


@st.composite
def _blocks(draw: st.DrawFn, free: list[int]) -> list[Block]:
    """Blocks using va numbers freely and call_tracking numbers from ``free`` (taken out of it)."""
    out = []
    for block_id in draw(st.lists(st.sampled_from(BLOCKS), unique=True, max_size=3)):
        tracked = bool(free) and draw(st.sampled_from([True, True, False]))
        if tracked:
            number = draw(st.sampled_from(sorted(free)))
            free.remove(number)
            out.append({"site_block_id": block_id, "phone_number_id": number,
                        "redirection_phone_number_id": draw(st.sampled_from(REDIRECTIONS))})
        else:
            out.append({"site_block_id": block_id, "phone_number_id": draw(st.sampled_from(VA))})
    return sorted(out, key=lambda b: b["site_block_id"])


@st.composite
def _state(draw: st.DrawFn, names: list[str]) -> list[Campaign]:
    free = list(TRACKED)
    campaigns = []
    for name in names:
        status = draw(st.sampled_from(["active", "active", "inactive"]))
        blocks = draw(_blocks(free)) if status == "active" else []
        campaigns.append({"name": name, "status": status, "description": draw(st.sampled_from(["x", "y"])),
                          "blocks": blocks})
    return campaigns


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[list[Campaign], list[Campaign]]:
    names = [f"C{i}" for i in range(draw(st.integers(2, 5)))]
    live = draw(_state(names))
    if draw(st.booleans()):  # the same blocks with their call_tracking numbers shuffled: swaps and rotations
        return live, _shuffled(live, draw(st.permutations(sorted(n for c in live for n in _tracked(c)))))
    new = [f"N{i}" for i in range(draw(st.integers(0, 2)))]  # every live campaign keeps a document
    desired = draw(_state(draw(st.permutations(names + new))))
    return live, desired


def _shuffled(live: list[Campaign], numbers: list[int]) -> list[Campaign]:
    given = iter(numbers)
    return [{**c, "blocks": [{**b, "phone_number_id": next(given)} if b["phone_number_id"] in TRACKED else b
                             for b in c["blocks"]]} for c in live]


def _seed(live: list[Campaign]) -> dict[str, Any]:
    return {"sites": [{"id": 1, "domain_name": "a.example",
                       "site_blocks": [{"site_block_id": b, "site_block_name": f"B{b}"} for b in BLOCKS]}],
            "phone_numbers": [{"id": n, "phone_number": f"7495{n}", "type": "va"} for n in VA]
            + [{"id": n, "phone_number": f"7495{n}", "type": "call_tracking"} for n in TRACKED],
            "redirection_phone_numbers": [{"id": n, "phone_number": f"7800{n}"} for n in REDIRECTIONS],
            "campaigns": [{"id": i + 1, "name": c["name"], "type": "basic", "status": c["status"], "site_id": 1,
                           "description": c["description"], "site_blocks": c["blocks"]}
                          for i, c in enumerate(live)]}


def _document(c: Campaign) -> str:
    return json.dumps({"account": "u", "name": c["name"], "site_id": 1, "status": c["status"],
                       "description": c["description"], "site_blocks": c["blocks"]})


def _tracked(c: Campaign) -> set[int]:
    return {b["phone_number_id"] for b in c["blocks"] if b["phone_number_id"] in TRACKED}


def _expected_writes(live: list[Campaign], desired: list[Campaign]) -> int:
    """One call per changed campaign, one per activation with blocks, one per cycle (fewest to break)."""
    before = {c["name"]: c for c in live}
    writes = 0
    waits: dict[str, set[str]] = {}
    for c in desired:
        old = before.get(c["name"])
        if old is None:
            writes += 1
        elif (old["status"], old["description"], old["blocks"]) != (c["status"], c["description"], c["blocks"]):
            writes += 1 + (old["status"] == "inactive" and c["status"] == "active" and bool(c["blocks"]))
        if old is not None:
            holders = {n: o["name"] for o in live for n in _tracked(o) if o["name"] != c["name"]}
            waits[c["name"]] = {holders[n] for n in _tracked(c) - _tracked(old) if n in holders}
    cycles = _fewest_to_break(waits)
    event(f"cycles broken: {cycles}")
    return writes + cycles


def _fewest_to_break(waits: dict[str, set[str]]) -> int:
    """Size of the smallest set of campaigns whose removal leaves the wait graph without cycles."""
    nodes = sorted(waits)
    for size in range(len(nodes) + 1):
        for removed in itertools.combinations(nodes, size):
            if not _cyclic({n: waits[n] - set(removed) for n in nodes if n not in removed}):
                return size
    raise AssertionError("unreachable")


def _cyclic(graph: dict[str, set[str]]) -> bool:
    done: set[str] = set()
    path: set[str] = set()

    def visit(n: str) -> bool:
        if n in path:
            return True
        if n in done or n not in graph:
            return False
        path.add(n)
        found = any(visit(m) for m in sorted(graph[n]))
        path.discard(n)
        done.add(n)
        return found

    return any(visit(n) for n in sorted(graph))


@contextlib.contextmanager
def _repository(live: list[Campaign], desired: list[Campaign]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "reconciler.yaml").write_text(CONFIG)
        (root / "seed.json").write_text(json.dumps(_seed(live)))
        for c in desired:
            (root / f"{c['name']}.yaml").write_text(_document(c))
        yield root


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_uis_09_eng_04_any_valid_states_plan_apply_and_converge(scenario: tuple[list[Campaign],
                                                                                list[Campaign]]) -> None:
    live, desired = scenario
    with _repository(live, desired) as root:
        code, output = run_quietly("apply", str(root), "--yes")
        log = read_log(root / ".reconciler" / "sandbox" / "u.requests.jsonl")
        refused = [r for r in log if r["outcome"] != "ok"]
        assert code == 0 and not refused, output + json.dumps(refused)
        writes = [r for r in log if r["operation"].split(".")[0] in ("create", "update", "delete")]
        assert len(writes) == _expected_writes(live, desired), output
        code, output = run_quietly("plan", str(root), "--detailed-exitcode")
        assert code == 0, output
