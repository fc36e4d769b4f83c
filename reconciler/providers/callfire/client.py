"""CallFire API 1.1 client: CccService over REST with HTTP Basic auth, JSON answers (``.json`` paths).

Reads page through QueryCccCampaigns 1000 at a time (CF-07). Writes send the operation's request as a form
(``form.encode``). A refusal is CallFire's ``ResourceException``; 4xx are final, 429 and 5xx retryable.
Resending an update is harmless: its RequestId makes CallFire apply it once (CF-03); a lost create, delete or
control is looked up before it is sent again (ENG-09).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from reconciler.errors import TransportError, VendorError
from reconciler.http import DEFAULT_RETRY, Redactor, RetryPolicy, retry_after, retrying, send
from reconciler.model import Live, LiveState, Operation
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
        self.calls = 0

    async def call(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                   form: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """One request to ``<endpoint><path>.json``; the decoded answer, or a VendorError."""
        url = f"{self._base}{path}.json"
        self.calls += 1
        log.debug("-> %s %s %s", method, url, self._redact(str(form or params or "")))
        response = await send(self._client, method, url, self._redact, check=False, params=params, auth=self._auth,
                              data=_grouped(form) if form else None)
        if response.status_code >= 400:
            raise self._refusal(method, url, response)
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
        rows = list(first.get("CccCampaign") or [])
        total = int(first.get("totalResults", len(rows)))
        pages = await asyncio.gather(*(self._page_at(at, **query) for at in range(self._page, total, self._page)))
        for page in pages:
            rows.extend(page.get("CccCampaign") or [])
        return [row for row in rows if isinstance(row, dict)]

    async def read(self, expected: int = 0) -> LiveState:  # (one query reads them all)
        campaigns = tuple(Live(id=int(row["id"]), key=row.get("Name"), fields=row) for row in await self.query())
        return LiveState(campaigns, calls=self.calls)

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        method, path = ROUTES[op.method]
        campaign = request.get("id")
        answer = await self.call(method, path.format(id=campaign), form=encode(request))
        if op.method == CREATE:
            return {"Id": int(answer["ResourceReference"]["Id"])}
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
            ids = [int(row["id"]) for row in await self.query(Name=request["Name"])]
            return {"Id": max(ids)} if ids else None
        items = next((field for field, method in DELETE_ITEMS.items() if method == op.method), None)
        if items is not None:
            answer = await retrying(lambda: self.call("GET", f"/ccc/{request['id']}"), self._retry)
            return None if answer.get("Resource", {}).get("CccCampaign", {}).get(items) else {}
        if op.method in (DELETE, CONTROL):
            try:
                answer = await retrying(lambda: self.call("GET", f"/ccc/{request['id']}"), self._retry)
            except VendorError as exc:
                if exc.code == "404" and op.method == DELETE:
                    return {}
                raise
            status = answer.get("Resource", {}).get("CccCampaign", {}).get("Status")
            if op.method == CONTROL and run_state(status) == COMMAND_STATES[request["Command"]]:
                return {}
        return None

    async def aclose(self) -> None:
        await self._client.aclose()


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form pairs as httpx takes them: a repeated name (an enum list) maps to a list of values."""
    out: dict[str, str | list[str]] = {}
    for key, value in pairs:
        previous = out.get(key)
        out[key] = value if previous is None else [*previous, value] if isinstance(previous, list) \
            else [previous, value]
    return out
