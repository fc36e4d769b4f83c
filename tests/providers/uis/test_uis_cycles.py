"""The fewest campaigns to break every cycle of number moves with (UIS-09)."""

from __future__ import annotations

import pytest

from reconciler.providers.uis import cycles
from reconciler.providers.uis.cycles import components, fewest_to_break

RULE = "UIS-09"


def test_uis_09_no_cycle_needs_no_break() -> None:
    assert fewest_to_break({"a": {"b"}, "b": {"c"}, "c": set()}, {"a", "b", "c"}) == []
    assert components({"a": {"b"}, "b": set()}) == []


def test_uis_09_a_swap_and_a_rotation_need_one_each() -> None:
    assert fewest_to_break({"a": {"b"}, "b": {"a"}}, {"a", "b"}) == ["a"]
    assert fewest_to_break({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}}, "abcde") == ["a", "d"]


def test_uis_09_two_swaps_through_one_campaign_need_only_that_campaign() -> None:
    graph = {"c2": {"c3"}, "c3": {"c2", "c4"}, "c4": {"c3"}}
    assert fewest_to_break(graph, {"c2", "c3", "c4"}) == ["c3"]  # not c2 then c3


def test_uis_09_only_candidates_are_chosen() -> None:
    assert fewest_to_break({"a": {"b"}, "b": {"a"}}, {"b"}) == ["b"]
    with pytest.raises(ValueError, match="no node that can break it"):
        fewest_to_break({"a": {"b"}, "b": {"a"}}, set())


def test_uis_09_large_components_fall_back_to_a_greedy_choice_that_still_breaks_every_cycle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cycles, "EXACT_UP_TO", 1)
    hub = {"h": {f"n{i}" for i in range(6)}, **{f"n{i}": {"h"} for i in range(6)}}
    chosen = fewest_to_break(hub, set(hub))
    assert chosen == ["h"]
    assert components({n: e - set(chosen) for n, e in hub.items() if n not in chosen}) == []
