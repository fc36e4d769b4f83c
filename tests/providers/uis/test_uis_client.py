"""The UIS client reads everything in ceil(N / 10,000) campaign calls plus the reference reads."""

from __future__ import annotations

import math

import pytest
from conftest import Repo

from reconciler.providers.uis.client import PAGE, REFERENCE_METHODS


@pytest.mark.parametrize("count", [0, 10_000, 20_001])
def test_reads_all_campaigns_in_ceil_n_over_10000_calls(repo: Repo, count: int) -> None:
    repo.write("reconciler.yaml", "version: 1\naccounts:\n  u: {provider: uis, sandbox: {seed: seed.json}}\n")
    campaigns = [{"id": i, "name": f"c{i}", "site_id": 1} for i in range(1, count + 1)]
    repo.write_json("seed.json", {"sites": [{"id": 1, "domain_name": "a.example"}], "campaigns": campaigns})
    repo.write("last.yaml", f"account: u\nname: c{count}\nstatus: inactive\n" if count else "")
    result = repo.run("plan", ".", "--detailed-exitcode")
    assert result.code == (2 if count else 0), result.err
    reads = [r["operation"] for r in repo.requests("u")]
    assert reads.count("get.campaigns") == max(1, math.ceil(count / PAGE))
    assert sorted(set(reads) - {"get.campaigns"}) == sorted(REFERENCE_METHODS.values())
    assert len(reads) == max(1, math.ceil(count / PAGE)) + len(REFERENCE_METHODS)
    if count:
        assert f"~ u / c{count}: update" in result.out, "the last page was read and matched"
