"""The fewest nodes to take out of a graph so that no cycle is left (a minimum feedback vertex set).

Used to break cycles of number moves with the fewest extra calls (UIS-09). The problem is NP-hard in
general, but cycles of campaigns handing numbers around are small: each strongly connected component is
solved exactly (smallest sets first) when it has at most ``EXACT_UP_TO`` candidates, greedily beyond.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping

Graph = Mapping[str, Collection[str]]
EXACT_UP_TO = 12


def fewest_to_break(graph: Graph, candidates: Collection[str]) -> list[str]:
    """Sorted candidates whose removal leaves ``graph`` (node -> nodes it points to) without a cycle."""
    chosen: list[str] = []
    for component in components(graph):
        sub = {n: {m for m in graph.get(n, ()) if m in component} for n in component}
        eligible = sorted(n for n in component if n in candidates)
        if not eligible:
            raise ValueError(f"a cycle through {', '.join(sorted(component))} has no node that can break it")
        chosen += _exact(sub, eligible) if len(eligible) <= EXACT_UP_TO else _greedy(sub, eligible)
    return sorted(chosen)


def components(graph: Graph) -> list[set[str]]:
    """Strongly connected components that hold a cycle (Tarjan's algorithm, iterative), in a stable order."""
    nodes = sorted(set(graph) | {m for ms in graph.values() for m in ms})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(component)
            elif step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                on_stack.add(step)
                work.append((step, iter(sorted(graph.get(step, ())))))
            elif step in on_stack:
                low[node] = min(low[node], index[step])
    return sorted(found, key=lambda c: min(c))


def _exact(graph: Graph, eligible: list[str]) -> list[str]:
    for size in range(1, len(eligible) + 1):
        for removed in itertools.combinations(eligible, size):
            if not components(_without(graph, set(removed))):
                return list(removed)
    raise AssertionError("removing every eligible node leaves a cycle")


def _greedy(graph: Graph, eligible: list[str]) -> list[str]:
    """Take out the busiest node of a remaining cycle until none is left."""
    removed: set[str] = set()
    while True:
        left = components(_without(graph, removed))
        if not left:
            return sorted(removed)
        rest = _without(graph, removed)
        into = {n: sum(n in ms for ms in rest.values()) for n in eligible}
        busiest = max((n for n in eligible if n in left[0]), key=lambda n: (len(rest[n]) * into[n], n))
        removed.add(busiest)


def _without(graph: Graph, removed: set[str]) -> dict[str, set[str]]:
    return {n: {m for m in ms if m not in removed} for n, ms in graph.items() if n not in removed}
