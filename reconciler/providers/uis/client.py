"""UIS Data API client: JSON-RPC 2.0 over HTTP (httpx, async)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Collection, Mapping
from typing import Any

import httpx

from reconciler.errors import TransportError, VendorError
from reconciler.http import DEFAULT_RETRY, Redactor, RetryPolicy, post_json, retrying
from reconciler.model import Live, LiveState, Operation
from reconciler.pacing import Pacer, Quota

log = logging.getLogger("reconciler.providers.uis")
PAGE, MAX_OFFSET = 10_000, 100_000
"""The Data API's paging limits ("Постраничный вывод"): ``limit`` at most 10,000, ``offset`` at most 100,000."""
CONTENT_TYPE = "application/json; charset=UTF-8"
"""The docs' conventions: 'Заголовок Content-Type должен быть "application/json; charset=UTF-8"'."""
REACH = MAX_OFFSET + PAGE
"""The rows one query can reach by offset; past them the read goes on with a filter on id."""
LIMIT_EXCEEDED = -32029
INTERNAL_ERROR = -32603
WINDOWS = ("minute", "day")
RETRYABLE_CODES = frozenset({LIMIT_EXCEEDED, INTERNAL_ERROR})  # every other refusal is final (UIS-18)
HINTS: dict[tuple[str, str | None], str] = {  # what the user can do when reconciler.yaml is the cause
    ("required_parameter_missed", "user_id"): " (UIS-16: set the account's user_id and agent: true in "
                                              "reconciler.yaml)",
}
REFERENCE_METHODS = {
    "phone_numbers": "get.campaign_available_phone_numbers",
    "redirection_phone_numbers": "get.campaign_available_redirection_phone_numbers",
    "sites": "get.sites",
}


def quotas(limits: Mapping[str, Any]) -> dict[str, Quota]:
    """UIS-17: ``metadata.limits`` as the pacer's windows (``minute``, ``day``); malformed ones are left out."""
    found: dict[str, Quota] = {}
    for window in WINDOWS:
        limit, remaining = (_count(limits.get(f"{window}_{part}")) for part in ("limit", "remaining"))
        reset = limits.get(f"{window}_reset")
        if limit is not None and remaining is not None and isinstance(reset, int | float) \
                and not isinstance(reset, bool) and reset >= 0:
            found[window] = Quota(limit, remaining, reset)
    return found


def _total(page: Mapping[str, Any]) -> int:
    """``metadata.total_items`` of a get.* answer (the rows it has, when the answer leaves it out)."""
    metadata = page.get("metadata")
    found = metadata.get("total_items") if isinstance(metadata, dict) else None
    return found if isinstance(found, int) else len(page.get("data", []))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class UisSession:
    """One account: reads everything in ceil(N / 10,000) campaign calls (one more per 110,000 past the
    first 110,000, where the offset cap is passed) plus three reference reads."""

    def __init__(self, endpoint: str, access_token: str, user_id: int | None, client: httpx.AsyncClient,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self._endpoint = endpoint
        self._retry = retry
        self._token = access_token
        self._user_id = user_id
        self._client = client
        self._client.headers["Content-Type"] = CONTENT_TYPE
        self._redact = Redactor([access_token])
        self._ids = itertools.count(1)
        self._limits: Mapping[str, Any] = {}
        self._pacer = Pacer()
        self.calls = 0

    async def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One JSON-RPC call; the ``result`` object, or a VendorError with code, mnemonic and field.

        UIS-17: the call waits until the limits last reported leave room for it (``reconciler.pacing``)."""
        auth: dict[str, Any] = {"access_token": self._token}
        if self._user_id is not None:
            auth["user_id"] = self._user_id
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": {**auth, **params}}
        async with self._pacer.slot(method) as ticket:
            self.calls += 1
            if log.isEnabledFor(logging.DEBUG):
                log.debug("-> %s", json.dumps(payload, ensure_ascii=False, default=str)[:2000])
            result = self._result(method, await post_json(self._client, self._endpoint, payload, self._redact))
            limits = result.get("metadata", {}).get("limits") if isinstance(result.get("metadata"), dict) else None
            if isinstance(limits, dict):
                self._limits = limits
                ticket.report(quotas(limits))
        return result

    def _result(self, method: str, body: Any) -> dict[str, Any]:
        """The ``result`` member of a JSON-RPC answer; an ``error`` member becomes a VendorError."""
        if not isinstance(body, dict):
            raise TransportError(f"{method}: answer is not a JSON-RPC object")
        if "error" in body:
            log.debug("<- %s refused: %s", method, body["error"])
            raise self._error(method, body["error"])
        result = body.get("result")
        if not isinstance(result, dict):
            raise TransportError(f"{method}: answer has no result")
        return result

    def _reset_hint(self) -> float | None:
        """UIS-17: seconds until the exhausted limit resets, from the last ``metadata.limits`` seen.

        When none was spent then, another client used the calls up: the minute is the likely one."""
        spent = [window for window in WINDOWS if self._limits.get(f"{window}_remaining") == 0] or ["minute"]
        reset = self._limits.get(f"{spent[0]}_reset")
        return float(reset) if isinstance(reset, int) else None

    def _error(self, method: str, error: Any) -> VendorError:
        if not isinstance(error, dict):
            return TransportError(f"{method}: malformed error answer")
        raw = error.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        mnemonic = str(data.get("mnemonic", ""))
        field = data.get("field")
        code = int(error.get("code", 0))
        where = f" (field {field})" if field else ""
        hint = HINTS.get((mnemonic, field), "")
        text = self._redact(f"{method} refused: {code} {mnemonic}{where}: {error.get('message', '')}{hint}")
        limited = code == LIMIT_EXCEEDED
        return VendorError(text, code=mnemonic or str(code), field=field, final=code not in RETRYABLE_CODES,
                           maybe_applied=not limited, retry_after=self._reset_hint() if limited else None)

    async def _list(self, method: str, offset: int = 0, **query: Any) -> dict[str, Any]:
        """One page of a get.* method; reads are safe to repeat, so they are retried here. A read's error names
        its method: every method goes to one URL, and a read is several methods at once."""
        try:
            return await retrying(lambda: self.call(method, {"limit": PAGE, "offset": offset, **query}), self._retry)
        except VendorError as exc:
            if not str(exc).startswith((f"{method}:", f"{method} ")):  # a refusal names it already
                exc.args = (f"{method}: {exc}",)
            raise

    async def read(self, expected: int = 0) -> LiveState:
        """The pages ``expected`` campaigns fill are asked for with the first one, so the vendor prepares them
        all while this process does other work; any more once the first page tells the total."""
        first, *answers = await asyncio.gather(
            self._list("get.campaigns"), *(self._list("get.campaigns", o) for o in range(PAGE, min(expected, REACH),
                                                                                             PAGE)),
            *(self._list(m) for m in REFERENCE_METHODS.values()))
        pages, refs = answers[:-len(REFERENCE_METHODS)], answers[-len(REFERENCE_METHODS):]
        total = _total(first)
        rows = await self._window(first, pages, total)
        while len(rows) < total:
            rows += await self._beyond(rows, total)
        references = {name: list(ref.get("data", [])) for name, ref in zip(REFERENCE_METHODS, refs, strict=True)}
        campaigns = tuple(Live(row["id"], row.get("name"), row) for row in rows)
        return LiveState(campaigns, references, calls=self.calls)

    async def read_touched(self, ids: Collection[Any], keys: Collection[str]) -> LiveState:
        """Verify (``providers.base.ReadsTouched``): only the campaigns with these ids or names, selected by
        a ``get.campaigns`` filter ("in" lists, joined by "or"), in pages like ``read``."""
        parts = [{"field": field, "operator": "in", "value": sorted(values)}
                 for field, values in (("id", ids), ("name", keys)) if values]
        if not parts:
            return LiveState((), calls=self.calls)
        query: dict[str, Any] = {"filter": parts[0] if len(parts) == 1 else {"filters": parts, "condition": "or"}}
        first = await self._list("get.campaigns", **query)
        rows = list(first.get("data", []))
        total = int(first.get("metadata", {}).get("total_items", len(rows)))
        pages = await asyncio.gather(*(self._list("get.campaigns", o, **query) for o in range(PAGE, total, PAGE)))
        for page in pages:
            rows.extend(page.get("data", []))
        return LiveState(tuple(Live(row["id"], row.get("name"), row) for row in rows), calls=self.calls)

    async def _window(self, first: Mapping[str, Any], pages: list[dict[str, Any]], total: int,
                      **query: Any) -> list[dict[str, Any]]:
        """The rows of one query up to the offset cap: ``first`` and ``pages`` read, the rest read now."""
        pages += await asyncio.gather(*(self._list("get.campaigns", o, **query)
                                        for o in range(PAGE * (1 + len(pages)), min(total, REACH), PAGE)))
        return [row for page in (first, *pages) for row in page.get("data", [])]

    async def _beyond(self, rows: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
        """The next ``REACH`` campaigns after the offset cap: those with a higher id than any read so far.

        Offsets stop at 100,000, and get.campaigns can filter on ``id`` but not sort by it; the docs name
        no default order. Reading on by ``id > highest read`` takes the answers to come in id order (the
        project's reading): if they do not, the counts do not add up and the read fails rather than plan
        on part of the account."""
        after = {"field": "id", "operator": ">", "value": max(row["id"] for row in rows)}
        first = await self._list("get.campaigns", filter=after)
        more = await self._window(first, [], _total(first), filter=after)
        if not more or len(rows) + _total(first) != total:
            raise TransportError(f"get.campaigns: read {len(rows)} of {total} campaigns, and the "
                                 f"{_total(first)} with a higher id do not make up the rest: the account "
                                 "changed during the read, or its campaigns do not come in id order")
        return more

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        result = await self.call(op.method, request)
        data = result.get("data", {})
        return data if isinstance(data, dict) else {}

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """ENG-09: a create is looked up by its name (unique in UIS), a delete by its id."""
        if op.method == "create.campaigns":
            found = await self._find("name", request.get("name"))
            return {"id": found[0]["id"]} if found else None
        if op.method == "delete.campaigns":
            return None if await self._find("id", request.get("id")) else {}
        return None  # an update sets values: sending it again is harmless

    async def _find(self, field: str, value: Any) -> list[dict[str, Any]]:
        result = await self._list("get.campaigns", filter={"field": field, "operator": "=", "value": value},
                                  fields=["id"])
        return list(result.get("data", []))

    async def aclose(self) -> None:
        await self._client.aclose()
