"""YAML text -> values: the fast pass agrees with the located one, and tags are PyYAML's for this schema."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from reconciler.yamltext import _Resolver, located, values

ROOT = Path(__file__).parent.parent
YAML_FILES = sorted([*ROOT.glob("tests/data/**/*.yaml"), *ROOT.glob("examples/**/*.yaml")])


def test_the_fast_reading_gives_what_the_located_one_does_or_leaves_it_to_it() -> None:
    # Every YAML file of the bad-input corpus and the examples: the fast pass (files read without positions)
    # either gives exactly the located pass's values, or steps aside, and always steps aside on a problem.
    assert len(YAML_FILES) > 300
    fast = aside = 0
    for path in YAML_FILES:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        docs, problems = located(text, path.name)
        found = values(text)
        if found is None:
            aside += 1
            continue
        fast += 1
        assert problems == [], path
        assert found == [(index, data) for index, data, _ in docs], path
    assert fast > 400 and aside > 30, (fast, aside)


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
    assert resolver.resolve(ScalarNode, value, (plain, quoted)) == expected
    assert resolver.resolve(ScalarNode, value, (plain, quoted)) == expected, "the same once remembered"
    for kind in (MappingNode, SequenceNode):
        assert resolver.resolve(kind, value, (plain, quoted)) == BaseResolver.resolve(  # type: ignore[no-untyped-call]
            resolver, kind, value, (plain, quoted))
