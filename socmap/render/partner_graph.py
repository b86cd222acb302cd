"""Styling of the partner and disruption graphs: a networkx graph + positions -> GraphScene."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx

from socmap.domain.disruptions import LEVELS
from socmap.domain.partners import LINK_RELATIONS, PARTNER_TYPE_SHORT
from socmap.render.graph import GraphEdge, GraphNode, GraphScene, LegendEntry

KIND_STYLE: dict[str, tuple[str, str, float]] = {
    # kind: (colour, shape, size)
    "area": ("#1f4e79", "hexagon", 30.0),
    "structure": ("#6a3d9a", "diamond", 18.0),
    "partner": ("#2ca02c", "square", 13.0),
    "ocg": ("#e6550d", "circle", 10.0),
    "disruption": ("#7f7f7f", "circle", 8.0),
    "tactic": ("#17becf", "triangle", 16.0),
}
KIND_LABELS = {
    "area": "Area",
    "structure": "SOC partnership structure",
    "partner": "Partner agency",
    "ocg": "OCG",
    "disruption": "Disruption",
    "tactic": "Tactic",
}
PARTNER_TYPE_COLOURS: dict[str, str] = {
    "council_community": "#2ca02c",
    "council_regulatory": "#98df8a",
    "health": "#17becf",
    "dwp": "#bcbd22",
    "hmrc": "#8c564b",
    "border_force": "#9467bd",
    "probation": "#c49c94",
    "fire": "#d62728",
    "environment_agency": "#3b7d3b",
    "dvla": "#7f7f7f",
    "glaa": "#c5b0d5",
    "nca_rocu": "#1f77b4",
    "voluntary": "#f7b6d2",
    "business": "#dbdb8d",
}
RELATION_STYLE: dict[str, tuple[str, float, bool]] = {
    # relation: (colour, width, dashed)
    "serves": ("#c7c7c7", 0.8, False),
    "lead_area": ("#f4b183", 0.8, False),
    "operates_in": ("#f4b183", 0.6, True),
    "soc_partnership": ("#6a3d9a", 2.0, False),
    "member": ("#b294c7", 1.0, True),
    "intelligence_source": ("#1f77b4", 1.6, False),
    "enforcement_lever": ("#d62728", 1.6, False),
    "safeguarding_lead": ("#9467bd", 1.6, False),
    "action_owner": ("#2ca02c", 1.6, False),
    "lro": ("#3c3c3c", 1.8, True),
    "disrupted": ("#9e9e9e", 0.8, False),
    "used_tactic": ("#9edae5", 0.8, False),
    "led_by": ("#2ca02c", 1.2, False),
    "involved": ("#98df8a", 0.8, True),
}
RELATION_LABELS = {
    "serves": "serves area",
    "lead_area": "OCG's lead area",
    "operates_in": "OCG also operates in",
    "soc_partnership": "area's SOC structure",
    "member": "structure member",
    **{k: v.lower() for k, v in LINK_RELATIONS.items()},
    "lro": "partner is the LRO",
    "disrupted": "disruption of OCG",
    "used_tactic": "tactic used",
    "led_by": "led by",
    "involved": "partner involved",
}
LEVEL_COLOURS: dict[str, str] = {
    "major": "#1a9850",
    "moderate": "#91cf60",
    "minor": "#fee08b",
    "none": "#bdbdbd",
    "negative": "#d73027",
}


def _tooltip(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get("kind", "")
    lines = [str(attrs.get("label", ""))]
    if kind == "partner":
        lines.append(PARTNER_TYPE_SHORT.get(attrs.get("partner_type", ""), ""))
        if attrs.get("isa_reference"):
            lines.append(f"ISA {attrs['isa_reference']}: {attrs.get('isa_status', '')}")
        else:
            lines.append("no information-sharing agreement")
    elif kind == "ocg":
        lines.append(f"status {attrs.get('status', '')}")
        if attrs.get("lro"):
            lines.append(f"LRO: {attrs['lro']}")
    elif kind == "structure":
        lines.append(f"chair {attrs.get('chair', '')}; meets {attrs.get('cadence', '')}")
        lines.append(f"last meeting {attrs.get('last_meeting', '') or 'none recorded'}")
    elif kind == "disruption":
        lines.append(
            f"{attrs.get('occurred_on', '')}: {attrs.get('strand', '')}, {attrs.get('status', '')}"
        )
        if "score_change" in attrs:
            lines.append(f"score change {float(attrs['score_change']) * 100:+.1f} pts")
    if attrs.get("gap"):
        lines.append(f"GAP: {attrs['gap']}")
    return "\n".join(x for x in lines if x)


def scene_for(
    g: nx.Graph,
    positions: Mapping[Hashable, tuple[float, float]],
    *,
    title: str = "",
    colour_partners_by_type: bool = True,
) -> GraphScene:
    """A drawable scene of a partner or disruption graph (colours, shapes, legend, gaps)."""
    nodes = []
    kinds_present: set[str] = set()
    types_present: set[str] = set()
    levels_present: set[str] = set()
    big = g.number_of_nodes() > 400
    for n, attrs in g.nodes(data=True):
        kind = attrs.get("kind", "")
        colour, shape, size = KIND_STYLE.get(kind, ("#999999", "circle", 8.0))
        if kind == "partner" and colour_partners_by_type:
            colour = PARTNER_TYPE_COLOURS.get(attrs.get("partner_type", ""), colour)
            types_present.add(attrs.get("partner_type", ""))
        if kind == "disruption":
            colour = LEVEL_COLOURS.get(attrs.get("level", ""), colour)
            levels_present.add(attrs.get("level", ""))
        if kind == "ocg" and attrs.get("status") == "archived":
            colour = "#fdd0a2"
        kinds_present.add(kind)
        x, y = positions.get(n, (0.0, 0.0))
        nodes.append(
            GraphNode(
                id=str(n),
                x=float(x),
                y=float(y),
                label=str(attrs.get("label", n)),
                kind=kind,
                colour=colour,
                size=size * (0.7 if big and kind in ("ocg", "disruption") else 1.0),
                shape=shape,
                highlighted=bool(attrs.get("gap")),
                tooltip=_tooltip(attrs),
                show_label=kind in ("area", "structure", "partner", "tactic"),
            )
        )
    edges = []
    relations_present: set[str] = set()
    for a, b, attrs in g.edges(data=True):
        rel = attrs.get("relation", "")
        colour, width, dashed = RELATION_STYLE.get(rel, ("#bbbbbb", 1.0, False))
        if attrs.get("lro") and rel != "lro":
            width += 1.0
        relations_present.add(rel)
        if big:
            # thousands of edges: thinner and translucent so nodes and gaps stay readable
            colour = "#66" + colour.lstrip("#")
            width = max(0.6, width * 0.6)
        edges.append(GraphEdge(str(a), str(b), rel, colour, width, dashed))
    legend = [
        LegendEntry(KIND_LABELS[k], KIND_STYLE[k][0], KIND_STYLE[k][1])
        for k in KIND_STYLE
        if k in kinds_present
        and not (k == "partner" and colour_partners_by_type)
        and k != "disruption"
    ]
    if "partner" in kinds_present and colour_partners_by_type:
        legend += [
            LegendEntry(f"Partner: {PARTNER_TYPE_SHORT[t]}", PARTNER_TYPE_COLOURS[t], "square")
            for t in PARTNER_TYPE_COLOURS
            if t in types_present
        ]
    if "disruption" in kinds_present:
        legend += [
            LegendEntry(f"Disruption: {LEVELS[lv]}", LEVEL_COLOURS[lv], "circle")
            for lv in LEVEL_COLOURS
            if lv in levels_present
        ]
    legend += [
        LegendEntry(
            RELATION_LABELS.get(r, r),
            *RELATION_STYLE[r][:1],
            shape="line",
            dashed=RELATION_STYLE[r][2],
        )
        for r in RELATION_STYLE
        if r in relations_present
    ]
    if any(n.highlighted for n in nodes):
        legend.append(LegendEntry("Gap (ringed red)", "#ffffff", "circle", highlighted=True))
    return GraphScene(nodes=nodes, edges=edges, legend=legend, title=title)
