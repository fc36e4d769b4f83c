"""The registry of providers: one explicit dict, no discovery."""

from __future__ import annotations

from reconciler.providers.base import Provider
from reconciler.providers.callfire.provider import CallFireProvider
from reconciler.providers.enswitch.provider import EnswitchProvider
from reconciler.providers.topsort.provider import TopsortProvider
from reconciler.providers.uis.provider import UisProvider

PROVIDERS: dict[str, Provider] = {
    CallFireProvider.name: CallFireProvider(),
    EnswitchProvider.name: EnswitchProvider(),
    TopsortProvider.name: TopsortProvider(),
    UisProvider.name: UisProvider(),
}
