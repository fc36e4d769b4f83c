"""Property (hypothesis): any valid live state and any valid desired state -> apply on the Topsort sandbox
over HTTP: no request refused, and the re-plan is empty (ENG-04), past start dates included (TOP-03: the
server set them to now, and that is no change).
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

RULE = "TOP-03"
CONFIG = ("version: 1\naccounts:\n  t: {provider: topsort, sandbox: {seed: seed.json}, vendor_id: acme}\n"
          "safety: {min_existing: 1000}\n")
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "25"))
PAST, FUTURE = ["2020-02-02T00:00:00Z", "2023-07-01T12:00:00+02:00"], ["2090-01-01T00:00:00Z"]
ENDS = ["2095-01-01T00:00:00Z", "2099-06-30T23:59:59Z"]
SEGMENTS = st.lists(st.fixed_dictionaries({"type": st.sampled_from(["audience", "geo"]),
                                           "segmentId": st.integers(1, 4)}), max_size=3)
BID = {"target": {"id": "sku", "type": "product"}, "amount": 10}
Campaign = dict[str, Any]


def _budget(total: bool) -> st.SearchStrategy[dict[str, Any]]:
    kinds = ["total"] if total else ["daily", "weekly", "monthly", "total"]
    return st.fixed_dictionaries({"amount": st.integers(0, 1_999_999_999), "type": st.sampled_from(kinds)})


@st.composite
def _fields(draw: st.DrawFn, kind: str, ad_format: str, charge: str, optional: bool) -> Campaign:
    """Fields valid together for a campaign of ``kind``, ``ad_format`` and ``charge`` type (TOP-06, TOP-08)."""
    out: Campaign = {
        "isActive": draw(st.booleans()), "isSmart": draw(st.booleans()),
        "startDate": draw(st.sampled_from(PAST + FUTURE)), "endDate": draw(st.sampled_from(ENDS)),
        "budget": draw(_budget(charge == "CPA")),
        "targetRoas": draw(st.none() | st.sampled_from([0.5, 2, 7.25, 20])),
        "targetingFilters": {"isActive": draw(st.booleans()), "targetingFilters": draw(SEGMENTS)},
        "exclusionFilters": draw(st.none()) if optional else {"isActive": True, "exclusionFilters": []},
        "multiplierConfig": {"isActive": True, "multipliers": [{**s, "multiplier": 1.5} for s in draw(SEGMENTS)
                                                               if s["segmentId"] % 2]},
    }
    if kind == "autobidding":
        out["autobiddingObjective"] = draw(st.none() | st.sampled_from(["clicks", "revenue"]))
    if ad_format == "banner":
        out["productIds"] = draw(st.lists(st.sampled_from(["p1", "p2", "p3"]), min_size=1, max_size=3, unique=True))
    if optional:
        names = draw(st.lists(st.sampled_from(sorted(out)), unique=True))
        out = {k: out[k] for k in names}
    return out


@st.composite
def _live(draw: st.DrawFn, i: int) -> Campaign:
    kind = draw(st.sampled_from(["manual", "autobidding", "exclusive"]))
    ad_format, charge = draw(st.sampled_from(["listing", "banner"])), draw(st.sampled_from(["CPM", "CPC", "CPA"]))
    external = draw(st.sampled_from([None, f"X-{i}"]))
    fields = {k: v for k, v in draw(_fields(kind, ad_format, charge, False)).items() if v is not None}
    return {"campaignId": f"00000000-0000-4000-8000-{i:012d}", "name": f"C{i}", "campaignType": kind,
            "adFormat": ad_format, "chargeType": charge, "vendorId": "acme", "bidCount": draw(st.integers(1, 3)),
            **({"externalCampaignId": external} if external else {}), **fields}


@st.composite
def _desired(draw: st.DrawFn, live: Campaign) -> Campaign:
    """A document for ``live``: found by its identity, only changes Topsort makes in place."""
    kind = draw(st.sampled_from(sorted({live["campaignType"], "autobidding"})))
    charge = draw(st.sampled_from(["CPM", "CPC"] + (["CPA"] if live.get("budget", {}).get("type") == "total"
                                                      else [])))
    doc = draw(_fields(kind, live["adFormat"], charge, True))
    if charge == "CPA" and "budget" in doc:
        doc["budget"] = {**doc["budget"], "type": "total"}
    if live["chargeType"] == "CPA" and "budget" in doc and charge == live["chargeType"]:
        doc["budget"] = {**doc["budget"], "type": "total"}
    if kind != live["campaignType"] or draw(st.booleans()):
        doc["campaignType"] = kind
    if charge != live["chargeType"] or draw(st.booleans()):
        doc["chargeType"] = charge
    if kind != "autobidding":
        doc.pop("autobiddingObjective", None)
    if draw(st.booleans()):
        doc["bids"] = [BID] * live["bidCount"]  # as many as live: no change (TOP-10)
    key = {"externalCampaignId": live["externalCampaignId"]} if "externalCampaignId" in live else {}
    name = {"name": draw(st.sampled_from([live["name"], live["name"] + " renamed"]))} if key else {"name": live["name"]}
    return {**key, **name, **doc}


@st.composite
def _new(draw: st.DrawFn, i: int) -> Campaign:
    kind = draw(st.sampled_from(["manual", "autobidding", "exclusive"]))
    ad_format, charge = draw(st.sampled_from(["listing", "banner"])), draw(st.sampled_from(["CPM", "CPC", "CPA"]))
    doc = draw(_fields(kind, ad_format, charge, True))
    if charge == "CPA":
        doc["budget"] = draw(_budget(True))
    return {"name": f"N{i}", "campaignType": kind, "adFormat": ad_format, "chargeType": charge,
            "bids": [BID] * draw(st.integers(1, 2)), **({"externalCampaignId": f"NX-{i}"} if i % 2 else {}), **doc}


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[list[Campaign], list[Campaign]]:
    live = [draw(_live(i)) for i in range(1, draw(st.integers(1, 4)) + 1)]
    kept = draw(st.lists(st.sampled_from(live), min_size=1, unique_by=lambda c: c["name"]))
    desired = [draw(_desired(c)) for c in kept] + [draw(_new(i)) for i in range(draw(st.integers(0, 2)))]
    return live, desired


@contextlib.contextmanager
def _repository(live: list[Campaign], desired: list[Campaign]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "reconciler.yaml").write_text(CONFIG)
        (root / "seed.json").write_text(json.dumps({"campaigns": live}))
        for n, c in enumerate(desired):
            (root / f"c{n}.yaml").write_text(json.dumps({"account": "t", **c}))
        yield root


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_top_03_eng_04_any_valid_states_apply_with_no_refusal_and_converge(
        scenario: tuple[list[Campaign], list[Campaign]]) -> None:
    live, desired = scenario
    with _repository(live, desired) as root:
        code, output = run_quietly("apply", str(root), "--yes")
        log = read_log(root / ".reconciler" / "sandbox" / "t.requests.jsonl")
        refused = [r for r in log if r["outcome"] != "ok"]
        assert code == 0 and not refused, output + json.dumps(refused)
        assert "Verified" in output or "No changes" in output, output
        code, output = run_quietly("plan", str(root), "--detailed-exitcode")
        assert code == 0, output
