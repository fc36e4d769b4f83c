"""Editors and hooks: every example document names its JSON Schema in a modeline and check-jsonschema accepts it
against that local file; the pre-commit hooks this repository offers have the shape pre-commit expects.

check-jsonschema reads one document per file (a second one is a parse error), so a file with several documents
is split where the YAML parser starts each one, comments included, and every document is checked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Repo
from external_tools import run, tool
from ruamel.yaml import YAML
from ruamel.yaml.events import DocumentStartEvent

from reconciler.cli import cli

CAMPAIGNS = ROOT / "examples" / "campaigns"
SCHEMAS = ROOT / "schemas"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


def split_documents(text: str) -> list[str]:
    """The text of each YAML document, cut where the parser starts the next one (its ``---`` line)."""
    starts = [e.start_mark.index for e in YAML(typ="rt").parse(text) if isinstance(e, DocumentStartEvent)]
    cuts = [0, *starts[1:], len(text)]
    return [text[a:b] for a, b in pairwise(cuts)]


def _schema_of(document: str, folder: Path) -> Path:
    found: list[str] = MODELINE.findall(document)
    assert len(found) == 1, f"one `# yaml-language-server: $schema=...` modeline per document, got {found}"
    schema = (folder / found[0]).resolve()
    assert schema.parent == SCHEMAS and schema.is_file(), f"{found[0]} is not a schema in schemas/"
    return schema


def _check(files: list[Path], root: Path, out: Path) -> dict[Path, list[str]]:
    """Every document of ``files`` (below ``root``) checked against its modeline's schema: failures per schema."""
    by_schema: dict[Path, list[str]] = defaultdict(list)
    for file in files:
        documents = split_documents(file.read_text(encoding="utf-8"))
        for n, document in enumerate(documents, 1):
            rel = file.relative_to(root)
            name = rel if len(documents) == 1 else rel.with_name(f"{rel.stem}.doc{n}{rel.suffix}")
            copy = out / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(document, encoding="utf-8")
            by_schema[_schema_of(document, file.parent)].append(str(name))
    failures = {}
    for schema, names in sorted(by_schema.items()):
        done = run([tool("check-jsonschema"), "--schemafile", str(schema), *sorted(names)], out)
        if done.returncode != 0:
            failures[schema] = [done.stdout + done.stderr]
    return failures


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for pattern in ("**/*.yaml", "**/*.yml") for p in folder.glob(pattern))


def test_split_keeps_each_documents_comments() -> None:
    text = "# head\n---\n# one\na: 1\n---\n# two\nb: [1,\n  2]\n...\n---\nc: '---'\n"
    assert split_documents(text) == ["# head\n---\n# one\na: 1\n", "---\n# two\nb: [1,\n  2]\n...\n", "---\nc: '---'\n"]
    assert split_documents("a: |\n  ---\n  text\n") == ["a: |\n  ---\n  text\n"]


def test_example_files_include_several_documents_in_one_file() -> None:
    counts = [len(split_documents(p.read_text(encoding="utf-8"))) for p in _yaml_files(CAMPAIGNS)]
    assert max(counts) >= 2, "brand/search.yaml holds two documents: the split must be exercised"


def test_every_example_document_matches_its_local_schema(tmp_path: Path) -> None:
    files = _yaml_files(CAMPAIGNS)
    assert files
    assert _check(files, CAMPAIGNS, tmp_path) == {}


def test_a_bad_second_document_is_caught(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    modeline = f"# yaml-language-server: $schema={SCHEMAS / 'uis.campaign.schema.json'}\n"
    (src / "two.yaml").write_text(f"{modeline}account: a\nname: One\n---\n{modeline}account: a\nname: Two\n"
                                  "status: paused\n", encoding="utf-8")
    failures = _check([src / "two.yaml"], src, tmp_path / "out")
    assert list(failures) == [SCHEMAS / "uis.campaign.schema.json"]
    report = failures[SCHEMAS / "uis.campaign.schema.json"][0]
    assert "two.doc2.yaml" in report and "two.doc1.yaml" not in report


HOOKS = ROOT / ".pre-commit-hooks.yaml"
HOOK_KEYS = {"id", "name", "entry", "language", "files", "exclude", "types", "types_or", "exclude_types",
             "always_run", "fail_fast", "verbose", "pass_filenames", "require_serial", "description",
             "language_version", "minimum_pre_commit_version", "args", "stages"}  # pre-commit's manifest keys


def _hooks() -> dict[str, dict[str, Any]]:
    hooks: list[dict[str, Any]] = YAML(typ="safe").load(HOOKS)
    assert isinstance(hooks, list)
    return {hook["id"]: hook for hook in hooks}


def test_pre_commit_hooks_have_the_manifest_shape() -> None:
    hooks = _hooks()
    assert set(hooks) == {"reconciler-validate", "reconciler-fmt"}
    assert hooks["reconciler-validate"]["entry"] == "reconciler validate"
    assert hooks["reconciler-fmt"]["entry"] == "reconciler fmt --check"
    for hook in hooks.values():
        assert set(hook) <= HOOK_KEYS and {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        re.compile(hook.get("files", ""))


@pytest.mark.parametrize("hook_id", ["reconciler-validate", "reconciler-fmt"])
def test_pre_commit_hook_entries_name_real_commands(hook_id: str) -> None:
    program, command, *options = _hooks()[hook_id]["entry"].split()
    assert program == "reconciler"
    if command not in cli.commands:
        pytest.skip(f"`reconciler {command}` is not in this checkout yet")
    known = {opt for param in cli.commands[command].params for opt in getattr(param, "opts", [])}
    assert set(options) <= known


@pytest.mark.parametrize("hook_id", ["reconciler-validate", "reconciler-fmt"])
def test_hooks_pass_on_the_examples(hook_id: str, examples: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _, *args = _hooks()[hook_id]["entry"].split()
    if args[0] not in cli.commands:
        pytest.skip(f"`reconciler {args[0]}` is not in this checkout yet")
    monkeypatch.chdir(examples.path)  # pre-commit runs the entry from the repository's root
    result = examples.run(*args)
    assert result.code == 0, result.out + result.err
