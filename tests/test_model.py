"""Frozen dataclasses made at once (``model.made_at_once``) behave as the ones dataclasses makes."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from reconciler.model import NO_LIFECYCLE, Desired, Live, Located, made_at_once
from reconciler.providers.base import Match


def test_made_at_once_behaves_as_a_frozen_dataclass() -> None:
    live = Live(7, "Spring", {"id": 7, "name": "Spring"})
    assert live == Live(id=7, key="Spring", fields={"id": 7, "name": "Spring"})  # by position or keyword
    assert (live.id, live.key, live.fields) == (7, "Spring", {"id": 7, "name": "Spring"})
    assert repr(live) == "Live(id=7, key='Spring', fields={'id': 7, 'name': 'Spring'})"
    with pytest.raises(dataclasses.FrozenInstanceError):
        live.key = "Summer"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Live(7, "Spring")  # type: ignore[call-arg]
    assert dataclasses.replace(live, key="Summer").key == "Summer"
    assert vars(live) == {"id": 7, "key": "Spring", "fields": {"id": 7, "name": "Spring"}}


def test_a_desired_campaign_and_a_match_survive_pickling() -> None:
    desired = Desired("u", "Spring", None, {"name": "Spring"}, NO_LIFECYCLE, Located("a.yaml"))
    back = pickle.loads(pickle.dumps(desired))
    assert (back.account, back.key, back.fields, back.lifecycle) == ("u", "Spring", {"name": "Spring"}, NO_LIFECYCLE)
    assert back.source.file == "a.yaml"
    match = Match(desired, None, {})
    assert match.label == "Spring" and match.live is None


def test_only_classes_whose_fields_are_all_given_can_be_made_at_once() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithDefault:
        a: int
        b: int = 0

    with pytest.raises(TypeError, match="fields are all given"):
        made_at_once(WithDefault)

    @dataclasses.dataclass(frozen=True)
    class Checked:
        a: Any

        def __post_init__(self) -> None:
            raise ValueError

    with pytest.raises(TypeError, match="fields are all given"):
        made_at_once(Checked)
