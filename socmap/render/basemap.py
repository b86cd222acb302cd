"""Basemap layers under the threat layers (issue 16), drawn only from caches.

A frame never waits: vector files are read (and turned into paths) on a worker after the map
data loads, missing tiles are fetched by worker threads into the disk cache
(``services.basemaps``) and drawn on a later frame; ``take_dirty()`` tells a view that something
new arrived. Web Mercator tiles are warped into British National Grid tile by tile with
``QTransform.quadToQuad``; British National Grid tiles are squares on the map, only scaled.
Vector features are grouped into 1 km and 5 km cells so only the cells in view are drawn; on
screen they are drawn into 256 px tiles between frames (``BasemapPainter.work``) and a frame
only blits those. Exports, which are not frames, call :meth:`BasemapPainter.prefetch` to wait
(bounded) for what they need, and draw vector layers straight from their paths.
"""

from __future__ import annotations

import math
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QRegion,
    QTransform,
)

from socmap.services.basemaps import (
    BasemapLayer,
    TileCache,
    VectorClass,
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
FINE_CELL_M = 1000.0
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socmap-basemap")


def _load_cells(layer: BasemapLayer) -> _VectorCells:
    return _VectorCells(read_vector(layer))


class _VectorCells:
    """A vector layer's features as QPainterPaths per (class, cell), in map metres, at two
    cell sizes: 1 km cells zoomed in (a tile or a view draws few of them) and 5 km cells zoomed
    out (fewer draw calls). A feature belongs to the cell holding the centre of its bounds, so
    it is drawn once; each cell keeps the bounds of its features for culling."""

    def __init__(self, data: VectorData) -> None:
        #: (cell size in metres, [(class key, cell bounds (n, 4), paths)]), finest first
        self.levels: list[tuple[float, list[tuple[str, np.ndarray, list[QPainterPath]]]]] = [
            (size, [(cls.key, *_cell_paths(cls, size)) for cls in data.classes])
            for size in (FINE_CELL_M, CELL_M)
        ]

    def level(self, scale: float) -> list[tuple[str, np.ndarray, list[QPainterPath]]]:
        """The cells to draw with at ``scale`` m/px: fine while a 256 px tile spans at most
        four coarse cells. Chosen by scale alone, so a tile and an export at the same scale
        group features alike (strokes that cross antialias the same way)."""
        return self.levels[0][1] if scale * 256 <= 4 * CELL_M else self.levels[1][1]


_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])


def _reduce_boxes(boxes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The union of consecutive runs of (minx, miny, maxx, maxy) rows starting at ``starts``."""
    return np.column_stack(
        [
            np.minimum.reduceat(boxes[:, 0], starts),
            np.minimum.reduceat(boxes[:, 1], starts),
            np.maximum.reduceat(boxes[:, 2], starts),
            np.maximum.reduceat(boxes[:, 3], starts),
        ]
    )


def _cell_paths(cls: VectorClass, cell_m: float) -> tuple[np.ndarray, list[QPainterPath]]:
    """One path per ``cell_m`` cell of a class's features (rings and lines as subpaths, in
    the file's order within a cell), with each cell's bounds; built with numpy and read into
    QPainterPaths through QDataStream, far faster than a lineTo call per vertex."""
    parts: list[np.ndarray] = []
    owner: list[int] = []
    for i, rings in enumerate(cls.polygons):
        parts += rings
        owner += [i] * len(rings)
    base = len(cls.polygons)
    parts += cls.lines
    owner += range(base, base + len(cls.lines))
    if not parts:
        return np.zeros((0, 4)), []
    lengths = np.array([len(p) for p in parts])
    xy = np.concatenate(parts).astype(np.float64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    part_box = _reduce_boxes(np.column_stack([xy, xy]), starts)
    owners = np.array(owner)
    first = np.concatenate([[0], np.flatnonzero(np.diff(owners)) + 1])  # owners ascend
    feature_box = _reduce_boxes(part_box, first)
    cx = np.floor((feature_box[:, 0] + feature_box[:, 2]) / 2 / cell_m).astype(np.int64)
    cy = np.floor((feature_box[:, 1] + feature_box[:, 3]) / 2 / cell_m).astype(np.int64)
    feature_key = (cx + (1 << 20)) * (1 << 21) + (cy + (1 << 20))
    part_key = feature_key[np.searchsorted(owners[first], owners)]
    order = np.argsort(part_key, kind="stable")  # parts by cell, file order within a cell
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    point_order = np.argsort(rank[np.repeat(np.arange(len(parts)), lengths)], kind="stable")
    elements = np.empty(len(xy), dtype=_ELEMENT)
    elements["x"] = xy[point_order, 0]
    elements["y"] = xy[point_order, 1]
    elements["type"] = 1  # LineToElement
    part_starts = np.concatenate([[0], np.cumsum(lengths[order])[:-1]])
    elements["type"][part_starts] = 0  # MoveToElement
    sorted_keys = part_key[order]
    cell_first = np.concatenate([[0], np.flatnonzero(np.diff(sorted_keys)) + 1])
    cell_box = _reduce_boxes(part_box[order], cell_first)
    point_at = np.append(part_starts, len(xy))
    cell_edges = np.append(cell_first, len(order))
    odd_even = int(Qt.FillRule.OddEvenFill.value)
    paths = []
    for a, b in zip(cell_edges[:-1].tolist(), cell_edges[1:].tolist(), strict=True):
        p0, p1 = int(point_at[a]), int(point_at[b])
        blob = (
            struct.pack(">i", p1 - p0) + elements[p0:p1].tobytes() + struct.pack(">ii", 0, odd_even)
        )
        path = QPainterPath()
        QDataStream(QByteArray(blob)) >> path  # type: ignore[operator]
        paths.append(path)
    return cell_box, paths


def _paint_cells(
    painter: QPainter,
    cells: _VectorCells,
    bounds: tuple[float, float, float, float],
    scale: float,
    ui_scale: float,
) -> bool:
    """Draw a vector layer's cells whose features reach into ``bounds`` (the painter maps
    metres to pixels); True when any cell was drawn."""
    minx, miny, maxx, maxy = bounds
    pad = 4.0 * ui_scale * scale  # the widest pen's half width and more, in metres
    drew = False
    for key, boxes, paths in cells.level(scale):
        fill, line, width, max_scale = VECTOR_STYLES.get(key, VECTOR_STYLES["other"])
        if scale > max_scale or not len(paths):
            continue
        hit = np.flatnonzero(
            (boxes[:, 0] <= maxx + pad)
            & (boxes[:, 2] >= minx - pad)
            & (boxes[:, 1] <= maxy + pad)
            & (boxes[:, 3] >= miny - pad)
        )
        if not len(hit):
            continue
        if fill:
            painter.setBrush(QBrush(QColor(fill)))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
        if line:
            pen = QPen(QColor(line), width * ui_scale)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            if key == "rail":
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
        for i in hit.tolist():
            painter.drawPath(paths[i])
        drew = True
    return drew


#: side of a vector basemap tile in device pixels
TILE = 256
#: tiles kept per layer (about 64 MB of images at 256x256)
MAX_TILES = 250
#: one slice of tile drawing between frames on screen (seconds)
FILL_SLICE_S = 0.008

_GridKey = tuple[float, float, float, float, float, float]  # scale, phase x/y, ui, dpr, -


class _VectorTiles:
    """A vector layer drawn into 256 px tiles, so that a frame only blits images.

    Tiles belong to a pixel grid fixed by the scale and the sub-pixel phase of the view's
    offset: panning by whole pixels keeps the grid, so the tiles are reused and blitted at
    whole-pixel positions, and a frame drawn from them is the frame drawn from the paths (same
    transform, same antialiasing). A frame never draws a tile: it records the missing ones
    (centre first) and shows the nearest earlier grid's tiles scaled in their place; the view
    then calls :meth:`work` in short slices between frames. The slices run on the GUI thread
    on purpose: QPainter calls hold Python's GIL for their whole duration, so a worker thread
    drawing tiles would stall the frames it is meant to spare.
    """

    def __init__(self, cells: _VectorCells) -> None:
        self._cells = cells
        #: grid key -> {(tx, ty): image, or None for a tile with nothing on it}
        self._grids: OrderedDict[_GridKey, dict[tuple[int, int], QImage | None]] = OrderedDict()
        self._wanted: tuple[_GridKey, list[tuple[int, int]]] | None = None

    @staticmethod
    def grid(state: MapViewState, dpr: float) -> tuple[_GridKey, tuple[int, int]]:
        """The view's grid key and the whole-pixel offset of the grid's origin on the device."""
        t = state.transform()
        phases, offsets = [], []
        for offset in (t.dx(), t.dy()):
            whole = math.floor(offset)
            phase = round((offset - whole) * 64) / 64  # 1/64 px: float noise keeps the grid
            if phase >= 1.0:
                whole, phase = whole + 1, 0.0
            phases.append(phase)
            offsets.append(whole)
        key = (round(state.scale, 9), phases[0], phases[1], state.ui_scale, dpr, 0.0)
        return key, (offsets[0], offsets[1])

    @staticmethod
    def tile_transform(key: _GridKey, tx: int, ty: int) -> QTransform:
        """Metres to the pixels of tile (tx, ty) of grid ``key``."""
        s, fx, fy = key[0], key[1], key[2]
        return QTransform(1 / s, 0, 0, -1 / s, fx - tx * TILE, fy - ty * TILE)

    @staticmethod
    def tile_bounds(key: _GridKey, tx: int, ty: int) -> tuple[float, float, float, float]:
        """The map rectangle (minx, miny, maxx, maxy) a tile covers."""
        s, fx, fy = key[0], key[1], key[2]
        x0 = (tx * TILE - fx) * s
        y1 = -(ty * TILE - fy) * s
        return x0, y1 - TILE * s, x0 + TILE * s, y1

    def draw(self, painter: QPainter, state: MapViewState) -> None:
        """Blit the view's tiles; note the missing ones for :meth:`work` (never draws one)."""
        device = painter.device()
        dpr = float(device.devicePixelRatioF()) if device is not None else 1.0
        key, (ox, oy) = self.grid(state, dpr)
        w, h = state.size
        tx0, tx1 = math.floor(-ox / TILE), math.floor((w - 1 - ox) / TILE)
        ty0, ty1 = math.floor(-oy / TILE), math.floor((h - 1 - oy) / TILE)
        needed = [(tx, ty) for ty in range(ty0, ty1 + 1) for tx in range(tx0, tx1 + 1)]
        grid = self._grids.get(key)
        if grid is not None:
            self._grids.move_to_end(key)
        have = grid or {}
        missing = [t for t in needed if t not in have]
        ready = [(t, have[t]) for t in needed if t in have]
        fallback = self._fallback(key, state, missing, (ox, oy)) if missing else None
        if fallback is not None:
            ftiles = fallback
            painter.save()
            clip = QRegion()
            for tx, ty in missing:
                clip += QRegion(tx * TILE + ox, ty * TILE + oy, TILE, TILE)
            painter.setClipRegion(clip, Qt.ClipOperation.IntersectClip)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            for rect, image in ftiles:
                painter.drawImage(rect, image)
            painter.restore()
        for (tx, ty), img in ready:
            if img is not None:
                painter.drawImage(QPointF(tx * TILE + ox, ty * TILE + oy), img)
        if missing:
            cx, cy = (w / 2 - ox) / TILE, (h / 2 - oy) / TILE
            missing.sort(key=lambda t: (t[0] + 0.5 - cx) ** 2 + (t[1] + 0.5 - cy) ** 2)
            self._wanted = (key, missing)
        elif self._wanted is not None and self._wanted[0] == key:
            self._wanted = None

    def _fallback(
        self,
        key: _GridKey,
        state: MapViewState,
        missing: list[tuple[int, int]],
        origin: tuple[int, int],
    ) -> list[tuple[QRectF, QImage]] | None:
        """The cached grid nearest in scale (within 4x) to stand in for the missing tiles:
        its tiles that overlap them, with where they go on the device."""
        best = None
        for other, tiles in self._grids.items():
            if other == key or other[3:5] != key[3:5] or not tiles:
                continue
            ratio = max(other[0], key[0]) / min(other[0], key[0])
            if ratio <= 4 and (best is None or ratio < best[0]):
                best = (ratio, other, tiles)
        if best is None:
            return None
        _ratio, fkey, tiles = best
        ox, oy = origin
        mx0 = min(t[0] for t in missing) * TILE + ox
        mx1 = (max(t[0] for t in missing) + 1) * TILE + ox
        my0 = min(t[1] for t in missing) * TILE + oy
        my1 = (max(t[1] for t in missing) + 1) * TILE + oy
        out = []
        for (tx, ty), img in tiles.items():
            if img is None:
                continue
            x0, y0, x1, y1 = self.tile_bounds(fkey, tx, ty)
            (sx0, sx1), (sy0, sy1) = state.to_screen(np.array([x0, x1]), np.array([y1, y0]))
            if sx1 < mx0 or sy1 < my0 or sx0 > mx1 or sy0 > my1:
                continue
            out.append((QRectF(float(sx0), float(sy0), float(sx1 - sx0), float(sy1 - sy0)), img))
        return out

    def pending(self) -> bool:
        """True while tiles of the last frame's view are still to be drawn."""
        return self._wanted is not None

    def work(self, budget_s: float) -> int:
        """Draw missing tiles of the last frame's view, centre first, for about ``budget_s``
        seconds (at least one tile); returns how many were drawn."""
        deadline = time.perf_counter() + budget_s
        drawn = 0
        while self._wanted is not None:
            key, wanted = self._wanted
            grid = self._grids.setdefault(key, {})
            todo = next((t for t in wanted if t not in grid), None)
            if todo is None:
                self._wanted = None
                break
            try:
                grid[todo] = self._draw_tile(self._cells, key, *todo)
            except Exception:  # a tile that cannot be drawn stays empty; the others go on
                grid[todo] = None
            drawn += 1
            self._trim(key)
            if time.perf_counter() >= deadline:
                break
        return drawn

    def _trim(self, key: _GridKey) -> None:
        """Keep at most MAX_TILES tiles: the oldest grids go first, never ``key``'s."""
        total = sum(len(g) for g in self._grids.values())
        for other in list(self._grids):
            if total <= MAX_TILES or other == key:
                continue
            total -= len(self._grids.pop(other))

    def _draw_tile(self, cells: _VectorCells, key: _GridKey, tx: int, ty: int) -> QImage | None:
        scale, ui_scale, dpr = key[0], key[3], key[4]
        size = math.ceil(TILE * dpr)
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(dpr)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setTransform(self.tile_transform(key, tx, ty))
        drew = _paint_cells(painter, cells, self.tile_bounds(key, tx, ty), scale, ui_scale)
        painter.end()
        return image if drew else None


class BasemapPainter:
    """Draws a map's basemap layers from caches; never waits for a tile or a file."""

    def __init__(self, layers: Sequence[object]) -> None:
        self.layers = tuple(x for x in layers if isinstance(x, BasemapLayer))
        self._dirty = threading.Event()
        self._vectors: dict[int, Future[_VectorCells]] = {}
        self._tiles: dict[int, TileCache] = {}
        self._images: dict[tuple[int, int, int, int], QImage] = {}
        self._quads: dict[bool, tuple[tuple[float, ...], list]] = {}
        self._vector_tiles: dict[int, _VectorTiles] = {}
        #: draw vector layers straight from their paths (exports, set by ``prefetch``) rather
        #: than from the tile cache that ``work`` fills between frames (the map on screen)
        self.direct = False
        for layer in self.layers:
            if layer.is_tiles:
                self._tiles[layer.id] = TileCache(layer, on_ready=self._dirty.set)
            else:
                # read and turned into paths on the loader thread: a frame never waits for it
                future = _LOADER.submit(_load_cells, layer)
                future.add_done_callback(lambda _f: self._dirty.set())
                self._vectors[layer.id] = future

    def load(self, timeout: float = 30.0) -> None:
        """Wait (bounded) until the vector layers' files are read."""
        for future in self._vectors.values():
            try:
                future.result(timeout=timeout)
            except Exception:  # an unreadable file is drawn as nothing, not an export failure
                continue

    def pending(self) -> bool:
        """True while vector tiles of the last frame's view are still to be drawn."""
        return any(t.pending() for t in self._vector_tiles.values())

    def work(self, budget_s: float = 0.01) -> int:
        """Draw missing vector tiles of the last frame's view for about ``budget_s`` seconds
        (the view calls this between frames, on the GUI thread); returns tiles drawn."""
        deadline = time.perf_counter() + budget_s
        drawn = 0
        for tiles in list(self._vector_tiles.values()):
            if tiles.pending():
                drawn += tiles.work(max(deadline - time.perf_counter(), 0.0))
        return drawn

    def settle(self, timeout: float = 60.0) -> None:
        """Draw every vector tile the last frame asked for (tests and benchmarks)."""
        deadline = time.perf_counter() + timeout
        while self.pending() and time.perf_counter() < deadline:
            self.work(0.05)

    def take_dirty(self) -> bool:
        """True (once) when a tile or vector layer arrived since the last call."""
        if self._dirty.is_set():
            self._dirty.clear()
            return True
        return False

    def prefetch(self, state: MapViewState, timeout: float = 30.0) -> None:
        """Wait (bounded) for the vector layers and the tiles ``state`` needs: for exports,
        which then draw vector layers directly (exact, and vector in PDF and SVG)."""
        self.direct = True
        self.load(timeout)
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

    def _vector_cells(self, layer: BasemapLayer) -> _VectorCells | None:
        """The layer's paths (None while the file is still being read, or unreadable)."""
        future = self._vectors.get(layer.id)
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()

    def _draw_vector(self, painter: QPainter, state: MapViewState, layer: BasemapLayer) -> bool:
        if self.direct:
            cells = self._vector_cells(layer)
            if cells is None:
                return False
            painter.save()
            painter.setTransform(state.transform(), True)
            drew = _paint_cells(painter, cells, state.bounds(), state.scale, state.ui_scale)
            painter.restore()
            return drew
        tiles = self._vector_tiles.get(layer.id)
        if tiles is None:
            cells = self._vector_cells(layer)
            if cells is None:
                return False
            tiles = self._vector_tiles[layer.id] = _VectorTiles(cells)
        tiles.draw(painter, state)
        return True

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
