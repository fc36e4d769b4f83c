"""UIS limits and access: agents (UIS-16), pacing from metadata.limits (UIS-17), final token and access
errors (UIS-18), on the planner/client side and on the sandbox side."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from conftest import Repo
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed

from reconciler.engine.apply import Status, execute
from reconciler.errors import VendorError
from reconciler.http import RetryPolicy, new_client
from reconciler.model import Action, Operation
from reconciler.providers.uis.client import UisSession
from reconciler.providers.uis.model import UisSeed
from reconciler.providers.uis.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

ACCOUNT = "u"
TOKEN = secrets.token_hex(16)
LIMIT_EXCEEDED = {"code": -32029, "mnemonic": "limit_exceeded", "field": None}
RETRY = RetryPolicy(attempts=4, base=0.01, cap=0.01)


@contextmanager
def served(tmp_path: Path, data: dict[str, Any], limits: RateLimits | None = None) -> Iterator[tuple[str, Path]]:
    """A UIS sandbox on ``data`` that knows ``TOKEN``: its URL and its request log."""
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(data))
    store = SandboxStore.open(tmp_path / "sandbox", ACCOUNT, seed_file, UisSeed, [TOKEN])
    with SandboxServer(build_app(store, TOKEN, limits or RateLimits())) as server:
        yield server.url, store.log_path


def rpc(http: httpx.Client, method: str, **params: Any) -> dict[str, Any]:
    """One raw JSON-RPC request, as any client would send it."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {"access_token": TOKEN, **params}}
    reply: dict[str, Any] = http.post("/", json=body).json()
    return reply


def error_of(reply: dict[str, Any]) -> tuple[int, str, str | None]:
    error = reply["error"]
    return error["code"], error["data"]["mnemonic"], error["data"].get("field")


# --- UIS-17: limits per minute and per day ------------------------------------------------------------

PACED_CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  u:
    provider: uis
    sandbox: {seed: seed.json, limits: {minute: 60, day: 100000, window_s: 2}}
safety: {update_threshold: 1}
"""


def test_uis_17_a_paced_apply_of_100_updates_meets_no_limit_exceeded(repo: Repo) -> None:
    repo.write("reconciler.yaml", PACED_CONFIG)
    repo.write_json("seed.json", seed(*(campaign(i, f"c{i}", description="old") for i in range(1, 101))))
    repo.write("campaigns.yaml", "\n---\n".join(f"account: u\nname: c{i}\ndescription: new {i}"
                                                for i in range(1, 101)))
    started = time.monotonic()
    result = repo.run("apply", ".", "--yes")
    elapsed = time.monotonic() - started
    assert result.code == 0, result.out + result.err
    log = repo.requests(ACCOUNT)
    assert [r for r in log if r["outcome"] != "ok"] == []  # not one limit_exceeded (nor anything else)
    updates = [r for r in log if r["operation"] == "update.campaigns"]
    assert len(updates) == 100 and len(log) > 60  # more calls than one window allows ...
    assert elapsed >= 2, elapsed  # ... so it waited a window out
    assert repo.state(ACCOUNT)["campaigns"][99]["description"] == "new 100"


def test_uis_17_without_pacing_the_same_limits_refuse_calls(tmp_path: Path) -> None:
    with served(tmp_path, seed(), RateLimits(60, 100_000, window_s=2)) as (url, log_path), \
            httpx.Client(base_url=url, timeout=10) as http:
        replies = [rpc(http, "get.sites") for _ in range(70)]
    refused = [error_of(r) for r in replies if "error" in r]
    assert refused == [(-32029, "limit_exceeded", None)] * 10
    assert [r["outcome"] for r in read_log(log_path)].count(LIMIT_EXCEEDED) == 10


def test_uis_17_the_sandbox_minute_window_length_is_configurable() -> None:
    now = [100.0]
    limits = RateLimits(2, 10, window_s=3, clock=lambda: now[0])
    limits.take()
    assert limits.snapshot()["minute_reset"] == 3
    now[0] += 1.5
    limits.take()
    assert (limits.exceeded(), limits.snapshot()["minute_reset"], limits.snapshot()["minute_remaining"]) == (
        True, 1.5, 0)  # a shortened window reports milliseconds, or the pacer would wait it twice over
    now[0] += 1.5  # the window is over
    assert not limits.exceeded() and limits.snapshot()["minute_remaining"] == 2
    assert limits.snapshot()["day_remaining"] == 8


def test_uis_17_a_real_minute_reports_whole_seconds_rounded_up() -> None:
    now = [100.0]
    limits = RateLimits(2, 10, clock=lambda: now[0])
    limits.take()
    now[0] += 0.4
    assert limits.snapshot()["minute_reset"] == 60 and isinstance(limits.snapshot()["minute_reset"], int)


def test_uis_17_a_used_up_day_limit_fails_at_once_without_sending(tmp_path: Path) -> None:
    with served(tmp_path, seed(), RateLimits(1000, 2)) as (url, log_path):

        async def three_calls() -> VendorError:
            session = UisSession(url, TOKEN, None, new_client(local=True))
            try:
                for _ in range(3):
                    await session.call("get.sites", {})
            except VendorError as exc:
                return exc
            finally:
                await session.aclose()
            raise AssertionError("the day allows two calls")

        started = time.monotonic()
        exc = asyncio.run(three_calls())
    assert time.monotonic() - started < 2
    assert exc.final and not exc.maybe_applied
    assert "get.sites not sent: the day call limit (2 calls) is used up; it resets in 24 h 0 min" in str(exc)
    assert [r["outcome"] for r in read_log(log_path)] == ["ok", "ok"]


# --- UIS-16: an agent account must send user_id -------------------------------------------------------

AGENT_CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  u:
    provider: uis
    sandbox: {seed: seed.json}
SETTINGS
"""


def test_uis_16_an_agent_account_without_user_id_is_a_located_config_error(repo: Repo) -> None:
    repo.write("reconciler.yaml", AGENT_CONFIG.replace("SETTINGS", "    agent: true"))
    repo.write_json("seed.json", seed(campaign(5, "A")))
    repo.write("a.yaml", "account: u\nname: A\ndescription: x\n")
    for command in ("validate", "plan"):
        result = repo.run(command, ".")
        assert result.code == 1
        assert "reconciler.yaml:7:12: UIS-16 agent: an agent account must send user_id" in result.err
    assert repo.requests(ACCOUNT) == []


def test_uis_16_an_agent_account_with_user_id_is_accepted(repo: Repo) -> None:
    repo.write("reconciler.yaml", AGENT_CONFIG.replace("SETTINGS", "    agent: true\n    user_id: 7"))
    repo.write_json("seed.json", seed(campaign(5, "A")))
    repo.write("a.yaml", "account: u\nname: A\n")
    assert repo.run("validate", ".").code == 0


def test_uis_16_an_agent_sandbox_needs_a_user_id_it_acts_for(tmp_path: Path) -> None:
    with served(tmp_path, {**seed(), "agent_customer_users": [7, 8]}) as (url, log_path), \
            httpx.Client(base_url=url, timeout=10) as http:
        assert error_of(rpc(http, "get.sites")) == (-32602, "required_parameter_missed", "user_id")
        assert error_of(rpc(http, "create.campaigns", name="N", site_id=1)) == (
            -32602, "required_parameter_missed", "user_id")
        assert error_of(rpc(http, "get.sites", user_id=9)) == (-32602, "entity_not_found", "user_id")
        assert error_of(rpc(http, "get.sites", user_id="7")) == (-32602, "data_type_error", "user_id")
        assert rpc(http, "get.sites", user_id=8)["result"]["metadata"]["total_items"] == 2
    assert [r["outcome"] == "ok" for r in read_log(log_path)] == [False] * 4 + [True]


def test_uis_16_an_agent_account_plans_and_applies_against_an_agent_sandbox(repo: Repo) -> None:
    repo.write("reconciler.yaml", AGENT_CONFIG.replace("SETTINGS", "    agent: true\n    user_id: 7"))
    repo.write_json("seed.json", {**seed(campaign(5, "A", description="old")), "agent_customer_users": [7]})
    repo.write("a.yaml", "account: u\nname: A\ndescription: new\n")
    planned = repo.run("plan", ".", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert 'description: "old" -> "new"' in planned.out
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert repo.run("plan", ".", "--detailed-exitcode").code == 0
    log = repo.requests(ACCOUNT)
    assert log and all(r["outcome"] == "ok" and r["params"]["user_id"] == 7 for r in log)


def test_uis_16_an_account_without_user_id_is_refused_by_an_agent_sandbox(repo: Repo) -> None:
    repo.write("reconciler.yaml", AGENT_CONFIG.replace("SETTINGS", ""))
    repo.write_json("seed.json", {**seed(campaign(5, "A")), "agent_customer_users": [7]})
    repo.write("a.yaml", "account: u\nname: A\ndescription: new\n")
    result = repo.run("plan", ".")
    assert result.code == 1
    assert "refused: -32602 required_parameter_missed (field user_id): user_id is required: the token belongs to " \
           "an agent (UIS-16: set the account's user_id and agent: true in reconciler.yaml)" in result.err
    operations = [r["operation"] for r in repo.requests(ACCOUNT)]
    assert len(operations) == len(set(operations))  # a final refusal: never retried


# --- UIS-18: token and access errors are final ----------------------------------------------------------

def _update(request: dict[str, Any]) -> Operation:
    return Operation(id="op1", account=ACCOUNT, campaign="c", action=Action.UPDATE, method="update.campaigns",
                     request=request)


def _apply_once(url: str, token: str, request: dict[str, Any]) -> tuple[Status, str, int]:
    """Run one update through the engine's retrying execute: its status, detail and attempts."""

    async def run() -> tuple[Status, str, int]:
        session = UisSession(url, token, None, new_client(local=True), RETRY)
        try:
            outcome = await execute(session, _update(request), request, RETRY)
        finally:
            await session.aclose()
        return outcome.status, outcome.detail, outcome.attempts

    return asyncio.run(run())


def test_uis_18_a_refused_token_is_final_and_sent_once(tmp_path: Path) -> None:
    with served(tmp_path, seed(campaign(5, "A"))) as (url, log_path):
        status, detail, attempts = _apply_once(url, "wrong-token", {"id": 5, "site_id": 1, "description": "x"})

        async def read() -> VendorError:
            session = UisSession(url, "wrong-token", None, new_client(local=True), RETRY)
            try:
                await session.read()
            except VendorError as exc:
                return exc
            finally:
                await session.aclose()
            raise AssertionError("a wrong token reads nothing")

        exc = asyncio.run(read())
    assert (status, attempts) == (Status.FAILED, 1)
    assert detail.startswith("update.campaigns refused: -32001 access_token_invalid: ")
    assert exc.final and "-32001 access_token_invalid" in str(exc) and "wrong-token" not in str(exc)
    log = read_log(log_path)
    assert [r["operation"] for r in log].count("update.campaigns") == 1
    assert all(r["outcome"]["code"] == -32001 for r in log)
    operations = [r["operation"] for r in log if r["operation"] != "update.campaigns"]
    assert len(operations) == len(set(operations))  # each read sent once, never retried


def test_uis_18_a_forbidden_answer_is_final_and_sent_once(tmp_path: Path) -> None:
    system = campaign(-1, "Visitors without a campaign", type="system")
    with served(tmp_path, seed(system)) as (url, log_path):
        status, detail, attempts = _apply_once(url, TOKEN, {"id": -1, "site_id": 1, "name": "renamed"})
    assert (status, attempts) == (Status.FAILED, 1)
    assert detail.startswith("update.campaigns refused: -32003 forbidden (field name): ")
    assert [(r["operation"], r["outcome"]["code"]) for r in read_log(log_path)] == [("update.campaigns", -32003)]
