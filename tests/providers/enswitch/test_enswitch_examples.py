"""The example Enswitch account end to end: plan -> apply -> plan is empty, over HTTP to its sandbox."""

from __future__ import annotations

import json

from conftest import ROOT, Repo

from reconciler.providers.enswitch import provider
from reconciler.providers.enswitch.fields import live_fields
from reconciler.providers.enswitch.model import EnswitchCampaign

ACCOUNT = "enswitch-demo"


def test_eng_04_the_enswitch_example_converges(examples: Repo) -> None:
    first = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode", "--validate-remote")
    assert first.code == 2, first.err
    assert "Plan: 1 to create, 2 to update, 0 to delete (3 calls)." in first.out
    assert "Remote validation: the vendors accept all 3 checked request(s)." in first.err
    applied = examples.run("apply", "examples", "--account", ACCOUNT, "--yes", "--validate-remote")
    assert applied.code == 0, applied.err
    assert "Apply complete: 3 done, 0 failed, 0 skipped." in applied.out
    again = examples.run("plan", "examples", "--account", ACCOUNT, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    writes = [e for e in examples.requests(ACCOUNT) if e["operation"] != "bulk/campaigns/list"
              and e["params"].get("validation") != "1"]
    renewals = next(e["params"] for e in writes if e["params"].get("id") == "11")
    assert renewals["keep_agents_available"] == "2"  # ENS-01: kept although the document does not manage it
    names = {c["name"]: c for c in examples.state(ACCOUNT)["campaigns"]}
    assert names["Renewals"]["keep_agents_available"] == 2 and names["Win-back"]["enabled"] == 0
    assert "Old promotion" in names  # no document, prune is off (ENG-03)


def test_example_documents_name_their_schema_in_a_modeline() -> None:
    for path in sorted((ROOT / "examples" / "campaigns" / "enswitch").glob("*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../../schemas/enswitch.campaign.schema.json"
        assert (path.parent / first.split("=", 1)[1]).resolve().exists()


def test_export_describes_each_seeded_campaign_with_no_change_to_plan() -> None:
    seed = json.loads((ROOT / "examples" / "sandbox" / "enswitch-demo.json").read_text())
    for row in seed["campaigns"]:
        raw = {k: str(v) for k, v in row.items()}  # ENS-08: as the API answers it
        doc = provider.export(raw)
        desired = provider.desired_fields(EnswitchCampaign.model_validate({"account": ACCOUNT, **doc}))
        live = live_fields(raw)
        assert {k: live[k] for k in desired} == desired
        assert {"name", "dtype", "dnumber"} <= set(doc)
