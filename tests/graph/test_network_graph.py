"""The network model, key players, what-ifs and the igraph engine (no database)."""

from __future__ import annotations

import datetime as dt
import re

import networkx as nx
import pytest

from socmap.graph import engine
from socmap.graph import metrics as gm
from socmap.graph import network as gn


def _data() -> gn.NetworkData:
    """Principal 1 and significant 2 (the leadership); 2 handles street members 3, 4, 5;
    6 is an associate of 5 outside the group; 7 is at risk, exploited by 4."""
    people = {i: (f"P{i}", 1 if i != 6 else 2, None) for i in range(1, 8)}
    memberships = [
        (10, 1, "principal", "2024-01-01", None),
        (10, 2, "significant", "2024-01-01", None),
        (10, 3, "peripheral", "2024-01-01", None),
        (10, 4, "peripheral", "2024-01-01", None),
        (10, 5, "peripheral", "2025-06-01", None),
        (10, 8, "peripheral", "2024-01-01", "2025-01-01"),
        (10, 7, "peripheral", "2024-01-01", None),  # bad row: 7 is at risk; must be ignored
    ]
    associations = [
        (1, 1, 2, "family", "2023-01-01", None, "3x5x2", "1B", "P"),
        (2, 2, 3, "communications", "2024-02-01", None, "3x5x2", "2C", "P"),
        (3, 2, 4, "communications", "2024-02-01", None, "3x5x2", "1A", "P"),
        (4, 3, 4, "co-offender", "2024-03-01", None, "3x5x2", "3E", "P"),
        (5, 2, 5, "communications", "2025-07-01", None, "3x5x2", "1B", "P"),
        (6, 5, 6, "associate", "2025-07-01", None, "3x5x2", "1B", "P"),
        (7, 1, 8, "associate", "2024-01-01", "2024-12-01", "3x5x2", "1B", "P"),
    ]
    exploitation = [(1, 7, 4, "2025-01-01", None, "3x5x2", "1B", "P")]
    people[8] = ("P8", 1, None)
    return gn.NetworkData(
        people=people,
        ocgs={10: ("Test crew", "active", 1), 11: ("Suppliers", "active", 2)},
        memberships=memberships,
        associations=associations,
        exploitation=exploitation,
        ocg_links=[(1, 11, 10, "supplier", "2024-01-01", None, "3x5x2", "2B", "P")],
        at_risk=frozenset({7}),
        area_names={1: "North", 2: "South"},
    )


TODAY = dt.date(2026, 1, 1)


def test_ocg_network_kinds_and_steps() -> None:
    data = _data()
    g0 = gn.ocg_network(data, 10, steps=0, as_of=TODAY)
    assert set(g0) == {1, 2, 3, 4, 5}  # 8 left, 7 is at risk: neither is a member
    g1 = gn.ocg_network(data, 10, steps=1, as_of=TODAY)
    assert g1.nodes[6]["kind"] == "associate"
    assert g1.nodes[7]["kind"] == "at_risk" and g1.nodes[7]["role"] == ""
    assert g1[7][4]["relation"] == "exploited_by"
    assert all(d["kind"] != "member" for n, d in g1.nodes(data=True) if n in data.at_risk)
    # filters: area (non-members), relation, grading, role
    assert 6 not in gn.ocg_network(
        data, 10, steps=1, as_of=TODAY, flt=gn.NetworkFilter(areas=frozenset({1}))
    )
    g = gn.ocg_network(
        data, 10, steps=0, as_of=TODAY, flt=gn.NetworkFilter(grading="exclude_false")
    )
    assert not g.has_edge(3, 4)
    g = gn.ocg_network(
        data, 10, steps=0, as_of=TODAY, flt=gn.NetworkFilter(relations=frozenset({"family"}))
    )
    assert list(g.edges) == [(1, 2)]
    g = gn.ocg_network(
        data, 10, steps=0, as_of=TODAY, flt=gn.NetworkFilter(roles=frozenset({"peripheral"}))
    )
    assert set(g) == {3, 4, 5}


def test_grading_rules() -> None:
    assert gn.grading_passes("3x5x2", "1A", "reliable_only")
    assert not gn.grading_passes("3x5x2", "2A", "reliable_only")
    assert not gn.grading_passes("3x5x2", "1E", "exclude_false")
    assert gn.grading_passes("5x5x5", "B2", "reliable_only")
    assert not gn.grading_passes("5x5x5", "A5", "exclude_false")


def test_key_players_explain_the_split() -> None:
    g = gn.member_graph(_data(), 10, as_of=TODAY)
    players = gm.key_players(g)
    top = players[0]
    assert top.person_id == 2 and top.articulation
    assert "only link between the principal/significant members and 3 peripheral" in top.explanation
    said = int(re.search(r"into (\d+)", top.explanation).group(1))  # type: ignore[union-attr]
    result = gm.what_if(g, remove_people=[top.person_id])
    assert result.parts_after == said == 3  # {1}, {3, 4}, {5}
    assert result.parts_before == 1
    assert {frozenset({3, 4}), frozenset({1}), frozenset({5})} == set(result.after)
    assert top.degree == 4 and top.betweenness > 0.5
    assert players[-1].betweenness == 0
    # removing a link
    link = gm.what_if(g, remove_links=[(2, 5)])
    assert link.parts_after == 2 and "link" in link.sentence


def test_compare_two_dates() -> None:
    diff = gn.compare(_data(), 10, dt.date(2024, 6, 1), TODAY)
    assert diff.joined == (5,)
    assert diff.left == (8,)
    assert (2, 5, "communications") in diff.links_appeared
    assert (1, 8, "associate") in diff.links_ended


def test_group_graph_and_export_attributes() -> None:
    data = _data()
    g = gn.group_graph(data, as_of=TODAY)
    assert g[11][10]["relation"] == "supplier"
    ex = gn.for_export(gn.ocg_network(data, 10, steps=1, as_of=TODAY))
    for _a, _b, d in ex.edges(data=True):
        assert "type" not in d and "relation" in d
    assert all("kind" in d for _n, d in ex.nodes(data=True))


def _random_graph(n: int = 400, m: int = 1600) -> nx.Graph:
    return nx.gnm_random_graph(n, m, seed=3)


def test_engine_matches_networkx() -> None:
    g = _random_graph()
    nodes, edges = gn.edge_array(g)
    exact = engine.betweenness(len(nodes), edges)
    ref = nx.betweenness_centrality(g, normalized=False)
    assert max(abs(exact[i] - ref[n]) for i, n in enumerate(nodes)) < 1e-6
    src = engine.sample_sources(len(nodes), 50)
    one = engine.betweenness(len(nodes), edges, sources=src)
    batched = engine.betweenness(len(nodes), edges, sources=src, batches=5)
    assert max(abs(a - b) for a, b in zip(one, batched, strict=True)) < 1e-6
    labels = engine.communities(len(nodes), edges)
    assert len(labels) == len(nodes) and len(set(labels)) > 1
    assert labels == engine.communities(len(nodes), edges)  # seeded


class _Cancel:
    def __init__(self) -> None:
        self.cancelled = False
        self.seen: list[tuple[int, int]] = []

    def advance(self, done: int, total: int) -> None:
        self.seen.append((done, total))
        self.cancelled = True  # cancel after the first batch

    def status(self, text: str) -> None:
        pass


def test_engine_subprocess_progress_and_cancel() -> None:
    g = _random_graph(3000, 15000)
    nodes, edges = gn.edge_array(g)
    with engine.EngineProcess() as eng:
        labels = eng.run("communities", len(nodes), edges)
        assert labels == engine.communities(len(nodes), edges)
        prog = _Cancel()
        with pytest.raises(engine.EngineCancelled):
            eng.run(
                "betweenness",
                len(nodes),
                edges,
                sources=list(range(3000)),
                batches=200,
                progress=prog,
            )
        assert prog.seen  # progress came back from the worker before the cancel
        # a fresh worker serves the next job
        assert eng.run("components", len(nodes), edges) == engine.components(len(nodes), edges)


def test_scene_styles_follow_the_legend() -> None:
    from socmap.render.network_scene import RELATION_STYLE, network_scene

    g = gn.ocg_network(_data(), 10, steps=1, as_of=TODAY)
    pos = {n: (float(n), float(n)) for n in g}
    scene = network_scene(g, pos, highlight=[2])
    legend = {e.label: e.colour for e in scene.legend}
    for edge in scene.edges:
        assert edge.colour == RELATION_STYLE[edge.relation][0]
    assert legend["Associate link"] == RELATION_STYLE["associate"][0]
    kinds = {n.id: n.kind for n in scene.nodes}
    assert kinds["7"] == "at_risk"
    assert next(n for n in scene.nodes if n.id == "7").shape == "diamond"
    assert next(n for n in scene.nodes if n.id == "2").highlighted


def test_big_layouts_run_in_the_engine_process() -> None:
    from socmap.graph.layout import PositionCache
    from socmap.services import network as sn

    g = _random_graph(400, 900)
    cache = PositionCache()
    pos = sn.positions(g, cache=cache, separate_process=True)
    assert set(pos) == set(g) and len(cache.positions) == 400
    again = sn.positions(g, cache=cache, separate_process=True)
    assert again == pos  # stable: nothing moves on a redraw
    xs = [p[0] for p in pos.values()]
    assert max(xs) - min(xs) <= 1000.0 + 1e-6
