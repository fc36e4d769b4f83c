"""The UIS sandbox: a strict emulation of the CoMagic Data API v2.0 (JSON-RPC 2.0) over the seed state.

Every request is a POST (any path) whose body is one JSON-RPC request; the HTTP status is always 200 and
errors travel in the body. A request is checked in this order: envelope, ``access_token`` (UIS-18),
limits (UIS-17), ``user_id`` (UIS-16: an agent's token must send it), then its params (``sandbox_checks``).
A refused request changes nothing; a mutation happens under the store's lock and is saved before the
answer goes out. Every answered request is logged.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from reconciler.http import MASK
from reconciler.providers.uis.model import UisLiveCampaign
from reconciler.providers.uis.sandbox_checks import (
    UisRefusal,
    check_create,
    check_delete,
    check_update,
    check_user_id,
)
from reconciler.providers.uis.sandbox_query import (
    PHONE_NUMBERS,
    REDIRECTION_NUMBERS,
    SITES,
    Catalog,
    check_read_query,
)
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.server import FastJSONResponse
from reconciler.sandbox.store import SandboxStore, next_id, remove

State = dict[str, Any]
Reply = tuple[Any, dict[str, Any]]  # (data, metadata)
Handler = Callable[[State, dict[str, Any]], Reply]
ENVELOPE_KEYS = frozenset({"jsonrpc", "id", "method", "params"})
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
EMPTY_OBJECTS = ("dynamic_call_tracking", "campaign_conditions")


@dataclass(frozen=True)
class _Call:
    """A well-formed JSON-RPC request."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class _Lookups:
    """What read objects derive their read-only fields from, indexed once per request."""

    domains: dict[int, str]
    block_names: dict[int, str]
    numbers: dict[int, Mapping[str, Any]]
    redirections: dict[int, str]


def build_app(store: SandboxStore, access_token: str, limits: RateLimits) -> Starlette:
    """The ASGI app of one account's UIS sandbox."""

    async def endpoint(request: Request) -> FastJSONResponse:
        doc, reply, outcome = _answer(store, access_token, limits, await request.body())
        store.log("POST", _member(doc, "method", str, ""), _logged_params(doc), outcome)
        return FastJSONResponse({"jsonrpc": "2.0", "id": _request_id(doc), **reply})

    return Starlette(routes=[Route("/", endpoint, methods=["POST"]),
                             Route("/{path:path}", endpoint, methods=["POST"])])


def _answer(store: SandboxStore, token: str, limits: RateLimits,
            body: bytes) -> tuple[Any, dict[str, Any], Any]:
    """``(parsed body, result-or-error member, log outcome)``."""
    doc: Any = None
    try:
        doc = _parse(body)
        call = _call(doc)
        with store.lock:
            data, metadata = _dispatch(store, token, limits, call)
    except UisRefusal as refusal:
        return doc, {"error": refusal.error()}, refusal.outcome()
    return doc, {"result": {"data": data, "metadata": metadata}}, "ok"


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise UisRefusal("parse_error", f"request is not valid JSON: {exc}") from exc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _call(doc: Any) -> _Call:
    if not isinstance(doc, dict):
        raise UisRefusal("invalid_request", "a request must be one JSON object (batches are not supported)")
    if doc.get("jsonrpc") != "2.0" or not isinstance(doc.get("method"), str) or doc.keys() - ENVELOPE_KEYS:
        raise UisRefusal("invalid_request", "a request needs jsonrpc 2.0 and a method, and nothing else")
    if "id" in doc and not _valid_id(doc["id"]):
        raise UisRefusal("invalid_request", "id must be a string, a number or null")
    if "id" not in doc:
        raise UisRefusal("notifications_not_supported", "requests without id are not supported")
    if doc["method"] not in METHODS:
        raise UisRefusal("method_not_found", f"method {doc['method']} does not exist")
    if not isinstance(doc.get("params", {}), dict):
        raise UisRefusal("invalid_request", "params must be an object")
    return _Call(doc["method"], doc.get("params", {}))


def _dispatch(store: SandboxStore, token: str, limits: RateLimits, call: _Call) -> Reply:
    sent = call.params.get("access_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), token.encode()):
        raise UisRefusal("access_token_invalid", "the access token is invalid")
    if limits.exceeded():
        raise UisRefusal("limit_exceeded", "the call limit is exceeded")
    check_user_id(call.params, store.state.get("agent_customer_users"))
    data, metadata = METHODS[call.method](store.state, call.params)
    if call.method.split(".")[0] in MUTATING_VERBS:
        store.save()
    limits.take()
    return data, {**metadata, "limits": limits.snapshot()}


def _valid_id(value: Any) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _member(doc: Any, key: str, kind: type, default: Any) -> Any:
    value = doc.get(key, default) if isinstance(doc, dict) else default
    return value if isinstance(value, kind) else default


def _request_id(doc: Any) -> Any:
    value = _member(doc, "id", object, None)
    return value if _valid_id(value) else None


def _logged_params(doc: Any) -> Any:
    params = _member(doc, "params", object, None)
    if isinstance(params, dict) and "access_token" in params:
        return {**params, "access_token": MASK}
    return params


# --- reads --------------------------------------------------------------------------------------------

def _get_campaigns(state: State, params: dict[str, Any]) -> Reply:
    """Only the rows of the page are built whole; a filter sees each stored campaign with its site's name."""
    query = check_read_query(params)
    lookups = _lookups(state)
    page, total = query.page(state["campaigns"], lambda campaign: {
        **campaign, "site_domain_name": lookups.domains.get(campaign["site_id"], campaign["site_domain_name"])})
    return [query.project(_read_campaign(campaign, lookups)) for campaign in page], {"total_items": total}


def _lookups(state: State) -> _Lookups:
    return _Lookups(
        domains={site["id"]: site["domain_name"] for site in state["sites"]},
        block_names={block["site_block_id"]: block["site_block_name"]
                     for site in state["sites"] for block in site["site_blocks"]},
        numbers={number["id"]: number for number in state["phone_numbers"]},
        redirections={number["id"]: number["phone_number"] for number in state["redirection_phone_numbers"]},
    )


def _read_campaign(campaign: Mapping[str, Any], lookups: _Lookups) -> dict[str, Any]:
    """A ``get.campaigns`` row: the stored campaign with its read-only fields derived from the state.

    As the docs' conventions ("Соглашения") give it: an object with no value is answered as ``{}`` (an array
    as ``[]``, anything else as null), and ``campaign_conditions`` is absent for system and integrated
    campaigns (get.campaigns)."""
    row = {**campaign,
           "site_domain_name": lookups.domains.get(campaign["site_id"], campaign["site_domain_name"]),
           "site_blocks": [_read_block(block, lookups) for block in campaign["site_blocks"]]}
    for name in EMPTY_OBJECTS:
        if row[name] is None:
            row[name] = {}
    if row["type"] != "basic":
        del row["campaign_conditions"]
    return row


def _read_block(block: Mapping[str, Any], lookups: _Lookups) -> dict[str, Any]:
    number = lookups.numbers.get(block["phone_number_id"], {})
    return {**block,
            "site_block_name": lookups.block_names.get(block["site_block_id"], block["site_block_name"]),
            "phone_number_type": number.get("type", block["phone_number_type"]),
            "phone_number": number.get("phone_number", block["phone_number"]),
            "redirection_phone_number": lookups.redirections.get(block["redirection_phone_number_id"],
                                                                 block["redirection_phone_number"])}


def _lister(collection: str, catalog: Catalog) -> Handler:
    """A get.* method answering one reference collection of the state, with paging, fields, filter and sort."""

    def handler(state: State, params: dict[str, Any]) -> Reply:
        query = check_read_query(params, catalog)
        page, total = query.page([{key: item[key] for key in catalog.fields} for item in state[collection]])
        return [query.project(item) for item in page], {"total_items": total}

    return handler


# --- mutations ----------------------------------------------------------------------------------------

def _create(state: State, params: dict[str, Any]) -> Reply:
    fields = check_create(state, params)
    given = next_id(state)
    created = {"id": given, "creation_time": datetime.now().strftime(TIME_FORMAT), **fields}
    state["campaigns"].append(_canonical(created))
    state["next_id"] = given + 1
    return {"id": given}, {}


def _update(state: State, params: dict[str, Any]) -> Reply:
    campaign, changes = check_update(state, params)
    if changes.get("status") == "inactive":  # UIS-06: an inactive campaign loses its blocks
        changes["site_blocks"] = []
    updated = _canonical({**campaign, **changes})
    state["campaigns"] = [updated if c["id"] == updated["id"] else c for c in state["campaigns"]]
    return {}, {}


def _delete(state: State, params: dict[str, Any]) -> Reply:
    campaign = check_delete(state, params)
    remove(state, campaign["id"])
    return {}, {}


def _canonical(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign in the stored (seed) shape, defaults filled in."""
    return UisLiveCampaign.model_validate(campaign).model_dump(mode="json")


MUTATING_VERBS = frozenset({"create", "update", "delete"})
METHODS: dict[str, Handler] = {
    "get.campaigns": _get_campaigns,
    "get.campaign_available_phone_numbers": _lister("phone_numbers", PHONE_NUMBERS),
    "get.campaign_available_redirection_phone_numbers": _lister("redirection_phone_numbers", REDIRECTION_NUMBERS),
    "get.sites": _lister("sites", SITES),
    "create.campaigns": _create,
    "update.campaigns": _update,
    "delete.campaigns": _delete,
}
