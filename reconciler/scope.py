"""What a command's PATH stands for, once reconciler.yaml is found from it (upwards, as git finds .git): the
whole repository (its folder, reconciler.yaml itself, or no PATH run from there), the documents under a
folder of it, or one document file. Every command reads and writes only the documents of the scope; plan
and apply still read the whole repository, so that what the scope's campaigns wait for is known, and plan
only the scope's campaigns (``engine.targeting``): a document left out of the scope never reads as a
campaign to delete.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import TYPE_CHECKING

from reconciler.config import RULE, Config
from reconciler.documents import display_name, walk
from reconciler.errors import Problem, ProblemsError
from reconciler.model import Desired, Pos

if TYPE_CHECKING:  # validate finds the scope's documents and needs no targeting
    from reconciler.engine.targeting import Targets


@dataclass(frozen=True)
class Scope:
    root: FsPath
    """Where to look for the scope's documents: the repository's folder, or the folder or file given."""
    whole: bool
    files: frozenset[str]
    """The scope's documents, absolute."""
    shown: str

    def targets(self, config: Config, desired: Mapping[str, Sequence[Desired]], campaigns: tuple[str, ...] = ()
                ) -> Targets:
        """What plan and apply are limited to: ``--campaign`` globs among the campaigns the scope's documents
        describe (of ``desired``, the run's campaigns, read from the whole repository)."""
        from reconciler.engine.targeting import Targets

        if self.whole:
            return Targets(campaigns)
        # The run's campaigns were read from reconciler.yaml's real folder, named from the working folder;
        # the scope's files are as PATH led to them (perhaps through a link): both as paths in the real folder.
        files = {os.path.join(config.root, config.discovery.relative(file, folder=False)) for file in self.files}
        described = {(d.account, d.label) for found in desired.values() for d in found
                     if os.path.abspath(d.source.file) in files}
        what = f"the documents of {self.shown}" if self.root.is_file() else f"the documents under {self.shown}"
        return Targets(campaigns, frozenset(described), what)


def scope(path: FsPath, config: Config, base: FsPath) -> Scope:
    """The scope of ``path`` in ``config``'s repository; a file that is not one of its documents, or a folder
    that holds none, is a problem."""
    resolved = path.resolve()
    if resolved in (config.root, config.file.resolve()):
        return Scope(config.root, True, frozenset(), display_name(config.root, base))
    shown = display_name(path, base)
    discovery = config.discovery
    why = discovery.outside(str(path)) if path.is_file() else None
    if why is not None:
        raise ProblemsError([Problem(Pos(shown, 1, 1), RULE, why)])
    files = frozenset(os.path.abspath(p) for p in walk(path, discovery))
    if not files:
        raise ProblemsError([Problem(None, RULE, f"{shown}: no campaign document here (reconciler.yaml's "
                                                 f"documents: {discovery.globs()})")])
    return Scope(path, False, files, shown)
