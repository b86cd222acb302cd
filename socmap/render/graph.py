"""Draw a node-link graph with QPainter onto any QPaintDevice (widget, QImage, SVG generator).

The input is a plain :class:`GraphScene` (positions in arbitrary world units) and a
:class:`Viewport` (zoom and pan in device pixels). The same code draws the on-screen canvas and
the PNG/SVG exports, so an export is never a second, poorer picture. QtGui only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPaintDevice,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from socmap.render.qt import ensure_gui_app

SHAPES = ("circle", "square", "diamond", "triangle", "hexagon")


@dataclass(frozen=True)
class GraphNode:
    """One node: world position, label, kind, how to draw it and whether to highlight it."""

    id: str
    x: float
    y: float
    label: str = ""
    kind: str = ""
    colour: str = "#4c72b0"
    size: float = 10.0  # diameter in device pixels at zoom 1
    shape: str = "circle"
    highlighted: bool = False
    tooltip: str = ""
    show_label: bool = True


@dataclass(frozen=True)
class GraphEdge:
    """One edge between two node ids, drawn as a straight line."""

    source: str
    target: str
    relation: str = ""
    colour: str = "#9aa0a6"
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a node symbol or an edge stroke with its meaning."""

    label: str
    colour: str
    shape: str = "circle"  # a node shape, or "line" for an edge
    dashed: bool = False
    highlighted: bool = False


@dataclass
class GraphScene:
    """Everything the renderer needs to draw a graph: nodes, edges, legend and a title."""

    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    title: str = ""
    highlight_colour: str = "#d62728"
    #: above this many nodes only highlighted nodes and ``show_label`` nodes larger than
    #: ``label_min_size`` get a label (unless zoomed in), so big graphs stay legible
    label_limit: int = 120
    label_min_size: float = 16.0

    def node_map(self) -> dict[str, GraphNode]:
        """Nodes by id."""
        return {n.id: n for n in self.nodes}


@dataclass
class Viewport:
    """Zoom (1 = fit the whole graph) and pan (device pixels) of a view onto a scene."""

    zoom: float = 1.0
    pan_x: float = 0.0
    pan_y: float = 0.0

    def reset(self) -> None:
        """Back to fitting the whole graph."""
        self.zoom, self.pan_x, self.pan_y = 1.0, 0.0, 0.0


def scene_bounds(scene: GraphScene) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of the node positions (a unit box when empty)."""
    if not scene.nodes:
        return (-1.0, -1.0, 1.0, 1.0)
    xs = [n.x for n in scene.nodes]
    ys = [n.y for n in scene.nodes]
    return (min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class Mapping:
    """World -> device mapping: device = centre + (world - world_centre) * scale + pan."""

    scale: float
    wx: float
    wy: float
    cx: float
    cy: float

    def to_device(self, x: float, y: float) -> QPointF:
        """Device point of a world position."""
        return QPointF(self.cx + (x - self.wx) * self.scale, self.cy + (y - self.wy) * self.scale)

    def to_world(self, px: float, py: float) -> tuple[float, float]:
        """World position of a device point."""
        return (self.wx + (px - self.cx) / self.scale, self.wy + (py - self.cy) / self.scale)


def mapping_for(
    scene: GraphScene, rect: QRectF, viewport: Viewport, *, margin: float = 40.0
) -> Mapping:
    """The mapping that fits the scene into ``rect`` (minus ``margin``), then zooms and pans."""
    minx, miny, maxx, maxy = scene_bounds(scene)
    bw = max(maxx - minx, 1e-9)
    bh = max(maxy - miny, 1e-9)
    avail_w = max(rect.width() - 2 * margin, 10.0)
    avail_h = max(rect.height() - 2 * margin, 10.0)
    if maxx - minx < 1e-9 and maxy - miny < 1e-9:
        base = 1.0
    else:
        base = min(
            avail_w / bw if maxx > minx else math.inf, avail_h / bh if maxy > miny else math.inf
        )
    scale = base * viewport.zoom
    return Mapping(
        scale=scale,
        wx=(minx + maxx) / 2,
        wy=(miny + maxy) / 2,
        cx=rect.center().x() + viewport.pan_x,
        cy=rect.center().y() + viewport.pan_y,
    )


def zoom_about(viewport: Viewport, factor: float, anchor: QPointF, rect: QRectF) -> None:
    """Zoom by ``factor`` keeping the world point under ``anchor`` (device) in place."""
    new_zoom = min(max(viewport.zoom * factor, 0.05), 200.0)
    factor = new_zoom / viewport.zoom
    cx = rect.center().x() + viewport.pan_x
    cy = rect.center().y() + viewport.pan_y
    # the anchor's offset from the centre scales with the zoom; move the centre to compensate
    viewport.pan_x += (anchor.x() - cx) * (1 - factor)
    viewport.pan_y += (anchor.y() - cy) * (1 - factor)
    viewport.zoom = new_zoom


def plot_rect(scene: GraphScene, rect: QRectF, *, marking: str = "") -> QRectF:
    """The part of ``rect`` the nodes are fitted into (below the title, inside the marking)."""
    inner = rect.adjusted(0, 28, 0, -28) if marking else QRectF(rect)
    if scene.title:
        inner = inner.adjusted(0, QFontMetricsF(_label_font(15, bold=True)).height() + 8, 0, 0)
    if scene.legend and rect.width() > 700:
        # keep the nodes clear of the legend box in the top-left corner
        fm = QFontMetricsF(_label_font(11))
        inner = inner.adjusted(
            max(fm.horizontalAdvance(e.label) for e in scene.legend) + 56, 0, 0, 0
        )
    return inner


def node_radius(node: GraphNode, viewport: Viewport) -> float:
    """Drawn radius in device pixels: grows gently with zoom so nodes stay clickable."""
    return node.size / 2 * min(max(viewport.zoom, 1.0) ** 0.5, 3.0)


def node_at(
    scene: GraphScene, rect: QRectF, viewport: Viewport, point: QPointF, *, slop: float = 3.0
) -> GraphNode | None:
    """The node drawn under ``point`` (device) in a scene drawn into ``rect``, or None."""
    m = mapping_for(scene, plot_rect(scene, rect), viewport)
    best: GraphNode | None = None
    best_d = math.inf
    for node in scene.nodes:
        p = m.to_device(node.x, node.y)
        d = math.hypot(p.x() - point.x(), p.y() - point.y())
        if d <= node_radius(node, viewport) + slop and d <= best_d:
            best, best_d = node, d
    return best


def _shape_path(shape: str, centre: QPointF, r: float) -> QPainterPath:
    path = QPainterPath()
    x, y = centre.x(), centre.y()
    if shape == "square":
        path.addRect(QRectF(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8))
    elif shape == "diamond":
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.2),
                    QPointF(x + r * 1.2, y),
                    QPointF(x, y + r * 1.2),
                    QPointF(x - r * 1.2, y),
                ]
            )
        )
        path.closeSubpath()
    elif shape == "triangle":
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(x, y - r * 1.2),
                    QPointF(x + r * 1.1, y + r * 0.8),
                    QPointF(x - r * 1.1, y + r * 0.8),
                ]
            )
        )
        path.closeSubpath()
    elif shape == "hexagon":
        pts = [
            QPointF(
                x + r * 1.1 * math.cos(math.pi / 3 * k), y + r * 1.1 * math.sin(math.pi / 3 * k)
            )
            for k in range(6)
        ]
        path.addPolygon(QPolygonF(pts))
        path.closeSubpath()
    else:
        path.addEllipse(centre, r, r)
    return path


def _pen(colour: str, width: float, dashed: bool = False) -> QPen:
    pen = QPen(QColor(colour))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def _label_font(pixel_size: int = 11, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font


def _label_box(text: str, anchor: QPointF, fm: QFontMetricsF) -> QRectF:
    w = fm.horizontalAdvance(text)
    return QRectF(anchor.x() - w / 2 - 2, anchor.y(), w + 4, fm.height())


def _draw_label(painter: QPainter, text: str, box: QRectF, font: QFont) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 210))
    painter.drawRect(box)
    painter.setPen(QColor("#202124"))
    painter.setFont(font)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _labels_wanted(scene: GraphScene, viewport: Viewport) -> bool:
    return len(scene.nodes) * 1.0 / max(viewport.zoom, 1.0) ** 2 <= scene.label_limit


def draw_legend(painter: QPainter, scene: GraphScene, rect: QRectF) -> None:
    """The legend box in the top-left corner of ``rect``."""
    if not scene.legend:
        return
    font = _label_font(11)
    fm = QFontMetricsF(font)
    line_h = max(fm.height(), 14.0) + 3
    width = max(fm.horizontalAdvance(e.label) for e in scene.legend) + 40
    height = line_h * len(scene.legend) + 10
    box = QRectF(rect.left() + 8, rect.top() + 8, width, height)
    painter.setPen(_pen("#bdc1c6", 1))
    painter.setBrush(QColor(255, 255, 255, 230))
    painter.drawRect(box)
    painter.setFont(font)
    y = box.top() + 5
    for entry in scene.legend:
        cy = y + line_h / 2
        sym = QPointF(box.left() + 14, cy)
        if entry.shape == "line":
            painter.setPen(_pen(entry.colour, 2.0, entry.dashed))
            painter.drawLine(QLineF(sym.x() - 9, cy, sym.x() + 9, cy))
        else:
            painter.setPen(
                _pen(scene.highlight_colour, 2.5) if entry.highlighted else _pen("#ffffff", 1)
            )
            painter.setBrush(QColor(entry.colour))
            painter.drawPath(_shape_path(entry.shape, sym, 5.5))
        painter.setPen(QColor("#202124"))
        painter.drawText(
            QRectF(box.left() + 30, y, width - 32, line_h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            entry.label,
        )
        y += line_h


def draw_marking(painter: QPainter, rect: QRectF, marking: str) -> None:
    """The protective marking centred at the top and bottom of ``rect``."""
    font = _label_font(13, bold=True)
    painter.setFont(font)
    painter.setPen(QColor("#000000"))
    h = QFontMetricsF(font).height() + 6
    painter.drawText(
        QRectF(rect.left(), rect.top() + 2, rect.width(), h), Qt.AlignmentFlag.AlignCenter, marking
    )
    painter.drawText(
        QRectF(rect.left(), rect.bottom() - h - 2, rect.width(), h),
        Qt.AlignmentFlag.AlignCenter,
        marking,
    )


def draw_graph(
    painter: QPainter,
    scene: GraphScene,
    rect: QRectF,
    viewport: Viewport | None = None,
    *,
    marking: str = "",
    background: str = "#ffffff",
    margin: float = 40.0,
) -> None:
    """Draw ``scene`` into ``rect`` of the painter's device.

    Args:
        marking: when set, drawn centred at top and bottom (exports); the graph is inset for it.
    """
    viewport = viewport or Viewport()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(rect, QColor(background))
    inner = rect.adjusted(0, 28, 0, -28) if marking else QRectF(rect)
    painter.setClipRect(inner)
    top = plot_rect(scene, rect, marking=marking)
    if scene.title:
        painter.setFont(_label_font(15, bold=True))
        painter.setPen(QColor("#202124"))
        painter.drawText(
            QRectF(inner.left(), inner.top(), inner.width(), top.top() - inner.top()),
            Qt.AlignmentFlag.AlignCenter,
            scene.title,
        )
    m = mapping_for(scene, top, viewport, margin=margin)
    nodes = scene.node_map()
    # edges first, batched by style; thousands of long antialiased lines cost seconds to
    # rasterise, so big graphs draw their edges without antialiasing
    batches: dict[tuple[str, float, bool], list[QLineF]] = {}
    for edge in scene.edges:
        a, b = nodes.get(edge.source), nodes.get(edge.target)
        if a is None or b is None:
            continue
        batches.setdefault((edge.colour, edge.width, edge.dashed), []).append(
            QLineF(m.to_device(a.x, a.y), m.to_device(b.x, b.y))
        )
    if len(scene.edges) > 1500:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for (colour, width, dashed), lines in batches.items():
        painter.setPen(_pen(colour, width, dashed))
        painter.drawLines(lines)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    # plain nodes, then highlighted ones on top
    order = sorted(scene.nodes, key=lambda n: (n.highlighted, n.size))
    for node in order:
        p = m.to_device(node.x, node.y)
        r = node_radius(node, viewport)
        if not top.adjusted(-r, -r, r, r).contains(p):
            continue
        if node.highlighted:
            painter.setPen(_pen(scene.highlight_colour, 3.0))
        else:
            painter.setPen(_pen("#ffffff", 1.0))
        painter.setBrush(QBrush(QColor(node.colour)))
        painter.drawPath(_shape_path(node.shape, p, r))
    # labels: "show_label" nodes while there are few enough of them, or big ones; every node
    # once zoomed in far enough that the visible count is small
    labels_all = _labels_wanted(scene, viewport)
    flagged = sum(1 for n in scene.nodes if n.show_label)
    flagged_ok = flagged / max(viewport.zoom, 1.0) ** 2 <= scene.label_limit
    font = _label_font(11)
    fm = QFontMetricsF(font)
    placed: list[QRectF] = []
    # big nodes (areas) first; a label that would overlap one already drawn is left out
    for node in sorted(order, key=lambda n: (-n.size, not n.highlighted)):
        if not node.label or len(placed) >= 600:
            continue
        if not (
            labels_all
            or (node.show_label and flagged_ok)
            or (node.show_label and node.size * min(viewport.zoom, 3.0) >= scene.label_min_size)
        ):
            continue
        p = m.to_device(node.x, node.y)
        if not top.contains(p):
            continue
        box = _label_box(node.label, QPointF(p.x(), p.y() + node_radius(node, viewport) + 1), fm)
        if any(box.intersects(other) for other in placed):
            continue
        placed.append(box)
        _draw_label(painter, node.label, box, font)
    painter.setClipping(False)
    legend_rect = QRectF(rect.left(), top.top(), rect.width(), top.height())
    draw_legend(painter, scene, legend_rect)
    if marking:
        draw_marking(painter, rect, marking)
    painter.restore()


def render_image(
    scene: GraphScene, *, size: QSize | None = None, marking: str = "", scale: float = 1.0
) -> QImage:
    """The scene drawn into a new QImage (``scale`` > 1 for sharper prints)."""
    ensure_gui_app()
    size = size or QSize(1600, 1100)
    image = QImage(
        int(size.width() * scale), int(size.height() * scale), QImage.Format.Format_ARGB32
    )
    image.setDotsPerMeterX(int(3780 * scale))
    image.setDotsPerMeterY(int(3780 * scale))
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.scale(scale, scale)
    draw_graph(painter, scene, QRectF(0, 0, size.width(), size.height()), marking=marking)
    painter.end()
    return image


def save_png(scene: GraphScene, path: Path, *, marking: str, size: QSize | None = None) -> None:
    """Write the scene as a PNG with the marking drawn and stored in the file's text metadata."""
    image = render_image(scene, size=size, marking=marking)
    image.setText("Classification", marking)
    image.setText("Title", scene.title)
    if not image.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise OSError(f"could not write {path}")


def save_svg(scene: GraphScene, path: Path, *, marking: str, size: QSize | None = None) -> None:
    """Write the scene as SVG (real text) with the marking in the picture and its description."""
    from PySide6.QtSvg import QSvgGenerator

    ensure_gui_app()
    size = size or QSize(1600, 1100)
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(size)
    gen.setViewBox(QRectF(0, 0, size.width(), size.height()))
    gen.setTitle(f"{scene.title} [{marking}]")
    gen.setDescription(f"Protective marking: {marking}")
    painter = QPainter(gen)
    draw_graph(painter, scene, QRectF(0, 0, size.width(), size.height()), marking=marking)
    painter.end()


def paint_device_rect(device: QPaintDevice) -> QRectF:
    """The full drawable rectangle of a paint device."""
    return QRectF(0, 0, device.width(), device.height())
