"""The CallFire sandbox: a strict emulation of API 1.1's CccService over the seed state.

Paths under ``/api/1.1/rest``, each also with ``.json`` appended (JSON answers; without it, XML as CallFire's
default): ``GET /ccc`` QueryCccCampaigns (MaxResults <= 1000, FirstResult, Name, Running, LabelName; CF-07),
``POST /ccc`` CreateCccCampaign (201 and a ResourceReference), ``GET /ccc/{id}``, ``PUT /ccc/{id}``
UpdateCccCampaign (the whole configuration is replaced, CF-01), ``PUT /ccc/{id}/control`` ControlCccCampaign
(Command START, STOP or ARCHIVE; CF-04), ``DELETE /ccc/{id}``, ``DELETE /ccc/{id}/questions`` and
``DELETE /ccc/{id}/transfer-numbers`` (all of them at once; CF-05). Bodies are forms with PascalCase names
(``form``). HTTP Basic auth. A refusal is ``{"ResourceException":{"HttpStatus":..,"Message":..}}`` with that
HTTP status. A create or update repeating a RequestId does nothing and answers as the first did (CF-03).
Answers are in CallFire's own forms (``wire.answered``: ``@id``, ``@totalResults``, enum lists as one
space-separated string, ``LocalRestrictBegin`` / ``End`` with a zone suffix). Every write but the create
answers 200 with an empty body (the clients' "empty string for success"; which operations do so, and whether
with 200 or 204, is not documented: the client takes both).
Every answered request is logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reconciler.providers.callfire import wire
from reconciler.providers.callfire.fields import RUNNING_LIKE
from reconciler.providers.callfire.form import FormError, decode
from reconciler.providers.callfire.sandbox_checks import (
    CallFireRefusal,
    check_changeable,
    check_deletable,
    configured,
    next_status,
)
from reconciler.sandbox.store import SandboxStore, next_id, remove

PREFIX = "/api/1.1/rest"
MAX_RESULTS = 1000
KEPT_REQUEST_IDS = 10_000
State = dict[str, Any]
Reply = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: the campaign id in the path, the decoded parameters, the base URL."""

    campaign_id: int | None
    params: dict[str, Any]
    base: str


Handler = Callable[[State, Call], Reply]


def build_app(store: SandboxStore, login: str, password: str) -> Starlette:
    """The ASGI app of one account's CallFire sandbox; ``login`` / ``password`` are its API credentials."""

    def route(path: str, method: str, operation: str) -> list[Route]:
        endpoint = _endpoint(store, login, password, operation)
        return [Route(PREFIX + path + suffix, endpoint, methods=[method]) for suffix in ("", ".json")]

    return Starlette(routes=[
        *route("/ccc", "GET", "QueryCccCampaigns"), *route("/ccc", "POST", "CreateCccCampaign"),
        *route("/ccc/{id:int}", "GET", "GetCccCampaign"), *route("/ccc/{id:int}", "PUT", "UpdateCccCampaign"),
        *route("/ccc/{id:int}", "DELETE", "DeleteCccCampaign"),
        *route("/ccc/{id:int}/control", "PUT", "ControlCccCampaign"),
        *route("/ccc/{id:int}/questions", "DELETE", "DeleteCccCampaignQuestions"),
        *route("/ccc/{id:int}/transfer-numbers", "DELETE", "DeleteCccCampaignTransferNumbers"),
    ])


def _endpoint(store: SandboxStore, login: str, password: str,
              operation: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        as_json = request.url.path.endswith(".json")
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        if request.method in ("POST", "PUT"):
            pairs += parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
        where = {"id": str(request.path_params["id"])} if "id" in request.path_params else {}
        logged: Any = {**where, **dict(pairs)}
        try:
            if not _authorised(request.headers.get("authorization"), login, password):
                raise CallFireRefusal(401, "Unauthorized: check the API login and password")
            try:
                params = decode(pairs)
                logged = {**where, **params}
            except FormError as exc:
                raise CallFireRefusal(400, f"Malformed parameter {exc}") from None
            call = Call(request.path_params.get("id"), params, f"{request.base_url}".rstrip("/") + PREFIX)
            with store.lock:
                status, body, outcome = _answer(store, operation, call)
        except CallFireRefusal as refusal:
            error = {"HttpStatus": refusal.status, "Message": refusal.message}
            store.log(request.method, operation, logged, error)
            return _render({"ResourceException": error}, refusal.status, as_json)
        store.log(request.method, operation, logged, outcome)
        return _render(body, status, as_json)

    return endpoint


def _authorised(header: str | None, login: str, password: str) -> bool:
    if header is None or not header.startswith("Basic "):
        return False
    try:
        sent = base64.b64decode(header[6:], validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(sent, f"{login}:{password}".encode())


def _answer(store: SandboxStore, operation: str, call: Call) -> tuple[int, dict[str, Any], str]:
    """(status, body, outcome for the log); a repeated RequestId replays its first answer (CF-03)."""
    state = store.state
    request_id = call.params.get("RequestId") if operation in DEDUPLICATED else None
    if request_id is not None and not isinstance(request_id, str):
        raise CallFireRefusal(400, "RequestId must be a single value")
    if request_id is not None and request_id in state["request_ids"]:
        kept = state["request_ids"][request_id]
        return kept["status"], kept["body"], "duplicate"
    status, body = HANDLERS[operation](state, call)
    if operation in WRITES:
        if request_id is not None:
            _remember(state, str(request_id), status, body)
        store.save()
    return status, body, "ok"


def _remember(state: State, request_id: str, status: int, body: dict[str, Any]) -> None:
    answers = state["request_ids"]
    answers[request_id] = {"status": status, "body": body}
    for old in list(answers)[:-KEPT_REQUEST_IDS]:
        del answers[old]


def _render(body: dict[str, Any], status: int, as_json: bool) -> Response:
    if not body:
        return Response(status_code=status)
    if as_json:
        return JSONResponse(body, status)
    [(tag, content)] = body.items()
    return Response(ElementTree.tostring(_xml(tag, content), encoding="unicode"), status,
                    media_type="application/xml")


def _xml(tag: str, value: Any) -> ElementTree.Element:
    """CallFire's XML: objects as child elements, lists as repeated elements, ``@`` keys as attributes."""
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.startswith("@"):
                element.set(key[1:], str(inner))
            elif isinstance(inner, list):
                element.extend(_xml(key, item) for item in inner)
            elif inner is not None:
                element.append(_xml(key, inner))
    else:
        element.text = str(value).lower() if isinstance(value, bool) else str(value)
    return element


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _find(state: State, call: Call) -> dict[str, Any]:
    for campaign in state["campaigns"]:
        if campaign["id"] == call.campaign_id:
            return dict(campaign)
    raise CallFireRefusal(404, f"CccCampaign {call.campaign_id} not found")


def _store(state: State, campaign: dict[str, Any]) -> None:
    state["campaigns"] = [campaign if c["id"] == campaign["id"] else c for c in state["campaigns"]]


def _reference(call: Call, campaign_id: int) -> dict[str, Any]:
    return {"ResourceReference": {"Id": campaign_id, "Location": f"{call.base}/ccc/{campaign_id}"}}


def _count(params: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name, str(default))
    if not isinstance(text, str) or not text.isdigit() or not low <= int(text) <= high:
        raise CallFireRefusal(400, f"{name} must be an integer from {low} to {high}")
    return int(text)


def _query(state: State, call: Call) -> Reply:
    """CF-07: at most 1000 campaigns a page, from FirstResult; Name, Running and LabelName filter."""
    size = _count(call.params, "MaxResults", MAX_RESULTS, 1, MAX_RESULTS)
    first = _count(call.params, "FirstResult", 0, 0, 10**9)
    found = sorted(state["campaigns"], key=lambda c: c["id"])
    if "Name" in call.params:
        found = [c for c in found if c["Name"] == call.params["Name"]]
    if "LabelName" in call.params:
        found = [c for c in found if c["Label"] == call.params["LabelName"]]
    if "Running" in call.params:
        running = str(call.params["Running"]).lower() == "true"
        found = [c for c in found if (c["Status"] in RUNNING_LIKE) == running]
    return 200, {"ResourceList": {wire.TOTAL: len(found),
                                  wire.ITEM: [wire.answered(c) for c in found[first:first + size]]}}


def _get(state: State, call: Call) -> Reply:
    return 200, {"Resource": {wire.ITEM: wire.answered(_find(state, call))}}


def _create(state: State, call: Call) -> Reply:
    new_id = next_id(state)
    bare = {"id": new_id, "Name": call.params.get("Name"), "Status": "SETUP", "Created": _now()}
    campaign = configured(bare, call.params)
    campaign["LastModified"] = campaign["ConfigUpdated"] = campaign["Created"]
    state["campaigns"].append(campaign)
    state["next_id"] = new_id + 1
    return 201, _reference(call, new_id)


def _update(state: State, call: Call) -> Reply:
    campaign = _find(state, call)
    check_changeable(campaign)
    updated = configured(campaign, call.params)  # CF-01: the whole configuration; CF-02: the name is kept
    updated["LastModified"] = updated["ConfigUpdated"] = _now()
    _store(state, updated)
    return 200, {}


def _control(state: State, call: Call) -> Reply:
    campaign = _find(state, call)
    campaign["Status"] = next_status(campaign["Status"], call.params.get("Command"))
    campaign["LastModified"] = _now()
    _store(state, campaign)
    return 200, {}


def _delete(state: State, call: Call) -> Reply:
    campaign = _find(state, call)
    check_deletable(campaign)
    remove(state, campaign["id"])
    return 200, {}


def _clear(field: str) -> Handler:
    """CF-05: DeleteCccCampaignQuestions / TransferNumbers remove every item at once."""

    def clear(state: State, call: Call) -> Reply:
        campaign = _find(state, call)
        check_changeable(campaign)
        campaign[field] = []
        campaign["LastModified"] = campaign["ConfigUpdated"] = _now()
        _store(state, campaign)
        return 200, {}

    return clear


HANDLERS: dict[str, Handler] = {
    "QueryCccCampaigns": _query, "GetCccCampaign": _get, "CreateCccCampaign": _create,
    "UpdateCccCampaign": _update, "ControlCccCampaign": _control, "DeleteCccCampaign": _delete,
    "DeleteCccCampaignQuestions": _clear("Question"), "DeleteCccCampaignTransferNumbers": _clear("TransferNumber"),
}
WRITES = frozenset(HANDLERS) - {"QueryCccCampaigns", "GetCccCampaign"}
DEDUPLICATED = frozenset({"CreateCccCampaign", "UpdateCccCampaign"})
