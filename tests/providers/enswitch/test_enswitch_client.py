"""The Enswitch client: credentials in the query string never leak (ENS-05), refusals are final (ENS-04),
and a create whose answer was lost is looked up, not repeated (ENG-09)."""

from __future__ import annotations

import asyncio
import secrets
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, assert_nothing_leaks, canary_vendor, leaked

from reconciler.errors import VendorError
from reconciler.http import new_client
from reconciler.model import Action, Operation
from reconciler.providers.enswitch.client import EnswitchSession
from reconciler.providers.enswitch.model import EnswitchSeed
from reconciler.providers.enswitch.sandbox import build_app
from reconciler.sandbox.store import SandboxStore

USER = f"CANARYUSER{secrets.token_hex(8)}"
PASSWORD = f"CANARY+/={secrets.token_hex(8)}"  # characters the query string percent-encodes
WRONG = f"CANARYWRONG{secrets.token_hex(8)}"
CANARIES = (USER, PASSWORD, WRONG, "CANARY%2B")  # the password percent-encoded, too
CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  live:
    provider: enswitch
    endpoint: URL
    credentials: {auth_username: "${env:ENS_USER}", auth_password: "${env:ENS_PASSWORD}"}
apply: {attempts: 2, backoff: 0.01}
"""
SEED = {"campaigns": [{"id": 1, "name": "A", "dtype": "queue", "dnumber": "700", "keep_agents_available": 2}]}



@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[tuple[SandboxStore, str, str]]:
    """A stand-in for a real Enswitch that knows the canary credentials, and one answering only HTTP 500."""
    with canary_vendor(tmp_path, SEED, EnswitchSeed, CANARIES, lambda store: build_app(store, USER, PASSWORD)) as v:
        yield v


def test_ens_05_credentials_never_appear_in_output_debug_log_plan_file_or_request_log(
        repo: Repo, vendor: tuple[SandboxStore, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    store, good, bad = vendor
    monkeypatch.setenv("ENS_USER", USER)
    monkeypatch.setenv("ENS_PASSWORD", PASSWORD)
    repo.write("reconciler.yaml", CONFIG.replace("URL", good))
    repo.write("a.yaml", "account: live\nname: A\nmaximum: 4\n")
    outputs = [repo.run("--debug", "plan", "-o", "plan.json", "--validate-remote"),
               repo.run("--debug", "show", "plan.json", "--format", "json"),
               repo.run("--debug", "show", "plan.json", "--format", "markdown"),
               repo.run("--debug", "apply", "--yes")]
    assert [r.code for r in outputs] == [0, 0, 0, 0], outputs
    assert "auth_username=***;auth_password=***" in outputs[0].err  # the DEBUG log did run
    monkeypatch.setenv("ENS_PASSWORD", WRONG)
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "refused: 401" in outputs[-1].err
    monkeypatch.setenv("ENS_PASSWORD", PASSWORD)
    repo.write("reconciler.yaml", CONFIG.replace("URL", bad))
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "HTTP 500 from" in outputs[-1].err and "auth_password=***" in outputs[-1].err
    repo.write("reconciler.yaml", CONFIG.replace("URL", "http://127.0.0.1:1"))
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "cannot connect" in outputs[-1].err
    assert_nothing_leaks(CANARIES, outputs, store, repo.path)


def test_ens_05_exception_text_masks_the_credentials_in_the_url(vendor: tuple[SandboxStore, str, str]) -> None:
    _, good, bad = vendor

    async def fail(url: str, password: str) -> VendorError:
        session = EnswitchSession(url, USER, password, new_client(local=True))
        try:
            await session.call("bulk/campaigns/list", {})
        except VendorError as exc:
            return exc
        finally:
            await session.aclose()
        raise AssertionError("the call should have failed")

    for url, password in ((bad, PASSWORD), (good, WRONG), ("http://127.0.0.1:1", PASSWORD)):
        exc = asyncio.run(fail(url, password))
        text = "".join(traceback.format_exception(exc))
        assert not leaked(CANARIES, text) and not leaked(CANARIES, repr(exc.args)), text


def test_ens_04_envelope_refusals_are_final_and_changed_nothing(vendor: tuple[SandboxStore, str, str]) -> None:
    _, good, _ = vendor

    async def refused() -> VendorError:
        session = EnswitchSession(good, USER, PASSWORD, new_client(local=True))
        op = Operation("x", "live", "A", Action.UPDATE, "bulk/campaigns/update", {"id": 99, "maximum": 2})
        try:
            await session.execute(op, op.request)
        except VendorError as exc:
            return exc
        finally:
            await session.aclose()
        raise AssertionError("the update should have been refused")

    exc = asyncio.run(refused())
    assert (exc.code, exc.field, exc.final, exc.maybe_applied) == ("404", "id", True, False)


def test_eng_09_a_create_whose_answer_was_lost_is_looked_up_not_repeated(repo: Repo) -> None:
    repo.write("reconciler.yaml", """
        version: 1
        documents: ['**/*.y*ml']
        accounts:
          e:
            provider: enswitch
            sandbox: {seed: seed.json, faults: {drop_rate: 1, limit: 1}}
        apply: {attempts: 3, backoff: 0.01}
    """)
    repo.write_json("seed.json", {"campaigns": []})
    repo.write("a.yaml", "account: e\nname: New\ndtype: agent\ndnumber: '5'\n")
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "its answer was lost, but it had taken effect" in applied.out
    creates = [r for r in repo.requests("e") if r["operation"] == "bulk/campaigns/create"]
    assert len(creates) == 1
    assert repo.run("plan", ".", "--detailed-exitcode").code == 0
