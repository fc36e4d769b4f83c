"""Open a session per account: to the vendor's endpoint, or to the built-in sandbox on loopback.

The sandbox stack (its server, store, limits and faults; uvicorn and starlette) is imported only when an
account of the run has a sandbox: a run against the vendors' endpoints does not load it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from reconciler.config import Account, Config
from reconciler.providers import PROVIDERS
from reconciler.providers.base import AccountContext, Session

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from reconciler.sandbox.store import SandboxStore


def context(config: Config, account: Account) -> AccountContext:
    return AccountContext(account.name, account.prune, account.settings, config.apply.retry())


def open_store(config: Config, account: Account, secrets: Collection[str] = ()) -> SandboxStore:
    """The persisted sandbox state of ``account`` (its seed on first use)."""
    from reconciler.sandbox.store import SandboxStore

    assert account.sandbox is not None
    seed = config.resolve(account.sandbox.seed) if account.sandbox.seed else None
    provider = PROVIDERS[account.provider]
    return SandboxStore.open(config.workdir / "sandbox", account.name, seed, provider.seed_model, secrets)


def sandbox_app(config: Config, account: Account, credentials: Mapping[str, str]) -> ASGIApp:
    """The ASGI app of ``account``'s sandbox: its persisted state, its call limits, and its faults if any."""
    from reconciler.sandbox.faults import with_faults
    from reconciler.sandbox.limits import RateLimits

    assert account.sandbox is not None
    store = open_store(config, account, credentials.values())
    limits = RateLimits(account.sandbox.limits.minute, account.sandbox.limits.day, account.sandbox.limits.window_s)
    app = PROVIDERS[account.provider].sandbox_app(store, credentials, limits)
    faults = account.sandbox.faults
    return app if faults is None else with_faults(app, faults, store)


@asynccontextmanager
async def connect(config: Config, account: Account) -> AsyncIterator[Session]:
    async with connect_all(config, [account.name]) as sessions:
        yield sessions[account.name]


@asynccontextmanager
async def connect_all(config: Config, names: Collection[str]) -> AsyncIterator[dict[str, Session]]:
    """A session for each account named; the built-in sandboxes among them start together and stop together,
    after the sessions are closed."""
    accounts = [config.accounts[name] for name in sorted(names)]
    boxes = [account for account in accounts if account.sandbox is not None]
    credentials = {a.name: PROVIDERS[a.provider].sandbox_credentials() for a in boxes}
    async with AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        if boxes:
            from reconciler.sandbox.server import serving

            servers = stack.enter_context(serving([sandbox_app(config, a, credentials[a.name]) for a in boxes]))
            urls = {a.name: server.url for a, server in zip(boxes, servers, strict=True)}
        sessions: dict[str, Session] = {}
        for account in accounts:
            provider, at = PROVIDERS[account.provider], context(config, account)
            if account.name in urls:
                session = provider.connect(at, urls[account.name], credentials[account.name], local=True)
            else:
                assert account.endpoint is not None
                session = provider.connect(at, account.endpoint, account.secrets())
            stack.push_async_callback(session.aclose)
            sessions[account.name] = session
        yield sessions
