"""Nothing outside the repository is read: campaign files and sandbox seeds that resolve elsewhere (a symbolic
link, an absolute path, ``../``) are refused, located, and nothing of their content is shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Repo, uis_config
from conftest import uis_seed as seed

SECRET = "hunter2-not-for-this-repository"
REFUSED = "PATH resolves outside the repository (a symbolic link or a path leading elsewhere): refused, not read"


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder beside the repository holding a YAML file and a seed someone would rather keep to themselves."""
    folder = tmp_path_factory.mktemp("elsewhere")
    (folder / "secret.yaml").write_text(f"account: u\nname: Spring\n{SECRET}: 1\n")
    (folder / "seed.json").write_text(json.dumps({"campaigns": [{"name": SECRET}]}))
    return folder


@pytest.mark.parametrize("command", [["validate"], ["plan"], ["fmt", "--check"], ["apply", "--yes"]])
def test_a_campaign_file_linked_to_outside_the_repository_is_refused_unread(
        repo: Repo, outside: Path, command: list[str]) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", seed())
    (repo.path / "campaigns").mkdir()
    (repo.path / "campaigns" / "spring.yaml").symlink_to(outside / "secret.yaml")
    refused = repo.run(*command)
    assert refused.code == 1
    assert refused.err.splitlines()[0] == f"campaigns/spring.yaml:1:1: {REFUSED}"
    assert SECRET not in refused.out + refused.err
    assert not (repo.path / ".reconciler" / "sandbox" / "u.requests.jsonl").exists()  # no vendor call


def test_a_link_that_stays_inside_the_repository_is_read(repo: Repo) -> None:
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", seed())
    repo.write("shared/spring.txt", "account: u\nname: Spring\nsite_id: 1\n")  # not a .yaml: found once
    (repo.path / "campaigns").mkdir()
    (repo.path / "campaigns" / "spring.yaml").symlink_to("../shared/spring.txt")
    assert repo.run("validate").out == "Valid: 1 campaign(s) in 1 account(s).\n"


def test_a_link_inside_the_repository_is_read_whichever_folder_is_given(repo: Repo) -> None:
    """The link is judged against the repository, not the folder given as PATH: it leads out of
    campaigns/eu but stays in the repository."""
    repo.write("reconciler.yaml", uis_config())
    repo.write_json("seed.json", seed())
    repo.write("shared/spring.txt", "account: u\nname: Spring\nsite_id: 1\n")
    (repo.path / "campaigns" / "eu").mkdir(parents=True)
    (repo.path / "campaigns" / "eu" / "spring.yaml").symlink_to("../../shared/spring.txt")
    for path in ("campaigns/eu", "campaigns"):
        result = repo.run("validate", path)
        assert (result.code, result.err, result.out) == (0, "", "Valid: 1 campaign(s) in 1 account(s).\n"), path


@pytest.mark.parametrize("how", ["absolute", "dots", "link"])
def test_a_sandbox_seed_outside_the_repository_is_refused_unread(repo: Repo, outside: Path, how: str) -> None:
    seed_path = {"absolute": str(outside / "seed.json"), "dots": f"../{outside.name}/seed.json",
                 "link": "seed.json"}[how]
    if how == "link":
        (repo.path / "seed.json").symlink_to(outside / "seed.json")
    if how == "dots":
        (repo.path.parent / outside.name).mkdir(exist_ok=True)
        (repo.path.parent / outside.name / "seed.json").write_text((outside / "seed.json").read_text())
    repo.write("reconciler.yaml", "version: 1\naccounts:\n  u:\n    provider: uis\n"
                                  f"    sandbox: {{seed: {seed_path}}}\n")
    refused = repo.run("plan")
    assert refused.code == 1
    assert refused.err.splitlines()[0] == f"reconciler.yaml:5:21: PATH {seed_path} {REFUSED[5:]}"
    assert SECRET not in refused.out + refused.err
