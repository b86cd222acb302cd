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
