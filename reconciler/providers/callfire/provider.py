"""The CallFire provider: the names and functions the engine calls (``providers.base.Provider``), taken from
this package's model, rules and field mapping.

A module rather than a class, so that the registry imports it only when an account uses CallFire; the client
(httpx) and the sandbox (starlette) are imported by ``connect`` and ``sandbox_app``, so that offline commands
(validate, fmt) never load them.

Verify after apply reads back only the touched campaigns (``ReadsTouched``: GetCccCampaign by id, and
QueryCccCampaigns by Name for those created), while that takes fewer calls than reading every page.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel

from reconciler.providers.base import AccountContext, CampaignDocument, Session, ids_only
from reconciler.providers.callfire.fields import desired_fields as desired_fields
from reconciler.providers.callfire.fields import export as export
from reconciler.providers.callfire.fields import live_fields as live_fields
from reconciler.providers.callfire.model import CallFireCampaign, CallFireSeed, CallFireSettings
from reconciler.providers.callfire.rules import offline_problems as offline_problems
from reconciler.providers.callfire.rules import plan as plan

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from reconciler.sandbox.limits import RateLimits
    from reconciler.sandbox.store import SandboxStore

name = "callfire"
document_model: type[CampaignDocument] = CallFireCampaign
seed_model: type[BaseModel] = CallFireSeed
settings_model: type[BaseModel] = CallFireSettings
credential_names: tuple[str, ...] = ("login", "password")
id_field = "id"
key_field = "Name"
schema_rules: Mapping[str, str] = {
    "Name": "CF-02", "Status": "CF-04",
    **dict.fromkeys(("Question", "RetryConfig", "FromNumber", "LocalRestrictBegin", "LocalRestrictEnd",
                     "MultilineDialingRatio"), "CF-06"),
}
resolve = ids_only
"""Documents name other objects by id only: there is nothing to resolve at plan time."""


def connect(account: AccountContext, endpoint: str, credentials: Mapping[str, str],
            *, local: bool = False) -> Session:
    """``endpoint`` is the REST base (https://www.callfire.com/api/1.1/rest); a sandbox serves it under
    its own root."""
    from reconciler.providers.callfire.client import CallFireSession

    base = endpoint
    if local:
        from reconciler.providers.callfire.sandbox import PREFIX

        base = endpoint.rstrip("/") + PREFIX
    return CallFireSession(base, credentials["login"], credentials["password"], account.client(base, local=local),
                           account.retry)


def sandbox_app(store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
    """The sandbox (CallFire documents no call limits, so ``limits`` is not enforced)."""
    from reconciler.providers.callfire.sandbox import build_app

    return build_app(store, credentials["login"], credentials["password"])


def sandbox_credentials() -> dict[str, str]:
    """A fresh API login and password for a run against the built-in sandbox."""
    return {"login": f"reconciler-{secrets.token_hex(6)}", "password": secrets.token_hex(16)}
