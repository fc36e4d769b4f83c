"""UIS checks a read against a document as it is (``HoldsAsRead``): only ever where normalising both sides
would find no difference either, and the plans are the same as without the check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from conftest import Repo, uis_campaign, uis_config, uis_seed
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.diff import changed_fields
from reconciler.model import Live
from reconciler.providers.base import HoldsAsRead, differences
from reconciler.providers.uis import provider
from reconciler.providers.uis.fields import MANAGED, live_fields

BLOCK = st.fixed_dictionaries(
    {"site_block_id": st.sampled_from([11, 12, 13])},
    optional={"phone_number_id": st.sampled_from([None, 501, 502]),
              "redirection_phone_number_id": st.sampled_from([None, 77]),
              "dynamic_call_tracking_enabled": st.sampled_from([False, True, 0, 1])})
TRACKING = st.one_of(st.none(), st.fixed_dictionaries(
    {"reservation_time": st.sampled_from([None, "", "15m", "30m"]),
     "count_virtual_numbers": st.sampled_from([None, 2]), "count_visits": st.sampled_from([None, 5])}))
ROW = st.fixed_dictionaries({
    "id": st.just(5), "name": st.sampled_from(["A", "B"]), "description": st.sampled_from([None, "x", "y"]),
    "status": st.sampled_from(["active", "inactive"]), "site_id": st.sampled_from([1, 2]),
    "site_blocks": st.lists(BLOCK, max_size=3, unique_by=lambda b: b["site_block_id"]),
    "dynamic_call_tracking": TRACKING, "campaign_conditions": st.sampled_from([None, {"group_conditions": []}]),
    "cost_ratio": st.sampled_from([1, 1.0, 1.5]), "cost_ratio_operator": st.sampled_from(["wo_changes", "plus"]),
    "creation_time": st.just("2026-01-01 00:00:00")})


@st.composite
def _document(draw: st.DrawFn, row: dict[str, Any]) -> dict[str, Any]:
    """Fields a document could set: some of the row's, normalised, one of them perhaps another value."""
    normal = live_fields(row)
    chosen = draw(st.lists(st.sampled_from(MANAGED), unique=True))
    fields = {name: normal[name] for name in chosen if normal.get(name) is not None}
    if fields and draw(st.booleans()):
        name = draw(st.sampled_from(sorted(fields)))
        fields[name] = draw(st.sampled_from(["other", 0, None, [], {"x": 1}]))
    return fields


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_read_that_holds_the_documented_fields_has_no_difference_and_the_answer_never_changes(
        data: st.DataObject) -> None:
    row = data.draw(ROW)
    documented = data.draw(_document(row))
    live = Live(row["id"], row["name"], row)
    assert isinstance(provider, HoldsAsRead)
    normalised = changed_fields(documented, live_fields(row))
    if provider.holds(documented, live):
        assert normalised == {}
    assert differences(provider)(documented, live, ()) == normalised


def test_an_unchanged_campaign_is_not_normalised_and_the_plan_is_the_same_without_the_check(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [{"site_block_id": 12, "phone_number_id": 502, "dynamic_call_tracking_enabled": False},
              {"site_block_id": 11, "phone_number_id": 501, "dynamic_call_tracking_enabled": False}]
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed(uis_campaign(5, "A", description="x"),
                                          uis_campaign(6, "B", site_blocks=blocks),
                                          uis_campaign(7, "C", description="old")))
    repo.write("a.yaml", "account: u\nname: A\ndescription: x\n")
    repo.write("b.yaml", "account: u\nname: B\nsite_blocks:\n  - {site_block_id: 11, phone_number_id: 501}\n"
                         "  - {site_block_id: 12, phone_number_id: 502}\n")  # the read lists them the other way
    repo.write("c.yaml", "account: u\nname: C\ndescription: new\n")
    normalised: list[Any] = []
    real = provider.live_fields

    def spy(raw: Mapping[str, Any]) -> dict[str, Any]:
        normalised.append(raw["name"])
        return real(raw)

    monkeypatch.setattr(provider, "live_fields", spy)
    with_check = repo.run("plan", ".", "--detailed-exitcode")
    assert with_check.code == 2, with_check.err
    assert "Plan: 0 to create, 1 to update, 0 to delete (1 call)." in with_check.out
    assert "description: \"old\" -> \"new\"" in with_check.out
    assert sorted(normalised) == ["B", "C"]  # A holds as read; B's blocks are in another order, C differs
    monkeypatch.setattr(provider, "holds", lambda documented, live: False)  # never tells
    normalised.clear()
    without = repo.run("plan", ".", "--detailed-exitcode")
    assert without.out == with_check.out and without.code == 2
    assert sorted(normalised) == ["A", "B", "C"]
