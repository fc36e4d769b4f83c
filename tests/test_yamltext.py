"""YAML text -> values: every problem located, and tags are PyYAML's for this schema."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from reconciler.model import _size
from reconciler.yamltext import _Resolver, located

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
    for kind in (MappingNode, SequenceNode):
        assert resolver.resolve(kind, value, (plain, quoted)) == BaseResolver.resolve(  # type: ignore[no-untyped-call]
            resolver, kind, value, (plain, quoted))
