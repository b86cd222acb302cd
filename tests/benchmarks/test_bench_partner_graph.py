"""The partner graph of the national demo (about 4,500 nodes, 14,000 edges) against bare libraries.

Subject: what the app does once the rows are read: ``build_partner_graph``, ``compute_layout``
(igraph Fruchterman-Reingold), ``scene_for`` (styling) and ``render_image`` at 1600x1100.
Baseline (same run, interleaved, medians of 3): the same edge list into a bare ``networkx.Graph``,
igraph's ``layout_fruchterman_reingold`` called directly (same start spread and 500 iterations),
and the nodes and edges painted with plain QPainter ``drawLine``/``drawEllipse`` calls into a
1600x1100 image. Ratio <= 1.5 (measured 0.85x under load ~7: the app draws faster than the naive
baseline; the layout dominates both, so a 2x
regression of the rest shows here, and one of the layout fails the network benchmarks too).
The rows, the first call in a worker process and "what works" are printed for information.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.conftest import interleaved, median_time

RATIO = 1.5


def test_partner_graph_national(national_db: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    import random

    import igraph as ig
    import networkx as nx
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    from socmap.graph.build import build_partner_graph
    from socmap.graph.layout import compute_layout, layout_in_process, spread_start
    from socmap.render.graph import render_image
    from socmap.render.partner_graph import scene_for
    from socmap.services import disruptions, partner_graphs
    from socmap.store.db import open_store

    store = open_store(national_db)
    rows_t = median_time(lambda: partner_graphs.partner_graph_input(store), repeat=3)
    data = partner_graphs.partner_graph_input(store)
    g = build_partner_graph(data)
    nodes, edges = list(g.nodes), list(g.edges)
    index = {n: i for i, n in enumerate(nodes)}
    pairs = [(index[a], index[b]) for a, b in edges]

    def subject() -> None:
        graph = build_partner_graph(data)
        pos = compute_layout(list(graph.nodes), list(graph.edges), seed=7)
        render_image(scene_for(graph, pos))

    def bare() -> None:
        bare_g = nx.Graph()
        bare_g.add_nodes_from(nodes)
        bare_g.add_edges_from(edges)
        ig.set_random_number_generator(random.Random(7))
        coords = (
            ig.Graph(n=len(nodes), edges=pairs)
            .layout_fruchterman_reingold(seed=spread_start(len(nodes), 7), niter=500)
            .coords
        )
        ig.set_random_number_generator(random)
        xs = [c[0] for c in coords]
        ys = [c[1] for c in coords]
        x0, y0 = min(xs), min(ys)
        sx = 1560 / ((max(xs) - x0) or 1)
        sy = 1060 / ((max(ys) - y0) or 1)
        pts = [QPointF(20 + (x - x0) * sx, 20 + (y - y0) * sy) for x, y in zip(xs, ys, strict=True)]
        image = QImage(1600, 1100, QImage.Format.Format_ARGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(150, 150, 150), 0.8))
        for a, b in pairs:
            painter.drawLine(pts[a], pts[b])
        painter.setPen(QPen(QColor(40, 40, 40), 1.0))
        painter.setBrush(QColor(70, 110, 200))
        for p in pts:
            painter.drawEllipse(p, 4.0, 4.0)
        painter.end()

    bare_t, subject_t = interleaved(bare, subject, repeat=3)
    start = time.perf_counter()
    pos = layout_in_process(nodes, edges, seed=7)
    process_t = time.perf_counter() - start  # first call includes starting the worker process
    assert pos == compute_layout(nodes, edges, seed=7)  # same seed, same picture
    works_t = median_time(lambda: disruptions.what_works(store), repeat=3)
    n_disruptions = sum(r.count + r.pending for r in disruptions.what_works(store))
    ratio = subject_t / bare_t
    print(
        f"\npartner graph, national demo: {g.number_of_nodes():,} nodes, "
        f"{g.number_of_edges():,} edges; build + layout + style + draw {subject_t * 1e3:.0f} ms "
        f"= {ratio:.2f}x networkx + igraph layout + plain QPainter ({bare_t * 1e3:.0f} ms; "
        f"target <= {RATIO}x); rows {rows_t * 1e3:.0f} ms; layout in a worker process, first "
        f"call {process_t * 1e3:.0f} ms; what-works over {n_disruptions:,} disruptions "
        f"{works_t * 1e3:.0f} ms"
    )
    assert sum(1 for _n, k in g.nodes(data="kind") if k == "area") == 5
    assert g.number_of_nodes() > 4000
    store.close()
    assert ratio <= RATIO
