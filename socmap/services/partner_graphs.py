"""Gather the rows for the partner and disruption graphs, build them, lay them out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import Any

import networkx as nx

from socmap.domain.disruptions import TACTICS
from socmap.domain.partners import isa_status, meeting_overdue
from socmap.graph.build import (
    DisruptionGraphInput,
    PartnerGraphInput,
    build_disruption_graph,
    build_partner_graph,
)
from socmap.graph.layout import PositionCache, layout
from socmap.services.disruptions import approved_assessments, resolve_area, score_changes
from socmap.store import disruptions as disruption_rows
from socmap.store import partners as rows
from socmap.store.db import Store

GRAPH_KINDS = ("partners", "disruptions")


def partner_graph_input(store: Store, *, today: dt.date | None = None) -> PartnerGraphInput:
    """The rows behind the partner graph."""
    today = today or dt.date.today()
    return PartnerGraphInput(
        areas=[(int(a), n) for a, n in rows.area_rows(store)],
        structures=[
            (
                s.id,
                s.area_id,
                s.name,
                s.kind,
                s.chair,
                s.cadence,
                s.last_meeting,
                s.member_ids,
                meeting_overdue(s, today),
            )
            for s in rows.list_structures(store)
        ],
        partners=[
            (
                p.id,
                p.name,
                p.partner_type,
                p.isa_reference,
                isa_status(p.isa_expires, p.isa_reference, today),
                p.area_ids,
            )
            for p in rows.list_partners(store)
        ],
        ocgs=[r[:5] for r in rows.ocg_rows(store)],
        ocg_areas=rows.ocg_areas(store),
        links=[(lk.partner_id, lk.ocg_id, lk.relation) for lk in rows.list_links(store)],
        partner_lros=rows.partner_lros(store),
    )


def tab_data(store: Store, today: dt.date | None = None) -> tuple[Any, ...]:
    """What the Partners tab shows: the partner register, each area's partnership structures,
    the information-sharing agreement warnings, the graph's input and the link rows."""
    from socmap.services import partners

    return (
        partners.partner_register(store, today=today),
        partners.area_partnerships(store, today=today),
        partners.isa_warnings(store, today=today),
        partner_graph_input(store, today=today),
        partners.link_rows(store),
    )


def partner_graph(
    store: Store,
    *,
    area: str | int | None = None,
    partner_types: Iterable[str] | None = None,
    today: dt.date | None = None,
    data: PartnerGraphInput | None = None,
) -> nx.Graph:
    """The partner graph (optionally one area's, optionally some partner types only)."""
    data = data or partner_graph_input(store, today=today)
    area_id = resolve_area(store, area)
    return build_partner_graph(
        data,
        area_ids=[area_id] if area_id is not None else None,
        partner_types=list(partner_types) if partner_types is not None else None,
    )


def disruption_graph(
    store: Store, *, area: str | int | None = None, approved_only: bool = False
) -> nx.Graph:
    """The disruption-outcome graph: OCGs, disruptions, tactics, agencies, areas."""
    area_id = resolve_area(store, area)
    ds = [
        d
        for d in disruption_rows.list_disruptions(store, area_id=area_id)
        if d.status != "rejected" and (d.status == "approved" or not approved_only)
    ]
    changes = score_changes(
        ds,
        approved_assessments(store, ocg_ids=sorted({d.ocg_id for d in ds})),
    )
    areas = [(int(a), n) for a, n in rows.area_rows(store) if area_id is None or a == area_id]
    data = DisruptionGraphInput(
        areas=areas,
        ocgs=[(r[0], r[1], r[2], r[3]) for r in rows.ocg_rows(store)],
        disruptions=[
            (
                d.id,
                d.ocg_id,
                d.occurred_on,
                d.strand,
                d.tactic,
                TACTICS[d.tactic][0],
                d.level,
                d.status,
                d.lead_partner_id,
                d.partner_ids,
                changes[d.id].change if d.id in changes else None,
            )
            for d in ds
        ],
        partners=[(p.id or 0, p.name, p.partner_type) for p in rows.list_partners(store)],
    )
    return build_disruption_graph(data)


def disruption_layout(
    store: Store, area: str | int | None = None
) -> tuple[nx.Graph, dict[Hashable, tuple[float, float]]]:
    """The Disruptions tab's outcome graph and its layout; igraph lays out a large one (in
    another process when this is not an engine worker)."""
    from socmap.graph.layout import IGRAPH_THRESHOLD, layout_in_process

    g = disruption_graph(store, area=area)
    if g.number_of_nodes() > IGRAPH_THRESHOLD:
        return g, layout_in_process(list(g.nodes), list(g.edges), seed=7)
    return g, positions(g)


def partner_layout(
    store: Store,
    today: dt.date | None = None,
    area_id: int | None = None,
    partner_type: str | None = None,
    cache: PositionCache | None = None,
) -> tuple[nx.Graph, dict[Hashable, tuple[float, float]], PositionCache]:
    """The Partners tab's graph (optionally one area's, one partner type's), laid out keeping
    the nodes in ``cache`` where they were; returns the cache with the new positions in it. A
    large graph with mostly new nodes is laid out afresh by igraph (in another process when
    this is not an engine worker)."""
    from socmap.graph.layout import IGRAPH_THRESHOLD, layout_in_process

    cache = cache if cache is not None else PositionCache()
    g = build_partner_graph(
        partner_graph_input(store, today=today),
        area_ids=[area_id] if area_id is not None else None,
        partner_types=[partner_type] if partner_type else None,
    )
    known = sum(1 for n in g.nodes if cache.get(n) is not None)
    if g.number_of_nodes() > IGRAPH_THRESHOLD and known < g.number_of_nodes() // 2:
        pos = layout_in_process(list(g.nodes), list(g.edges), seed=7)
        cache.update(pos)
    else:
        pos = positions(g, cache=cache)
    return g, pos, cache


def graph_for(store: Store, kind: str, *, area: str | None = None) -> nx.Graph:
    """The graph of ``kind`` (partners or disruptions)."""
    if kind == "partners":
        return partner_graph(store, area=area)
    if kind == "disruptions":
        return disruption_graph(store, area=area)
    raise ValueError(f"unknown graph kind {kind!r}")


def positions(
    g: nx.Graph, *, seed: int = 7, cache: PositionCache | None = None
) -> dict[Hashable, tuple[float, float]]:
    """Seeded positions for ``g``'s nodes (keeping cached ones in place)."""
    # strong pulls keep OCGs and structures by their area; weak "serves" edges stop force-wide
    # agencies from dragging every area into one knot
    strength = {
        "lead_area": 3.0,
        "soc_partnership": 3.0,
        "serves": 0.3,
        "member": 0.5,
        "operates_in": 0.3,
    }
    weights = [strength.get(attrs.get("relation", ""), 1.0) for _a, _b, attrs in g.edges(data=True)]
    return layout(
        list(g.nodes), [(a, b) for a, b in g.edges], seed=seed, cache=cache, weights=weights
    )
