"""The campaigns of valid documents in the document cache: a warm run validates no unchanged document again,
gives exactly the campaigns and problems a cold run gives, and validates again whenever what decided the
outcome may differ (the account's provider, the code)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import FEW, Repo, few_campaigns, uis_config
from pydantic import Field

import reconciler
from reconciler.config import load_config
from reconciler.engine import cache, load
from reconciler.engine.cache import cache_file, salt
from reconciler.engine.load import load_desired
from reconciler.errors import ProblemsError
from reconciler.model import Desired
from reconciler.providers import PROVIDERS
from reconciler.validation import validate

T = TypeVar("T")
RICH = """\
account: u
id: 77
name: Rich
status: active
site_id: 1
cost_ratio: 2
cost_ratio_operator: multiply
description: "caf\\u00e9 \\U0001F600"
dynamic_call_tracking: {count_visits: 3, count_virtual_numbers: 2}
campaign_conditions:
  group_conditions:
    - conditions:
        - {type: include, campaign_parameter: utm_source, operator: "=", value: google}
lifecycle: {prevent_destroy: true, ignore_changes: [description]}
---
account: u
name: ByReference
status: active
site: example.com
"""
"""A pinned id, a lifecycle, numbers of both kinds, text beyond ASCII, nested values, and a readable
reference (a value no JSON holds: ``Ref``) in a second document of the same file."""


def _validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose documents are validated by a provider's model from now on."""
    seen: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[2].file)
        return validate(*args, **kwargs)

    monkeypatch.setattr(load, "validate", spy)
    return seen


def _shown(d: Desired) -> tuple[Any, ...]:
    """Everything a campaign holds, types included (repr: 2 and 2.0, 1 and True differ)."""
    src = d.source
    return (d.account, d.key, repr(d.pinned_id), repr(dict(d.fields)), d.lifecycle, src.file, repr(src.data),
            list(src.spots), dict(src.aliases), str(src.pos(("campaign_conditions", "group_conditions", 0))),
            str(src.pos(("status",), key=True)))


def _load(repo: Repo) -> list[tuple[Any, ...]]:
    return [_shown(d) for d in load_desired(load_config(repo.path), repo.path, repo.path)["u"]]


def _problems(repo: Repo) -> list[str]:
    with pytest.raises(ProblemsError) as exc:
        load_desired(load_config(repo.path), repo.path, repo.path)
    return [str(p) for p in exc.value.problems]


def _uncached_cold_warm(repo: Repo, monkeypatch: pytest.MonkeyPatch, run: Callable[[Repo], T]) -> tuple[T, list[str]]:
    """What ``run`` gives with the cache off, checked to be what it gives cold and then warm; and the files
    validated in the warm run."""
    monkeypatch.setenv("RECONCILER_CACHE", "off")
    uncached = run(repo)
    monkeypatch.delenv("RECONCILER_CACHE")
    assert run(repo) == uncached
    validated = _validations(monkeypatch)
    assert run(repo) == uncached
    return uncached, validated


def test_a_warm_run_validates_no_unchanged_document(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo)
    _load(repo)
    validated = _validations(monkeypatch)
    _load(repo)
    assert validated == []
    repo.write("c/1.yaml", FEW.format(name="C1", text="edited"))
    assert [d[3] for d in _load(repo)][1] == repr({"description": "edited", "name": "C1", "site_id": 1,
                                                   "status": "active"})
    assert validated == ["c/1.yaml"]
    _load(repo)
    assert validated == ["c/1.yaml"]


def test_cached_campaigns_are_the_ones_validation_gives(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 1)
    repo.write("c/rich.yaml", RICH)
    uncached, validated = _uncached_cold_warm(repo, monkeypatch, _load)
    assert validated == ["c/rich.yaml"]  # only the document with a reference, which is not kept
    assert [d[1] for d in uncached] == ["ByReference", "C0", "Rich"]
    assert "'cost_ratio': 2.0" in uncached[2][3] and uncached[2][4].prevent_destroy  # the document says 2


def test_each_document_of_a_file_gets_its_own_campaign_past_empty_documents(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 0)
    repo.write("c/many.yaml", "\n---\n".join([FEW.format(name="A", text="a"), "# empty",
                                               FEW.format(name="B", text="b"), FEW.format(name="C", text="c")]))
    uncached, validated = _uncached_cold_warm(repo, monkeypatch, _load)
    assert [(d[1], d[10]) for d in uncached] == [("A", "c/many.yaml:3:1"), ("B", "c/many.yaml:12:1"),
                                                 ("C", "c/many.yaml:19:1")]
    assert validated == []


def test_problems_and_their_positions_are_the_same_warm(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 2)
    repo.write("c/same.yaml", "# the name of c/0.yaml again\n" + FEW.format(name="C0", text="again"))
    repo.write("c/bad.yaml", "account: u\nname: Bad\nstatus: sleeping\n---\n" + FEW.format(name="Ok", text="x"))
    repo.write("c/rule.yaml", "account: u\nname: R\nstatus: inactive\nsite_id: 1\nsite_blocks:\n"
                              "  - {site_block_id: 1, phone_number_id: 2}\n")
    repo.write("c/nobody.yaml", "account: nobody\nname: N\n")
    uncached, validated = _uncached_cold_warm(repo, monkeypatch, _problems)
    assert sorted(validated) == ["c/bad.yaml"]  # a document with problems is validated every time
    assert any(p.startswith("c/same.yaml:2:1: IDENTITY campaign 'C0' is already described at c/0.yaml:1:1")
               for p in uncached), uncached
    assert any(p.startswith("c/rule.yaml:5:1: UIS-07 ") for p in uncached), uncached
    assert any(p.startswith("c/bad.yaml:3:9: ") for p in uncached), uncached
    assert any(p.startswith("c/nobody.yaml:1:10: ACCOUNT unknown account") for p in uncached), uncached


def test_an_account_that_names_another_provider_or_none_validates_again(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 2)
    cold = _load(repo)
    validated = _validations(monkeypatch)
    repo.write("reconciler.yaml", uis_config().replace("provider: uis", "provider: enswitch"))
    moved = _problems(repo)
    assert validated == ["c/0.yaml", "c/1.yaml"]
    assert any(p.startswith("c/0.yaml:4:1: SCHEMA unknown field 'site_id'") for p in moved), moved
    repo.write("reconciler.yaml", uis_config().replace("  u:", "  v:"))
    gone = _problems(repo)
    assert validated == ["c/0.yaml", "c/1.yaml"]  # an unknown account is found before any model
    assert gone[0].startswith("c/0.yaml:1:10: ACCOUNT unknown account 'u'"), gone
    repo.write("reconciler.yaml", uis_config())
    assert _load(repo) == cold
    assert validated == ["c/0.yaml", "c/1.yaml"]  # UIS's outcome was kept while the others failed


def test_a_document_new_code_refuses_is_refused_warm(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    few_campaigns(repo, 2)
    _load(repo)
    uis = PROVIDERS["uis"]

    class Stricter(uis.document_model):  # type: ignore[name-defined,misc]
        description: str | None = Field(default=None, max_length=1)

    monkeypatch.setattr(uis, "document_model", Stricter)  # new code, as if model.py were edited
    assert len(_load(repo)) == 2  # the same salt: what was kept stands (the salt follows the code)
    monkeypatch.setattr(cache, "salt", lambda: salt() + ":new code")
    assert _problems(repo) == [f"c/{i}.yaml:5:14: UIS-05 description: String should have at most 1 character"
                               for i in range(2)]


def test_the_salt_follows_the_source_of_every_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "reconciler"
    shutil.copytree(Path(reconciler.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(reconciler, "__file__", str(package / "__init__.py"))
    first = salt()
    (package / "providers" / "uis" / "__pycache__").mkdir(exist_ok=True)
    (package / "providers" / "uis" / "__pycache__" / "model.cpython.pyc").write_bytes(b"compiled")
    assert salt() == first
    seen = {first}
    for name, change in [("providers/uis/model.py", "\nMAX_GROUPS = 1\n"), ("providers/uis/fields.py", "\n"),
                         ("validation.py", "\n"), ("providers/uis/new_module.py", "")]:
        path = package / name
        path.write_text((path.read_text() if path.exists() else "") + change)
        seen.add(salt())
    assert len(seen) == 5
    monkeypatch.setattr(reconciler, "__file__", str(tmp_path / "archive.zip" / "reconciler" / "__init__.py"))
    assert salt() != salt()  # no code to read: no run takes another's entries


@pytest.mark.parametrize("kept", ['"x"', '["uis"]', '["enswitch", "C0", null, {}, false, false, []]',
                                  '["uis", "C0", null, {}, false, false, []]',
                                  '["uis", "C0", null, ["nowhere"], false, false, []]',
                                  '["uis", "C0", null, [["name"]], false, false, []]',
                                  '["uis", "C0", null, [], false, false, "description"]',
                                  '["uis", "C0", null, [], false, 0, []]',
                                  '["uis", "C0", null, [], false, false, [1]]'])
def test_a_kept_campaign_of_the_wrong_shape_or_provider_is_validated_again(
        repo: Repo, monkeypatch: pytest.MonkeyPatch, kept: str) -> None:
    few_campaigns(repo, 1)
    cold = _load(repo)
    path = cache_file(load_config(repo.path).workdir)
    text = path.read_text()
    start = text.index('["uis",')
    path.write_text(text[:start] + kept + text[text.index("]]", start) + 2:])
    validated = _validations(monkeypatch)
    assert _load(repo) == cold
    assert _load(repo) == cold
    assert validated == ["c/0.yaml"]  # and kept again, right
