"""GraphCanvas: an interactive view of a GraphScene (wheel zoom, drag pan, hover, click).

Painting goes through ``socmap.render.graph.draw_graph``, the same code the PNG/SVG exports use.
A large scene (``ASYNC_ITEMS`` nodes and edges or more) is drawn into an image on a background
thread (QPainter on a QImage is safe off the GUI thread): drawing a national partner graph took
150 ms of the UI thread, a frozen frame; meanwhile the canvas shows the last picture, or says
that it is drawing.
"""

from __future__ import annotations

import contextlib
import copy
import threading

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from socmap.render.graph import (
    GraphNode,
    GraphScene,
    Viewport,
    draw_graph,
    mapping_for,
    node_at,
    plot_rect,
    zoom_about,
)

#: a scene with at least this many nodes and edges is drawn on a background thread
ASYNC_ITEMS = 2500
#: what a drawing shows: (scene id, zoom, width, height, pixel ratio) and the pan
_Drawing = tuple[tuple[object, ...], tuple[float, float]]


class GraphCanvas(QWidget):
    """Shows one GraphScene; emits ``node_clicked(node_id)`` when a node is clicked."""

    node_clicked = Signal(str)
    node_hovered = Signal(str)
    #: a background drawing is done: (what was drawn, the image)
    _drawn = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = GraphScene()
        self.viewport = Viewport()
        self.setMouseTracking(True)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragged = False
        self._hover: str | None = None
        self._pixmap: QPixmap | None = None
        self._pixmap_key: tuple[object, ...] = ()
        self._pixmap_pan: tuple[float, float] = (0.0, 0.0)
        #: the drawing wanted next, and whether one is being drawn in the background now
        self._wanted: _Drawing | None = None
        self._drawing = False
        self._drawn.connect(self._on_drawn)

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

    # ------------------------------------------------------------------ public

    def set_scene(self, scene: GraphScene, *, keep_view: bool = False) -> None:
        """Show ``scene``; ``keep_view`` keeps zoom and pan (a redraw after a filter)."""
        self.scene = scene
        self._pixmap = None
        if not keep_view:
            self.viewport.reset()
        self.update()

    def reset_view(self) -> None:
        """Fit the whole graph."""
        self.viewport.reset()
        self.update()

    def zoom_by(self, factor: float) -> None:
        """Zoom about the centre."""
        zoom_about(self.viewport, factor, self._content_rect().center(), self._content_rect())
        self.update()

    def node_position(self, node_id: str) -> QPointF | None:
        """Where a node is drawn now, in widget coordinates (for tests and tooltips)."""
        for n in self.scene.nodes:
            if n.id == node_id:
                return mapping_for(self.scene, self._content_rect(), self.viewport).to_device(
                    n.x, n.y
                )
        return None

    def node_under(self, point: QPointF) -> GraphNode | None:
        """The node under a widget point, if any."""
        return node_at(self.scene, self._rect(), self.viewport, point)

    # ------------------------------------------------------------------ Qt

    def _rect(self) -> QRectF:
        return QRectF(0, 0, self.width(), self.height())

    def _content_rect(self) -> QRectF:
        return plot_rect(self.scene, self._rect())

    def paintEvent(self, event: QPaintEvent) -> None:
        # The drawn graph is kept as a pixmap: a drag-pan only shifts it (a national graph takes
        # most of a second to draw); it is redrawn when the drag ends or anything else changes.
        key = (
            id(self.scene),
            self.viewport.zoom,
            self.width(),
            self.height(),
            self.devicePixelRatioF(),
        )
        pan = (self.viewport.pan_x, self.viewport.pan_y)
        painter = QPainter(self)
        if self._pixmap is not None and self._pixmap_key == key and self._dragged:
            dx, dy = pan[0] - self._pixmap_pan[0], pan[1] - self._pixmap_pan[1]
            painter.fillRect(self.rect(), QColor("#ffffff"))
            painter.drawPixmap(QPointF(dx, dy), self._pixmap)
            painter.end()
            return
        if self._pixmap is None or self._pixmap_key != key or self._pixmap_pan != pan:
            if self.drawn_in_background:
                self._want((key, pan))
                painter.fillRect(self.rect(), QColor("#ffffff"))
                if self._pixmap is not None:  # the last picture until the new one is drawn
                    painter.drawPixmap(QPointF(0, 0), self._pixmap)
                else:
                    painter.setPen(QColor("#5f6368"))
                    painter.drawText(
                        self.rect(), Qt.AlignmentFlag.AlignCenter, "Drawing the graph…"
                    )
                painter.end()
                return
            ratio = self.devicePixelRatioF()
            pixmap = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(QColor("#ffffff"))
            p = QPainter(pixmap)
            draw_graph(p, self.scene, self._rect(), self.viewport)
            p.end()
            self._pixmap, self._pixmap_key, self._pixmap_pan = pixmap, key, pan
        painter.drawPixmap(QPointF(0, 0), self._pixmap)
        painter.end()

    @property
    def drawn_in_background(self) -> bool:
        """True when the scene is large enough to be drawn off the UI thread."""
        return len(self.scene.nodes) + len(self.scene.edges) >= ASYNC_ITEMS

    @property
    def drawing(self) -> bool:
        """True while a background drawing is wanted or under way."""
        return self._drawing or self._wanted is not None

    def _want(self, what: _Drawing) -> None:
        """Ask for a background drawing of ``what`` (key, pan); one runs at a time, and only
        the latest wish is drawn after it."""
        if self._drawing:
            self._wanted = what
            return
        self._wanted = None
        self._drawing = True
        scene, rect, viewport = self.scene, self._rect(), copy.copy(self.viewport)
        ratio = self.devicePixelRatioF()
        width, height = int(self.width() * ratio), int(self.height() * ratio)

        def draw() -> None:
            image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(ratio)
            image.fill(QColor("#ffffff"))
            painter = QPainter(image)
            try:
                draw_graph(painter, scene, rect, viewport)
            finally:
                painter.end()
            with contextlib.suppress(RuntimeError):  # the canvas was deleted while this drew
                self._drawn.emit(what, image)

        threading.Thread(target=draw, name="socmap-graph-draw", daemon=True).start()

    def _on_drawn(self, what: _Drawing, image: QImage) -> None:
        self._drawing = False
        key, pan = what
        if key and key[0] == id(self.scene):  # not a scene replaced meanwhile
            self._pixmap, self._pixmap_key, self._pixmap_pan = QPixmap.fromImage(image), key, pan
        if self._wanted is not None and self._wanted != what:
            self._want(self._wanted)
        else:
            self._wanted = None
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            zoom_about(self.viewport, 1.2**steps, event.position(), self._content_rect())
            self.update()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._last = event.position()
            self._dragged = False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._press is not None and self._last is not None:
            if (pos - self._press).manhattanLength() > 4:
                self._dragged = True
            if self._dragged:
                self.viewport.pan_x += pos.x() - self._last.x()
                self.viewport.pan_y += pos.y() - self._last.y()
                self._last = pos
                self.update()
                return
        node = self.node_under(pos)
        node_id = node.id if node else None
        if node_id != self._hover:
            self._hover = node_id
            if node is not None:
                self.setCursor(Qt.CursorShape.PointingHandCursor)
                QToolTip.showText(
                    event.globalPosition().toPoint(), node.tooltip or node.label, self
                )
                self.node_hovered.emit(node.id)
            else:
                self.unsetCursor()
                QToolTip.hideText()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            if not self._dragged:
                node = self.node_under(event.position())
                if node is not None:
                    self.node_clicked.emit(node.id)
            was_drag = self._dragged
            self._press = None
            self._last = None
            self._dragged = False
            if was_drag:
                self.update()  # redraw sharp at the new position
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.node_under(event.position()) is None:
            self.reset_view()
