"""`validate --format github`: every problem as a GitHub Actions annotation, escaped as GitHub's toolkit does."""

from __future__ import annotations

from conftest import Repo

from reconciler.errors import Problem, ProblemsError, ReconcilerError
from reconciler.model import Pos
from reconciler.render.github import annotation, error_annotations, escape_data, escape_property

CONFIG = """
version: 1
accounts:
  demo:
    provider: uis
    sandbox: {}
"""


def test_data_escapes_percent_and_line_breaks_only() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"


def test_property_also_escapes_colon_and_comma() -> None:
    assert escape_property("c:/a,b%\n.yaml") == "c%3A/a%2Cb%25%0A.yaml"


def test_annotation_has_file_line_col_then_rule_and_message() -> None:
    problem = Problem(Pos("campaigns/a.yaml", 3, 9), "UIS-06", "status: bad\nvalue")
    assert annotation(problem) == "::error file=campaigns/a.yaml,line=3,col=9::UIS-06 status: bad%0Avalue"


def test_problem_without_a_place_annotates_the_run() -> None:
    assert annotation(Problem(None, "ACCOUNT", "unknown account(s) x")) == "::error::ACCOUNT unknown account(s) x"


def test_other_errors_become_one_annotation() -> None:
    assert error_annotations(ReconcilerError("boom: 100%")) == ("::error::boom: 100%25", 1)
    problems = ProblemsError([Problem(Pos("b.yaml", 2, 1), "R", "two"), Problem(Pos("a.yaml", 1, 1), "R", "one")])
    assert error_annotations(problems) == ("::error file=a.yaml,line=1,col=1::R one\n"
                                           "::error file=b.yaml,line=2,col=1::R two", 2)


def _broken(repo: Repo) -> None:
    repo.write("reconciler.yaml", CONFIG)
    repo.write("campaigns/a,b:c.yaml", "account: demo\nname: A\nstatus: bogus\n")
    repo.write("campaigns/b.yaml", "account: demo\nname: B\nsite_idd: 3\n")


def test_validate_github_prints_one_annotation_per_problem_and_fails(repo: Repo) -> None:
    _broken(repo)
    result = repo.run("validate", "--format", "github")
    assert result.code == 1
    assert result.out.splitlines() == [
        "::error file=campaigns/a%2Cb%3Ac.yaml,line=3,col=9::UIS-06 status: Input should be 'active' or 'inactive'",
        "::error file=campaigns/b.yaml,line=3,col=1::SCHEMA unknown field 'site_idd' (did you mean 'site_id'?)",
    ]
    assert result.err.strip() == "2 problem(s) found."


def test_validate_text_stays_the_default(repo: Repo) -> None:
    _broken(repo)
    result = repo.run("validate")
    assert result.code == 1
    assert "::error" not in result.out + result.err
    assert "campaigns/b.yaml:3:1: SCHEMA unknown field 'site_idd'" in result.err


def test_validate_github_without_config_annotates_its_place(repo: Repo) -> None:
    result = repo.run("validate", "--format", "github")
    assert result.code == 1
    assert result.out.startswith("::error file=reconciler.yaml,line=1,col=1::CONFIG no reconciler.yaml here")


def test_validate_github_on_valid_documents_passes(examples: Repo) -> None:
    result = examples.run("validate", "examples", "--format", "github")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("Valid: ") and "::" not in result.out
