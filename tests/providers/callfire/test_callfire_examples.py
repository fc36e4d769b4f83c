"""The example CallFire account end to end: plan -> apply -> plan is empty, over HTTP to its sandbox."""

from __future__ import annotations

import json
from typing import Any

from conftest import ROOT, Repo

from reconciler.providers.callfire import provider
from reconciler.providers.callfire.fields import CONFIG, live_fields
from reconciler.providers.callfire.model import CallFireCampaign

ACCOUNT = "callfire-demo"
SEED = ROOT / "examples" / "sandbox" / "callfire-demo.json"


def _seeded() -> dict[str, dict[str, Any]]:
    return {c["Name"]: c for c in json.loads(SEED.read_text())["campaigns"]}


def test_eng_04_the_callfire_example_converges(examples: Repo) -> None:
    first = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "Plan: 1 to create, 2 to update, 0 to delete, 2 to start, stop or archive (6 calls, 1 of them " \
           "destructive)." in first.out
    applied = examples.run("apply", "examples", "--account", ACCOUNT, "--yes")
    assert applied.code == 0, applied.err
    assert "Apply complete: 6 done, 0 failed, 0 skipped." in applied.out
    again = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    now = {c["Name"]: c for c in examples.state(ACCOUNT)["campaigns"]}
    before = _seeded()
    renewals = live_fields(now["Renewal calls"])
    unmanaged = [k for k in CONFIG if k not in ("Script", "Question")]
    assert {k: renewals[k] for k in unmanaged} == {k: live_fields(before["Renewal calls"])[k] for k in unmanaged}
    assert [q["Label"] for q in now["Renewal calls"]["Question"]] == ["Renew", "Notes"]  # CF-05
    assert (now["Customer survey"]["Status"], now["Customer survey"]["MultilineDialingRatio"]) == ("RUNNING", 2)
    assert now["Win-back calls"]["Status"] == "RUNNING"
    assert {k: now["Old list"][k] for k in before["Old list"]} == before["Old list"]  # untouched (ENG-03)
    writes = [e for e in examples.requests(ACCOUNT) if e["operation"] in ("CreateCccCampaign", "UpdateCccCampaign")]
    assert len(writes) == 3 and all(e["params"]["RequestId"].startswith("urn:uuid:") for e in writes)


def test_example_documents_name_their_schema_in_a_modeline() -> None:
    paths = sorted((ROOT / "examples" / "campaigns" / "callfire").glob("*.yaml"))
    assert len(paths) == 4
    for path in paths:
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../../schemas/callfire.campaign.schema.json"
        assert (path.parent / first.split("=", 1)[1]).resolve().exists()


def test_export_describes_each_seeded_campaign_with_no_change_to_plan() -> None:
    for name, row in _seeded().items():
        doc = provider.export(row)
        desired = provider.desired_fields(CallFireCampaign.model_validate({"account": ACCOUNT, **doc}))
        live = live_fields(row)
        assert {k: live[k] for k in desired} == desired
        assert doc["Name"] == name and "id" not in doc and "Created" not in doc


def test_import_writes_a_document_that_plans_clean(examples: Repo) -> None:
    assert examples.run("apply", "examples", "--account", ACCOUNT, "--yes").code == 0
    imported = examples.run("import", "--account", ACCOUNT, "examples")
    assert imported.code == 0, imported.err
    assert "campaigns/callfire-demo/old-list.yaml: Old list (id 24)" in imported.out
    written = (examples.path / "campaigns" / ACCOUNT / "old-list.yaml").read_text()
    assert "Status: ARCHIVED" in written and "Script:" in written
    assert examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode").code == 0
