"""The rule book ships with the code: every rule id the package cites or gives a problem is in docs/RULES.md,
and the README's links stay inside the repository."""

from __future__ import annotations

import ast
import re
from urllib.parse import unquote, urlparse

from conftest import ROOT

PACKAGE = ROOT / "reconciler"
BOOK = ROOT / "docs" / "RULES.md"
SHARED = ROOT.parent / "shared" / "RULES.md"
"""Where the team's copy of the rule book is, beside the repository, when it is there (CI has it read-only)."""
VENDOR_ID = re.compile(r"\b[A-Z]{2,4}-\d{2}\b")
ROW = re.compile(r"^\| ([A-Z][A-Z0-9-]+) \|", re.MULTILINE)


def book_ids(text: str) -> set[str]:
    """The ids of the rule book's table rows."""
    return set(ROW.findall(text)) - {"id"}


def _constants() -> dict[str, dict[str, str]]:
    """Module name -> its module-level string constants (``RULE = "UIS-09"``)."""
    found: dict[str, dict[str, str]] = {}
    for file in PACKAGE.rglob("*.py"):
        module = ".".join(file.relative_to(ROOT).with_suffix("").parts)
        values = found.setdefault(module, {})
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                values.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def emitted_ids() -> dict[str, set[str]]:
    """Each rule id given to a ``Problem(pos, rule, message)`` in the package, as a literal, a constant of
    the module, an imported constant or ``module.CONSTANT``, with the files that give it."""
    constants = _constants()
    out: dict[str, set[str]] = {}
    for file in PACKAGE.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        module = ".".join(file.relative_to(ROOT).with_suffix("").parts)
        names = dict(constants[module])
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    if alias.name in constants.get(node.module, {}):
                        names[alias.asname or alias.name] = constants[node.module][alias.name]
                    if f"{node.module}.{alias.name}" in constants:
                        modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem"
                    and len(node.args) >= 2):
                continue
            rule = node.args[1]
            value: str | None = None
            if isinstance(rule, ast.Constant) and isinstance(rule.value, str):
                value = rule.value
            elif isinstance(rule, ast.Name):
                value = names.get(rule.id)
            elif isinstance(rule, ast.Attribute) and isinstance(rule.value, ast.Name) \
                    and rule.value.id in modules:
                value = constants[modules[rule.value.id]].get(rule.attr)
            if value is not None:
                out.setdefault(value, set()).add(str(file.relative_to(ROOT)))
    return out


def test_every_rule_id_the_package_gives_a_problem_is_in_the_rule_book() -> None:
    emitted = emitted_ids()
    # the scan finds the ids it must: a vendor rule, the engine's own and one given as module.CONSTANT
    assert {"UIS-09", "ENG-07", "CONFIG", "YAML", "PLAN", "IDENTITY"} <= set(emitted), sorted(emitted)
    missing = {rule: files for rule, files in emitted.items() if rule not in book_ids(BOOK.read_text())}
    assert not missing, f"rule ids given to problems but missing from docs/RULES.md: {missing}"


def test_every_vendor_rule_id_the_package_cites_is_in_the_rule_book() -> None:
    cited: dict[str, set[str]] = {}
    for file in PACKAGE.rglob("*.py"):
        for rule in VENDOR_ID.findall(file.read_text(encoding="utf-8")):
            cited.setdefault(rule, set()).add(str(file.relative_to(ROOT)))
    assert len(cited) > 40  # the scan reads the package
    known = book_ids(BOOK.read_text())
    missing = {rule: sorted(files) for rule, files in cited.items() if rule not in known}
    assert not missing, f"rule ids cited in the package but missing from docs/RULES.md: {missing}"


def test_each_vendor_rule_names_its_source() -> None:
    """Every vendor section of the book says which API it is, and the book says where its rules come from."""
    text = BOOK.read_text()
    assert "Sources: `vendor-docs/*.txt`" in text
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)
    for prefix, vendor in (("UIS", "CoMagic Data API"), ("ENS", "Enswitch"), ("TOP", "Topsort"),
                           ("CF", "CallFire (API 1.1")):
        assert any(vendor in s for s in sections), (vendor, sections)
        assert any(rule.startswith(prefix + "-") for rule in book_ids(text))


def test_the_rule_book_is_in_step_with_the_teams_copy() -> None:
    """docs/RULES.md holds every rule of the team's copy word for word (and may list the repository's own
    problem ids besides); checked where the team's copy is beside the repository."""
    if not SHARED.is_file():
        return
    ours, theirs = BOOK.read_text(), SHARED.read_text()
    assert book_ids(theirs) <= book_ids(ours)
    rows = [line for line in theirs.splitlines() if ROW.match(line)]
    assert rows and all(row in ours.splitlines() for row in rows)


def readme_links(text: str) -> list[str]:
    """The targets of the markdown links and images of ``text``."""
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_readme_links_stay_inside_the_repository() -> None:
    links = readme_links((ROOT / "README.md").read_text())
    assert "docs/RULES.md" in links
    for link in links:
        url = urlparse(link)
        if url.scheme in ("http", "https", "mailto"):
            continue
        assert not url.scheme, link
        target = (ROOT / unquote(url.path)).resolve()
        assert target.is_relative_to(ROOT), f"README link {link} leaves the repository"
        assert target.exists(), f"README link {link} names nothing in the repository"
