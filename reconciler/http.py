"""The one place reconciler speaks HTTP: timeouts, error mapping and redaction of secrets.

Exceptions raised here never chain the underlying httpx exception (``from None``): its text can hold a
URL or body with a credential in it, and the message we raise instead has every secret masked.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import random
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from reconciler import __version__
from reconciler.errors import TransportError, VendorError
from reconciler.terminal import waiting

if TYPE_CHECKING:  # imported by the functions that speak HTTP: offline commands (validate) never load them
    import ssl

    import httpx

MASK = "***"
TIMEOUT = 30.0
"""Seconds to wait for a vendor's answer (``apply: {timeout: ...}`` in reconciler.yaml)."""
MAX_RETRY_AFTER = 300.0
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a vendor's own wait hint (Retry-After, reset times) is honoured."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    timeout: float = TIMEOUT
    """Seconds a call may wait for its answer before it counts as timed out (and may be retried)."""

    def delay(self, attempt: int, hint: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        backoff = min(self.cap, self.base * 2 ** attempt)
        jittered = (rng or random).uniform(backoff / 2, backoff)
        return max(jittered, min(hint, MAX_RETRY_AFTER)) if hint is not None else jittered


DEFAULT_RETRY = RetryPolicy()


async def retrying(call: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """``call()`` until it succeeds, a final error, or the attempts run out. Only for calls safe to repeat."""
    for attempt in range(policy.attempts):
        try:
            return await call()
        except VendorError as exc:
            if exc.final or attempt + 1 >= policy.attempts:
                exc.attempts = attempt + 1
                raise
            await pause_to_retry(exc, policy.delay(attempt, exc.retry_after))
    raise AssertionError("unreachable: attempts >= 1")


async def pause_to_retry(exc: VendorError, seconds: float) -> None:
    """Sleep before retrying after ``exc``; a wait the vendor asked for (a rate limit's reset, Retry-After)
    is told to the person running the command, with what waits and how long."""
    if exc.retry_after is not None:
        waiting(str(exc), seconds, "the vendor's rate limit to allow a retry")
    import asyncio

    await asyncio.sleep(seconds)


def retry_after(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (the HTTP-date form is not used by our vendors)."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


_EVERY_SECRET: set[str] = set()
"""Every secret any Redactor of this process was given, in every form: the log filter masks them all."""
SHORTEST_FORM = 6
"""A derived form shorter than this is not masked (it could be any short word); the secret itself always is."""
URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^/\s:@]*:)([^/\s@]+)(@)", re.IGNORECASE)
"""The password of a URL's userinfo (``https://user:password@host``), wherever a URL is written."""


def forms(secret: str) -> set[str]:
    """``secret`` as it may appear on the way to and from a vendor: itself, JSON-escaped (ASCII or not), in a
    Python repr (a logged dict), URL-encoded (path, form and query styles) and Base64 (standard and URL-safe,
    on its own or inside a longer encoded value such as an HTTP Basic token, at each of the three byte
    alignments)."""
    found = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1],
             urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret), urllib.parse.quote_plus(secret)}
    raw = secret.encode()
    for shift in range(3):  # inside a longer value, the secret's bytes may start at any of 3 offsets
        encoded = base64.b64encode(bytes(shift) + raw).decode()
        core = encoded[(shift * 8 + 5) // 6: (shift + len(raw)) * 8 // 6]  # the characters of its bits only
        found |= {core, core.replace("+", "-").replace("/", "_")}
    whole = base64.b64encode(raw).decode()
    found |= {whole, base64.urlsafe_b64encode(raw).decode()}
    return {f for f in found if f == secret or len(f) >= SHORTEST_FORM}


class Redactor:
    """Masks every known secret, in each of its ``forms``, and every password of a URL, in a piece of text."""

    def __init__(self, secrets: Iterable[str], *, derived: bool = True) -> None:
        given = {s for s in secrets if s}
        every = {f for s in given for f in forms(s)} if derived else given
        self._secrets = sorted(every, key=len, reverse=True)
        _EVERY_SECRET.update(self._secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return URL_PASSWORD.sub(rf"\1{MASK}\3", text) if "@" in text else text


class RedactingFilter(logging.Filter):
    """Put on a log handler: each record is formatted, then every secret known to the process is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = Redactor(_EVERY_SECRET, derived=False)(record.getMessage()), None
        return True


def masked(text: str) -> str:
    """``text`` with every secret this process knows masked (for text whose origin is unknown)."""
    return Redactor(_EVERY_SECRET, derived=False)(text)


def endpoint_password(endpoint: str | None) -> list[str]:
    """The password written in an endpoint URL's userinfo (as written and decoded), to be masked like a
    credential; none when it has none."""
    try:
        password = urllib.parse.urlsplit(endpoint or "").password
    except ValueError:
        return []
    return [password, urllib.parse.unquote(password)] if password else []


def new_client(*, local: bool = False, timeout: float = TIMEOUT, tls: bool = True) -> httpx.AsyncClient:
    """An async client waiting ``timeout`` seconds for answers (connecting: at most 10); ``local`` (a
    sandbox) ignores proxy settings; without ``tls`` (a plain-HTTP endpoint) it trusts no certificate."""
    import httpx

    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), trust_env=not local,
                             verify=_tls() if tls else _no_tls(),
                             headers={"User-Agent": f"reconciler/{__version__}"})


def needs_tls(endpoint: str, *, local: bool) -> bool:
    """Whether a client for ``endpoint`` may speak TLS: an https endpoint, or a proxy from the environment
    (which may be one). Only those need the CA bundle."""
    from urllib.request import getproxies  # with http.client and email: not for offline commands

    return urllib.parse.urlsplit(endpoint).scheme.lower() != "http" or (not local and bool(getproxies()))


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client of the run: loading the CA bundle costs about 60 ms each time."""
    import httpx

    return httpx.create_ssl_context()


@functools.cache
def _no_tls() -> ssl.SSLContext:
    """A context with no CA at all, for clients that never speak TLS: loading none saves those 60 ms, and a
    TLS connection it were ever asked for would fail verification rather than go unchecked."""
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


async def send(client: httpx.AsyncClient, method: str, url: str, redact: Redactor, *, check: bool = True,
               **kwargs: Any) -> httpx.Response:
    """One HTTP request; a transport failure becomes a VendorError, secrets masked, and so does an HTTP error
    status unless ``check`` is off (for a vendor whose error bodies say more than the status)."""
    import httpx

    try:
        response = await client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # never sent
        raise TransportError(redact(f"cannot connect to {url}: {exc}"), maybe_applied=False) from None
    except httpx.TimeoutException:
        raise TransportError(redact(f"timed out waiting for {url}"), pending=True) from None
    except httpx.HTTPError as exc:
        raise TransportError(redact(f"no answer from {url}: {type(exc).__name__}: {exc}")) from None
    return checked(response, url, redact) if check else response


def checked(response: httpx.Response, url: str, redact: Redactor) -> httpx.Response:
    """``response`` if it succeeded; else a VendorError: 429 and 5xx retryable (429 certainly not applied;
    502 and 504 come from a gateway that gave up waiting, so the request may still be running: pending)."""
    status = response.status_code
    if status >= 400:
        error = VendorError(redact(f"HTTP {status} from {url}"), code=str(status),
                            final=not (status == 429 or status >= 500), retry_after=retry_after(response),
                            maybe_applied=status != 429)
        error.pending = status in (502, 504)
        raise error
    return response


async def post_json(client: httpx.AsyncClient, url: str, payload: Any, redact: Redactor) -> Any:
    """POST ``payload`` as JSON and return the decoded answer; transport failures become ReconcilerErrors."""
    response = await send(client, "POST", url, redact, json=payload)
    try:
        return orjson.loads(response.content)  # a page of 10,000 campaigns decodes 3 times faster than with json
    except ValueError:
        raise TransportError(redact(f"answer from {url} is not JSON")) from None
