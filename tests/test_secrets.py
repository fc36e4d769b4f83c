"""ENG-08: a credential set to a unique canary appears nowhere, in good runs and failed ones."""

from __future__ import annotations

import asyncio
import secrets
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, assert_nothing_leaks, canary_vendor, leaked
from conftest import uis_campaign as campaign
from conftest import uis_seed as seed

from reconciler.errors import VendorError
from reconciler.http import new_client
from reconciler.providers.uis.client import UisSession
from reconciler.providers.uis.model import UisSeed
from reconciler.providers.uis.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

RULE = "ENG-08"
CANARY = f"CANARY{secrets.token_hex(12)}"
WRONG = f"CANARY{secrets.token_hex(12)}"
CANARIES = (CANARY, WRONG)
CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  live:
    provider: uis
    endpoint: URL
    credentials: {access_token: "${env:UIS_TOKEN}"}
apply: {attempts: 2, backoff: 0.01}
"""


@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[tuple[SandboxStore, str, str]]:
    """A stand-in for the real UIS endpoint that knows the canary token, and one answering only 500s."""
    with canary_vendor(tmp_path, seed(campaign(5, "Spring", description="old")), UisSeed, CANARIES,
                       lambda store: build_app(store, CANARY, RateLimits(1000, 100_000))) as v:
        yield v



def test_eng_08_no_canary_in_any_output_log_plan_file_or_request_log(
        repo: Repo, vendor: tuple[SandboxStore, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    store, good, bad = vendor
    monkeypatch.setenv("UIS_TOKEN", CANARY)
    repo.write("reconciler.yaml", CONFIG.replace("URL", good))
    repo.write("spring.yaml", "account: live\nname: Spring\ndescription: new\n")
    outputs = [repo.run("--debug", "plan", "-o", "plan.json"),
               repo.run("--debug", "show", "plan.json", "--format", "markdown"),
               repo.run("--debug", "show", "plan.json", "--format", "json"),
               repo.run("--debug", "apply", "--yes"),
               repo.run("--debug", "apply", "--plan", "plan.json")]  # stale by now: a failed run
    assert [r.code for r in outputs] == [0, 0, 0, 0, 1]
    assert "-> {" in outputs[0].err and '"access_token": "***"' in outputs[0].err  # the DEBUG log did run
    monkeypatch.setenv("UIS_TOKEN", WRONG)
    outputs.append(repo.run("--debug", "plan"))  # refused token: -32001, final
    assert outputs[-1].code == 1 and "access_token_invalid" in outputs[-1].err
    monkeypatch.setenv("UIS_TOKEN", CANARY)
    repo.write("reconciler.yaml", CONFIG.replace("URL", bad))
    outputs.append(repo.run("--debug", "apply", "--yes"))  # HTTP 500 on every call
    assert outputs[-1].code == 1 and "HTTP 500" in outputs[-1].err
    repo.write("reconciler.yaml", CONFIG.replace("URL", "http://127.0.0.1:1/v2.0"))
    outputs.append(repo.run("--debug", "plan"))  # nothing listens there: a connection error
    assert outputs[-1].code == 1 and "cannot connect" in outputs[-1].err
    assert not leaked(CANARIES, (repo.path / "plan.json").read_text())
    assert_nothing_leaks(CANARIES, outputs, store, repo.path)


def test_eng_08_exception_text_masks_the_credential(vendor: tuple[SandboxStore, str, str]) -> None:
    _, good, bad = vendor

    async def fail(url: str, token: str) -> VendorError:
        session = UisSession(url + "/?token=" + token, token, None, new_client(local=True))
        try:
            await session.call("get.campaigns", {"limit": 1})
        except VendorError as exc:
            return exc
        finally:
            await session.aclose()
        raise AssertionError("the call should have failed")

    for url, token in ((bad, CANARY), (good, WRONG), ("http://127.0.0.1:1", CANARY)):
        exc = asyncio.run(fail(url, token))
        text = "".join(traceback.format_exception(exc))
        assert token not in text and token not in repr(exc.args), text
