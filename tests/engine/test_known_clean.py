"""A tree the cache knows to be clean is loaded while the vendor is read; any other before any call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Repo, uis_config, uis_seed

from reconciler.config import load_config
from reconciler.engine.load import Documents
from reconciler.providers.uis.client import UisSession

CAMPAIGN = "account: u\nname: C{i}\nstatus: active\nsite_id: 1\ndescription: 't{i}'\n"


def _repo(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", uis_seed())
    for i in range(3):
        _aged(repo.write(f"c/{i}.yaml", CAMPAIGN.format(i=i)))


def _aged(path: Path) -> None:
    """As if written a while ago: the cache trusts an unchanged stat only for files older than itself."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 60_000_000_000))


def _documents(repo: Repo, only: tuple[str, ...] = ()) -> Documents:
    return Documents(load_config(repo.path), repo.path, repo.path, only)


def test_only_a_tree_a_clean_run_left_unchanged_is_known_clean(repo: Repo) -> None:
    _repo(repo)
    cold = _documents(repo)
    assert not cold.known_clean  # nothing cached yet
    cold.load()
    assert _documents(repo).known_clean
    assert not _documents(repo, ("u", "nope")).known_clean  # an unknown account is a problem
    _aged(repo.write("c/1.yaml", "account: u\nname: C1\nstatus: sleeping\n"))  # a changed file, and bad
    assert not _documents(repo).known_clean
    with pytest.raises(Exception, match="status"):
        _documents(repo).load()
    assert not _documents(repo).known_clean  # the same tree, but its last run found a problem
    _aged(repo.write("c/1.yaml", CAMPAIGN.format(i=1)))
    _documents(repo).load()
    assert _documents(repo).known_clean


def test_a_known_clean_tree_is_taken_while_the_vendor_is_read(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(repo)
    assert repo.run("plan").code == 0  # caches the tree as clean
    events: list[str] = []
    real_read, real_load = UisSession.read, Documents._load

    async def read(self: UisSession, expected: int = 0) -> object:
        events.append(f"read sent, {expected} expected")
        return await real_read(self, expected)

    def load(self: Documents) -> object:
        events.append("documents taken")
        return real_load(self)

    monkeypatch.setattr(UisSession, "read", read)
    monkeypatch.setattr(Documents, "_load", load)
    assert repo.run("plan").code == 0
    assert events == ["read sent, 3 expected", "documents taken"]  # as the run that found it clean counted
    _aged(repo.write("c/3.yaml", CAMPAIGN.format(i=3)))  # not the tree cached as clean: documents first
    events.clear()
    assert repo.run("plan").code == 0
    assert events == ["documents taken", "read sent, 4 expected"]


def test_a_broken_file_in_a_tree_cached_as_clean_stops_the_run_before_any_call(repo: Repo) -> None:
    _repo(repo)
    assert repo.run("plan").code == 0
    before = len(repo.requests("u"))
    _aged(repo.write("c/2.yaml", "account: u\nname: C2\nstatus: [\n"))
    for _ in range(2):  # the second time the tree is unchanged, but its last run found the problem
        result = repo.run("plan")
        assert result.code == 1 and "c/2.yaml:" in result.err
        assert len(repo.requests("u")) == before  # not even a read
