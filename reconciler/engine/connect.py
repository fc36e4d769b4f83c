"""Open a session per account: to the vendor's endpoint, or to the built-in sandbox on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager

from reconciler.config import Account, Config
from reconciler.providers import PROVIDERS
from reconciler.providers.base import AccountContext, Session
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore


def context(account: Account) -> AccountContext:
    return AccountContext(account.name, account.prune, account.settings)


def open_store(config: Config, account: Account, secrets: Collection[str] = ()) -> SandboxStore:
    """The persisted sandbox state of ``account`` (its seed on first use)."""
    assert account.sandbox is not None
    seed = config.resolve(account.sandbox.seed) if account.sandbox.seed else None
    provider = PROVIDERS[account.provider]
    return SandboxStore.open(config.workdir / "sandbox", account.name, seed, provider.seed_model, secrets)


@asynccontextmanager
async def connect(config: Config, account: Account) -> AsyncIterator[Session]:
    provider = PROVIDERS[account.provider]
    async with AsyncExitStack() as stack:
        if account.sandbox is not None:
            credentials = provider.sandbox_credentials()
            store = open_store(config, account, credentials.values())
            limits = RateLimits(account.sandbox.limits.minute, account.sandbox.limits.day)
            server = stack.enter_context(SandboxServer(provider.sandbox_app(store, credentials, limits)))
            session = provider.connect(context(account), server.url, credentials, local=True)
        else:
            assert account.endpoint is not None
            session = provider.connect(context(account), account.endpoint, account.secrets())
        stack.push_async_callback(session.aclose)
        yield session


@asynccontextmanager
async def connect_all(config: Config, names: Collection[str]) -> AsyncIterator[dict[str, Session]]:
    async with AsyncExitStack() as stack:
        sessions = {name: await stack.enter_async_context(connect(config, config.accounts[name]))
                    for name in sorted(names)}
        yield sessions
