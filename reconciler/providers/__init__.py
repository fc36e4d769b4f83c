"""The registry of providers: one explicit dict, no discovery.

It names each provider's module rather than holding the module itself: ``PROVIDERS[name]`` imports it the
first time it is asked for, so a run loads only the providers its accounts use (and ``--help`` none), and
keeps it: the engine asks once per document.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, cast

from reconciler.providers.base import Provider

MODULES: dict[str, str] = {
    "callfire": "reconciler.providers.callfire.provider",
    "enswitch": "reconciler.providers.enswitch.provider",
    "topsort": "reconciler.providers.topsort.provider",
    "uis": "reconciler.providers.uis.provider",
}

if TYPE_CHECKING:  # mypy checks here that every module of the registry is a Provider
    from reconciler.providers.callfire import provider as callfire
    from reconciler.providers.enswitch import provider as enswitch
    from reconciler.providers.topsort import provider as topsort
    from reconciler.providers.uis import provider as uis

    _CHECKED: tuple[Provider, ...] = (callfire, enswitch, topsort, uis)


class Registry(Mapping[str, Provider]):
    """``MODULES`` as a mapping of names to providers; a provider's module is imported on first use."""

    def __init__(self) -> None:
        self._imported: dict[str, Provider] = {}

    def __getitem__(self, name: str) -> Provider:
        provider = self._imported.get(name)
        if provider is None:
            provider = self._imported[name] = cast(Provider, importlib.import_module(MODULES[name]))
        return provider

    def __contains__(self, name: object) -> bool:  # without importing anything
        return name in MODULES

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


PROVIDERS: Mapping[str, Provider] = Registry()
