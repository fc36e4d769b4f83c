"""Core types: a document's positions are found by path, through aliases and nearest ancestors."""

from __future__ import annotations

from reconciler.model import NO_LIFECYCLE, Desired, Located, Path, Pos, Spot
from reconciler.providers.base import Match


def _source() -> Located:
    values: dict[Path, Spot] = {(): (1, 1), ("name",): (1, 7), ("blocks", 0, "ref"): (3, 9)}
    keys: dict[Path, Spot] = {("name",): (1, 1)}
    return Located("a.yaml", values, keys)


def test_a_path_is_found_by_its_value_its_key_or_its_nearest_located_ancestor() -> None:
    src = _source()
    assert str(src.pos(("name",))) == "a.yaml:1:7"
    assert str(src.pos(("name",), key=True)) == "a.yaml:1:1"
    assert str(src.pos(("blocks", 0, "ref"), key=True)) == "a.yaml:3:9"  # no key recorded: its value
    assert str(src.pos(("blocks", 0, "ref", "x"))) == "a.yaml:3:9"
    assert str(src.pos(("missing",))) == "a.yaml:1:1"
    assert str(Located("b.yaml").pos(("x",))) == "b.yaml:1:1"  # nothing recorded: the file's start


def test_an_alias_finds_a_path_the_document_does_not_have_where_its_stand_in_is() -> None:
    src = _source()
    aliased = src.alias({("blocks", 0, "id"): ("blocks", 0, "ref")})
    assert str(aliased.pos(("blocks", 0, "id"))) == "a.yaml:3:9"
    assert src.pos(("blocks", 0, "id")) == Pos("a.yaml", 1, 1)  # the original is unchanged
    assert aliased.values is src.values and aliased.file == "a.yaml"


def test_a_match_is_labelled_by_its_document() -> None:
    desired = Desired("u", "Spring", None, {"name": "Spring"}, NO_LIFECYCLE, Located("a.yaml"))
    assert Match(desired, None, {}).label == "Spring"
