"""Enswitch JSON API client: every call a GET of ``/api/json/<category>/<action>/`` with every parameter in the
query string, separated by ``;``, as the documentation shows each call (integrics.com/enswitch/guides/4.4/en/dev/
json/bulk/campaigns/update: ``.../bulk/campaigns/update/?auth_username=user;auth_password=password;id=123;
name=example``) and as the public Go client ``aleyrizvi/enswitch-go`` sends every call (``backend.go``: GET, the
query string). The introduction allows POST "as they prefer", but not where a POST's parameters go: we send none.

What the documentation leaves open, and the reading taken here (docs/vendors.md, Enswitch):
- ``bulk/campaigns/delete`` is not in the public guides; it is called like its documented sibling
  ``bulk/destinations/delete`` (``id``; 204 on success, 404 when the campaign does not exist).
- ``bulk/campaigns/get`` is not in the public guides either: it is never called. A lost create or delete is
  looked up with the documented ``bulk/campaigns/list`` (ENG-09).
- The create's "ID of the created campaign" is read from ``data`` as ``{"id": N}`` or as the bare id.
- The HTTP status of an answer is not documented: the outcome is the envelope's code (the Go client's reading).

ENS-05: the credentials travel in the URL, so every text that could hold the URL (log lines, error
messages) goes through the session's Redactor, which knows them raw and percent-encoded; httpx's own
exceptions are never chained (``reconciler.http.send``). ENS-04: the outcome is the envelope's string
code; 400-404 are final and change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from reconciler.errors import TransportError, VendorError
from reconciler.http import DEFAULT_RETRY, Redactor, RetryPolicy, retrying, send
from reconciler.model import Live, LiveState, Operation
from reconciler.providers.base import Refusal
from reconciler.providers.enswitch.fields import integer
from reconciler.providers.enswitch.rules import CREATE, DELETE

log = logging.getLogger("reconciler.providers.enswitch")
LIST = "bulk/campaigns/list"
SUCCESS = frozenset({"200", "201", "204"})
HINTS = {
    "401": " (check the account's auth_username and auth_password)",
    "402": " (bulk/campaigns/create needs the administrator role)",
    "403": " (the customer's rate plan does not allow this)",
}


@dataclass(frozen=True)
class Answer:
    """A successful envelope: its code and its data."""

    code: str
    data: Any


def _text(value: Any) -> str:
    """A parameter value as the query string carries it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class EnswitchSession:
    """One account: reads every campaign in one ``bulk/campaigns/list`` call."""

    def __init__(self, endpoint: str, username: str, password: str, client: httpx.AsyncClient,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self._base = endpoint.rstrip("/") + "/api/json/"
        self._auth = {"auth_username": username, "auth_password": password}
        self._redact = Redactor([username, password, quote(username, safe=""), quote(password, safe="")])
        self._client = client
        self._retry = retry
        self.calls = 0

    def url(self, path: str, params: Mapping[str, Any]) -> str:
        """The call's URL: credentials first, parameters separated by ``;`` as Enswitch documents."""
        query = ";".join(f"{k}={quote(_text(v), safe='')}" for k, v in {**self._auth, **params}.items())
        return f"{self._base}{path}/?{query}"

    async def call(self, path: str, params: Mapping[str, Any]) -> Answer:
        """One call, a GET as documented; a refusal in the envelope becomes a VendorError."""
        url = self.url(path, params)
        self.calls += 1
        log.debug("-> %s", self._redact(url))
        response = await send(self._client, "GET", url, self._redact)
        try:
            body = response.json()
        except ValueError:
            raise TransportError(f"{path}: the answer is not JSON") from None
        return self._answer(path, body)

    def _answer(self, path: str, body: Any) -> Answer:
        first = body.get("responses") if isinstance(body, dict) else None
        if not isinstance(first, list) or not first or not isinstance(first[0], dict):
            raise TransportError(f"{path}: the answer has no responses envelope")
        code = str(first[0].get("code", ""))
        if code in SUCCESS:
            return Answer(code, body.get("data"))
        key = str(first[0].get("key") or "")
        where = f" ({key})" if key else ""
        text = self._redact(f"{path} refused: {code}{where}: {first[0].get('message', '')}{HINTS.get(code, '')}")
        log.debug("<- %s", text)
        raise VendorError(text, code=code, field=key or None, final=True, maybe_applied=False)  # ENS-04

    async def read(self, expected: int = 0) -> LiveState:  # (one call reads them all)
        answer = await retrying(lambda: self.call(LIST, {}), self._retry)
        rows = answer.data if isinstance(answer.data, list) else []
        campaigns = tuple(Live(id=integer(row.get("id")), key=row.get("name"), fields=row)
                          for row in rows if isinstance(row, dict))
        return LiveState(campaigns, calls=self.calls)

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        answer = await self.call(op.method, request)
        if op.method != CREATE:
            return {}
        data = answer.data.get("id") if isinstance(answer.data, dict) else answer.data
        if isinstance(data, bool) or not isinstance(integer(data), int):
            raise TransportError(f"{CREATE}: the answer carries no campaign id")
        return {"id": integer(data)}

    async def validate(self, op: Operation, request: Mapping[str, Any]) -> Refusal | None:
        """ENS-03: the request sent with ``validation=1``; Enswitch answers 201 or says what it refuses."""
        try:
            await self.call(op.method, {**request, "validation": 1})
        except VendorError as exc:
            if not exc.final:
                raise
            return Refusal("ENS-03", f"Enswitch refuses {op.method} (validation=1): {exc}", exc.field)
        return None

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """ENG-09, with the documented ``bulk/campaigns/list`` only: a create is found by its name (the newest
        campaign of that name), a delete is done when its id is no longer listed."""
        if op.method not in (CREATE, DELETE):
            return None
        answer = await retrying(lambda: self.call(LIST, {}), self._retry)
        rows = [row for row in answer.data or [] if isinstance(row, dict)]
        if op.method == CREATE:
            ids = [integer(row.get("id")) for row in rows if row.get("name") == request.get("name")]
            return {"id": max(ids)} if ids else None
        listed = {integer(row.get("id")) for row in rows}
        return None if integer(request["id"]) in listed else {}

    async def aclose(self) -> None:
        await self._client.aclose()
