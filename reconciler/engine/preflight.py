"""What a run checks before it starts a sandbox or calls a vendor, every problem reported at once: those of
reconciler.yaml, the unset credential variables of every account, and the problems of the documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.config import Config, ConfigProblems, load_config, missing_credentials
from reconciler.engine.load import ACCOUNT, load_desired
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Desired
from reconciler.scope import Scope, scope


def open_run(path: Path, accounts: Sequence[str], *, credentials: bool = True,
             whole: bool = True) -> tuple[Config, dict[str, list[Desired]], Scope]:
    """The configuration, the desired campaigns of a run (``accounts``: only these; ``whole``: the repository's, else
    those of what PATH stands for) and that scope; raises every problem found. When reconciler.yaml has
    problems, the documents of its accounts that have none are checked too. Without ``credentials`` (an
    offline check) unset credential variables are no problem."""
    try:
        config = load_config(path)
    except ConfigProblems as exc:
        if exc.partial is None:
            raise
        found = _documents_problems(exc.partial, path, accounts, exc.broken, credentials, whole)
        raise ProblemsError([*exc.problems, *found]) from None
    where = scope(path, config, Path.cwd())
    return config, preflight(config, path, accounts, where, credentials, whole), where


def preflight(config: Config, path: Path, accounts: Sequence[str], where: Scope, credentials: bool,
              whole: bool) -> dict[str, list[Desired]]:
    """The desired campaigns of the run's accounts (the whole repository's documents, or with ``whole=False``
    those of ``where``); raises, together, the unset credential variables of every account of the run (with
    ``credentials``) and every problem of its documents."""
    names = [name for name in config.accounts if not accounts or name in accounts]
    problems = missing_credentials(config, names) if credentials else []
    try:
        desired = load_desired(config, config.root if whole else where.root, Path.cwd(), accounts)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return desired


def _documents_problems(partial: Config, path: Path, accounts: Sequence[str], broken: Sequence[str],
                        credentials: bool, whole: bool) -> list[Problem]:
    """The problems of the documents of the accounts ``partial`` has, but not that a document names an
    account of ``broken`` (reconciler.yaml's own problem already says what is wrong with it)."""
    only = [a for a in accounts if a in partial.accounts] if accounts else list(partial.accounts)
    if not only:
        return []
    try:
        preflight(partial, path, only, scope(path, partial, Path.cwd()), credentials, whole)
    except ProblemsError as exc:
        return [p for p in exc.problems if not (p.rule == ACCOUNT and any(f"'{b}'" in p.message for b in broken))]
    return []
