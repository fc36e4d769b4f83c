"""`reconciler fmt`: canonical key order and indentation, comments and meaning kept, through the CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.documents import load_text, load_tree
from reconciler.fmt import format_text
from reconciler.layout import order_of
from reconciler.providers.uis.model import UisCampaign

CONFIG = """
version: 1
documents: ['**/*.y*ml']
accounts:
  u:
    provider: uis
    sandbox: {seed: seed.json}
"""
CANONICAL = """\
# yaml-language-server: $schema=../schemas/uis.campaign.schema.json
account: u
name: Tidy
status: active
site_id: 1
site_blocks:
  - {site_block_id: 11, phone_number_id: 501}
"""
MESSY = """\
# yaml-language-server: $schema=../schemas/uis.campaign.schema.json
# Header: what this campaign is for.
---
# The name comes first here.
name: Messy    # end of the name line
lifecycle: {prevent_destroy: true}
dynamic_call_tracking:
    count_visits: 200
    # half an hour
    reservation_time: 30m   # reservation
    count_virtual_numbers: 5
site_blocks:
- phone_number_id: 502   # the number
  # the block of the header
  site_block_id: 11
  dynamic_call_tracking_enabled: true
# The account, last in this file.
account: u
status: active
site_id: 1
# End of the first document.
---
# A second campaign in the same file.
status: inactive
account: u
name: 'Second'
"""
FORMATTED = """\
# yaml-language-server: $schema=../schemas/uis.campaign.schema.json
# Header: what this campaign is for.
# The name comes first here.
# The account, last in this file.
account: u
name: Messy    # end of the name line
status: active
site_id: 1
site_blocks:
  # the block of the header
  - site_block_id: 11
    phone_number_id: 502 # the number
    dynamic_call_tracking_enabled: true
dynamic_call_tracking:
  # half an hour
  reservation_time: 30m     # reservation
  count_virtual_numbers: 5
  count_visits: 200
lifecycle: {prevent_destroy: true}
# End of the first document.
---
# A second campaign in the same file.
account: u
name: 'Second'
status: inactive
"""


@pytest.fixture
def uis(repo: Repo) -> Repo:
    repo.write("reconciler.yaml", CONFIG)
    return repo


def _data(root: Path) -> list[Any]:
    docs, problems = load_tree(root, root)
    assert problems == []
    return [(d.source.file, d.data) for d in docs]


def _comments(text: str) -> list[str]:
    return sorted(line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line)


def test_check_lists_the_files_that_would_change_and_writes_nothing(uis: Repo) -> None:
    tidy = uis.write("campaigns/tidy.yaml", CANONICAL)
    messy = uis.write("campaigns/messy.yaml", MESSY)

    result = uis.run("fmt", "--check")

    assert result.code == 1
    assert result.out == "would reformat campaigns/messy.yaml\n"
    assert "1 file(s) would be reformatted." in result.err
    assert messy.read_text(encoding="utf-8") == MESSY and tidy.read_text(encoding="utf-8") == CANONICAL


def test_fmt_rewrites_in_place_keeping_comments_and_meaning_and_is_idempotent(uis: Repo) -> None:
    uis.write("campaigns/tidy.yaml", CANONICAL)
    messy = uis.write("campaigns/messy.yaml", MESSY)
    before = _data(uis.path)

    result = uis.run("fmt")

    assert result.code == 0, result.err
    assert result.out == "reformatted campaigns/messy.yaml\n"
    text = messy.read_text(encoding="utf-8")
    assert text == FORMATTED
    assert _comments(text) == _comments(MESSY)
    assert _data(uis.path) == before
    assert uis.run("fmt", "--check").code == 0
    assert uis.run("fmt").out == ""
    assert messy.read_text(encoding="utf-8") == text


def test_fmt_of_one_file_or_folder_finds_the_accounts_above_it(uis: Repo) -> None:
    messy = uis.write("campaigns/deep/messy.yaml", MESSY)
    assert uis.run("fmt", "campaigns/deep/messy.yaml").code == 0
    assert messy.read_text(encoding="utf-8") == FORMATTED


def test_yaml_errors_are_located_problems_and_no_file_is_touched(uis: Repo) -> None:
    messy = uis.write("campaigns/messy.yaml", MESSY)
    broken = uis.write("campaigns/broken.yaml", "account: u\nname: [unclosed\nstatus: active\n")
    tabbed = uis.write("campaigns/tabbed.yaml", "account: u\nsite_blocks:\n\t- {site_block_id: 1}\n")
    twice = uis.write("campaigns/twice.yaml", "account: u\nname: a\nname: b\n")

    for args in (("fmt",), ("fmt", "--check")):
        result = uis.run(*args)
        assert result.code == 1
        assert "campaigns/broken.yaml:3:7: YAML" in result.err
        assert "campaigns/tabbed.yaml:3:1: YAML tab character" in result.err
        assert "campaigns/twice.yaml:3:1: YAML duplicate key 'name' (first at line 2)" in result.err
        assert "3 problem(s) found; nothing was changed." in result.err
    assert messy.read_text(encoding="utf-8") == MESSY
    assert broken.read_text(encoding="utf-8").startswith("account: u\nname: [unclosed")
    assert tabbed.read_text(encoding="utf-8").count("\t") == 1 and "name: b" in twice.read_text(encoding="utf-8")


def test_a_formatting_that_would_change_the_data_is_refused(uis: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    messy = uis.write("campaigns/messy.yaml", MESSY)
    monkeypatch.setattr("reconciler.fmt.format_text", lambda text, orders: text.replace("Messy", "Tidy"))

    result = uis.run("fmt")

    assert result.code == 1
    assert "campaigns/messy.yaml:1:1: FMT formatting would change what the file means" in result.err
    assert messy.read_text(encoding="utf-8") == MESSY


def test_the_example_repository_is_canonical_and_plans_the_same(examples: Repo) -> None:
    before = examples.run("plan", "examples")
    result = examples.run("fmt", "examples", "--check")
    assert result.code == 0, result.out + result.err
    assert examples.run("fmt", "examples").out == ""
    assert examples.run("plan", "examples").out == before.out


def test_line_ends_byte_order_mark_and_file_mode_are_kept(uis: Repo) -> None:
    crlf = uis.path / "crlf.yaml"
    crlf.write_bytes(b"name: A\r\naccount: u\r\n")
    bom = uis.path / "bom.yaml"
    bom.write_bytes("\ufeffname: B\naccount: u\n".encode())
    bom.chmod(0o640)

    assert uis.run("fmt").code == 0

    assert crlf.read_bytes() == b"account: u\r\nname: A\r\n"
    assert bom.read_bytes() == "\ufeffaccount: u\nname: B\n".encode()
    assert bom.stat().st_mode & 0o777 == 0o640


def test_files_with_an_empty_document_are_left_as_they_are(uis: Repo) -> None:
    trailing = uis.write("trailing.yaml", "name: A\naccount: u\n---\n# nothing here yet\n")
    only = uis.write("notes.yaml", "# only comments\n")
    assert uis.run("fmt", "--check").code == 0
    assert trailing.read_text(encoding="utf-8").startswith("name: A")
    assert only.read_text(encoding="utf-8") == "# only comments\n"


def test_a_flow_collection_too_wide_for_120_columns_is_written_in_block_style(uis: Repo) -> None:
    wide = uis.write("wide.yaml", """
        account: u
        name: Wide
        site_blocks:
          - {site_block: Footer, phone_number: 7 495 100-00-04, redirection_phone_number: 7-495-777-00-77,
             dynamic_call_tracking_enabled: true}
          - {site_block: Header, phone_number: "74951000007"}
    """)
    assert uis.run("fmt").code == 0
    assert wide.read_text(encoding="utf-8") == textwrap.dedent("""\
        account: u
        name: Wide
        site_blocks:
          - site_block: Footer
            phone_number: 7 495 100-00-04
            redirection_phone_number: 7-495-777-00-77
            dynamic_call_tracking_enabled: true
          - {site_block: Header, phone_number: "74951000007"}
    """)


def test_a_document_of_an_unknown_account_only_gets_account_first(uis: Repo) -> None:
    other = uis.write("other.yaml", "zeta: 1\nname: X\nlifecycle: {}\naccount: elsewhere\nalpha: 2\n")
    assert uis.run("fmt").code == 0
    assert other.read_text(encoding="utf-8") == "account: elsewhere\nzeta: 1\nname: X\nalpha: 2\nlifecycle: {}\n"


def test_without_reconciler_yaml_documents_still_get_account_first(repo: Repo) -> None:
    doc = repo.write("a.yaml", "name: X\naccount: u\n")
    assert repo.run("fmt", "a.yaml").code == 0
    assert doc.read_text(encoding="utf-8") == "account: u\nname: X\n"


def test_without_reconciler_yaml_a_folder_reached_through_a_link_is_formatted(repo: Repo) -> None:
    doc = repo.write("real/campaigns/a.yaml", "name: X\naccount: u\n")  # reconciler.yaml's default documents
    (repo.path / "link").symlink_to(repo.path / "real", target_is_directory=True)
    assert repo.run("fmt", "link").out == "reformatted link/campaigns/a.yaml\n"
    assert doc.read_text(encoding="utf-8") == "account: u\nname: X\n"


FIELDS = {  # every key of a UIS document, some with comments inside, in block and flow styles
    "account": "account: u",
    "id": "id: 5",
    "name": "name: Prop",
    "description": "description: >\n  folded\n  text",
    "status": "status: active",
    "site_id": "site_id: 1",
    "site_blocks": "site_blocks:  # blocks\n- {phone_number_id: 501, site_block_id: 11}\n  # between\n"
                   "- dynamic_call_tracking_enabled: true  # on\n  phone_number_id: 502\n  # the block\n"
                   "  site_block_id: 12\n  # inner end",
    "dynamic_call_tracking": "dynamic_call_tracking:\n    count_visits: 2\n    # deep\n    count_virtual_numbers: 1",
    "campaign_conditions": "campaign_conditions:\n  group_conditions:\n    - conditions:\n"
                           "        - {type: include, campaign_parameter: channel, operator: \"=\", value: paid}\n"
                           "    # end of groups",
    "cost_ratio": "cost_ratio: 1.50",
    "cost_ratio_operator": "cost_ratio_operator: 'multiply'",
    "lifecycle": "lifecycle: {prevent_destroy: true}",
}
CANONICAL_KEYS = ["account", "id", "name", "description", "status", "site_id", "site_blocks", "dynamic_call_tracking",
                  "campaign_conditions", "cost_ratio", "cost_ratio_operator", "lifecycle"]
ORDERS = {"u": order_of(UisCampaign)}
ABOVE = st.sampled_from(["", "c", "b", "cb", "bc"])
"""What is written above a key: nothing, a comment line (c), a blank line (b)."""


@settings(max_examples=300, deadline=None)
@given(st.permutations(CANONICAL_KEYS), st.lists(ABOVE, min_size=len(FIELDS), max_size=len(FIELDS)),
       st.booleans(), st.booleans())
def test_any_key_order_and_comments_format_to_one_canonical_text(order: list[str], above: list[str], eol: bool,
                                                                  tail: bool) -> None:
    lines = []
    for key, decor in zip(order, above, strict=True):
        lines += [f"# about {key}" if ch == "c" else "" for ch in decor]
        first, *rest = FIELDS[key].split("\n")
        if eol and "#" not in first and not first.endswith(">"):
            first += f"   # end of {key}"
        lines += [first, *rest]
    text = "\n".join([*lines, *(["# the very end"] if tail else [])]) + "\n"

    formatted = format_text(text, ORDERS)

    assert formatted is not None
    assert format_text(formatted, ORDERS) == formatted, "idempotent"
    assert _comments(formatted) == _comments(text), "every comment kept"
    assert load_text(formatted, "f")[0][0].data == load_text(text, "f")[0][0].data, "same meaning"
    out = formatted.splitlines()
    assert [line.split(":")[0] for line in out if line[:1].isalpha()] == CANONICAL_KEYS
    assert not tail or out[-1] == "# the very end"
    for key, decor in zip(order, above, strict=True):
        if "c" in decor and key not in ("account", order[0]):  # the lines above the first key head the document
            below = [line for line in out[out.index(f"# about {key}") + 1:] if line.strip()]
            assert below[0].startswith(f"{key}:"), "a comment above a key stays above it"
