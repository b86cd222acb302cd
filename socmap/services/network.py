"""Read models for the member network: a group's network, key players, what-ifs, comparisons,
links between groups and emerging groups (candidates for the trigger queue).

People at risk are never members here: :mod:`socmap.graph.network` gives them kind "at_risk"
and key players are computed on members only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from socmap.domain.changes import Changes
from socmap.domain.errors import Cancelled, NotFoundError, ValidationError
from socmap.domain.groups import Ocg
from socmap.domain.ids import format_ocg_ref
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.domain.vocab import Status
from socmap.graph import engine
from socmap.graph import metrics as gm
from socmap.graph import network as gn
from socmap.graph.layout import IGRAPH_THRESHOLD, PositionCache, layout
from socmap.services.auth import require
from socmap.services.handling import export_marking
from socmap.services.output import check_target, format_for, write_file
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import audit
from socmap.store import network as net
from socmap.store.db import Store, unit_of_work


def _name(surname: str, forenames: str) -> str:
    return f"{surname.upper()}, {forenames}" if forenames else surname.upper()


def load(store: Store) -> gn.NetworkData:
    """Everything the network views need, in one pass (0.3-0.5 s at national scale)."""
    people = {int(i): (_name(s, f), a, dob) for i, s, f, dob, a in net.nominal_rows(store)}
    ocgs = {int(i): (n, st, lead) for i, n, st, lead in net.ocg_rows(store)}
    return gn.NetworkData(
        people=people,
        ocgs=ocgs,
        memberships=[tuple(r) for r in net.membership_rows(store)],  # type: ignore[misc]
        associations=[tuple(r) for r in net.association_rows(store)],
        exploitation=[
            (
                e.id,
                e.at_risk_nominal_id,
                e.exploiter_nominal_id,
                _iso(e.start),
                _iso(e.end),
                e.grading_scheme,
                e.grade,
                e.handling,
            )
            for e in net.exploitations(store)
        ],
        ocg_links=[
            (
                x.id,
                x.ocg_a,
                x.ocg_b,
                x.kind,
                _iso(x.start),
                _iso(x.end),
                x.grading_scheme,
                x.grade,
                x.handling,
            )
            for x in net.ocg_links(store)
        ],
        at_risk=frozenset(net.at_risk_ids(store)),
        area_names=net.area_names(store),
    )


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _check_ocg(data: gn.NetworkData, ocg_id: int) -> None:
    if ocg_id not in data.ocgs:
        raise NotFoundError(f"there is no group {format_ocg_ref(ocg_id)}")


def ocg_network(
    store: Store,
    ocg_id: int,
    *,
    steps: int = 1,
    as_of: dt.date | None = None,
    flt: gn.NetworkFilter | None = None,
    data: gn.NetworkData | None = None,
    base: gn.Adjacency | None = None,
) -> nx.Graph:
    """One group's members and their associates ``steps`` links out (see graph.network);
    ``base`` is the force's links already built for the same date and filter."""
    data = data or load(store)
    _check_ocg(data, ocg_id)
    if steps < 0 or steps > 4:
        raise ValidationError("steps", "choose between 0 and 4 steps out")
    return gn.ocg_network(
        data, ocg_id, steps=steps, as_of=as_of or dt.date.today(), flt=flt, base=base
    )


def key_players(
    store: Store,
    ocg_id: int,
    *,
    as_of: dt.date | None = None,
    data: gn.NetworkData | None = None,
) -> list[gm.KeyPlayer]:
    """The group's current members ranked by how much its network depends on them."""
    data = data or load(store)
    _check_ocg(data, ocg_id)
    g = gn.member_graph(data, ocg_id, as_of=as_of or dt.date.today())
    return gm.key_players(g)


def key_players_json(players: list[gm.KeyPlayer]) -> list[dict[str, Any]]:
    """Key players as JSON-ready objects, ranked."""
    return [
        {
            "rank": i,
            "person_id": k.person_id,
            "name": k.name,
            "role": k.role,
            "degree": k.degree,
            "betweenness": k.betweenness,
            "eigenvector": k.eigenvector,
            "articulation": k.articulation,
            "parts_before": k.parts_before,
            "parts_after": k.parts_after,
            "explanation": k.explanation,
        }
        for i, k in enumerate(players, start=1)
    ]


def what_if(
    store: Store,
    ocg_id: int,
    *,
    remove_people: tuple[int, ...] = (),
    remove_links: tuple[tuple[int, int], ...] = (),
    as_of: dt.date | None = None,
    data: gn.NetworkData | None = None,
) -> tuple[nx.Graph, gm.WhatIf]:
    """The group's member network and what removing people or links would do to it."""
    data = data or load(store)
    _check_ocg(data, ocg_id)
    g = gn.member_graph(data, ocg_id, as_of=as_of or dt.date.today())
    missing = [p for p in remove_people if p not in g]
    if missing:
        raise ValidationError(
            "remove", f"person {missing[0]} is not a current member of OCG-{ocg_id:04d}"
        )
    return g, gm.what_if(g, remove_people=remove_people, remove_links=remove_links)


@dataclass(frozen=True)
class Comparison:
    """A group's network at two dates, with names."""

    first: dt.date
    second: dt.date
    diff: gn.NetworkDiff
    names: dict[int, str]

    def sentences(self) -> list[str]:
        """The changes in plain words."""
        n = self.names
        out = []
        if self.diff.joined:
            out.append("Joined: " + ", ".join(n.get(p, str(p)) for p in self.diff.joined))
        if self.diff.left:
            out.append("Left: " + ", ".join(n.get(p, str(p)) for p in self.diff.left))
        for p, old, new in self.diff.role_changes:
            out.append(f"{n.get(p, str(p))}: {old} -> {new}")
        for a, b, r in self.diff.links_appeared:
            out.append(f"New {r} link: {n.get(a, str(a))} - {n.get(b, str(b))}")
        for a, b, r in self.diff.links_ended:
            out.append(f"Ended {r} link: {n.get(a, str(a))} - {n.get(b, str(b))}")
        return out or [f"No change between {self.first} and {self.second}."]


def compare(store: Store, ocg_id: int, first: dt.date, second: dt.date) -> Comparison:
    """Who joined, who left and which links appeared between two assessment dates."""
    if second < first:
        raise ValidationError("second", f"{second} is before {first}")
    data = load(store)
    _check_ocg(data, ocg_id)
    diff = gn.compare(data, ocg_id, first, second)
    return Comparison(first, second, diff, {p: v[0] for p, v in data.people.items()})


def group_links(
    store: Store, *, as_of: dt.date | None = None, flt: gn.NetworkFilter | None = None
) -> nx.Graph:
    """Links between groups across the force (shared members and recorded OCG links)."""
    return gn.group_graph(load(store), as_of=as_of or dt.date.today(), flt=flt)


# ------------------------------------------------------------------------------ emerging groups


@dataclass(frozen=True)
class Candidate:
    """A community in the wider network that no live mapped group accounts for."""

    key: str
    people: tuple[int, ...]
    names: tuple[str, ...]
    links: int
    link_kinds: dict[str, int]
    mapped_groups: dict[int, int]
    archived_groups: dict[int, int]
    at_risk_linked: tuple[int, ...]
    area_id: int | None
    area: str
    intel: int
    evidence: str


def candidates(
    store: Store,
    *,
    min_size: int = 4,
    as_of: dt.date | None = None,
    method: str = "leiden",
    in_process: bool = True,
    progress: Progress | None = None,
) -> list[Candidate]:
    """Communities (Louvain/Leiden via the engine) not yet mapped as live groups, with evidence.

    Within each community, the people who are not current members of an active, draft or
    trigger group and who are linked to each other (at least ``min_size`` people, with at least
    as many links as people) form a candidate.
    People at risk are listed as linked, never as candidate members.
    """
    progress = progress or NullProgress()
    as_of = as_of or dt.date.today()
    progress.status("Loading the network")
    data = load(store)
    g = gn.person_graph(data, as_of=as_of, flt=gn.NetworkFilter(include_at_risk=False))
    check_cancelled(progress)
    progress.status("Finding communities")
    nodes, edges = gn.edge_array(g)
    try:
        labels = engine.run_job(
            "communities",
            len(nodes),
            edges,
            method=method,
            in_process=in_process,
            progress=progress,
        )
    except engine.EngineCancelled:
        raise Cancelled("cancelled; nothing was changed") from None
    check_cancelled(progress)
    _by_ocg, by_person = gn.current_roles(data, as_of)
    live = {o for o, (_n, st, _l) in data.ocgs.items() if st != "archived"}
    groups: dict[int, list[int]] = {}
    for node, label in zip(nodes, labels, strict=True):
        groups.setdefault(label, []).append(node)
    intel = net.intel_counts_by_ocg(store)
    ever: dict[int, set[int]] = {}
    for o, p, _r, _s, _e in data.memberships:
        ever.setdefault(p, set()).add(o)
    victims_of: dict[int, set[int]] = {}
    for _eid, victim, exploiter, *_rest in data.exploitation:
        victims_of.setdefault(exploiter, set()).add(victim)
    out = []

    def is_live(p: int) -> bool:
        return any(o in live for o in by_person.get(p, {}))

    clusters: list[list[int]] = []
    for community in groups.values():
        unmapped = [p for p in community if not is_live(p)]
        if len(unmapped) < min_size:
            continue
        for comp in nx.connected_components(g.subgraph(unmapped)):
            # a chain is not a group: ask for at least as many links as people
            if len(comp) >= min_size and g.subgraph(comp).number_of_edges() >= len(comp):
                clusters.append(sorted(comp))
    for people in clusters:
        # live members tied to the cluster: evidence of which mapped groups it touches
        touching = {nb for p in people for nb in g.neighbors(p) if is_live(nb)}
        mapped = Counter(o for p in touching for o in by_person.get(p, {}) if o in live)
        in_live = len(touching)
        archived = Counter(o for p in people for o in ever.get(p, ()) if o not in live)
        sub = g.subgraph(people)
        kinds = Counter(d["relation"] for _a, _b, d in sub.edges(data=True))
        areas = Counter(data.people[p][1] for p in people if data.people[p][1] is not None)
        area_id = areas.most_common(1)[0][0] if areas else None
        linked_at_risk = sorted({v for p in people for v in victims_of.get(p, set())})
        n_intel = sum(intel.get(o, 0) for o in set(mapped) | set(archived))
        ppl = tuple(sorted(people))
        names = tuple(data.people[p][0] for p in ppl)
        evidence = (
            f"{plural(len(ppl), 'person')} joined by {plural(sub.number_of_edges(), 'recorded link')} ("
            + ", ".join(f"{v} {k}" for k, v in kinds.most_common())
            + f"); none in a live mapped group; linked to {plural(in_live, 'member')} of live groups"
            + (
                " (" + ", ".join(f"OCG-{o:04d}" for o, _ in mapped.most_common(3)) + ")"
                if mapped
                else ""
            )
            + (
                "; formerly in " + ", ".join(f"OCG-{o:04d}" for o, _ in archived.most_common(3))
                if archived
                else ""
            )
            + (
                f"; {plural(len(linked_at_risk), 'person')} at risk linked to them"
                if linked_at_risk
                else ""
            )
            + f"; {plural(n_intel, 'intelligence report')} on the groups they are linked to."
        )
        out.append(
            Candidate(
                key=f"C{ppl[0]}",
                people=ppl,
                names=names,
                links=sub.number_of_edges(),
                link_kinds=dict(kinds),
                mapped_groups=dict(mapped),
                archived_groups=dict(archived),
                at_risk_linked=tuple(linked_at_risk),
                area_id=area_id,
                area=data.area_names.get(area_id, "") if area_id is not None else "",
                intel=n_intel,
                evidence=evidence,
            )
        )
    out.sort(key=lambda c: (-c.links, -len(c.people), c.key))
    return out


def candidate_json(c: Candidate) -> dict[str, Any]:
    """A candidate as a JSON-ready object."""
    return {
        "key": c.key,
        "people": [{"person_id": p, "name": n} for p, n in zip(c.people, c.names, strict=True)],
        "links": c.links,
        "link_kinds": c.link_kinds,
        "mapped_groups": {f"OCG-{o:04d}": n for o, n in c.mapped_groups.items()},
        "archived_groups": {f"OCG-{o:04d}": n for o, n in c.archived_groups.items()},
        "at_risk_linked": len(c.at_risk_linked),
        "area": c.area,
        "intel": c.intel,
        "evidence": c.evidence,
    }


def trigger_ocg_for(candidate: Candidate, *, name: str = "") -> Ocg:
    """The trigger-status OCG a candidate becomes, with its evidence in the notes."""
    return Ocg(
        name=name.strip() or f"Emerging group {candidate.key} ({candidate.area or 'unknown area'})",
        status=Status.TRIGGER,
        lead_area_id=candidate.area_id,  # type: ignore[arg-type]
        identified_on=dt.date.today(),
        notes="Proposed by socmap network analysis. "
        + candidate.evidence
        + " People: "
        + ", ".join(f"nominal {p}" for p in candidate.people),
    )


def create_trigger_from_candidate(
    store: Store, candidate: Candidate, *, name: str = ""
) -> tuple[Ocg, Changes]:
    """Put a candidate on the trigger queue as a new OCG (status trigger) with its evidence."""
    from socmap.services.register import create_ocg

    require(store, Permission.EDIT, action="add OCGs")
    return create_ocg(store, trigger_ocg_for(candidate, name=name))


# -------------------------------------------------------------------------------------- export


def export_graph(
    store: Store,
    ocg_id: int,
    *,
    steps: int = 1,
    as_of: dt.date | None = None,
    flt: gn.NetworkFilter | None = None,
) -> nx.Graph:
    """The group's network ready for a file: ``kind`` on nodes, ``relation`` on edges."""
    g = ocg_network(store, ocg_id, steps=steps, as_of=as_of, flt=flt)
    return gn.for_export(g)


def write_graphml(
    store: Store,
    ocg_id: int,
    path: Path,
    *,
    steps: int = 1,
    as_of: dt.date | None = None,
    flt: gn.NetworkFilter | None = None,
    marking: str | None = None,
    marking_reason: str = "",
) -> int:
    """Write the group's network as GraphML (audited, needs EXPORT); returns the node count.

    The marking follows the export rule (``handling.export_marking``): lowering it below
    OFFICIAL-SENSITIVE needs ``marking_reason``, recorded in the audit row.
    """
    require(store, Permission.EXPORT, action="export networks")
    marking = export_marking([], requested=marking, lowering_reason=marking_reason).value
    check_target(store, path)
    format_for(path, "graphml", ("graphml",), default="graphml")
    g = export_graph(store, ocg_id, steps=steps, as_of=as_of, flt=flt)
    g.graph["marking"] = marking
    g.graph["title"] = f"{marking} - network of OCG-{ocg_id:04d}"
    write_file(
        store,
        path,
        lambda tmp: nx.write_graphml(g, tmp),
        lambda w: record_export(
            store,
            ocg_id,
            w.path,
            "graphml",
            g.number_of_nodes(),
            marking,
            marking_reason,
            sha256=w.sha256,
        ),
    )
    return g.number_of_nodes()


def positions(
    g: nx.Graph,
    *,
    seed: int = 7,
    cache: PositionCache | None = None,
    separate_process: bool = False,
) -> dict[Any, tuple[float, float]]:
    """Seeded, stable positions (cached nodes stay where they were).

    With ``separate_process``, a big fresh layout (igraph, which holds the GIL) runs in the
    graph engine's process so a UI thread is never frozen; small ones stay here.
    """
    nodes = list(g.nodes)
    edges = [(a, b) for a, b in g.edges]
    known = sum(1 for n in nodes if cache is not None and n in cache.positions)
    if separate_process and len(nodes) > IGRAPH_THRESHOLD and known < len(nodes) // 2:
        index = {n: i for i, n in enumerate(nodes)}
        coords = engine.run_job(
            "layout", len(nodes), [(index[a], index[b]) for a, b in edges], seed=seed
        )
        fresh = _fit(dict(zip(nodes, coords, strict=True)))
        if cache is None:
            return fresh
        cache.clear()
        cache.update(fresh)
    weights = [
        0.3 if d.get("relation") == "exploited_by" else 1.0 for _a, _b, d in g.edges(data=True)
    ]
    return dict(layout(nodes, edges, seed=seed, cache=cache, weights=weights))


def _fit(
    pos: dict[Any, tuple[float, float]], extent: float = 1000.0
) -> dict[Any, tuple[float, float]]:
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {n: ((x - cx) * extent / span, (y - cy) * extent / span) for n, (x, y) in pos.items()}


def title_for(g: nx.Graph, as_of: dt.date | None = None) -> str:
    """``OCG-0042 Name: members and associates 1 step out (as of ...)``."""
    steps = int(g.graph.get("steps", 0))
    what = "members" if steps == 0 else f"members and associates {plural(steps, 'step')} out"
    when = f" as of {as_of.isoformat()}" if as_of else ""
    return f"OCG-{g.graph.get('ocg_id', 0):04d} {g.graph.get('ocg_name', '')}: {what}{when}"


@unit_of_work
def record_export(
    store: Store,
    ocg_id: int,
    path: Path,
    fmt: str,
    nodes: int,
    marking: str,
    marking_reason: str = "",
    *,
    sha256: str,
) -> None:
    """The audit row for a network export."""
    require(store, Permission.EXPORT, action="export networks")
    with store.atomic():
        audit.record(
            store,
            action="export",
            entity="network",
            entity_id=ocg_id,
            summary=f"network of OCG-{ocg_id:04d} exported as {fmt} ({plural(nodes, 'person')})",
            extra={
                "file": str(path),
                "format": fmt,
                "marking": marking,
                "marking_reason": marking_reason,
                "sha256": sha256,
            },
        )


def filter_from(
    store: Store,
    *,
    areas: tuple[str, ...] = (),
    roles: tuple[str, ...] = (),
    relations: tuple[str, ...] = (),
    grading: str = "any",
    include_at_risk: bool = True,
) -> gn.NetworkFilter:
    """A NetworkFilter from names as a person types them (areas by name)."""
    ids = []
    for a in areas:
        aid = net.area_id_by_name(store, a)
        if aid is None:
            raise ValidationError("area", f"there is no area called '{a}'")
        ids.append(aid)
    if grading not in gn.GRADING_FILTERS:
        raise ValidationError(
            "grading", f"unknown grading filter '{grading}' (use {', '.join(gn.GRADING_FILTERS)})"
        )
    return dataclasses.replace(
        gn.NetworkFilter(),
        areas=frozenset(ids),
        roles=frozenset(roles),
        relations=frozenset(relations),
        grading=grading,
        include_at_risk=include_at_risk,
    )


@dataclass
class NetworkViewState:
    """What the tab shows (plain Python: the view and its exports read it)."""

    ocg_id: int | None = None
    steps: int = 1
    area_id: int | None = None
    relation: str = ""
    role: str = ""
    grading: str = "any"
    all_groups: bool = False
    as_of: dt.date = field(default_factory=dt.date.today)

    def flt(self) -> gn.NetworkFilter:
        """The graph filter for this state."""
        return gn.NetworkFilter(
            areas=frozenset({self.area_id}) if self.area_id is not None else frozenset(),
            relations=frozenset({self.relation}) if self.relation else frozenset(),
            roles=frozenset({self.role}) if self.role else frozenset(),
            grading=self.grading,
        )


@dataclass(frozen=True)
class NetworkResult:
    """One computed picture: the network, the members' graph, key players and positions."""

    state: NetworkViewState
    graph: nx.Graph
    members: nx.Graph
    players: list[gm.KeyPlayer]
    positions: dict[Any, tuple[float, float]]
    groups: nx.Graph
    group_positions: dict[Any, tuple[float, float]]


def compute(
    store: Store,
    state: NetworkViewState,
    cache: PositionCache,
    group_cache: PositionCache,
    *,
    separate_process: bool = True,
) -> NetworkResult:
    """Build everything the Network tab draws for ``state`` (``cache`` and ``group_cache`` keep
    nodes where they were drawn before, and are updated)."""
    assert state.ocg_id is not None
    data = load(store)
    flt = state.flt()
    adj = gn.adjacency(data, as_of=state.as_of, flt=flt)  # the force's links: built once
    g = ocg_network(
        store, state.ocg_id, steps=state.steps, as_of=state.as_of, flt=flt, data=data, base=adj
    )
    unfiltered = adj if flt == gn.NetworkFilter() else None
    members = gn.ocg_network(data, state.ocg_id, steps=0, as_of=state.as_of, base=unfiltered)
    players = gm.key_players(members)
    pos = positions(g, cache=cache, separate_process=separate_process)
    groups = gn.group_graph(data, as_of=state.as_of, flt=state.flt())
    if state.all_groups:
        # only groups with links are worth a picture
        keep = [n for n in groups if groups.degree(n) > 0 or n == state.ocg_id]
    elif state.ocg_id in groups:
        keep = list(nx.ego_graph(groups, state.ocg_id, radius=1))
    else:
        keep = []
    groups = groups.subgraph(keep).copy()
    return NetworkResult(
        state=dataclasses.replace(state),
        graph=g,
        members=members,
        players=players,
        positions=pos,
        groups=groups,
        group_positions=positions(groups, cache=group_cache, separate_process=separate_process),
    )


def picture(
    store: Store,
    state: NetworkViewState,
    cache: PositionCache,
    group_cache: PositionCache,
    *,
    progress: Progress | None = None,
) -> tuple[NetworkResult, PositionCache, PositionCache]:
    """:func:`compute` in the graph engine's worker process (see ``services.offload``): at
    national scale it is two seconds of Python, which in a thread of the app's own process
    holds the GIL the window needs. Returns the result and the updated caches."""
    check_cancelled(progress or NullProgress())
    result = compute(store, state, cache, group_cache, separate_process=False)
    return result, cache, group_cache
