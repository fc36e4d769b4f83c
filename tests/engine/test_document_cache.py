"""The cache of read documents: the same result as reading, used only for the same text, a cold read when
it is missing or broken, and never kept in the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FEW, Repo, few_campaigns

from reconciler.config import load_config
from reconciler.engine import load
from reconciler.engine.cache import DocumentCache, cache_file, digest, salt
from reconciler.engine.load import load_desired
from reconciler.errors import ProblemsError
from reconciler.yamltext import located


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files whose YAML is parsed from now on."""
    seen: list[str] = []

    def spy(text: str, name: str) -> Any:
        seen.append(name)
        return located(text, name)

    monkeypatch.setattr(load, "located", spy)
    return seen


def _desired(repo: Repo) -> list[tuple[Any, ...]]:
    found = load_desired(load_config(repo.path), repo.path, repo.path)["u"]
    return [(d.key, d.source.file, dict(d.fields), str(d.source.pos(("description",))),
             str(d.source.pos(("status",), key=True))) for d in found]


def _file(repo: Repo) -> Path:
    return cache_file(load_config(repo.path).workdir)


def test_unchanged_files_are_not_parsed_again_and_give_the_same_campaigns(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo)
    cold = _desired(repo)
    parsed = _parsed(monkeypatch)
    assert _desired(repo) == cold
    assert parsed == []
    repo.write("c/1.yaml", "# moved down a line\n" + FEW.format(name="C1", text="new"))
    warm = _desired(repo)
    assert parsed == ["c/1.yaml"]
    assert warm[1][2]["description"] == "new" and warm[1][3] == "c/1.yaml:6:14"
    assert warm[0] == cold[0] and warm[2] == cold[2]


def test_the_same_text_under_another_name_is_located_in_that_file(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 1)
    _desired(repo)
    parsed = _parsed(monkeypatch)
    (repo.path / "c/0.yaml").rename(repo.path / "c/moved.yaml")
    assert _desired(repo)[0][1] == "c/moved.yaml" and _desired(repo)[0][3] == "c/moved.yaml:5:14"
    assert parsed == []


def test_the_cache_is_kept_outside_the_repository_and_only_for_the_last_run_s_files(repo: Repo) -> None:
    few_campaigns(repo)
    _desired(repo)
    path = _file(repo)
    assert not path.is_relative_to(repo.path)
    assert not any(p.name.endswith(".json") for p in repo.path.rglob(".reconciler/**/*"))
    assert len(json.loads(path.read_bytes())["files"]) == 3
    (repo.path / "c/2.yaml").unlink()
    _desired(repo)
    assert len(json.loads(path.read_bytes())["files"]) == 2


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"salt": "other", "files": {}}',
                                     b'{"salt": "SALT", "files": []}', b'{"salt": "SALT", "files": {"KEY": [1]}}',
                                     b'{"salt": "SALT", "files": {"KEY": [[0, {}]]}}',
                                     b'{"salt": "SALT", "files": {"KEY": [["0", {}, []]]}}',
                                     b'{"salt": "SALT", "files": {"KEY": [[0, {}, "1 1"]]}}'])
def test_a_broken_cache_or_one_of_other_code_is_a_cold_read(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                                            content: bytes) -> None:
    few_campaigns(repo, 1)
    cold = _desired(repo)
    key = digest((repo.path / "c/0.yaml").read_bytes())
    _file(repo).write_bytes(content.replace(b"SALT", salt().encode()).replace(b"KEY", key.encode()))
    parsed = _parsed(monkeypatch)
    assert _desired(repo) == cold
    assert parsed == ["c/0.yaml"]
    assert _desired(repo) == cold and parsed == ["c/0.yaml"]  # written again whole: warm once more


def test_a_file_with_problems_is_never_taken_from_the_cache(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 1)
    repo.write("c/bad.yaml", "account: u\nname: X\nname: Y\n")
    parsed = _parsed(monkeypatch)
    for _ in range(2):
        with pytest.raises(ProblemsError) as exc:
            _desired(repo)
        assert [str(p) for p in exc.value.problems] == ["c/bad.yaml:3:1: YAML duplicate key 'name' (first at line 2)"]
    assert parsed.count("c/bad.yaml") == 2 and parsed.count("c/0.yaml") == 1


def test_the_cache_can_be_turned_off(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_CACHE", "off")
    few_campaigns(repo, 2)
    parsed = _parsed(monkeypatch)
    _desired(repo)
    _desired(repo)
    assert parsed == ["c/0.yaml", "c/1.yaml"] * 2
    assert not _file(repo).exists()


def test_values_and_positions_come_back_as_they_were_read(tmp_path: Path) -> None:
    text = ("a: [1, -2.5, 1.0, true, null, '3', 12345678901234567890, -0.0]\nb: {c: {d: [x, {e: y}]}}\n"
            "f: 'élan \U0001F600'\n")
    found, problems = located(text, "x.yaml")
    assert problems == []
    writer = DocumentCache(tmp_path / "c.json", "s")
    writer.put("k", found)
    writer.save()
    back = DocumentCache(tmp_path / "c.json", "s").get("k", "y.yaml")
    assert back is not None and len(back) == 1
    (index, data, source, kept), (_, original, was) = back[0], found[0]
    assert kept is None  # nothing validated yet
    assert index == 0 and repr(data) == repr(original)  # repr: 1 == 1.0 == True
    assert source.spots == was.spots and source.file == "y.yaml"
    assert str(source.pos(("b", "c", "d", 1, "e"))) == "y.yaml:2:20"
    assert DocumentCache(tmp_path / "c.json", "other").get("k", "y.yaml") is None


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "123456789012345678901234"])
def test_a_text_whose_values_json_does_not_give_back_is_not_kept(tmp_path: Path, value: str) -> None:
    found, problems = located(f"a: [1, {value}]\n", "x.yaml")
    assert problems == []
    writer = DocumentCache(tmp_path / "c.json", "s")
    writer.put("k", found)
    writer.put("plain", located("a: 1\n", "x.yaml")[0])
    writer.save()
    reader = DocumentCache(tmp_path / "c.json", "s")
    assert reader.get("k", "x.yaml") is None and reader.get("plain", "x.yaml") is not None
