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


def test_a_large_scene_is_drawn_off_the_ui_thread_and_then_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A scene of ASYNC_ITEMS or more is drawn on a background thread: the first paint says so
    and returns at once; the picture then arrives, is the same as drawing it here, and later
    paints reuse it."""
    import threading

    from PySide6.QtGui import QColor, QImage, QPainter

    import socmap.ui.views.graph_canvas as gc_module
    from socmap.render.graph import Viewport, draw_graph

    n = gc_module.ASYNC_ITEMS
    nodes = [
        GraphNode(f"n{i}", (i % 60) * 10.0, (i // 60) * 10.0, f"N{i}", size=6) for i in range(n)
    ]
    edges = [GraphEdge(f"n{i}", f"n{i + 1}", "link") for i in range(n - 1)]
    scene = GraphScene(nodes=nodes, edges=edges)
    c = GraphCanvas()
    qtbot.addWidget(c)
    c.resize(500, 400)
    c.show()
    drew_on: list[str] = []
    real = gc_module.draw_graph

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        drew_on.append(threading.current_thread().name)
        return real(*args, **kwargs)

    gc_module.draw_graph = spy  # type: ignore[assignment]
    try:
        c.set_scene(scene)
        assert c.drawn_in_background
        first = c.grab().toImage()  # painted now: the placeholder, not the graph
        assert c.drawing
        qtbot.waitUntil(lambda: not c.drawing, timeout=20_000)
        shown = c.grab().toImage()
    finally:
        gc_module.draw_graph = real  # type: ignore[assignment]
    assert drew_on and all(name == "socmap-graph-draw" for name in drew_on)
    expected = QImage(shown.size(), QImage.Format.Format_ARGB32_Premultiplied)
    expected.setDevicePixelRatio(shown.devicePixelRatio())
    expected.fill(QColor("#ffffff"))
    p = QPainter(expected)
    draw_graph(p, scene, c._rect(), Viewport())
    p.end()
    assert shown.convertToFormat(expected.format()) == expected
    assert first != shown
    calls = len(drew_on)
    c.grab()
    assert len(drew_on) == calls  # the picture is kept


def test_a_replaced_scene_never_shows_the_old_picture(qtbot) -> None:  # type: ignore[no-untyped-def]
    import socmap.ui.views.graph_canvas as gc_module

    n = gc_module.ASYNC_ITEMS
    big = GraphScene(
        nodes=[GraphNode(f"n{i}", float(i % 50), float(i // 50), "") for i in range(n)], edges=[]
    )
    small = GraphScene(nodes=[GraphNode("x", 0, 0, "X", size=16)], edges=[])
    c = GraphCanvas()
    qtbot.addWidget(c)
    c.resize(300, 200)
    c.show()
    c.set_scene(big)
    c.grab()  # a paint: starts the background drawing of the big scene
    assert c.drawing
    c.set_scene(small)  # replaced before it arrives
    qtbot.waitUntil(lambda: not c.drawing, timeout=20_000)
    c.grab()
    assert c._pixmap_key[0] == id(small)
