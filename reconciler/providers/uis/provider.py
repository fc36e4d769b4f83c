"""The UIS provider: the names and functions the engine calls (``providers.base.Provider``), taken from this
package's model, rules and field mapping.

A module rather than a class, so that the registry imports it only when an account uses UIS; the client
(httpx) and the sandbox (starlette) are imported by ``connect`` and ``sandbox_app``, so that offline commands
(validate, fmt) never load them.

Verify after apply reads back only the touched campaigns (``ReadsTouched``: a ``get.campaigns`` filter on id
and name).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from reconciler.model import Live
from reconciler.providers.base import AccountContext, CampaignDocument, Session
from reconciler.providers.uis import export as _export
from reconciler.providers.uis.fields import desired_fields as desired_fields
from reconciler.providers.uis.fields import live_fields as live_fields
from reconciler.providers.uis.model import UisCampaign, UisSeed, UisSettings
from reconciler.providers.uis.references import resolve as resolve
from reconciler.providers.uis.rules import offline_problems as offline_problems
from reconciler.providers.uis.rules import plan as plan

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from reconciler.sandbox.limits import RateLimits
    from reconciler.sandbox.store import SandboxStore

name = "uis"
document_model: type[CampaignDocument] = UisCampaign
seed_model: type[BaseModel] = UisSeed
settings_model: type[BaseModel] = UisSettings
credential_names: tuple[str, ...] = ("access_token",)
id_field = "id"
key_field = "name"
schema_rules: Mapping[str, str] = {
    "name": "UIS-05", "description": "UIS-05", "status": "UIS-06",
    "dynamic_call_tracking": "UIS-13", "cost_ratio": "UIS-14", "cost_ratio_operator": "UIS-14",
    "campaign_conditions": "UIS-15",
}
export = _export.document
"""``reconciler import`` writes what ``export.document`` makes of a ``get.campaigns`` row."""


def holds(documented: Mapping[str, Any], live: Live) -> bool:  # providers.base.HoldsAsRead
    """A ``get.campaigns`` row names fields as the documents do, and ``live_fields`` changes only
    ``site_blocks``, ``dynamic_call_tracking``, ``campaign_conditions`` and a null into forms it gives back
    as they are (a documented value is never null: ``desired_fields`` leaves nulls out)."""
    return documented.items() <= live.fields.items() and None not in documented.values()


def connect(account: AccountContext, endpoint: str, credentials: Mapping[str, str],
            *, local: bool = False) -> Session:
    from reconciler.providers.uis.client import UisSession

    client = account.client(endpoint, local=local)
    return UisSession(endpoint, credentials["access_token"], account.settings.get("user_id"), client,
                      account.retry)


def sandbox_app(store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
    from reconciler.providers.uis.sandbox import build_app

    return build_app(store, credentials["access_token"], limits)


def sandbox_credentials() -> dict[str, str]:
    return {"access_token": secrets.token_hex(16)}
