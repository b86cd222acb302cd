"""The Map tab: loading, zoom, pan, keys, selection both ways, layer toggles, tooltips."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QPushButton

from socmap.domain.changes import Changes
from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.tabs import TABS
from socmap.ui.tasks import TaskRunner
from socmap.ui.views.map_view import MapView


@pytest.fixture
def view(qtbot, demo_path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    ctx = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    v = MapView(ctx)
    qtbot.addWidget(v)
    v.resize(900, 640)
    v.show()
    qtbot.waitUntil(lambda: v.data is not None, timeout=10_000)
    yield v
    ctx.tasks.wait()
    store.close()


def _active_marker(v: MapView) -> tuple[int, QPoint]:
    """An active OCG marker that is alone within 12 px, and its pixel on the canvas."""
    m = v.data.markers
    sx, sy = v.state.to_screen(m.x, m.y)
    w, h = v.state.size
    for k in np.flatnonzero(m.active):
        if not (20 < sx[k] < w - 20 and 20 < sy[k] < h - 20):
            continue
        d = np.hypot(sx - sx[k], sy - sy[k])
        if np.sum(d < 12) == 1:
            return int(m.ocg_id[k]), QPoint(round(float(sx[k])), round(float(sy[k])))
    raise AssertionError("no isolated marker in view")


def test_map_tab_is_registered() -> None:
    assert ("Map", "socmap.ui.views.map_view:MapView") in TABS


def test_loads_and_fits_the_force(view) -> None:  # type: ignore[no-untyped-def]
    minx, miny, maxx, maxy = view.state.bounds()
    ex = view.data.extent
    assert minx <= ex[0] and miny <= ex[1] and maxx >= ex[2] and maxy >= ex[3]
    assert view.state.size == (view.canvas.width(), view.canvas.height())


def test_wheel_zooms_about_the_cursor(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QWheelEvent

    canvas = view.canvas
    before = canvas.state
    pos = QPointF(300, 200)
    anchor = before.to_map(pos.x(), pos.y())
    ev = QWheelEvent(
        pos,
        canvas.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    canvas.wheelEvent(ev)
    assert canvas.state.scale == pytest.approx(before.scale / 1.25**2)
    assert canvas.state.to_map(pos.x(), pos.y()) == pytest.approx(anchor)


def test_drag_pans_the_map(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    canvas = view.canvas
    before = canvas.state.centre
    start, end = QPoint(400, 300), QPoint(500, 340)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for t in (0.25, 0.5, 1.0):
        p = start + (end - start) * t
        qtbot.mouseMove(canvas, p)
        # offscreen mouseMove does not carry the button state: send the event ourselves
        from PySide6.QtGui import QMouseEvent

        canvas.mouseMoveEvent(
            QMouseEvent(
                QMouseEvent.Type.MouseMove,
                QPointF(p),
                canvas.mapToGlobal(QPointF(p)),
                Qt.MouseButton.NoButton,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            )
        )
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    s = canvas.state.scale
    assert canvas.state.centre == pytest.approx((before[0] - 100 * s, before[1] + 40 * s))


def test_keys_pan_and_zoom(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    canvas = view.canvas
    s0 = canvas.state
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.state.scale == pytest.approx(s0.scale / 1.5)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.state.scale == pytest.approx(s0.scale)
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.state.centre[0] > s0.centre[0]
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.state.centre[1] > s0.centre[1]
    canvas.zoom(4)
    qtbot.mouseClick(view.findChild(QPushButton, "fit"), Qt.MouseButton.LeftButton)
    assert canvas.state.scale == pytest.approx(s0.scale)


def test_click_on_a_marker_selects_the_ocg(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    ocg_id, at = _active_marker(view)
    with qtbot.waitSignal(view.ctx.bus.ocg_selected, timeout=2000) as sig:
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=at)
    assert sig.args == [ocg_id]
    assert view.state.selected_ocg == ocg_id
    assert view.data.ocgs[ocg_id].name in view.canvas.tooltip_at(QPointF(at))


def test_selection_from_elsewhere_highlights_the_markers(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    ocg_id, at = _active_marker(view)
    before = view.canvas.grab().toImage()
    view.ctx.bus.ocg_selected.emit(ocg_id)
    assert view.state.selected_ocg == ocg_id
    after = view.canvas.grab().toImage()
    ring = [
        before.pixelColor(at.x() + dx, at.y()) != after.pixelColor(at.x() + dx, at.y())
        for dx in range(6, 14)
    ]
    assert any(ring)


def test_layer_toggle_hides_intelligence(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    box = view.layer_boxes["intel"]
    assert box.isChecked() and "intel" in view.state.layers
    box.click()
    assert "intel" not in view.state.layers
    # with areas and markers off too, only the background is left where reports were
    # every other layer that is on, context layers (basemap, neighbourhoods, places) included
    for name, other in view.layer_boxes.items():
        if name != "intel" and other.isChecked():
            other.click()
    img = view.canvas.grab().toImage()
    intel = view.data.intel
    sx, sy = view.state.to_screen(intel.x[::50], intel.y[::50])
    w, h = view.state.size
    inside = (sx > 250) & (sx < w - 60) & (sy > 60) & (sy < h - 60)

    def background_share() -> float:
        pixels = [
            img.pixelColor(int(x), int(y)).name()
            for x, y in zip(sx[inside], sy[inside], strict=True)
        ]
        return sum(p == "#e9eef2" for p in pixels) / len(pixels)

    assert background_share() > 0.9  # only area outlines cross some reports
    box.click()
    img = view.canvas.grab().toImage()
    assert background_share() < 0.5


def test_cursor_reports_british_national_grid(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    messages: list[str] = []
    view.ctx.bus.status_message.connect(messages.append)
    with qtbot.waitSignal(view.cursor_moved, timeout=2000) as sig:
        qtbot.mouseMove(view.canvas, QPoint(321, 222))
    x, y = view.state.to_map(321, 222)
    assert sig.args == pytest.approx([x, y], abs=1.0)
    assert messages and messages[-1].startswith(f"E {x:,.0f}")
    assert view.coords.text() == messages[-1]


def test_tooltip_over_an_area_names_it_with_its_count(view) -> None:  # type: ignore[no-untyped-def]
    area = view.data.areas[0]
    sx, sy = view.state.to_screen(*area.label_xy)
    canvas = view.canvas
    # find a spot in the area away from markers
    text = ""
    for dx in range(0, 60, 7):
        x, y = float(sx) + dx, float(sy) + 25
        if canvas.renderer.marker_at(canvas.state, x, y) is None:
            text = canvas.tooltip_at(QPointF(x, y))
            break
    assert area.name in text and view.data.threat.area_text[area.id] in text


def test_refreshes_after_changes_to_map_kinds(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    first = view.canvas.renderer
    view.ctx.bus.changes_applied.emit(Changes.of("nominal", 1), None)
    assert view.canvas.renderer is first
    view.ctx.bus.changes_applied.emit(Changes.of("location", 1), None)
    qtbot.waitUntil(lambda: view.canvas.renderer is not first, timeout=10_000)


def test_selection_from_elsewhere_brings_the_group_into_view(view) -> None:  # type: ignore[no-untyped-def]
    m = view.data.markers
    view.canvas.zoom(30)
    minx, miny, maxx, maxy = view.state.bounds()
    outside = np.flatnonzero(~((m.x >= minx) & (m.x <= maxx) & (m.y >= miny) & (m.y <= maxy)))
    ocg_id = int(m.ocg_id[outside[0]])
    view.ctx.bus.ocg_selected.emit(ocg_id)
    minx, miny, maxx, maxy = view.state.bounds()
    sel = m.ocg_id == ocg_id
    assert ((m.x[sel] >= minx) & (m.x[sel] <= maxx) & (m.y[sel] >= miny) & (m.y[sel] <= maxy)).any()


def test_hidden_map_loads_on_first_show_and_after_changes(qtbot, demo_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    ctx = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    v = MapView(ctx)
    qtbot.addWidget(v)
    assert v.data is None  # nothing read while hidden
    v.show()
    qtbot.waitUntil(lambda: v.data is not None, timeout=10_000)
    first = v.canvas.renderer
    v.hide()
    ctx.bus.changes_applied.emit(Changes.of("ocg", 1), None)
    assert v.canvas.renderer is first
    v.show()
    qtbot.waitUntil(lambda: v.canvas.renderer is not first, timeout=10_000)
    ctx.tasks.wait()
    store.close()


def test_closing_while_loading_is_harmless(qtbot, demo_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    ctx = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    v = MapView(ctx)
    v.show()
    v.deleteLater()
    qtbot.wait(10)
    ctx.tasks.wait()
    qtbot.wait(50)  # the finished signal arrives after the view is gone: no error
    store.close()


def test_go_to_neighbourhood_outlines_and_zooms(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    """The demo's real wards (issue 16): choosing one zooms to it and names it on the map."""
    from PySide6.QtGui import QImage, QPainter

    assert view.neighbourhood.count() == 1 + len(view.data.neighbourhoods) == 258
    k = view.neighbourhood.findText("Edgmond (Telford & Wrekin)")
    view.neighbourhood.setCurrentIndex(k)
    nb = view.data.neighbourhood(view.neighbourhood.currentData())
    assert view.state.highlighted_neighbourhood == nb.id
    minx, miny, maxx, maxy = view.state.bounds()
    b = nb.bounds
    assert minx <= b[0] and maxx >= b[2] and miny <= b[1] and maxy >= b[3]
    assert max((b[2] - b[0]) / (maxx - minx), (b[3] - b[1]) / (maxy - miny)) > 0.6
    img = QImage(view.canvas.width(), view.canvas.height(), QImage.Format.Format_ARGB32)
    painter = QPainter(img)
    view.canvas.renderer.render(painter, view.state)
    painter.end()
    drawn = view.canvas.renderer.drawn_labels
    assert next(t for k, t, _r in drawn if k == "neighbourhood") == "Edgmond"
    assert any(kind == "place" for kind, _t, _r in drawn)


def test_vector_basemap_tiles_fill_between_frames(qtbot, demo_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The canvas draws the vector basemap's tiles in slices between frames and repaints."""
    import geopandas as gpd
    from PySide6.QtGui import QColor
    from shapely.geometry import LineString

    from socmap.services import basemaps

    store = open_store(demo_path)
    lines = [LineString([(x, 250000), (x + 2000, 330000)]) for x in range(320000, 410000, 3000)]
    gpkg = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame({"class": ["A Road"] * len(lines)}, geometry=lines, crs=27700).to_file(
        gpkg, layer="roads", driver="GPKG"
    )
    basemaps.add_basemap(store, "vector", str(gpkg), layer="roads")
    ctx = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    v = MapView(ctx)
    qtbot.addWidget(v)
    v.resize(900, 640)
    v.show()
    qtbot.waitUntil(lambda: v.data is not None and v.canvas.renderer is not None, timeout=10_000)
    basemap = v.canvas.renderer.basemap
    basemap.load(20)
    v.canvas.repaint()  # a frame asks for the view's tiles...
    qtbot.waitUntil(lambda: not basemap.pending(), timeout=20_000)  # ...the canvas draws them
    frame = v.canvas.grab().toImage()
    x, y = _road_pixel(v)
    between = x + round(1500 / v.canvas.state.scale)  # half way to the next road
    road = QColor("#e99a73")  # an A road, tinted by the area shading over it

    def distance(c: QColor) -> int:
        return (
            abs(c.red() - road.red()) + abs(c.green() - road.green()) + abs(c.blue() - road.blue())
        )

    assert distance(frame.pixelColor(x, y)) + 40 < distance(frame.pixelColor(between, y))
    ctx.tasks.wait()
    store.close()


def _road_pixel(v: MapView) -> tuple[int, int]:
    """A pixel on the first synthetic road, clear of the force's outlines."""
    sx, sy = v.canvas.state.to_screen(np.array([320000 + 2000 * 0.5]), np.array([290000.0]))
    return round(float(sx[0])), round(float(sy[0]))


def test_names_wait_until_a_pan_or_zoom_stops(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    """Placing names was most of a frame (a 96 ms median against 14 ms for the bare geometry):
    frames in motion leave them out, and they come back once the view is still."""
    canvas = view.canvas
    qtbot.waitUntil(lambda: canvas.renderer is not None, timeout=10_000)
    canvas.repaint()
    assert canvas.renderer.drawn_labels  # a still view names places and groups
    canvas.zoom(1.25)
    canvas.pan(30, -20)
    assert canvas.moving
    canvas.repaint()
    assert canvas.renderer.drawn_labels == []
    qtbot.waitUntil(lambda: not canvas.moving, timeout=2_000)
    canvas.repaint()
    assert canvas.renderer.drawn_labels


@pytest.fixture
def warmed_on(monkeypatch):  # type: ignore[no-untyped-def]
    """The threads MapRenderer.warm ran on (set up before ``view`` loads its data)."""
    import threading

    from socmap.render import context
    from socmap.ui.views import map_view

    context._SPRITES.clear()
    threads: list[threading.Thread] = []
    original = map_view.MapRenderer.warm

    def warm(self, state):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        original(self, state)

    monkeypatch.setattr(map_view.MapRenderer, "warm", warm)
    return threads


def test_the_first_frame_finds_its_sprites_made_on_the_worker(warmed_on, view) -> None:  # type: ignore[no-untyped-def]
    """The worker that builds the map's renderer draws the first view once off screen, so the
    first frame on screen blits every label and marker sprite instead of making them (at
    national scale, making them held the first four frames at 45-65 ms)."""
    import threading

    from PySide6.QtGui import QImage, QPainter

    from socmap.render import context

    assert warmed_on and warmed_on[0] is not threading.main_thread()
    made = len(context._SPRITES)
    assert made > 0  # the demo's view has labels with halos
    image = QImage(view.canvas.size(), QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    with context.sprite_budget(0.0) as budget:  # no time to make any: all must be there
        view.canvas.renderer.render(painter, view.state)
    painter.end()
    assert budget.made == 0 and not budget.incomplete
    assert len(context._SPRITES) == made
