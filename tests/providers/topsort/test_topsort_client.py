"""The Topsort client: the API key never leaks, refusals are final, 429 and 5xx are retried when the
X-RateLimit reset says (TOP-11), a lost create is looked up (ENG-09), all pages are read, and the PATCH
answer verifies the result without another read."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, assert_nothing_leaks, canary_vendor

from reconciler.engine.apply import Status, execute
from reconciler.errors import VendorError
from reconciler.http import RetryPolicy, new_client
from reconciler.model import Action, Operation
from reconciler.providers.topsort.client import TopsortSession
from reconciler.providers.topsort.model import TopsortSeed
from reconciler.providers.topsort.rules import CREATE, DELETE, UPDATE
from reconciler.providers.topsort.sandbox import build_app
from reconciler.sandbox.faults import Faults, with_faults
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore

KEY = f"CANARYKEY{secrets.token_hex(8)}"
WRONG = f"CANARYWRONG{secrets.token_hex(8)}"
CANARIES = (KEY, WRONG)
CID = "00000000-0000-4000-8000-000000000001"
SEED = {"campaigns": [{"campaignId": CID, "name": "A", "campaignType": "manual", "vendorId": "acme",
                       "startDate": "2024-01-01T00:00:00Z", "endDate": "2099-01-01T00:00:00Z"}]}
CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  live:
    provider: topsort
    endpoint: URL
    credentials: {api_key: "${env:TOPSORT_KEY}"}
    vendor_id: acme
apply: {attempts: 3, backoff: 0.01}
"""
SANDBOX = """
version: 1
documents: ['**/*.y*ml']
accounts:
  t:
    provider: topsort
    sandbox: {seed: seed.json, FAULTS}
    vendor_id: acme
apply: {attempts: 6, backoff: 0.01, backoff_cap: 0.05}
"""
NEW = "account: t\nexternalCampaignId: N-1\nname: New\ncampaignType: manual\nbids: [{target: {id: s, type: product}, " \
      "amount: 5}]\n"



@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[tuple[SandboxStore, str, str]]:
    """A stand-in for the real Topsort that knows the canary key, and one answering only HTTP 500."""
    with canary_vendor(tmp_path, SEED, TopsortSeed, CANARIES, lambda store: build_app(store, KEY, RateLimits())) as v:
        yield v


def test_the_api_key_never_appears_in_output_debug_log_plan_file_or_request_log(
        repo: Repo, vendor: tuple[SandboxStore, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    store, good, bad = vendor
    monkeypatch.setenv("TOPSORT_KEY", KEY)
    repo.write("reconciler.yaml", CONFIG.replace("URL", good))
    repo.write("a.yaml", "account: live\nname: A\nisSmart: true\n")
    outputs = [repo.run("--debug", "plan", "-o", "plan.json"), repo.run("--debug", "show", "plan.json"),
               repo.run("--debug", "apply", "--yes")]
    assert [r.code for r in outputs] == [0, 0, 0], outputs
    assert "-> GET /public/v1/campaign-service/campaigns" in outputs[0].err  # the DEBUG log did run
    monkeypatch.setenv("TOPSORT_KEY", WRONG)
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "refused: HTTP 401 invalid_api_key" in outputs[-1].err
    assert "(check the account's api_key)" in outputs[-1].err
    assert len([e for e in store.log_path.read_text().splitlines() if "invalid_api_key" in e]) == 1  # final
    monkeypatch.setenv("TOPSORT_KEY", KEY)
    repo.write("reconciler.yaml", CONFIG.replace("URL", bad))
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "refused: HTTP 500" in outputs[-1].err
    assert_nothing_leaks(CANARIES, outputs, store, repo.path)


def test_top_11_a_429_waits_for_the_x_ratelimit_reset_then_succeeds(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    store = SandboxStore.open(tmp_path / "s", "t", tmp_path / "seed.json", TopsortSeed, [KEY])
    op = Operation("x", "t", "A", Action.UPDATE, UPDATE, {"campaignId": CID, "body": {"isSmart": True}})

    async def run(url: str) -> tuple[VendorError, Status, int]:
        limited = TopsortSession(url, KEY, None, new_client(local=True))
        other = TopsortSession(url, KEY, None, new_client(local=True))  # another client used the calls up
        try:
            await other.call("GET", f"/{CID}")
            with pytest.raises(VendorError) as refused:
                await limited.call("GET", f"/{CID}")
            outcome = await execute(limited, op, op.request, RetryPolicy(attempts=3, base=0.01, cap=0.01))
            return refused.value, outcome.status, outcome.attempts
        finally:
            await limited.aclose()
            await other.aclose()

    with SandboxServer(build_app(store, KEY, RateLimits(minute_limit=1, window_s=0.6))) as server:
        exc, status, attempts = asyncio.run(run(server.url))
    assert (exc.code, exc.final, exc.maybe_applied) == ("too_many_requests", False, False)
    assert exc.retry_after is not None and 0 <= exc.retry_after <= 1  # X-RateLimit-Reset, in seconds
    assert status is Status.DONE and attempts <= 2  # waited for the reset instead of spending retries


def test_top_11_429_and_5xx_are_retried_with_backoff_and_a_create_is_never_doubled(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    store = SandboxStore.open(tmp_path / "s", "t", tmp_path / "seed.json", TopsortSeed, [KEY])
    create = Operation("c", "t", "N", Action.CREATE, CREATE, {"vendor_id": "acme", "body": {
        "name": "N", "campaignType": "manual", "bids": [{"target": {"id": "s", "type": "product"}, "amount": 5}]}})
    update = Operation("u", "t", "A", Action.UPDATE, UPDATE, {"campaignId": CID, "body": {"isSmart": True}})
    faults = Faults(error_rate=0.5, rate_429=0.5, retry_after=0, seed=3, limit=4)  # the first 4 requests fail

    async def run(url: str) -> list[tuple[Status, int]]:
        policy = RetryPolicy(attempts=4, base=0.01, cap=0.02)
        session = TopsortSession(url, KEY, None, new_client(local=True), policy)
        try:
            return [(o.status, o.attempts) for o in [await execute(session, op, op.request, policy)
                                                     for op in (create, update)]]
        finally:
            await session.aclose()

    with SandboxServer(with_faults(build_app(store, KEY, RateLimits()), faults, store)) as server:
        (created, tries), (updated, _) = asyncio.run(run(server.url))
    assert (created, updated, tries > 1) == (Status.DONE, Status.DONE, True)
    log = [e["operation"] for e in map(json.loads, store.log_path.read_text().splitlines())]
    assert log.count("campaigns.create") == 1 and log.count("campaigns.update") == 1  # 4 faults, nothing doubled
    assert {c["name"]: c["isSmart"] for c in store.state["campaigns"]} == {"A": True, "N": False}


def test_eng_09_a_create_whose_answer_was_lost_is_looked_up_not_repeated(repo: Repo) -> None:
    repo.write("reconciler.yaml", SANDBOX.replace("FAULTS", "faults: {drop_rate: 1, limit: 1}"))
    repo.write_json("seed.json", SEED)
    repo.write("a.yaml", NEW)
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "its answer was lost, but it had taken effect" in applied.out
    assert "Verified" in applied.out
    assert len([r for r in repo.requests("t") if r["operation"] == "campaigns.create"]) == 1
    assert repo.run("plan", ".", "--detailed-exitcode").code == 0


def test_eng_09_a_delete_whose_answer_was_lost_is_looked_up_by_its_id(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    store = SandboxStore.open(tmp_path / "s", "t", tmp_path / "seed.json", TopsortSeed, [KEY])
    op = Operation("x", "t", "A", Action.DELETE, DELETE, {"campaignId": CID})

    async def recovered(url: str) -> list[Any]:
        session = TopsortSession(url, KEY, None, new_client(local=True))
        try:
            before = await session.recover(op, op.request)  # still there: it did not take effect
            await session.execute(op, op.request)
            return [before, await session.recover(op, op.request)]  # gone: it did
        finally:
            await session.aclose()

    with SandboxServer(build_app(store, KEY, RateLimits())) as server:
        assert asyncio.run(recovered(server.url)) == [None, {}]


def test_top_01_the_patch_answer_verifies_the_result_without_another_read(repo: Repo) -> None:
    repo.write("reconciler.yaml", SANDBOX.replace(", FAULTS", ""))
    repo.write_json("seed.json", SEED)
    repo.write("a.yaml", NEW + "---\naccount: t\nname: A\nisSmart: true\n")
    applied = repo.run("apply", ".", "--yes")
    assert "Verified: every touched campaign now matches the plan." in applied.out, applied.err
    first, *then = [r["operation"] for r in repo.requests("t")]
    assert first == "campaigns.list" and sorted(then) == ["campaigns.create", "campaigns.update"]  # no read-back


def test_verify_reads_back_when_an_answer_does_not_hold_the_campaign(repo: Repo,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("reconciler.yaml", SANDBOX.replace(", FAULTS", ""))
    repo.write_json("seed.json", SEED)
    repo.write("a.yaml", "account: t\nname: A\nisSmart: true\n")
    monkeypatch.setattr(TopsortSession, "answered", lambda self, op, result: None)
    applied = repo.run("apply", ".", "--yes")
    assert "Verified" in applied.out, applied.err
    assert [r["operation"] for r in repo.requests("t")] == ["campaigns.list", "campaigns.update", "campaigns.list"]


def test_every_page_is_read(repo: Repo) -> None:
    repo.write("reconciler.yaml", SANDBOX.replace(", FAULTS", ""))
    campaigns: list[dict[str, Any]] = [{**SEED["campaigns"][0], "campaignId": f"00000000-0000-4000-8000-{i:012d}",
                                        "name": f"C{i}"} for i in range(1, 6)]
    repo.write_json("seed.json", {"page_limit": 2, "campaigns": campaigns})
    repo.write("a.yaml", "\n---\n".join(f"account: t\nname: C{i}\nisSmart: false" for i in range(1, 6)) + "\n")
    assert repo.run("plan", ".", "--detailed-exitcode").code == 0
    assert [r["params"]["offset"] for r in repo.requests("t")] == ["0", "2", "4"]
