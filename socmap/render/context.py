"""Context on the map (issue 16): neighbourhood outlines and names, and place names.

Labels never collide: :class:`LabelPlacer` keeps the rectangles already drawn (area labels
first, then the highlighted neighbourhood, bigger places, other neighbourhoods, smaller places)
and a label that would overlap one is left out. Every label drawn is recorded as
``(kind, text, rect)`` so tests and exports can say what the map shows.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

if TYPE_CHECKING:
    from socmap.render.map import MapViewState
    from socmap.services.map_data import NeighbourhoodShape, PlaceLabel

NEIGHBOURHOOD_LINE = QColor(70, 80, 95, 170)
NEIGHBOURHOOD_TEXT = QColor("#2b3a4d")
HIGHLIGHT = QColor("#0a5bd3")
PLACE_TEXT = QColor("#1d2733")
VEIL = QColor(255, 255, 255, 110)

#: Pixel size of place labels by rank (0 hamlet .. 4 city), at ui_scale 1.
PLACE_PX = {4: 15.0, 3: 13.0, 2: 11.5, 1: 10.5, 0: 10.0}
#: The largest map scale (metres per pixel) at which places of a rank are named.
PLACE_MAX_SCALE = {4: 5000.0, 3: 400.0, 2: 120.0, 1: 40.0, 0: 20.0}
#: A neighbourhood is named only when its outline spans at least this many pixels (x ui_scale).
NEIGHBOURHOOD_MIN_PX = 48.0


class LabelPlacer:
    """Rectangles already taken on the map; ``free`` is False for a rectangle that overlaps one.

    Taken rectangles are bucketed on a 64 px grid, so a test looks only at its neighbours.
    """

    CELL = 64.0

    def __init__(self, bounds: QRectF) -> None:
        self.bounds = bounds
        self.taken: list[QRectF] = []
        self._grid: dict[tuple[int, int], list[QRectF]] = {}

    def _cells(self, rect: QRectF) -> list[tuple[int, int]]:
        c = self.CELL
        x0, x1 = int(rect.left() // c), int(rect.right() // c)
        y0, y1 = int(rect.top() // c), int(rect.bottom() // c)
        return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def free(self, rect: QRectF) -> bool:
        """True when ``rect`` lies on the map and overlaps nothing taken."""
        if not self.bounds.contains(rect):
            return False
        grid = self._grid
        return not any(rect.intersects(t) for cell in self._cells(rect) for t in grid.get(cell, ()))

    def take(self, rect: QRectF) -> None:
        """Mark ``rect`` as used."""
        self.taken.append(rect)
        if rect.width() > 4000 or rect.height() > 4000:  # a huge box: keep the grid small
            rect = rect.intersected(self.bounds)
        for cell in self._cells(rect):
            self._grid.setdefault(cell, []).append(rect)


def outline_path(rings: Sequence[np.ndarray]) -> QPainterPath:
    """One QPainterPath (map coordinates, odd-even fill) of an outline's rings, each an (n, 2)
    array. The points are made by ``map`` over two lists, 2.5x faster than a Python loop: the
    map's renderer makes tens of thousands of them in a reader thread beside the window's
    paint."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for ring in rings:
        xy = np.asarray(ring, dtype=np.float64)
        path.addPolygon(QPolygonF(list(map(QPointF, xy[:, 0].tolist(), xy[:, 1].tolist()))))
        path.closeSubpath()
    return path


def neighbourhood_paths(shapes: Sequence[NeighbourhoodShape]) -> dict[int, QPainterPath]:
    """One QPainterPath (map coordinates) per neighbourhood."""
    return {n.id: outline_path(n.rings) for n in shapes}


def merged_path(paths: dict[int, QPainterPath]) -> QPainterPath:
    """Every neighbourhood outline in one path (one draw call a frame)."""
    out = QPainterPath()
    for path in paths.values():
        out.addPath(path)
    return out


def draw_outlines(
    painter: QPainter,
    state: MapViewState,
    paths: dict[int, QPainterPath],
    merged: QPainterPath,
) -> None:
    """Thin neighbourhood outlines; the highlighted one bold, the rest of the map veiled."""
    if not paths:
        return
    minx, miny, maxx, maxy = state.bounds()
    painter.save()
    painter.setTransform(state.transform(), True)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    hid = state.highlighted_neighbourhood
    if hid in paths:
        veil = QPainterPath()
        veil.setFillRule(Qt.FillRule.OddEvenFill)
        veil.addRect(QRectF(minx, miny, maxx - minx, maxy - miny))
        veil.addPath(paths[hid])  # type: ignore[index]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(VEIL)
        painter.drawPath(veil)
        painter.setBrush(Qt.BrushStyle.NoBrush)
    # solid, not dashed: a dashed cosmetic pen over thousands of vertices costs a frame
    pen = QPen(NEIGHBOURHOOD_LINE, 0.7 * state.ui_scale)
    pen.setCosmetic(True)
    painter.setPen(pen)
    painter.drawPath(merged)
    if hid in paths:
        pen = QPen(HIGHLIGHT, 3.2 * state.ui_scale)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(paths[hid])  # type: ignore[index]
    painter.restore()


_FONTS: dict[tuple[int, bool, bool], tuple[QFont, QFontMetricsF]] = {}
_SPRITES: dict[tuple[str, int, bool, bool, int, int], tuple[QImage, float]] = {}


class SpriteBudget:
    """How long one on-screen frame may spend making new label sprites (see :func:`sprite_budget`)."""

    def __init__(self, seconds: float) -> None:
        #: time left for making sprites in this frame (every frame makes at least one)
        self.remaining = seconds
        #: sprites made in this frame
        self.made = 0
        #: some labels were drawn without their halo: paint again soon to finish them
        self.incomplete = False


_budget = threading.local()


@contextlib.contextmanager
def sprite_budget(seconds: float) -> Iterator[SpriteBudget]:
    """Bound the time a frame drawn on this thread spends making label sprites.

    A halo sprite costs about a millisecond to make (glyph outlines, stroked twice); the first
    frame at a new view can need hundreds, which froze the window for 0.2-0.3 s. Sprites are
    made until ``seconds`` have gone on making them (at least one per frame); after that a label
    is drawn as plain text this time and ``incomplete`` says so, so that the view paints again
    (the next frame makes more). Exports never set a budget: every label gets its halo.
    """
    budget = SpriteBudget(seconds)
    previous = getattr(_budget, "current", None)
    _budget.current = budget
    try:
        yield budget
    finally:
        _budget.current = previous


def _font(px: float, *, bold: bool = False, italic: bool = False) -> QFont:
    return _font_and_metrics(px, bold=bold, italic=italic)[0]


def _font_and_metrics(
    px: float, *, bold: bool = False, italic: bool = False
) -> tuple[QFont, QFontMetricsF]:
    key = (max(1, round(px)), bold, italic)
    found = _FONTS.get(key)
    if found is None:
        f = QFont("DejaVu Sans")
        f.setPixelSize(key[0])
        f.setBold(bold)
        f.setItalic(italic)
        # no ligatures: extracted text (search, screen readers) must read 'fi', not U+FB01
        f.setFeature(QFont.Tag("liga"), 0)
        found = _FONTS[key] = (f, QFontMetricsF(f))
    return found


def _is_vector(painter: QPainter) -> bool:
    engine = painter.paintEngine()
    return engine is not None and engine.type() in (
        QPaintEngine.Type.Pdf,
        QPaintEngine.Type.SVG,
        QPaintEngine.Type.Picture,
    )


def _halo_text(
    painter: QPainter, at: QPointF, text: str, font: QFont, colour: QColor, halo: float
) -> None:
    """Text with a white halo, readable over any fill. PDF and SVG get real (searchable) text
    over a stroked halo; raster devices blit a cached sprite (no glyph outlines per frame)."""
    if _is_vector(painter):
        path = QPainterPath()
        path.addText(at, font, text)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(QColor(255, 255, 255, 230), halo)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(at, text)
        return
    key = (text, font.pixelSize(), font.bold(), font.italic(), colour.rgba(), round(halo * 4))
    found = _SPRITES.get(key)
    budget: SpriteBudget | None = getattr(_budget, "current", None)
    if found is None and budget is not None and budget.remaining <= 0 and budget.made:
        budget.incomplete = True  # plain text now; the sprite is made in a later frame
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(at, text)
        return
    if found is None:
        started = time.perf_counter()
        fm = _font_and_metrics(font.pixelSize(), bold=font.bold(), italic=font.italic())[1]
        pad = halo
        w = int(fm.horizontalAdvance(text) + 2 * pad + 2)
        h = int(fm.height() + 2 * pad + 2)
        img = QImage(max(w, 1), max(h, 1), QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        path = QPainterPath()
        path.addText(QPointF(pad + 1, pad + 1 + fm.ascent()), font, text)
        pen = QPen(QColor(255, 255, 255, 230), halo)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawPath(path)
        p.end()
        if len(_SPRITES) > 4000:
            _SPRITES.clear()
        found = _SPRITES[key] = (img, pad + 1 + fm.ascent())
        if budget is not None:
            budget.remaining -= time.perf_counter() - started
            budget.made += 1
    img, baseline = found
    painter.drawImage(QPointF(round(at.x() - halo - 1), round(at.y() - baseline)), img)


def _visible_anchor(
    n: NeighbourhoodShape, path: QPainterPath, state: MapViewState
) -> tuple[float, float] | None:
    """Where to name a neighbourhood: its label point, or the middle of its part in view."""
    minx, miny, maxx, maxy = state.bounds()
    x, y = n.label_xy
    if minx <= x <= maxx and miny <= y <= maxy:
        return x, y
    bx0, by0 = max(n.bounds[0], minx), max(n.bounds[1], miny)
    bx1, by1 = min(n.bounds[2], maxx), min(n.bounds[3], maxy)
    if bx0 >= bx1 or by0 >= by1:
        return None
    for fx, fy in ((0.5, 0.5), (0.3, 0.5), (0.7, 0.5), (0.5, 0.3), (0.5, 0.7)):
        cx, cy = bx0 + (bx1 - bx0) * fx, by0 + (by1 - by0) * fy
        if path.contains(QPointF(cx, cy)):
            return cx, cy
    return None


def draw_labels(
    painter: QPainter,
    state: MapViewState,
    placer: LabelPlacer,
    drawn: list[tuple[str, str, QRectF]],
    *,
    shapes: Sequence[NeighbourhoodShape],
    paths: dict[int, QPainterPath],
    places: Sequence[PlaceLabel],
    show_neighbourhoods: bool,
    show_places: bool,
) -> None:
    """Name the highlighted neighbourhood, then places and other neighbourhoods, by importance,
    skipping any label that would collide with one already drawn."""
    u = state.ui_scale
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    hid = state.highlighted_neighbourhood

    def name_neighbourhood(n: NeighbourhoodShape, *, main: bool) -> None:
        path = paths.get(n.id)
        if path is None:
            return
        span = max(n.bounds[2] - n.bounds[0], n.bounds[3] - n.bounds[1]) / state.scale
        if not main and span < NEIGHBOURHOOD_MIN_PX * u:
            return
        anchor = _visible_anchor(n, path, state)
        if anchor is None:
            return
        sx, sy = state.to_screen(*anchor)
        font, fm = _font_and_metrics((17.0 if main else 11.5) * u, bold=main, italic=not main)
        w, h = fm.horizontalAdvance(n.name), fm.height()
        rect = QRectF(float(sx) - w / 2, float(sy) - h / 2, w, h)
        if not main:
            rect.translate(0, h * 0.8)  # below an area label or place at the same spot
        if not placer.free(rect):
            if not main:
                return
            rect = _nudge(placer, rect) or rect  # the main name is always drawn
        placer.take(rect.adjusted(-2 * u, -1 * u, 2 * u, 1 * u))
        _halo_text(
            painter,
            QPointF(rect.left(), rect.top() + fm.ascent()),
            n.name,
            font,
            HIGHLIGHT.darker(130) if main else NEIGHBOURHOOD_TEXT,
            (4.0 if main else 3.0) * u,
        )
        drawn.append(("neighbourhood", n.name, rect))

    if show_neighbourhoods and hid is not None:
        main = next((n for n in shapes if n.id == hid), None)
        if main is not None:
            name_neighbourhood(main, main=True)
    visible_places = _places_in_view(places, state) if show_places else []
    major = [p for p in visible_places if p.rank >= 3]
    minor = [p for p in visible_places if p.rank < 3]
    for p in major:
        _place(painter, state, placer, drawn, p)
    if show_neighbourhoods:
        # bigger neighbourhoods first: their names matter more at a given zoom
        for n in sorted(shapes, key=lambda n: -n.area_km2):
            if n.id != hid:
                name_neighbourhood(n, main=False)
    for p in minor:
        _place(painter, state, placer, drawn, p)
    painter.restore()


def _nudge(placer: LabelPlacer, rect: QRectF) -> QRectF | None:
    h = rect.height()
    for dy in (h, -h, 2 * h, -2 * h):
        r = rect.translated(0, dy)
        if placer.free(r):
            return r
    return None


def _places_in_view(places: Sequence[PlaceLabel], state: MapViewState) -> list[PlaceLabel]:
    if not places:
        return []
    minx, miny, maxx, maxy = state.bounds()
    xs = np.fromiter((p.x for p in places), dtype=np.float64, count=len(places))
    ys = np.fromiter((p.y for p in places), dtype=np.float64, count=len(places))
    inside = np.flatnonzero((xs >= minx) & (xs <= maxx) & (ys >= miny) & (ys <= maxy))
    return [
        places[i] for i in inside.tolist() if state.scale <= PLACE_MAX_SCALE.get(places[i].rank, 20)
    ]


def _place(
    painter: QPainter,
    state: MapViewState,
    placer: LabelPlacer,
    drawn: list[tuple[str, str, QRectF]],
    p: PlaceLabel,
) -> None:
    u = state.ui_scale
    sx, sy = (float(v) for v in state.to_screen(p.x, p.y))
    font, fm = _font_and_metrics(PLACE_PX.get(p.rank, 11.0) * u, bold=p.rank >= 3)
    w, h = fm.horizontalAdvance(p.name), fm.height()
    r = (2.0 + 0.6 * p.rank) * u
    gap = 3 * u
    dot = QRectF(sx - r, sy - r, 2 * r, 2 * r)
    candidates = (
        QRectF(sx + r + gap, sy - h / 2, w, h),  # right
        QRectF(sx - r - gap - w, sy - h / 2, w, h),  # left
        QRectF(sx - w / 2, sy - r - gap - h, w, h),  # above
        QRectF(sx - w / 2, sy + r + gap, w, h),  # below
    )
    if not placer.free(dot):
        return
    for rect in candidates:
        if placer.free(rect):
            placer.take(dot)
            placer.take(rect.adjusted(-1.5 * u, 0, 1.5 * u, 0))
            painter.setPen(QPen(QColor("white"), 1.2 * u))
            painter.setBrush(PLACE_TEXT)
            painter.drawEllipse(QPointF(sx, sy), r, r)
            _halo_text(
                painter,
                QPointF(rect.left(), rect.top() + fm.ascent()),
                p.name,
                font,
                PLACE_TEXT,
                3.0 * u,
            )
            drawn.append(("place", p.name, rect))
            return
