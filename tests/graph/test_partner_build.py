"""The partner graph model: kinds, relations, filters and gaps."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from socmap.graph.build import (
    GAP_ISA_EXPIRED,
    GAP_NO_LINK,
    GAP_NO_STRUCTURE,
    PartnerGraphInput,
    build_partner_graph,
    exportable,
)


def _data() -> PartnerGraphInput:
    return PartnerGraphInput(
        areas=[(1, "North"), (2, "South")],
        structures=[
            (1, 1, "North board", "board", "Supt A", "quarterly", dt.date(2026, 9, 1), (10,), False)
        ],
        partners=[
            (10, "North Council", "council_community", "ISA-1", "valid", (1,)),
            (11, "HMRC", "hmrc", "ISA-2", "expired", (1, 2)),
            (12, "Bank", "business", "", "none", (2,)),
        ],
        ocgs=[
            (100, "Alpha", "active", 1, "DI X"),
            (101, "Beta", "active", 2, ""),
            (102, "Gamma", "archived", 2, ""),
        ],
        ocg_areas=[(100, 1), (101, 2), (102, 2)],
        links=[
            (10, 100, "intelligence_source"),
            (11, 100, "enforcement_lever"),
            (10, 100, "action_owner"),
        ],
        partner_lros=[(100, 10)],
    )


def test_every_node_has_kind_and_every_edge_relation() -> None:
    g = build_partner_graph(_data())
    assert all(k for _n, k in g.nodes(data="kind"))
    assert all(r for _a, _b, r in g.edges(data="relation"))
    assert not any("type" in attrs for _a, _b, attrs in g.edges(data=True))
    assert "ocg:102" not in g  # archived groups are not shown by default
    assert g.edges["partner:10", "ocg:100"]["relations"] == "intelligence_source;action_owner"
    assert g.edges["partner:10", "ocg:100"]["lro"] is True


def test_gaps_are_marked() -> None:
    g = build_partner_graph(_data())
    assert g.nodes["area:2"]["gap"] == GAP_NO_STRUCTURE
    assert g.nodes["area:1"]["gap"] == ""
    assert g.nodes["ocg:101"]["gap"] == GAP_NO_LINK
    assert g.nodes["ocg:100"]["gap"] == ""
    assert g.nodes["partner:11"]["gap"] == GAP_ISA_EXPIRED


def test_filters_by_area_and_partner_type() -> None:
    g = build_partner_graph(_data(), area_ids=[2])
    assert {n for n, k in g.nodes(data="kind") if k == "area"} == {"area:2"}
    assert "ocg:100" not in g and "ocg:101" in g
    assert "partner:10" not in g  # serves only the North and is linked only to a North group
    g = build_partner_graph(_data(), partner_types=["hmrc"])
    assert {n for n, k in g.nodes(data="kind") if k == "partner"} == {"partner:11"}


def test_exportable_makes_scalars() -> None:
    g = nx.Graph()
    g.add_node("a", kind="area", when=dt.date(2026, 1, 2), things=[1, 2], nothing=None)
    h = exportable(g)
    assert h.nodes["a"] == {"kind": "area", "when": "2026-01-02", "things": "1;2", "nothing": ""}
