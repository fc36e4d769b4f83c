"""The CallFire provider: what the engine calls, wired to this package's model, rules, client and sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel
from starlette.types import ASGIApp

from reconciler.errors import Problem
from reconciler.model import Desired, Live, LiveState, Operation
from reconciler.providers.base import AccountContext, CampaignDocument, IdsOnly, Match, Session
from reconciler.providers.callfire import fields, rules
from reconciler.providers.callfire.client import CallFireSession
from reconciler.providers.callfire.model import CallFireCampaign, CallFireSeed, CallFireSettings
from reconciler.providers.callfire.sandbox import PREFIX, build_app
from reconciler.sandbox.limits import RateLimits
from reconciler.sandbox.store import SandboxStore

SCHEMA_RULES = {
    "Name": "CF-02", "Status": "CF-04",
    **dict.fromkeys(("Question", "RetryConfig", "FromNumber", "LocalRestrictBegin", "LocalRestrictEnd",
                     "MultilineDialingRatio"), "CF-06"),
}


class CallFireProvider(IdsOnly):
    name: ClassVar[str] = "callfire"
    document_model: ClassVar[type[CampaignDocument]] = CallFireCampaign
    seed_model: ClassVar[type[BaseModel]] = CallFireSeed
    settings_model: ClassVar[type[BaseModel]] = CallFireSettings
    credential_names: ClassVar[tuple[str, ...]] = ("login", "password")
    id_field: ClassVar[str] = "id"
    key_field: ClassVar[str] = "Name"
    schema_rules: ClassVar[Mapping[str, str]] = SCHEMA_RULES

    def desired_fields(self, doc: CampaignDocument) -> dict[str, Any]:
        assert isinstance(doc, CallFireCampaign)
        return fields.desired_fields(doc)

    def live_fields(self, live: Live) -> dict[str, Any]:
        return fields.live_fields(live.fields)

    def export(self, live: Live) -> dict[str, Any]:
        return fields.export(live.fields)

    def offline_problems(self, desired: Sequence[Desired]) -> list[Problem]:
        return rules.offline_problems(desired)

    def plan(self, account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
             live: LiveState) -> list[Operation]:
        return rules.plan(account, matches, orphans, live)

    def connect(self, account: AccountContext, endpoint: str, credentials: Mapping[str, str],
                *, local: bool = False) -> Session:
        """``endpoint`` is the REST base (https://www.callfire.com/api/1.1/rest); a sandbox serves it under
        its own root."""
        base = endpoint.rstrip("/") + PREFIX if local else endpoint
        client = account.client(base, local=local)
        return CallFireSession(base, credentials["login"], credentials["password"], client,
                               account.retry)

    def sandbox_app(self, store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
        """The sandbox (CallFire documents no call limits, so ``limits`` is not enforced)."""
        return build_app(store, credentials["login"], credentials["password"])

    def sandbox_credentials(self) -> dict[str, str]:
        """A fresh API login and password for a run against the built-in sandbox."""
        return {"login": f"reconciler-{secrets.token_hex(6)}", "password": secrets.token_hex(16)}
