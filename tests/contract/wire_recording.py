"""What the vendor contract tests share: a recording mock transport, a seeded sandbox store, answer shapes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from reconciler.sandbox.store import SandboxStore

Handler = Callable[[httpx.Request], httpx.Response]


def recording(handler: Handler) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    """A client whose requests ``handler`` answers (no network), and the list it records them in."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.AsyncClient(transport=httpx.MockTransport(record)), seen


def run(session: Any, work: Callable[[Any], Any]) -> Any:
    """``await work(session)``, then close the session."""
    async def go() -> Any:
        try:
            return await work(session)
        finally:
            await session.aclose()
    return asyncio.run(go())


def seeded_store(root: Path, name: str, seed: Any, model: type[BaseModel], secrets: Collection[str]) -> SandboxStore:
    seed_file = root / "seed.json"
    seed_file.write_text(json.dumps(seed))
    return SandboxStore.open(root / "state", name, seed_file, model, list(secrets))


def shape(value: Any) -> Any:
    """A JSON value's shape: objects by key, lists by their first item, scalars by type (bool apart from int)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__
