"""Shared helpers: a user's repository in a temporary folder, driven through the real CLI."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import textwrap
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.types import ASGIApp

from reconciler.cli import main
from reconciler.sandbox.faults import FaultInjector, Faults, with_faults
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log

ROOT = Path(__file__).resolve().parents[1]
WRITES = frozenset({"create.campaigns", "update.campaigns", "delete.campaigns"})


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class Repo:
    """A reconciler repository in a temp folder; commands run in-process with the folder as cwd."""

    def __init__(self, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.path = path
        self._capsys = capsys

    def write(self, rel: str, text: str) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def write_json(self, rel: str, data: Any) -> Path:
        return self.write(rel, json.dumps(data, indent=1))

    def run(self, *args: str) -> Run:
        self._capsys.readouterr()
        code = main(list(args))
        captured = self._capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def requests(self, account: str) -> list[dict[str, Any]]:
        return read_log(self.path / ".reconciler" / "sandbox" / f"{account}.requests.jsonl")

    def writes(self, account: str, since: int = 0) -> list[dict[str, Any]]:
        return [r for r in self.requests(account)[since:] if r["operation"] in WRITES]

    def state(self, account: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / ".reconciler" / "sandbox" / f"{account}.json").read_text())
        return data


def run_quietly(*args: str) -> tuple[int, str]:
    """The CLI in-process with its output captured, for tests that cannot use pytest's function fixtures
    (hypothesis examples): exit code and stdout + stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue()


ANYWHERE = "documents: ['**/*.y*ml']\n"
"""reconciler.yaml's line for documents anywhere in the repository: tests write them beside it."""


def uis_config(prune: bool = False, settings: str = "", documents: str = ANYWHERE) -> str:
    """reconciler.yaml with one UIS account ``u`` on the sandbox seeded from seed.json, documents anywhere
    (``documents``: its documents line); ``settings`` are more lines of the account (indented by four spaces)."""
    return (f"version: 1\n{documents}accounts:\n  u:\n    provider: uis\n    sandbox: {{seed: seed.json}}\n"
            f"    prune: {str(prune).lower()}\n{settings}")


def uis_campaign(cid: int, name: str, **fields: Any) -> dict[str, Any]:
    """A basic, active UIS campaign on site 1, in the sandbox seed format."""
    return {"id": cid, "name": name, "type": "basic", "status": "active", "site_id": 1, **fields}


def uis_seed(*campaigns: dict[str, Any]) -> dict[str, Any]:
    """A UIS sandbox seed: two sites, three numbers (two va, one call_tracking), one redirection number."""
    return {
        "sites": [{"id": 1, "domain_name": "a.example", "site_blocks": [
            {"site_block_id": 11, "site_block_name": "Header"}, {"site_block_id": 12, "site_block_name": "Footer"}]},
            {"id": 2, "domain_name": "b.example", "site_blocks": []}],
        "phone_numbers": [{"id": 501, "phone_number": "74950000501", "type": "va"},
                          {"id": 502, "phone_number": "74950000502", "type": "va"},
                          {"id": 503, "phone_number": "74950000503", "type": "call_tracking"}],
        "redirection_phone_numbers": [{"id": 77, "phone_number": "74957770077"}],
        "campaigns": list(campaigns),
    }


@pytest.fixture(autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Document caches go to a temporary folder, not the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path, capsys)


@pytest.fixture
def examples(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A copy of examples/ (without working files), as a user would clone it."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".reconciler"))
    monkeypatch.chdir(tmp_path)
    return Repo(tmp_path / "examples", capsys)


@contextlib.contextmanager
def canary_vendor(root: Path, seed: Mapping[str, Any], seed_model: type[BaseModel], canaries: Collection[str],
                  app: Callable[[SandboxStore], ASGIApp]) -> Iterator[tuple[SandboxStore, str, str]]:
    """For ENG-08 tests: a stand-in for a real vendor (a sandbox knowing the canary credentials) at one URL,
    and the same vendor answering only HTTP 500 at another; its request log masks the canaries."""
    (root / "vendor-seed.json").write_text(json.dumps(seed))
    store = SandboxStore.open(root / "vendor", "live", root / "vendor-seed.json", seed_model, canaries)
    served = app(store)
    with SandboxServer(served) as good, SandboxServer(with_faults(served, Faults(error_rate=1), store)) as bad:
        yield store, good.url, bad.url


def leaked(canaries: Collection[str], text: str) -> bool:
    return any(canary in text for canary in canaries)


def assert_nothing_leaks(canaries: Collection[str], runs: Iterable[Run], store: SandboxStore, root: Path) -> None:
    """ENG-08: no canary in any run's output or DEBUG log, in the vendor's request log, or in a file under
    ``root`` (plan files, sandbox state, caches)."""
    for r in runs:
        assert not leaked(canaries, r.out) and not leaked(canaries, r.err), r
    assert store.log_path.exists() and not leaked(canaries, store.log_path.read_text())
    for path in root.rglob("*"):
        if path.is_file():
            assert not leaked(canaries, path.read_text(errors="replace")), path


def uis_live_config(url: str, apply: str) -> str:
    """reconciler.yaml with one UIS account ``live`` on ``url`` (a vendor the test serves, which outlives the
    runs), its token in UIS_TOKEN; ``apply``: the settings of the ``apply:`` block."""
    return (f"version: 1\n{ANYWHERE}accounts:\n  live:\n    provider: uis\n    endpoint: {url}\n"
            '    credentials: {access_token: "${env:UIS_TOKEN}"}\n' f"apply: {{{apply}}}\n")


@contextlib.contextmanager
def uis_vendor(root: Path, token: str, faults: Faults) -> Iterator[tuple[SandboxStore, FaultInjector, str]]:
    """A UIS vendor served by the test (empty seed, ``faults``), which knows ``token``: its store, its fault
    injector and its URL."""
    from reconciler.providers.uis.model import UisSeed
    from reconciler.providers.uis.sandbox import build_app
    from reconciler.sandbox.limits import RateLimits

    (root / "vendor-seed.json").write_text(json.dumps(uis_seed()))
    store = SandboxStore.open(root / "vendor", "live", root / "vendor-seed.json", UisSeed, [token])
    app = with_faults(build_app(store, token, RateLimits(1000, 100_000)), faults, store)
    with SandboxServer(app) as server:
        yield store, app, server.url


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example repository (without its working files) to run the CLI in."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".reconciler"))
    return tmp_path / "examples"


FEW = "account: u\nname: {name}\nstatus: active\nsite_id: 1\ndescription: '{text}'\n"
"""A small UIS campaign document, ``FEW.format(name=..., text=...)``."""


def few_campaigns(repo: Repo, n: int = 3) -> None:
    """``repo``: the UIS sandbox account ``u`` and ``n`` documents ``c/<i>.yaml`` (campaign ``C<i>``)."""
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed())
    for i in range(n):
        repo.write(f"c/{i}.yaml", FEW.format(name=f"C{i}", text=f"t{i}"))
