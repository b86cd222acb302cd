"""The Map tab: threat-shaded areas, OCG markers and intelligence, drawn by render/map.py."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.changes import Changes
from socmap.render.basemap import FILL_SLICE_S
from socmap.render.context import sprite_budget
from socmap.render.map import DEFAULT_LAYERS, LAYER_LABELS, LAYERS, MapRenderer, MapViewState
from socmap.services import offload
from socmap.services.map_data import MapData
from socmap.services.session import Store
from socmap.ui.context import UiContext

#: Kinds of change after which the map reloads its data.
MAP_KINDS = ("area", "location", "ocg", "intel")
WHEEL_STEP = 1.25
KEY_ZOOM = 1.5
#: basemap tiles drawn (in FILL_SLICE_S slices) before the map is repainted to show them
FILL_REPAINT_TILES = 12


def _first_state(state: MapViewState, fitted: bool, data: MapData) -> MapViewState:
    """The view a canvas in ``state`` shows ``data`` in: the whole force until it was fitted
    once, the same view after that."""
    if fitted:
        return state
    return MapViewState.fit(
        data.extent,
        state.size,
        layers=state.layers,
        selected_ocg=state.selected_ocg,
        highlighted_area=state.highlighted_area,
    )


def _load(store: Store, progress: Any, state: MapViewState, fitted: bool) -> MapRenderer:
    """Worker: read the map data in a worker process (a million points read in Python would
    hold this process's GIL for seconds, and the window waits for it), then build the
    renderer's caches here (QImage/QPainterPath are usable off the GUI thread), and draw the
    first view once so that its sprites are made here too."""
    data: MapData = offload.run_in_process(
        store, "socmap.services.map_data:load_map_data", write=False, progress=progress
    )
    renderer = MapRenderer(data)
    if not progress.cancelled:
        renderer.warm(_first_state(state, fitted, data))
    return renderer


class MapCanvas(QWidget):
    """The drawing surface: pan with drag or arrow keys, zoom with the wheel or +/-."""

    cursor_moved = Signal(float, float)
    marker_clicked = Signal(int)  # ocg id
    area_clicked = Signal(int)  # area id (0: outside every area)

    #: seconds a frame may spend making new label sprites (the rest follow in later frames)
    SPRITE_BUDGET_S = 0.020
    #: while the user pans or zooms, frames leave the names out (placing them is most of a
    #: frame's cost); they are drawn this long after the last move (ms)
    LABELS_AFTER_MS = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("map_canvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self.renderer: MapRenderer | None = None
        self.state = MapViewState((0.0, 0.0), 100.0, (self.width(), self.height()))
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragged = False
        self._fitted = False
        self.message = "Loading the map…"
        # basemap tiles and vector layers arrive on worker threads: repaint when one lands
        self._basemap_timer = QTimer(self, interval=200)
        self._basemap_timer.timeout.connect(self._basemap_arrived)
        self._basemap_timer.start()
        # vector basemap tiles are drawn between frames in short slices on this thread (their
        # QPainter calls hold the GIL, so a worker thread would stall frames instead)
        self._fill_timer = QTimer(self, singleShot=True, interval=0)
        self._fill_timer.timeout.connect(self._fill_basemap)
        self._filled_since_paint = 0
        self.moving = False
        self._settle = QTimer(self, singleShot=True, interval=self.LABELS_AFTER_MS)
        self._settle.timeout.connect(self._settled)

    def _moved(self) -> None:
        self.moving = True
        self._settle.start()

    def _settled(self) -> None:
        self.moving = False
        self.update()

    def _basemap_arrived(self) -> None:
        if self.renderer is not None and self.renderer.basemap.take_dirty():
            self.update()

    def _fill_basemap(self) -> None:
        if self.renderer is None:
            return
        basemap = self.renderer.basemap
        self._filled_since_paint += basemap.work(FILL_SLICE_S)
        if not basemap.pending() or self._filled_since_paint >= FILL_REPAINT_TILES:
            self._filled_since_paint = 0
            self.update()  # the repaint starts the next slice
        else:
            self._fill_timer.start()

    # --- state ---------------------------------------------------------------------------

    @property
    def fitted(self) -> bool:
        """True once the view was fitted to the data (later data keeps the view)."""
        return self._fitted

    def set_renderer(self, renderer: MapRenderer | None) -> None:
        """Show new data; the first data fits the view to the force."""
        self.renderer = renderer
        if renderer is not None and not self._fitted:
            self.fit()
        self.update()

    def set_state(self, state: MapViewState) -> None:
        """Replace the view state and repaint."""
        self.state = state
        self.update()

    def fit(self) -> None:
        """Show the whole force."""
        if self.renderer is None:
            return
        self._fitted = True
        self.state = replace(self.state, size=(self.width(), self.height()))
        self.set_state(_first_state(self.state, False, self.renderer.data))

    def zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom in by ``factor`` (out when < 1) about ``anchor`` (default: the centre)."""
        self._moved()
        self.set_state(
            self.state.zoomed(factor, (anchor.x(), anchor.y()) if anchor is not None else None)
        )

    def pan(self, dx: float, dy: float) -> None:
        """Move the map with the pointer by (dx, dy) pixels."""
        self._moved()
        self.set_state(self.state.panned(dx, dy))

    # --- Qt overrides --------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.renderer is None:
            painter.fillRect(self.rect(), QColor("#e9eef2"))
            painter.setPen(QColor("#5b6875"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
        else:
            with sprite_budget(self.SPRITE_BUDGET_S) as budget:
                self.renderer.render(painter, self.state, labels=not self.moving)
            if budget.incomplete:  # labels still without their halo: finish in the next frame
                QTimer.singleShot(0, self.update)
            if self.renderer.basemap.pending():
                self._fill_timer.start()
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        size = (max(1, event.size().width()), max(1, event.size().height()))
        self.state = replace(self.state, size=size)
        if self.renderer is not None and not self._fitted:
            self.fit()
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(WHEEL_STEP**steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = self._last = event.position()
            self._dragged = False
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._last is not None and event.buttons() & Qt.MouseButton.LeftButton:
            if self._press is not None and (pos - self._press).manhattanLength() > 3:
                self._dragged = True
            if self._dragged:
                self.pan(pos.x() - self._last.x(), pos.y() - self._last.y())
                self._last = pos
        x, y = self.state.to_map(pos.x(), pos.y())
        self.cursor_moved.emit(x, y)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            self.unsetCursor()
            if not self._dragged:
                self._click(event.position())
            self._press = self._last = None
        super().mouseReleaseEvent(event)

    def _click(self, pos: QPointF) -> None:
        if self.renderer is None:
            return
        hit = self.renderer.marker_at(self.state, pos.x(), pos.y())
        if hit is not None:
            self.marker_clicked.emit(int(self.renderer.data.markers.ocg_id[hit]))
            return
        x, y = self.state.to_map(pos.x(), pos.y())
        self.area_clicked.emit(self.renderer.area_at(x, y) or 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        step_x, step_y = self.width() / 8, self.height() / 8
        moves = {
            Qt.Key.Key_Left: (step_x, 0),
            Qt.Key.Key_Right: (-step_x, 0),
            Qt.Key.Key_Up: (0, step_y),
            Qt.Key.Key_Down: (0, -step_y),
        }
        if key in moves:
            self.pan(*moves[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(KEY_ZOOM)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom(1 / KEY_ZOOM)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_0):
            self.fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def tooltip_at(self, pos: QPointF) -> str:
        """The tooltip text for pixel ``pos``: an OCG at a marker, else the area and its count."""
        if self.renderer is None:
            return ""
        data = self.renderer.data
        hit = self.renderer.marker_at(self.state, pos.x(), pos.y())
        if hit is not None:
            o = data.ocgs.get(int(data.markers.ocg_id[hit]))
            if o is not None:
                kind = data.markers.kinds[int(data.markers.kind[hit])].replace("_", " ")
                band = f" · band {o.band}" if o.band else ""
                return (
                    f"<b>{o.name}</b> ({o.ref})<br>{o.status}{band} · {o.market_labels}<br>{kind}"
                )
        x, y = self.state.to_map(pos.x(), pos.y())
        aid = self.renderer.area_at(x, y)
        area = data.area(aid) if aid else None
        if area is not None:
            return f"<b>{area.name}</b><br>{data.threat.area_text.get(area.id, '')}"
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class MapView(QWidget):
    """The Map tab: toolbar (layers, fit) over a MapCanvas, linked to the app's selection."""

    cursor_moved = Signal(float, float)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("map_view")
        self.canvas = MapCanvas(self)
        self.layer_boxes: dict[str, QCheckBox] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(QLabel("Show:"))
        for name in LAYERS:
            box = QCheckBox(LAYER_LABELS[name], objectName=f"layer_{name}")
            box.setChecked(name in DEFAULT_LAYERS)
            box.toggled.connect(lambda on, name=name: self._on_layer_toggled(name, on))
            self.layer_boxes[name] = box
            bar.addWidget(box)
        # go to a neighbourhood: outlined, zoomed with its surroundings (issue 16)
        self.neighbourhood = QComboBox(objectName="map_neighbourhood")
        self.neighbourhood.addItem("Go to neighbourhood…", None)
        self.neighbourhood.setMinimumContentsLength(18)
        self.neighbourhood.currentIndexChanged.connect(self._on_neighbourhood_chosen)
        bar.addWidget(self.neighbourhood)
        bar.addStretch(1)
        self.coords = QLabel("", objectName="map_coords")
        self.coords.setMinimumWidth(200)
        bar.addWidget(self.coords)
        for text, name, slot in (
            ("−", "zoom_out", lambda: self.canvas.zoom(1 / KEY_ZOOM)),
            ("+", "zoom_in", lambda: self.canvas.zoom(KEY_ZOOM)),
            ("Fit to force", "fit", self.canvas.fit),
        ):
            b = QPushButton(text, objectName=name)
            b.setToolTip(
                {"zoom_out": "Zoom out (-)", "zoom_in": "Zoom in (+)"}.get(
                    name, "Show the whole force (Home)"
                )
            )
            b.clicked.connect(slot)
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)

        self.canvas.cursor_moved.connect(self._on_canvas_cursor_moved)
        self.canvas.marker_clicked.connect(self._on_canvas_marker_clicked)
        self.canvas.area_clicked.connect(self._on_canvas_area_clicked)
        ctx.bus.ocg_selected.connect(self._on_bus_ocg_selected)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self._loading = False
        self._reload_again = False
        self._stale = True  # loaded on first show, so a hidden tab costs nothing at start-up

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    # --- data ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the map data on a worker (national scale takes a few seconds) and redraw."""
        if self._loading:
            self._reload_again = True
            return
        self._stale = False
        self._loading = True
        self._reload_again = False
        canvas = self.canvas
        self.ctx.tasks.run(
            functools.partial(_load, state=canvas.state, fitted=canvas.fitted),
            write=False,
            on_done=self._on_loaded,
            on_error=self._on_failed,
            view=self,
        )

    def _on_loaded(self, renderer: MapRenderer) -> None:
        if not isValid(self) or not isValid(self.canvas):
            return  # the view was closed while its data loaded
        self._loading = False
        self.canvas.set_renderer(renderer)
        self._fill_neighbourhoods(renderer.data)
        if self._reload_again:
            self.reload()

    def _on_failed(self, exc: BaseException) -> None:
        if not isValid(self) or not isValid(self.canvas):
            return
        self._loading = False
        self.canvas.message = f"The map could not be loaded: {exc}"
        self.canvas.update()

    @property
    def data(self) -> MapData | None:
        """The data on show (None while loading)."""
        return self.canvas.renderer.data if self.canvas.renderer else None

    @property
    def state(self) -> MapViewState:
        """The canvas's view state."""
        return self.canvas.state

    # --- handlers ------------------------------------------------------------------------

    def _fill_neighbourhoods(self, data: MapData) -> None:
        current = self.neighbourhood.currentData()
        areas = {a.id: a.name for a in data.areas}
        self.neighbourhood.blockSignals(True)
        self.neighbourhood.clear()
        self.neighbourhood.addItem("Go to neighbourhood…", None)
        for n in sorted(
            data.neighbourhoods, key=lambda n: (areas.get(n.area_id or 0, ""), n.name.casefold())
        ):
            self.neighbourhood.addItem(f"{n.name} ({areas.get(n.area_id or 0, 'no area')})", n.id)
        self.neighbourhood.setCurrentIndex(max(0, self.neighbourhood.findData(current)))
        self.neighbourhood.blockSignals(False)

    def show_neighbourhood(self, neighbourhood_id: int | None) -> None:
        """Outline a neighbourhood and zoom to it with its surroundings (None: clear)."""
        data = self.data
        found = data.neighbourhood(neighbourhood_id) if data and neighbourhood_id else None
        state = replace(self.canvas.state, highlighted_neighbourhood=found.id if found else None)
        if found is not None:
            minx, miny, maxx, maxy = found.bounds
            pad = max(maxx - minx, maxy - miny) * 0.2
            fitted = MapViewState.fit(
                (minx - pad, miny - pad, maxx + pad, maxy + pad),
                (self.canvas.width(), self.canvas.height()),
                margin=0.0,
            )
            state = replace(state, centre=fitted.centre, scale=fitted.scale)
        self.canvas.set_state(state)

    def _on_neighbourhood_chosen(self) -> None:
        self.show_neighbourhood(self.neighbourhood.currentData())

    def _on_layer_toggled(self, name: str, on: bool) -> None:
        layers = set(self.canvas.state.layers)
        (layers.add if on else layers.discard)(name)
        self.canvas.set_state(replace(self.canvas.state, layers=frozenset(layers)))

    def _on_canvas_cursor_moved(self, x: float, y: float) -> None:
        text = f"E {x:,.0f}  N {y:,.0f} (BNG)"
        self.coords.setText(text)
        self.cursor_moved.emit(x, y)
        self.ctx.bus.status_message.emit(text)

    def _on_canvas_marker_clicked(self, ocg_id: int) -> None:
        self.canvas.set_state(replace(self.canvas.state, selected_ocg=ocg_id))
        self.ctx.bus.ocg_selected.emit(ocg_id)

    def _on_canvas_area_clicked(self, area_id: int) -> None:
        self.canvas.set_state(replace(self.canvas.state, highlighted_area=area_id or None))

    def _on_bus_ocg_selected(self, ocg_id: int) -> None:
        if self.canvas.state.selected_ocg == ocg_id:
            return
        state = replace(self.canvas.state, selected_ocg=ocg_id)
        data = self.data
        if data is not None:
            # bring the group into view when none of its locations is on screen
            sel = data.markers.ocg_id == ocg_id
            if sel.any():
                minx, miny, maxx, maxy = state.bounds()
                xs, ys = data.markers.x[sel], data.markers.y[sel]
                if not ((xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy)).any():
                    state = replace(state, centre=(float(xs.mean()), float(ys.mean())))
        self.canvas.set_state(state)

    def _on_bus_changes_applied(self, changes: Changes, initiator: object) -> None:
        if isinstance(changes, Changes) and changes.touches(*MAP_KINDS):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True


if __name__ == "__main__":  # pragma: no cover - manual check with the demo force
    import sys

    from socmap.ui.preview import preview_context

    app, ctx = preview_context(sys.argv[1])
    view = MapView(ctx)
    view.resize(1280, 800)
    view.show()
    app.exec()
