"""CallFire API 1.1 client: CccService over REST with HTTP Basic auth, JSON answers (``.json`` paths).

Reads page through QueryCccCampaigns 1000 at a time (CF-07), until ``@totalResults``; answers are read as
CallFire writes them (``wire``: ``@id``, enum lists as one string, zoned times). Writes send the operation's
request as the official clients' form (``form.encode``); a write may answer with no body at all (200 or 204):
that is success (PHP SDK ``Rest/AbstractClient::response``: "Many operations return an empty string for
success"; the Java client returns null for it). A refusal is CallFire's ``ResourceException``; 4xx are final,
429 and 5xx retryable.
Resending an update is harmless: its RequestId makes CallFire apply it once (CF-03); a lost create, delete or
control is looked up before it is sent again (ENG-09).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Collection, Mapping
from typing import Any

import httpx

from reconciler.errors import TransportError, VendorError
from reconciler.http import DEFAULT_RETRY, Redactor, RetryPolicy, retry_after, retrying, send
from reconciler.model import Live, LiveState, Operation
from reconciler.providers.callfire import wire
from reconciler.providers.callfire.fields import run_state
from reconciler.providers.callfire.form import encode
from reconciler.providers.callfire.steps import COMMAND_STATES, CONTROL, CREATE, DELETE, DELETE_ITEMS, ROUTES

log = logging.getLogger("reconciler.providers.callfire")
PAGE = 1000
"""CF-07: QueryCccCampaigns answers at most 1000 campaigns a page."""
HINTS = {401: " (check the account's login and password)", 403: " (the account may not use the CCC API)"}


class CallFireSession:
    """One account: reads every campaign in ceil(N / 1000) QueryCccCampaigns calls."""

    def __init__(self, endpoint: str, login: str, password: str, client: httpx.AsyncClient,
                 retry: RetryPolicy = DEFAULT_RETRY, page: int = PAGE) -> None:
        self._base = endpoint.rstrip("/")
        self._auth = httpx.BasicAuth(login, password)
        token = base64.b64encode(f"{login}:{password}".encode()).decode()
        self._redact = Redactor([login, password, token])
        self._client = client
        self._retry = retry
        self._page = page
        self._seen = 0
        """How many campaigns the last whole read found (``read_touched`` compares its cost with that)."""
        self.calls = 0

    async def call(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                   form: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """One request to ``<endpoint><path>.json``; the decoded answer, or a VendorError."""
        url = f"{self._base}{path}.json"
        self.calls += 1
        log.debug("-> %s %s %s", method, url, self._redact(str(form or params or "")))
        response = await send(self._client, method, url, self._redact, check=False, params=params, auth=self._auth,
                              data=dict(form) if form else None)  # (encode repeats no name)
        if response.status_code >= 400:
            raise self._refusal(method, url, response)
        if not response.content.strip():
            return {}  # an empty answer to a write is its success
        try:
            body = response.json()
        except ValueError:
            raise TransportError(self._redact(f"{method} {url}: the answer is not JSON")) from None
        return body if isinstance(body, dict) else {}

    def _refusal(self, method: str, url: str, response: httpx.Response) -> VendorError:
        status = response.status_code
        try:
            error = response.json().get("ResourceException", {})
            message = str(error.get("Message", "")) if isinstance(error, dict) else ""
        except (ValueError, AttributeError):
            message = ""
        text = self._redact(f"{method} {url} refused: HTTP {status}: {message or response.reason_phrase}"
                            f"{HINTS.get(status, '')}")
        log.debug("<- %s", text)
        return VendorError(text, code=str(status), final=not (status == 429 or status >= 500),
                           retry_after=retry_after(response), maybe_applied=status >= 500)

    async def _page_at(self, first: int, **query: Any) -> dict[str, Any]:
        """One page of QueryCccCampaigns; reads are safe to repeat, so they are retried here."""
        params = {"MaxResults": self._page, "FirstResult": first, **query}
        answer = await retrying(lambda: self.call("GET", "/ccc", params), self._retry)
        listing = answer.get("ResourceList")
        return listing if isinstance(listing, dict) else {}

    async def query(self, **query: Any) -> list[dict[str, Any]]:
        """Every campaign QueryCccCampaigns finds (CF-07: all pages, the later ones concurrently)."""
        first = await self._page_at(0, **query)
        rows = wire.items(first)
        total = wire.total(first, len(rows))
        pages = await asyncio.gather(*(self._page_at(at, **query) for at in range(self._page, total, self._page)))
        for page in pages:
            rows.extend(wire.items(page))
        return rows

    async def read(self, expected: int = 0) -> LiveState:  # (one query reads them all)
        campaigns = tuple(_live(row) for row in await self.query())
        self._seen = len(campaigns)
        return LiveState(campaigns, calls=self.calls)

    async def read_touched(self, ids: Collection[Any], keys: Collection[str]) -> LiveState:
        """Verify (``providers.base.ReadsTouched``): GetCccCampaign for each id (404: it is gone) and
        QueryCccCampaigns by Name for each key, concurrently. QueryCccCampaigns cannot select ids, so this
        is a call a campaign: when that is more calls than the pages of the last whole read, the whole
        account is read instead."""
        if len(ids) + len(keys) > -(-self._seen // self._page):
            return await self.read()
        found = await asyncio.gather(*(self._by_id(i) for i in ids), *(self.query(Name=k) for k in keys))
        rows = {wire.campaign_id(row): row for group in found for row in group}
        return LiveState(tuple(_live(row) for row in rows.values()), calls=self.calls)

    async def _by_id(self, campaign: Any) -> list[dict[str, Any]]:
        try:
            answer = await retrying(lambda: self.call("GET", f"/ccc/{campaign}"), self._retry)
        except VendorError as exc:
            if exc.code == "404":
                return []
            raise
        found = wire.resource(answer)
        return [found] if found else []

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        method, path = ROUTES[op.method]
        campaign = request.get("id")
        answer = await self.call(method, path.format(id=campaign), form=encode(request))
        if op.method == CREATE:
            reference = answer.get("ResourceReference")
            if not isinstance(reference, dict) or "Id" not in reference:
                raise TransportError(f"{method} {path}: the answer has no ResourceReference Id", maybe_applied=True)
            return {"Id": int(reference["Id"])}
        return {}

    def observes(self, op: Operation) -> bool:
        """``recover`` sees whether a create, delete, control or Delete* call took effect (an update it does not
        look up: CF-03 makes sending it again harmless)."""
        return op.method in (CREATE, DELETE, CONTROL, *DELETE_ITEMS.values())

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """ENG-09: a create is looked up by its name; a delete, a control and the Delete* calls by the
        campaign's id (the Delete* calls took effect when the campaign has none of those items left). An update
        is sent again: CF-03 de-duplicates it."""
        if op.method == CREATE:
            ids = [wire.campaign_id(row) for row in await self.query(Name=request["Name"])]
            return {"Id": max(ids)} if ids else None
        items = next((field for field, method in DELETE_ITEMS.items() if method == op.method), None)
        if items is not None:
            answer = await retrying(lambda: self.call("GET", f"/ccc/{request['id']}"), self._retry)
            return None if wire.as_list(wire.resource(answer).get(items)) else {}
        if op.method in (DELETE, CONTROL):
            try:
                answer = await retrying(lambda: self.call("GET", f"/ccc/{request['id']}"), self._retry)
            except VendorError as exc:
                if exc.code == "404" and op.method == DELETE:
                    return {}
                raise
            status = wire.resource(answer).get("Status")
            if op.method == CONTROL and run_state(status) == COMMAND_STATES[request["Command"]]:
                return {}
        return None

    async def aclose(self) -> None:
        await self._client.aclose()


def _live(row: Mapping[str, Any]) -> Live:
    return Live(id=wire.campaign_id(row), key=row.get("Name"), fields=row)
