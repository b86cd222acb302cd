"""Basemap layers under the threat layers (issue 16): vector files, tile services, MBTiles.

Configured per database (``socmap basemap add``) and drawn by ``socmap.render.basemap`` from
caches filled in the background, so a basemap never delays a frame:

- **vector** files (GeoPackage, Shapefile, GeoJSON) are read once, reprojected to EPSG:27700
  and styled per layer: roads by class (from a field), water, built-up areas, woodland, rail.
  The layer names of OS Open Zoomstack, OS OpenMap Local and OS Open Roads get sensible styles
  without configuration;
- **xyz** (``https://host/{z}/{x}/{y}.png``) and **wmts** (a KVP endpoint) tiles are fetched by
  worker threads into a disk cache in the user's data folder, so a map viewed once works
  offline. Two tile grids: Web Mercator (GoogleMapsCompatible, warped into BNG tile by tile)
  and British National Grid (``grid="EPSG:27700"``: the OS Maps API's EPSG:27700 tile matrix
  set, origin (-238375, 1376256), 896 m/px at level 0 halving per level, 256 px tiles), whose
  tiles are squares on the map drawn as they are;
- **mbtiles** files are read directly (raster tiles).

No Qt here: tiles are bytes, vector features are coordinate arrays.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from socmap.domain.changes import Changes
from socmap.domain.errors import NotFoundError, ValidationError
from socmap.domain.roles import Permission
from socmap.services.auth import require
from socmap.store import audit
from socmap.store import neighbourhoods as nb_store
from socmap.store.db import Store, unit_of_work
from socmap.store.tiles import mbtiles_tile

KINDS = ("vector", "xyz", "wmts", "mbtiles")
STYLES = ("auto", "roads", "water", "builtup", "woodland", "rail", "other")
#: Fields tried, in order, for a road's class when none is configured.
ROAD_CLASS_FIELDS = (
    "class",
    "type",
    "road_classification",
    "roadClassification",
    "CLASSIFICATION",
    "classification",
    "highway",
    "RoadClass",
)
MAX_ZOOM = 19
#: tile grids: "" is Web Mercator (XYZ / GoogleMapsCompatible), "EPSG:27700" British National Grid
GRIDS = ("", "EPSG:27700")
_GRID_ALIASES = {
    "": "",
    "webmercator": "",
    "web mercator": "",
    "epsg:3857": "",
    "3857": "",
    "googlemapscompatible": "",
    "epsg:27700": "EPSG:27700",
    "27700": "EPSG:27700",
    "bng": "EPSG:27700",
    "british national grid": "EPSG:27700",
}
#: the British National Grid tile matrix set of the OS Maps API (WMTS ``EPSG:27700``, ZXY
#: ``*_27700``): top-left corner, level-0 resolution (m/px), level-0 matrix width and height
BNG_ORIGIN = (-238375.0, 1376256.0)
BNG_RES0 = 896.0
BNG_MATRIX0 = (5, 7)
BNG_MAX_ZOOM = 13
TILE_PX = 256
TILE_TIMEOUT_S = 10.0
USER_AGENT = "socmap basemap (offline cache)"


@dataclass(frozen=True)
class BasemapLayer:
    """One configured basemap layer."""

    id: int
    name: str
    kind: str  # "vector", "xyz", "wmts" or "mbtiles"
    source: str  # a file path or a URL (template)
    layer: str = ""
    style: str = ""
    class_field: str = ""
    attribution: str = ""
    in_briefings: bool = True  # drawn in briefings and other exports by default
    grid: str = ""  # tiles: "" Web Mercator, "EPSG:27700" British National Grid
    matrix_set: str = ""  # WMTS TILEMATRIXSET ("" = the grid's usual name)

    @property
    def is_tiles(self) -> bool:
        """Raster tiles (xyz, wmts, mbtiles) rather than vector features."""
        return self.kind != "vector"

    @property
    def is_bng(self) -> bool:
        """Tiles on the British National Grid tile matrix set (no warping)."""
        return self.grid == "EPSG:27700"

    def describe(self) -> str:
        """One line for lists: kind, grid, layer and source."""
        kind = {"vector": "Vector file", "xyz": "XYZ tiles", "wmts": "WMTS", "mbtiles": "MBTiles"}
        grid = " (British National Grid)" if self.is_bng else ""
        layer = f", layer {self.layer}" if self.layer else ""
        return f"{kind.get(self.kind, self.kind)}{grid}{layer}: {self.source}"


def _layer(row: tuple[object, ...]) -> BasemapLayer:
    values = list(row)
    values[8] = bool(values[8])
    return BasemapLayer(*values)  # type: ignore[arg-type]


def load_layers(store: Store, *, briefing: bool = False) -> list[BasemapLayer]:
    """The configured basemap layers, bottom first (``briefing``: only those briefings draw)."""
    layers = [_layer(row) for row in nb_store.basemap_rows(store)]
    return [x for x in layers if x.in_briefings] if briefing else layers


def normalise_grid(grid: str) -> str:
    """A tile grid's canonical name ("" or "EPSG:27700") from what a person typed.

    Raises:
        ValidationError: not a grid socmap can draw.
    """
    key = " ".join(grid.strip().casefold().split())
    if key not in _GRID_ALIASES:
        raise ValidationError(
            "grid", f"'{grid}' is not a tile grid socmap draws (webmercator or EPSG:27700)"
        )
    return _GRID_ALIASES[key]


@unit_of_work
def add_basemap(
    store: Store,
    kind: str,
    source: str,
    *,
    name: str = "",
    layer: str = "",
    style: str = "auto",
    class_field: str = "",
    attribution: str = "",
    grid: str = "",
    matrix_set: str = "",
    in_briefings: bool = True,
) -> tuple[BasemapLayer, Changes]:
    """Add a basemap layer on top of the others (administrators; audited).

    Args:
        grid: tile services: "" (Web Mercator) or "EPSG:27700" (British National Grid).
        matrix_set: WMTS: the service's TILEMATRIXSET name (default GoogleMapsCompatible, or
            EPSG:27700 on the British National Grid).
        in_briefings: draw it in briefings and other exports by default.

    Raises:
        ValidationError: an unknown kind, style or grid, a tile URL without {z}/{x}/{y}, a WMTS
            without a layer name, a grid on a file layer, or a file that does not exist.
    """
    require(store, Permission.ADMIN, action="configure basemaps")
    if kind not in KINDS:
        raise ValidationError("kind", f"'{kind}' is not one of {', '.join(KINDS)}")
    if style not in STYLES:
        raise ValidationError("style", f"'{style}' is not one of {', '.join(STYLES)}")
    grid = normalise_grid(grid)
    matrix_set = matrix_set.strip()
    if grid and kind not in ("xyz", "wmts"):
        raise ValidationError("grid", "only a tile service (xyz, wmts) has a tile grid")
    if matrix_set and kind != "wmts":
        raise ValidationError("matrix_set", "only a WMTS has a tile matrix set")
    source = source.strip()
    if kind == "xyz" and not all(k in source for k in ("{z}", "{x}", "{y}")):
        raise ValidationError("source", "an XYZ URL needs {z}, {x} and {y} in it")
    if kind in ("xyz", "wmts") and urllib.parse.urlparse(source).scheme not in ("http", "https"):
        raise ValidationError("source", "a tile service is an http(s) URL")
    if kind == "wmts" and not layer:
        raise ValidationError("layer", "a WMTS basemap needs --layer (the service's layer name)")
    if kind in ("vector", "mbtiles"):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ValidationError("source", f"{source}: the file does not exist")
        source = str(path.resolve())
    if kind == "vector":
        from socmap.geo.layers import list_layers

        names = [info.name for info in list_layers(source)]
        if layer and layer not in names:
            raise ValidationError(
                "layer", f"'{layer}' is not a layer of the file ({', '.join(names)})"
            )
    name = name.strip() or (layer or Path(urllib.parse.urlparse(source).path).stem or kind)
    values = {
        "name": name,
        "kind": kind,
        "source": source,
        "layer": layer,
        "style": style,
        "class_field": class_field,
        "attribution": attribution.strip(),
        "in_briefings": 1 if in_briefings else 0,
        "grid": grid,
        "matrix_set": matrix_set,
    }
    with store.atomic():
        new_id = nb_store.insert_basemap(store, values)
        audit.record(
            store,
            action="create",
            entity="basemap",
            entity_id=new_id,
            summary=f"basemap layer '{name}' ({kind}) added",
            after=values,
        )
    return BasemapLayer(
        new_id,
        name,
        kind,
        source,
        layer,
        style,
        class_field,
        attribution.strip(),
        in_briefings,
        grid,
        matrix_set,
    ), Changes.everything()


def _existing(store: Store, basemap_id: int) -> BasemapLayer:
    row = nb_store.basemap_row(store, basemap_id)
    if row is None:
        raise NotFoundError(f"there is no basemap layer {basemap_id}")
    return _layer(row)


@unit_of_work
def remove_basemap(store: Store, basemap_id: int) -> Changes:
    """Remove a basemap layer (administrators; audited)."""
    require(store, Permission.ADMIN, action="configure basemaps")
    with store.atomic():
        before = _existing(store, basemap_id)
        nb_store.delete_basemap(store, basemap_id)
        audit.record(
            store,
            action="delete",
            entity="basemap",
            entity_id=basemap_id,
            summary=f"basemap layer {basemap_id} '{before.name}' ({before.kind}) removed",
            before=dict(before.__dict__),
        )
    return Changes.everything()


@unit_of_work
def set_in_briefings(store: Store, basemap_id: int, on: bool) -> Changes:
    """Choose whether briefings (and other exports) draw a basemap layer by default
    (administrators; audited). The map on screen draws every layer either way."""
    require(store, Permission.ADMIN, action="configure basemaps")
    with store.atomic():
        before = _existing(store, basemap_id)
        if before.in_briefings == on:
            return Changes()
        nb_store.set_basemap_in_briefings(store, basemap_id, on)
        audit.record(
            store,
            action="update",
            entity="basemap",
            entity_id=basemap_id,
            summary=f"basemap layer '{before.name}' "
            + ("drawn in briefings" if on else "left out of briefings"),
            before={"in_briefings": before.in_briefings},
            after={"in_briefings": on},
        )
    return Changes.everything()


# --- vector layers -------------------------------------------------------------------------

_NAME_STYLES = (
    ("road", "roads"),
    ("motorway", "roads"),
    ("rail", "rail"),
    ("water", "water"),
    ("foreshore", "water"),
    ("tidal", "water"),
    ("river", "water"),
    ("wood", "woodland"),
    ("forest", "woodland"),
    ("urban", "builtup"),
    ("building", "builtup"),
    ("built", "builtup"),
)


def style_for_layer(layer_name: str) -> str:
    """A style from a layer's name (OS Open Zoomstack, OpenMap Local, Open Roads, OSM)."""
    key = layer_name.casefold()
    return next((style for word, style in _NAME_STYLES if word in key), "other")


def road_class(value: object) -> str:
    """``motorway``, ``a``, ``b`` or ``minor`` from a road class field's text."""
    text = str(value or "").casefold()
    if "motorway" in text:
        return "motorway"
    if text.startswith(("a road", "a-road", "primary", "trunk")) or text in ("a", "a roads"):
        return "a"
    if text.startswith(("b road", "b-road", "secondary")) or text in ("b", "b roads"):
        return "b"
    return "minor"


@dataclass(frozen=True)
class VectorClass:
    """Features of one drawing class: rings (polygons) or lines as (n, 2) BNG arrays."""

    key: str  # e.g. "water", "road_a"
    polygons: tuple[tuple[np.ndarray, ...], ...]  # per feature: exterior and holes
    lines: tuple[np.ndarray, ...]
    bounds: np.ndarray  # (features, 4) for culling


@dataclass(frozen=True)
class VectorData:
    """A vector basemap layer ready to draw, bottom class first."""

    classes: tuple[VectorClass, ...]


_VECTOR_CACHE: dict[tuple[object, ...], VectorData] = {}
_VECTOR_LOCK = threading.Lock()


def read_vector(layer: BasemapLayer) -> VectorData:
    """Read and classify a vector basemap layer (run it on a worker: files can be large).

    Kept in memory per file version, so later maps and exports reuse it.
    """
    try:
        st = Path(layer.source).stat()
        version: tuple[object, ...] = (st.st_mtime_ns, st.st_size)
    except OSError:
        version = ()
    key = (layer.source, layer.layer, layer.style, layer.class_field, *version)
    with _VECTOR_LOCK:
        found = _VECTOR_CACHE.get(key)
    if found is not None:
        return found
    data = _read_vector(layer)
    with _VECTOR_LOCK:
        if len(_VECTOR_CACHE) > 16:
            _VECTOR_CACHE.clear()
        _VECTOR_CACHE[key] = data
    return data


def _split_coords(geoms: np.ndarray) -> list[np.ndarray]:
    """Each geometry's (n, 2) coordinates (lines or rings), split from one vectorised read."""
    import shapely

    if not len(geoms):
        return []
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts)


def _read_vector(layer: BasemapLayer) -> VectorData:
    import shapely

    from socmap.geo.layers import read_features

    fields = [layer.class_field] if layer.class_field else list(ROAD_CLASS_FIELDS)
    read = read_features(layer.source, layer=layer.layer or None, fields=fields)
    style = layer.style if layer.style and layer.style != "auto" else style_for_layer(read.layer)
    class_values = next((read.fields[f] for f in fields if f in read.fields), None)
    geoms = np.asarray(read.geometries, dtype=object)
    if style == "roads":
        values = np.array(
            ["" if v is None else str(v) for v in (class_values or [""] * len(geoms))],
            dtype=object,
        )
        unique, inverse = np.unique(values.astype(str), return_inverse=True)
        feature_keys = np.array(["road_" + road_class(u) for u in unique], dtype=object)[
            inverse.ravel()
        ]
    else:
        feature_keys = np.full(len(geoms), style, dtype=object)
    # every part of every feature at once (vectorised: a file may hold 100,000s of roads)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    types = shapely.get_type_id(parts)
    part_keys = feature_keys[owner] if len(parts) else np.zeros(0, dtype=object)
    part_bounds = shapely.bounds(parts) if len(parts) else np.zeros((0, 4))
    is_poly = types == 3
    is_line = (types == 1) | (types == 2)
    poly_rings: list[tuple[np.ndarray, ...]] = []
    if is_poly.any():
        rings, ring_owner = shapely.get_rings(parts[is_poly], return_index=True)
        grouped: list[list[np.ndarray]] = [[] for _ in range(int(is_poly.sum()))]
        for k, coords in zip(ring_owner.tolist(), _split_coords(rings), strict=True):
            grouped[k].append(coords)
        poly_rings = [tuple(g) for g in grouped]
    line_coords = _split_coords(parts[is_line]) if is_line.any() else []
    poly_keys, line_keys = part_keys[is_poly], part_keys[is_line]
    poly_bounds, line_bounds = part_bounds[is_poly], part_bounds[is_line]
    order = [
        "builtup",
        "woodland",
        "water",
        "other",
        "rail",
        "road_minor",
        "road_b",
        "road_a",
        "road_motorway",
    ]
    present = set(poly_keys.tolist()) | set(line_keys.tolist())
    keys = sorted(present, key=lambda k: order.index(k) if k in order else 3)
    out = []
    for k in keys:
        pi = np.flatnonzero(poly_keys == k)
        li = np.flatnonzero(line_keys == k)
        out.append(
            VectorClass(
                k,
                tuple(poly_rings[i] for i in pi.tolist()),
                tuple(line_coords[i] for i in li.tolist()),
                # bounds in the order of the polygons, then the lines
                np.concatenate([poly_bounds[pi], line_bounds[li]]).reshape(-1, 4),
            )
        )
    return VectorData(tuple(out))


# --- tiles ---------------------------------------------------------------------------------


def cache_root() -> Path:
    """Where fetched tiles are kept (the user's data folder)."""
    from socmap.paths import user_data_dir

    return user_data_dir() / "tile-cache"


def zoom_for(scale_m_per_px: float, latitude: float, max_zoom: int = MAX_ZOOM) -> int:
    """The Web Mercator zoom whose ground resolution is at least as fine as the map's scale."""
    ground = 156543.03392804097 * math.cos(math.radians(latitude))
    z = math.ceil(math.log2(max(ground / max(scale_m_per_px, 1e-6), 1.0)))
    return int(min(max(z, 0), max_zoom))


def lonlat_to_tile(lon: np.ndarray, lat: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Fractional tile x, y (Web Mercator / XYZ, y down) of longitudes and latitudes."""
    n = 2.0**z
    lat_r = np.radians(np.clip(lat, -85.0511, 85.0511))
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - np.arcsinh(np.tan(lat_r)) / math.pi) / 2.0 * n
    return x, y


def tile_to_lonlat(x: np.ndarray, y: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of tile corner coordinates (XYZ, y down)."""
    n = 2.0**z
    lon = x / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def _bng_to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    from socmap.geo.project import on_geo_thread

    def run() -> tuple[np.ndarray, np.ndarray]:
        tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        lon, lat = tr.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon), np.asarray(lat)

    return on_geo_thread(run)


def _lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from socmap.geo.crs import WGS84, to_bng
    from socmap.geo.project import on_geo_thread

    return on_geo_thread(to_bng, np.asarray(lon, float), np.asarray(lat, float), WGS84)


@dataclass(frozen=True)
class TileQuad:
    """One tile and where its corners fall in British National Grid (NW, NE, SE, SW)."""

    z: int
    x: int
    y: int
    corners: tuple[tuple[float, float], ...]


def bng_zoom_for(scale_m_per_px: float, max_zoom: int = BNG_MAX_ZOOM) -> int:
    """The British National Grid tile level whose resolution is at least as fine as the map's."""
    z = math.ceil(math.log2(max(BNG_RES0 / max(scale_m_per_px, 1e-6), 1.0)))
    return int(min(max(z, 0), max_zoom))


def bng_tile_bounds(z: int, col: int, row: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) in metres of one British National Grid tile."""
    span = TILE_PX * BNG_RES0 / 2.0**z
    x0 = BNG_ORIGIN[0] + col * span
    y1 = BNG_ORIGIN[1] - row * span
    return x0, y1 - span, x0 + span, y1


def bng_tiles_for_view(
    bounds: tuple[float, float, float, float], scale: float, max_zoom: int = BNG_MAX_ZOOM
) -> list[TileQuad]:
    """The British National Grid tiles covering a BNG view at a level matching its scale
    (at most 256 tiles): squares on the map, so their corners need no reprojection."""
    minx, miny, maxx, maxy = bounds
    z = bng_zoom_for(scale, max_zoom)
    while True:
        span = TILE_PX * BNG_RES0 / 2.0**z
        cols, rows = BNG_MATRIX0[0] * 2**z, BNG_MATRIX0[1] * 2**z
        c0 = max(math.floor((minx - BNG_ORIGIN[0]) / span), 0)
        c1 = min(math.floor((maxx - BNG_ORIGIN[0]) / span), cols - 1)
        r0 = max(math.floor((BNG_ORIGIN[1] - maxy) / span), 0)
        r1 = min(math.floor((BNG_ORIGIN[1] - miny) / span), rows - 1)
        if (c1 - c0 + 1) * (r1 - r0 + 1) <= 256 or z == 0:
            break
        z -= 1
    out = []
    for row in range(r0, r1 + 1):
        for col in range(c0, c1 + 1):
            x0, y0, x1, y1 = bng_tile_bounds(z, col, row)
            out.append(TileQuad(z, col, row, ((x0, y1), (x1, y1), (x1, y0), (x0, y0))))
    return out


def tiles_for_layer(
    layer: BasemapLayer, bounds: tuple[float, float, float, float], scale: float
) -> list[TileQuad]:
    """The tiles of ``layer``'s grid covering a BNG view at a level matching its scale."""
    if layer.is_bng:
        return bng_tiles_for_view(bounds, scale)
    return tiles_for_view(bounds, scale)


def tiles_for_view(
    bounds: tuple[float, float, float, float], scale: float, max_zoom: int = MAX_ZOOM
) -> list[TileQuad]:
    """The Web Mercator tiles covering a BNG view at a zoom matching its scale (at most 256)."""
    minx, miny, maxx, maxy = bounds
    ex = np.linspace(minx, maxx, 5)
    ey = np.linspace(miny, maxy, 5)
    gx, gy = np.meshgrid(ex, ey)
    lon, lat = _bng_to_lonlat(gx.ravel(), gy.ravel())
    z = zoom_for(scale, float(np.mean(lat)), max_zoom)
    while True:
        tx, ty = lonlat_to_tile(lon, lat, z)
        x0, x1 = math.floor(tx.min()), math.floor(tx.max())
        y0, y1 = math.floor(ty.min()), math.floor(ty.max())
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= 256 or z == 0:
            break
        z -= 1
    xs, ys = np.meshgrid(np.arange(x0, x1 + 2), np.arange(y0, y1 + 2))
    clon, clat = tile_to_lonlat(xs.ravel().astype(float), ys.ravel().astype(float), z)
    bx, by = _lonlat_to_bng(clon, clat)
    bx = bx.reshape(xs.shape)
    by = by.reshape(xs.shape)
    out = []
    for j in range(y1 - y0 + 1):
        for i in range(x1 - x0 + 1):
            corners = (
                (float(bx[j, i]), float(by[j, i])),
                (float(bx[j, i + 1]), float(by[j, i + 1])),
                (float(bx[j + 1, i + 1]), float(by[j + 1, i + 1])),
                (float(bx[j + 1, i]), float(by[j + 1, i])),
            )
            out.append(TileQuad(z, x0 + i, y0 + j, corners))
    return out


def tile_url(layer: BasemapLayer, z: int, x: int, y: int) -> str:
    """The URL of one tile of an XYZ or WMTS layer."""
    if layer.kind == "xyz":
        return layer.source.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
    matrix_set = layer.matrix_set or ("EPSG:27700" if layer.is_bng else "GoogleMapsCompatible")
    # sets named after their CRS (OS Maps API, GeoServer) name their levels "EPSG:27700:7"
    matrix = f"{matrix_set}:{z}" if matrix_set.upper().startswith("EPSG:") else str(z)
    params = {
        "SERVICE": "WMTS",
        "REQUEST": "GetTile",
        "VERSION": "1.0.0",
        "LAYER": layer.layer,
        "STYLE": "default",
        "TILEMATRIXSET": matrix_set,
        "TILEMATRIX": matrix,
        "TILEROW": str(y),
        "TILECOL": str(x),
        "FORMAT": "image/png",
    }
    sep = "&" if "?" in layer.source else "?"
    return layer.source + sep + urllib.parse.urlencode(params)


@dataclass
class TileCache:
    """Tiles of one layer: memory, then disk, then a background fetch (never waited for on
    screen). ``on_ready`` is called from a worker thread when a fetched tile lands."""

    layer: BasemapLayer
    root: Path = field(default_factory=cache_root)
    on_ready: Callable[[], None] | None = None
    _memory: dict[tuple[int, int, int], bytes] = field(default_factory=dict)
    _pending: dict[tuple[int, int, int], Future[bytes | None]] = field(default_factory=dict)
    _missing: set[tuple[int, int, int]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def folder(self) -> Path:
        """This layer's folder in the disk cache."""
        key = f"{self.layer.kind}|{self.layer.source}|{self.layer.layer}"
        if self.layer.grid or self.layer.matrix_set:  # another grid's tiles share no numbers
            key += f"|{self.layer.grid}|{self.layer.matrix_set}"
        digest = hashlib.sha256(key.encode())
        return self.root / digest.hexdigest()[:20]

    def _path(self, key: tuple[int, int, int]) -> Path:
        z, x, y = key
        return self.folder / str(z) / str(x) / f"{y}.tile"

    def get(self, key: tuple[int, int, int]) -> bytes | None:
        """The tile's bytes if cached (memory or disk), else None (and nothing blocks)."""
        data = self._memory.get(key)
        if data is not None:
            return data
        if self.layer.kind == "mbtiles":
            data = mbtiles_tile(self.layer.source, *key)
        else:
            path = self._path(key)
            data = path.read_bytes() if path.is_file() else None
        if data is not None:
            self._memory[key] = data
        return data

    def request(self, keys: Iterable[tuple[int, int, int]]) -> None:
        """Fetch missing tiles in the background (MBTiles never need fetching)."""
        if self.layer.kind == "mbtiles":
            return
        with self._lock:
            for key in keys:
                if key in self._pending or key in self._missing or key in self._memory:
                    continue
                if self._path(key).is_file():
                    continue
                self._pending[key] = _FETCHERS.submit(self._fetch, key)

    def _fetch(self, key: tuple[int, int, int]) -> bytes | None:
        try:
            req = urllib.request.Request(
                tile_url(self.layer, *key), headers={"User-Agent": USER_AGENT}
            )
            with urllib.request.urlopen(req, timeout=TILE_TIMEOUT_S) as resp:
                data = resp.read()
        except (urllib.error.URLError, OSError, ValueError):
            with self._lock:
                self._pending.pop(key, None)
                if isinstance(key, tuple):
                    self._missing.add(key)  # not retried this session: offline or absent
            return None
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        with self._lock:
            self._memory[key] = data
            self._pending.pop(key, None)
        if self.on_ready is not None:
            self.on_ready()
        return data

    def wait(self, timeout: float) -> None:
        """Wait (exports only) until pending fetches finish or ``timeout`` seconds pass."""
        with self._lock:
            futures = list(self._pending.values())
        for f in futures:
            # a timed-out or failed tile is simply not drawn
            with contextlib.suppress(Exception):
                f.result(timeout=timeout)


_FETCHERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="socmap-tiles")
