"""Fault injection for any sandbox: an ASGI middleware that makes a vendor's sandbox misbehave on purpose.

It knows no vendor: it wraps the sandbox's ASGI app and watches the store's ``changes`` counter. For each
HTTP request, in this order:

1. The request body is read in full first, so a request whose client gives up while it waits still runs.
2. ``latency_ms`` is waited before every answer, faulted or not (latency is not counted as a fault).
3. One draw ``u`` in [0, 1) picks at most one fault: ``u < error_rate`` answers HTTP 500; the next
   ``rate_429`` of the range answers HTTP 429 with ``Retry-After: retry_after``; the next ``timeout_rate``
   hangs ``hang_s`` seconds and THEN runs the request normally (the client has given up by then, but the
   change is committed). 500 and 429 answer without calling the sandbox: they change nothing and are not in
   its request log. The three rates together may not exceed 1.
4. A request that changed the store (``changes`` moved while it ran) draws again: below ``drop_rate`` its
   answer is lost. The status line and headers (with the real Content-Length) go out, then the connection
   closes without the body, so the client sees a protocol error (httpx: ``RemoteProtocolError``), never an
   HTTP status. Reads are never dropped.
   With ``commit_delay`` (seconds), a lost answer is a slow vendor instead: the drop is drawn before the
   request runs, for any request (a read's lost answer is simply asked again); the answer's head goes out and
   the connection closes at once, and the request runs ``commit_delay`` seconds later. A client looking the
   change up meanwhile does not find it yet (ENG-09).

``only`` limits the faults to requests whose path or body contains that text (a JSON-RPC method, say).
At most ``limit`` faults are injected in all; once reached, no more draws are made. The draws come from
``random.Random(seed)``: the same requests in the same order meet the same faults. "Changed" is judged by a
store-wide counter, so a read that overlaps a concurrent write may be taken for a change.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reconciler.config import Faults

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from reconciler.sandbox.store import SandboxStore

Kind = Literal["error", "throttle", "timeout", "drop"]


@dataclass
class FaultStats:
    """How many faults of each kind were injected so far."""

    error: int = 0
    throttle: int = 0
    timeout: int = 0
    drop: int = 0

    @property
    def injected(self) -> int:
        return self.error + self.throttle + self.timeout + self.drop

    def count(self, kind: Kind) -> None:
        setattr(self, kind, getattr(self, kind) + 1)


class FaultInjector:
    """The ASGI middleware; ``stats`` counts what it injected."""

    def __init__(self, app: ASGIApp, faults: Faults, store: SandboxStore) -> None:
        self.app = app
        self.faults = faults
        self.store = store
        self.stats = FaultStats()
        self._random = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._late: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        receive, body = await _buffered(receive)
        only = self.faults.only
        if only is not None and only not in scope.get("path", "") and only.encode() not in body:
            await self.app(scope, receive, send)
            return
        if self.faults.latency_ms:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        kind = self._draw()
        if kind == "error":
            await _respond(send, 500, "injected fault: internal server error")
        elif kind == "throttle":
            await _respond(send, 429, "injected fault: too many requests",
                           [(b"retry-after", f"{self.faults.retry_after:g}".encode())])
        else:
            if kind == "timeout":
                await asyncio.sleep(self.faults.hang_s)
            await self._run(scope, receive, send)

    def _draw(self) -> Kind | None:
        """The fault for this request, if any (one draw)."""
        f = self.faults
        choices: tuple[tuple[Kind, float], ...] = (
            ("error", f.error_rate), ("throttle", f.rate_429), ("timeout", f.timeout_rate))
        with self._lock:
            if self._exhausted():
                return None
            u = self._random.random()
            for kind, rate in choices:
                if u < rate:
                    return self._counted(kind)
                u -= rate
            return None

    def _draw_drop(self) -> bool:
        with self._lock:
            if self._exhausted() or self._random.random() >= self.faults.drop_rate:
                return False
            self._counted("drop")
            return True

    def _exhausted(self) -> bool:
        return self.faults.limit is not None and self.stats.injected >= self.faults.limit

    def _counted(self, kind: Kind) -> Kind:
        self.stats.count(kind)
        return kind

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The sandbox answers; with a ``drop_rate``, its answer is held until we know whether to drop it."""
        if not self.faults.drop_rate:
            await self.app(scope, receive, send)
            return
        if self.faults.commit_delay:
            if not self._draw_drop():
                await self.app(scope, receive, send)
                return
            await _drop([LOST_HEAD], send)
            task = asyncio.ensure_future(self._later(scope, await receive()))
            self._late.add(task)
            task.add_done_callback(self._late.discard)
            return
        before = self.store.changes
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        if held and self.store.changes != before and self._draw_drop():
            await _drop(held, send)
            return
        for message in held:
            await send(message)

    async def _later(self, scope: Scope, request: Message) -> None:
        """Run a request whose answer was lost ``commit_delay`` seconds ago; its answer goes nowhere."""
        await asyncio.sleep(self.faults.commit_delay)
        replay = [request]

        async def receive() -> Message:
            return replay.pop() if replay else {"type": "http.disconnect"}

        async def discard(message: Message) -> None:
            pass

        await self.app(scope, receive, discard)

    @property
    def late(self) -> int:
        """Requests whose answer was lost that have not run yet."""
        return len(self._late)


LOST_HEAD: Message = {"type": "http.response.start", "status": 200,
                      "headers": [(b"content-type", b"application/json")]}
"""The head of an answer that never comes (``commit_delay``): no Content-Length, so the client waits for a body."""


def with_faults(app: ASGIApp, faults: Faults, store: SandboxStore) -> FaultInjector:
    """``app`` misbehaving as ``faults`` says; ``store`` is the one ``app`` changes."""
    return FaultInjector(app, faults, store)


async def _buffered(receive: Receive) -> tuple[Receive, bytes]:
    """Read the whole request now; the returned ``receive`` replays it, then listens to the real one."""
    chunks: list[bytes] = []
    pending: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            pending.append(message)
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    pending.insert(0, {"type": "http.request", "body": body, "more_body": False})

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay, body


async def _respond(send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _drop(held: list[Message], send: Send) -> None:
    """Send only the head of the held answer; returning without the body makes the server close the connection.

    (uvicorn's h11 server does so, logging "returned without completing response" at ERROR, which the
    sandbox server's ``log_level="critical"`` silences.)
    An answer without a body loses its Content-Length, so the client still waits for a body (chunked) in vain.
    """
    head = held[0]
    if not any(m.get("body") for m in held[1:]):
        head = {**head, "headers": [(k, v) for k, v in head.get("headers", []) if k.lower() != b"content-length"]}
    await send(head)
