"""The Enswitch provider: the names and functions the engine calls (``providers.base.Provider``), taken from
this package's model, rules and field mapping.

A module rather than a class, so that the registry imports it only when an account uses Enswitch; the client
(httpx) and the sandbox (starlette) are imported by ``connect`` and ``sandbox_app``, so that offline commands
(validate, fmt) never load them.

Verify after apply reads the whole account back: ``bulk/campaigns/list`` has no filter and no paging, and
``bulk/campaigns/get`` is not in Enswitch's public documentation (vendor-docs/FACTS.md); the list is one call
whatever the account's size.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel

from reconciler.providers.base import AccountContext, CampaignDocument, Session, ids_only
from reconciler.providers.enswitch.fields import desired_fields as desired_fields
from reconciler.providers.enswitch.fields import export as export
from reconciler.providers.enswitch.fields import live_fields as live_fields
from reconciler.providers.enswitch.model import EnswitchCampaign, EnswitchSeed, EnswitchSettings
from reconciler.providers.enswitch.rules import offline_problems as offline_problems
from reconciler.providers.enswitch.rules import plan as plan

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from reconciler.sandbox.limits import RateLimits
    from reconciler.sandbox.store import SandboxStore

name = "enswitch"
document_model: type[CampaignDocument] = EnswitchCampaign
seed_model: type[BaseModel] = EnswitchSeed
settings_model: type[BaseModel] = EnswitchSettings
credential_names: tuple[str, ...] = ("auth_username", "auth_password")
id_field = "id"
key_field = "name"
schema_rules: Mapping[str, str] = {
    "name": "ENS-07", "dtype": "ENS-07", "dnumber": "ENS-07",
    **dict.fromkeys(("enabled", "machine", "success", "attempts", "maximum", "retry", "keep_agents_available",
                     "owner", "recordgroup", "timegroup"), "ENS-02"),
}
resolve = ids_only
"""Documents name other objects by id only: there is nothing to resolve at plan time."""


def connect(account: AccountContext, endpoint: str, credentials: Mapping[str, str],
            *, local: bool = False) -> Session:
    from reconciler.providers.enswitch.client import EnswitchSession

    return EnswitchSession(endpoint, credentials["auth_username"], credentials["auth_password"],
                           account.client(endpoint, local=local), account.retry)


def sandbox_app(store: SandboxStore, credentials: Mapping[str, str], limits: RateLimits) -> ASGIApp:
    """The sandbox (Enswitch documents no call limits, so ``limits`` is not enforced)."""
    from reconciler.providers.enswitch.sandbox import build_app

    return build_app(store, credentials["auth_username"], credentials["auth_password"])


def sandbox_credentials() -> dict[str, str]:
    """A fresh user of the sandbox, with the role the seed gives it (administrator by default)."""
    return {"auth_username": f"reconciler-{secrets.token_hex(6)}", "auth_password": secrets.token_hex(16)}
