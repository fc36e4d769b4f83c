"""`reconciler accounts`: the accounts of reconciler.yaml for a CI matrix (JSON) or people (a table); no secrets."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

CONFIG = """
version: 1
accounts:
  uis-main:
    provider: uis
    endpoint: https://dataapi.uiscom.ru/v2.0
    credentials: {access_token: "${env:UIS_TOKEN}"}
    user_id: 4521
  a-demo:
    provider: uis
    sandbox: {seed: sandbox/demo.json}
"""


def test_json_is_one_line_sorted_by_name_with_only_name_provider_sandbox(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG)
    repo.write("sandbox/demo.json", "{}")
    result = repo.run("accounts", "--json")
    assert result.code == 0, result.err
    assert result.out.count("\n") == 1, "one line, as $GITHUB_OUTPUT needs"
    assert json.loads(result.out) == [{"name": "a-demo", "provider": "uis", "sandbox": True},
                                      {"name": "uis-main", "provider": "uis", "sandbox": False}]
    for hidden in ("UIS_TOKEN", "access_token", "dataapi", "4521"):
        assert hidden not in result.out


def test_table_for_people(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG)
    repo.write("sandbox/demo.json", "{}")
    result = repo.run("accounts", ".")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["ACCOUNT   PROVIDER  SANDBOX",
                                       "a-demo    uis       yes",
                                       "uis-main  uis       no"]


def test_accounts_do_not_need_the_secrets_set(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UIS_TOKEN", raising=False)
    repo.write("reconciler.yaml", CONFIG)
    repo.write("sandbox/demo.json", "{}")
    assert repo.run("accounts", "--json").code == 0


def test_examples_list_the_demo_account(examples: Repo) -> None:
    result = examples.run("accounts", "examples", "--json")
    assert result.code == 0, result.err
    assert {"name": "uis-demo", "provider": "uis", "sandbox": True} in json.loads(result.out)


def test_a_broken_config_is_an_error_not_a_matrix(repo: Repo) -> None:
    repo.write("reconciler.yaml", "version: 1\naccounts:\n  x: {provider: nope, sandbox: {}}\n")
    result = repo.run("accounts", "--json")
    assert result.code == 1 and result.out == ""
    assert "reconciler.yaml:3:17: CONFIG unknown provider 'nope'" in result.err
