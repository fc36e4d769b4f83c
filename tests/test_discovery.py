"""Discovery: reconciler.yaml's ``documents`` and ``exclude`` globs say which files are campaign documents;
other YAML of the repository is never read; reconciler.yaml is found upwards from PATH; a PATH below the
repository's root stands for its documents only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo, uis_campaign, uis_config, uis_seed

from reconciler import documents, yamltext
from reconciler.discovery import Discovery, pattern_problem, translate
from reconciler.engine import load

CAMPAIGN = "account: u\nname: {name}\nstatus: active\nsite_id: 1\n"
NOT_CAMPAIGNS = {
    ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n",
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    "campaigns/notes.json": "{}\n",
}


def _repository(repo: Repo, extra: str = "", prune: bool = False) -> None:
    repo.write("reconciler.yaml", uis_config(prune, documents="") + extra)
    repo.write_json("seed.json", uis_seed(uis_campaign(1, "Old"), uis_campaign(2, "Kept")))
    for rel, text in NOT_CAMPAIGNS.items():
        repo.write(rel, text)


def test_by_default_the_documents_are_the_yaml_under_campaigns_and_other_yaml_is_ignored(repo: Repo) -> None:
    _repository(repo)
    repo.write("campaigns/a.yaml", CAMPAIGN.format(name="A"))
    repo.write("campaigns/deep/er/b.yml", CAMPAIGN.format(name="B"))
    repo.write("top.yaml", "not: a campaign\n")  # outside campaigns/: not read either
    result = repo.run("validate")
    assert (result.code, result.out.strip()) == (0, "Valid: 2 campaign(s) in 1 account(s)."), result.err
    assert repo.run("fmt", "--check").code == 0  # fmt does not touch them either
    assert repo.run("plan").out.count("to create") == 1 and "u / A: create" in repo.run("plan").out


def test_documents_and_exclude_globs_choose_the_files(repo: Repo) -> None:
    _repository(repo, "documents: [ads/**/*.yaml, 'extra/*.yml']\nexclude: [ads/drafts, '**/*.wip.yaml']\n")
    repo.write("ads/a.yaml", CAMPAIGN.format(name="A"))
    repo.write("ads/eu/b.yaml", CAMPAIGN.format(name="B"))
    repo.write("ads/drafts/c.yaml", "broken: [\n")  # excluded folder: never read
    repo.write("ads/d.wip.yaml", "broken: [\n")
    repo.write("extra/e.yml", CAMPAIGN.format(name="E"))
    repo.write("extra/deeper/f.yml", "broken: [\n")  # * does not cross folders
    repo.write("campaigns/g.yaml", "broken: [\n")  # the default no longer applies
    result = repo.run("validate")
    assert (result.code, result.out.strip()) == (0, "Valid: 3 campaign(s) in 1 account(s)."), result.err


def test_a_bad_glob_is_a_located_config_error(repo: Repo) -> None:
    _repository(repo, "documents: [campaigns/**/*.yaml, ../other/*.yaml]\nexclude: [/abs]\n")
    result = repo.run("validate")
    assert result.code == 1
    assert "reconciler.yaml:7:" in result.err and "may not leave the folder of reconciler.yaml" in result.err
    assert "reconciler.yaml:8:" in result.err and "must be relative" in result.err


def test_run_from_a_subfolder_finds_reconciler_yaml_upwards_and_plans_that_folder_only(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    _repository(repo, prune=True)
    repo.write("campaigns/eu/a.yaml", CAMPAIGN.format(name="A"))
    repo.write("campaigns/us/b.yaml", CAMPAIGN.format(name="B"))
    whole = repo.run("plan").out
    assert "u / B: create" in whole and "u / Old (id 1): delete" in whole  # prune: true
    monkeypatch.chdir(repo.path / "campaigns" / "eu")
    assert repo.run("validate").out.strip() == "Valid: 1 campaign(s) in 1 account(s)."
    part = repo.run("plan")
    assert part.code == 0, part.err
    assert "u / A: create" in part.out
    assert "B: create" not in part.out and ": delete" not in part.out  # nothing outside the folder, no prune
    assert "targeted by the documents under .: 1 campaign(s), 1 with changes ('A')" in part.out
    assert repo.run("plan", "../us").out.count("create (") == 1  # a folder given as PATH


def test_a_folder_s_plan_reads_each_document_once(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    # The scope's campaigns are those the whole repository's read found in its files: not read again.
    _repository(repo)
    for name in ("A", "B"):
        repo.write(f"campaigns/eu/{name.lower()}.yaml", CAMPAIGN.format(name=name))
    repo.write("campaigns/us/c.yaml", CAMPAIGN.format(name="C"))
    monkeypatch.setenv("RECONCILER_CACHE", "off")
    read: list[str] = []

    def counted(text: str, name: str) -> Any:
        read.append(name)
        return yamltext.located(text, name)

    monkeypatch.setattr(documents, "located", counted)
    monkeypatch.setattr(load, "located", counted)
    result = repo.run("plan", "campaigns/eu")
    assert result.code == 0, result.err
    assert "targeted by the documents under campaigns/eu: 2 campaign(s), 2 with changes ('A', 'B')" in result.out
    assert sorted(n for n in read if n != "reconciler.yaml") == [
        "campaigns/eu/a.yaml", "campaigns/eu/b.yaml", "campaigns/us/c.yaml"]


def test_a_document_file_as_path_plans_its_campaigns_only(repo: Repo) -> None:
    _repository(repo, prune=True)
    repo.write("campaigns/a.yaml", CAMPAIGN.format(name="A"))
    repo.write("campaigns/b.yaml", CAMPAIGN.format(name="B") + "---\n" + CAMPAIGN.format(name="Kept")
               .replace("status: active", "status: inactive"))
    result = repo.run("plan", "campaigns/b.yaml")
    assert result.code == 0, result.err
    assert "u / B: create" in result.out and "u / Kept: update" in result.out
    assert "A:" not in result.out and ": delete" not in result.out
    assert "targeted by the documents of campaigns/b.yaml: 2 campaign(s), 2 with changes" in result.out
    applied = repo.run("apply", "campaigns/b.yaml", "--yes")
    assert applied.code == 0, applied.err
    assert {c["name"] for c in repo.state("u")["campaigns"]} == {"Old", "Kept", "B"}  # A not created, Old kept
    assert repo.run("validate", "campaigns/a.yaml").out.strip() == "Valid: 1 campaign(s) in 1 account(s)."


def test_a_file_that_is_not_a_document_is_refused_by_every_command(repo: Repo) -> None:
    _repository(repo)
    repo.write("campaigns/a.yaml", CAMPAIGN.format(name="A"))
    before = (repo.path / "docker-compose.yml").read_text()
    for command in ("validate", "plan", "fmt"):
        result = repo.run(command, "docker-compose.yml")
        assert result.code == 1
        assert re.match(r"docker-compose\.yml:1:1: [A-Z]+ not a campaign document: reconciler.yaml's documents "
                        r"\(campaigns/\*\*/\*\.y\*ml\) leave it out", result.err), result.err
    assert (repo.path / "docker-compose.yml").read_text() == before
    assert repo.run("validate", "reconciler.yaml").out.strip() == "Valid: 1 campaign(s) in 1 account(s)."
    empty = repo.run("plan", ".github")
    assert empty.code == 1 and "no campaign document here" in empty.err


def test_the_search_upwards_stops_at_the_root_of_a_git_repository(tmp_path: Path, repo: Repo,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("reconciler.yaml", uis_config(documents=""))  # above the git repository: not this one's
    (tmp_path / "project" / ".git").mkdir(parents=True)
    (tmp_path / "project" / "campaigns").mkdir()
    monkeypatch.chdir(tmp_path / "project" / "campaigns")
    result = repo.run("validate")
    assert result.code == 1 and "no reconciler.yaml here or in a folder above" in result.err


@pytest.mark.parametrize(("glob", "path", "named"), [
    ("campaigns/**/*.y*ml", "campaigns/a.yaml", True),
    ("campaigns/**/*.y*ml", "campaigns/x/y/a.yml", True),
    ("campaigns/**/*.y*ml", "campaigns.yaml", False),
    ("campaigns/**/*.y*ml", "other/campaigns/a.yaml", False),
    ("*.yaml", "a.yaml", True),
    ("*.yaml", "sub/a.yaml", False),
    ("**/*.yaml", "a.yaml", True),
    ("ads/[!_]*.yaml", "ads/_draft.yaml", False),
    ("ads/[!_]*.yaml", "ads/live.yaml", True),
    ("ads/?.yaml", "ads/ab.yaml", False),
    ("a+b/(x).yaml", "a+b/(x).yaml", True),
])
def test_globs(glob: str, path: str, named: bool) -> None:
    assert bool(re.fullmatch(translate(glob), path)) is named
    assert Discovery("/r", (glob,)).names(path) is named


def test_reconciler_yaml_is_never_a_document_and_excluded_folders_are_not_entered(tmp_path: Path) -> None:
    for rel in ("reconciler.yaml", "a.yaml", "skip/b.yaml", "keep/c.yaml", ".hidden/d.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x: 1\n")
    found = Discovery(str(tmp_path), ("**/*.yaml",), ("skip",), skip=("reconciler.yaml",)).walk(str(tmp_path))
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["a.yaml", "keep/c.yaml"]
    assert Discovery(str(tmp_path), ("**/*.yaml",), ("skip",)).walk(str(tmp_path / "skip")) == []
    assert not Discovery("/r", ("campaigns/**/*.yaml",)).may_hold("node_modules")
    assert pattern_problem("") is not None and pattern_problem("a\\b.yaml") is not None
    assert pattern_problem("campaigns/**/*.y*ml") is None


def test_import_refuses_to_write_documents_the_globs_would_not_read(repo: Repo) -> None:
    _repository(repo, "documents: ['ads/**/*.yaml']\n")
    result = repo.run("import", "--account", "u")
    assert result.code == 1
    assert re.search(r"^campaigns/u/\S+\.yaml:1:1: IMPORT import writes documents under campaigns/, which "
                     r"reconciler.yaml's documents \(ads/\*\*/\*\.yaml\) leave out", result.err, re.M), result.err
    assert not (repo.path / "campaigns" / "u").exists()
    _repository(repo)  # the default names campaigns/: the documents are written, and then read
    assert repo.run("import", "--account", "u").code == 0
    assert repo.run("validate").out.strip() == "Valid: 2 campaign(s) in 1 account(s)."


def test_a_path_through_a_symbolic_link_finds_the_documents_as_the_real_path_does(repo: Repo) -> None:
    """reconciler.yaml's folder is known by its real path; a PATH reached through a link to a folder
    (``link -> real``) stands for the same documents."""
    real = repo.path / "real"
    repo.write("real/reconciler.yaml", uis_config(documents=""))
    repo.write_json("real/seed.json", uis_seed())
    repo.write("real/campaigns/eu/a.yaml", "name: A\n" + CAMPAIGN.format(name="A").replace("name: A\n", ""))
    repo.write("real/campaigns/us/b.yaml", CAMPAIGN.format(name="B"))
    (repo.path / "link").symlink_to(real, target_is_directory=True)
    for path, count in (("link/campaigns", 2), ("link/campaigns/eu", 1), ("link/campaigns/eu/a.yaml", 1),
                        ("link", 2)):
        result = repo.run("validate", path)
        assert (result.code, result.out.strip()) == (0, f"Valid: {count} campaign(s) in 1 account(s)."), path
    plan = repo.run("plan", "link/campaigns/eu")
    assert plan.code == 0, plan.err
    assert "u / A: create" in plan.out and "B: create" not in plan.out
    for path in ("link", "link/campaigns", "link/campaigns/eu", "link/campaigns/eu/a.yaml"):
        check = repo.run("fmt", "--check", path)  # a.yaml has name before account
        assert (check.code, check.out) == (1, "would reformat link/campaigns/eu/a.yaml\n"), path
    assert repo.run("fmt", "--check", "link/campaigns/us").code == 0
