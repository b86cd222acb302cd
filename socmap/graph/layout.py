"""Seeded, stable node positions for drawing graphs.

Small graphs use networkx's spring layout (pure Python/numpy, no scipy below 500 nodes); big
ones use igraph's Fruchterman-Reingold, 60x faster (perf-notes). igraph holds the GIL for the
whole call (perf-notes F4), so a UI should lay out big graphs with :func:`layout_in_process`
(the graph engine's worker processes).

A :class:`PositionCache` keeps nodes where they were: when a graph is redrawn after a filter or
an edit, known nodes keep their positions and only new nodes are placed, near their neighbours.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

Pos = tuple[float, float]

#: above this many nodes igraph is used
IGRAPH_THRESHOLD = 300


@dataclass
class PositionCache:
    """Positions of nodes already drawn, so a redraw keeps them in place."""

    positions: dict[Hashable, Pos] = field(default_factory=dict)

    def get(self, node: Hashable) -> Pos | None:
        """The cached position of ``node``, if any."""
        return self.positions.get(node)

    def update(self, positions: dict[Hashable, Pos]) -> None:
        """Remember ``positions``."""
        self.positions.update(positions)

    def clear(self) -> None:
        """Forget everything (the next layout starts afresh)."""
        self.positions.clear()


def _normalise(pos: dict[Hashable, Pos], extent: float = 1000.0) -> dict[Hashable, Pos]:
    if not pos:
        return {}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    k = extent / span
    return {n: ((x - cx) * k, (y - cy) * k) for n, (x, y) in pos.items()}


def _networkx_layout(
    nodes: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    *,
    seed: int,
    weights: Sequence[float] | None,
) -> dict[Hashable, Pos]:
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(nodes)
    if weights is None:
        g.add_edges_from(edges)
    else:
        g.add_weighted_edges_from((a, b, w) for (a, b), w in zip(edges, weights, strict=True))
    k = 1.6 / math.sqrt(max(len(nodes), 1))
    pos = nx.spring_layout(
        g, seed=seed, k=k, iterations=120, weight="weight" if weights is not None else None
    )
    return {n: (float(p[0]), float(p[1])) for n, p in pos.items()}


def spread_start(n: int, seed: int) -> list[list[float]]:
    """A seeded random start spread over about sqrt(n) units, as igraph's own start is.

    Squeezed into a unit box, every node falls in one cell of igraph's grid and the layout
    takes 30-40x longer.
    """
    rng = random.Random(seed)
    half = max(math.sqrt(n) / 2, 1.0)
    return [[rng.uniform(-half, half), rng.uniform(-half, half)] for _ in range(n)]


def igraph_positions(
    n: int,
    edges: Sequence[tuple[int, int]],
    *,
    seed: int = 7,
    iterations: int = 500,
    weights: Sequence[float] | None = None,
) -> list[tuple[float, float]]:
    """igraph Fruchterman-Reingold of nodes 0..n-1 from :func:`spread_start`: socmap's one
    igraph layout (here, and in the engine's worker processes)."""
    import igraph as ig

    g = ig.Graph(n=n, edges=[(int(a), int(b)) for a, b in edges])
    start = spread_start(n, seed)
    # igraph draws from a process-wide generator (Python's ``random`` by default): seed our own
    # for the call, then put the default back
    ig.set_random_number_generator(random.Random(seed))
    try:
        result = g.layout_fruchterman_reingold(
            seed=start, niter=iterations, weights=list(weights) if weights is not None else None
        )
    finally:
        ig.set_random_number_generator(random)
    return [(float(c[0]), float(c[1])) for c in result.coords]


def _igraph_layout(
    nodes: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    *,
    seed: int,
    weights: Sequence[float] | None,
) -> dict[Hashable, Pos]:
    index = {n: i for i, n in enumerate(nodes)}
    coords = igraph_positions(
        len(nodes), [(index[a], index[b]) for a, b in edges], seed=seed, weights=weights
    )
    return dict(zip(nodes, coords, strict=True))


def compute_layout(
    nodes: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    *,
    seed: int = 7,
    weights: Sequence[float] | None = None,
) -> dict[Hashable, Pos]:
    """Fresh positions for every node, deterministic for a seed, scaled to about 1000 units.

    Args:
        nodes: node ids (hashable, picklable for :func:`layout_in_process`).
        edges: pairs of node ids; edges to unknown nodes are ignored.
        weights: optional edge weights (stronger pulls), same length as ``edges``.
    """
    nodes = list(dict.fromkeys(nodes))
    known = set(nodes)
    keep = [i for i, (a, b) in enumerate(edges) if a in known and b in known and a != b]
    edges = [edges[i] for i in keep]
    if weights is not None:
        weights = [weights[i] for i in keep]
    if not nodes:
        return {}
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    if len(nodes) > IGRAPH_THRESHOLD:
        pos = _igraph_layout(nodes, edges, seed=seed, weights=weights)
    else:
        pos = _networkx_layout(nodes, edges, seed=seed, weights=weights)
    return _normalise(pos)


def layout(
    nodes: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    *,
    seed: int = 7,
    cache: PositionCache | None = None,
    weights: Sequence[float] | None = None,
) -> dict[Hashable, Pos]:
    """Positions for ``nodes``, keeping those in ``cache`` where they are.

    Without a cache (or when most nodes are new) the whole graph is laid out afresh. Otherwise
    each new node goes near the mean of its already-placed neighbours (a seeded jitter apart),
    so a filter or an edit never reshuffles what the user was looking at.
    """
    nodes = list(dict.fromkeys(nodes))
    if cache is None:
        return compute_layout(nodes, edges, seed=seed, weights=weights)
    known = {n: cache.positions[n] for n in nodes if n in cache.positions}
    if len(known) < max(1, len(nodes) // 2):
        pos = compute_layout(nodes, edges, seed=seed, weights=weights)
        cache.update(pos)
        return pos
    neighbours: dict[Hashable, list[Hashable]] = {n: [] for n in nodes}
    for a, b in edges:
        if a in neighbours and b in neighbours:
            neighbours[a].append(b)
            neighbours[b].append(a)
    rng = random.Random(seed)
    xs = [p[0] for p in known.values()]
    ys = [p[1] for p in known.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    jitter = span * 0.03
    pos = dict(known)
    pending = [n for n in nodes if n not in pos]
    # place nodes with placed neighbours first, repeatedly, then the rest around the edge
    for _ in range(3):
        still = []
        for n in pending:
            placed = [pos[m] for m in neighbours[n] if m in pos]
            if placed:
                mx = sum(p[0] for p in placed) / len(placed)
                my = sum(p[1] for p in placed) / len(placed)
                pos[n] = (mx + rng.uniform(-jitter, jitter), my + rng.uniform(-jitter, jitter))
            else:
                still.append(n)
        pending = still
    for n in pending:
        angle = rng.uniform(0, 2 * math.pi)
        pos[n] = (
            (min(xs) + max(xs)) / 2 + span * 0.6 * math.cos(angle),
            (min(ys) + max(ys)) / 2 + span * 0.6 * math.sin(angle),
        )
    cache.update(pos)
    return pos


def layout_in_process(
    nodes: Iterable[Hashable],
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    seed: int = 7,
    weights: Sequence[float] | None = None,
) -> dict[Hashable, Pos]:
    """:func:`compute_layout` in the graph engine's worker process, so igraph's GIL cannot
    freeze a UI.

    Blocks the calling thread (call it from a worker thread); the UI thread stays free. The
    worker gets node indices (not ids), so any hashable ids work. It runs through socmap's one
    out-of-process runner, :func:`socmap.graph.engine.run_job`, which is safe for concurrent
    callers.
    """
    from socmap.graph import engine

    node_list = list(dict.fromkeys(nodes))
    index = {n: i for i, n in enumerate(node_list)}
    pairs: list[tuple[int, int]] = []
    kept: list[float] = []
    for i, (a, b) in enumerate(edges):
        if a in index and b in index:
            pairs.append((index[a], index[b]))
            if weights is not None:
                kept.append(weights[i])
    coords = engine.run_job(
        "positions", len(node_list), pairs, seed=seed, weights=kept if weights is not None else None
    )
    return {node_list[int(k)]: (float(x), float(y)) for k, (x, y) in coords.items()}
