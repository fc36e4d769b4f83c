"""The one place reconciler speaks HTTP: timeouts, error mapping and redaction of secrets.

Exceptions raised here never chain the underlying httpx exception (``from None``): its text can hold a
URL or body with a credential in it, and the message we raise instead has every secret masked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from reconciler import __version__
from reconciler.errors import TransportError, VendorError

MASK = "***"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class Redactor:
    """Masks every known secret in a piece of text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


def new_client(*, local: bool = False) -> httpx.AsyncClient:
    """An async client with reconciler's timeouts; ``local`` (a sandbox) ignores proxy settings."""
    return httpx.AsyncClient(timeout=TIMEOUT, trust_env=not local,
                             headers={"User-Agent": f"reconciler/{__version__}"})


async def post_json(client: httpx.AsyncClient, url: str, payload: Any, redact: Redactor) -> Any:
    """POST ``payload`` as JSON and return the decoded answer; transport failures become ReconcilerErrors."""
    try:
        response = await client.post(url, json=payload)
    except httpx.TimeoutException:
        raise TransportError(redact(f"timed out waiting for {url}")) from None
    except httpx.HTTPError as exc:
        raise TransportError(redact(f"cannot reach {url}: {type(exc).__name__}: {exc}")) from None
    if response.status_code >= 400:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise VendorError(redact(f"HTTP {response.status_code} from {url}"),
                          code=str(response.status_code), final=not retryable)
    try:
        return response.json()
    except ValueError:
        raise TransportError(redact(f"answer from {url} is not JSON")) from None
