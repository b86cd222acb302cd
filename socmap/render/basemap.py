"""Basemap layers under the threat layers (issue 16), drawn only from caches.

A frame never waits: vector files are read on a worker after the map data loads (drawn once
ready), missing tiles are fetched by worker threads into the disk cache (``services.basemaps``)
and drawn on a later frame; ``take_dirty()`` tells a view that something new arrived. Exports,
which are not frames, call :meth:`BasemapPainter.prefetch` to wait (bounded) for what they
need. Web Mercator tiles are warped into British National Grid tile by tile with
``QTransform.quadToQuad``; British National Grid tiles are squares on the map, only scaled; vector features are grouped into 5 km cells so only the cells in
view are drawn.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

from socmap.services.basemaps import (
    BasemapLayer,
    TileCache,
    VectorData,
    read_vector,
    tiles_for_layer,
)

if TYPE_CHECKING:
    from socmap.render.map import MapViewState

#: (fill, line colour, line width in px at ui_scale 1, largest scale in m/px it is drawn at)
VECTOR_STYLES: dict[str, tuple[str | None, str | None, float, float]] = {
    "builtup": ("#e4dfd8", None, 0.0, 1e9),
    "woodland": ("#d5e6c6", None, 0.0, 1e9),
    "water": ("#b7d2e8", "#8db4d3", 0.8, 1e9),
    "other": (None, "#a0a0a0", 0.6, 200.0),
    "rail": (None, "#6f6f6f", 1.0, 400.0),
    "road_minor": (None, "#ffffff", 1.6, 30.0),
    "road_b": (None, "#f3d28a", 2.0, 120.0),
    "road_a": (None, "#e99a73", 2.6, 1e9),
    "road_motorway": (None, "#6f8fc4", 3.2, 1e9),
}
CELL_M = 5000.0
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socmap-basemap")


def _ring_polygon(ring: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in ring])


class _VectorCells:
    """A vector layer's features as one QPainterPath per (class, 5 km cell), in map metres."""

    def __init__(self, data: VectorData) -> None:
        self.classes: list[tuple[str, dict[tuple[int, int], QPainterPath]]] = []
        for cls in data.classes:
            cells: dict[tuple[int, int], QPainterPath] = {}
            items = [(rings, True) for rings in cls.polygons] + [((ln,), False) for ln in cls.lines]
            for (rings, closed), b in zip(items, cls.bounds, strict=True):
                key = (int((b[0] + b[2]) / 2 // CELL_M), int((b[1] + b[3]) / 2 // CELL_M))
                path = cells.get(key)
                if path is None:
                    path = cells[key] = QPainterPath()
                    path.setFillRule(Qt.FillRule.OddEvenFill)
                for ring in rings:
                    if closed:
                        path.addPolygon(_ring_polygon(ring))
                        path.closeSubpath()
                    else:
                        path.moveTo(float(ring[0, 0]), float(ring[0, 1]))
                        for x, y in ring[1:].tolist():
                            path.lineTo(x, y)
            self.classes.append((cls.key, cells))
        # the largest feature extent, so cells just outside the view still draw their overhang
        spans = [
            float(
                max(
                    np.max(c.bounds[:, 2] - c.bounds[:, 0]), np.max(c.bounds[:, 3] - c.bounds[:, 1])
                )
            )
            for c in data.classes
            if len(c.bounds)
        ]
        self.reach = int(max(spans, default=0.0) // CELL_M) + 1


class BasemapPainter:
    """Draws a map's basemap layers from caches; never waits for a tile or a file."""

    def __init__(self, layers: Sequence[object]) -> None:
        self.layers = tuple(x for x in layers if isinstance(x, BasemapLayer))
        self._dirty = threading.Event()
        self._vectors: dict[int, Future[VectorData]] = {}
        self._cells: dict[int, _VectorCells] = {}
        self._tiles: dict[int, TileCache] = {}
        self._images: dict[tuple[int, int, int, int], QImage] = {}
        self._quads: dict[bool, tuple[tuple[float, ...], list]] = {}
        for layer in self.layers:
            if layer.is_tiles:
                self._tiles[layer.id] = TileCache(layer, on_ready=self._dirty.set)
            else:
                future = _LOADER.submit(read_vector, layer)
                future.add_done_callback(lambda _f: self._dirty.set())
                self._vectors[layer.id] = future

    def take_dirty(self) -> bool:
        """True (once) when a tile or vector layer arrived since the last call."""
        if self._dirty.is_set():
            self._dirty.clear()
            return True
        return False

    def prefetch(self, state: MapViewState, timeout: float = 30.0) -> None:
        """Wait (bounded) for the vector layers and the tiles ``state`` needs: for exports."""
        for future in self._vectors.values():
            try:
                future.result(timeout=timeout)
            except Exception:  # an unreadable file is drawn as nothing, not an export failure
                continue
        for cache in self._tiles.values():
            quads = self._tile_quads(state, cache.layer)
            cache.request((q.z, q.x, q.y) for q in quads)
            cache.wait(timeout)

    def _tile_quads(self, state: MapViewState, layer: BasemapLayer) -> list:
        """The layer's tiles in view (one list per grid, kept while the view stays)."""
        key = (*(round(v, 1) for v in state.bounds()), round(state.scale, 4))
        found = self._quads.get(layer.is_bng)
        if found is None or found[0] != key:
            found = self._quads[layer.is_bng] = (
                key,
                tiles_for_layer(layer, state.bounds(), state.scale),
            )
        return found[1]

    def draw(self, painter: QPainter, state: MapViewState) -> bool:
        """Draw what is cached for ``state``, bottom layer first; True when something was."""
        drew = False
        for layer in self.layers:
            if layer.is_tiles:
                drew |= self._draw_tiles(painter, state, layer)
            else:
                drew |= self._draw_vector(painter, state, layer)
        return drew

    def _draw_vector(self, painter: QPainter, state: MapViewState, layer: BasemapLayer) -> bool:
        cells = self._cells.get(layer.id)
        if cells is None:
            future = self._vectors.get(layer.id)
            if future is None or not future.done() or future.exception() is not None:
                return False
            cells = self._cells[layer.id] = _VectorCells(future.result())
        minx, miny, maxx, maxy = state.bounds()
        r = cells.reach
        c0, c1 = int(minx // CELL_M) - r, int(maxx // CELL_M) + r
        r0, r1 = int(miny // CELL_M) - r, int(maxy // CELL_M) + r
        painter.save()
        painter.setTransform(state.transform(), True)
        drew = False
        for key, by_cell in cells.classes:
            fill, line, width, max_scale = VECTOR_STYLES.get(key, VECTOR_STYLES["other"])
            if state.scale > max_scale:
                continue
            if fill:
                painter.setBrush(QBrush(QColor(fill)))
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
            if line:
                pen = QPen(QColor(line), width * state.ui_scale)
                pen.setCosmetic(True)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                if key == "rail":
                    pen.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(pen)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
            for (cx, cy), path in by_cell.items():
                if c0 <= cx <= c1 and r0 <= cy <= r1:
                    painter.drawPath(path)
                    drew = True
        painter.restore()
        return drew

    def _image(self, layer: BasemapLayer, key: tuple[int, int, int], data: bytes) -> QImage | None:
        ikey = (layer.id, *key)
        img = self._images.get(ikey)
        if img is None:
            img = QImage.fromData(data)
            if img.isNull():
                return None
            self._images[ikey] = img
        return img

    def _draw_tiles(self, painter: QPainter, state: MapViewState, layer: BasemapLayer) -> bool:
        cache = self._tiles[layer.id]
        quads = self._tile_quads(state, layer)
        missing = []
        drew = False
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        base = painter.transform()
        for q in quads:
            key = (q.z, q.x, q.y)
            data = cache.get(key)
            if data is None:
                missing.append(key)
                continue
            img = self._image(layer, key, data)
            if img is None:
                continue
            xs, ys = state.to_screen(
                np.array([c[0] for c in q.corners]), np.array([c[1] for c in q.corners])
            )
            target = QPolygonF([QPointF(float(x), float(y)) for x, y in zip(xs, ys, strict=True)])
            w, h = float(img.width()), float(img.height())
            source = QPolygonF([QPointF(0, 0), QPointF(w, 0), QPointF(w, h), QPointF(0, h)])
            t = QTransform()
            if not QTransform.quadToQuad(source, target, t):
                continue
            painter.setTransform(t * base)
            painter.drawImage(QRectF(0, 0, w + 0.6, h + 0.6), img)  # a hair wider: no seams
            drew = True
        painter.restore()
        if missing:
            cache.request(missing)
        return drew
