"""The CallFire client: a write whose answer was lost is applied once (CF-03) or looked up (ENG-09), refusals
are final, and the HTTP Basic credentials never leak (ENG-08)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, assert_nothing_leaks, canary_vendor

from reconciler.errors import VendorError
from reconciler.http import new_client
from reconciler.model import Action, Operation
from reconciler.providers.callfire.client import CallFireSession
from reconciler.providers.callfire.model import CallFireSeed
from reconciler.providers.callfire.sandbox import PREFIX, build_app
from reconciler.sandbox.store import SandboxStore

LOGIN = f"CANARYLOGIN{secrets.token_hex(8)}"
PASSWORD = f"CANARYPW{secrets.token_hex(8)}"
WRONG = f"CANARYWRONG{secrets.token_hex(8)}"
CANARIES = (LOGIN, PASSWORD, WRONG)
SEED = {"campaigns": [{"id": 1, "Name": "Sales", "Status": "RUNNING", "Script": "Hello",
                       "Question": [{"Label": "Age"}]}]}
DROPPING = """
version: 1
documents: ['**/*.y*ml']
accounts:
  c:
    provider: callfire
    sandbox: {seed: seed.json, faults: {drop_rate: 1, limit: 1}}
apply: {attempts: 3, backoff: 0.01}
"""


def _operations(repo: Repo, name: str) -> list[dict[str, Any]]:
    return [r for r in repo.requests("c") if r["operation"] == name]


def _applied_once(repo: Repo, note: str = "its answer was lost, but it had taken effect") -> None:
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert note in applied.out
    assert repo.run("plan", ".", "--detailed-exitcode").code == 0


def test_cf_03_a_put_retried_after_a_dropped_answer_is_applied_once(repo: Repo) -> None:
    repo.write("reconciler.yaml", DROPPING)
    repo.write_json("seed.json", SEED)
    repo.write("a.yaml", "account: c\nName: Sales\nScript: Changed\n")
    _applied_once(repo, "Apply complete: 1 done, 0 failed, 0 skipped (1 needed retries).")
    puts = _operations(repo, "UpdateCccCampaign")
    assert len(puts) == 2 and puts[0]["params"] == puts[1]["params"]  # the same request, the same RequestId
    assert [p["outcome"] for p in puts] == ["ok", "duplicate"]  # applied once; the retry changed nothing
    assert repo.state("c")["campaigns"][0]["Script"] == "Changed"


def test_eng_09_a_delete_questions_call_whose_answer_was_lost_is_looked_up_not_repeated(repo: Repo) -> None:
    """Sending it again would be harmless, but its answer may be lost again (it changes the store each time
    the sandbox is asked to, under a fault suite): the campaign having no questions left shows it took effect."""
    repo.write("reconciler.yaml", DROPPING)
    repo.write_json("seed.json", {"campaigns": [{"id": 1, "Name": "Sales", "Question": [{"Label": "A"},
                                                                                      {"Label": "B"}]}]})
    repo.write("a.yaml", "account: c\nName: Sales\nQuestion: [{Label: B}]\n")
    _applied_once(repo)
    assert len(_operations(repo, "DeleteCccCampaignQuestions")) == 1
    assert [q["Label"] for q in repo.state("c")["campaigns"][0]["Question"]] == ["B"]


def test_eng_09_a_create_whose_answer_was_lost_is_looked_up_not_repeated(repo: Repo) -> None:
    repo.write("reconciler.yaml", DROPPING)
    repo.write_json("seed.json", {"campaigns": []})
    repo.write("a.yaml", "account: c\nName: New\nScript: Hi\nStatus: RUNNING\n")
    _applied_once(repo)
    assert len(_operations(repo, "CreateCccCampaign")) == 1
    assert [c["Status"] for c in repo.state("c")["campaigns"]] == ["RUNNING"]  # the START used the found id


def test_eng_09_a_control_whose_answer_was_lost_is_looked_up_not_repeated(repo: Repo) -> None:
    repo.write("reconciler.yaml", DROPPING)
    repo.write_json("seed.json", SEED)
    repo.write("a.yaml", "account: c\nName: Sales\nStatus: STOPPED\n")
    _applied_once(repo)  # a second STOP would be refused: the campaign is stopped already
    assert [r["outcome"] for r in _operations(repo, "ControlCccCampaign")] == ["ok"]


def test_eng_09_a_delete_whose_answer_was_lost_is_found_done(repo: Repo) -> None:
    repo.write("reconciler.yaml", DROPPING.replace("apply:", "    prune: true\napply:"))
    repo.write_json("seed.json", {"campaigns": [{"id": 1, "Name": "Gone"}]})
    _applied_once(repo)
    assert len(_operations(repo, "DeleteCccCampaign")) == 1 and repo.state("c")["campaigns"] == []


@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[tuple[SandboxStore, str, str]]:
    """A stand-in for CallFire that knows the canary credentials, and one answering only HTTP 500."""
    with canary_vendor(tmp_path, SEED, CallFireSeed, CANARIES,
                       lambda store: build_app(store, LOGIN, PASSWORD)) as (store, good, bad):
        yield store, good + PREFIX, bad + PREFIX



def test_eng_08_credentials_never_appear_in_output_debug_log_plan_file_or_request_log(
        repo: Repo, vendor: tuple[SandboxStore, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    store, good, bad = vendor
    config = ("version: 1\ndocuments: ['**/*.y*ml']\naccounts:\n  live:\n    provider: callfire\n    endpoint: URL\n"
              "    credentials: {login: '${env:CF_LOGIN}', password: '${env:CF_PASSWORD}'}\n"
              "apply: {attempts: 2, backoff: 0.01}\n")
    monkeypatch.setenv("CF_LOGIN", LOGIN)
    monkeypatch.setenv("CF_PASSWORD", PASSWORD)
    repo.write("reconciler.yaml", config.replace("URL", good))
    repo.write("a.yaml", "account: live\nName: Sales\nScript: New\n")
    outputs = [repo.run("--debug", "plan", "-o", "plan.json"), repo.run("--debug", "apply", "--yes")]
    assert [r.code for r in outputs] == [0, 0], outputs
    assert "UpdateCccCampaign" in outputs[0].out and "-> PUT" in outputs[1].err  # the DEBUG log did run
    monkeypatch.setenv("CF_PASSWORD", WRONG)
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "HTTP 401: Unauthorized" in outputs[-1].err
    assert "check the account's login and password" in outputs[-1].err
    monkeypatch.setenv("CF_PASSWORD", PASSWORD)
    repo.write("reconciler.yaml", config.replace("URL", bad))
    outputs.append(repo.run("--debug", "plan"))
    assert outputs[-1].code == 1 and "HTTP 500" in outputs[-1].err
    assert_nothing_leaks(CANARIES, outputs, store, repo.path)


def test_a_resource_exception_is_a_final_refusal_with_its_message(vendor: tuple[SandboxStore, str, str]) -> None:
    _, good, _ = vendor

    async def refused() -> VendorError:
        session = CallFireSession(good, LOGIN, PASSWORD, new_client(local=True))
        op = Operation("x", "live", "Sales", Action.UPDATE, "UpdateCccCampaign", {"id": 1, "Script": "no name"})
        try:
            await session.execute(op, op.request)
        except VendorError as exc:
            return exc
        finally:
            await session.aclose()
        raise AssertionError("the update should have been refused")

    exc = asyncio.run(refused())
    assert (exc.code, exc.final) == ("400", True)
    assert str(exc).endswith("refused: HTTP 400: Name is required")


def test_cf_03_apply_converges_through_500s_429s_and_dropped_answers_applying_each_request_once(repo: Repo) -> None:
    # One call at a time, so that the seeded faults fall on the same calls in every run: with several in
    # flight, an unlucky order once gave one call 8 faults in a row (a 7% chance a call at these rates).
    repo.write("reconciler.yaml", DROPPING.replace(
        "faults: {drop_rate: 1, limit: 1}", "faults: {error_rate: 0.2, rate_429: 0.1, retry_after: 0, drop_rate: 0.6, "
                                            "seed: 7}").replace("attempts: 3", "attempts: 8, concurrency: 1"))
    repo.write_json("seed.json", {"campaigns": [{"id": i, "Name": f"C{i}", "Question": [{"Label": "A"}, {"Label": "B"}]}
                                                for i in range(1, 5)]})
    repo.write("a.yaml", "\n---\n".join(f"account: c\nName: C{i}\nScript: s{i}\nQuestion: [{{Label: B}}]\n"
                                       f"Status: RUNNING" for i in range(1, 5)) + "\n---\naccount: c\nName: New\n")
    applied = repo.run("apply", ".", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert "needed retries" in applied.out
    log = [r for r in repo.requests("c") if "RequestId" in r["params"]]
    applied_ids = [r["params"]["RequestId"] for r in log if r["outcome"] == "ok"]
    assert len(applied_ids) == len(set(applied_ids)) == 5  # 4 updates and 1 create, each applied once
    assert all(r["outcome"] in ("ok", "duplicate") for r in log)  # a resent request is answered, never refused
    again = repo.run("plan", ".", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
