"""Open a session per account: to the vendor's endpoint, or to the built-in sandbox on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.types import ASGIApp

from reconciler.config import Account, Config
from reconciler.providers import PROVIDERS
from reconciler.providers.base import AccountContext, Session
from reconciler.sandbox.faults import with_faults
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore


def context(config: Config, account: Account) -> AccountContext:
    return AccountContext(account.name, account.prune, account.settings, config.apply.retry())


def open_store(config: Config, account: Account, secrets: Collection[str] = ()) -> SandboxStore:
    """The persisted sandbox state of ``account`` (its seed on first use)."""
    assert account.sandbox is not None
    seed = config.resolve(account.sandbox.seed) if account.sandbox.seed else None
    provider = PROVIDERS[account.provider]
    return SandboxStore.open(config.workdir / "sandbox", account.name, seed, provider.seed_model, secrets)


def sandbox_app(config: Config, account: Account, credentials: Mapping[str, str]) -> ASGIApp:
    """The ASGI app of ``account``'s sandbox: its persisted state, its call limits, and its faults if any."""
    assert account.sandbox is not None
    store = open_store(config, account, credentials.values())
    limits = RateLimits(account.sandbox.limits.minute, account.sandbox.limits.day, account.sandbox.limits.window_s)
    app = PROVIDERS[account.provider].sandbox_app(store, credentials, limits)
    faults = account.sandbox.faults
    return app if faults is None else with_faults(app, faults, store)


@asynccontextmanager
async def connect(config: Config, account: Account) -> AsyncIterator[Session]:
    provider = PROVIDERS[account.provider]
    async with AsyncExitStack() as stack:
        if account.sandbox is not None:
            credentials = provider.sandbox_credentials()
            server = stack.enter_context(SandboxServer(sandbox_app(config, account, credentials)))
            session = provider.connect(context(config, account), server.url, credentials, local=True)
        else:
            assert account.endpoint is not None
            session = provider.connect(context(config, account), account.endpoint, account.secrets())
        stack.push_async_callback(session.aclose)
        yield session


@asynccontextmanager
async def connect_all(config: Config, names: Collection[str]) -> AsyncIterator[dict[str, Session]]:
    async with AsyncExitStack() as stack:
        sessions = {name: await stack.enter_async_context(connect(config, config.accounts[name]))
                    for name in sorted(names)}
        yield sessions
