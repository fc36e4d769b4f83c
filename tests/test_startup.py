"""Start-up: a command imports only what it uses (issue 21). Not a timing test: the modules loaded are
deterministic, and each one left out is start-up time saved on every run (tests/bench/startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, uis_config

# Runs the CLI as ``reconciler`` does, then lists every module the process imported.
LIST_MODULES = ("import json, sys; from reconciler.cli import main; code = main(sys.argv[1:]); "
                "print('MODULES', json.dumps(sorted(sys.modules)))")
SERVING = ("httpx", "httpcore", "starlette", "uvicorn", "anyio", "asyncio", "ssl", "urllib.request",
           "reconciler.sandbox.server")
RENDERING = ("rich", "deepdiff", "ruamel", "reconciler.planfile")
PROVIDERS = ("callfire", "enswitch", "topsort", "uis")


def _modules(cwd: Path, *args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", LIST_MODULES, *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=60)
    last = done.stdout.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("MODULES "), done.stdout + done.stderr
    return set(json.loads(last.removeprefix("MODULES ")))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` (packages: with any of their modules) that were imported."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_help_imports_no_provider_no_pydantic_and_nothing_that_serves_or_renders() -> None:
    modules = _modules(ROOT, "--help")
    assert "click" in modules
    assert _loaded(modules, (*SERVING, *RENDERING, "pydantic", "yaml", "reconciler.config",
                             *(f"reconciler.providers.{p}" for p in PROVIDERS))) == []


def test_validate_examples_imports_the_models_of_its_providers_but_no_client_sandbox_or_renderer() -> None:
    modules = _modules(ROOT / "examples", "validate", ".")
    assert {"pydantic", "yaml", *(f"reconciler.providers.{p}.model" for p in PROVIDERS)} <= modules
    clients = tuple(f"reconciler.providers.{p}.{part}" for p in PROVIDERS for part in ("client", "sandbox"))
    assert _loaded(modules, (*SERVING, *RENDERING, *clients)) == []


def test_validate_imports_only_the_providers_the_accounts_use(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(uis_config())
    (tmp_path / "seed.json").write_text(json.dumps({"campaigns": []}))
    (tmp_path / "a.yaml").write_text("account: u\nname: A\nsite_id: 1\n")
    modules = _modules(tmp_path, "validate", ".")
    assert _loaded(modules, tuple(f"reconciler.providers.{p}" for p in PROVIDERS)) == ["reconciler.providers.uis"]
    assert _loaded(modules, (*SERVING, *RENDERING)) == []
