"""The accounts of reconciler.yaml as CI sees them: name, provider and whether it runs on the sandbox.

``reconciler accounts --json`` prints them as one line of JSON, a list a CI matrix can use directly (GitHub:
``matrix: {account: ${{ fromJSON(...) }}}``, then ``--account ${{ matrix.account.name }}``). Nothing else of an
account is shown: no endpoint, no credentials, not even the names of the variables that hold them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from reconciler.config import Config


@dataclass(frozen=True)
class AccountSummary:
    """What a CI job needs to know about one account."""

    name: str
    provider: str
    sandbox: bool


def summaries(config: Config) -> list[AccountSummary]:
    """The accounts, sorted by name."""
    return [AccountSummary(a.name, a.provider, a.sandbox is not None)
            for a in sorted(config.accounts.values(), key=lambda a: a.name)]


def to_json(accounts: list[AccountSummary]) -> str:
    """One line (as ``$GITHUB_OUTPUT`` needs): ``[{"name": ..., "provider": ..., "sandbox": true}, ...]``."""
    return json.dumps([asdict(a) for a in accounts], ensure_ascii=False)


def to_table(accounts: list[AccountSummary]) -> str:
    """Aligned columns for people: ACCOUNT, PROVIDER, SANDBOX (yes or no)."""
    rows = [("ACCOUNT", "PROVIDER", "SANDBOX")]
    rows += [(a.name, a.provider, "yes" if a.sandbox else "no") for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}" for r in rows)
