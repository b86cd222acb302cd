"""GraphCanvas: click a node, zoom with the wheel, pan by dragging."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from socmap.render.graph import GraphEdge, GraphNode, GraphScene
from socmap.ui.views.graph_canvas import GraphCanvas


def _canvas(qtbot) -> GraphCanvas:  # type: ignore[no-untyped-def]
    c = GraphCanvas()
    qtbot.addWidget(c)
    c.resize(500, 400)
    c.show()
    c.set_scene(
        GraphScene(
            nodes=[GraphNode("x", 0, 0, "X", size=16), GraphNode("y", 100, 100, "Y", size=16)],
            edges=[GraphEdge("x", "y", "link")],
        )
    )
    return c


def test_click_emits_node_id(qtbot) -> None:  # type: ignore[no-untyped-def]
    c = _canvas(qtbot)
    p = c.node_position("y")
    assert p is not None
    with qtbot.waitSignal(c.node_clicked) as blocker:
        qtbot.mouseClick(c, Qt.MouseButton.LeftButton, pos=p.toPoint())
    assert blocker.args == ["y"]


def test_click_on_empty_space_emits_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    c = _canvas(qtbot)
    with qtbot.assertNotEmitted(c.node_clicked):
        qtbot.mouseClick(c, Qt.MouseButton.LeftButton, pos=QPoint(5, 395))


def test_zoom_and_drag_pan_move_nodes(qtbot) -> None:  # type: ignore[no-untyped-def]
    c = _canvas(qtbot)
    before = c.node_position("x")
    c.zoom_by(2.0)
    assert c.viewport.zoom == 2.0
    zoomed = c.node_position("x")
    assert zoomed != before
    start = QPoint(250, 200)
    qtbot.mousePress(c, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(c, QPoint(300, 230))
    qtbot.mouseRelease(c, Qt.MouseButton.LeftButton, pos=QPoint(300, 230))
    moved = c.node_position("x")
    assert moved is not None and zoomed is not None
    assert abs(moved.x() - zoomed.x() - 50) < 1.5
