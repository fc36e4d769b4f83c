"""Property (hypothesis): any valid live state and any valid desired state -> apply on the CallFire sandbox
over HTTP: no request refused, every create and update with its own RequestId, every configuration field a
document leaves out keeps its live value through the full-replacement updates (CF-01), and the re-plan is
empty (ENG-04).
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

from reconciler.providers.callfire.fields import CONFIG, flatten, live_fields
from reconciler.sandbox.store import read_log

RULE = "CF-01"
CONFIG_YAML = "version: 1\naccounts:\n  c: {provider: callfire, sandbox: {seed: seed.json}}\n" \
              "safety: {min_existing: 1000}\n"
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "25"))
QUESTIONS = [{"Label": "Age", "ResponseType": "NUMERIC"}, {"Label": "Buy", "ResponseType": "CHOICE", "Choices": "Y,N"},
             {"Label": "Notes"}, {"Label": "Zip", "ResponseType": "STRING"}]
NUMBERS = [{"Name": "Desk", "Number": "12135550000"},
           {"Name": "Boss", "Number": "12135550001", "AllowAssistedTransfer": True},
           {"Name": "Help", "Number": "611"}]
WINDOWS = [("09:00:00", "20:00:00"), ("10:00:00", "18:00:00"), ("00:00:00", "23:59:59")]
RETRY: dict[str, st.SearchStrategy[Any]] = {
    "MaxAttempts": st.integers(1, 3), "MinutesBetweenAttempts": st.sampled_from([30, 60, 240]),
    "RetryResults": st.lists(st.sampled_from(["BUSY", "NO_ANS", "AM", "LA"]), unique=True, max_size=3),
    "RetryPhoneTypes": st.lists(st.sampled_from(["FIRST_NUMBER", "MOBILE_PHONE"]), unique=True),
}
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "Script": st.sampled_from(["", "Hello", "Hi there"]),
    "Label": st.sampled_from(["", "blue"]),
    "FromNumber": st.sampled_from([None, "12135551100", "67890"]),
    "Question": st.permutations(QUESTIONS).flatmap(lambda qs: st.integers(0, 4).map(lambda n: qs[:n])),
    "TransferNumber": st.lists(st.sampled_from(NUMBERS), unique_by=lambda t: t["Name"], max_size=3),
    "AgentGroupId": st.sampled_from([None, 7, 8]),
    "Recorded": st.booleans(),
    "MultilineDialingEnabled": st.booleans(),
    "MultilineDialingRatio": st.integers(1, 4),
    "NumberOfRings": st.integers(1, 6),
}
Campaign = dict[str, Any]


@st.composite
def _fields(draw: st.DrawFn, every: bool) -> Campaign:
    """Some configuration (all of it when ``every``): fields, a calling window, retry logic."""
    names = sorted(FIELDS) if every else draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True))
    out: Campaign = {name: draw(FIELDS[name]) for name in sorted(names)}
    if every or draw(st.booleans()):
        out["LocalRestrictBegin"], out["LocalRestrictEnd"] = draw(st.sampled_from(WINDOWS))
    if every or draw(st.booleans()):
        subfields = sorted(RETRY) if every else draw(st.lists(st.sampled_from(sorted(RETRY)), unique=True))
        out["RetryConfig"] = {name: draw(RETRY[name]) for name in subfields}
    return out


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[list[Campaign], list[Campaign]]:
    names = [f"C{i}" for i in range(draw(st.integers(1, 3)))]
    live = [{"Name": n, "Status": draw(st.sampled_from(["RUNNING", "STOPPED", "SETUP", "START_PENDING"])),
             **draw(_fields(True))} for n in names]
    kept = draw(st.lists(st.sampled_from(names), unique=True))
    desired = [{"Name": n, **draw(_fields(False))} for n in kept]
    desired += [{"Name": f"N{i}", **draw(_fields(False))} for i in range(draw(st.integers(0, 2)))]
    for d in desired:
        if draw(st.booleans()):
            d["Status"] = draw(st.sampled_from(["RUNNING", "STOPPED", "ARCHIVED"]))
    return live, desired


@contextlib.contextmanager
def _repository(live: list[Campaign], desired: list[Campaign]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "reconciler.yaml").write_text(CONFIG_YAML)
        (root / "seed.json").write_text(json.dumps({"campaigns": [{"id": i + 1, **c} for i, c in enumerate(live)]}))
        for c in desired:
            (root / f"{c['Name']}.yaml").write_text(json.dumps({"account": "c", **c}))
        yield root


def _unset(doc: Campaign) -> list[str]:
    """The configuration fields (flat names) a document leaves to CallFire."""
    return [name for name in CONFIG if name not in flatten(doc)]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_cf_01_eng_04_any_valid_states_apply_without_refusal_keep_unmanaged_fields_and_converge(
        scenario: tuple[list[Campaign], list[Campaign]]) -> None:
    live, desired = scenario
    with _repository(live, desired) as root:
        code, output = run_quietly("apply", str(root), "--yes")
        log = read_log(root / ".reconciler" / "sandbox" / "c.requests.jsonl")
        refused = [r for r in log if r["outcome"] not in ("ok", "duplicate")]
        assert code == 0 and not refused, output + json.dumps(refused)
        request_ids = [r["params"]["RequestId"] for r in log if r["operation"] in ("CreateCccCampaign",
                                                                                   "UpdateCccCampaign")]
        assert len(request_ids) == len(set(request_ids))  # CF-03: one each
        state = {c["Name"]: c for c in json.loads((root / ".reconciler" / "sandbox" / "c.json").read_text())
                 ["campaigns"]}
        for before in live:
            doc = next((d for d in desired if d["Name"] == before["Name"]), {})
            now, was = live_fields(state[before["Name"]]), live_fields(before)
            assert {k: now[k] for k in _unset(doc)} == {k: was[k] for k in _unset(doc)}  # CF-01
        code, output = run_quietly("plan", str(root), "--detailed-exitcode")
        assert code == 0, output
