"""YAML text -> values: every problem located, and tags are PyYAML's for this schema."""

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from reconciler.model import _size
from reconciler.yamltext import _STR, _Resolver, _scalar, located, tag_of

ROOT = Path(__file__).parent.parent
YAML_FILES = sorted([*ROOT.glob("tests/data/**/*.yaml"), *ROOT.glob("examples/**/*.yaml")])


def test_every_file_of_the_corpus_reads_with_its_positions_or_has_located_problems() -> None:
    # Every YAML file of the bad-input corpus and the examples: documents whose positions are recorded, or
    # problems that all carry a position in that file.
    assert len(YAML_FILES) > 300
    clean = with_problems = 0
    for path in YAML_FILES:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        docs, problems = located(text, path.name)
        assert all(p.pos is not None and p.pos.file == path.name for p in problems), path
        if problems:
            with_problems += 1
            continue
        clean += 1
        # a line and a column for each value and key, in reading order
        assert all(src.file == path.name and len(src.spots) == 2 * _size(data) for _, data, src in docs), path
    assert clean > 400 and with_problems > 30, (clean, with_problems)


def _reference(node: Node) -> tuple[Any, list[int]]:
    """The values and positions of a node tree PyYAML composed with this schema's resolver: what ``located``
    must give without composing one."""
    spots = [node.start_mark.line + 1, node.start_mark.column + 1]
    if isinstance(node, MappingNode):
        out = {}
        for key, value in node.value:
            item, item_spots = _reference(value)
            out[key.value] = item
            spots += [key.start_mark.line + 1, key.start_mark.column + 1, *item_spots]
        return out, spots
    if isinstance(node, SequenceNode):
        items = [_reference(item) for item in node.value]
        return [v for v, _ in items], spots + [n for _, s in items for n in s]
    return (node.value if node.tag == _STR else _scalar(node.tag, node.value)), spots


class _Reference(yaml.CBaseLoader):  # type: ignore[misc]
    yaml_implicit_resolvers = _Resolver.yaml_implicit_resolvers


def test_values_and_positions_are_those_of_pyyaml_s_node_tree_with_this_schema() -> None:
    # Every clean file of the corpus (aliases, tags, several documents, flow and block styles) reads as the
    # tree PyYAML composes with the same resolver: same values, same line and column for each value and key.
    compared = 0
    for path in YAML_FILES:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        docs, problems = located(text, path.name)
        if problems:
            continue
        nodes = [n for n in yaml.compose_all(text, Loader=_Reference)]
        expected = [(i, *_reference(n)) for i, n in enumerate(nodes) if n is not None]
        assert [(i, d, list(s.spots)) for i, d, s in docs] == [e for e in expected if e[1] is not None], path
        compared += 1
    assert compared > 400


PIECES = [*":-[]{},&*!|>'\"# \n\t?%@`ab0<.", "&a ", "*a", "<<", "!!int ", "!!str ", "---\n", "...\n", "? "]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(PIECES),
                                                    st.booleans()), min_size=1, max_size=4))
def test_broken_corpus_files_read_as_pyyaml_s_tree_or_have_problems(which: int, edits: list[tuple[int, str, bool]]
                                                                    ) -> None:
    # A corpus file with a few characters inserted or deleted: what reads without problems reads as PyYAML's
    # composed tree, and text PyYAML cannot compose is never read without a problem.
    text = YAML_FILES[which % len(YAML_FILES)].read_text(encoding="utf-8", errors="replace")
    for at, piece, insert in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at:] if insert else text[:at] + text[at + 1:]
    docs, problems = located(text, "f.yaml")
    try:
        nodes = list(yaml.compose_all(text, Loader=_Reference))
    except yaml.YAMLError:
        assert problems
        return
    if not problems:
        expected = [(i, *_reference(n)) for i, n in enumerate(nodes) if n is not None]
        assert [(i, d, list(s.spots)) for i, d, s in docs] == [e for e in expected if e[1] is not None]


def test_an_alias_reads_as_a_copy_of_what_it_stands_for_with_its_positions() -> None:
    text = "a: &t {x: [1, {y: &s z}]}\nb: *t\nc: [*s, *t]\n*s : key\n"
    [(_, data, src)], problems = located(text, "f.yaml")
    assert problems == []
    assert data == {"a": {"x": [1, {"y": "z"}]}, "b": {"x": [1, {"y": "z"}]}, "c": ["z", {"x": [1, {"y": "z"}]}],
                    "z": "key"}
    assert data["b"] is not data["a"] and data["b"]["x"] is not data["a"]["x"]  # no value is shared
    assert str(src.pos(("b", "x", 1, "y"))) == str(src.pos(("a", "x", 1, "y"))) == "f.yaml:1:19"
    assert str(src.pos(("c", 0))) == "f.yaml:1:19" and str(src.pos(("z",), key=True)) == "f.yaml:1:19"
    assert str(src.pos(("z",))) == "f.yaml:4:6"


def test_alias_problems_are_located_at_the_alias_and_other_documents_still_read() -> None:
    docs, problems = located("a: [*nothing]\n---\nb: 2\n---\nc: &x 1\nd: &x 2\n", "f.yaml")
    assert [d for _, d, _ in docs] == [{"b": 2}]
    assert [str(p) for p in problems] == ["f.yaml:1:5: YAML undefined alias *nothing",
                                          "f.yaml:6:4: YAML duplicate anchor &x (first at line 5)"]
    _, problems = located("a: 1\n*k : 2\n", "f.yaml")
    assert [str(p) for p in problems] == ["f.yaml:2:1: YAML undefined alias *k"]
    _, problems = located("a: *nothing\nb: [1\n", "f.yaml")  # a document that stops being YAML: that alone
    assert [p.message.split(";")[0] for p in problems] == ["while parsing a flow sequence"]
    _, problems = located("a: &x [1, [2, *x]]\n", "f.yaml")
    assert [str(p) for p in problems] == [
        "f.yaml:1:15: YAML values nested too deeply (over 100 levels; recursive alias?)"]
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 120))
    _, problems = located(chain, "f.yaml")  # each alias nests one more level: the 100th is refused
    assert [str(p) for p in problems] == [
        "f.yaml:100:12: YAML values nested too deeply (over 100 levels; recursive alias?)"]


def test_a_duplicate_key_s_value_is_skipped_but_its_anchors_count() -> None:
    _, problems = located("a: 1\na: &x {b: *undefined}\nc: *x\n", "f.yaml")
    assert [str(p) for p in problems] == ["f.yaml:2:1: YAML duplicate key 'a' (first at line 1)"]
    _, problems = located("<<: {a: 1}\n'<<': 2\n!!merge x: 3\n? [1]\n: 4\n", "f.yaml")
    assert [str(p) for p in problems] == [
        "f.yaml:1:1: YAML keys must be plain scalars (merge keys are not supported)",
        "f.yaml:3:1: YAML keys must be plain scalars (merge keys are not supported)",
        "f.yaml:4:3: YAML keys must be plain scalars (merge keys are not supported)"]


plain_scalars = st.one_of(
    st.sampled_from(["", "~", "null", "Null", "NULL", "nul", "true", "True", "TRUE", "tRue", "yes", "no", "on",
                     "0", "-0", "+12", "0x1F", "0o17", "017", "0b101", "1_000", "1.5", "-.5", "1e3", "1.0e+3",
                     ".inf", "-.Inf", ".NaN", "nan", "<<", "<", "12:30", "1.2.3", "t", "f", "n", "N"]),
    st.text(alphabet="0123456789.+-_eExXoObBtrufalsnNTFLSU~<inf:", max_size=8),
    st.text(max_size=8))


@settings(max_examples=400)
@given(plain_scalars, st.booleans(), st.booleans())
def test_scalar_tags_are_pyyaml_s_with_this_schema(value: str, plain: bool, quoted: bool) -> None:
    resolver = _Resolver()
    expected = BaseResolver.resolve(resolver, ScalarNode, value, (plain, quoted))  # type: ignore[no-untyped-call]
    assert tag_of(value, None, plain) == tag_of(value, "!", plain) == expected
    assert tag_of(value, "tag:yaml.org,2002:int", plain) == "tag:yaml.org,2002:int"
