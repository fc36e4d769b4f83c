"""The provider registry: one explicit dict of modules, each imported only when asked for."""

from __future__ import annotations

import subprocess
import sys

from reconciler.providers import MODULES, PROVIDERS


def test_each_registered_module_is_the_provider_of_its_name() -> None:
    assert sorted(PROVIDERS) == sorted(MODULES) == ["callfire", "enswitch", "topsort", "uis"]
    for name in MODULES:
        assert PROVIDERS[name].name == name
        assert PROVIDERS[name].document_model.model_fields["account"].is_required()


def test_asking_whether_a_provider_exists_imports_none_and_one_lookup_imports_only_that_one() -> None:
    code = ("import sys; from reconciler.providers import PROVIDERS; "
            "assert 'uis' in PROVIDERS and 'nope' not in PROVIDERS and len(PROVIDERS) == 4; "
            "before = sorted(m for m in sys.modules if m.endswith('.provider')); PROVIDERS['topsort']; "
            "print(before, sorted(m for m in sys.modules if m.endswith('.provider')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "['reconciler.providers.topsort.provider']"]
