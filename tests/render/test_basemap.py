"""Basemaps under the threat layers (issue 16): vector styles, tiles from a local server with
an offline disk cache, MBTiles, attribution, and frames that never wait."""

from __future__ import annotations

import http.server
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QPainter

from socmap.render.map import MapRenderer, MapViewState
from socmap.services import basemaps
from socmap.services.boundaries import import_boundaries
from socmap.services.map_data import load_map_data
from tests.geo_fixtures import two_squares

VIEW = (390000.0, 250000.0, 410000.0, 260000.0)


def _png(colour: str) -> bytes:
    img = QImage(256, 256, QImage.Format.Format_ARGB32)
    img.fill(QColor(colour))
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(dev, "PNG")  # type: ignore[call-overload]
    return bytes(buf.data())


def _render(store, layers=frozenset({"basemap"}), prefetch: bool = True) -> QImage:  # type: ignore[no-untyped-def]
    renderer = MapRenderer(load_map_data(store))
    state = MapViewState.fit(
        VIEW,
        (400, 200),
        margin=0.0,
        layers=layers,
        legend=False,
        furniture=False,
        attribution=False,
    )
    if prefetch:
        renderer.basemap.prefetch(state, timeout=20)
    img = QImage(400, 200, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    renderer.render(p, state)
    p.end()
    return img


def _close(a: QColor, hex_colour: str, tol: int = 12) -> bool:
    b = QColor(hex_colour)
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) <= tol


@pytest.fixture
def area_store(store, tmp_path: Path):  # type: ignore[no-untyped-def]
    import_boundaries(store, two_squares(tmp_path / "areas.geojson"), name_field="name")
    return store


def test_layer_names_and_road_classes_of_os_products() -> None:
    s = basemaps.style_for_layer
    # OS Open Zoomstack, OpenMap Local, Open Roads
    assert s("roads_national") == s("Road") == s("RoadLink") == "roads"
    assert s("surfacewater") == s("SurfaceWater_Area") == s("TidalWater") == "water"
    assert s("woodland") == s("Woodland") == "woodland"
    assert s("urban_areas") == s("Building") == "builtup"
    assert s("rail") == s("RailwayTrack") == "rail"
    r = basemaps.road_class
    assert r("Motorway") == "motorway" and r("A Road") == "a" and r("B Road") == "b"
    assert r("Primary Road") == "a" and r("Not Classified") == "minor" and r(None) == "minor"


def test_vector_basemap_draws_water_roads_by_class_and_attribution(
    area_store, tmp_path: Path
) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString, box

    gpkg = tmp_path / "zoomstack.gpkg"
    gpd.GeoDataFrame(
        {"type": ["Motorway", "A Road"]},
        geometry=[
            LineString([(390000, 252000), (410000, 252000)]),
            LineString([(390000, 258000), (410000, 258000)]),
        ],
        crs=27700,
    ).to_file(gpkg, layer="roads_national", driver="GPKG")
    gpd.GeoDataFrame(
        {"name": ["lake"]}, geometry=[box(392000, 254000, 396000, 256000)], crs=27700
    ).to_crs(4326).to_file(gpkg, layer="surfacewater", driver="GPKG")
    basemaps.add_basemap(
        area_store, "vector", str(gpkg), layer="surfacewater", attribution="Contains OS data (test)"
    )
    basemaps.add_basemap(area_store, "vector", str(gpkg), layer="roads_national")
    img = _render(area_store)
    centre = img.pixelColor(80, 100)
    assert _close(centre, basemaps_colour("water"))
    motorway_y = round((260000 - 252000) / 50)  # 50 m per pixel
    assert _close(img.pixelColor(100, motorway_y), basemaps_colour("road_motorway"), 20)
    a_road_y = round((260000 - 258000) / 50)
    assert _close(img.pixelColor(100, a_road_y), basemaps_colour("road_a"), 20)
    assert "Contains OS data (test)" in load_map_data(area_store).attribution
    # under the threat layers: the area shading tints the basemap but does not hide it
    shaded = _render(area_store, layers=frozenset({"basemap", "areas"}))
    plain = _render(area_store, layers=frozenset({"areas"}))
    assert shaded.pixelColor(80, 100) != plain.pixelColor(80, 100)


def basemaps_colour(key: str) -> str:
    from socmap.render.basemap import VECTOR_STYLES

    fill, line, _w, _s = VECTOR_STYLES[key]
    return fill or line or "#000000"


class _TileServer:
    """Serves one colour's PNG for every /z/x/y.png on 127.0.0.1 (optionally slowly)."""

    def __init__(self, colour: str, delay: float = 0.0) -> None:
        body = _png(colour)
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tile_server() -> Iterator[_TileServer]:
    server = _TileServer("#ff0000")
    yield server
    server.stop()


def test_xyz_tiles_cached_on_disk_and_used_offline(area_store, tile_server: _TileServer) -> None:
    url = f"http://127.0.0.1:{tile_server.port}/{{z}}/{{x}}/{{y}}.png"
    basemaps.add_basemap(area_store, "xyz", url, attribution="© Test tiles")
    img = _render(area_store)
    assert _close(img.pixelColor(80, 100), "#ff0000")
    assert tile_server.hits > 0
    cached = list(basemaps.cache_root().rglob("*.tile"))
    assert len(cached) == tile_server.hits
    tile_server.stop()
    # offline: a new renderer (nothing in memory) draws from the disk cache
    img = _render(area_store)
    assert _close(img.pixelColor(80, 100), "#ff0000")
    assert _close(img.pixelColor(10, 10), "#ff0000")


def test_a_frame_never_waits_for_tiles(area_store) -> None:
    slow = _TileServer("#00ff00", delay=1.5)
    try:
        url = f"http://127.0.0.1:{slow.port}/{{z}}/{{x}}/{{y}}.png"
        basemaps.add_basemap(area_store, "xyz", url)
        renderer = MapRenderer(load_map_data(area_store))
        state = MapViewState.fit(VIEW, (400, 200), margin=0.0, layers=frozenset({"basemap"}))
        img = QImage(400, 200, QImage.Format.Format_ARGB32_Premultiplied)
        p = QPainter(img)
        t0 = time.perf_counter()
        renderer.render(p, state)
        elapsed = time.perf_counter() - t0
        p.end()
        assert elapsed < 1.0  # drawn from the (empty) cache; tiles requested in the background
        deadline = time.monotonic() + 20
        while not renderer.basemap.take_dirty() and time.monotonic() < deadline:
            time.sleep(0.05)
        renderer.basemap.prefetch(state, timeout=20)
        img.fill(0xFFFFFFFF)
        p = QPainter(img)
        renderer.render(p, state)
        p.end()
        assert _close(img.pixelColor(80, 100), "#00ff00")
    finally:
        slow.stop()


def test_wmts_urls_and_mbtiles(area_store, tmp_path: Path) -> None:
    layer = basemaps.BasemapLayer(1, "os", "wmts", "https://example.invalid/wmts", "Road_3857")
    url = basemaps.tile_url(layer, 12, 2020, 1350)
    assert "TILEMATRIX=12" in url and "TILEROW=1350" in url and "TILECOL=2020" in url
    assert "LAYER=Road_3857" in url and "REQUEST=GetTile" in url
    mb = tmp_path / "blue.mbtiles"
    conn = sqlite3.connect(mb)
    conn.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB)"
    )
    quads = basemaps.tiles_for_view(VIEW, 50.0)
    blob = _png("#0000ff")
    conn.executemany(
        "INSERT INTO tiles VALUES (?, ?, ?, ?)",
        [(q.z, q.x, 2**q.z - 1 - q.y, blob) for q in quads],
    )
    conn.commit()
    conn.close()
    basemaps.add_basemap(area_store, "mbtiles", str(mb), attribution="© MB test")
    img = _render(area_store)
    assert _close(img.pixelColor(80, 100), "#0000ff")


def test_bad_basemaps_are_refused(area_store, tmp_path: Path) -> None:
    from socmap.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="z"):
        basemaps.add_basemap(area_store, "xyz", "http://127.0.0.1/tiles.png")
    with pytest.raises(ValidationError, match="does not exist"):
        basemaps.add_basemap(area_store, "vector", str(tmp_path / "none.gpkg"))
    with pytest.raises(ValidationError, match="layer"):
        basemaps.add_basemap(area_store, "wmts", "https://example.invalid/wmts")


# --- British National Grid tiles (OS Maps API EPSG:27700 tile matrix set) --------------------

CROSS = (403000.0, 255000.0)  # drawn into every tile the BNG server makes (off the areas' edge)


def _bng_tile_png(z: int, col: int, row: int) -> bytes:
    """A tile of the EPSG:27700 matrix set: white, with a red cross through CROSS (3 px wide)."""
    import numpy as np

    x0, _y0, _x1, y1 = basemaps.bng_tile_bounds(z, col, row)
    res = basemaps.BNG_RES0 / 2**z
    centres = (np.arange(256) + 0.5) * res
    xs = x0 + centres
    ys = y1 - centres
    on = (np.abs(xs[None, :] - CROSS[0]) <= 1.5 * res) | (
        np.abs(ys[:, None] - CROSS[1]) <= 1.5 * res
    )
    pixels = np.where(on, np.uint32(0xFFFF0000), np.uint32(0xFFFFFFFF)).astype(np.uint32)
    img = QImage(pixels.tobytes(), 256, 256, 256 * 4, QImage.Format.Format_ARGB32).copy()
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(dev, "PNG")  # type: ignore[call-overload]
    return bytes(buf.data())


class _BngWmtsServer:
    """A KVP WMTS on 127.0.0.1 serving layer Road_27700 in tile matrix set EPSG:27700."""

    def __init__(self) -> None:
        import urllib.parse

        self.requests: list[dict[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
                outer.requests.append(q)
                matrix = q.get("TILEMATRIX", "")
                if (
                    q.get("TILEMATRIXSET") != "EPSG:27700"
                    or q.get("LAYER") != "Road_27700"
                    or not matrix.startswith("EPSG:27700:")
                ):
                    self.send_error(400)
                    return
                body = _bng_tile_png(
                    int(matrix.rsplit(":", 1)[1]), int(q["TILECOL"]), int(q["TILEROW"])
                )
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_bng_tile_matrix_set_matches_the_os_maps_api() -> None:
    # level 0: 896 m/px, 256 px tiles from the top-left corner (-238375, 1376256)
    assert basemaps.bng_tile_bounds(0, 0, 0) == (-238375.0, 1146880.0, -8999.0, 1376256.0)
    # level 7 (7 m/px): tile 1792 m square
    x0, y0, x1, y1 = basemaps.bng_tile_bounds(7, 356, 627)
    assert (x1 - x0, y1 - y0) == (1792.0, 1792.0)
    assert basemaps.bng_zoom_for(7.0) == 7 and basemaps.bng_zoom_for(6.9) == 8
    assert basemaps.bng_zoom_for(5000.0) == 0 and basemaps.bng_zoom_for(0.01) == 13
    quads = basemaps.bng_tiles_for_view(VIEW, 50.0)
    assert {q.z for q in quads} == {5}  # 28 m/px: the first level at least as fine as 50 m/px
    assert 0 < len(quads) <= 256
    # the tiles cover the view and are squares on the map (no warping)
    xs = [c[0] for q in quads for c in q.corners]
    ys = [c[1] for q in quads for c in q.corners]
    assert min(xs) <= VIEW[0] and max(xs) >= VIEW[2] and min(ys) <= VIEW[1] and max(ys) >= VIEW[3]
    for q in quads:
        (nwx, nwy), (nex, ney), (sex, sey), (swx, swy) = q.corners
        assert nwy == ney and swy == sey and nwx == swx and nex == sex
    # a national view stays within 256 tiles at a coarser level, inside the matrix
    wide = basemaps.bng_tiles_for_view((0.0, 0.0, 700000.0, 1300000.0), 2.0)
    assert len(wide) <= 256 and all(q.x >= 0 and q.y >= 0 for q in wide)


def test_wmts_in_british_national_grid_drawn_unwarped_and_offline(area_store) -> None:
    server = _BngWmtsServer()
    try:
        url = f"http://127.0.0.1:{server.port}/wmts?key=test"
        layer, _ = basemaps.add_basemap(
            area_store,
            "wmts",
            url,
            layer="Road_27700",
            grid="EPSG:27700",
            attribution="Contains OS data © Crown copyright (test)",
        )
        assert layer.is_bng and layer.matrix_set == ""
        img = _render(area_store)
        assert server.requests and all(
            r["TILEMATRIX"] == "EPSG:27700:5" and r["key"] == "test" for r in server.requests
        )
    finally:
        server.stop()

    def check(image: QImage) -> None:
        # 50 m per pixel from (390000, 260000): the cross is at column 260 and row 100
        assert _close(image.pixelColor(260, 40), "#ff0000", 40)
        assert _close(image.pixelColor(260, 160), "#ff0000", 40)
        assert _close(image.pixelColor(60, 100), "#ff0000", 40)
        assert _close(image.pixelColor(340, 100), "#ff0000", 40)
        for off_x, off_y in ((265, 40), (255, 160), (60, 105), (340, 95), (100, 150)):
            assert _close(image.pixelColor(off_x, off_y), "#ffffff")

    check(img)
    # offline (server stopped): a new renderer draws the same from the disk cache
    check(_render(area_store))
    assert "Contains OS data © Crown copyright (test)" in load_map_data(area_store).attribution


def test_briefings_draw_only_the_layers_chosen_for_them(area_store) -> None:
    from socmap.domain.errors import NotFoundError
    from socmap.store import audit

    on_screen, _ = basemaps.add_basemap(
        area_store, "xyz", "https://tiles.invalid/{z}/{x}/{y}.png", attribution="Screen tiles"
    )
    printed, _ = basemaps.add_basemap(
        area_store,
        "xyz",
        "https://os.invalid/{z}/{x}/{y}.png",
        grid="bng",
        attribution="Printed tiles",
    )
    basemaps.set_in_briefings(area_store, on_screen.id, False)
    assert [x.id for x in basemaps.load_layers(area_store, briefing=True)] == [printed.id]
    assert len(basemaps.load_layers(area_store)) == 2
    briefing = load_map_data(area_store, briefing=True)
    assert "Printed tiles" in briefing.attribution and "Screen tiles" not in briefing.attribution
    assert "Screen tiles" in load_map_data(area_store).attribution
    actions = [r.action for r in audit.rows(area_store, entity="basemap")]
    assert actions == ["update", "create", "create"]
    assert basemaps.set_in_briefings(area_store, on_screen.id, False).kinds == frozenset()
    assert len(audit.rows(area_store, entity="basemap")) == 3  # no change, no audit row
    with pytest.raises(NotFoundError, match="no basemap layer 999"):
        basemaps.set_in_briefings(area_store, 999, True)


# --- vector basemaps on screen: tiles drawn between frames, frames only blit ---------------


def _vector_store(area_store, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The two squares with an OpenMap Local-like road network (2,000 segments) and woods."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString, box

    rng = np.random.default_rng(3)
    lines, kinds = [], []
    for _ in range(2000):
        x, y = rng.uniform(388000, 412000), rng.uniform(248000, 262000)
        a = rng.uniform(0, 2 * np.pi)
        lines.append(LineString([(x, y), (x + 400 * np.cos(a), y + 400 * np.sin(a))]))
        kinds.append(rng.choice(["Motorway", "A Road", "B Road", "Local Street"]))
    gpkg = tmp_path / "openmap.gpkg"
    gpd.GeoDataFrame({"CLASSIFICATION": kinds}, geometry=lines, crs=27700).to_file(
        gpkg, layer="Road", driver="GPKG"
    )
    woods = [
        box(x, y, x + 700, y + 500) for x in range(390000, 410000, 2500) for y in (251000, 256000)
    ]
    gpd.GeoDataFrame({"id": range(len(woods))}, geometry=woods, crs=27700).to_file(
        gpkg, layer="Woodland", driver="GPKG"
    )
    basemaps.add_basemap(area_store, "vector", str(gpkg), layer="Woodland")
    basemaps.add_basemap(area_store, "vector", str(gpkg), layer="Road")
    return area_store


def _pixels(img: QImage):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4).copy()


def _frame(renderer, state) -> QImage:  # type: ignore[no-untyped-def]
    img = QImage(*state.size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0xFFFFFFFF)
    p = QPainter(img)
    renderer.render(p, state)
    p.end()
    return img


def test_frames_blit_tiles_that_look_like_the_paths(area_store, tmp_path: Path) -> None:
    import numpy as np

    store = _vector_store(area_store, tmp_path)
    data = load_map_data(store)
    state = MapViewState.fit(VIEW, (700, 420), margin=0.02).zoomed(1.7, (300.0, 200.0))
    exported = MapRenderer(data)
    exported.basemap.prefetch(state, timeout=20)  # an export: drawn straight from the paths
    want = _pixels(_frame(exported, state))

    screen = MapRenderer(data)
    screen.basemap.load(20)
    first = _frame(screen, state)  # nothing drawn yet: the frame does not draw tiles itself
    assert screen.basemap.pending()
    assert not np.array_equal(_pixels(first), want)
    drawn = screen.basemap.work(0.0)  # one slice draws at least one tile
    assert drawn >= 1
    screen.basemap.settle(20)
    assert not screen.basemap.pending()
    got = _pixels(_frame(screen, state))
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 8  # the same look
    assert not screen.basemap.pending()

    # a pan by whole pixels keeps the grid: only the newly exposed column of tiles is drawn
    panned = state.panned(-256, 0)
    _frame(screen, panned)
    from socmap.render.basemap import TILE, _VectorTiles

    _key, (_ox, oy) = _VectorTiles.grid(panned, 1.0)
    rows = (419 - oy) // TILE - (-oy) // TILE + 1
    assert screen.basemap.work(60.0) == 2 * rows  # two layers, one new column of tiles each
    exported.basemap.prefetch(panned)
    want = _pixels(_frame(exported, panned))
    got = _pixels(_frame(screen, panned))
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 8

    # a zoom is a new grid: until its tiles are drawn, the old grid's stand in, scaled
    zoomed = panned.zoomed(1.25, (350.0, 210.0))
    stand_in = _pixels(_frame(screen, zoomed))
    screen.basemap.settle(20)
    exported.basemap.prefetch(zoomed)
    want = _pixels(_frame(exported, zoomed))
    assert np.abs(stand_in.astype(int) - want.astype(int)).mean() < 6  # close, if softer
    got = _pixels(_frame(screen, zoomed))
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 8


def test_read_vector_splits_parts_and_keeps_bounds_with_their_features(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString, MultiLineString, Polygon

    hole = Polygon(
        [(0, 0), (100, 0), (100, 100), (0, 100)], [[(40, 40), (60, 40), (60, 60), (40, 60)]]
    )
    geoms = [
        LineString([(500, 500), (600, 650)]),
        hole,
        MultiLineString([[(1000, 0), (1100, 50)], [(2000, 0), (2100, 80), (2200, 0)]]),
    ]
    path = tmp_path / "mixed.gpkg"
    gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=geoms, crs=27700).to_file(
        path, layer="features", driver="GPKG"
    )
    layer = basemaps.BasemapLayer(1, "mixed", "vector", str(path), "features", "other")
    [cls] = basemaps.read_vector(layer).classes
    assert cls.key == "other"
    assert [len(r) for r in cls.polygons] == [2]  # the exterior and its hole
    assert [len(c) for c in cls.lines] == [2, 2, 3]
    # bounds: the polygons first, then the lines, each with its own feature part
    assert cls.bounds.tolist() == [
        [0, 0, 100, 100],
        [500, 500, 600, 650],
        [1000, 0, 1100, 50],
        [2000, 0, 2200, 80],
    ]
