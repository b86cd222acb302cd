"""Context on the map (issue 16): neighbourhood outlines and names, and place names.

Labels never collide: :class:`LabelPlacer` keeps the rectangles already drawn (area labels
first, then the highlighted neighbourhood, bigger places, other neighbourhoods, smaller places)
and a label that would overlap one is left out. Every label drawn is recorded as
``(kind, text, rect)`` so tests and exports can say what the map shows.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    QTransform,
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
    """Rectangles already taken on the map; ``place`` refuses a rectangle that overlaps one."""

    def __init__(self, bounds: QRectF) -> None:
        self.bounds = bounds
        self.taken: list[QRectF] = []

    def free(self, rect: QRectF) -> bool:
        """True when ``rect`` lies on the map and overlaps nothing taken."""
        if not self.bounds.contains(rect):
            return False
        return not any(rect.intersects(t) for t in self.taken)

    def take(self, rect: QRectF) -> None:
        """Mark ``rect`` as used."""
        self.taken.append(rect)


def neighbourhood_paths(shapes: Sequence[NeighbourhoodShape]) -> dict[int, QPainterPath]:
    """One QPainterPath (map coordinates) per neighbourhood."""
    out = {}
    for n in shapes:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for ring in n.rings:
            path.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in ring]))
            path.closeSubpath()
        out[n.id] = path
    return out


def draw_outlines(
    painter: QPainter,
    state: MapViewState,
    paths: dict[int, QPainterPath],
    shapes: Sequence[NeighbourhoodShape],
) -> None:
    """Thin dashed neighbourhood outlines; the highlighted one bold, the rest of the map veiled."""
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
    pen = QPen(NEIGHBOURHOOD_LINE, 0.8 * state.ui_scale, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    painter.setPen(pen)
    for n in shapes:
        b = n.bounds
        if b[2] < minx or b[0] > maxx or b[3] < miny or b[1] > maxy:
            continue
        painter.drawPath(paths[n.id])
    if hid in paths:
        pen = QPen(HIGHLIGHT, 3.2 * state.ui_scale)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(paths[hid])  # type: ignore[index]
    painter.restore()


def _font(px: float, *, bold: bool = False, italic: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    f.setItalic(italic)
    f.setFeature(QFont.Tag("liga"), 0)
    return f


#: halo labels drawn once into images, keyed by text, font, colour and halo (raster painters
#: only): a redraw blits them instead of building and stroking a text path every frame
_HALO_SPRITES: dict[tuple[str, str, int, float, float], tuple[QImage, QPointF]] = {}
_HALO_SPRITES_MAX = 4096


def _halo_path(at: QPointF, text: str, font: QFont) -> QPainterPath:
    path = QPainterPath()
    path.addText(at, font, text)
    return path


def _paint_halo(painter: QPainter, path: QPainterPath, colour: QColor, halo: float) -> None:
    painter.setBrush(Qt.BrushStyle.NoBrush)
    pen = QPen(QColor(255, 255, 255, 230), halo)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.drawPath(path)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawPath(path)


def _halo_sprite(
    text: str, font: QFont, colour: QColor, halo: float, dpr: float
) -> tuple[QImage, QPointF]:
    key = (text, font.key(), colour.rgba(), halo, dpr)
    got = _HALO_SPRITES.get(key)
    if got is None:
        path = _halo_path(QPointF(0, 0), text, font)
        box = path.boundingRect().adjusted(-halo - 1, -halo - 1, halo + 1, halo + 1)
        offset = QPointF(float(np.floor(box.left())), float(np.floor(box.top())))
        image = QImage(
            int((np.ceil(box.right() - offset.x()) + 1) * dpr),
            int((np.ceil(box.bottom() - offset.y()) + 1) * dpr),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(dpr)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.translate(-offset)
        _paint_halo(p, path, colour, halo)
        p.end()
        if len(_HALO_SPRITES) >= _HALO_SPRITES_MAX:
            _HALO_SPRITES.clear()
        got = _HALO_SPRITES[key] = (image, offset)
    return got


def _halo_text(
    painter: QPainter, at: QPointF, text: str, font: QFont, colour: QColor, halo: float
) -> None:
    """Text with a white halo, readable over any fill.

    On screen (a raster painter with no scaling or rotation) the label is drawn once into an
    image and blitted from then on: a pan or zoom redraws hundreds of labels. Vector outputs
    (PDF, SVG) keep real text paths.
    """
    engine = painter.paintEngine()
    raster = engine is not None and engine.type() == QPaintEngine.Type.Raster
    if (
        raster
        and painter.transform().type().value <= QTransform.TransformationType.TxTranslate.value
    ):
        device = painter.device()
        dpr = device.devicePixelRatioF() if device is not None else 1.0
        image, offset = _halo_sprite(text, font, colour, halo, dpr)
        painter.drawImage(QPointF(round(at.x()) + offset.x(), round(at.y()) + offset.y()), image)
        return
    _paint_halo(painter, _halo_path(at, text, font), colour, halo)


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
        font = _font((17.0 if main else 11.5) * u, bold=main, italic=not main)
        fm = QFontMetricsF(font)
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
    font = _font(PLACE_PX.get(p.rank, 11.0) * u, bold=p.rank >= 3)
    fm = QFontMetricsF(font)
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
