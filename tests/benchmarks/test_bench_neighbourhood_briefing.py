"""Neighbourhood briefing with and without context layers (issue 16), on the force-scale demo.

Context layers: a vector basemap (a dense synthetic road network and woodland over the area),
the 257 neighbourhood outlines and names, and the 346 place names. Both briefings are exported
in the same run, interleaved, and the median with context must stay within 1.5x of the median
without it.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

RATIO_TARGET = 1.5
NEIGHBOURHOOD = "Edgmond"


@pytest.fixture(scope="module")
def force_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The force-scale demo (real areas, wards and places) with a vector basemap added."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString, box

    from socmap.services import basemaps
    from socmap.services.demo import build_demo
    from socmap.store.db import open_store

    folder = tmp_path_factory.mktemp("bench_nb")
    path = folder / "force.db"
    store = open_store(path)
    build_demo(store, seed=7, as_of=dt.date(2026, 11, 1))
    # about 4,000 road segments on a 1 km grid around Telford, by class
    xs = np.arange(350000, 390000, 1000)
    ys = np.arange(300000, 340000, 1000)
    lines, kinds = [], []
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            kind = "Motorway" if i % 17 == 0 else "A Road" if i % 5 == 0 else "Minor Road"
            lines.append(LineString([(x, y), (x + 1000, y + 120)]))
            lines.append(LineString([(x, y), (x - 90, y + 1000)]))
            kinds += [kind, "B Road" if j % 4 == 0 else "Local Street"]
    gpkg = folder / "openmap.gpkg"
    gpd.GeoDataFrame({"CLASSIFICATION": kinds}, geometry=lines, crs=27700).to_file(
        gpkg, layer="Road", driver="GPKG"
    )
    woods = [box(x + 200, y + 200, x + 700, y + 600) for x in xs[::3] for y in ys[::3]]
    gpd.GeoDataFrame({"id": range(len(woods))}, geometry=woods, crs=27700).to_file(
        gpkg, layer="Woodland", driver="GPKG"
    )
    basemaps.add_basemap(store, "vector", str(gpkg), layer="Woodland")
    basemaps.add_basemap(store, "vector", str(gpkg), layer="Road", attribution="synthetic")
    store.close()
    return path


def test_context_layers_cost_at_most_half_again(force_db: Path, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from socmap.export.briefing import export_briefing
    from socmap.store.db import open_store

    store = open_store(force_db)

    def run(context: bool, k: int) -> float:
        start = time.perf_counter()
        export_briefing(
            store,
            output=tmp_path / f"nb-{context}-{k}.png",
            fmt="png",
            audience="neighbourhood",
            neighbourhoods=[NEIGHBOURHOOD],
            context=context,
        )
        return time.perf_counter() - start

    run(True, -1)  # warm both paths (fonts, vector layer read into memory)
    run(False, -1)
    with_ctx, without = [], []
    for k in range(5):
        with_ctx.append(run(True, k))
        without.append(run(False, k))
    store.close()
    a, b = statistics.median(with_ctx), statistics.median(without)
    print(
        f"\nneighbourhood briefing PNG: with context {a * 1000:.0f} ms, without {b * 1000:.0f} ms,"
        f" ratio {a / b:.2f} (target <= {RATIO_TARGET})"
    )
    assert a / b <= RATIO_TARGET
