"""Every problem of a run at once, each on one line, never a traceback: unset variables of all accounts,
reconciler.yaml's problems with the documents', the failures of several accounts' vendors (naming the account,
the call and the attempts), bad ports, NUL bytes, long or multi-line names (Ctrl-C at any moment: test_ctrl_c)."""

from __future__ import annotations

import re

import pytest
from conftest import Repo
from conftest import uis_seed as seed

from reconciler.errors import AccountsFailed

ONE_SANDBOX = ("version: 1\ndocuments: ['**/*.y*ml']\n"
               "accounts:\n  u:\n    provider: uis\n    sandbox: {seed: seed.json}\n")

TWO_LIVE = """
version: 1
accounts:
  alpha:
    provider: uis
    endpoint: http://127.0.0.1:1/v2.0
    credentials: {access_token: "${env:EVERY_PROBLEM_ALPHA}"}
  beta:
    provider: topsort
    endpoint: http://127.0.0.1:1/topsort
    credentials: {api_key: "${env:EVERY_PROBLEM_BETA}"}
    vendor_id: acme
apply: {attempts: 2, backoff: 0.01}
documents: ['**/*.y*ml']
"""


@pytest.fixture
def two_live(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.delenv("EVERY_PROBLEM_ALPHA", raising=False)
    monkeypatch.delenv("EVERY_PROBLEM_BETA", raising=False)
    repo.write("reconciler.yaml", TWO_LIVE)
    repo.write("a.yaml", "account: alpha\nname: A\nsite_id: 1\n")
    return repo


def _one_line_each(err: str) -> list[str]:
    assert "Traceback" not in err
    return err.splitlines()


def test_unset_variables_of_all_accounts_and_document_problems_in_one_run(two_live: Repo) -> None:
    two_live.write("b.yaml", "account: beta\nname: B\nbogus: 1\n")
    failed = two_live.run("plan")
    assert failed.code == 1
    assert _one_line_each(failed.err) == [
        "b.yaml:3:1: SCHEMA unknown field 'bogus'",
        "reconciler.yaml:6:33: CONFIG environment variable EVERY_PROBLEM_ALPHA is not set (credential "
        "'access_token' of account 'alpha')",
        "reconciler.yaml:10:28: CONFIG environment variable EVERY_PROBLEM_BETA is not set (credential 'api_key' "
        "of account 'beta')",
        "3 problem(s) found; nothing was changed."]


def test_config_problems_and_the_other_accounts_document_problems_in_one_run(two_live: Repo) -> None:
    two_live.write("reconciler.yaml", TWO_LIVE.replace("vendor_id: acme", "vendor_id: acme\n    colour: red"))
    two_live.write("a.yaml", "account: alpha\nname: A\nsite_id: 1\nbogus: 1\n")
    two_live.write("b.yaml", "account: beta\nname: B\n")  # its account is the broken one: not a second problem
    failed = two_live.run("validate")
    assert failed.code == 1
    lines = _one_line_each(failed.err)
    assert lines[0] == "a.yaml:4:1: SCHEMA unknown field 'bogus'"
    assert lines[1].startswith("reconciler.yaml:12:5: CONFIG unknown field 'colour'")
    assert lines[2:] == ["2 problem(s) found; nothing was changed."]


def test_the_failures_of_several_accounts_are_all_reported_naming_account_call_and_attempts(
        two_live: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVERY_PROBLEM_ALPHA", "alpha-token-value")
    monkeypatch.setenv("EVERY_PROBLEM_BETA", "beta-token-value")
    failed = two_live.run("plan")
    assert failed.code == 1
    lines = _one_line_each(failed.err)
    assert len(lines) == 2, lines
    # UIS: one URL for every JSON-RPC method, so the error names the method (its reads run concurrently:
    # whichever fails first is reported)
    assert re.match(r"error: account 'alpha': reading the live campaigns failed after 2 attempts: get\.[a-z_]+: "
                    r"cannot connect to http://127\.0\.0\.1:1/v2\.0", lines[0]), lines[0]
    assert lines[1].startswith("error: account 'beta': reading the live campaigns failed after 2 attempts: "
                               "cannot connect to http://127.0.0.1:1/topsort")


@pytest.mark.parametrize(("endpoint", "why"), [
    ("http://127.0.0.1:99999/x", "Port out of range 0-65535"),
    ("http://127.0.0.1:http/x", "Port could not be cast to integer value as 'http'"),
    ("ftp://vendor.example/", "it must start with https:// (or http://)"),
    ("https:///v2.0", "it names no host")])
def test_a_bad_endpoint_is_one_located_line(two_live: Repo, endpoint: str, why: str) -> None:
    two_live.write("reconciler.yaml", TWO_LIVE.replace("http://127.0.0.1:1/v2.0", endpoint))
    failed = two_live.run("plan")
    assert failed.code == 1
    assert _one_line_each(failed.err)[0] == f"reconciler.yaml:5:15: CONFIG endpoint is not a usable URL: {why}"


def test_a_nul_byte_in_an_argument_or_a_document_is_one_line(repo: Repo) -> None:
    repo.write("reconciler.yaml", ONE_SANDBOX)
    repo.write_json("seed.json", seed())
    for args in (["plan", "a\0b"], ["plan", "--account", "u\0"]):
        failed = repo.run(*args)
        assert failed.code == 1 and _one_line_each(failed.err) == [
            "error: an argument holds a NUL byte (\\0), which no path or name can hold"]
    (repo.path / "a.yaml").write_bytes(b"account: u\nname: A\x00B\nsite_id: 1\n")
    failed = repo.run("plan")
    assert failed.code == 1 and _one_line_each(failed.err)[0].startswith("a.yaml:2:8: YAML unacceptable character")


def test_a_bad_port_for_a_sandbox_is_a_usage_error(repo: Repo) -> None:
    repo.write("reconciler.yaml", ONE_SANDBOX)
    repo.write_json("seed.json", seed())
    failed = repo.run("sandbox", "serve", "--account", "u", "--port", "99999")
    assert failed.code == 1 and "Traceback" not in failed.err
    assert "Invalid value for '--port': 99999 is not in the range 0<=x<=65535." in failed.err


def test_a_newline_in_a_name_never_splits_an_error_line(repo: Repo) -> None:
    repo.write("reconciler.yaml", ONE_SANDBOX)
    repo.write_json("seed.json", seed())
    repo.write("a.yaml", 'account: u\nname: "two\\nlines"\n')  # no site_id: UIS-04 names the campaign
    failed = repo.run("plan")
    assert failed.code == 1
    assert _one_line_each(failed.err) == ["a.yaml:1:1: UIS-04 site_id is required to create campaign 'two\\nlines'",
                                          "1 problem(s) found; nothing was changed."]


def test_a_vendor_s_multi_line_message_stays_on_its_account_s_line() -> None:
    failed = AccountsFailed(["account 'a': reading failed: 502\n<html>bad</html>", "account 'b': reading failed: 503"])
    assert str(failed).splitlines() == ["account 'a': reading failed: 502\\n<html>bad</html>",
                                        "account 'b': reading failed: 503"]
