"""Reordering the keys of a round-trip mapping, each key taking its comment lines along.

ruamel.yaml keeps a comment with what comes before it: the lines above a key hang below the previous
value (its end-of-line comment token, or the end comments of the innermost collection that value ends
with). ``reorder`` detaches the lines that introduce each key (comment and blank lines at or left of the
key's column, directly above it), moves the keys, and hangs the lines below the key's new predecessor.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken


class _Trail:
    """The comment text written after a value: a token (``index`` in a comment-attribute list) or the end
    comments of a collection (a list of whole-line tokens). ``eol``: the text starts on the value's own line
    (its end-of-line comment, or just the line break), as it does except after a collection or a ``|``/``>``
    block scalar."""

    def __init__(self, holder: list[Any], index: int | None, *, eol: bool) -> None:
        self.holder = holder
        self.index = index
        self.eol = eol

    def text(self) -> str:
        if self.index is not None:
            token = self.holder[self.index]
            return "" if token is None else str(token.value)
        return "".join(t.value if t.value.startswith("\n") else " " * t.start_mark.column + t.value
                       for t in self.holder)

    def set_text(self, text: str) -> None:
        if self.index is None:
            self.holder[:] = [CommentToken(text, CommentMark(0))] if text else []
        elif not text:
            self.holder[self.index] = None
        elif self.holder[self.index] is None:
            self.holder[self.index] = CommentToken(text, CommentMark(0))
        else:
            self.holder[self.index].value = text

    def take_lead(self, column: int) -> str:
        """Detach and return the final lines that introduce what comes next (see ``_introduces``)."""
        lines = self.text().splitlines(keepends=True)
        keep = 1 if self.eol else 0
        cut = len(lines)
        while cut > keep and _introduces(lines[cut - 1], column):
            cut -= 1
        if cut < len(lines):
            self.set_text("".join(lines[:cut]))
        return "".join(lines[cut:])

    def append(self, lines: str) -> None:
        text = self.text()
        self.set_text((text or ("\n" if self.eol else "")) + lines)


def _introduces(line: str, column: int) -> bool:
    body = line.lstrip(" ")
    return not body.strip() or (body.startswith("#") and len(line) - len(body) <= column)


def _is_block(node: Any) -> bool:
    return isinstance(node, CommentedMap | CommentedSeq) and len(node) > 0 and not node.fa.flow_style()


def _trailing(node: CommentedMap | CommentedSeq) -> _Trail:
    """Where the comment after a block collection is kept: its end comments, else after its last value."""
    if node.ca.end:
        return _Trail(node.ca.end, None, eol=False)
    if isinstance(node, CommentedMap):
        return _after_value(node, list(node)[-1])
    last = len(node) - 1
    if _is_block(node[last]):
        return _trailing(node[last])
    return _Trail(node.ca.items.setdefault(last, [None, None, None, None]), 0, eol=_ends_line(node[last]))


def _after_value(mapping: CommentedMap, key: Any) -> _Trail:
    """Where the comment after ``mapping[key]`` is kept."""
    value = mapping[key]
    if _is_block(value):
        return _trailing(value)
    return _Trail(mapping.ca.items.setdefault(key, [None, None, None, None]), 2, eol=_ends_line(value))


def _ends_line(value: Any) -> bool:
    """Whether a value written in a line leaves that line open for a comment (a ``|``/``>`` scalar does not)."""
    return not isinstance(value, LiteralScalarString | FoldedScalarString)


def reorder(mapping: CommentedMap, keys: Sequence[Any], indent: int = 0,
            owner: tuple[CommentedMap | CommentedSeq, Any] | None = None) -> None:
    """Put ``mapping``'s keys in the order ``keys`` (all of them), moving comments with their keys.

    Comment lines written above a key travel with that key; when it becomes the first, above the mapping
    at column ``indent`` (blank lines dropped). ``owner``: the collection and key (or index) ``mapping`` is
    the value of, if any. Comments at the end of the mapping stay at its end.
    """
    current = list(mapping)
    if current == list(keys):
        return
    column = mapping.lc.col or 0
    leads = {key: _after_value(mapping, before).take_lead(column) for before, key in itertools.pairwise(current)}
    tail = _after_value(mapping, current[-1]).take_lead(column)
    for key in keys:
        mapping.move_to_end(key)
    first = [line.strip() for line in (leads.get(keys[0], "") + _take_before(mapping, keys[0])).splitlines()]
    if any(first):
        _above(mapping, owner).extend(CommentToken(line + "\n", CommentMark(indent)) for line in first if line)
    for before, key in itertools.pairwise(keys):
        if leads.get(key):
            _after_value(mapping, before).append(leads[key])
    if tail:
        _after_value(mapping, keys[-1]).append(tail)


def _take_before(mapping: CommentedMap, key: Any) -> str:
    """Detach the comment lines kept with ``key`` itself (ruamel keeps those after a flow collection so)."""
    entry = mapping.ca.items.get(key)
    if entry is None or not entry[1]:
        return ""
    text = _Trail(entry[1], None, eol=False).text()
    entry[1] = None
    return text


def _above(mapping: CommentedMap, owner: tuple[CommentedMap | CommentedSeq, Any] | None) -> list[Any]:
    """The list of comment tokens written above ``mapping``: its own, unless the collection holding it keeps
    such comments for it (ruamel then writes those: a mapping's for the key, a sequence's for the item)."""
    holder, key = owner if owner is not None else (None, None)
    entry = holder.ca.items.get(key) if holder is not None else None
    if entry is not None and isinstance(holder, CommentedMap):
        if entry[3] is None:
            entry[3] = []
        return entry[3]  # type: ignore[no-any-return]
    if entry is not None and entry[1] is not None:
        return entry[1]  # type: ignore[no-any-return]
    if mapping.ca.comment is None:
        mapping.ca.comment = [None, []]
    elif mapping.ca.comment[1] is None:
        mapping.ca.comment[1] = []
    return mapping.ca.comment[1]  # type: ignore[no-any-return]
