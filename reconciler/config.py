"""reconciler.yaml -> typed configuration. Secrets are accepted only as ``${env:NAME}`` references."""

from __future__ import annotations

import difflib
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from reconciler.confine import problems_outside
from reconciler.discovery import DEFAULT_DOCUMENTS, Discovery, pattern_problem
from reconciler.documents import CONFIG_NAMES, display_name, load_file
from reconciler.errors import Problem, ProblemsError, printable
from reconciler.http import TIMEOUT, Redactor, RetryPolicy, endpoint_password
from reconciler.model import Located, Pos
from reconciler.providers import PROVIDERS
from reconciler.validation import SCHEMA, LazyModel, validate

RULE = "CONFIG"
ENV_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
DEFAULT_MINUTE_LIMIT = 1000
DEFAULT_DAY_LIMIT = 100_000
MINUTE = 60.0
"""A sandbox's call limits unless its ``limits:`` block says otherwise (``reconciler.sandbox.limits``)."""
SETTLE = 60.0
"""Seconds a create whose answer was lost is looked up for before it is reported unknown (ENG-09)."""


class _Strict(LazyModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SandboxLimits(_Strict):
    """The sandbox's call limits (UIS-17): per "minute" and per day, as the vendor counts them."""

    minute: int = Field(default=DEFAULT_MINUTE_LIMIT, ge=1)
    day: int = Field(default=DEFAULT_DAY_LIMIT, ge=1)
    window_s: float = Field(default=MINUTE, gt=0, le=MINUTE,
                            description="Seconds a 'minute' window lasts: shorter only to make tests fast.")


Rate = Annotated[float, Field(ge=0, le=1)]


class Faults(LazyModel):
    """The ``faults:`` block of a sandbox account: how often, and how, its sandbox misbehaves (what each setting
    does: ``reconciler.sandbox.faults``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(default=0, ge=0, allow_inf_nan=False)
    error_rate: Rate = 0
    rate_429: Rate = 0
    retry_after: float = Field(default=1, ge=0, allow_inf_nan=False)
    timeout_rate: Rate = 0
    hang_s: float = Field(default=5, ge=0, allow_inf_nan=False)
    drop_rate: Rate = 0
    commit_delay: float = Field(default=0, ge=0, le=600, allow_inf_nan=False)
    seed: int = 0
    limit: int | None = Field(default=None, ge=0)
    only: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_draw(self) -> Faults:
        if self.error_rate + self.rate_429 + self.timeout_rate > 1:
            raise ValueError("error_rate + rate_429 + timeout_rate must not exceed 1 (one draw picks one)")
        return self


class SandboxConfig(_Strict):
    seed: str | None = None
    limits: SandboxLimits = SandboxLimits()
    faults: Faults | None = None


class AccountModel(LazyModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    provider: str
    endpoint: str | None = None
    credentials: dict[str, str] = Field(default_factory=dict)
    sandbox: SandboxConfig | None = None
    prune: bool = False


class Safety(_Strict):
    update_threshold: float = Field(default=0.3, ge=0, le=1)
    delete_threshold: float = Field(default=0.3, ge=0, le=1)
    min_existing: int = Field(default=10, ge=0)


class ApplySettings(_Strict):
    """How apply runs: operations in flight per account, and retries of calls that may succeed later."""

    concurrency: int = Field(default=8, ge=1, le=64, description="Operations in flight per account (vendor call "
                                                                 "limits are paced whatever it is).")
    attempts: int = Field(default=6, ge=1, le=20)
    backoff: float = Field(default=0.5, ge=0, le=60, description="Seconds before the first retry (doubles).")
    backoff_cap: float = Field(default=30.0, ge=0, le=600)
    timeout: float = Field(default=TIMEOUT, gt=0, le=600, description="Seconds to wait for a vendor's answer.")
    settle: float = Field(default=SETTLE, ge=0, le=3600, description="Seconds a create whose answer was lost "
                                                                      "is looked up for before it is reported unknown.")
    lock_wait: float = Field(default=0.0, ge=0, le=86400, description="Seconds an apply waits for another apply "
                                                                     "of its accounts to finish (0: fail at once).")

    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.attempts, self.backoff, self.backoff_cap, self.timeout)


DEFAULT_APPLY = ApplySettings()


class ConfigModel(_Strict):
    version: Literal[1]
    accounts: dict[str, dict[str, Any]] = Field(min_length=1)
    documents: list[str] = Field(default=list(DEFAULT_DOCUMENTS), min_length=1,
                                 description="Globs, from the folder of reconciler.yaml, of the campaign documents.")
    exclude: list[str] = Field(default=[], description="Globs of files (or folders) the documents globs name "
                                                       "that are not documents.")
    safety: Safety = Safety()
    apply: ApplySettings = ApplySettings()


@dataclass(frozen=True)
class Account:
    name: str
    provider: str
    endpoint: str | None
    credentials: Mapping[str, str]
    """Credential name -> environment variable that holds it."""
    sandbox: SandboxConfig | None
    prune: bool
    settings: Mapping[str, Any]
    source: Located

    def secrets(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The credential values, read from the environment now; a missing variable is a problem."""
        env = os.environ if environ is None else environ
        missing = [v for v in self.credentials.values() if not env.get(v)]
        if missing:
            raise ProblemsError(
                Problem(self.source.pos(("accounts", self.name, "credentials", k)), RULE,
                        f"environment variable {v} is not set (credential '{k}' of account '{self.name}')")
                for k, v in self.credentials.items() if v in missing)
        return {k: env[v] for k, v in self.credentials.items()}


@dataclass(frozen=True)
class Config:
    root: FsPath
    file: FsPath
    accounts: Mapping[str, Account]
    safety: Safety
    apply: ApplySettings = DEFAULT_APPLY
    documents: tuple[str, ...] = DEFAULT_DOCUMENTS
    exclude: tuple[str, ...] = ()

    @property
    def discovery(self) -> Discovery:
        """Which files are the repository's documents."""
        return Discovery(str(self.root), self.documents, self.exclude, skip=(self.file.name,))

    @property
    def workdir(self) -> FsPath:
        return self.root / ".reconciler"

    def resolve(self, relative: str) -> FsPath:
        return (self.root / relative).resolve()


def missing_credentials(config: Config, names: Iterable[str]) -> list[Problem]:
    """The unset credential variables of every one of the accounts ``names`` (sandbox accounts need none)."""
    problems: list[Problem] = []
    for name in names:
        try:
            config.accounts[name].secrets()
        except ProblemsError as exc:
            problems.extend(exc.problems)
    return problems


def _bad_endpoint(endpoint: str) -> str | None:
    """Why ``endpoint`` cannot be called (a port out of range, no host, not HTTP), or None."""
    try:
        url = urllib.parse.urlsplit(endpoint)
        url.port  # noqa: B018 (it raises for a port out of range or not a number)
    except ValueError as exc:
        return str(exc)
    if url.scheme.lower() not in ("http", "https"):
        return "it must start with https:// (or http://)"
    if not url.hostname:
        return "it names no host"
    return None


class ConfigProblems(ProblemsError):
    """reconciler.yaml has problems; ``partial`` is the configuration of its accounts that have none (so that
    their documents can be checked in the same run), None when there is no such account."""

    def __init__(self, problems: Iterable[Problem], partial: Config | None, broken: Iterable[str]) -> None:
        super().__init__(problems)
        self.partial = partial
        self.broken = tuple(broken)


def find_config(path: FsPath) -> FsPath:
    """reconciler.yaml in the folder ``path`` (or the folder of the file ``path``), else in the nearest folder
    above it, as git finds .git; the search stops at the root of a git repository."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.resolve().parents):
        for name in CONFIG_NAMES:
            candidate = start / name if folder is start else folder / name
            if candidate.exists() or candidate.is_symlink():  # a broken link or a loop is reported when read
                return candidate
        if (folder / ".git").exists():
            break
    raise ProblemsError([Problem(Pos(str(start / CONFIG_NAMES[0]), 1, 1), RULE,
                                 "no reconciler.yaml here or in a folder above: it names the accounts to "
                                 "reconcile")])


def load_config(path: FsPath, base: FsPath | None = None) -> Config:
    """Read and check ``reconciler.yaml`` in ``path``; every problem found is raised together."""
    file = find_config(path)
    shown = display_name(file, base or FsPath.cwd())
    docs, problems = load_file(file, shown)
    if problems:
        raise ProblemsError(problems)
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise ProblemsError([Problem(Pos(shown, 1, 1), RULE, "reconciler.yaml must be one YAML mapping")])
    doc = docs[0]
    top, problems = validate(ConfigModel, doc.data, doc.source)
    if top is None:
        raise ProblemsError(_ruled(problems))
    accounts: dict[str, Account] = {}
    broken: list[str] = []
    for name in sorted(top.accounts):
        account, found = _account(name, top.accounts[name], doc.source, file.parent)
        problems.extend(found)
        if account is not None:
            accounts[name] = account
        elif found:
            broken.append(name)
    globs = [Problem(doc.source.pos((key, i)), RULE, why) for key in ("documents", "exclude")
             for i, glob in enumerate(getattr(top, key)) if (why := pattern_problem(glob)) is not None]
    config = Config(file.parent.resolve(), file, accounts, top.safety, top.apply, tuple(top.documents),
                    tuple(top.exclude))
    if problems or globs:
        # Documents can be checked beside reconciler.yaml's problems only where they can be found.
        partial = config if len(broken) < len(top.accounts) and not globs else None
        raise ConfigProblems([*problems, *globs], partial, broken)
    return config


def _ruled(problems: list[Problem]) -> list[Problem]:
    """Schema problems of reconciler.yaml are CONFIG problems; a vendor rule a setting breaks keeps its id."""
    return [Problem(p.pos, RULE, p.message) if p.rule == SCHEMA else p for p in problems]


def _not_a_reference(key: str, value: str) -> str:
    """Why a credential is refused; an inline value is never repeated (it may be a secret, ENG-08)."""
    if value.startswith("${"):
        return (f"credential '{key}' is not a valid reference: write ${{env:NAME}}, NAME made of letters, digits "
                "and _, not starting with a digit")
    return f"credential '{key}' must be a reference like ${{env:NAME}}, never inline"


ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
"""Account names are identifiers: they name files (``.reconciler/sandbox/NAME.json``) and CI jobs."""


def _bad_name(name: str, source: Located) -> list[Problem]:
    if ACCOUNT_NAME.match(name) and ".." not in name:
        return []
    return [Problem(source.pos(("accounts", name), key=True), RULE,
                    f"account name '{printable(name, 40)}' is not an identifier: use letters, digits, '-', '_' and "
                    "'.' (not '..', not first), at most 64 characters")]


def _account(name: str, raw: Any, source: Located, root: FsPath) -> tuple[Account | None, list[Problem]]:
    where = ("accounts", name)
    bad = _bad_name(name, source)
    if bad:
        return None, bad
    model, problems = validate(AccountModel, raw, source, where)
    if model is None:
        return None, _ruled(problems)
    provider = PROVIDERS.get(model.provider)
    if provider is None:
        hint = difflib.get_close_matches(model.provider, PROVIDERS, n=1)
        msg = f"unknown provider '{model.provider}' (one of: {', '.join(sorted(PROVIDERS))})"
        if hint:
            msg += f"; did you mean '{hint[0]}'?"
        return None, [Problem(source.pos((*where, "provider")), RULE, msg)]
    Redactor(endpoint_password(model.endpoint))  # a password in the endpoint URL is masked as a credential
    extra = dict(model.model_extra or {})
    problems = []
    known = [*AccountModel.model_fields, *provider.settings_model.model_fields]
    for key in sorted(set(extra) - set(provider.settings_model.model_fields)):
        hint = difflib.get_close_matches(key, known, n=1)
        problems.append(Problem(source.pos((*where, key), key=True), RULE, f"unknown field '{key}'"
                                + (f" (did you mean '{hint[0]}'?)" if hint else "")))
        del extra[key]
    settings, found = validate(provider.settings_model, extra, source, where)
    problems.extend(_ruled(found))
    why = _bad_endpoint(model.endpoint) if model.endpoint else None
    if why is not None:
        problems.append(Problem(source.pos((*where, "endpoint")), RULE, f"endpoint is not a usable URL: {why}"))
    if model.sandbox is None:
        if not model.endpoint:
            problems.append(Problem(source.pos(where), RULE,
                                    f"account '{name}' needs an endpoint and credentials, or a sandbox: block"))
        for missing in sorted(set(provider.credential_names) - set(model.credentials)):
            problems.append(Problem(source.pos((*where, "credentials")), RULE,
                                    f"account '{name}' needs credential '{missing}'"))
    elif model.endpoint or model.credentials:
        key = "endpoint" if model.endpoint else "credentials"
        problems.append(Problem(source.pos((*where, key), key=True), RULE,
                                "a sandbox account takes no endpoint or credentials (the sandbox makes its own)"))
    seed = model.sandbox.seed if model.sandbox is not None else None
    escapes = problems_outside(str(root), seed, source.pos((*where, "sandbox", "seed"))) if seed else []
    problems.extend(escapes)
    if seed is not None and not escapes and not (root / seed).is_file():
        try:
            reason = "not a file" if (root / seed).exists() else "No such file or directory"
        except OSError as exc:
            reason = exc.strerror or "cannot be read"
        problems.append(Problem(source.pos((*where, "sandbox", "seed")), RULE,
                                f"sandbox seed {printable(seed)} cannot be read: {reason}"))
    refs: dict[str, str] = {}
    for key, value in sorted(model.credentials.items()):
        match = ENV_REF.match(value)
        if match is None:
            problems.append(Problem(source.pos((*where, "credentials", key)), RULE, _not_a_reference(key, value)))
        else:
            refs[key] = match.group(1)
    if problems or settings is None:
        return None, problems
    return Account(name, model.provider, model.endpoint, refs, model.sandbox, model.prune,
                   settings.model_dump(exclude_none=True), source), []
