"""The canonical layout of a campaign document, shared by ``fmt`` (which rearranges) and ``import`` (which writes).

Key order: ``account`` first, then the fields in the order the provider's document model declares them,
``lifecycle`` last; nested mappings (a UIS site block, a condition) follow their own model's order. Keys no
model knows keep their relative order, after the known ones. ``new_document`` builds a document to write:
block style, except a mapping of scalars (``{site_block_id: 11, phone_number_id: 502}``) in flow style.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.keyorder import reorder

FIRST = "account"
LAST = "lifecycle"


@dataclass(frozen=True)
class Order:
    """The key order of a mapping, and the orders of the mappings nested under some of its keys."""

    keys: tuple[str, ...]
    nested: Mapping[str, Order] = field(default_factory=dict)

    def ranked(self, present: Sequence[Any]) -> list[Any]:
        """``present`` keys in this order: known keys by rank, unknown ones after them as they were,
        ``lifecycle`` last."""
        rank = {k: i for i, k in enumerate(self.keys)}
        return sorted(present, key=lambda k: (k == LAST, rank.get(k, len(rank))))


ENVELOPE = Order((FIRST,))
"""The order of a document whose provider is not known: only ``account`` first and ``lifecycle`` last."""


@functools.cache
def order_of(model: type[BaseModel]) -> Order:
    """The canonical order of a model's fields (``account`` first), and of the models nested in them."""
    keys = sorted(model.model_fields, key=lambda k: (k != FIRST) + (k == LAST))
    nested = {name: order_of(inner) for name, info in model.model_fields.items()
              if (inner := _model_in(info.annotation)) is not None}
    return Order(tuple(keys), nested)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, directly, in a list or as an optional value."""
    if get_origin(annotation) is None and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def arrange(node: Any, order: Order, column: int = 0, above: int | None = None,
            owner: tuple[CommentedMap | CommentedSeq, Any] | None = None) -> None:
    """Put the keys of round-trip ``node`` (and of the mappings nested in it) in ``order``, in place.

    ``column`` is where the node's keys are written (a sequence's: its dashes); ``above``, where a comment
    line written above the node goes (a sequence item's: at its dash); ``owner``, the collection and key (or
    index) whose value the node is.
    """
    if isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            arrange(item, order, column + 2, column, (node, index))
        return
    if not isinstance(node, CommentedMap) or not node:
        return
    reorder(node, order.ranked(list(node)), column if above is None else above, owner)
    for key, value in node.items():
        inner = order.nested.get(key)
        if inner is not None:
            arrange(value, inner, column + 2, owner=(node, key))


def new_document(data: Mapping[str, Any], order: Order, header: Sequence[str] = ()) -> CommentedMap:
    """A document to write: ``data`` in ``order``, mappings of scalars in flow style, ``header`` comment
    lines (each starting with ``#``) on top."""
    node = _node(data)
    assert isinstance(node, CommentedMap)
    node.fa.set_block_style()
    arrange(node, order)
    if header:
        node.yaml_set_start_comment("\n".join(header))
    return node


def _node(value: Any) -> Any:
    if isinstance(value, Mapping):
        mapping = CommentedMap((k, _node(v)) for k, v in value.items())
        if all(not isinstance(v, Mapping | list) for v in value.values()):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        if not value:
            seq.fa.set_flow_style()
        return seq
    return value
