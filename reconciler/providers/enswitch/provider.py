"""The Enswitch provider: what the engine calls, wired to this package's model, rules, client and sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel
from starlette.types import ASGIApp

from reconciler.errors import Problem
from reconciler.model import Desired, Live, LiveState, Operation
from reconciler.providers.base import AccountContext, CampaignDocument, IdsOnly, Match, Session
from reconciler.providers.enswitch import fields, rules
from reconciler.providers.enswitch.client import EnswitchSession
from reconciler.providers.enswitch.model import EnswitchCampaign, EnswitchSeed, EnswitchSettings
from reconciler.providers.enswitch.sandbox import build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

SCHEMA_RULES = {
    "name": "ENS-07", "dtype": "ENS-07", "dnumber": "ENS-07",
    **dict.fromkeys(("enabled", "machine", "success", "attempts", "maximum", "retry", "keep_agents_available",
                     "owner", "recordgroup", "timegroup"), "ENS-02"),
}


class EnswitchProvider(IdsOnly):
    name: ClassVar[str] = "enswitch"
    document_model: ClassVar[type[CampaignDocument]] = EnswitchCampaign
    seed_model: ClassVar[type[BaseModel]] = EnswitchSeed
    settings_model: ClassVar[type[BaseModel]] = EnswitchSettings
    credential_names: ClassVar[tuple[str, ...]] = ("auth_username", "auth_password")
    id_field: ClassVar[str] = "id"
    key_field: ClassVar[str] = "name"
    schema_rules: ClassVar[Mapping[str, str]] = SCHEMA_RULES

    def desired_fields(self, doc: CampaignDocument) -> dict[str, Any]:
        assert isinstance(doc, EnswitchCampaign)
        return fields.desired_fields(doc)

    def live_fields(self, live: Live) -> dict[str, Any]:
        return fields.live_fields(live.fields)

    def export(self, live: Live) -> dict[str, Any]:
        return fields.export(live.fields)

    def offline_problems(self, desired: Sequence[Desired]) -> list[Problem]:
        return rules.offline_problems(desired)

    def plan(self, account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
             live: LiveState) -> list[Operation]:
        return rules.plan(account, matches, orphans)

    def connect(self, account: AccountContext, endpoint: str, credentials: Mapping[str, str],
                *, local: bool = False) -> Session:
        return EnswitchSession(endpoint, credentials["auth_username"], credentials["auth_password"],
                               account.client(endpoint, local=local), account.retry)

    def sandbox_app(self, store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
        """The sandbox (Enswitch documents no call limits, so ``limits`` is not enforced)."""
        return build_app(store, credentials["auth_username"], credentials["auth_password"])

    def sandbox_credentials(self) -> dict[str, str]:
        """A fresh user of the sandbox, with the role the seed gives it (administrator by default)."""
        return {"auth_username": f"reconciler-{secrets.token_hex(6)}", "auth_password": secrets.token_hex(16)}
