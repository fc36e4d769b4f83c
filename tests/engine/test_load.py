"""Documents -> desired campaigns: every file read and validated, all problems at once, before any call."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FEW, Repo, few_campaigns

from reconciler.config import load_config
from reconciler.engine.load import load_desired
from reconciler.errors import ProblemsError


def _descriptions(repo: Repo) -> dict[str, object]:
    found = load_desired(load_config(repo.path), repo.path, repo.path)
    return {str(d.key): d.fields.get("description") for d in found["u"]}


def test_every_file_s_campaigns_sorted_and_located(repo: Repo) -> None:
    few_campaigns(repo)
    found = load_desired(load_config(repo.path), repo.path, repo.path)
    assert [d.key for d in found["u"]] == ["C0", "C1", "C2"]
    assert str(found["u"][1].source.pos(("description",))) == "c/1.yaml:5:14"


def test_the_same_campaigns_whether_the_tree_is_named_relative_or_absolute(repo: Repo) -> None:
    few_campaigns(repo)
    config = load_config(repo.path)
    relative = load_desired(config, Path("."), repo.path)  # the fixture works in repo.path
    absolute = load_desired(config, repo.path, repo.path)
    assert [(d.key, d.source.file) for d in relative["u"]] == [(d.key, d.source.file) for d in absolute["u"]]


def test_every_edit_is_seen_by_the_next_load(repo: Repo) -> None:
    few_campaigns(repo, 4)
    for round_ in range(3):
        repo.write(f"c/{round_}.yaml", FEW.format(name=f"C{round_}", text=f"round {round_}"))
        assert _descriptions(repo)[f"C{round_}"] == f"round {round_}"
    repo.path.joinpath("c/3.yaml").unlink()
    assert sorted(_descriptions(repo)) == ["C0", "C1", "C2"]


def test_problems_of_all_files_are_raised_together_with_their_lines(repo: Repo) -> None:
    few_campaigns(repo)
    repo.write("c/1.yaml", "account: u\nname: C1\nname: again\n")
    repo.write("c/2.yaml", "account: u\nname: C2\nstatus: sleeping\n")
    repo.write("c/x.yaml", "account: nobody\nname: X\n")
    with pytest.raises(ProblemsError) as exc:
        _descriptions(repo)
    shown = [str(p) for p in exc.value.problems]
    assert shown[0] == "c/1.yaml:3:1: YAML duplicate key 'name' (first at line 2)"
    assert any(line.startswith("c/2.yaml:3:9: ") for line in shown), shown
    assert any(line.startswith("c/x.yaml:1:10: ACCOUNT unknown account 'nobody'") for line in shown), shown


def test_a_file_that_cannot_be_read_is_a_problem_every_time(repo: Repo) -> None:
    few_campaigns(repo, 1)
    link = repo.path / "c" / "x.yaml"
    link.symlink_to("x.yaml")  # a symlink loop
    for _ in range(2):
        with pytest.raises(ProblemsError) as exc:
            _descriptions(repo)
        assert [str(p) for p in exc.value.problems] == [
            "c/x.yaml:1:1: YAML cannot read file: Too many levels of symbolic links"]
    link.unlink()
    assert sorted(_descriptions(repo)) == ["C0"]


def test_a_broken_file_stops_every_run_before_any_vendor_call(repo: Repo) -> None:
    few_campaigns(repo)
    assert repo.run("plan").code == 0
    before = len(repo.requests("u"))
    repo.write("c/2.yaml", "account: u\nname: C2\nstatus: [\n")
    for _ in range(2):  # the same tree twice: nothing remembered lets the second run call the vendor first
        result = repo.run("plan")
        assert result.code == 1 and "c/2.yaml:" in result.err
        assert len(repo.requests("u")) == before  # not even a read
