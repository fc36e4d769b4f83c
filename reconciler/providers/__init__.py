"""The registry of providers: one explicit dict, no discovery."""

from __future__ import annotations

from reconciler.providers.base import Provider
from reconciler.providers.enswitch.provider import EnswitchProvider
from reconciler.providers.uis.provider import UisProvider

PROVIDERS: dict[str, Provider] = {
    EnswitchProvider.name: EnswitchProvider(),
    UisProvider.name: UisProvider(),
}
