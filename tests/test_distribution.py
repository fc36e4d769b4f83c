"""Install by name: the distribution's name, its version and command, and the README that tells users."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from conftest import ROOT

import reconciler

NAME = "campaign-reconciler"


def test_the_distribution_is_named_campaign_reconciler_and_installs_the_reconciler_command() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == NAME
    dist = metadata.distribution(NAME)
    assert dist.version == reconciler.__version__  # one source: pyproject reads it from the package
    scripts = {e.name: e.value for e in dist.entry_points if e.group == "console_scripts"}
    assert scripts == {"reconciler": "reconciler.entry:run"}


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match is not None, title
    return match.group(1)


def test_the_readme_says_how_to_install_by_name_and_how_versions_are_tagged() -> None:
    install = _section((ROOT / "README.md").read_text(), "Install")
    assert f"pip install {NAME}" in install
    assert f"'{NAME}=={reconciler.__version__}'" in install
    assert f"@v{reconciler.__version__}" in install and "vMAJOR.MINOR.PATCH" in install


def test_the_readme_keeps_exactly_the_two_set_up_commands() -> None:
    setup = _section((ROOT / "README.md").read_text(), "Set up")
    blocks = re.findall(r"```sh\n(.*?)```", setup, re.DOTALL)
    assert [b.strip() for b in blocks] == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/reconciler plan examples",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]
