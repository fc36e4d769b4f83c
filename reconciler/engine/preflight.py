"""What a run checks before it starts a sandbox or calls a vendor, every problem reported at once: those of
reconciler.yaml, the unset credential variables of every account, and the problems of the documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reconciler.config import Config, ConfigProblems, load_config, missing_credentials
from reconciler.engine.load import ACCOUNT, Documents
from reconciler.errors import Problem, ProblemsError
from reconciler.scope import Scope, scope


def open_run(path: Path, accounts: Sequence[str], *, credentials: bool = True,
             whole: bool = True) -> tuple[Config, Documents, Scope]:
    """The configuration, the documents of a run (``accounts``: only these; ``whole``: the repository's, else
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
    where, documents = _documents(config, path, accounts, whole)
    preflight(config, documents, credentials)
    return config, documents, where


def _documents(config: Config, path: Path, accounts: Sequence[str], whole: bool) -> tuple[Scope, Documents]:
    where = scope(path, config, Path.cwd())
    return where, Documents(config, config.root if whole else where.root, Path.cwd(), accounts)


def preflight(config: Config, documents: Documents, credentials: bool = True) -> None:
    """Raise, together, the unset credential variables of every account of the run (with ``credentials``) and
    every problem of its documents (loaded here unless the cache knows them clean)."""
    problems = missing_credentials(config, documents.accounts) if credentials else []
    if problems or not documents.known_clean:
        try:
            documents.load()
        except ProblemsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)


def _documents_problems(partial: Config, path: Path, accounts: Sequence[str], broken: Sequence[str],
                        credentials: bool, whole: bool) -> list[Problem]:
    """The problems of the documents of the accounts ``partial`` has, but not that a document names an
    account of ``broken`` (reconciler.yaml's own problem already says what is wrong with it)."""
    only = [a for a in accounts if a in partial.accounts] if accounts else list(partial.accounts)
    if not only:
        return []
    try:
        preflight(partial, _documents(partial, path, only, whole)[1], credentials)
    except ProblemsError as exc:
        return [p for p in exc.problems if not (p.rule == ACCOUNT and any(f"'{b}'" in p.message for b in broken))]
    return []
