"""Topsort planning rules, each driven through the CLI against the Topsort sandbox over HTTP."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Repo

ACCOUNT = "t"
CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  t:
    provider: topsort
    sandbox: {seed: seed.json}
    vendor_id: acme
"""
WRITES = ("campaigns.create", "campaigns.update", "campaigns.delete")
FILES = itertools.count(1)
BIDS = "bids:\n  - {target: {id: sku-1, type: product}, amount: 50}\n"


def campaign(n: int, name: str, **fields: Any) -> dict[str, Any]:
    """A started manual listing campaign of vendor acme, in the sandbox seed format."""
    return {"campaignId": f"00000000-0000-4000-8000-{n:012d}", "name": name, "campaignType": "manual",
            "vendorId": "acme", "startDate": "2024-01-01T00:00:00Z", "endDate": "2099-01-01T00:00:00Z", **fields}


def document(repo: Repo, text: str) -> str:
    """Replace the campaign documents by one new file holding ``text`` and return its name: a new name each
    time, so nothing remembered about an earlier file of the same name can apply."""
    for old in repo.path.glob("doc*.yaml"):
        old.unlink()
    name = f"doc{next(FILES)}.yaml"
    repo.write(name, text)
    return name


def writes(repo: Repo, since: int = 0) -> list[dict[str, Any]]:
    return [r for r in repo.requests(ACCOUNT)[since:] if r["operation"] in WRITES]


def bodies(repo: Repo) -> list[Any]:
    return [w["params"].get("body") for w in writes(repo)]


def converge(repo: Repo) -> None:
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "Verified: every touched campaign now matches the plan." in applied.out
    again = repo.run("plan", ".", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def refused(repo: Repo, *expected: str, command: str = "plan") -> str:
    """Plan (or validate) fails naming each expected problem, and nothing is written."""
    before = len(writes(repo))
    result = repo.run(command, ".")
    assert result.code == 1, result.out
    for line in expected:
        assert line in result.err, result.err
    assert len(writes(repo)) == before
    return result.err


@pytest.fixture
def ts(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", CONFIG)
    return repo


def test_top_01_plan_sends_only_the_changed_fields_and_nested_objects_whole(ts: Repo) -> None:
    filters = {"isActive": True, "targetingFilters": [{"type": "audience", "segmentId": 4},
                                                      {"type": "audience", "segmentId": 9}]}
    ts.write_json("seed.json", {"campaigns": [campaign(1, "A", isSmart=True, targetingFilters=filters)]})
    document(ts, """
        account: t
        name: A
        isSmart: true
        isActive: false
        targetingFilters:
          targetingFilters:
            - {type: audience, segmentId: 9}
            - {type: audience, segmentId: 5}
    """)
    planned = ts.run("plan", ".")
    assert "targetingFilters.targetingFilters[0].segmentId: 4 -> 5" in planned.out  # shown leaf by leaf
    converge(ts)
    assert bodies(ts) == [{"isActive": False, "targetingFilters": {"isActive": True, "targetingFilters": [
        {"type": "audience", "segmentId": 5}, {"type": "audience", "segmentId": 9}]}}]  # sent whole


def test_top_02_plan_refuses_an_empty_name_at_its_line(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": []})
    doc = document(ts, "account: t\nname: ''\ncampaignType: manual\n" + BIDS)
    refused(ts, f"{doc}:2:7: TOP-02 name: String should have at least 1 character", command="validate")


def test_top_03_plan_a_past_start_date_warns_once_then_never_shows_as_a_change(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "Later", startDate="2098-01-01T00:00:00Z")]})
    document(ts, "account: t\nname: Later\nstartDate: 2021-03-01T00:00:00Z\n---\n"
                 "account: t\nname: New\ncampaignType: manual\nstartDate: 2020-01-01T00:00:00+02:00\n" + BIDS)
    planned = ts.run("plan", ".")
    assert 'startDate: "2098-01-01T00:00:00Z" -> "2021-03-01T00:00:00Z"' in planned.out
    assert planned.out.count("is in the past: Topsort sets it to the moment the request arrives (TOP-03)") == 2
    before = datetime.now(UTC).replace(microsecond=0)
    converge(ts)  # apply, then plan: no changes although live start dates are not the documents' ones
    starts = [datetime.fromisoformat(c["startDate"].replace("Z", "+00:00")) for c in ts.state(ACCOUNT)["campaigns"]]
    assert len(starts) == 2 and all(before <= s <= datetime.now(UTC) for s in starts), starts
    again = ts.run("plan", ".")
    assert "No changes" in again.out and "TOP-03" not in again.out  # warned once, in the plan that sent it
    assert sorted(w["params"]["body"]["startDate"] for w in writes(ts)) == ["2019-12-31T22:00:00Z",
                                                                            "2021-03-01T00:00:00Z"]


def test_top_04_plan_checks_the_end_against_the_start_it_leaves_live(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "A", startDate="2098-01-01T00:00:00Z")]})
    doc = document(ts, "account: t\nname: A\nendDate: 2097-12-31T00:00:00Z\n---\n"
                       "account: t\nname: B\ncampaignType: manual\nstartDate: 2020-01-01T00:00:00Z\n"
                       "endDate: 2021-01-01T00:00:00Z\n" + BIDS)
    refused(ts, f"{doc}:3:10: TOP-04 campaign 'A': endDate 2097-12-31T00:00:00Z is not later than the start "
                "date 2098-01-01T00:00:00Z",  # the live start, which the document does not change
            f"{doc}:9:10: TOP-04 campaign 'B': endDate 2021-01-01T00:00:00Z is not later than the start date")
    doc = document(ts, "account: t\nname: A\nstartDate: 2098-02-01T00:00:00Z\nendDate: 2098-01-15T00:00:00Z\n")
    refused(ts, f"{doc}:4:10: TOP-04 campaign 'A': endDate 2098-01-15T00:00:00Z is not later than the start "
                "date 2098-02-01T00:00:00Z", command="validate")


def test_top_05_plan_campaign_type_changes_in_place_only_to_autobidding_else_replaces(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "Auto", campaignType="autobidding", bidCount=1),
                                              campaign(2, "Manual")]})
    doc = document(ts, "account: t\nname: Auto\ncampaignType: exclusive\n" + BIDS +
                   "---\naccount: t\nname: Manual\ncampaignType: autobidding\n")
    refused(ts, f"{doc}:3:15: TOP-05 campaignType can only be changed to autobidding (autobidding -> exclusive); "
                "set lifecycle: {allow_replace: true}")
    document(ts, "account: t\nname: Auto\ncampaignType: exclusive\nlifecycle: {allow_replace: true}\n" + BIDS
             + "---\naccount: t\nname: Manual\ncampaignType: autobidding\n")
    planned = ts.run("plan", ".")
    assert "-/+ t / Auto: replace (DELETE /campaigns/{campaignId})" in planned.out
    assert "-/+ t / Auto: replace (POST /campaigns)" in planned.out
    assert "Plan: 0 to create, 1 to update, 0 to delete, 1 to replace (3 calls)." in planned.out
    converge(ts)
    sent = [w["operation"] for w in writes(ts)]
    assert sorted(sent) == ["campaigns.create", "campaigns.delete", "campaigns.update"]
    assert sent.index("campaigns.delete") < sent.index("campaigns.create")  # the old one goes first
    assert {c["name"]: c["campaignType"] for c in ts.state(ACCOUNT)["campaigns"]} == {
        "Auto": "exclusive", "Manual": "autobidding"}


def test_top_06_plan_checks_roas_objective_and_product_ids_against_the_live_campaign(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "A"), campaign(2, "B", adFormat="banner")]})
    doc = document(ts, "account: t\nname: A\nautobiddingObjective: clicks\nproductIds: [p1]\n")
    refused(ts, f"{doc}:3:23: TOP-06 campaign 'A': autobiddingObjective is only for autobidding campaigns "
                "(campaignType is manual)",
            f"{doc}:4:13: TOP-06 campaign 'A': productIds are only for banner campaigns (adFormat is listing)")
    doc = document(ts, "account: t\nname: A\ntargetRoas: 25\n")
    refused(ts, f"{doc}:3:13: TOP-06 targetRoas: Input should be less than or equal to 20", command="validate")
    document(ts, "account: t\nname: A\ncampaignType: autobidding\nautobiddingObjective: clicks\n"
                 "targetRoas: 0.5\n---\naccount: t\nname: B\nproductIds: [p2, p1]\n")
    converge(ts)
    assert sorted(map(str, bodies(ts))) == sorted(map(str, [
        {"autobiddingObjective": "clicks", "campaignType": "autobidding", "targetRoas": 0.5},
        {"productIds": ["p1", "p2"]}]))


def test_top_07_plan_identifies_by_external_id_and_refuses_duplicates(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "Old name", externalCampaignId="X-1"),
                                              campaign(2, "Second", externalCampaignId="X-2")]})
    document(ts, "account: t\nexternalCampaignId: X-1\nname: New name\n")
    planned = ts.run("plan", ".")
    assert "~ t / X-1: update" in planned.out and 'name: "Old name" -> "New name"' in planned.out
    converge(ts)
    doc = document(ts, "account: t\nexternalCampaignId: X-1\n---\naccount: t\nexternalCampaignId: X-1\n")
    err = refused(ts, f"{doc}:5:21: TOP-07 externalCampaignId 'X-1' is already used by the document at ",
                  command="validate")
    assert f"{doc}:2:21\n" in err
    doc = document(ts, f"account: t\ncampaignId: {campaign(2, '')['campaignId']}\nexternalCampaignId: X-1\n")
    refused(ts, f"{doc}:3:21: TOP-07 externalCampaignId 'X-1' is already used by campaign 'X-1")


def test_top_08_plan_checks_the_budget_and_cpa_against_the_live_budget(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "A", budget={"amount": 100, "type": "daily"})]})
    doc = document(ts, "account: t\nname: A\nchargeType: CPA\n")
    refused(ts, f"{doc}:3:13: TOP-08 campaign 'A': chargeType CPA needs a budget of type total (the budget type "
                "is daily)")
    doc = document(ts, "account: t\nname: A\nbudget: {amount: 2000000000, type: weekly}\n")
    refused(ts, f"{doc}:3:18: TOP-08 budget.amount: Input should be less than 2000000000", command="validate")
    document(ts, "account: t\nname: A\nchargeType: CPA\nbudget: {amount: 1999999999, type: total}\n")
    converge(ts)
    assert bodies(ts) == [{"budget": {"amount": 1999999999, "type": "total"}, "chargeType": "CPA"}]


def test_top_09_plan_never_diffs_or_sends_read_only_fields(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "A", bidCount=4, createdAt="2023-02-02T00:00:00Z",
                                                       budget={"amount": 100, "type": "daily", "amountUsed": 60})]})
    document(ts, "account: t\nname: A\nbudget: {amount: 100, type: daily}\nvendor_id: acme\n")
    assert ts.run("plan", ".", "--detailed-exitcode").code == 0  # amountUsed & co never diffed
    doc = document(ts, "account: t\nname: A\nbidCount: 4\nbudget: {amount: 100, type: daily, amountUsed: 60}\n")
    refused(ts, f"{doc}:3:1: TOP-09 unknown field 'bidCount'", f"{doc}:4:36: TOP-09 unknown field 'amountUsed'",
            command="validate")
    doc = document(ts, "account: t\nname: A\nadFormat: banner\n")
    refused(ts, f"{doc}:3:11: TOP-09 adFormat is fixed once the campaign exists (listing -> banner)")
    document(ts, "account: t\nname: A\nbudget: {amount: 150, type: daily}\n")
    converge(ts)
    assert bodies(ts) == [{"budget": {"amount": 150, "type": "daily"}}]
    assert ts.state(ACCOUNT)["campaigns"][0]["budget"]["amountUsed"] == 60


def test_top_10_plan_create_needs_name_bids_type_and_vendor_and_bids_never_change_after(ts: Repo) -> None:
    ts.write_json("seed.json", {"campaigns": [campaign(1, "A", bidCount=1)]})
    doc = document(ts, "account: t\nname: New\nisSmart: true\n---\naccount: t\nname: A\n" + BIDS +
                   "  - {target: {id: shoes, type: product}, amount: 20}\n")
    refused(ts, f"{doc}:1:1: TOP-10 campaign 'New' does not exist yet, and creating it needs bids, campaignType",
            f"{doc}:8:3: TOP-10 bids are create-time only and a change of bids after create is not supported: the "
            "campaign has 1 bid(s), the document lists 2")
    ts.write("reconciler.yaml", CONFIG.replace("    vendor_id: acme\n", ""))
    document(ts, "account: t\nname: New\ncampaignType: manual\n" + BIDS + "---\naccount: t\nname: A\n" + BIDS)
    refused(ts, "TOP-10 campaign 'New' does not exist yet, and creating it needs vendor_id (in the document or on "
                "the account in reconciler.yaml)")
    document(ts, "account: t\nname: New\ncampaignType: manual\nvendor_id: shop-2\n" + BIDS +
             "---\naccount: t\nname: A\n" + BIDS)  # as many bids as live: no change
    converge(ts)
    [create] = writes(ts)
    assert create["params"]["vendor_id"] == "shop-2" and create["params"]["body"]["bids"] == [
        {"target": {"id": "sku-1", "type": "product"}, "amount": 50}]


def test_top_11_plan_and_apply_pace_themselves_by_the_x_ratelimit_headers(ts: Repo) -> None:
    ts.write("reconciler.yaml", CONFIG.replace("sandbox: {seed: seed.json}",
                                               "sandbox: {seed: seed.json, limits: {minute: 3, window_s: 0.4}}"))
    ts.write_json("seed.json", {"campaigns": [campaign(i, f"C{i}") for i in range(1, 8)]})
    document(ts, "\n---\n".join(f"account: t\nname: C{i}\nisSmart: true" for i in range(1, 8)) + "\n")
    converge(ts)
    outcomes = [r["outcome"] for r in ts.requests(ACCOUNT)]
    assert len(writes(ts)) == 7 and all(o == "ok" for o in outcomes), outcomes  # waited, never refused


def test_prune_deletes_campaigns_without_a_document(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG + "    prune: true\n")
    repo.write_json("seed.json", {"campaigns": [campaign(1, "A"), campaign(2, "Gone")]})
    document(repo, "account: t\nname: A\n")
    converge(repo)
    assert [(w["operation"], w["params"]["campaignId"]) for w in writes(repo)] == [
        ("campaigns.delete", campaign(2, "")["campaignId"])]
