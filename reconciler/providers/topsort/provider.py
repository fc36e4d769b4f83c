"""The Topsort provider: what the engine calls, wired to this package's model, rules, client and sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel
from starlette.types import ASGIApp

from reconciler.errors import Problem
from reconciler.model import Desired, Live, LiveState, Operation
from reconciler.providers.base import AccountContext, CampaignDocument, IdsOnly, Match, Session
from reconciler.providers.topsort import fields, rules
from reconciler.providers.topsort.client import TopsortSession
from reconciler.providers.topsort.model import TopsortCampaign, TopsortSeed, TopsortSettings
from reconciler.providers.topsort.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

SCHEMA_RULES = {
    "name": "TOP-02", "startDate": "TOP-04", "endDate": "TOP-04", "campaignType": "TOP-05",
    "targetRoas": "TOP-06", "autobiddingObjective": "TOP-06", "productIds": "TOP-06",
    "externalCampaignId": "TOP-07", "budget": "TOP-08", "chargeType": "TOP-08",
    **dict.fromkeys(("marketplaceId", "createdAt", "vendorId", "walletId", "bidCount", "externalVendorId",
                     "budget.amountUsed", "budget.amountRemaining", "budget.amountCarryover"), "TOP-09"),
    "bids": "TOP-10", "vendor_id": "TOP-10",
}


class TopsortProvider(IdsOnly):
    name: ClassVar[str] = "topsort"
    document_model: ClassVar[type[CampaignDocument]] = TopsortCampaign
    seed_model: ClassVar[type[BaseModel]] = TopsortSeed
    settings_model: ClassVar[type[BaseModel]] = TopsortSettings
    credential_names: ClassVar[tuple[str, ...]] = ("api_key",)
    id_field: ClassVar[str] = "campaignId"
    key_field: ClassVar[str] = "identity"
    """``TopsortCampaign.identity``: externalCampaignId when given, else name (TOP-07)."""
    schema_rules: ClassVar[Mapping[str, str]] = SCHEMA_RULES

    def desired_fields(self, doc: CampaignDocument) -> dict[str, Any]:
        assert isinstance(doc, TopsortCampaign)
        return fields.desired_fields(doc)

    def live_fields(self, live: Live) -> dict[str, Any]:
        return fields.live_fields(live.fields)

    def settled(self, name: str, desired: Any, live: Any) -> bool:
        """TOP-03 (a past start date) and TOP-10 (bids, known live by their count): see ``fields``."""
        return fields.settled(name, desired, live)

    def export(self, live: Live) -> dict[str, Any]:
        return fields.export(live.fields)

    def offline_problems(self, desired: Sequence[Desired]) -> list[Problem]:
        return rules.offline_problems(desired)

    def plan(self, account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
             live: LiveState) -> list[Operation]:
        return rules.plan(account, matches, orphans)

    def connect(self, account: AccountContext, endpoint: str, credentials: Mapping[str, str],
                *, local: bool = False) -> Session:
        vendor = account.settings.get("vendor_id")
        return TopsortSession(endpoint, credentials["api_key"], vendor,
                              account.client(endpoint, local=local), account.retry)

    def sandbox_app(self, store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
        return build_app(store, credentials["api_key"], limits)

    def sandbox_credentials(self) -> dict[str, str]:
        return {"api_key": secrets.token_hex(16)}
