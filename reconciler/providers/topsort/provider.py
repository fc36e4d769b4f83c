"""The Topsort provider: the names and functions the engine calls (``providers.base.Provider``), taken from
this package's model, rules and field mapping.

A module rather than a class, so that the registry imports it only when an account uses Topsort; the client
(httpx) and the sandbox (starlette) are imported by ``connect`` and ``sandbox_app``, so that offline commands
(validate, fmt) never load them.

Verify after apply takes the answers to the writes as the read-back (each answers with the whole campaign:
``WriteAnswers``); when they do not describe every touched campaign it reads the account whole, since the
campaign list selects by vendor and status only, not by id or name (vendor-docs/FACTS.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel

from reconciler.providers.base import AccountContext, CampaignDocument, Session, ids_only
from reconciler.providers.topsort.fields import desired_fields as desired_fields
from reconciler.providers.topsort.fields import export as export
from reconciler.providers.topsort.fields import live_fields as live_fields
from reconciler.providers.topsort.fields import settled as settled  # providers.base.Settling
from reconciler.providers.topsort.model import TopsortCampaign, TopsortSeed, TopsortSettings
from reconciler.providers.topsort.rules import offline_problems as offline_problems
from reconciler.providers.topsort.rules import plan as plan

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from reconciler.sandbox.limits import RateLimits
    from reconciler.sandbox.store import SandboxStore

name = "topsort"
document_model: type[CampaignDocument] = TopsortCampaign
seed_model: type[BaseModel] = TopsortSeed
settings_model: type[BaseModel] = TopsortSettings
credential_names: tuple[str, ...] = ("api_key",)
id_field = "campaignId"
key_field = "identity"
"""``TopsortCampaign.identity``: externalCampaignId when given, else name (TOP-07)."""
schema_rules: Mapping[str, str] = {
    "name": "TOP-02", "startDate": "TOP-04", "endDate": "TOP-04", "campaignType": "TOP-05",
    "targetRoas": "TOP-06", "autobiddingObjective": "TOP-06", "productIds": "TOP-06",
    "externalCampaignId": "TOP-07", "budget": "TOP-08", "chargeType": "TOP-08",
    **dict.fromkeys(("marketplaceId", "createdAt", "vendorId", "walletId", "bidCount", "externalVendorId",
                     "budget.amountUsed", "budget.amountRemaining", "budget.amountCarryover"), "TOP-09"),
    "bids": "TOP-10", "vendor_id": "TOP-10",
}
resolve = ids_only
"""Documents name other objects by id only: there is nothing to resolve at plan time."""


def connect(account: AccountContext, endpoint: str, credentials: Mapping[str, str],
            *, local: bool = False) -> Session:
    from reconciler.providers.topsort.client import TopsortSession

    return TopsortSession(endpoint, credentials["api_key"], account.settings.get("vendor_id"),
                          account.client(endpoint, local=local), account.retry)


def sandbox_app(store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
    from reconciler.providers.topsort.sandbox import build_app

    return build_app(store, credentials["api_key"], limits)


def sandbox_credentials() -> dict[str, str]:
    return {"api_key": secrets.token_hex(16)}
