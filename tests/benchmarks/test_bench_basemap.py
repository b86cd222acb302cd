"""A full map redraw with a 100,000-road-segment vector basemap (issue 16), force-scale demo.

Subject: a full redraw of the Map at 1920x1080 after a pan or a zoom (every layer drawn again,
no blit of an earlier frame) with a vector basemap of 100,000 road segments over the demo
force (synthetic: generated here over the force's extent, OS OpenMap Local's ``Road`` layer
name and ``CLASSIFICATION`` values, 2-8 vertices a segment, minor streets clustered in 40
towns), after the first frame. Baseline: the same frames with the basemap layer switched off,
in the same run, interleaved frame by frame so load on the machine hits both alike.

The basemap is drawn from 256 px tiles that the map view draws between frames, in slices of
8 ms (``MapView._fill_basemap``); a frame only blits them, or the nearest earlier grid's tiles
scaled where the new ones are not drawn yet. The benchmark does what the view does: at each of
five zoom levels one frame asks for the view's tiles and they are all drawn (the time is
printed: what a user waits, with the map usable, before the roads are sharp); then 12 timed
frame pairs alternating whole-pixel pans (tiles reused, new edge tiles missing) and 8 % zooms
(a new grid), each pair followed by one untimed 8 ms slice of tile drawing, as the event loop
runs between frames (which frame of a pair goes first alternates).

Issue 16 asks for the redraw "within 50 ms at 1920x1080, measured against the redraw without
basemap". Absolute times depend on the machine's load (this machine is shared by several jobs),
so the assertions are relative to the baseline measured in the same run: the median time the
basemap adds to a frame within ``EXTRA_MS``, and the ratio of medians within ``RATIO_TARGET``.
Both are printed with the absolute times.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

SEGMENTS = 100_000
SIZE = (1920, 1080)
#: the basemap may add at most this much to a full redraw (median over all frames)
EXTRA_MS = 50.0
#: and the redraw with it within this multiple of the redraw without it. The ratio grows as the
#: machine gets quieter (the bare redraw shrinks, the basemap's copy of tiles does not): 1.06-1.18x
#: at load 3-6.5, 1.52x (+10 ms) on a quiet CI run; 2.5x still catches paths drawn every frame
#: again (1.8-2.6x at load, far more when quiet) while the 50 ms bound holds the absolute cost.
RATIO_TARGET = 2.5


def _roads(extent: tuple[float, float, float, float], n: int, seed: int = 16):  # type: ignore[no-untyped-def]
    """``n`` road segments over ``extent``: (geometries, classes) with a realistic class mix
    and length per class (motorway and A roads long, minor streets short and dense in towns)."""
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = extent
    # towns: minor roads cluster around 40 centres; main roads spread over the force
    towns = np.column_stack([rng.uniform(minx, maxx, 40), rng.uniform(miny, maxy, 40)])
    u = rng.uniform(size=n)
    classes = np.where(
        u < 0.02,
        "Motorway",
        np.where(u < 0.10, "A Road", np.where(u < 0.25, "B Road", "Local Street")),
    )
    minor = classes == "Local Street"
    start = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    near = towns[rng.integers(0, len(towns), n)] + rng.normal(0, 2500, (n, 2))
    start[minor] = near[minor]
    step = np.where(minor, 60.0, np.where(classes == "B Road", 150.0, 300.0))
    vertices = rng.integers(2, 9, n)
    coords, offsets = [], [0]
    for i in range(n):
        k = int(vertices[i])
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.25, k - 1))
        d = np.column_stack([np.cos(heading), np.sin(heading)]) * step[i]
        pts = np.vstack([start[i], start[i] + np.cumsum(d, axis=0)])
        coords.append(pts)
        offsets.append(offsets[-1] + k)
    flat = np.vstack(coords)
    index = np.repeat(np.arange(n), vertices)
    geoms = shapely.linestrings(flat, indices=index)
    return geoms, classes


@pytest.fixture(scope="module")
def force_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The force-scale demo with a 100,000-segment road basemap over its extent."""
    import geopandas as gpd

    from socmap.services import basemaps
    from socmap.services.demo import build_demo
    from socmap.services.map_data import load_map_data
    from socmap.store.db import open_store

    folder = tmp_path_factory.mktemp("bench_basemap")
    path = folder / "force.db"
    store = open_store(path)
    build_demo(store, seed=7, as_of=dt.date(2026, 11, 1))
    extent = load_map_data(store).extent
    geoms, classes = _roads(extent, SEGMENTS)
    gpkg = folder / "openmap-local.gpkg"
    gpd.GeoDataFrame({"CLASSIFICATION": classes}, geometry=geoms, crs=27700).to_file(
        gpkg, layer="Road", driver="GPKG"
    )
    basemaps.add_basemap(store, "vector", str(gpkg), layer="Road", attribution="synthetic")
    store.close()
    return path


def test_full_redraw_with_a_100k_segment_basemap(force_db: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage, QPainter

    from socmap.render.basemap import FILL_SLICE_S
    from socmap.render.map import MapRenderer, MapViewState
    from socmap.services.map_data import load_map_data
    from socmap.store.db import open_store

    store = open_store(force_db)
    data = load_map_data(store)
    store.close()
    renderer = MapRenderer(data)
    home = MapViewState.fit(data.extent, SIZE)
    start = time.perf_counter()
    renderer.basemap.load(120)  # the file read and its paths built on the loader thread
    read_s = time.perf_counter() - start
    img = QImage(SIZE[0], SIZE[1], QImage.Format.Format_ARGB32_Premultiplied)
    without = home.layers - {"basemap"}

    def frame(state: MapViewState) -> float:
        painter = QPainter(img)
        t0 = time.perf_counter()
        renderer.render(painter, state)
        painter.end()
        return time.perf_counter() - t0

    start = time.perf_counter()
    frame(home)  # the first frame asks for the basemap's tiles and builds the marker sprites
    renderer.basemap.settle(120)  # draws the view's tiles
    first_s = time.perf_counter() - start
    frame(_without(home, without))
    fills: dict[str, float] = {}
    with_times: dict[str, list[float]] = {}
    without_times: dict[str, list[float]] = {}
    for label, zoom in (
        ("whole force", 1.0),
        ("zoom x2", 2.0),
        ("zoom x4", 4.0),
        ("zoom x16", 16.0),
        ("zoom x64", 64.0),
    ):
        state = home.zoomed(zoom, (1000.0, 560.0))
        frame(state)
        start = time.perf_counter()
        renderer.basemap.settle(120)
        fills[label] = time.perf_counter() - start
        a, b = [], []
        for k in range(12):
            state = state.panned(37, -23) if k % 2 else state.zoomed(1.08 if k % 4 else 1 / 1.08)
            # which of the pair goes first alternates: the one straight after a slice of tile
            # drawing finds colder caches
            if k % 2:
                a.append(frame(state))
                b.append(frame(_without(state, without)))
            else:
                b.append(frame(_without(state, without)))
                a.append(frame(state))
            renderer.basemap.work(FILL_SLICE_S)  # what the event loop does between frames
        with_times[label] = a
        without_times[label] = b
    med_with = statistics.median(t for ts in with_times.values() for t in ts)
    med_without = statistics.median(t for ts in without_times.values() for t in ts)
    extra_ms = (med_with - med_without) * 1e3
    ratio = med_with / med_without
    print(
        f"\nmap with a {SEGMENTS:,}-segment road basemap at {SIZE[0]}x{SIZE[1]}: file read "
        f"and paths built {read_s:.2f} s (worker), first view's tiles {first_s * 1e3:.0f} ms"
    )
    for label in with_times:
        a = statistics.median(with_times[label])
        b = statistics.median(without_times[label])
        print(
            f"  {label:<12} with basemap {a * 1e3:6.1f} ms (max {max(with_times[label]) * 1e3:6.1f})"
            f", without {b * 1e3:6.1f} ms: +{(a - b) * 1e3:5.1f} ms, {a / b:.2f}x; tiles "
            f"drawn in {fills[label]:.2f} s (between frames)"
        )
    print(
        f"  all frames: with {med_with * 1e3:.1f} ms, without {med_without * 1e3:.1f} ms: "
        f"+{extra_ms:.1f} ms (target <= {EXTRA_MS:.0f} ms), {ratio:.2f}x (target <= "
        f"{RATIO_TARGET}x)"
    )
    assert extra_ms <= EXTRA_MS
    assert ratio <= RATIO_TARGET


def _without(state, layers):  # type: ignore[no-untyped-def]
    import dataclasses

    return dataclasses.replace(state, layers=frozenset(layers))
