"""The Topsort sandbox: a strict emulation of the campaign service over the seed state.

``GET/POST /public/v1/campaign-service/campaigns`` (offset paging: ``hasMore`` and ``next``) and
``GET/PATCH/DELETE .../campaigns/{id}``, Bearer auth. Errors are a JSON array of ``{errCode, docUrl,
message}`` with the HTTP status (400, 401, 404, 422, 429). Every answer past authentication carries
``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (seconds) for the window closest to running out, and
over the configured limits the answer is 429 (TOP-11). The server fills the read-only fields (TOP-09), sets
a past start date to now (TOP-03) and answers POST and PATCH with the full campaign model. Every answered
request is logged, the API key never.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.providers.topsort.constraints import now
from reconciler.providers.topsort.fields import VENDOR
from reconciler.providers.topsort.model import TopsortLiveCampaign, stamp
from reconciler.providers.topsort.sandbox_checks import (
    CreateBody,
    PatchBody,
    TopsortError,
    check_external,
    check_patch,
    check_rules,
    parsed,
    settle_dates,
)
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

State = dict[str, Any]
Answer = tuple[int, Any]
PREFIX = "/public/v1/campaign-service/campaigns"
LIST_FILTERS = ("vendor_id", "status")


def build_app(store: SandboxStore, api_key: str, limits: RateLimits) -> Starlette:
    """The ASGI app of one account's Topsort sandbox; ``api_key`` is the one key it accepts."""

    def route(operation: str, handler: Callable[[State, Request, Any], Answer],
              mutating: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            params: dict[str, Any] = {**request.query_params, **request.path_params}
            headers: dict[str, str] = {}
            try:
                _authorised(request, api_key)
                with store.lock:
                    headers = _limited(limits)
                    status, data = handler(store.state, request, _json(raw))
                    if mutating:
                        store.save()
            except TopsortError as err:
                store.log(request.method, operation, _logged(params, raw),
                          {"status": err.status, "errCode": err.code, "message": err.message})
                return JSONResponse(err.body(), err.status, headers=err.headers or headers)
            store.log(request.method, operation, _logged(params, raw), "ok")
            if data is None:
                return Response(status_code=status, headers=headers)
            return JSONResponse(data, status, headers=headers)

        return endpoint

    return Starlette(routes=[
        Route(PREFIX, route("campaigns.list", _list, False), methods=["GET"]),
        Route(PREFIX, route("campaigns.create", _create, True), methods=["POST"]),
        Route(PREFIX + "/{campaignId}", route("campaigns.get", _get, False), methods=["GET"]),
        Route(PREFIX + "/{campaignId}", route("campaigns.update", _update, True), methods=["PATCH"]),
        Route(PREFIX + "/{campaignId}", route("campaigns.delete", _delete, True), methods=["DELETE"]),
    ])


def _authorised(request: Request, api_key: str) -> None:
    sent = request.headers.get("authorization", "")
    scheme, _, token = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), api_key.encode()):
        raise TopsortError(401, "invalid_api_key", "the API key is missing or invalid")


def _limited(limits: RateLimits) -> dict[str, str]:
    """TOP-11: the X-RateLimit-* headers of the window closest to running out; 429 when one has run out."""
    refused = limits.exceeded()
    if not refused:
        limits.take()
    snap = limits.snapshot()
    window = "day" if snap["day_remaining"] < snap["minute_remaining"] else "minute"
    headers = {"X-RateLimit-Limit": str(snap[f"{window}_limit"]),
               "X-RateLimit-Remaining": str(snap[f"{window}_remaining"]),
               "X-RateLimit-Reset": str(snap[f"{window}_reset"])}
    if refused:
        raise TopsortError(429, "too_many_requests", f"the {window} call limit is used up", headers)
    return headers


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise TopsortError(400, "invalid_json", "the body is not valid JSON") from None


def _logged(params: Mapping[str, Any], raw: bytes) -> dict[str, Any]:
    """The request's parameters and body as the log keeps them."""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", errors="replace")
    return {**params, **({"body": body} if body is not None else {})}


def _find(state: State, campaign_id: str) -> dict[str, Any]:
    for campaign in state["campaigns"]:
        if campaign["campaignId"] == campaign_id:
            return dict(campaign)
    raise TopsortError(404, "not_found", f"campaign {campaign_id} does not exist")


def _list(state: State, request: Request, body: Any) -> Answer:
    """Offset paging; a limit above the page size answers a page of the page size."""
    try:
        offset = int(request.query_params.get("offset", "0"))
        limit = min(int(request.query_params.get("limit", "20")), state["page_limit"])
    except ValueError:
        raise TopsortError(422, "validation_error", "offset and limit must be integers") from None
    if offset < 0 or limit < 1:
        raise TopsortError(422, "validation_error", "offset must be at least 0 and limit at least 1")
    wanted = {k: request.query_params[k] for k in LIST_FILTERS if k in request.query_params}
    rows = [c for c in state["campaigns"] if all(c.get(_field(k)) == v for k, v in wanted.items())]
    page = [_shown(c) for c in rows[offset:offset + limit]]
    more = offset + len(page) < len(rows)
    return 200, {"campaigns": page, "hasMore": more, "next": {"offset": offset + len(page), "limit": limit}
                 if more else None}


def _field(param: str) -> str:
    return "vendorId" if param == VENDOR else param


def _get(state: State, request: Request, body: Any) -> Answer:
    return 200, _shown(_find(state, request.path_params["campaignId"]))


def _create(state: State, request: Request, body: Any) -> Answer:
    """TOP-10: name, bids, campaignType and vendor_id; the server fills the read-only fields (TOP-09)."""
    vendor = request.query_params.get(VENDOR)
    if not vendor:
        raise TopsortError(422, "validation_error", "vendor_id: Field required")
    sent = parsed(CreateBody, body)
    moment = now()
    settle_dates({}, sent, moment, create=True)
    bids = sent.pop("bids")
    campaign = {**{k: v for k, v in sent.items() if v is not None}, "campaignId": str(uuid.uuid4()),
                "marketplaceId": state["marketplaceId"], "walletId": sent.get("walletId") or state["walletId"],
                "createdAt": stamp(moment), "vendorId": vendor, "externalVendorId": vendor, "bidCount": len(bids)}
    stored = _canonical(campaign)
    check_rules(stored, stored)
    check_external(state["campaigns"], stored)
    state["campaigns"].append(stored)
    return 201, _shown(stored)


def _update(state: State, request: Request, body: Any) -> Answer:
    """TOP-01: the fields sent replace the current ones whole; the answer is the full campaign model."""
    current = _find(state, request.path_params["campaignId"])
    sent = parsed(PatchBody, body)
    check_patch(sent)
    sent.pop("bannerAdRejectionReason", None)
    if isinstance(sent.get("budget"), dict) and isinstance(current.get("budget"), dict):
        spent = {k: current["budget"].get(k, 0) for k in ("amountUsed", "amountCarryover")}
        sent["budget"] = {**sent["budget"], **spent}  # the new budget, what was spent so far kept
    settle_dates(current, sent, now(), create=False)
    stored = _canonical({**current, **sent})
    check_rules(stored, sent)
    check_external(state["campaigns"], stored)
    state["campaigns"] = [stored if c["campaignId"] == stored["campaignId"] else c for c in state["campaigns"]]
    return 200, _shown(stored)


def _delete(state: State, request: Request, body: Any) -> Answer:
    campaign = _find(state, request.path_params["campaignId"])
    state["campaigns"] = [c for c in state["campaigns"] if c["campaignId"] != campaign["campaignId"]]
    return 204, None


def _shown(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A stored campaign as answered: the documented campaign model, plus ``productIds`` only when it has
    some (not in the documented model; the sandbox answers the ids it was given: the project's reading)."""
    if campaign.get("productIds") is None:
        return {k: v for k, v in campaign.items() if k != "productIds"}
    return dict(campaign)


def _canonical(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign in the stored (seed) shape, its budget's counters filled in (TOP-09)."""
    return TopsortLiveCampaign.model_validate(campaign).model_dump(mode="json")
