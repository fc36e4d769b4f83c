"""ENG-09 with a slow vendor: a create whose answer was lost is committed by the vendor only later
(``commit_delay``). Apply looks it up with backoff until it finds it or the bound (``apply: {settle}``) passes;
it never sends it again, and when the bound passes first the operation is "unknown", the run exits 1 naming
it, and the next plan finds the campaign.

The vendor is served by the test, not by the run, so that it outlives the run as a real vendor would.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import Repo, uis_live_config, uis_vendor
from conftest import uis_seed as seed

from reconciler.engine.apply import Outcome, Status, execute
from reconciler.engine.run import verify
from reconciler.engine.verify import mismatches
from reconciler.errors import TransportError, VendorError
from reconciler.http import RetryPolicy
from reconciler.model import Action, Live, LiveState, Operation, Plan, Target
from reconciler.providers.uis import provider as uis_provider
from reconciler.sandbox.faults import FaultInjector, Faults
from reconciler.sandbox.store import SandboxStore, read_log

TOKEN = "slow-vendor-token"


class Vendor:
    def __init__(self, store: SandboxStore, app: FaultInjector, url: str) -> None:
        self.store, self.app, self.url = store, app, url

    def calls(self, operation: str) -> list[dict[str, object]]:
        return [r for r in read_log(self.store.log_path) if r["operation"] == operation]

    def names(self) -> list[str]:
        return [c["name"] for c in self.store.state["campaigns"]]

    def settle(self) -> None:
        """Wait until the vendor carried out every request whose answer it lost."""
        deadline = time.monotonic() + 10
        while self.app.late and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.app.late


@pytest.fixture
def vendor(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Vendor]]:
    """``vendor(commit_delay=S)``: a UIS vendor that loses the answer to the first create and carries it out
    S seconds later."""
    monkeypatch.setenv("UIS_TOKEN", TOKEN)
    with contextlib.ExitStack() as stack:

        def start(commit_delay: float) -> Vendor:
            faults = Faults(drop_rate=1, limit=1, commit_delay=commit_delay, only="create.campaigns")
            return Vendor(*stack.enter_context(uis_vendor(tmp_path_factory.mktemp("vendor"), TOKEN, faults)))

        yield start  # type: ignore[misc]


def _setup(repo: Repo, v: Vendor, settle: float) -> None:
    repo.write("reconciler.yaml", uis_live_config(v.url, "backoff: 0.02, backoff_cap: 0.1, attempts: 4, timeout: 2, "
                                                     f"settle: {settle}"))
    repo.write("new.yaml", "account: live\nname: New\nsite_id: 1\n")


def test_eng_09_a_create_the_vendor_commits_late_is_looked_up_until_found_never_sent_twice(
        repo: Repo, vendor: type[Vendor]) -> None:
    v = vendor(commit_delay=0.4)
    _setup(repo, v, settle=5)
    applied = repo.run("apply", "--yes")
    assert applied.code == 0, applied.err
    assert "its answer was lost, but it had taken effect" in applied.err + applied.out
    assert "Verified" in applied.out
    assert len(v.calls("create.campaigns")) == 1 and v.names() == ["New"]
    lookups = [r for r in v.calls("get.campaigns") if "filter" in r["params"]]  # type: ignore[operator]
    assert len(lookups) >= 2  # the first look-ups, before the vendor committed it, found nothing
    assert repo.run("plan", "--detailed-exitcode").code == 0


def test_eng_09_past_the_bound_the_create_is_unknown_exit_1_and_the_next_plan_finds_it(
        repo: Repo, vendor: type[Vendor]) -> None:
    v = vendor(commit_delay=1.0)
    _setup(repo, v, settle=0.2)
    applied = repo.run("apply", "--yes")
    assert applied.code == 1
    unknown = [line for line in applied.err.splitlines() if line.startswith("unknown: ")]
    assert len(unknown) == 1 and unknown[0].startswith("unknown: live / New: create (create.campaigns): its "
                                                       "answer was lost"), applied.err
    assert "was not sent again: run plan to see whether it did" in unknown[0]
    assert "1 unknown" in applied.out and "Verified" not in applied.out
    assert v.calls("create.campaigns") == [] and v.names() == []  # not yet carried out, and not re-sent
    v.settle()
    assert v.names() == ["New"]
    again = repo.run("plan", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err  # the next plan finds it: nothing to create
    assert len(v.calls("create.campaigns")) == 1


def test_eng_09_a_create_answered_with_500_is_looked_up_once_then_sent_again(repo: Repo) -> None:
    """A vendor that answered has finished with the request: absent on look-up is certain, so it is re-sent."""
    repo.write("reconciler.yaml", "version: 1\ndocuments: ['**/*.y*ml']\naccounts:\n  u:\n    provider: uis\n"
                                  "    sandbox:\n"
                                  "      seed: seed.json\n"
                                  "      faults: {error_rate: 1, limit: 1, only: create.campaigns}\n"
                                  "apply: {backoff: 0.01, backoff_cap: 0.05, attempts: 3, settle: 30}\n")
    repo.write_json("seed.json", seed())
    repo.write("new.yaml", "account: u\nname: New\nsite_id: 1\n")
    started = time.monotonic()
    applied = repo.run("apply", "--yes")
    assert applied.code == 0, applied.err
    assert time.monotonic() - started < 10  # not the 30 s bound of a lost answer
    lookups = [r for r in repo.requests("u") if r["operation"] == "get.campaigns" and "filter" in r["params"]]
    assert len(lookups) == 1
    assert [c["name"] for c in repo.state("u")["campaigns"]] == ["New"]


def test_never_verified_over_a_duplicate_create() -> None:
    """A created campaign found twice after apply is a verify failure naming both, not "Verified"."""
    twins = LiveState(tuple(Live(cid, "New", {"id": cid, "name": "New", "site_id": 1, "status": "active"})
                            for cid in (8, 9)))
    assert mismatches(uis_provider, [Target("u", "New", None, "New", None, {"site_id": 1})], twins) == [
        "u / New: 2 campaigns have its name after apply (ids 8, 9): a duplicate"]


def test_an_account_whose_answer_was_lost_is_read_back_not_verified_from_the_answers() -> None:
    """Answers describe only what was answered: after a lost answer the vendor may hold more (a duplicate)."""
    op = Operation("u:New:create", "u", "New", Action.CREATE, "create.campaigns", {})
    target = Target("u", "New", None, "New", None, {"site_id": 1})
    twins = LiveState(tuple(Live(cid, "New", {"id": cid, "name": "New", "site_id": 1, "status": "active"})
                            for cid in (8, 9)))

    class Answering:
        """A session whose writes answer with the whole campaign (``WriteAnswers``)."""

        reads = 0

        async def read(self, expected: int = 0) -> LiveState:
            self.reads += 1
            return twins

        def answered(self, op: Operation, result: object) -> Live:
            return twins.campaigns[0]

    config = SimpleNamespace(accounts={"u": SimpleNamespace(provider="uis")})
    for doubted in (False, True):
        session = Answering()
        outcome = Outcome(op, Status.DONE, result={"id": 8}, doubted=doubted)
        lines = asyncio.run(verify(config, Plan((op,), ("u",), (target,)), [outcome],  # type: ignore[arg-type]
                                   {"u": session}))  # type: ignore[dict-item]
        assert session.reads == int(doubted)
        assert lines == (["u / New: 2 campaigns have its name after apply (ids 8, 9): a duplicate"] if doubted
                         else [])


class _Lost:
    """A session whose create answer is lost, whose look-ups fail ``failing`` times, then find ``found``."""

    def __init__(self, failing: int, found: Mapping[str, Any] | None, final: bool = False) -> None:
        self.failing, self.found, self.final = failing, found, final
        self.sent = self.looks = 0

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        self.sent += 1
        raise TransportError("no answer from the vendor")

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        self.looks += 1
        if self.looks <= self.failing:
            raise VendorError("HTTP 500 from the look-up", final=self.final)
        return self.found


CREATE = Operation("u:New:create", "u", "New", Action.CREATE, "create.campaigns", {"name": "New"})
QUICK = RetryPolicy(attempts=3, base=0.01, cap=0.02)


def test_eng_09_failing_look_ups_are_retried_until_one_answers() -> None:
    session = _Lost(failing=3, found={"id": 9})
    outcome = asyncio.run(execute(session, CREATE, CREATE.request, QUICK, settle=5))  # type: ignore[arg-type]
    assert (outcome.status, outcome.result, session.sent, session.looks) == (Status.DONE, {"id": 9}, 1, 4)


def test_eng_09_look_ups_that_never_answer_end_unknown_without_sending_again() -> None:
    session = _Lost(failing=10**6, found=None)
    outcome = asyncio.run(execute(session, CREATE, CREATE.request, QUICK, settle=0.2))  # type: ignore[arg-type]
    assert outcome.status is Status.UNKNOWN and session.sent == 1
    assert "(the last one failed: HTTP 500 from the look-up)" in outcome.detail


def test_eng_09_a_final_look_up_error_ends_unknown_at_once() -> None:
    session = _Lost(failing=1, found=None, final=True)
    outcome = asyncio.run(execute(session, CREATE, CREATE.request, QUICK, settle=60))  # type: ignore[arg-type]
    assert outcome.status is Status.UNKNOWN and session.sent == 1 and session.looks == 1
