"""The one map renderer: screen (MapView.paintEvent) and export (briefing pages) draw through it.

Draws a :class:`MapViewState` of a :class:`~socmap.services.map_data.MapData` onto any
QPaintDevice with QPainter (QtGui only). Performance design (perf notes F5):

- area outlines are QPainterPaths in map coordinates, built once and drawn through a world
  transform with cosmetic pens;
- intelligence points become a density surface when zoomed out: a pyramid of numpy-binned
  grids (100 m cells, then 2x2 sums) coloured once into QImages and drawn scaled; when few points
  are in view they are drawn as points with ``drawPointsNp`` (no per-point Python);
- OCG markers are transformed with numpy, thinned on a screen grid when zoomed out, and drawn
  per style with one ``drawPointsNp`` call (round pen caps), never one path of many points.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt, QThread
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)

from socmap.domain.vocab import MARKETS
from socmap.render import context
from socmap.render.bands import band_colour, band_fill
from socmap.render.basemap import BasemapPainter
from socmap.services.map_data import DensityLevel, MapData, ThreatShading, density_surface

LAYERS = ("basemap", "areas", "labels", "neighbourhoods", "places", "intel", "ocgs", "archived")
DEFAULT_LAYERS = frozenset(
    {"basemap", "areas", "labels", "neighbourhoods", "places", "intel", "ocgs"}
)
#: Layers that only give context (issue 16): a briefing can be drawn without them.
CONTEXT_LAYERS = frozenset({"basemap", "neighbourhoods", "places"})
LAYER_LABELS = {
    "basemap": "Basemap",
    "areas": "Areas (threat)",
    "labels": "Area names",
    "neighbourhoods": "Neighbourhoods",
    "places": "Place names",
    "intel": "Intelligence",
    "ocgs": "OCG locations",
    "archived": "Archived OCGs",
}

#: Show intelligence as individual points when at most this many are in view.
POINTS_LIMIT = 6000
#: Finest density cell (metres); coarser levels double it.

BACKGROUND = QColor("#e9eef2")
INK = QColor("#1d2733")
MUTED = QColor("#5b6875")
SELECTION = QColor("#0a5bd3")
INTEL_POINT = QColor(60, 40, 120, 150)

#: Qualitative colours per OCGM market (colour-blind-aware, Tableau-like).
MARKET_COLOURS: dict[str, str] = {
    "drugs": "#1f77b4",
    "violence": "#d62728",
    "fraud": "#9467bd",
    "theft": "#ff7f0e",
    "commodities": "#8c564b",
    "sexual": "#e377c2",
    "immigration": "#17becf",
    "environmental": "#2ca02c",
    "unknown": "#7f7f7f",
}


def threat_colour(cls: int, n_classes: int) -> QColor:
    """Fill colour for threat class ``cls`` of ``n_classes`` (pale yellow to deep red)."""
    if cls < 0:
        return QColor("#f4f4f1")
    stops = [
        (0.0, (247, 245, 238)),
        (0.35, (246, 221, 190)),
        (0.7, (233, 168, 140)),
        (1.0, (203, 104, 104)),
    ]
    t = cls / max(1, n_classes - 1)
    for (t0, c0), (t1, c1) in itertools.pairwise(stops):
        if t <= t1:
            f = 0 if t1 == t0 else (t - t0) / (t1 - t0)
            return QColor(*(round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True)))
    return QColor(*stops[-1][1])


def marker_colour(
    category: str, band: str | None = None, band_order: tuple[str, ...] = ()
) -> QColor:
    """Marker colour: by band when given (the band's one colour, see
    :func:`socmap.render.bands.band_colour`), else by market category."""
    if band:
        return band_colour(band, band_order)
    return QColor(MARKET_COLOURS.get(category, MARKET_COLOURS["unknown"]))


def area_colour(threat: ThreatShading, area_id: int, band_order: tuple[str, ...] = ()) -> QColor:
    """An area's fill: by its band's fixed colour when shaded by band, else on the count ramp."""
    cls = threat.area_class.get(area_id, -1)
    if threat.kind == "band":
        label = threat.labels[cls] if 0 <= cls < len(threat.labels) else None
        return band_fill(label, band_order or threat.labels)
    return threat_colour(cls, len(threat.labels))


def _is_vector(painter: QPainter) -> bool:
    engine = painter.paintEngine()
    return engine is not None and engine.type() in (
        QPaintEngine.Type.Pdf,
        QPaintEngine.Type.SVG,
        QPaintEngine.Type.Picture,
    )


def _on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


@dataclass(frozen=True)
class MapViewState:
    """Where the map looks and what it shows (plain data: the view and exports both use it)."""

    centre: tuple[float, float]
    scale: float  # metres per device pixel
    size: tuple[int, int]
    layers: frozenset[str] = DEFAULT_LAYERS
    selected_ocg: int | None = None
    highlighted_area: int | None = None
    ui_scale: float = 1.0  # multiplies pens, markers and text (e.g. dpi / 96 for print)
    legend: bool = True
    furniture: bool = True  # scale bar and north arrow
    attribution: bool = True
    highlighted_neighbourhood: int | None = None
    #: device rectangles (x, y, w, h) that context labels keep clear of (e.g. an export's note)
    reserved: tuple[tuple[float, float, float, float], ...] = ()

    @staticmethod
    def fit(
        extent: tuple[float, float, float, float],
        size: tuple[int, int],
        *,
        margin: float = 0.05,
        **kw: object,
    ) -> MapViewState:
        """A state showing ``extent`` (minx, miny, maxx, maxy) whole inside ``size`` pixels."""
        minx, miny, maxx, maxy = extent
        w, h = max(1, size[0]), max(1, size[1])
        span_x = max(maxx - minx, 1.0) * (1 + 2 * margin)
        span_y = max(maxy - miny, 1.0) * (1 + 2 * margin)
        scale = max(span_x / w, span_y / h)
        return MapViewState(((minx + maxx) / 2, (miny + maxy) / 2), scale, (w, h), **kw)  # type: ignore[arg-type]

    def transform(self) -> QTransform:
        """Map (EPSG:27700, y up) to device pixels (y down)."""
        w, h = self.size
        s = self.scale
        cx, cy = self.centre
        return QTransform(1 / s, 0, 0, -1 / s, w / 2 - cx / s, h / 2 + cy / s)

    def to_screen(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple:
        """Map coordinates to pixel coordinates."""
        w, h = self.size
        return (
            (np.asarray(x) - self.centre[0]) / self.scale + w / 2,
            h / 2 - (np.asarray(y) - self.centre[1]) / self.scale,
        )

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        """Pixel coordinates to map coordinates (British National Grid metres)."""
        w, h = self.size
        return (
            self.centre[0] + (px - w / 2) * self.scale,
            self.centre[1] - (py - h / 2) * self.scale,
        )

    def bounds(self) -> tuple[float, float, float, float]:
        """The map extent in view (minx, miny, maxx, maxy)."""
        w, h = self.size
        hw, hh = w * self.scale / 2, h * self.scale / 2
        return (self.centre[0] - hw, self.centre[1] - hh, self.centre[0] + hw, self.centre[1] + hh)

    def zoomed(self, factor: float, anchor: tuple[float, float] | None = None) -> MapViewState:
        """Zoom in by ``factor`` (>1 in) keeping the map point under pixel ``anchor`` still."""
        new_scale = min(max(self.scale / factor, 0.25), 5000.0)
        if anchor is None:
            return replace(self, scale=new_scale)
        ax, ay = self.to_map(*anchor)
        w, h = self.size
        cx = ax - (anchor[0] - w / 2) * new_scale
        cy = ay + (anchor[1] - h / 2) * new_scale
        return replace(self, scale=new_scale, centre=(cx, cy))

    def panned(self, dx: float, dy: float) -> MapViewState:
        """Move the view so the map follows a drag of (dx, dy) pixels."""
        return replace(
            self, centre=(self.centre[0] - dx * self.scale, self.centre[1] + dy * self.scale)
        )


@dataclass
class _Density:
    image: QImage
    x0: float
    y1: float  # top edge (north)
    cell: float
    cols: int
    rows: int
    buffer: np.ndarray = field(repr=False)  # keeps the QImage's memory alive


def _ramp_lut() -> np.ndarray:
    """256-entry premultiplied ARGB ramp for density (transparent to deep purple)."""
    stops = [
        (0.0, (255, 255, 204, 0)),
        (0.15, (199, 233, 180, 110)),
        (0.4, (65, 182, 196, 160)),
        (0.7, (34, 94, 168, 195)),
        (1.0, (37, 21, 110, 225)),
    ]
    lut = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        t = i / 255
        for (t0, c0), (t1, c1) in itertools.pairwise(stops):
            if t <= t1:
                f = (t - t0) / (t1 - t0)
                r, g, b, a = (a0 + (b0 - a0) * f for a0, b0 in zip(c0, c1, strict=True))
                break
        al = a / 255
        lut[i] = (int(a) << 24) | (int(r * al) << 16) | (int(g * al) << 8) | int(b * al)
    lut[0] = 0
    return lut


_LUT = _ramp_lut()


class MapRenderer:
    """Draws one MapData; holds the caches (paths, density pyramid) that make redraws cheap."""

    def __init__(self, data: MapData) -> None:
        self.data = data
        self._paths: dict[int, QPainterPath] = {
            a.id: context.outline_path(a.rings) for a in data.areas
        }
        self._density: list[_Density] = self._build_density()
        self._sprites: dict[tuple[int, int, int], QImage] = {}
        self._pixmaps: dict[int, QPixmap] = {}
        self._fonts: dict[tuple[int, bool], QFont] = {}
        m = data.markers
        self._marker_style_colours = [
            marker_colour(cat, band, data.band_order) for cat, band in m.styles
        ]
        self._nb_paths = context.neighbourhood_paths(data.neighbourhoods)
        self._nb_merged = context.merged_path(self._nb_paths)
        #: (kind, text, device rect) of every label the last render drew
        self.drawn_labels: list[tuple[str, str, QRectF]] = []
        self._boxes: list[QRectF] = []
        self.basemap = BasemapPainter(data.basemaps)

    def warm(self, state: MapViewState) -> None:
        """Draw ``state`` once into an image nobody sees, on the worker that built this
        renderer: the label and marker sprites the first frame on screen needs are made here.
        Made on screen, within a frame's sprite budget, they took the first four frames of a
        national map to 45-65 ms each (the settled frame: 25-35 ms)."""
        w, h = state.size
        image = QImage(max(1, w), max(1, h), QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        try:
            self.render(painter, state)
        finally:
            painter.end()

    # --- caches -------------------------------------------------------------------------

    def _build_density(self) -> list[_Density]:
        surface = self.data.density
        if surface is None:  # data made without one (a test's, say): make it here
            surface = density_surface(self.data.intel)
        if surface is None:
            return []
        self._sat = (surface.sat, surface.x0, surface.y1, surface.cell)
        return [self._colour(level) for level in surface.levels]

    @staticmethod
    def _colour(level: DensityLevel) -> _Density:
        buf = np.ascontiguousarray(_LUT[level.shade])
        rows, cols = level.rows, level.cols
        img = QImage(buf.data, cols, rows, cols * 4, QImage.Format.Format_ARGB32_Premultiplied)
        return _Density(img, level.x0, level.y1, level.cell, cols, rows, buf)

    # --- hit tests ------------------------------------------------------------------------

    def area_at(self, x: float, y: float) -> int | None:
        """The id of the area containing map point (x, y), if any."""
        p = QPointF(x, y)
        for aid, path in self._paths.items():
            if path.contains(p):
                return aid
        return None

    def visible_markers(self, state: MapViewState) -> np.ndarray:
        """Indices of the markers the state shows (layer toggles and viewport)."""
        m = self.data.markers
        if "ocgs" not in state.layers or len(m) == 0:
            return np.zeros(0, dtype=np.int64)
        mask = m.active.copy()
        if "archived" in state.layers:
            mask |= ~m.active
        minx, miny, maxx, maxy = state.bounds()
        pad = 12 * state.ui_scale * state.scale
        mask &= (
            (m.x >= minx - pad) & (m.x <= maxx + pad) & (m.y >= miny - pad) & (m.y <= maxy + pad)
        )
        return np.flatnonzero(mask)

    def marker_at(
        self, state: MapViewState, px: float, py: float, radius: float = 8.0
    ) -> int | None:
        """Index of the visible marker nearest pixel (px, py) within ``radius`` pixels."""
        idx = self.visible_markers(state)
        if idx.size == 0:
            return None
        sx, sy = state.to_screen(self.data.markers.x[idx], self.data.markers.y[idx])
        d2 = (sx - px) ** 2 + (sy - py) ** 2
        k = int(np.argmin(d2))
        return int(idx[k]) if d2[k] <= radius * radius else None

    def intel_count_in_view(self, state: MapViewState) -> int:
        """About how many intelligence points are in view (summed-area table of 100 m cells:
        O(1), exact to a cell)."""
        if len(self.data.intel) == 0:
            return 0
        sat, x0, y1, cell = self._sat
        rows, cols = sat.shape[0] - 1, sat.shape[1] - 1
        minx, miny, maxx, maxy = state.bounds()
        c0 = int(np.clip(math.floor((minx - x0) / cell), 0, cols))
        c1 = int(np.clip(math.ceil((maxx - x0) / cell), 0, cols))
        r0 = int(np.clip(math.floor((y1 - maxy) / cell), 0, rows))
        r1 = int(np.clip(math.ceil((y1 - miny) / cell), 0, rows))
        return int(sat[r1, c1] - sat[r0, c1] - sat[r1, c0] + sat[r0, c0])

    def intel_in_view(self, state: MapViewState) -> tuple[int, int, np.ndarray]:
        """(start, stop, mask) of the x-sorted intelligence points inside the view."""
        intel = self.data.intel
        minx, miny, maxx, maxy = state.bounds()
        lo = int(np.searchsorted(intel.x, minx, "left"))
        hi = int(np.searchsorted(intel.x, maxx, "right"))
        ys = intel.y[lo:hi]
        return lo, hi, (ys >= miny) & (ys <= maxy)

    # --- drawing --------------------------------------------------------------------------

    def render(self, painter: QPainter, state: MapViewState, *, labels: bool = True) -> None:
        """Draw the whole map into the rectangle (0, 0, width, height) of ``painter``.

        ``labels=False`` leaves out the names (groups, places, neighbourhoods): a view in motion
        draws them once it stops."""
        w, h = state.size
        painter.save()
        painter.setClipRect(QRectF(0, 0, w, h))
        painter.fillRect(QRectF(0, 0, w, h), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        basemap = "basemap" in state.layers and self.basemap.draw(painter, state)
        if "areas" in state.layers:
            self._draw_areas(painter, state, translucent=basemap)
        if "intel" in state.layers:
            self._draw_intel(painter, state)
        if "neighbourhoods" in state.layers:
            context.draw_outlines(painter, state, self._nb_paths, self._nb_merged)
        self._draw_outlines(painter, state)
        if "ocgs" in state.layers:
            self._draw_markers(painter, state)
        self.drawn_labels = []
        self._boxes = []  # furniture boxes drawn from here on: context labels avoid them
        placer = context.LabelPlacer(QRectF(0, 0, w, h))
        for rx, ry, rw, rh in state.reserved:
            placer.take(QRectF(rx, ry, rw, rh))
        if labels and "labels" in state.layers:
            self._draw_labels(painter, state)
        if state.furniture:
            self._draw_scale_bar(painter, state)
            self._draw_north_arrow(painter, state)
        if state.attribution:
            self._draw_attribution(painter, state)
        if state.legend:
            self._draw_legend(painter, state)
        for rect in self._boxes:
            placer.take(rect)
        if not labels:
            painter.restore()
            return
        context.draw_labels(
            painter,
            state,
            placer,
            self.drawn_labels,
            shapes=self.data.neighbourhoods,
            paths=self._nb_paths,
            places=self.data.places,
            show_neighbourhoods="neighbourhoods" in state.layers,
            show_places="places" in state.layers,
        )
        painter.restore()

    def _draw_areas(
        self, painter: QPainter, state: MapViewState, *, translucent: bool = False
    ) -> None:
        threat = self.data.threat
        painter.save()
        if translucent:  # over a basemap: the shading tints it rather than hiding it
            painter.setOpacity(0.55)
        painter.setTransform(state.transform(), True)
        painter.setPen(Qt.PenStyle.NoPen)
        # the outlines drawn later cover the fill's edges: no antialiasing needed here
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, _is_vector(painter))
        for aid, path in self._paths.items():
            painter.setBrush(area_colour(threat, aid, self.data.band_order))
            painter.drawPath(path)
        painter.restore()

    def _draw_outlines(self, painter: QPainter, state: MapViewState) -> None:
        painter.save()
        base = painter.transform()
        painter.setTransform(state.transform(), True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if _is_vector(painter):  # PDF, SVG: a true wide stroke, drawn once by the viewer
            pen = QPen(QColor(255, 255, 255), 2.2 * state.ui_scale)
            pen.setCosmetic(True)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            for path in self._paths.values():
                painter.drawPath(path)
        else:
            # the white casing as hairlines shifted around the line: a 2.2 px antialiased
            # stroke with round joins costs ~90 ms a frame over the areas' ~6,000 vertices,
            # a hairline ~1 ms
            pen = QPen(QColor(255, 255, 255), 1.0 * state.ui_scale)
            pen.setCosmetic(True)
            painter.setPen(pen)
            d = 0.7 * state.ui_scale
            for dx, dy in ((0.0, 0.0), (-d, 0.0), (d, 0.0), (0.0, -d), (0.0, d)):
                painter.setTransform(state.transform() * base * QTransform.fromTranslate(dx, dy))
                for path in self._paths.values():
                    painter.drawPath(path)
            painter.setTransform(state.transform() * base)
        pen = QPen(QColor(80, 90, 100), 0.9 * state.ui_scale)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for path in self._paths.values():
            painter.drawPath(path)
        if state.highlighted_area in self._paths:
            pen = QPen(SELECTION, 3.0 * state.ui_scale)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(self._paths[state.highlighted_area])
        painter.restore()

    def intel_mode(self, state: MapViewState) -> str:
        """'points' when few enough points are in view to draw one by one, else 'density'."""
        if len(self.data.intel) == 0:
            return "none"
        if self.data.intel.sampled:
            return "density"  # a sample is never drawn point by point
        return "points" if self.intel_count_in_view(state) <= POINTS_LIMIT else "density"

    def _draw_intel(self, painter: QPainter, state: MapViewState) -> None:
        intel = self.data.intel
        mode = self.intel_mode(state)
        if mode == "none":
            return
        if mode == "points":
            lo, hi, mask = self.intel_in_view(state)
            sx, sy = state.to_screen(intel.x[lo:hi][mask], intel.y[lo:hi][mask])
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, state.ui_scale > 1.5)
            pen = QPen(INTEL_POINT, 2.6 * state.ui_scale)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawPointsNp(np.ascontiguousarray(sx), np.ascontiguousarray(sy))  # type: ignore[arg-type]
            painter.restore()
            return
        # density: the coarsest level whose cells are still at most ~6 device pixels
        target = 6.0 * state.ui_scale * state.scale
        level = self._density[0]
        for d in self._density:
            if d.cell <= target:
                level = d
        x0s, y0s = state.to_screen(level.x0, level.y1)
        size_px = level.cell / state.scale
        rect = QRectF(float(x0s), float(y0s), level.cols * size_px, level.rows * size_px)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(rect, level.image)
        painter.restore()

    def _marker_size(self, state: MapViewState) -> float:
        # grow a little as the user zooms in (scale is m/px)
        base = 7.0 if state.scale > 60 else 9.0 if state.scale > 15 else 11.0
        return base * state.ui_scale

    def _draw_markers(self, painter: QPainter, state: MapViewState) -> None:
        m = self.data.markers
        idx = self.visible_markers(state)
        if idx.size == 0:
            return
        sx, sy = state.to_screen(m.x[idx], m.y[idx])
        size = self._marker_size(state)
        # level of detail: one marker per screen cell of about two thirds of a marker (a
        # marker that would be almost wholly covered by its neighbours is not drawn)
        cell = max(1.0, size * 0.66)
        key = (np.floor(sx / cell).astype(np.int64) + 100_000) * 200_000 + (
            np.floor(sy / cell).astype(np.int64) + 100_000
        )
        _, first = np.unique(key, return_index=True)
        first.sort()
        idx, sx, sy = idx[first], sx[first], sy[first]
        active = m.active[idx]
        styles = m.style[idx]
        # archived first (underneath), then active groups
        order = np.argsort(active, kind="stable")
        sx, sy, active, styles = sx[order], sy[order], active[order], styles[order]
        keys = np.where(active, styles.astype(np.int64), -1)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if _is_vector(painter):
            # real vector circles for print: an area's markers number in the hundreds
            r = size / 2
            outline = QPen(QColor("white"), 1.2 * state.ui_scale)
            for k in np.unique(keys):
                sel = keys == k
                painter.setPen(outline)
                painter.setBrush(self._style_colour(int(k)))
                rr = r * 0.7 if k < 0 else r
                for x, y in zip(sx[sel].tolist(), sy[sel].tolist(), strict=True):
                    painter.drawEllipse(QPointF(x, y), rr, rr)
        else:
            # raster: one pre-drawn sprite per style, blitted at integer positions (perf F5);
            # QPixmap (fastest) on the GUI thread, QImage on a worker (exports)
            gui = _on_gui_thread()
            ix = sx.astype(np.int64)
            iy = sy.astype(np.int64)
            for k in np.unique(keys).tolist():
                sprite = self._sprite(int(k), size, state.ui_scale)
                half = sprite.width() // 2
                sel = keys == k
                xs = (ix[sel] - half).tolist()
                ys = (iy[sel] - half).tolist()
                if gui:
                    pm = self._pixmap(sprite)
                    draw_pm = painter.drawPixmap
                    for x, y in zip(xs, ys, strict=True):
                        draw_pm(x, y, pm)
                else:
                    draw_img = painter.drawImage
                    for x, y in zip(xs, ys, strict=True):
                        draw_img(x, y, sprite)
        painter.restore()
        if state.selected_ocg is not None:
            self._draw_selection(painter, state, size)

    def _box(self, painter: QPainter, rect: QRectF, rx: float, ry: float) -> None:
        """A rounded box on vector devices; a plain, unantialiased one on screen (far cheaper)."""
        self._boxes.append(QRectF(rect))  # in map pixels: furniture is drawn untransformed
        if _is_vector(painter):
            painter.drawRoundedRect(rect, rx, ry)
            return
        hint = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.drawRect(rect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, hint)

    def _pixmap(self, sprite: QImage) -> QPixmap:
        pm = self._pixmaps.get(sprite.cacheKey())
        if pm is None:
            pm = self._pixmaps[sprite.cacheKey()] = QPixmap.fromImage(sprite)
        return pm

    def _style_colour(self, key: int) -> QColor:
        return QColor(110, 110, 110) if key < 0 else self._marker_style_colours[key]

    def _sprite(self, key: int, size: float, ui_scale: float) -> QImage:
        cache_key = (key, round(size * 4), round(ui_scale * 4))
        img = self._sprites.get(cache_key)
        if img is None:
            d = size * (0.7 if key < 0 else 1.0)
            edge = math.ceil(d + 3 * ui_scale) | 1
            img = QImage(edge, edge, QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            p = QPainter(img)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor("white"), 1.2 * ui_scale))
            p.setBrush(self._style_colour(key))
            p.drawEllipse(QPointF(edge / 2, edge / 2), d / 2, d / 2)
            p.end()
            self._sprites[cache_key] = img
        return img

    def _draw_selection(self, painter: QPainter, state: MapViewState, size: float) -> None:
        m = self.data.markers
        sel = np.flatnonzero(m.ocg_id == state.selected_ocg)
        if sel.size == 0:
            return
        sx, sy = state.to_screen(m.x[sel], m.y[sel])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if sel.size > 1:
            pen = QPen(SELECTION, 1.6 * state.ui_scale, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            for k in range(1, sel.size):
                painter.drawLine(QPointF(sx[0], sy[0]), QPointF(sx[k], sy[k]))
        pen = QPen(SELECTION, 2.6 * state.ui_scale)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = size * 0.9 + 3 * state.ui_scale
        for x, y in zip(sx, sy, strict=True):
            painter.drawEllipse(QPointF(x, y), r, r)
        o = self.data.ocgs.get(int(state.selected_ocg))  # type: ignore[arg-type]
        if o is not None:
            name = o.name if self.data.audience == "internal" else o.ref
            self._label(painter, state, QPointF(sx[0] + r + 4, sy[0] - r), name, bold=True)
        painter.restore()

    def _font(self, state: MapViewState, px: float, *, bold: bool = False) -> QFont:
        size = max(1, round(px * state.ui_scale))
        f = self._fonts.get((size, bold))
        if f is None:
            f = QFont("DejaVu Sans")
            f.setPixelSize(size)
            f.setBold(bold)
            # no ligatures: extracted text (search, screen readers) must read 'fi', not U+FB01
            f.setFeature(QFont.Tag("liga"), 0)
            self._fonts[(size, bold)] = f
        return f

    def _label(
        self,
        painter: QPainter,
        state: MapViewState,
        at: QPointF,
        text: str,
        *,
        bold: bool = False,
        sub: str = "",
        centred: bool = False,
    ) -> QRectF:
        f = self._font(state, 13, bold=bold)
        fs = self._font(state, 11)
        fm, fms = QFontMetricsF(f), QFontMetricsF(fs)
        w = max(fm.horizontalAdvance(text), fms.horizontalAdvance(sub) if sub else 0)
        h = fm.height() + (fms.height() if sub else 0)
        pad = 3 * state.ui_scale
        x = at.x() - w / 2 if centred else at.x()
        y = at.y() - h / 2 if centred else at.y()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        self._box(painter, QRectF(x - pad, y - pad, w + 2 * pad, h + 2 * pad), pad, pad)
        painter.setPen(INK)
        painter.setFont(f)
        painter.drawText(
            QPointF(x + (w - fm.horizontalAdvance(text)) / 2 if centred else x, y + fm.ascent()),
            text,
        )
        if sub:
            painter.setFont(fs)
            painter.setPen(MUTED)
            painter.drawText(
                QPointF(
                    x + (w - fms.horizontalAdvance(sub)) / 2 if centred else x,
                    y + fm.height() + fms.ascent(),
                ),
                sub,
            )
        return QRectF(x - pad, y - pad, w + 2 * pad, h + 2 * pad)

    def _draw_labels(self, painter: QPainter, state: MapViewState) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = state.size
        for a in self.data.areas:
            sx, sy = state.to_screen(*a.label_xy)
            if not (0 <= sx <= w and 0 <= sy <= h):
                # off the map: clipped on screen, but PDF/SVG would still carry the text
                continue
            sub = self.data.threat.area_text.get(a.id, "")
            rect = self._label(
                painter,
                state,
                QPointF(float(sx), float(sy)),
                a.name,
                bold=True,
                sub=sub,
                centred=True,
            )
            self.drawn_labels.append(("area", a.name, rect))
        painter.restore()

    def _draw_scale_bar(self, painter: QPainter, state: MapViewState) -> None:
        w, h = state.size
        u = state.ui_scale
        want_px = 140 * u
        metres = want_px * state.scale
        nice = 10 ** math.floor(math.log10(metres))
        for step in (5, 2, 1):
            if step * nice <= metres:
                nice *= step
                break
        bar_px = nice / state.scale
        x0, y0 = w - 16 * u - bar_px, h - 30 * u
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 215))
        self._box(painter, QRectF(x0 - 8 * u, y0 - 20 * u, bar_px + 16 * u, 32 * u), 4 * u, 4 * u)
        half = bar_px / 2
        painter.setBrush(INK)
        painter.drawRect(QRectF(x0, y0, half, 5 * u))
        painter.setBrush(QColor("white"))
        painter.setPen(QPen(INK, 1 * u))
        painter.drawRect(QRectF(x0 + half, y0, half, 5 * u))
        painter.setFont(self._font(state, 11))
        painter.setPen(INK)
        label = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
        fm = QFontMetricsF(painter.font())
        painter.drawText(QPointF(x0 + bar_px - fm.horizontalAdvance(label), y0 - 5 * u), label)
        painter.drawText(QPointF(x0, y0 - 5 * u), "0")
        painter.restore()

    def _draw_north_arrow(self, painter: QPainter, state: MapViewState) -> None:
        w, _h = state.size
        u = state.ui_scale
        cx, top = w - 30 * u, 14 * u
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 215))
        self._box(painter, QRectF(cx - 16 * u, top - 4 * u, 32 * u, 50 * u), 4 * u, 4 * u)
        left = QPolygonF(
            [
                QPointF(cx, top + 16 * u),
                QPointF(cx - 9 * u, top + 42 * u),
                QPointF(cx, top + 36 * u),
            ]
        )
        right = QPolygonF(
            [
                QPointF(cx, top + 16 * u),
                QPointF(cx + 9 * u, top + 42 * u),
                QPointF(cx, top + 36 * u),
            ]
        )
        painter.setPen(QPen(INK, 1 * u))
        painter.setBrush(INK)
        painter.drawPolygon(left)
        painter.setBrush(QColor("white"))
        painter.drawPolygon(right)
        painter.setFont(self._font(state, 13, bold=True))
        fm = QFontMetricsF(painter.font())
        painter.setPen(INK)
        painter.drawText(
            QPointF(cx - fm.horizontalAdvance("N") / 2, top + fm.ascent() - 2 * u), "N"
        )
        painter.restore()

    def _draw_attribution(self, painter: QPainter, state: MapViewState) -> None:
        w, h = state.size
        u = state.ui_scale
        text = "British National Grid (EPSG:27700)"
        if self.data.attribution:
            text = f"{self.data.attribution} · {text}"
        painter.save()
        f = self._font(state, 9.5)
        painter.setFont(f)
        fm = QFontMetricsF(f)
        tw = min(fm.horizontalAdvance(text), w * 0.6)
        text = fm.elidedText(text, Qt.TextElideMode.ElideLeft, tw + 1)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 190))
        box = QRectF(w - tw - 8 * u, h - fm.height() - 2 * u, tw + 8 * u, fm.height() + 2 * u)
        self._boxes.append(box)
        painter.drawRect(box)
        painter.setPen(MUTED)
        painter.drawText(QPointF(w - tw - 4 * u, h - fm.descent() - 1 * u), text)
        painter.restore()

    def legend_entries(
        self, state: MapViewState
    ) -> list[tuple[str, list[tuple[str, QColor, str]]]]:
        """Legend sections: (title, [(label, colour, shape)]) for what is shown."""
        out: list[tuple[str, list[tuple[str, QColor, str]]]] = []
        t = self.data.threat
        if "areas" in state.layers and self.data.areas:
            n = len(t.labels)
            shown = set(t.area_class.values())
            # a long scale (nine bands) lists only the classes some area has
            classes = [(i, lab) for i, lab in enumerate(t.labels) if n <= 5 or i in shown]
            if t.kind == "band":
                order = self.data.band_order or t.labels
                items = [(lab, band_fill(lab, order), "box") for _i, lab in reversed(classes)]
                if -1 in shown:
                    items.append(("none recorded", band_fill(None), "box"))
            else:
                items = [(lab, threat_colour(i, n), "box") for i, lab in reversed(classes)]
                if -1 in shown:
                    items.append(("none recorded", threat_colour(-1, n), "box"))
            out.append((t.title, items))
        if "ocgs" in state.layers and len(self.data.markers):
            items = []
            seen: set[tuple[str, str | None]] = set()
            m = self.data.markers
            present: list[int] = np.unique(m.style[m.active]).tolist() if m.active.any() else []
            for s in present:
                cat, band = m.styles[int(s)]
                if (cat, band) in seen:
                    continue
                seen.add((cat, band))
                label = (
                    f"Band {band}" if band else MARKETS.get(cat, cat).split(" & ")[0].split(",")[0]
                )
                items.append((label, self._marker_style_colours[int(s)], "dot"))
            items.sort(key=lambda e: e[0])
            if "archived" in state.layers and (~m.active).any():
                items.append(("Archived group", QColor(110, 110, 110), "dot"))
            banded = [m.styles[int(k)][1] is not None for k in present]
            title = (
                "OCG locations (primary market)"
                if not any(banded)
                else "OCG locations (by band)"
                if all(banded)
                else "OCG locations (band, else market)"
            )
            out.append((title, items))
        if "intel" in state.layers and len(self.data.intel):
            mode = self.intel_mode(state)
            if mode == "points":
                out.append(("Intelligence", [("Intelligence report", INTEL_POINT, "dot")]))
            else:
                out.append(
                    ("Intelligence density", [("fewer → more reports", QColor(0, 0, 0), "ramp")])
                )
        return out

    def _draw_legend(self, painter: QPainter, state: MapViewState) -> None:
        sections = self.legend_entries(state)
        if not sections:
            return
        u = state.ui_scale
        title_f = self._font(state, 12, bold=True)
        item_f = self._font(state, 11)
        ft, fi = QFontMetricsF(title_f), QFontMetricsF(item_f)
        line = fi.height() + 3 * u
        sw = 14 * u
        width = 0.0
        height = 0.0
        for title, items in sections:
            width = max(width, ft.horizontalAdvance(title))
            height += ft.height() + 4 * u
            for label, _c, shape in items:
                extra = 80 * u if shape == "ramp" else 0
                width = max(width, sw + 6 * u + fi.horizontalAdvance(label) + extra)
                height += line
            height += 6 * u
        pad = 9 * u
        x, y = 12 * u, state.size[1] - height - 2 * pad - 12 * u
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(0, 0, 0, 40), 1 * u))
        painter.setBrush(QColor(255, 255, 255, 228))
        self._box(painter, QRectF(x, y, width + 2 * pad, height + 2 * pad), 5 * u, 5 * u)
        cy = y + pad
        for title, items in sections:
            painter.setFont(title_f)
            painter.setPen(INK)
            painter.drawText(QPointF(x + pad, cy + ft.ascent()), title)
            cy += ft.height() + 4 * u
            painter.setFont(item_f)
            for label, colour, shape in items:
                mid = cy + line / 2 - 1.5 * u
                if shape == "box":
                    painter.setPen(QPen(QColor(80, 90, 100), 0.8 * u))
                    painter.setBrush(colour)
                    painter.drawRect(QRectF(x + pad, mid - sw / 2, sw, sw))
                    lx = x + pad + sw + 6 * u
                elif shape == "dot":
                    painter.setPen(QPen(QColor("white"), 1.2 * u))
                    painter.setBrush(colour)
                    painter.drawEllipse(QPointF(x + pad + sw / 2, mid), sw * 0.4, sw * 0.4)
                    lx = x + pad + sw + 6 * u
                else:  # ramp
                    lut = _LUT
                    steps = 24
                    rw = 80 * u
                    for k in range(steps):
                        v = int(lut[40 + k * (215 // steps)])
                        c = QColor((v >> 16) & 255, (v >> 8) & 255, v & 255, (v >> 24) & 255)
                        a = c.alpha() / 255 if c.alpha() else 1
                        c = QColor(
                            min(255, int(c.red() / a)),
                            min(255, int(c.green() / a)),
                            min(255, int(c.blue() / a)),
                            c.alpha(),
                        )
                        painter.setPen(Qt.PenStyle.NoPen)
                        painter.setBrush(c)
                        painter.drawRect(
                            QRectF(x + pad + k * rw / steps, mid - sw / 2, rw / steps + 0.5, sw)
                        )
                    lx = x + pad + rw + 6 * u
                painter.setPen(INK)
                painter.drawText(QPointF(lx, cy + fi.ascent()), label)
                cy += line
            cy += 6 * u
        painter.restore()
