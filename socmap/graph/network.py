"""The member network as networkx graphs: one group and its associates, and links between groups.

Inputs are plain rows (loaded by services from the store); outputs are ``nx.Graph`` objects whose
nodes carry ``kind`` ("member", "associate", "at_risk", "ocg") and whose edges carry ``relation``
(an association kind, "exploited_by", "shared_members" or an OCG link kind). People at risk are
never given kind "member", whatever the rows say.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

ROLE_RANK = {"principal": 0, "significant": 1, "peripheral": 2}
GRADING_FILTERS = ("any", "exclude_false", "reliable_only")


@dataclass(frozen=True)
class NetworkData:
    """Everything the network needs, as plain rows.

    people: id -> (name, area_id, date_of_birth); ocgs: id -> (name, status, lead_area_id);
    memberships: (ocg_id, nominal_id, role, start, end); associations:
    (id, a, b, kind, start, end, scheme, grade, handling); exploitation: (id, victim, exploiter,
    start, end, scheme, grade, handling); ocg_links: (id, a, b, kind, start, end, scheme, grade,
    handling); at_risk: nominal ids of people at risk; area_names: id -> name.
    """

    people: dict[int, tuple[str, int | None, str | None]]
    ocgs: dict[int, tuple[str, str, int | None]]
    memberships: list[tuple[int, int, str, str | None, str | None]]
    associations: list[tuple[Any, ...]]
    exploitation: list[tuple[Any, ...]] = field(default_factory=list)
    ocg_links: list[tuple[Any, ...]] = field(default_factory=list)
    at_risk: frozenset[int] = frozenset()
    area_names: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkFilter:
    """What to show: empty sets mean "everything"."""

    areas: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    relations: frozenset[str] = frozenset()
    grading: str = "any"
    include_at_risk: bool = True


def _active(start: str | None, end: str | None, as_of: dt.date | None) -> bool:
    if as_of is None:
        return True
    day = as_of.isoformat()
    return (start is None or start <= day) and (end is None or end >= day)


def grading_passes(scheme: str | None, grade: str | None, rule: str) -> bool:
    """True when a link graded ``scheme``/``grade`` passes the grading filter ``rule``.

    "exclude_false" drops intelligence suspected to be false and unreliable sources;
    "reliable_only" keeps reliable sources with intelligence known or corroborated.
    """
    if rule == "any":
        return True
    if not grade:
        return rule == "exclude_false"
    g = grade.upper()
    if scheme == "5x5x5":
        src, intel = g[0], g[1:]
        if rule == "exclude_false":
            return src != "D" and intel != "5"
        return src in "AB" and intel in ("1", "2", "3")
    src, intel = g[0], g[1:]
    if rule == "exclude_false":
        return src != "3" and intel != "E"
    return src == "1" and intel in ("A", "B")


def current_roles(
    data: NetworkData, as_of: dt.date | None
) -> tuple[dict[int, dict[int, str]], dict[int, dict[int, str]]]:
    """(ocg -> {person: role}, person -> {ocg: role}) for memberships active on ``as_of``.

    People at risk are left out even if a row says otherwise.
    """
    by_ocg: dict[int, dict[int, str]] = defaultdict(dict)
    by_person: dict[int, dict[int, str]] = defaultdict(dict)
    for ocg_id, pid, role, start, end in data.memberships:
        if pid in data.at_risk or not _active(start, end, as_of):
            continue
        old = by_ocg[ocg_id].get(pid)
        if old is None or ROLE_RANK.get(role, 9) < ROLE_RANK.get(old, 9):
            by_ocg[ocg_id][pid] = role
            by_person[pid][ocg_id] = role
    return by_ocg, by_person


Adjacency = dict[int, dict[int, dict[str, Any]]]


def adjacency(
    data: NetworkData, *, as_of: dt.date | None = None, flt: NetworkFilter | None = None
) -> Adjacency:
    """person -> {neighbour: edge attributes} for links active on ``as_of`` that pass the filter.

    Plain dicts: about 10x cheaper to build than a networkx graph of the whole force, so a
    group's picture only pays for the people it shows.
    """
    flt = flt or NetworkFilter()
    adj: Adjacency = defaultdict(dict)

    def add(a: int, b: int, attrs: dict[str, Any]) -> None:
        have = adj[a].get(b)
        if have is not None:
            have["links"] += 1
            return
        adj[a][b] = attrs
        adj[b][a] = attrs

    for aid, a, b, kind, start, end, scheme, grade, _handling in data.associations:
        if flt.relations and kind not in flt.relations:
            continue
        if not _active(start, end, as_of) or not grading_passes(scheme, grade, flt.grading):
            continue
        add(a, b, {"relation": kind, "link_id": aid, "grade": grade or "", "links": 1})
    if flt.include_at_risk and (not flt.relations or "exploited_by" in flt.relations):
        for eid, victim, exploiter, start, end, scheme, grade, _h in data.exploitation:
            if _active(start, end, as_of) and grading_passes(scheme, grade, flt.grading):
                add(
                    victim,
                    exploiter,
                    {"relation": "exploited_by", "link_id": eid, "grade": grade or "", "links": 1},
                )
    if not flt.include_at_risk:
        for p in data.at_risk:
            for nb in adj.pop(p, {}):
                adj[nb].pop(p, None)
    return adj


def person_graph(
    data: NetworkData, *, as_of: dt.date | None = None, flt: NetworkFilter | None = None
) -> nx.Graph:
    """Everyone and every link active on ``as_of`` that passes the filter (no node attributes)."""
    g = nx.Graph()
    for a, nbrs in adjacency(data, as_of=as_of, flt=flt).items():
        for b, attrs in nbrs.items():
            if a < b:
                g.add_edge(a, b, **attrs)
    return g


def _describe_person(
    g: nx.Graph, pid: int, data: NetworkData, roles: dict[int, dict[int, str]], focus: int | None
) -> None:
    name, area, _dob = data.people.get(pid, (f"person {pid}", None, None))
    their = roles.get(pid, {})
    if pid in data.at_risk:
        kind, role = "at_risk", ""
    elif focus is not None and focus in their:
        kind, role = "member", their[focus]
    elif their:
        kind = "member_other"
        role = min(their.values(), key=lambda r: ROLE_RANK.get(r, 9))
    else:
        kind, role = "associate", ""
    g.add_node(
        pid,
        kind=kind,
        name=name,
        role=role,
        area_id=area if area is not None else -1,
        area=data.area_names.get(area, "") if area is not None else "",
        ocgs=",".join(f"OCG-{o:04d}" for o in sorted(their)),
    )


def ocg_network(
    data: NetworkData,
    ocg_id: int,
    *,
    steps: int = 1,
    as_of: dt.date | None = None,
    flt: NetworkFilter | None = None,
    base: Adjacency | None = None,
) -> nx.Graph:
    """The group's current members and everyone within ``steps`` links of them.

    Nodes carry kind (member / member_other / associate / at_risk), name, role, area, ocgs;
    edges carry relation. The area filter hides non-members outside the areas; the role filter
    hides the group's members in other roles. ``base`` is a prebuilt :func:`adjacency`.
    """
    flt = flt or NetworkFilter()
    by_ocg, by_person = current_roles(data, as_of)
    members = {p for p, r in by_ocg.get(ocg_id, {}).items() if not flt.roles or r in flt.roles}
    adj = base if base is not None else adjacency(data, as_of=as_of, flt=flt)
    keep = set(members)
    frontier = set(members)
    for _ in range(max(0, steps)):
        nxt: set[int] = set()
        for n in frontier:
            nxt.update(adj.get(n, {}))
        nxt -= keep
        if flt.areas:
            nxt = {n for n in nxt if data.people.get(n, ("", None, None))[1] in flt.areas}
        # a member of the group hidden by the role filter is not brought back as an associate
        nxt = {n for n in nxt if ocg_id not in by_person.get(n, {})}
        keep |= nxt
        frontier = nxt
    g = nx.Graph()
    for pid in sorted(keep):
        _describe_person(g, pid, data, by_person, ocg_id)
    for a in keep:
        for b, attrs in adj.get(a, {}).items():
            if a < b and b in keep:
                g.add_edge(a, b, **attrs)
    name, status, _lead = data.ocgs.get(ocg_id, (f"OCG-{ocg_id:04d}", "", None))
    g.graph.update(ocg_id=ocg_id, ocg_name=name, ocg_status=status, steps=steps)
    return g


def member_graph(data: NetworkData, ocg_id: int, *, as_of: dt.date | None = None) -> nx.Graph:
    """Only the group's current members and the links among them (for key players)."""
    return ocg_network(data, ocg_id, steps=0, as_of=as_of)


def group_graph(
    data: NetworkData, *, as_of: dt.date | None = None, flt: NetworkFilter | None = None
) -> nx.Graph:
    """Links between groups across the force: shared members and recorded OCG links.

    Node kind "ocg" (name, status, area); edge relation "shared_members" (weight = people shared)
    or the OCG link kind. Archived groups are left out unless a link names them.
    """
    flt = flt or NetworkFilter()
    by_ocg, by_person = current_roles(data, as_of)
    g = nx.Graph()

    def add(oid: int) -> None:
        name, status, lead = data.ocgs.get(oid, (f"OCG-{oid:04d}", "", None))
        g.add_node(
            oid,
            kind="ocg",
            name=name,
            status=status,
            area_id=lead if lead is not None else -1,
            area=data.area_names.get(lead, "") if lead is not None else "",
            members=len(by_ocg.get(oid, {})),
        )

    for oid, (_n, status, lead) in data.ocgs.items():
        if status != "archived" and (not flt.areas or lead in flt.areas):
            add(oid)
    if not flt.relations or "shared_members" in flt.relations:
        for _pid, theirs in by_person.items():
            oids = sorted(o for o in theirs if o in g)
            for i, a in enumerate(oids):
                for b in oids[i + 1 :]:
                    if g.has_edge(a, b):
                        g[a][b]["weight"] += 1
                    else:
                        g.add_edge(a, b, relation="shared_members", weight=1)
    for lid, a, b, kind, start, end, scheme, grade, _h in data.ocg_links:
        if flt.relations and kind not in flt.relations:
            continue
        if not _active(start, end, as_of) or not grading_passes(scheme, grade, flt.grading):
            continue
        if flt.areas and not (a in g or b in g):
            continue
        for o in (a, b):
            if o not in g:
                add(o)
        g.add_edge(a, b, relation=kind, link_id=lid, weight=1, source=a, target=b)
    return g


@dataclass(frozen=True)
class NetworkDiff:
    """How a group's network changed between two dates."""

    joined: tuple[int, ...]
    left: tuple[int, ...]
    role_changes: tuple[tuple[int, str, str], ...]
    links_appeared: tuple[tuple[int, int, str], ...]
    links_ended: tuple[tuple[int, int, str], ...]


def compare(data: NetworkData, ocg_id: int, first: dt.date, second: dt.date) -> NetworkDiff:
    """Who joined, who left, whose role changed and which links appeared or ended."""
    g1 = member_graph(data, ocg_id, as_of=first)
    g2 = member_graph(data, ocg_id, as_of=second)
    m1 = {n: g1.nodes[n]["role"] for n in g1}
    m2 = {n: g2.nodes[n]["role"] for n in g2}
    e1 = {(min(a, b), max(a, b)): d["relation"] for a, b, d in g1.edges(data=True)}
    e2 = {(min(a, b), max(a, b)): d["relation"] for a, b, d in g2.edges(data=True)}
    return NetworkDiff(
        joined=tuple(sorted(set(m2) - set(m1))),
        left=tuple(sorted(set(m1) - set(m2))),
        role_changes=tuple((n, m1[n], m2[n]) for n in sorted(set(m1) & set(m2)) if m1[n] != m2[n]),
        links_appeared=tuple((a, b, r) for (a, b), r in sorted(e2.items()) if (a, b) not in e1),
        links_ended=tuple((a, b, r) for (a, b), r in sorted(e1.items()) if (a, b) not in e2),
    )


def edge_array(g: nx.Graph) -> tuple[list[Any], list[tuple[int, int]]]:
    """Nodes in a fixed order and edges as index pairs (the exchange format for the engine)."""
    nodes = sorted(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    return nodes, [(index[a], index[b]) for a, b in g.edges()]


def for_export(g: nx.Graph) -> nx.Graph:
    """A copy safe for GraphML: plain attribute values, and never an edge attribute named type."""
    out = nx.Graph()
    out.graph.update({k: v for k, v in g.graph.items() if isinstance(v, str | int | float)})
    for n, d in g.nodes(data=True):
        out.add_node(n, **{k: _plain(v) for k, v in d.items() if k != "type"})
    for a, b, d in g.edges(data=True):
        out.add_edge(a, b, **{k: _plain(v) for k, v in d.items() if k != "type"})
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, Iterable):
        return ",".join(str(x) for x in v)
    return str(v)
