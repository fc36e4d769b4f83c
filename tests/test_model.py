"""Core types: a document's positions are found by path, through aliases and nearest ancestors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import NO_LIFECYCLE, Desired, Located, Path, Pos
from reconciler.providers.base import Match
from reconciler.yamltext import located


def _source() -> Located:
    data = {"name": "A", "blocks": [{"ref": "x", "n": [1, 2]}, {"ref": "y"}], "last": {"k": None}}
    text = "name: A\nblocks:\n  - {ref: x, n: [1, 2]}\n  - ref: y\nlast: {k: ~}\n"
    (index, read, source), = located(text, "a.yaml")[0]
    assert read == data and index == 0
    return source


def test_a_path_is_found_by_its_value_its_key_or_its_nearest_located_ancestor() -> None:
    src = _source()
    assert str(src.pos()) == "a.yaml:1:1"
    assert str(src.pos(("name",))) == "a.yaml:1:7"
    assert str(src.pos(("name",), key=True)) == "a.yaml:1:1"
    assert str(src.pos(("blocks",))) == "a.yaml:3:3"
    assert str(src.pos(("blocks", 0))) == "a.yaml:3:5"
    assert str(src.pos(("blocks", 0), key=True)) == "a.yaml:3:5"  # an item has no key: its value
    assert str(src.pos(("blocks", 0, "n", 1))) == "a.yaml:3:21"
    assert str(src.pos(("blocks", 1, "ref"))) == "a.yaml:4:10"
    assert str(src.pos(("blocks", 1, "ref"), key=True)) == "a.yaml:4:5"
    assert str(src.pos(("last", "k"))) == "a.yaml:5:11"
    assert str(src.pos(("last", "k"), key=True)) == "a.yaml:5:8"
    assert str(src.pos(("blocks", 0, "ref", "deeper"))) == "a.yaml:3:11"
    assert str(src.pos(("blocks", 5, "ref"))) == "a.yaml:3:3"
    assert str(src.pos(("missing",))) == "a.yaml:1:1"
    assert str(src.pos(("name", 0))) == "a.yaml:1:7"  # a scalar has no items
    assert str(Located("b.yaml").pos(("x",))) == "b.yaml:1:1"  # nothing recorded: the file's start


def test_an_alias_finds_a_path_the_document_does_not_have_where_its_stand_in_is() -> None:
    src = _source()
    aliased = src.alias({("blocks", 1, "id"): ("blocks", 1, "ref")})
    assert str(aliased.pos(("blocks", 1, "id"))) == "a.yaml:4:10"
    assert str(aliased.pos(("blocks", 1, "id"), key=True)) == "a.yaml:4:5"
    assert src.pos(("blocks", 1, "id")) == Pos("a.yaml", 4, 5)  # the original is unchanged: the item's place
    assert aliased.data is src.data and aliased.file == "a.yaml"


_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=3)  # (JSON escapes others as
# surrogate pairs, which YAML refuses)


@given(st.recursive(st.none() | st.integers() | _TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                    max_leaves=12))
def test_every_value_and_key_is_found_where_it_was_read(data: Any) -> None:
    text = json.dumps({"root": data}, indent=1)  # JSON is YAML: one value or key a line, at a known column
    (_, read, src), = located(text, "j.yaml")[0]
    assert read == {"root": data}
    lines = text.splitlines()
    for path, value in _paths({"root": data}):
        line = lines[src.pos(path).line - 1]
        assert line[src.pos(path).col - 1:].startswith(json.dumps(value, indent=1).splitlines()[0]), (path, line)
        if isinstance(path[-1], str):
            key = src.pos(path, key=True)
            assert lines[key.line - 1][key.col - 1:].startswith(json.dumps(path[-1])), path


def _paths(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if path:
        yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def test_a_match_is_labelled_by_its_document() -> None:
    desired = Desired("u", "Spring", None, {"name": "Spring"}, NO_LIFECYCLE, Located("a.yaml"))
    assert Match(desired, None, {}).label == "Spring"
