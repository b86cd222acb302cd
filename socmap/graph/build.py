"""networkx models of the partner landscape and of disruption outcomes.

Every node has a ``kind`` attribute (``area``, ``structure``, ``partner``, ``ocg``,
``disruption``, ``tactic``) and a ``label``; every edge a ``relation``. No edge attribute is
called ``type`` (GEXF reserves it). Node ids are strings ``"<kind>:<id>"``. Gaps are marked with
a non-empty ``gap`` attribute saying what is missing.

The inputs are plain rows gathered by the services layer (this module never reads the store).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from socmap.domain.partners import LINK_RELATIONS, PARTNER_TYPE_SHORT


def node_id(kind: str, ident: int | str) -> str:
    """The graph's id for a record: ``"ocg:12"``."""
    return f"{kind}:{ident}"


def parse_node_id(nid: str) -> tuple[str, str]:
    """(kind, id) of a graph node id."""
    kind, _, ident = nid.partition(":")
    return kind, ident


@dataclass
class PartnerGraphInput:
    """Rows the partner graph is built from."""

    #: (id, name)
    areas: list[tuple[int, str]] = field(default_factory=list)
    #: (id, area_id, name, kind, chair, cadence, last_meeting, member partner ids, overdue)
    structures: list[tuple[Any, ...]] = field(default_factory=list)
    #: (id, name, partner_type, isa_reference, isa_status, area ids)
    partners: list[tuple[Any, ...]] = field(default_factory=list)
    #: (id, name, status, lead_area_id, lro text)
    ocgs: list[tuple[Any, ...]] = field(default_factory=list)
    #: (ocg_id, area_id) areas each OCG operates in (lead area included)
    ocg_areas: list[tuple[int, int]] = field(default_factory=list)
    #: (partner_id, ocg_id, relation)
    links: list[tuple[int, int, str]] = field(default_factory=list)
    #: (ocg_id, partner_id) partner LROs
    partner_lros: list[tuple[int, int]] = field(default_factory=list)


GAP_NO_LINK = "active OCG with no partner link"
GAP_NO_STRUCTURE = "no SOC partnership structure"
GAP_ISA_EXPIRED = "information-sharing agreement expired"


def build_partner_graph(
    data: PartnerGraphInput,
    *,
    area_ids: Iterable[int] | None = None,
    partner_types: Iterable[str] | None = None,
    ocg_statuses: Iterable[str] = ("active",),
) -> nx.Graph:
    """Areas, their SOC partnership structures, partners and OCGs, with typed edges and gaps.

    Args:
        area_ids: keep only these areas, the OCGs operating in them and the partners serving
            them or linked to those OCGs (None: all).
        partner_types: keep only partners of these types (None: all).
        ocg_statuses: OCG statuses to show (default: active groups only).
    """
    g = nx.Graph(name="partners")
    areas_keep = set(area_ids) if area_ids is not None else {a for a, _n in data.areas}
    types_keep = set(partner_types) if partner_types is not None else None
    statuses = set(ocg_statuses)
    linked_ocgs = {o for _p, o, _r in data.links}
    structured_areas = {s[1] for s in data.structures}

    ocg_in: dict[int, set[int]] = {}
    for o, a in data.ocg_areas:
        ocg_in.setdefault(o, set()).add(a)
    shown_ocgs: dict[int, tuple[Any, ...]] = {}
    for row in data.ocgs:
        oid, _name, status, lead, _lro = row
        if status not in statuses:
            continue
        if lead not in areas_keep and not (ocg_in.get(oid, set()) & areas_keep):
            continue
        shown_ocgs[oid] = row

    for aid, name in data.areas:
        if aid not in areas_keep:
            continue
        gap = "" if aid in structured_areas else GAP_NO_STRUCTURE
        g.add_node(node_id("area", aid), kind="area", label=name, record_id=aid, gap=gap)
    for sid, aid, name, kind, chair, cadence, last, _members, overdue in data.structures:
        if aid not in areas_keep:
            continue
        n = node_id("structure", sid)
        g.add_node(
            n,
            kind="structure",
            label=name,
            record_id=sid,
            structure_kind=kind,
            chair=chair,
            cadence=cadence,
            last_meeting=last.isoformat() if isinstance(last, dt.date) else (last or ""),
            meeting_overdue=bool(overdue),
            gap="",
        )
        g.add_edge(n, node_id("area", aid), relation="soc_partnership")

    shown_partners: set[int] = set()
    links_by_partner: dict[int, list[tuple[int, str]]] = {}
    for p, o, r in data.links:
        links_by_partner.setdefault(p, []).append((o, r))
    for pid, name, ptype, isa_ref, isa_stat, p_areas in data.partners:
        if types_keep is not None and ptype not in types_keep:
            continue
        serves = set(p_areas) & areas_keep
        linked = {o for o, _r in links_by_partner.get(pid, []) if o in shown_ocgs}
        if not serves and not linked:
            continue
        shown_partners.add(pid)
        g.add_node(
            node_id("partner", pid),
            kind="partner",
            label=name,
            record_id=pid,
            partner_type=ptype,
            partner_type_label=PARTNER_TYPE_SHORT.get(ptype, ptype),
            isa_reference=isa_ref,
            isa_status=isa_stat,
            gap=GAP_ISA_EXPIRED if isa_stat == "expired" else "",
        )
        for a in sorted(serves):
            g.add_edge(node_id("partner", pid), node_id("area", a), relation="serves")
    for sid, aid, _name, *_rest in data.structures:
        members = _rest[4]
        if aid not in areas_keep:
            continue
        for m in members:
            if m in shown_partners:
                g.add_edge(node_id("partner", m), node_id("structure", sid), relation="member")

    for oid, (_, name, status, lead, lro) in shown_ocgs.items():
        n = node_id("ocg", oid)
        gap = GAP_NO_LINK if status == "active" and oid not in linked_ocgs else ""
        g.add_node(
            n,
            kind="ocg",
            label=f"OCG-{oid:04d} {name}",
            record_id=oid,
            status=status,
            lro=lro or "",
            lead_area_id=lead if lead is not None else -1,
            gap=gap,
        )
        if lead in areas_keep:
            g.add_edge(n, node_id("area", lead), relation="lead_area")
        for a in sorted(ocg_in.get(oid, set()) & areas_keep - {lead}):
            g.add_edge(n, node_id("area", a), relation="operates_in")
    order = list(LINK_RELATIONS)
    for p, o, r in data.links:
        if p not in shown_partners or o not in shown_ocgs:
            continue
        a, b = node_id("partner", p), node_id("ocg", o)
        if g.has_edge(a, b):
            rels = sorted({*g.edges[a, b]["relations"].split(";"), r}, key=order.index)
            g.edges[a, b]["relations"] = ";".join(rels)
            g.edges[a, b]["relation"] = rels[0]
        else:
            g.add_edge(a, b, relation=r, relations=r)
    for o, p in data.partner_lros:
        if p in shown_partners and o in shown_ocgs:
            g.nodes[node_id("ocg", o)]["lro_partner"] = node_id("partner", p)
            a, b = node_id("partner", p), node_id("ocg", o)
            if g.has_edge(a, b):
                g.edges[a, b]["lro"] = True
            else:
                g.add_edge(a, b, relation="lro", relations="lro", lro=True)
    return g


@dataclass
class DisruptionGraphInput:
    """Rows the disruption-outcome graph is built from."""

    areas: list[tuple[int, str]] = field(default_factory=list)
    #: (id, name, status, lead_area_id)
    ocgs: list[tuple[Any, ...]] = field(default_factory=list)
    #: (id, ocg_id, occurred_on, strand, tactic, tactic_label, level, status, lead_partner_id,
    #:  partner ids, score change or None)
    disruptions: list[tuple[Any, ...]] = field(default_factory=list)
    #: (id, name, partner_type)
    partners: list[tuple[int, str, str]] = field(default_factory=list)


def build_disruption_graph(data: DisruptionGraphInput) -> nx.Graph:
    """OCGs, their disruptions, the tactics used and the agencies involved, by area.

    Disruption nodes carry ``level``, ``strand``, ``occurred_on``, ``status`` and
    ``score_change`` (a share of the scheme's maximum; absent when unscored).
    """
    g = nx.Graph(name="disruptions")
    areas = dict(data.areas)
    ocgs = {r[0]: r for r in data.ocgs}
    partners = {p[0]: p for p in data.partners}
    for aid, name in data.areas:
        g.add_node(node_id("area", aid), kind="area", label=name, record_id=aid, gap="")
    for (
        did,
        oid,
        on,
        strand,
        tactic,
        tactic_label,
        level,
        status,
        lead_p,
        p_ids,
        change,
    ) in data.disruptions:
        if oid not in ocgs:
            continue
        o = node_id("ocg", oid)
        if o not in g:
            _i, name, ostatus, lead = ocgs[oid][:4]
            g.add_node(
                o,
                kind="ocg",
                label=f"OCG-{oid:04d} {name}",
                record_id=oid,
                status=ostatus,
                gap="",
            )
            if lead in areas:
                g.add_edge(o, node_id("area", lead), relation="lead_area")
        d = node_id("disruption", did)
        attrs: dict[str, Any] = {
            "kind": "disruption",
            "label": f"{tactic_label} ({level})",
            "record_id": did,
            "occurred_on": on.isoformat() if isinstance(on, dt.date) else str(on),
            "strand": strand,
            "tactic": tactic,
            "level": level,
            "status": status,
            "gap": "",
        }
        if change is not None:
            attrs["score_change"] = float(change)
        g.add_node(d, **attrs)
        g.add_edge(d, o, relation="disrupted")
        t = node_id("tactic", tactic)
        if t not in g:
            g.add_node(t, kind="tactic", label=tactic_label, record_id=tactic, gap="")
        g.add_edge(d, t, relation="used_tactic")
        for p in {lead_p, *p_ids} - {None}:
            if p not in partners:
                continue
            pn = node_id("partner", p)
            if pn not in g:
                g.add_node(
                    pn,
                    kind="partner",
                    label=partners[p][1],
                    record_id=p,
                    partner_type=partners[p][2],
                    gap="",
                )
            g.add_edge(d, pn, relation="led_by" if p == lead_p else "involved")
    return g


def exportable(g: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all str/int/float/bool (GraphML and GEXF need scalars).

    None becomes "", dates become ISO strings, lists and sets are joined with ";".
    """

    def conv(v: Any) -> str | int | float | bool:
        if v is None:
            return ""
        if isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, list | tuple | set | frozenset):
            return ";".join(str(x) for x in (sorted(v) if isinstance(v, set | frozenset) else v))
        return str(v)

    def mixed(items: list[dict[str, Any]]) -> set[str]:
        # GEXF declares one type per attribute: a key whose values differ in type becomes text
        types: dict[str, set[type]] = {}
        for attrs in items:
            for k, v in attrs.items():
                types.setdefault(k, set()).add(type(conv(v)))
        return {k for k, ts in types.items() if len(ts) > 1}

    node_attrs = [dict(a) for _n, a in g.nodes(data=True)]
    edge_attrs = [dict(a) for _a, _b, a in g.edges(data=True)]
    node_text, edge_text = mixed(node_attrs), mixed(edge_attrs)
    h = g.__class__()
    h.graph.update({k: conv(v) for k, v in g.graph.items()})
    for n, attrs in g.nodes(data=True):
        h.add_node(n, **{k: str(conv(v)) if k in node_text else conv(v) for k, v in attrs.items()})
    for a, b, attrs in g.edges(data=True):
        h.add_edge(
            a, b, **{k: str(conv(v)) if k in edge_text else conv(v) for k, v in attrs.items()}
        )
    return h


def gap_summary(g: nx.Graph) -> dict[str, int]:
    """How many nodes carry each kind of gap."""
    out: dict[str, int] = {}
    for _n, gap in g.nodes(data="gap"):
        if gap:
            out[gap] = out.get(gap, 0) + 1
    return out
