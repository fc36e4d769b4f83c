"""Nothing outside the repository is read: documents and sandbox seeds must resolve inside it.

A symbolic link under the repository that leads elsewhere, or a seed given as an absolute path (or as
``../``), would have reconciler read, and report problems quoting, a file the repository does not hold (a
key, another team's configuration). Such a path is refused before it is read; the problem names the path
only, never anything of the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from reconciler.errors import Problem, ProblemsError, printable
from reconciler.model import Pos

RULE = "PATH"
WHY = "resolves outside the repository (a symbolic link or a path leading elsewhere): refused, not read"


def outside(root: str, path: str) -> bool:
    """Whether ``path`` (as given, or relative to here) resolves, links followed, outside the folder ``root``."""
    top = os.path.realpath(root)
    real = os.path.realpath(path)
    return real != top and not real.startswith(os.path.join(top, ""))


def refuse_outside(root: str, paths: Sequence[str]) -> None:
    """Raise a problem for each of ``paths`` found under the folder ``root`` (the repository's, not the folder
    walked) that is a link leading out of it. (A walk does not enter linked folders, so only a linked file can
    lead out; checking links alone keeps this to one ``lstat`` a file.)"""
    bad = [p for p in paths if os.path.islink(p) and outside(root, p)]
    if bad:
        here = os.path.join(os.getcwd(), "")  # shown as every document is: relative to here when below it
        raise ProblemsError(Problem(Pos(p.removeprefix(here), 1, 1), RULE, WHY) for p in bad)


def problems_outside(root: str, path: str, where: Pos) -> list[Problem]:
    """The problem of a file ``path`` (relative to ``root``) that a setting at ``where`` names, if it leads out."""
    return [Problem(where, RULE, f"{printable(path)} {WHY}")] if outside(root, os.path.join(root, path)) else []
