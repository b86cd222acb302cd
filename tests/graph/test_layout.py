"""Seeded, stable layouts."""

from __future__ import annotations

import pytest

from socmap.graph.layout import IGRAPH_THRESHOLD, PositionCache, compute_layout, layout


def _ring(n: int) -> tuple[list[str], list[tuple[str, str]]]:
    nodes = [f"n{i}" for i in range(n)]
    return nodes, [(nodes[i], nodes[(i + 1) % n]) for i in range(n)]


@pytest.mark.parametrize("n", [12, IGRAPH_THRESHOLD + 20])
def test_same_seed_same_positions(n: int) -> None:
    nodes, edges = _ring(n)
    a = compute_layout(nodes, edges, seed=3)
    b = compute_layout(nodes, edges, seed=3)
    assert a == b
    assert set(a) == set(nodes)
    xs = [p[0] for p in a.values()]
    assert max(xs) - min(xs) > 100  # spread out, not collapsed


def test_cache_keeps_known_nodes_in_place() -> None:
    nodes, edges = _ring(20)
    cache = PositionCache()
    first = layout(nodes, edges, cache=cache)
    more = [*nodes, "new"]
    second = layout(more, [*edges, ("new", "n0")], cache=cache)
    for n in nodes:
        assert second[n] == first[n]
    assert "new" in second
    # the new node lands near its neighbour, not far away
    dx = abs(second["new"][0] - first["n0"][0])
    assert dx < 200


def test_edges_to_unknown_nodes_are_ignored() -> None:
    pos = compute_layout(["a", "b"], [("a", "b"), ("a", "zzz")])
    assert set(pos) == {"a", "b"}


def test_empty_and_single() -> None:
    assert compute_layout([], []) == {}
    assert compute_layout(["x"], []) == {"x": (0.0, 0.0)}


def test_layout_in_a_separate_process_matches() -> None:
    from socmap.graph.layout import layout_in_process

    nodes, edges = _ring(IGRAPH_THRESHOLD + 10)
    assert layout_in_process(nodes, edges, seed=5) == compute_layout(nodes, edges, seed=5)
