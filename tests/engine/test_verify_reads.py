"""Verify reads back only what apply touched where the vendor's API can select it (issue 21): counted in
the sandboxes' request logs (UIS: a get.campaigns filter; CallFire: GetCccCampaign by id, a Name query)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, uis_campaign, uis_config, uis_seed

from reconciler.config import load_config
from reconciler.engine.connect import connect
from reconciler.engine.verify import read_back
from reconciler.errors import AccountsFailed, VendorError
from reconciler.http import new_client
from reconciler.model import Live, LiveState, Target
from reconciler.providers.base import ReadsTouched
from reconciler.providers.callfire.client import CallFireSession
from reconciler.providers.callfire.model import CallFireSeed
from reconciler.providers.callfire.sandbox import PREFIX
from reconciler.providers.callfire.sandbox import build_app as callfire_app
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

N = 30


def _reads(repo: Repo, since: int) -> list[dict[str, Any]]:
    return [r for r in repo.requests("u")[since:] if r["operation"] == "get.campaigns"]


def test_verify_after_changing_one_of_thirty_campaigns_reads_back_that_one_by_id(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed(*(uis_campaign(100 + i, f"C{i}", description="old") for i in range(N))))
    for i in range(N):
        repo.write(f"c{i}.yaml", f"account: u\nname: C{i}\ndescription: {'new' if i == 7 else 'old'}\n")
    done = repo.run("apply", ".", "--yes")
    assert done.code == 0, done.err
    assert "Verified: every touched campaign now matches the plan." in done.out
    log = repo.requests("u")
    last_write = max(i for i, r in enumerate(log) if r["operation"] == "update.campaigns")
    [verify] = _reads(repo, last_write)
    # by id, and by name for a campaign the plan replaces (a new id): the touched one only
    assert verify["params"]["filter"] == {"condition": "or", "filters": [
        {"field": "id", "operator": "in", "value": [107]}, {"field": "name", "operator": "in", "value": ["C7"]}]}
    assert "limit" in verify["params"] and verify["outcome"] == "ok"
    [plan_read] = _reads(repo, 0)[:1]
    assert "filter" not in plan_read["params"]  # planning reads the whole account, as it must


def test_created_updated_and_deleted_campaigns_are_read_back_by_name_or_id_and_verify_sees_each(
        repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config(prune=True))
    repo.write_json("seed.json", uis_seed(*(uis_campaign(100 + i, f"C{i}", description="old") for i in range(4))))
    for i in (0, 1, 3):  # C2 is deleted (not the last id: the sandbox gives a new campaign the next one)
        repo.write(f"c{i}.yaml", f"account: u\nname: C{i}\ndescription: {'new' if i == 1 else 'old'}\n")
    repo.write("n.yaml", "account: u\nname: Fresh\nsite_id: 1\n")
    done = repo.run("apply", ".", "--yes")
    assert done.code == 0, done.err
    assert "Verified" in done.out
    [verify] = _reads(repo, max(i for i, r in enumerate(repo.requests("u")) if r["operation"].endswith("campaigns")
                                and not r["operation"].startswith("get")))
    assert verify["params"]["filter"] == {"condition": "or", "filters": [
        {"field": "id", "operator": "in", "value": [101, 102]},
        {"field": "name", "operator": "in", "value": ["C1", "C2", "Fresh"]}]}


class WholeReadOnly:
    """A session of a vendor whose API cannot select campaigns: verify reads the account."""

    def __init__(self) -> None:
        self.reads = 0

    async def read(self, expected: int = 0) -> LiveState:
        self.reads += 1
        return LiveState((Live(1, "A", {"name": "A"}),))


def test_a_session_without_selective_reads_is_read_whole() -> None:
    session = WholeReadOnly()
    target = Target("a", "A", 1, "A", None, {"name": "A"})
    live = asyncio.run(read_back({"a": session}, {"a": [target]}))  # type: ignore[dict-item]
    assert session.reads == 1 and [c.id for c in live["a"].campaigns] == [1]


class Meeting:
    """Two sessions whose reads each wait for the other's to have started: read one after the other, they
    would wait for ever (here: fail after 5 s)."""

    def __init__(self) -> None:
        self.whole, self.touched = asyncio.Event(), asyncio.Event()

    async def read(self, expected: int = 0) -> LiveState:
        self.whole.set()
        await asyncio.wait_for(self.touched.wait(), 5)
        return LiveState((Live(1, "A", {"name": "A"}),))

    async def read_touched(self, ids: set[object], keys: set[str]) -> LiveState:
        self.touched.set()
        await asyncio.wait_for(self.whole.wait(), 5)
        return LiveState((Live(2, "B", {"name": "B"}),))


def test_an_account_read_whole_and_another_s_touched_campaigns_are_read_at_the_same_time() -> None:
    # After a lost answer one account is read whole (a duplicate may hide there) while another's touched
    # campaigns are read back: at once, not one after the other.
    meeting = Meeting()

    async def both() -> dict[str, LiveState]:
        return await read_back({"a": meeting, "b": meeting},  # type: ignore[dict-item]
                               {"a": [Target("a", "A", 1, "A", None, {"name": "A"})],
                                "b": [Target("b", "B", 2, "B", None, {"name": "B"})]}, {"a"})

    live = asyncio.run(both())
    assert {name: [c.id for c in state.campaigns] for name, state in live.items()} == {"a": [1], "b": [2]}


class Refusing(WholeReadOnly):
    """A session whose touched read is refused by the vendor."""

    async def read_touched(self, ids: set[object], keys: set[str]) -> LiveState:
        raise VendorError("503 Service Unavailable")


def test_a_failing_read_back_names_its_account_and_every_other_account_s_failure_too() -> None:
    target = Target("x", "A", 1, "A", None, {"name": "A"})
    with pytest.raises(AccountsFailed) as caught:
        asyncio.run(read_back({"ok": WholeReadOnly(), "x": Refusing(), "y": Refusing()},  # type: ignore[dict-item]
                              {"ok": [target], "x": [target], "y": [target]}))
    assert str(caught.value).splitlines() == [
        "account 'x': reading back the touched campaigns failed: 503 Service Unavailable",
        "account 'y': reading back the touched campaigns failed: 503 Service Unavailable"]


def test_the_sandbox_answers_a_touched_read_with_the_selected_campaigns_only(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed(*(uis_campaign(100 + i, f"C{i}") for i in range(N))))
    config = load_config(repo.path)

    async def touched() -> LiveState:
        async with connect(config, config.accounts["u"]) as session:
            assert isinstance(session, ReadsTouched)
            return await session.read_touched({105, 999}, {"C9", "nobody"})

    assert sorted((c.id, c.key) for c in asyncio.run(touched()).campaigns) == [(105, "C5"), (109, "C9")]


def _callfire_reads(tmp_path: Path, ids: set[int], keys: set[str]) -> tuple[list[int], list[str]]:
    """A CallFire session reading 30 campaigns (pages of 10) whole, then only ``ids`` and ``keys``: the ids
    it found, and the operations the sandbox logged for the second read."""
    (tmp_path / "seed.json").write_text(json.dumps({"campaigns": [{"id": i, "Name": f"C{i}"} for i in range(1, 31)]}))
    store = SandboxStore.open(tmp_path / "box", "c", tmp_path / "seed.json", CallFireSeed, ())

    async def reads() -> LiveState:
        with SandboxServer(callfire_app(store, "login", "secret")) as server:
            session = CallFireSession(server.url + PREFIX, "login", "secret", new_client(local=True), page=10)
            try:
                assert len((await session.read()).campaigns) == 30
                return await session.read_touched(ids, keys)
            finally:
                await session.aclose()

    found = sorted(c.id for c in asyncio.run(reads()).campaigns)
    return found, [r["operation"] for r in read_log(store.log_path)[3:]]  # after the 3 pages of the whole read


def test_callfire_reads_back_a_touched_campaign_by_id_and_a_created_one_by_name(tmp_path: Path) -> None:
    found, calls = _callfire_reads(tmp_path, {7, 99}, {"C12"})  # 99: gone (deleted), answered 404
    assert found == [7, 12]
    assert sorted(calls) == ["GetCccCampaign", "GetCccCampaign", "QueryCccCampaigns"]


def test_callfire_reads_the_whole_account_when_that_takes_fewer_calls(tmp_path: Path) -> None:
    found, calls = _callfire_reads(tmp_path, {1, 2}, {"C3", "C4"})  # 4 calls by id and name > 3 pages
    assert found == list(range(1, 31)) and calls == ["QueryCccCampaigns"] * 3
