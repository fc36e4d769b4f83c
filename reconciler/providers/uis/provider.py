"""The UIS provider: what the engine calls, wired to this package's model, rules, client and sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel
from starlette.types import ASGIApp

from reconciler.errors import Problem
from reconciler.model import Desired, Live, LiveState, Operation
from reconciler.providers.base import AccountContext, CampaignDocument, Match, Session
from reconciler.providers.uis import export, fields, references, rules
from reconciler.providers.uis.client import UisSession
from reconciler.providers.uis.model import UisCampaign, UisSeed, UisSettings
from reconciler.providers.uis.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

SCHEMA_RULES = {
    "name": "UIS-05", "description": "UIS-05", "status": "UIS-06",
    "dynamic_call_tracking": "UIS-13", "cost_ratio": "UIS-14", "cost_ratio_operator": "UIS-14",
    "campaign_conditions": "UIS-15",
}


class UisProvider:
    name: ClassVar[str] = "uis"
    document_model: ClassVar[type[CampaignDocument]] = UisCampaign
    seed_model: ClassVar[type[BaseModel]] = UisSeed
    settings_model: ClassVar[type[BaseModel]] = UisSettings
    credential_names: ClassVar[tuple[str, ...]] = ("access_token",)
    id_field: ClassVar[str] = "id"
    key_field: ClassVar[str] = "name"
    schema_rules: ClassVar[Mapping[str, str]] = SCHEMA_RULES

    def desired_fields(self, doc: CampaignDocument) -> dict[str, Any]:
        assert isinstance(doc, UisCampaign)
        return fields.desired_fields(doc)

    def live_fields(self, live: Live) -> dict[str, Any]:
        return fields.live_fields(live.fields)

    def holds(self, documented: Mapping[str, Any], live: Live) -> bool:  # providers.base.HoldsAsRead
        """A ``get.campaigns`` row names fields as the documents do, and ``live_fields`` changes only
        ``site_blocks``, ``dynamic_call_tracking``, ``campaign_conditions`` and a null into forms it gives back
        as they are (a documented value is never null: ``desired_fields`` leaves nulls out)."""
        return documented.items() <= live.fields.items() and None not in documented.values()

    def export(self, live: Live) -> dict[str, Any]:
        return export.document(live.fields)

    def offline_problems(self, desired: Sequence[Desired]) -> list[Problem]:
        return rules.offline_problems(desired)

    def resolve(self, desired: Sequence[Desired], live: LiveState) -> list[Desired]:
        return references.resolve(desired, live)

    def plan(self, account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
             live: LiveState) -> list[Operation]:
        return rules.plan(account, matches, orphans, live.references)

    def connect(self, account: AccountContext, endpoint: str, credentials: Mapping[str, str],
                *, local: bool = False) -> Session:
        user_id = account.settings.get("user_id")
        client = account.client(endpoint, local=local)
        return UisSession(endpoint, credentials["access_token"], user_id, client, account.retry)

    def sandbox_app(self, store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
        return build_app(store, credentials["access_token"], limits)

    def sandbox_credentials(self) -> dict[str, str]:
        return {"access_token": secrets.token_hex(16)}
