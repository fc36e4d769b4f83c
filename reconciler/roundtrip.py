"""Round-trip YAML (ruamel.yaml, ``typ="rt"``): read and write documents keeping comments and styles.

The layout written is the project's one layout: 2-space indentation, sequences indented under their key
(``  - item``), no line folding, double quotes where a plain string would not do (quotes written are
kept), and a flow collection (``{a: 1}``) on one line; one that would not fit in ``WIDTH`` columns is
written in block style instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase
from ruamel.yaml.emitter import RoundTripEmitter

WIDTH = 120
"""Longest line a flow collection may make before it is written in block style."""
NO_FOLDING = 1 << 16


class _Emitter(RoundTripEmitter):
    """Writes a string that needs quotes in double quotes (``operator: "="``), unless it was single-quoted."""

    def choose_scalar_style(self) -> Any:
        style = super().choose_scalar_style()
        if style == "'" and self.event.style != "'" and self.analysis.allow_double_quoted:
            return '"'
        return style


def new_yaml() -> YAML:
    """A fresh round-trip instance (one per file: directives such as ``%YAML`` stick to an instance)."""
    yaml = YAML(typ="rt")
    yaml.Emitter = _Emitter
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = NO_FOLDING
    return yaml


def load_all(text: str) -> list[Any]:
    """Every document of ``text`` as round-trip data (CommentedMap, CommentedSeq, scalars; None if empty)."""
    return list(new_yaml().load_all(text))


def dump_all(docs: Sequence[Any]) -> str:
    """``docs`` as YAML text in the canonical layout; flow collections too wide become block style."""
    text = _dump(docs)
    for _ in range(16):  # each round can only turn more collections into block style
        lines = text.splitlines()
        if all(len(line) <= WIDTH for line in lines):
            break
        widened = list(_too_wide(docs, load_all(text), lines))
        if not widened:
            break
        for node in widened:
            node.fa.set_block_style()
        text = _dump(docs)
    return text


def _dump(docs: Sequence[Any]) -> str:
    out = io.StringIO()
    new_yaml().dump_all(docs, out)
    return out.getvalue()


def _too_wide(ours: Any, written: Any, lines: Sequence[str]) -> Iterator[CommentedBase]:
    """Flow collections of ``ours`` whose counterpart in the ``written`` text sits on a line over WIDTH."""
    if isinstance(ours, list | tuple) and isinstance(written, list | tuple):
        pairs: Iterator[tuple[Any, Any]] = zip(ours, written, strict=False)
    elif isinstance(ours, dict) and isinstance(written, dict):
        pairs = ((ours[k], written[k]) for k in ours if k in written)
    else:
        return
    if isinstance(ours, CommentedBase) and isinstance(written, CommentedBase) and ours.fa.flow_style() \
            and len(lines[written.lc.line]) > WIDTH:
        yield ours
        return
    for mine, theirs in pairs:
        yield from _too_wide(mine, theirs, lines)
