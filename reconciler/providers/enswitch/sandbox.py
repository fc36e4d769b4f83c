"""The Enswitch sandbox: a strict emulation of the JSON API's ``bulk/campaigns`` calls over the seed state.

``/api/json/bulk/campaigns/<action>/`` for list, get, create, update and delete, by GET or POST (the JSON API
introduction: "Clients may use HTTP GET or POST, as they prefer"). Parameters come in the query string
(separated by ``;`` as every documented example, or ``&``) or, for a POST, a form body (where a POST's
parameters go is not documented, so both are taken). list, create and update are documented; get and delete
are not in the public guides and are served as their sibling calls answer (get: 200 with the row or 404;
delete: 204 or 404). The client never calls get. The HTTP status is always 200: the
outcome is the envelope ``{"responses":[{"code":"204","key":"","message":"OK"}],"data":..}`` with string
codes, and data values are strings (ENS-08). A request is checked in this order: credentials (401), rate
plan (403), role (402), parameters (400), the campaign's existence (404). ``validation=1`` answers 201
after the checks without acting (ENS-03). Every answered request is logged, credentials masked.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reconciler.http import MASK
from reconciler.providers.enswitch.model import EnswitchLiveCampaign
from reconciler.providers.enswitch.sandbox_checks import (
    AUTH,
    EnswitchRefusal,
    campaign_id,
    check_access,
    check_create,
    check_known,
    check_update,
    validating,
)
from reconciler.sandbox.store import SandboxStore, next_id, remove

State = dict[str, Any]
Reply = tuple[str, Any]  # (code, data)
Handler = Callable[[State, dict[str, str]], Reply]
PREFIX = "/api/json/bulk/campaigns"
MESSAGES = {"200": "OK", "201": "Input passed validation.", "204": "OK"}
MUTATING = frozenset({"create", "update", "delete"})


def build_app(store: SandboxStore, username: str, password: str) -> Starlette:
    """The ASGI app of one account's Enswitch sandbox; ``username`` / ``password`` are its one user."""

    async def endpoint(request: Request) -> JSONResponse:
        action = request.path_params["action"]
        params = await _params(request)
        try:
            code, data = _answer(store, username, password, action, params)
        except EnswitchRefusal as refusal:
            store.log(request.method, f"bulk/campaigns/{action}", _logged(params),
                      {"code": refusal.code, "key": refusal.key, "message": refusal.message})
            return _envelope(refusal.code, refusal.message, refusal.key)
        store.log(request.method, f"bulk/campaigns/{action}", _logged(params), "ok")
        return _envelope(code, MESSAGES[code], "", data)

    return Starlette(routes=[Route(PREFIX + "/{action}/", endpoint, methods=["GET", "POST"]),
                             Route(PREFIX + "/{action}", endpoint, methods=["GET", "POST"])])


async def _params(request: Request) -> dict[str, str]:
    """Query string (``;`` or ``&`` between parameters) and, for a POST, a form body; the body wins."""
    params = dict(parse_qsl(request.url.query.replace(";", "&"), keep_blank_values=True))
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        params.update(parse_qsl(body.replace(";", "&"), keep_blank_values=True))
    return params


def _envelope(code: str, message: str, key: str = "", data: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"responses": [{"code": code, "key": key, "message": message}]}
    if data is not None:
        body["data"] = data
    return JSONResponse(body)


def _logged(params: Mapping[str, str]) -> dict[str, str]:
    """ENS-05: the parameters with the credentials masked."""
    return {k: MASK if k in AUTH else v for k, v in params.items()}


def _answer(store: SandboxStore, username: str, password: str, action: str, params: dict[str, str]) -> Reply:
    if action not in ACTIONS:
        raise EnswitchRefusal("404", f"bulk/campaigns/{action} does not exist.")
    if not (_same(params.get("auth_username"), username) & _same(params.get("auth_password"), password)):
        raise EnswitchRefusal("401", "The authentication details provided are invalid.")
    fields = {k: v for k, v in params.items() if k not in AUTH}
    with store.lock:
        check_access(store.state, action)
        check_known(store.state, action, fields)
        code, data = ACTIONS[action](store.state, fields)
        if action in MUTATING and code != "201":
            store.save()
    return code, data


def _same(sent: str | None, expected: str) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode(), expected.encode())


def _text(row: Mapping[str, Any]) -> dict[str, str]:
    """ENS-08: Enswitch answers every data value as a string."""
    return {k: str(v) for k, v in row.items()}


def _find(state: State, params: Mapping[str, str]) -> dict[str, Any]:
    wanted = campaign_id(params)
    for campaign in state["campaigns"]:
        if campaign["id"] == wanted:
            return dict(campaign)
    raise EnswitchRefusal("404", "The campaign does not exist, or you do not have permission to access it.", "id")


def _list(state: State, params: dict[str, str]) -> Reply:
    return "200", [_text(c) for c in sorted(state["campaigns"], key=lambda c: c["id"])]


def _get(state: State, params: dict[str, str]) -> Reply:
    return "200", _text(_find(state, params))


def _create(state: State, params: dict[str, str]) -> Reply:
    fields = check_create(params)
    if validating(params):
        return "201", None
    new_id = next_id(state)
    state["campaigns"].append(_canonical({**fields, "id": new_id}))
    state["next_id"] = new_id + 1
    return "200", {"id": str(new_id)}


def _update(state: State, params: dict[str, str]) -> Reply:
    campaign = _find(state, params)
    changes = check_update(campaign, params, state["version"])
    if validating(params):
        return "201", None
    updated = _canonical({**campaign, **changes})
    state["campaigns"] = [updated if c["id"] == updated["id"] else c for c in state["campaigns"]]
    return "204", None


def _delete(state: State, params: dict[str, str]) -> Reply:
    campaign = _find(state, params)
    remove(state, campaign["id"])
    return "204", None


def _canonical(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign in the stored (seed) shape."""
    return EnswitchLiveCampaign.model_validate(campaign).model_dump(mode="json")


ACTIONS: dict[str, Handler] = {"list": _list, "get": _get, "create": _create, "update": _update, "delete": _delete}
