"""The generic graph renderer draws onto images and SVG, with hit-testing that matches."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize

from socmap.render.graph import (
    GraphEdge,
    GraphNode,
    GraphScene,
    LegendEntry,
    Viewport,
    mapping_for,
    node_at,
    plot_rect,
    render_image,
    save_png,
    save_svg,
    zoom_about,
)


def _scene() -> GraphScene:
    return GraphScene(
        nodes=[
            GraphNode("a", 0, 0, "Alpha", kind="area", colour="#1f77b4", size=20, shape="hexagon"),
            GraphNode("b", 100, 50, "Beta", kind="partner", colour="#2ca02c", shape="square"),
            GraphNode("c", 50, 100, "Gamma", kind="ocg", colour="#ff7f0e", highlighted=True),
        ],
        edges=[GraphEdge("a", "b", "serves"), GraphEdge("b", "c", "enforcement", dashed=True)],
        legend=[LegendEntry("Area", "#1f77b4", "hexagon"), LegendEntry("link", "#999", "line")],
        title="Test graph",
    )


def test_render_image_draws_something(qapp: object) -> None:
    img = render_image(_scene(), size=QSize(400, 300), marking="OFFICIAL-SENSITIVE")
    assert img.width() == 400
    colours = {img.pixel(x, y) for x in range(0, 400, 7) for y in range(0, 300, 7)}
    assert len(colours) > 5


def test_node_at_finds_drawn_node(qapp: object) -> None:
    scene = _scene()
    rect = QRectF(0, 0, 400, 300)
    vp = Viewport()
    m = mapping_for(scene, plot_rect(scene, rect), vp)
    p = m.to_device(100, 50)
    hit = node_at(scene, rect, vp, p)
    assert hit is not None and hit.id == "b"
    assert node_at(scene, rect, vp, QPointF(p.x() + 60, p.y() + 60)) is None


def test_zoom_about_keeps_anchor(qapp: object) -> None:
    scene = _scene()
    rect = QRectF(0, 0, 400, 300)
    vp = Viewport()
    m = mapping_for(scene, rect, vp)
    anchor = m.to_device(100, 50)
    zoom_about(vp, 2.0, anchor, rect)
    m2 = mapping_for(scene, rect, vp)
    after = m2.to_device(100, 50)
    assert abs(after.x() - anchor.x()) < 1e-6 and abs(after.y() - anchor.y()) < 1e-6


def test_png_and_svg_carry_marking(qapp: object, tmp_path: Path) -> None:
    png = tmp_path / "g.png"
    svg = tmp_path / "g.svg"
    save_png(_scene(), png, marking="OFFICIAL-SENSITIVE")
    save_svg(_scene(), svg, marking="OFFICIAL-SENSITIVE")
    assert png.stat().st_size > 1000
    text = svg.read_text()
    assert text.count("OFFICIAL-SENSITIVE") >= 3  # top, bottom, metadata
    assert "Gamma" in text
