"""Styling of the member network: a networkx graph + positions -> GraphScene.

Drawing itself is :mod:`socmap.render.graph` (the app's one graph renderer). Members are coloured
by role, people at risk are purple diamonds (never drawn as members), associates grey, members
of other groups blue; links are coloured by relation, "exploited by" dashed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import networkx as nx

from socmap.domain.network import ASSOCIATION_KINDS, OCG_LINK_KINDS
from socmap.domain.text import plural
from socmap.render.graph import GraphEdge, GraphNode, GraphScene, LegendEntry

PERSON_STYLE: dict[str, tuple[str, str, float, str]] = {
    # key: (colour, shape, size, legend label)
    "principal": ("#b2182b", "circle", 24.0, "Principal member"),
    "significant": ("#ef8a62", "circle", 19.0, "Significant member"),
    "peripheral": ("#fdd49e", "circle", 14.0, "Peripheral member"),
    "member_other": ("#4393c3", "square", 12.0, "Member of another group"),
    "associate": ("#bababa", "circle", 10.0, "Associate (not a member)"),
    "at_risk": ("#7b3294", "diamond", 14.0, "Person at risk (potential victim)"),
}
RELATION_STYLE: dict[str, tuple[str, float, bool]] = {
    "family": ("#1b7837", 2.0, False),
    "associate": ("#9e9e9e", 1.2, False),
    "co-offender": ("#d6604d", 2.0, False),
    "financial": ("#bf812d", 2.0, False),
    "communications": ("#4393c3", 1.6, False),
    "romantic": ("#de77ae", 1.6, False),
    "employment": ("#80cdc1", 1.2, False),
    "exploited_by": ("#7b3294", 2.2, True),
    "shared_members": ("#9e9e9e", 1.5, False),
    "supplier": ("#d6604d", 2.4, False),
    "rival": ("#000000", 1.6, True),
    "merged": ("#1b7837", 2.0, True),
    "split": ("#bf812d", 2.0, True),
}
PART_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")


def _style_key(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get("kind", "associate")
    if kind == "member":
        return str(attrs.get("role") or "peripheral")
    return kind if kind in PERSON_STYLE else "associate"


def short_name(name: str) -> str:
    """``SURNAME, Forenames`` -> ``Forenames SURNAME`` (labels read naturally)."""
    surname, _, fore = name.partition(", ")
    return f"{fore} {surname}".strip()


def network_scene(
    g: nx.Graph,
    pos: Mapping[Hashable, tuple[float, float]],
    *,
    title: str = "",
    highlight: Iterable[int] = (),
    parts: Iterable[Iterable[int]] | None = None,
    hide: Iterable[int] = (),
    hide_links: Iterable[tuple[int, int]] = (),
) -> GraphScene:
    """The scene for a person network.

    Args:
        highlight: people to ring (key players, the selected person).
        parts: when given (a what-if), each part's members are coloured alike.
        hide / hide_links: people and links left out (what-if "after" picture).
    """
    hidden = set(hide)
    cut = {(min(a, b), max(a, b)) for a, b in hide_links}
    marked = set(highlight)
    part_of: dict[int, int] = {}
    parts_list = [list(p) for p in parts] if parts is not None else []
    for i, part in enumerate(parts_list):
        for n in part:
            part_of[n] = i
    nodes = []
    used: set[str] = set()
    for n, attrs in g.nodes(data=True):
        if n in hidden or n not in pos:
            continue
        key = _style_key(attrs)
        used.add(key)
        colour, shape, size, _label = PERSON_STYLE[key]
        if n in part_of and attrs.get("kind") == "member":
            colour = PART_COLOURS[part_of[n] % len(PART_COLOURS)]
        role = attrs.get("role") or attrs.get("kind", "")
        tip = f"{attrs.get('name', n)} — {role}"
        if attrs.get("area"):
            tip += f", {attrs['area']}"
        if attrs.get("ocgs"):
            tip += f" ({attrs['ocgs']})"
        x, y = pos[n]
        nodes.append(
            GraphNode(
                id=str(n),
                x=x,
                y=y,
                label=short_name(str(attrs.get("name", n))),
                kind=str(attrs.get("kind", "")),
                colour=colour,
                size=size,
                shape=shape,
                highlighted=n in marked,
                tooltip=tip,
                show_label=key != "associate" or g.number_of_nodes() <= 40,
            )
        )
    edges = []
    rels: set[str] = set()
    for a, b, attrs in g.edges(data=True):
        if a in hidden or b in hidden or (min(a, b), max(a, b)) in cut:
            continue
        rel = str(attrs.get("relation", ""))
        rels.add(rel)
        colour, width, dashed = RELATION_STYLE.get(rel, ("#9e9e9e", 1.0, False))
        edges.append(
            GraphEdge(
                source=str(a),
                target=str(b),
                relation=rel,
                colour=colour,
                width=width,
                dashed=dashed,
            )
        )
    if parts is not None:
        sizes = [len([n for n in p if n not in hidden]) for p in parts_list]
        legend = [
            LegendEntry(
                f"Part {i + 1}: {n} {'person' if n == 1 else 'people'}",
                PART_COLOURS[i % len(PART_COLOURS)],
            )
            for i, n in enumerate(sizes)
            if n
        ]
    else:
        legend = [
            LegendEntry(PERSON_STYLE[k][3], PERSON_STYLE[k][0], PERSON_STYLE[k][1])
            for k in PERSON_STYLE
            if k in used
        ]
    if marked:
        legend.append(LegendEntry("Key player", "#ffffff", "circle", highlighted=True))
    labels = {**ASSOCIATION_KINDS, "exploited_by": "Exploited by"}
    legend += [
        LegendEntry(
            labels.get(r, r) + " link", RELATION_STYLE[r][0], "line", dashed=RELATION_STYLE[r][2]
        )
        for r in sorted(rels)
        if r in RELATION_STYLE
    ]
    return GraphScene(nodes=nodes, edges=edges, legend=legend, title=title)


GROUP_COLOURS = {"active": "#e6550d", "archived": "#9e9e9e"}
GROUP_RELATION_STYLE = {**RELATION_STYLE, "associate": ("#66a61e", 1.8, False)}


def group_scene(
    g: nx.Graph,
    pos: Mapping[Hashable, tuple[float, float]],
    *,
    title: str = "",
    highlight: Iterable[int] = (),
) -> GraphScene:
    """The scene for links between groups (nodes are OCGs; ``highlight`` rings some)."""
    marked = set(highlight)
    nodes = []
    for n, attrs in g.nodes(data=True):
        x, y = pos[n]
        size = 8.0 + min(int(attrs.get("members", 0)), 16)
        nodes.append(
            GraphNode(
                id=str(n),
                x=x,
                y=y,
                label=f"OCG-{n:04d}"
                + (f" {attrs.get('name', '')}" if g.number_of_nodes() <= 30 else ""),
                kind="ocg",
                colour=GROUP_COLOURS.get(str(attrs.get("status")), "#fdae6b"),
                size=size,
                highlighted=n in marked,
                tooltip=f"OCG-{n:04d} {attrs.get('name', '')} ({attrs.get('status', '')}, "
                f"{attrs.get('area', '')}, {plural(attrs.get('members', 0), 'member')})",
                show_label=g.degree(n) > 0,
            )
        )
    edges = []
    rels: set[str] = set()
    for a, b, attrs in g.edges(data=True):
        rel = str(attrs.get("relation", ""))
        rels.add(rel)
        colour, width, dashed = GROUP_RELATION_STYLE.get(rel, ("#9e9e9e", 1.0, False))
        edges.append(
            GraphEdge(
                source=str(a),
                target=str(b),
                relation=rel,
                colour=colour,
                width=width + (min(attrs.get("weight", 1), 4) - 1) * 0.6,
                dashed=dashed,
            )
        )
    labels = {**OCG_LINK_KINDS, "shared_members": "Shared members"}
    statuses = {str(d.get("status")) for _n, d in g.nodes(data=True)}
    legend = [LegendEntry("Active OCG", GROUP_COLOURS["active"])]
    if statuses & {"draft", "trigger"}:
        legend.append(LegendEntry("Draft / trigger OCG", "#fdae6b"))
    if "archived" in statuses:
        legend.append(LegendEntry("Archived OCG (merged / split)", GROUP_COLOURS["archived"]))
    if marked:
        legend.append(LegendEntry("Selected group", "#ffffff", highlighted=True))
    legend += [
        LegendEntry(
            labels.get(r, r),
            GROUP_RELATION_STYLE[r][0],
            "line",
            dashed=GROUP_RELATION_STYLE[r][2],
        )
        for r in sorted(rels)
        if r in GROUP_RELATION_STYLE
    ]
    return GraphScene(nodes=nodes, edges=edges, legend=legend, title=title)
