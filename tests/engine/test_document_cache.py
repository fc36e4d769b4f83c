"""The cache of read documents (issue 9): same result as reading, reused only when the content is the same."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, uis_config, uis_seed

from reconciler.config import load_config
from reconciler.engine import load
from reconciler.engine.cache import DocumentCache
from reconciler.engine.load import load_desired
from reconciler.errors import ProblemsError

CAMPAIGN = "account: u\nname: {name}\nstatus: active\ndescription: '{text}'\n"


def _repo(repo: Repo, n: int = 3) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed())
    for i in range(n):
        repo.write(f"c/{i}.yaml", CAMPAIGN.format(name=f"C{i}", text=f"t{i}"))


def _age(path: Path, seconds: float = 60) -> None:
    """As if written a while ago: the cache trusts an unchanged stat only for files older than itself."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = load.read_file

    def spy(config: object, origin: str, shown: str, data: bytes) -> object:
        seen.append(shown)
        return real(config, origin, shown, data)  # type: ignore[arg-type]

    monkeypatch.setattr(load, "read_file", spy)
    return seen


def _desired(repo: Repo) -> dict[str, dict[str, object]]:
    found = load_desired(load_config(repo.path), repo.path, repo.path)
    return {str(d.key): dict(d.fields) for d in found["u"]}


def test_unchanged_files_are_not_read_again_and_give_the_same_campaigns(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(repo)
    for f in (repo.path / "c").iterdir():
        _age(f)
    parsed = _parsed(monkeypatch)
    first = _desired(repo)
    assert sorted(parsed) == ["c/0.yaml", "c/1.yaml", "c/2.yaml"]
    parsed.clear()
    assert _desired(repo) == first
    assert parsed == []


@pytest.mark.parametrize("first, then", [(".", "absolute"), ("absolute", "."), ("c", "absolute c")])
def test_a_file_is_the_same_entry_whether_the_tree_is_named_relative_or_absolute(
        repo: Repo, monkeypatch: pytest.MonkeyPatch, first: str, then: str) -> None:
    _repo(repo)
    for f in (repo.path / "c").iterdir():
        _age(f)
    parsed = _parsed(monkeypatch)
    config = load_config(repo.path)

    def keys(root: str) -> list[str]:
        words = root.split()
        path = repo.path.joinpath(*words[1:]) if words[0] == "absolute" else Path(root)
        assert path.is_absolute() == (words[0] == "absolute")
        return sorted(str(d.key) for d in load_desired(config, path, repo.path)["u"])

    assert keys(first) == ["C0", "C1", "C2"] and len(parsed) == 3
    parsed.clear()
    assert keys(then) == ["C0", "C1", "C2"]
    assert parsed == []  # taken from the cache: the same file, however the tree was named


def test_a_changed_file_is_read_again_even_with_the_same_size_and_time(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(repo)
    parsed = _parsed(monkeypatch)
    _desired(repo)
    f = repo.path / "c" / "1.yaml"
    st = f.stat()
    f.write_text(CAMPAIGN.format(name="C1", text="XX"))  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same time: only the content hash tells
    parsed.clear()
    assert _desired(repo)["C1"]["description"] == "XX"
    assert parsed == ["c/1.yaml"]


def test_problems_are_cached_too_and_keep_their_lines(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(repo, 1)
    repo.write("c/bad.yaml", "account: u\nname: B\nstatus: sleeping\n")
    for _ in range(2):
        with pytest.raises(ProblemsError) as exc:
            _desired(repo)
        assert [str(p).split(" ")[0] for p in exc.value.problems] == ["c/bad.yaml:3:9:"]


def test_positions_of_a_cached_document_are_found_when_a_plan_time_problem_needs_them(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed())
    repo.write("c.yaml", "account: u\nname: A\nstatus: active\nsite: c.example\n")
    for _ in range(2):  # the second run reads the document from the cache
        result = repo.run("plan", ".")
        assert result.code == 1
        assert result.err.startswith("c.yaml:4:7: UIS-")


def test_a_cache_not_signed_with_this_users_key_is_ignored(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(repo)
    for f in (repo.path / "c").iterdir():
        _age(f)
    parsed = _parsed(monkeypatch)
    _desired(repo)
    cache = repo.path / ".reconciler" / "cache" / "documents.pickle"
    blob = cache.read_bytes()
    cache.write_bytes(bytes(32) + blob[32:])  # what a pull request could commit: no valid signature
    parsed.clear()
    _desired(repo)
    assert len(parsed) == 3


@pytest.mark.parametrize("damage", [b"", b"short", b"x" * 40])
def test_an_empty_or_cut_short_cache_reads_as_none(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                                  damage: bytes) -> None:
    _repo(repo)
    for f in (repo.path / "c").iterdir():
        _age(f)
    parsed = _parsed(monkeypatch)
    expected = _desired(repo)
    cache = repo.path / ".reconciler" / "cache" / "documents.pickle"
    cache.write_bytes(damage)
    parsed.clear()
    assert _desired(repo) == expected
    assert len(parsed) == 3  # read again, and cached again
    parsed.clear()
    assert _desired(repo) == expected
    assert parsed == []


def test_the_cache_can_be_turned_off(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_CACHE", "off")
    _repo(repo)
    _desired(repo)
    assert not (repo.path / ".reconciler" / "cache").exists()


def test_many_files_are_read_across_processes_with_the_same_result(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_CACHE", "off")
    _repo(repo, 12)
    repo.write("c/bad.yaml", "account: u\nname: B\nstatus: active\nstatus: inactive\n")
    monkeypatch.setattr(load, "PARALLEL_FROM", 1000)
    with pytest.raises(ProblemsError) as one:
        _desired(repo)
    monkeypatch.setattr(load, "PARALLEL_FROM", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    pools: list[object] = []

    class CountedPool(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(load, "ProcessPoolExecutor", CountedPool)
    workers_then: list[int] = []  # the HTTP stack is imported meanwhile in a thread: never before a fork
    monkeypatch.setattr(load, "prepare_in_background",
                        lambda: workers_then.append(len(multiprocessing.active_children())))
    with pytest.raises(ProblemsError) as many:
        _desired(repo)
    assert len(pools) == 1  # read by worker processes indeed
    assert workers_then == [2]
    assert [str(p) for p in many.value.problems] == [str(p) for p in one.value.problems]
    assert [str(p) for p in one.value.problems] == ["c/bad.yaml:4:1: YAML duplicate key 'status' (first at line 3)"]
    repo.path.joinpath("c/bad.yaml").unlink()
    sequential = _desired(repo)
    monkeypatch.setattr(load, "PARALLEL_FROM", 1000)
    assert _desired(repo) == sequential and len(sequential) == 12
    assert workers_then == [2, 2]  # read by workers again; in one process, nothing to wait for


def test_rounds_of_edits_always_give_what_the_files_say(repo: Repo) -> None:
    """Chunks go stale as files change, are dropped and packed again: the result is always the files'."""
    _repo(repo, 4)
    for round_ in range(5):
        changed = range(round_ % 4 + 1)
        for i in changed:
            repo.write(f"c/{i}.yaml", CAMPAIGN.format(name=f"C{i}", text=f"round {round_}"))
        if round_ == 3:
            repo.path.joinpath("c/3.yaml").unlink()
        want = {f"C{i}": (f"round {round_}" if i in changed else None) for i in range(4)
                if round_ < 3 or i != 3}
        got = {k: v["description"] for k, v in _desired(repo).items()}
        assert got.keys() == want.keys()
        assert all(w is None or got[k] == w for k, w in want.items())


def test_a_file_that_cannot_be_read_is_never_taken_from_the_cache(repo: Repo) -> None:
    _repo(repo, 1)
    link = repo.path / "c" / "x.yaml"
    link.symlink_to("x.yaml")  # a symlink loop
    for _ in range(2):
        with pytest.raises(ProblemsError) as exc:
            _desired(repo)
        assert [str(p) for p in exc.value.problems] == [
            "c/x.yaml:1:1: YAML cannot read file: Too many levels of symbolic links"]
    link.unlink()
    repo.write("c/x.yaml", CAMPAIGN.format(name="X", text="x"))
    assert sorted(_desired(repo)) == ["C0", "X"]


def test_an_unchanged_tree_is_taken_whole_and_any_change_falls_back_to_file_by_file(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(repo)
    for f in (repo.path / "c").iterdir():
        _age(f)
    first = _desired(repo)  # cold: writes the cache for these three files
    lookups: list[str] = []
    real = DocumentCache.lookup

    def spy(self: DocumentCache, path: str, st: os.stat_result) -> object:
        lookups.append(os.path.basename(path))
        return real(self, path, st)

    monkeypatch.setattr(DocumentCache, "lookup", spy)
    parsed = _parsed(monkeypatch)
    assert _desired(repo) == first
    assert lookups == [] and parsed == []  # one pass over the stamps, no per-file lookup
    repo.write("c/3.yaml", CAMPAIGN.format(name="C3", text="t3"))  # a new file: not the tree it was
    assert set(_desired(repo)) == {"C0", "C1", "C2", "C3"}
    assert sorted(lookups) == ["0.yaml", "1.yaml", "2.yaml", "3.yaml"] and parsed == ["c/3.yaml"]
    lookups.clear()
    parsed.clear()
    _age(repo.path / "c" / "3.yaml")
    repo.write("c/0.yaml", CAMPAIGN.format(name="C0", text="changed"))
    _age(repo.path / "c" / "0.yaml")  # a changed stamp, old enough to be trusted: read again
    assert _desired(repo)["C0"]["description"] == "changed"
    assert parsed == ["c/0.yaml"]
    lookups.clear()
    parsed.clear()
    (repo.path / "c" / "2.yaml").unlink()  # a file gone
    assert set(_desired(repo)) == {"C0", "C1", "C3"}
    assert parsed == [] and len(lookups) == 3
    lookups.clear()
    assert set(_desired(repo)) == {"C0", "C1", "C3"}
    assert lookups == []  # the cache was written for the new tree
