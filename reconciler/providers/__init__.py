"""The registry of providers: one explicit dict, no discovery."""

from __future__ import annotations

from reconciler.providers.base import Provider
from reconciler.providers.uis.provider import UisProvider

PROVIDERS: dict[str, Provider] = {
    UisProvider.name: UisProvider(),
}
