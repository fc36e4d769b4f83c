from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ProblemsError


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "reconciler.yaml").write_text(text)
    return tmp_path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ProblemsError) as err:
        load_config(_config(tmp_path, text), base=tmp_path)
    return [str(p) for p in err.value.problems]


def test_typed_accounts_with_env_credentials_and_settings(tmp_path: Path) -> None:
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "demo.json").write_text("{}")
    config = load_config(_config(tmp_path, """version: 1
accounts:
  main:
    provider: uis
    endpoint: https://dataapi.uiscom.ru/v2.0
    credentials: {access_token: "${env:UIS_TOKEN}"}
    user_id: 4521
    prune: true
  demo:
    provider: uis
    sandbox: {seed: sandbox/demo.json, limits: {minute: 60}}
safety: {update_threshold: 0.5}
"""), base=tmp_path)
    main = config.accounts["main"]
    assert main.credentials == {"access_token": "UIS_TOKEN"} and main.prune
    assert main.settings == {"user_id": 4521, "agent": False}
    assert main.secrets({"UIS_TOKEN": "t0k"}) == {"access_token": "t0k"}
    demo = config.accounts["demo"]
    assert demo.sandbox is not None and demo.sandbox.limits.minute == 60 and not demo.prune
    assert demo.sandbox.limits.window_s == 60  # a real minute unless a test shortens it (UIS-17)
    assert config.safety.update_threshold == 0.5 and config.safety.min_existing == 10


def test_inline_secret_is_refused_at_its_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """version: 1
accounts:
  main:
    provider: uis
    endpoint: https://x
    credentials:
      access_token: abc123
""")
    assert problems == ["reconciler.yaml:7:21: CONFIG credential 'access_token' must be a reference like "
                        "${env:NAME}, never inline"]


def test_all_problems_are_reported_with_suggestions(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """version: 1
accounts:
  a:
    provider: uiss
  b:
    provider: uis
    sandbox: {seed: s.json}
    prnue: true
  c:
    provider: uis
""")
    assert problems == [
        "reconciler.yaml:4:15: CONFIG unknown provider 'uiss' (one of: callfire, enswitch, topsort, uis); "
        "did you mean 'uis'?",
        "reconciler.yaml:7:21: CONFIG sandbox seed s.json cannot be read: No such file or directory",
        "reconciler.yaml:8:5: CONFIG unknown field 'prnue' (did you mean 'prune'?)",
        "reconciler.yaml:10:5: CONFIG account 'c' needs an endpoint and credentials, or a sandbox: block",
        "reconciler.yaml:10:5: CONFIG account 'c' needs credential 'access_token'",
    ]


def test_missing_environment_variable_names_the_credential(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, """version: 1
accounts:
  main: {provider: uis, endpoint: "https://x", credentials: {access_token: "${env:NOPE_TOKEN}"}}
"""), base=tmp_path)
    with pytest.raises(ProblemsError) as err:
        config.accounts["main"].secrets({})
    assert "environment variable NOPE_TOKEN is not set" in str(err.value)


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError) as err:
        load_config(tmp_path)
    assert "no reconciler.yaml here" in str(err.value)
