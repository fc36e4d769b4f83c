"""Topsort campaign-service client: REST over HTTP with a Bearer API key (httpx, async).

An error answer (a JSON array of ``{errCode, docUrl, message}``) becomes a VendorError in an httpx
response hook, so ``reconciler.http.send`` keeps mapping transport failures. TOP-11: every answer's
``X-RateLimit-*`` headers pace the session (``reconciler.pacing``); a 429 is retried once its window resets,
a 5xx with backoff (the engine retries writes, ``retrying`` reads); 4xx refusals are final.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
from typing import Any

import httpx

from reconciler.errors import TransportError, VendorError
from reconciler.http import DEFAULT_RETRY, Redactor, RetryPolicy, retry_after, retrying, send
from reconciler.model import Live, LiveState, Operation
from reconciler.pacing import Pacer, Quota
from reconciler.providers.topsort.fields import VENDOR, identity
from reconciler.providers.topsort.rules import CREATE, DELETE, UPDATE

log = logging.getLogger("reconciler.providers.topsort")
PREFIX = "/public/v1/campaign-service/campaigns"
PAGE = 100
"""The page size asked for. Topsort's Get Campaigns page (docs.topsort.com api-reference/campaign-api/
get-campaigns) documents ``offset`` (default 0) and ``limit`` as integers and answers ``next: {offset,
limit}``; the copy read on 2026-12-03 gives no upper bound for this ``limit``. The largest page any Topsort
list endpoint documents is 100 (Toppie campaigns ``0 < x < 100``, offsite campaigns ``0 < x <= 100``), so
100 is asked for (inferred). A server that grants fewer says so in ``next.limit``, and the read follows it."""
WAVE = 20
"""The most pages asked for at once (offset paging lets a page be read without waiting for the one before)."""
WINDOW = "rate"
EPOCH = 1_000_000_000
"""An ``X-RateLimit-Reset`` above this is a Unix time, below it seconds to wait (the numbers are undocumented)."""
HINTS = {401: " (check the account's api_key)", 403: " (the API key may not do this)"}


def quota(headers: httpx.Headers) -> Quota | None:
    """TOP-11: the ``X-RateLimit-*`` headers as the pacer's window; None when absent or malformed."""
    try:
        limit, remaining = int(headers["x-ratelimit-limit"]), int(headers["x-ratelimit-remaining"])
        reset = float(headers["x-ratelimit-reset"])
    except (KeyError, ValueError):
        return None
    return Quota(limit, remaining, max(0.0, reset - time.time() if reset > EPOCH else reset))


class TopsortRefusal(VendorError):
    """An error answer, with what its ``X-RateLimit-*`` headers said about the window (TOP-11)."""

    def __init__(self, message: str, *, code: str, final: bool, retry_after: float | None, maybe_applied: bool,
                 window: Quota | None) -> None:
        super().__init__(message, code=code, final=final, retry_after=retry_after, maybe_applied=maybe_applied)
        self.window = window


def refusal(response: httpx.Response, redact: Redactor) -> TopsortRefusal:
    """An error answer as a VendorError: 429 and 5xx retryable (429 certainly not applied), 4xx final."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    code = str(first.get("errCode") or status)
    named = f" {first['errCode']}" if first.get("errCode") else ""
    message = f": {first['message']}" if first.get("message") else ""
    what = f"{response.request.method} {response.request.url.path}"
    text = redact(f"{what} refused: HTTP {status}{named}{message}{HINTS.get(status, '')}")
    wait = quota(response.headers)
    hint = wait.reset if status == 429 and wait is not None else retry_after(response)
    return TopsortRefusal(text, code=code, final=not (status == 429 or status >= 500), retry_after=hint,
                          maybe_applied=status >= 500, window=wait)


def _following(page: Mapping[str, Any], at: int) -> tuple[int, int | None]:
    """The offset of the page after the one read at ``at`` (``next.offset``), and the page size granted."""
    following = page.get("next")
    step = following.get("offset") if isinstance(following, dict) else None
    if not isinstance(step, int) or step <= at:
        raise TransportError(f"GET campaigns: hasMore without a next offset after {at}")
    granted = following.get("limit") if isinstance(following, dict) else None
    return step, granted if isinstance(granted, int) and granted > 0 else None


class TopsortSession:
    """One account: reads every campaign (of the account's vendor, when it has one) page by page."""

    def __init__(self, endpoint: str, api_key: str, vendor_id: str | None, client: httpx.AsyncClient,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self._base = endpoint.rstrip("/") + PREFIX
        self._vendor = vendor_id
        self._redact = Redactor([api_key])
        self._client = client
        self._client.headers["Authorization"] = f"Bearer {api_key}"
        self._retry = retry
        self._pacer = Pacer()
        self.calls = 0

    async def call(self, method: str, path: str = "", params: Mapping[str, Any] | None = None,
                   body: Any = None) -> Any:
        """One request; the decoded answer (None when it has no body)."""
        what = f"{method} {PREFIX}{path}"
        async with self._pacer.slot(what) as ticket:
            self.calls += 1
            log.debug("-> %s %s %s", what, dict(params or {}), body)
            try:
                response = await send(self._client, method, self._base + path, self._redact, check=False,
                                      params=dict(params or {}), json=body)
                if response.status_code >= 400:
                    raise refusal(response, self._redact)
            except VendorError as exc:
                log.debug("<- %s", exc)
                if isinstance(exc, TopsortRefusal) and exc.window is not None:
                    ticket.report({WINDOW: exc.window})
                raise
            found = quota(response.headers)
            if found is not None:
                ticket.report({WINDOW: found})
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransportError(f"{what}: the answer is not JSON") from None

    async def _page(self, offset: int) -> dict[str, Any]:
        params: dict[str, Any] = {"offset": offset, "limit": PAGE}
        if self._vendor is not None:
            params[VENDOR] = self._vendor
        answer = await retrying(lambda: self.call("GET", params=params), self._retry)
        if not isinstance(answer, dict) or not isinstance(answer.get("campaigns"), list):
            raise TransportError("GET campaigns: the answer has no campaigns list")
        return answer

    async def read(self, expected: int = 0) -> LiveState:
        """Every campaign, several pages at a time, so a large account is not one call after another.

        The first round asks for the pages ``expected`` campaigns fill (up to ``WAVE``), each later round for
        twice as many as the one before (up to ``WAVE``): the answers carry no total, so a round may run past
        the end, and doubling keeps that waste below the calls already needed. Offsets step by the page size
        the server grants (``next.limit``); a page shorter than that while ``hasMore`` puts the later pages
        of its round at the wrong offsets, so they are dropped and read again from the ``next`` it gave."""
        rows: list[dict[str, Any]] = []
        offset, step = 0, PAGE
        count = min(WAVE, max(1, math.ceil(expected / PAGE)))
        while True:
            offsets = [offset + i * step for i in range(count)]
            pages = await asyncio.gather(*(self._page(o) for o in offsets))
            for at, page, then in zip(offsets, pages, [*offsets[1:], None], strict=True):
                rows.extend(row for row in page["campaigns"] if isinstance(row, dict))
                if not page.get("hasMore"):
                    campaigns = tuple(Live(id=row["campaignId"], key=identity(row), fields=row) for row in rows)
                    return LiveState(campaigns, calls=self.calls)
                offset, granted = _following(page, at)
                step = granted or step
                if offset != then:
                    break  # the rest of this round was read at other offsets than the server's next
            count = min(WAVE, 2 * count)

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """The campaign model Topsort answers (POST and PATCH), or nothing (DELETE)."""
        if op.method == CREATE:
            answer = await self.call("POST", params={VENDOR: request[VENDOR]}, body=request["body"])
        elif op.method == UPDATE:
            answer = await self.call("PATCH", f"/{request['campaignId']}", body=request["body"])
        elif op.method == DELETE:
            answer = await self.call("DELETE", f"/{request['campaignId']}")
        else:
            raise AssertionError(f"not a Topsort operation: {op.method}")
        return answer if isinstance(answer, dict) else {}

    def answered(self, op: Operation, result: Mapping[str, Any]) -> Live | None:
        """TOP-01: POST and PATCH answer the full campaign model, which verifies the result without a read."""
        if op.method in (CREATE, UPDATE) and isinstance(result.get("campaignId"), str):
            return Live(result["campaignId"], identity(result), dict(result))
        return None

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """ENG-09: a create is looked up by its identity (externalCampaignId, else name), a delete by its id."""
        if op.method == CREATE:
            key = identity(request["body"])
            found = [dict(c.fields) for c in (await self.read()).campaigns if c.key == key]
            return max(found, key=lambda c: str(c.get("createdAt"))) if found else None
        if op.method == DELETE:
            try:
                await retrying(lambda: self.call("GET", f"/{request['campaignId']}"), self._retry)
            except VendorError as exc:
                if exc.code == "404" or exc.code == "not_found":
                    return {}
                raise
        return None  # a PATCH sets values: sending it again is harmless

    async def aclose(self) -> None:
        await self._client.aclose()
