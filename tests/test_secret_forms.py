"""ENG-08 for every vendor, with credentials holding the characters that change with each encoding (``"``,
``\\``, ``@``, ``:``): no credential appears, raw, JSON-escaped, URL-encoded or in Base64, in any output, the
DEBUG log, plan files or the vendor's request log; nor does the password of an endpoint URL."""

from __future__ import annotations

import base64
import json
import secrets
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, Run, canary_vendor
from conftest import uis_seed as seed
from pydantic import BaseModel
from starlette.types import ASGIApp

from reconciler.http import Redactor, forms
from reconciler.providers.callfire.model import CallFireSeed
from reconciler.providers.callfire.sandbox import PREFIX
from reconciler.providers.callfire.sandbox import build_app as callfire_app
from reconciler.providers.enswitch.model import EnswitchSeed
from reconciler.providers.enswitch.sandbox import build_app as enswitch_app
from reconciler.providers.topsort.model import TopsortSeed
from reconciler.providers.topsort.sandbox import build_app as topsort_app
from reconciler.providers.uis.model import UisSeed
from reconciler.providers.uis.sandbox import build_app as uis_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

TOKEN = f'CANARY"to\\k@{secrets.token_hex(6)}:{secrets.token_hex(6)}'
USER = f'CANARY"us\\er@{secrets.token_hex(6)}'  # HTTP Basic: a user name cannot hold ':'
PASSWORD = f'CANARY"pa\\ss@{secrets.token_hex(6)}:{secrets.token_hex(6)}'
WRONG = f'CANARY"wr\\ong@{secrets.token_hex(6)}:{secrets.token_hex(6)}'
URL_PASSWORD = f"CANARYurl{secrets.token_hex(8)}"
CANARIES = (TOKEN, USER, PASSWORD, WRONG, URL_PASSWORD)


@dataclass(frozen=True)
class Vendor:
    provider: str
    seed: dict[str, Any]
    seed_model: type[BaseModel]
    app: Callable[[SandboxStore], ASGIApp]
    credentials: dict[str, str]
    """credential name -> canary"""
    document: str
    settings: str = ""
    path: str = ""
    secret: str = field(default=TOKEN)
    """The credential the wrong-credential run replaces."""


TOPSORT_ID = "00000000-0000-4000-8000-000000000001"
VENDORS = {
    "uis": Vendor("uis", seed({"id": 5, "name": "A", "type": "basic", "status": "active", "site_id": 1}), UisSeed,
                  lambda s: uis_app(s, TOKEN, RateLimits(1000, 100_000)), {"access_token": TOKEN},
                  "account: live\nname: A\ndescription: new\n"),
    "enswitch": Vendor("enswitch", {"campaigns": [{"id": 1, "name": "A", "dtype": "queue", "dnumber": "700"}]},
                       EnswitchSeed, lambda s: enswitch_app(s, USER, PASSWORD),
                       {"auth_username": USER, "auth_password": PASSWORD}, "account: live\nname: A\nmaximum: 4\n",
                       secret=PASSWORD),
    "callfire": Vendor("callfire", {"campaigns": [{"id": 1, "Name": "A", "Status": "STOPPED", "Script": "Hi"}]},
                       CallFireSeed, lambda s: callfire_app(s, USER, PASSWORD), {"login": USER, "password": PASSWORD},
                       "account: live\nName: A\nScript: New\n", path=PREFIX, secret=PASSWORD),
    "topsort": Vendor("topsort", {"campaigns": [{"campaignId": TOPSORT_ID, "name": "A", "campaignType": "manual",
                                                 "vendorId": "acme", "startDate": "2024-01-01T00:00:00Z",
                                                 "endDate": "2099-01-01T00:00:00Z"}]},
                      TopsortSeed, lambda s: topsort_app(s, TOKEN, RateLimits()), {"api_key": TOKEN},
                      "account: live\nname: A\nisSmart: true\n",
                      settings="    vendor_id: acme\n"),
}


def _every_form(canaries: Iterable[str]) -> set[str]:
    found = {f for c in canaries for f in forms(c)}
    for c in canaries:  # the Basic token of the user and password, as the Authorization header carries it
        found.add(base64.b64encode(f"{USER}:{c}".encode()).decode())
    return found


LEAKS = _every_form(CANARIES)


def _leaks(text: str) -> list[str]:
    return sorted(f for f in LEAKS if f in text)


def _config(v: Vendor, url: str) -> str:
    refs = ", ".join(f'{name}: "${{env:CANARY_{name.upper()}}}"' for name in v.credentials)
    return (f"version: 1\naccounts:\n  live:\n    provider: {v.provider}\n    endpoint: {url}{v.path}\n"
            f"    credentials: {{{refs}}}\n{v.settings}apply: {{attempts: 2, backoff: 0.01}}\n")


@pytest.fixture
def vendor_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor")


@pytest.fixture(params=sorted(VENDORS))
def vendor(request: pytest.FixtureRequest, vendor_root: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[Vendor, SandboxStore, str, str]]:
    v = VENDORS[request.param]
    for name, value in v.credentials.items():
        monkeypatch.setenv(f"CANARY_{name.upper()}", value)
    with canary_vendor(vendor_root, v.seed, v.seed_model, CANARIES, v.app) as (store, good, bad):
        yield v, store, good, bad


def test_eng_08_no_form_of_any_credential_appears_anywhere(
        repo: Repo, vendor_root: Path, vendor: tuple[Vendor, SandboxStore, str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    v, store, good, bad = vendor
    repo.write("reconciler.yaml", _config(v, good))
    repo.write("a.yaml", v.document)
    runs: list[Run] = [repo.run("--debug", "plan", "-o", "plan.json"),
                       repo.run("--debug", "show", "plan.json", "--format", "json"),
                       repo.run("--debug", "apply", "--yes")]
    assert [r.code for r in runs] == [0, 0, 0], runs
    assert " DEBUG " in runs[0].err  # the DEBUG log did run
    name = next(n for n, value in v.credentials.items() if value == v.secret)
    monkeypatch.setenv(f"CANARY_{name.upper()}", WRONG)
    runs.append(repo.run("--debug", "plan"))  # the vendor refuses the credential
    assert runs[-1].code == 1
    monkeypatch.setenv(f"CANARY_{name.upper()}", v.secret)
    repo.write("reconciler.yaml", _config(v, bad))
    runs.append(repo.run("--debug", "plan"))  # HTTP 500 on every call
    assert runs[-1].code == 1 and "500" in runs[-1].err
    unreachable = f"http://someone:{URL_PASSWORD}@127.0.0.1:1"
    repo.write("reconciler.yaml", _config(v, unreachable).replace(v.path, ""))
    runs.append(repo.run("--debug", "plan"))  # a connection error naming the endpoint
    assert runs[-1].code == 1 and "cannot connect to http://someone:***@127.0.0.1:1" in runs[-1].err, runs[-1].err
    for r in runs:
        assert _leaks(r.out + r.err) == [], r
    assert store.log_path.exists() and _leaks(store.log_path.read_text()) == []
    for path in [*repo.path.rglob("*"), *vendor_root.rglob("*")]:
        if path.is_file() and path.name != "reconciler.yaml":
            assert _leaks(path.read_text(errors="replace")) == [], path


@pytest.mark.parametrize("secret", [TOKEN, PASSWORD, 'a"b\\c@d:e/f+g=h'])
def test_every_form_of_a_secret_is_masked_in_text(secret: str) -> None:
    redact = Redactor([secret])
    encoded = [secret, json.dumps(secret)[1:-1], json.dumps({"t": secret}), f"token={secret}",
               urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)]
    encoded += [base64.b64encode(prefix + secret.encode() + b"!").decode() for prefix in (b"", b"u:", b"us:")]
    encoded += [base64.urlsafe_b64encode(secret.encode()).decode()]
    for text in encoded:
        masked = redact(f"before {text} after")
        assert secret not in masked and not any(f in masked for f in forms(secret)), (text, masked)
        assert masked.startswith("before ") and masked.endswith(" after")


def test_a_password_in_any_url_is_masked() -> None:
    redact = Redactor([])
    assert redact("GET https://bob:s3cr%40t@api.example/v1 failed") == "GET https://bob:***@api.example/v1 failed"
    assert redact("see http://api.example/a@b") == "see http://api.example/a@b"  # no userinfo: nothing to mask
