"""Start-up: a command imports only what it uses (issue 21). Not a timing test: the modules loaded are
deterministic, and each one left out is start-up time saved on every run (tests/bench/startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, uis_config, uis_live_config, uis_vendor

from reconciler.config import Faults

# Runs the CLI as ``reconciler`` does, then lists every module the process imported.
LIST_MODULES = ("import json, sys; from reconciler.cli import main; code = main(sys.argv[1:]); "
                "print('MODULES', json.dumps(sorted(sys.modules)))")
SERVING = ("httpx", "httpcore", "starlette", "uvicorn", "anyio", "asyncio", "ssl", "urllib.request",
           "reconciler.sandbox.server")
RENDERING = ("rich", "deepdiff", "ruamel", "reconciler.planfile")
SANDBOX_STACK = ("reconciler.sandbox", "uvicorn", "starlette")
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
    planning = ("reconciler.engine.plan", "reconciler.engine.targeting", "reconciler.render.text",
                "reconciler.render.markdown")
    assert _loaded(modules, (*SERVING, *RENDERING, *clients, *planning)) == []


def test_validate_imports_only_the_providers_the_accounts_use(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(uis_config())
    (tmp_path / "seed.json").write_text(json.dumps({"campaigns": []}))
    (tmp_path / "a.yaml").write_text("account: u\nname: A\nsite_id: 1\n")
    modules = _modules(tmp_path, "validate", ".")
    assert _loaded(modules, tuple(f"reconciler.providers.{p}" for p in PROVIDERS)) == ["reconciler.providers.uis"]
    assert _loaded(modules, (*SERVING, *RENDERING)) == []



def test_plan_against_a_vendor_endpoint_loads_no_sandbox_stack_and_no_saved_plan_models(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An account on a vendor's endpoint (here a UIS stand-in the test serves) needs neither the built-in
    sandboxes' server nor, without --out, the saved-plan models; --out loads those (so the check can fail)."""
    with uis_vendor(tmp_path, "t0ken", Faults()) as (_, _, url):
        (tmp_path / "repo").mkdir()
        (tmp_path / "repo" / "reconciler.yaml").write_text(uis_live_config(url, "attempts: 1"))
        (tmp_path / "repo" / "a.yaml").write_text("account: live\nname: A\nsite_id: 1\n")
        monkeypatch.setenv("UIS_TOKEN", "t0ken")
        modules = _modules(tmp_path / "repo", "plan", ".")
        saved = _modules(tmp_path / "repo", "plan", ".", "--out", "plan.json")
    assert {"httpx", "reconciler.providers.uis.client", "reconciler.engine.plan"} <= modules  # it read and planned
    assert _loaded(modules, (*SANDBOX_STACK, "reconciler.planfile", "reconciler.engine.review")) == []
    assert "reconciler.planfile" in saved and _loaded(saved, SANDBOX_STACK) == []
    assert json.loads((tmp_path / "repo" / "plan.json").read_text())["operations"]


# Imports every module of the package, then builds each of its pydantic models as its first use would.
BUILD_ALL = """
import importlib, json, pkgutil
import reconciler
from pydantic import BaseModel
from reconciler.validation import LazyModel
for info in pkgutil.walk_packages(reconciler.__path__, "reconciler."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
models = {m for m in subclasses(BaseModel) if m.__module__.startswith("reconciler.")}
report = {}
for m in sorted(models, key=lambda m: (m.__module__, m.__qualname__)):
    name = f"{m.__module__}.{m.__qualname__}"
    lazy, complete = issubclass(m, LazyModel), m.__pydantic_complete__
    m.model_json_schema()  # builds the model (its core schema) if its first use has not
    report[name] = [lazy, complete, m.__pydantic_complete__, type(m.__pydantic_validator__).__name__]
print("MODELS", json.dumps(report))
"""


def test_every_model_is_built_on_first_use_and_builds() -> None:
    """Every model of the package derives from LazyModel (pydantic's defer_build: built when first used, not
    when imported), and each builds once used: an annotation that cannot be resolved would only show then."""
    done = subprocess.run([sys.executable, "-c", BUILD_ALL], capture_output=True, text=True, check=True, timeout=120)
    report = json.loads(done.stdout.rsplit("MODELS ", 1)[1])
    assert len(report) > 40
    assert [name for name, (lazy, *_) in report.items() if not lazy] == []
    assert [name for name, (_, _, built, validator) in report.items()
            if not built or validator != "SchemaValidator"] == []
    # the campaign documents' models are not built by importing them
    assert not report["reconciler.providers.uis.model.UisCampaign"][1]
