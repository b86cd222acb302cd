"""Assign 1,000,000 BNG points to the five areas; compare with a bare ``contains_xy`` pass.

Also times reprojecting the same points from WGS84 and writing their areas to the database, as
separate figures (issue 3). Run: ``python -m pytest tests/benchmarks/test_bench_assign.py -s``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import shapely

from tests.benchmarks.conftest import median_time
from tests.conftest import SHARED_DATA

N = 1_000_000


def _shapes():  # type: ignore[no-untyped-def]
    from socmap.geo.layers import read_bng_geojson, read_boundaries
    from socmap.paths import demo_boundaries

    real = SHARED_DATA / "west-mercia-lpa.geojson"
    if real.exists():
        return "real LPA boundaries (../shared/data)", list(
            read_boundaries(real, name_field="name").shapes
        )
    return "the demo's outlines", read_bng_geojson(demo_boundaries())


def test_assign_a_million_points(tmp_path: Path) -> None:
    from pyproj import Transformer

    from socmap.geo.areas import AreaIndex
    from socmap.geo.project import WGS84, to_bng
    from socmap.services.boundaries import replace_areas
    from socmap.store import bulk, geo_rows
    from socmap.store.db import open_store

    label, shapes = _shapes()
    polys = [s.geometry for s in shapes]
    vertices = [int(shapely.get_num_coordinates(p)) for p in polys]
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = shapely.total_bounds(polys)
    x = rng.uniform(minx, maxx, N)
    y = rng.uniform(miny, maxy, N)

    index = AreaIndex.from_wkb(list(range(1, len(shapes) + 1)), [s.wkb for s in shapes])
    bare_polys = [shapely.from_wkb(s.wkb) for s in shapes]
    for p in bare_polys:
        shapely.prepare(p)

    def bare() -> None:
        for p in bare_polys:
            shapely.contains_xy(p, x, y)

    def bare_labels() -> np.ndarray:
        out = np.zeros(N, dtype=np.int64)
        for k, p in enumerate(bare_polys, start=1):
            out[shapely.contains_xy(p, x, y) & (out == 0)] = k
        return out

    assert (bare_labels() == index.assign(x, y)).mean() > 0.9999  # same answer (bar boundaries)
    bare_t = median_time(bare)
    ours_t = median_time(lambda: index.assign(x, y))
    inside = int((index.assign(x, y) > 0).sum())

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    proj_t = median_time(lambda: to_bng(lon, lat, WGS84), repeat=3)

    # The database write: area ids of 1M intelligence rows, as reassign_all writes them.
    store = open_store(tmp_path / "bench.db")
    replace_areas(store, shapes, source="bench")
    with store.atomic():
        bulk.insert_rows(
            store,
            "intel",
            ("category", "easting", "northing"),
            [("bench", float(a), float(b)) for a, b in zip(x, y, strict=True)],
        )
    ids, xs, ys = geo_rows.coordinates(store, "intel")
    read_t = median_time(lambda: geo_rows.coordinates(store, "intel"), repeat=3)
    rows = store.conn.execute("SELECT id FROM areas ORDER BY id").fetchall()
    db_index = AreaIndex.from_wkb([r[0] for r in rows], [s.wkb for s in shapes])
    assigned = db_index.assign(xs, ys)

    def write() -> None:
        with store.atomic():
            geo_rows.set_areas(store, "intel", ids, assigned)

    times = []
    for _ in range(3):
        with store.atomic():  # back to no area (untimed)
            geo_rows.set_areas(store, "intel", ids, np.zeros_like(assigned))
        start = time.perf_counter()
        write()
        times.append(time.perf_counter() - start)
    write_t = statistics.median(times)
    same_t = median_time(write, repeat=3)
    store.close()

    ratio = ours_t / bare_t
    print(
        f"\nassign {N:,} BNG points to {len(shapes)} areas ({label}; "
        f"{min(vertices):,}-{max(vertices):,} vertices), {inside / N:.0%} inside:\n"
        f"  AreaIndex.assign (bbox prefilter, prepared intersects_xy): {ours_t * 1e3:.0f} ms\n"
        f"  bare shapely.contains_xy over the same polygons (prepared, all points, no bookkeeping): "
        f"{bare_t * 1e3:.0f} ms\n"
        f"  ratio {ratio:.2f}x (target <= 1.5x)\n"
        f"  reprojection from EPSG:4326 (pyproj, vectorised):        {proj_t * 1e3:.0f} ms\n"
        f"  database: read 1M coordinates {read_t * 1e3:.0f} ms, "
        f"write 1M area ids (one transaction) {write_t * 1e3:.0f} ms,\n"
        f"  the same write when no area changed {same_t * 1e3:.0f} ms"
    )
    assert ratio <= 1.5
