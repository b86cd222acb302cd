"""Map and briefing benchmarks on the national demo, each against a bare baseline in the same run.

- A FULL redraw of the national map at 1920x1080 after a pan or a zoom (every layer drawn again
  from the cached paths, density pyramid and marker sprites: never a blit of an earlier frame).
  Baseline: the same view painted with plain QPainter calls (the five area paths filled and
  stroked through the view transform, one frame-sized image for the density layer or the visible
  points in one drawPointsNp, the visible OCG locations as round points, the area names).
  Frames alternate subject/baseline over 60 views at five zoom levels. Ratio of medians <= 2.5
  (measured 1.28x at load ~3 once labels were blitted from sprites, 2.25x before at load ~7; a 2x
  regression fails).
- A one-area PDF briefing (South Worcestershire, ~180,000 reports). Baseline: the area's report
  coordinates and groups read with plain SQL, and the same number of A4 pages written with
  QPdfWriter alone (a map-sized image and 40 lines of text a page). Interleaved, medians.
  Ratio <= 8.0 (measured 4.0-5.4x; a 2x regression fails).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.benchmarks.conftest import interleaved

#: a full redraw within this multiple of the same geometry painted with plain QPainter calls
REDRAW_RATIO = 2.5
#: a one-area PDF briefing within this multiple of its bare reads and QPdfWriter pages
BRIEFING_RATIO = 8.0


@pytest.fixture(scope="module")
def national_copy(national_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy (exports write audit rows; the cached demo stays untouched)."""
    target = tmp_path_factory.mktemp("bench_map") / "national.db"
    src, dst = sqlite3.connect(national_db), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def _bare_painter(data, size):  # type: ignore[no-untyped-def]
    """The same visible geometry painted with plain QPainter calls: the baseline frame.

    Background; the five area outlines (filled, then stroked twice) through the view's world
    transform; the intelligence layer as the one full-frame image a raster needs at that zoom
    (or, zoomed in, the visible points in one ``drawPointsNp``); the visible OCG locations as
    points with a round pen; the area names as text. No level of detail, no caches beyond the
    QPainterPaths and the frame-sized image, which any design needs.
    """
    import numpy as np
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF

    paths = []
    for a in data.areas:
        path = QPainterPath()
        for ring in a.rings:
            path.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in ring]))
            path.closeSubpath()
        paths.append((a, path))
    raster = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    raster.fill(QColor(200, 60, 40, 90))
    ix, iy = data.intel.x, data.intel.y
    m = data.markers
    white, grey = QPen(QColor(255, 255, 255), 2.2), QPen(QColor(80, 90, 100), 0.9)
    white.setCosmetic(True)
    grey.setCosmetic(True)
    marker_pen = QPen(QColor(30, 30, 160), 7.0)
    marker_pen.setCapStyle(Qt.PenCapStyle.RoundCap)

    def paint(painter: QPainter, state, intel_mode: str) -> None:  # type: ignore[no-untyped-def]
        w, h = state.size
        painter.fillRect(QRectF(0, 0, w, h), QColor(235, 238, 240))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.save()
        painter.setTransform(state.transform())
        painter.setPen(Qt.PenStyle.NoPen)
        for _a, path in paths:
            painter.setBrush(QColor(240, 200, 120))
            painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pen in (white, grey):
            painter.setPen(pen)
            for _a, path in paths:
                painter.drawPath(path)
        painter.restore()
        minx, miny, maxx, maxy = state.bounds()
        if intel_mode == "points":
            sel = (ix >= minx) & (ix <= maxx) & (iy >= miny) & (iy <= maxy)
            sx, sy = state.to_screen(ix[sel], iy[sel])
            painter.setPen(QPen(QColor(120, 20, 20), 2.6))
            painter.drawPointsNp(np.ascontiguousarray(sx), np.ascontiguousarray(sy))
        elif intel_mode == "density":
            painter.drawImage(0, 0, raster)
        sel = (m.x >= minx) & (m.x <= maxx) & (m.y >= miny) & (m.y <= maxy)
        sx, sy = state.to_screen(m.x[sel], m.y[sel])
        painter.setPen(marker_pen)
        painter.drawPointsNp(np.ascontiguousarray(sx), np.ascontiguousarray(sy))
        painter.setPen(QColor(20, 20, 20))
        for a, _path in paths:
            lx, ly = state.to_screen(*a.label_xy)
            painter.drawText(QPointF(float(lx), float(ly)), a.name)

    return paint


def test_full_redraw_after_pan_or_zoom(national_copy: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage, QPainter

    from socmap.render.map import MapRenderer, MapViewState
    from socmap.services.map_data import load_map_data
    from socmap.store.db import open_store

    store = open_store(national_copy)
    start = time.perf_counter()
    data = load_map_data(store)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    renderer = MapRenderer(data)
    build_s = time.perf_counter() - start
    size = (1920, 1080)
    home = MapViewState.fit(data.extent, size)
    img = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    bare_paint = _bare_painter(data, size)

    def frame(state: MapViewState) -> float:
        painter = QPainter(img)
        t0 = time.perf_counter()
        renderer.render(painter, state)
        painter.end()
        return time.perf_counter() - t0

    def bare_frame(state: MapViewState, mode: str) -> float:
        painter = QPainter(img)
        t0 = time.perf_counter()
        bare_paint(painter, state, mode)
        painter.end()
        return time.perf_counter() - t0

    frame(home)  # first frame builds the marker sprites
    bare_frame(home, "density")
    results: dict[str, list[float]] = {}
    bare_results: dict[str, list[float]] = {}
    modes: dict[str, str] = {}
    for label, zoom in (
        ("whole force", 1.0),
        ("zoom x2", 2.0),
        ("zoom x4", 4.0),
        ("zoom x16", 16.0),
        ("zoom x64", 64.0),
    ):
        state = home.zoomed(zoom, (1000.0, 560.0))
        modes[label] = renderer.intel_mode(state)
        times, bare_times = [], []
        for k in range(12):
            # alternate pans and small zooms: each frame is a new view, drawn in full; the
            # baseline paints the same view straight after (interleaved: load hits both alike)
            state = state.panned(37, -23) if k % 2 else state.zoomed(1.08 if k % 4 else 1 / 1.08)
            times.append(frame(state))
            bare_times.append(bare_frame(state, renderer.intel_mode(state)))
        results[label] = times
        bare_results[label] = bare_times
    median = statistics.median(t for ts in results.values() for t in ts)
    bare_median = statistics.median(t for ts in bare_results.values() for t in ts)
    worst_median = max(statistics.median(ts) for ts in results.values())
    ratio = median / bare_median
    print(
        f"\nmap, national demo ({len(data.markers):,} OCG locations, {len(data.intel):,} "
        f"intelligence points) at 1920x1080: load {load_s:.2f} s (worker), renderer caches "
        f"{build_s * 1e3:.0f} ms"
    )
    for label, ts in results.items():
        bare = statistics.median(bare_results[label])
        print(
            f"  full redraw, {label:<12} ({modes[label]:<7}): median "
            f"{statistics.median(ts) * 1e3:5.1f} ms  max {max(ts) * 1e3:5.1f} ms; plain QPainter "
            f"{bare * 1e3:5.1f} ms ({statistics.median(ts) / bare:.2f}x)"
        )
    print(
        f"  full redraw after pan/zoom: median {median * 1e3:.1f} ms = {ratio:.2f}x the same "
        f"geometry painted with plain QPainter calls ({bare_median * 1e3:.1f} ms; target "
        f"<= {REDRAW_RATIO}x); worst zoom level {worst_median * 1e3:.1f} ms"
    )
    assert len(data.intel) >= 1_000_000
    store.close()
    assert ratio <= REDRAW_RATIO


def _bare_pdf(pages: int, image_px: tuple[int, int], out: Path) -> None:
    """``pages`` A4 pages written with QPdfWriter alone: a map-sized image and 40 lines each."""
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(out))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(300)
    image = QImage(image_px[0], image_px[1], QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(230, 120, 90))
    painter = QPainter(writer)
    for page in range(pages):
        if page:
            writer.newPage()
        painter.drawImage(QRectF(100, 300, 2200, 2200 * image_px[1] / image_px[0]), image)
        for line in range(40):
            painter.drawText(QPointF(100, 1900 + 40 * line), f"OCG-{line:04d} line {line} of page")
    painter.end()


def test_one_area_pdf_briefing(national_copy: Path, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from socmap.export.briefing import export_briefing
    from socmap.store.db import open_store
    from tests.conftest import act_as

    store = act_as(open_store(national_copy), "bench.analyst", "analyst")
    area = "South Worcestershire"
    area_id = store.conn.execute("SELECT id FROM areas WHERE name=?", (area,)).fetchone()[0]
    n = 0

    def run(audience: str) -> None:
        nonlocal n
        n += 1
        export_briefing(
            store, output=tmp_path / f"b{n}.pdf", fmt="pdf", audience=audience, areas=[area]
        )

    run("internal")  # warm-up (fonts)
    pages = len(PdfReader(tmp_path / f"b{n}.pdf").pages)

    def bare() -> None:
        # the irreducible part: read the area's report coordinates and its groups with plain
        # SQL, and write the same number of pages with a map-sized image and text
        store.conn.execute(
            "SELECT easting, northing FROM intel WHERE area_id=?", (area_id,)
        ).fetchall()
        store.conn.execute("SELECT * FROM ocgs WHERE lead_area_id=?", (area_id,)).fetchall()
        _bare_pdf(pages, (1600, 1100), tmp_path / "bare.pdf")

    bare_s, internal_s = interleaved(bare, lambda: run("internal"), repeat=5)
    bare_p, partner_s = interleaved(bare, lambda: run("partner"), repeat=3)
    size_kb = (tmp_path / f"b{n}.pdf").stat().st_size / 1024
    ratio = internal_s / bare_s
    print(
        f"\nbriefing, national demo, one area ({area}) as PDF ({pages} pages): internal median "
        f"{internal_s * 1e3:.0f} ms = {ratio:.2f}x the bare reads and QPdfWriter pages "
        f"({bare_s * 1e3:.0f} ms; target <= {BRIEFING_RATIO}x); partner {partner_s * 1e3:.0f} ms "
        f"= {partner_s / bare_p:.2f}x; file {size_kb:.0f} KB"
    )
    store.close()
    assert ratio <= BRIEFING_RATIO
    assert partner_s / bare_p <= BRIEFING_RATIO
