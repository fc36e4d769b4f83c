"""The example Topsort account end to end: plan -> apply -> plan is empty, over HTTP to its sandbox."""

from __future__ import annotations

import json

from conftest import ROOT, Repo

from reconciler.providers.topsort import provider
from reconciler.providers.topsort.fields import live_fields
from reconciler.providers.topsort.model import TopsortCampaign

ACCOUNT = "topsort-demo"
SEED = ROOT / "examples" / "sandbox" / f"{ACCOUNT}.json"


def test_eng_04_the_topsort_example_converges(examples: Repo) -> None:
    first = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "Plan: 1 to create, 2 to update, 0 to delete (3 calls)." in first.out
    assert first.out.count("(TOP-03)") == 1  # the new campaign's past start date, said once
    applied = examples.run("apply", "examples", "--account", ACCOUNT, "--yes")
    assert applied.code == 0, applied.err
    assert "Apply complete: 3 done, 0 failed, 0 skipped." in applied.out
    assert "Verified: every touched campaign now matches the plan." in applied.out
    again = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    sent = [e["operation"] for e in examples.requests(ACCOUNT)]  # plan; apply: read, 3 writes, no read-back; plan
    assert sent[:2] == ["campaigns.list", "campaigns.list"] and sent[5:] == ["campaigns.list"]
    assert sorted(sent[2:5]) == ["campaigns.create", "campaigns.update", "campaigns.update"]
    by_name = {c["name"]: c for c in examples.state(ACCOUNT)["campaigns"]}
    assert by_name["Tent banners"]["budget"]["amount"] == 750000
    assert by_name["Tent banners"]["budget"]["amountUsed"] == 125000  # read-only, kept (TOP-09)
    assert by_name["Clearance"]["campaignType"] == "autobidding"
    assert by_name["Autumn launch"]["startDate"] != "2025-09-01T00:00:00Z"  # set to the moment it was created
    assert by_name["Summer listings"]["startDate"] == "2024-06-03T07:12:44Z"  # never touched
    assert "Old promotion" in by_name  # no document, prune is off (ENG-03)


def test_example_documents_name_their_schema_in_a_modeline() -> None:
    paths = sorted((ROOT / "examples" / "campaigns" / "topsort").glob("*.yaml"))
    assert len(paths) == 4
    for path in paths:
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../../schemas/topsort.campaign.schema.json"
        assert (path.parent / first.split("=", 1)[1]).resolve().exists()


def test_export_describes_each_seeded_campaign_with_no_change_to_plan() -> None:
    for row in json.loads(SEED.read_text())["campaigns"]:
        doc = provider.export(row)
        desired = provider.desired_fields(TopsortCampaign.model_validate({"account": ACCOUNT, **doc}))
        live = live_fields(row)
        assert not [k for k in desired if live.get(k) != desired[k] and not provider.settled(k, desired[k],
                                                                                              live.get(k))]
        assert {"name", "campaignType", "endDate"} <= set(doc) and "vendorId" not in doc and "bidCount" not in doc


def test_import_writes_the_campaign_no_document_describes_and_it_plans_clean(examples: Repo) -> None:
    imported = examples.run("import", "--account", ACCOUNT, "examples")
    assert imported.code == 0, imported.err
    assert "Imported 1 campaign(s) of account 'topsort-demo':" in imported.out and "Old promotion" in imported.out
    text = (examples.path / "campaigns" / ACCOUNT / "old-promotion.yaml").read_text()
    assert "isActive: false" in text and "startDate:" in text and "createdAt" not in text
    examples.run("apply", "examples", "--account", ACCOUNT, "--yes")
    assert examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode").code == 0
