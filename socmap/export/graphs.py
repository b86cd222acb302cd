"""Export the partner and disruption graphs as GraphML, GEXF, PNG or SVG (audited, marked)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from socmap.domain.errors import ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.graph.build import exportable, gap_summary
from socmap.services.auth import require
from socmap.services.handling import export_marking
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.services.partner_graphs import GRAPH_KINDS, graph_for, positions
from socmap.store import audit
from socmap.store.db import Store

FORMATS = ("graphml", "gexf", "png", "svg")
TITLES = {"partners": "Partner graph", "disruptions": "Disruption outcomes"}


@dataclass(frozen=True)
class GraphExport:
    """What was written."""

    path: Path
    kind: str
    format: str
    nodes: int
    edges: int
    gaps: dict[str, int]
    marking: str


def export_graph(
    store: Store,
    *,
    kind: str,
    fmt: str | None = None,
    path: Path,
    area: str | None = None,
    marking: str | None = None,
    marking_reason: str = "",
) -> GraphExport:
    """Write the ``kind`` graph to ``path`` as ``fmt``; records an audit row (action "export").

    GraphML/GEXF carry every node's ``kind`` and every edge's ``relation`` (attributes made
    scalar) and the marking as a graph attribute; PNG/SVG carry it top and bottom and in the
    file's metadata.
    """
    require(store, Permission.EXPORT, action="export graphs")
    if kind not in GRAPH_KINDS:
        raise ValidationError(
            "kind", f"unknown graph '{kind}' (use one of: {', '.join(GRAPH_KINDS)})"
        )
    path = check_target(store, path)
    fmt = format_for(path, fmt, FORMATS, default="graphml")
    # the export rule: lowering below OFFICIAL-SENSITIVE needs a recorded reason
    mark = export_marking([], requested=marking, lowering_reason=marking_reason).value
    g = graph_for(store, kind, area=area)
    g.graph["marking"] = mark
    g.graph["title"] = TITLES[kind] + (f": {area}" if area else "")

    def write(tmp: Path) -> None:
        if fmt == "graphml":
            nx.write_graphml(exportable(g), tmp)
        elif fmt == "gexf":
            nx.write_gexf(exportable(g), tmp)
            _mark_gexf(tmp, mark)
        else:
            from socmap.render.graph import save_png, save_svg
            from socmap.render.partner_graph import scene_for

            scene = scene_for(g, positions(g), title=str(g.graph["title"]))
            (save_png if fmt == "png" else save_svg)(scene, tmp, marking=mark)

    def record(w: Written) -> None:
        audit.record(
            store,
            action="export",
            entity="graph",
            entity_id=kind,
            summary=f"exported the {kind} graph as {fmt} ({plural(g.number_of_nodes(), 'node')},"
            f" {plural(g.number_of_edges(), 'edge')}) marked {mark}",
            extra={
                "path": str(w.path),
                "sha256": w.sha256,
                "area": area or "",
                "marking": mark,
                "marking_reason": marking_reason,
            },
        )

    write_file(store, path, write, record)
    return GraphExport(
        path=path,
        kind=kind,
        format=fmt,
        nodes=g.number_of_nodes(),
        edges=g.number_of_edges(),
        gaps=gap_summary(g),
        marking=mark,
    )


def _mark_gexf(path: Path, marking: str) -> None:
    """GEXF has no graph attributes: put the marking in the file's meta description."""
    from xml.sax.saxutils import escape

    text = path.read_text(encoding="utf-8")
    note = f"<description>Protective marking: {escape(marking)}</description>"
    if "</creator>" in text:
        text = text.replace("</creator>", "</creator>" + note, 1)
    else:
        text = text.replace("<graph ", f"<meta>{note}</meta><graph ", 1)
    path.write_text(text, encoding="utf-8")
