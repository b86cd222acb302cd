"""Build and lay out the partner graph for the national-scale demo; print the times."""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.conftest import median_time


def test_partner_graph_national(national_db: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from socmap.graph.build import build_partner_graph
    from socmap.graph.layout import compute_layout, layout_in_process
    from socmap.render.graph import render_image
    from socmap.render.partner_graph import scene_for
    from socmap.services import disruptions, partner_graphs
    from socmap.store.db import open_store

    store = open_store(national_db)
    rows_t = median_time(lambda: partner_graphs.partner_graph_input(store), repeat=3)
    data = partner_graphs.partner_graph_input(store)
    build_t = median_time(lambda: build_partner_graph(data), repeat=3)
    g = build_partner_graph(data)
    nodes, edges = list(g.nodes), list(g.edges)
    layout_t = median_time(lambda: compute_layout(nodes, edges, seed=7), repeat=3)
    start = time.perf_counter()
    pos = layout_in_process(nodes, edges, seed=7)
    process_t = time.perf_counter() - start  # first call includes starting the worker process
    assert pos == compute_layout(nodes, edges, seed=7)  # same seed, same picture
    scene_t = median_time(lambda: scene_for(g, pos), repeat=3)
    scene = scene_for(g, pos)
    draw_t = median_time(lambda: render_image(scene), repeat=3)
    works_t = median_time(lambda: disruptions.what_works(store), repeat=3)
    n_disruptions = sum(r.count + r.pending for r in disruptions.what_works(store))
    print(
        f"\npartner graph, national demo: {g.number_of_nodes():,} nodes, "
        f"{g.number_of_edges():,} edges; rows {rows_t * 1e3:.0f} ms, build {build_t * 1e3:.0f} ms,"
        f" igraph layout {layout_t * 1e3:.0f} ms (in a worker process, first call:"
        f" {process_t * 1e3:.0f} ms), scene {scene_t * 1e3:.0f} ms, draw 1600x1100"
        f" {draw_t * 1e3:.0f} ms; what-works over {n_disruptions:,} disruptions"
        f" {works_t * 1e3:.0f} ms"
    )
    assert sum(1 for _n, k in g.nodes(data="kind") if k == "area") == 5
    assert g.number_of_nodes() > 4000
    store.close()
