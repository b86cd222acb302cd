"""Reading boundary layers into plain (name, code, polygon) records in EPSG:27700."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from socmap.domain.errors import ImportFailed
from socmap.domain.groups import BNG_X_RANGE, BNG_Y_RANGE
from socmap.domain.text import plural

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class AreaShape:
    """One area's outline in British National Grid."""

    name: str
    code: str
    geometry: BaseGeometry
    #: 1-based position of the feature in its layer (0: several features dissolved, or unknown)
    feature: int = 0

    @property
    def area_km2(self) -> float:
        """Planar area in square kilometres (EPSG:27700 metres)."""
        return float(self.geometry.area) / 1e6

    @property
    def wkb(self) -> bytes:
        """The geometry as WKB."""
        return bytes(shapely.to_wkb(self.geometry))


def read_bng_geojson(
    path: Path, *, name_field: str = "name", code_field: str = "lad_codes"
) -> list[AreaShape]:
    """Read a small GeoJSON file of polygons already in EPSG:27700 (e.g. the demo's boundaries).

    Raises:
        ImportFailed: naming the file, and the feature and field where it applies, when the
            file is not UTF-8 JSON, not a FeatureCollection, or a feature lacks a name, has a
            non-polygonal, invalid or non-British-National-Grid geometry, or repeats a name.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(where, "is not UTF-8 text") from None
    except OSError as exc:
        raise ImportFailed(where, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        detail = f"{exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else exc
        raise ImportFailed(where, f"is not valid JSON ({detail})") from None
    except RecursionError:
        raise ImportFailed(where, "is nested too deeply to be GeoJSON") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ImportFailed(where, "is not a GeoJSON FeatureCollection (no 'features' list)")
    out: list[AreaShape] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise ImportFailed(where, "is not a GeoJSON feature", row=i)
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise ImportFailed(where, "properties must be an object", row=i)
        name = props.get(name_field)
        if name is None or isinstance(name, dict | list) or not str(name).strip():
            raise ImportFailed(where, "is missing or empty", row=i, field=name_field)
        name = " ".join(str(name).split())
        if len(name) > 120 or any(ord(c) < 32 for c in name):
            raise ImportFailed(
                where, "is too long or holds control characters", row=i, field=name_field
            )
        if name.casefold() in seen:
            raise ImportFailed(
                where, f"'{name}' repeats feature {seen[name.casefold()]}", row=i, field=name_field
            )
        seen[name.casefold()] = i
        raw = feature.get("geometry")
        if not isinstance(raw, dict):
            raise ImportFailed(where, "is missing", row=i, field="geometry")
        try:
            geom = shape(raw)
        except Exception as exc:  # shapely raises many kinds for malformed input
            raise ImportFailed(
                where, f"cannot be read ({type(exc).__name__})", row=i, field="geometry"
            ) from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise ImportFailed(
                where,
                f"must be a Polygon or MultiPolygon, not {geom.geom_type}",
                row=i,
                field="geometry",
            )
        minx, miny, maxx, maxy = geom.bounds
        finite = all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
        if not finite or not (
            BNG_X_RANGE[0] <= minx
            and maxx <= BNG_X_RANGE[1]
            and BNG_Y_RANGE[0] <= miny
            and maxy <= BNG_Y_RANGE[1]
        ):
            raise ImportFailed(
                where,
                "coordinates are not British National Grid (EPSG:27700) metres; reproject first",
                row=i,
                field="geometry",
            )
        if not geom.is_valid or geom.area <= 0:
            raise ImportFailed(
                where,
                f"is not a valid polygon ({shapely.is_valid_reason(geom)})",
                row=i,
                field="geometry",
            )
        code = props.get(code_field, "")
        out.append(AreaShape(name, "" if code is None else str(code)[:200], geom))
    if not out:
        raise ImportFailed(where, "holds no features")
    return out


# --- importing a user's boundary layer (issue 3) ---------------------------------------------

BNG = "EPSG:27700"
#: A generous box around Great Britain in British National Grid metres: outlines that land outside
#: it after reprojection were declared in the wrong CRS (or none).
_BNG_EXTENT = (-200_000.0, -200_000.0, 900_000.0, 1_400_000.0)
_POLYGONAL = ("Polygon", "MultiPolygon")
_POINT_OR_LINE = ("Point", "LineString", "LinearRing")


@dataclass(frozen=True)
class LayerInfo:
    """What a layer in a file holds, for pickers and error messages."""

    name: str
    geometry_type: str
    fields: tuple[str, ...]
    features: int
    crs: str | None


@dataclass(frozen=True)
class Repair:
    """One invalid feature that was repaired with ``shapely.make_valid``."""

    feature: int  # 1-based position in the layer
    name: str
    problem: str  # shapely's explanation of the invalidity
    area_before_km2: float
    area_after_km2: float

    @property
    def change_km2(self) -> float:
        """Area gained (positive) or lost (negative) by the repair."""
        return self.area_after_km2 - self.area_before_km2

    def describe(self) -> str:
        """One line for a report."""
        return (
            f"feature {self.feature} ({self.name}): {self.problem}; area "
            f"{self.area_before_km2:,.3f} -> {self.area_after_km2:,.3f} km2 "
            f"({self.change_km2:+,.3f} km2)"
        )


@dataclass(frozen=True)
class BoundaryLayer:
    """A boundary layer read, reprojected to EPSG:27700, repaired and dissolved by name."""

    path: str
    layer: str
    source_crs: str
    features: int
    shapes: tuple[AreaShape, ...]
    repairs: tuple[Repair, ...]
    #: (kept spelling, every spelling) where names differing only by case or surrounding
    #: spaces were dissolved into one area: reported, never merged silently.
    name_variants: tuple[tuple[str, tuple[str, ...]], ...] = ()


def load_libraries() -> None:
    """Import GDAL (pyogrio) and PROJ (pyproj) ahead of use, on socmap's GDAL/PROJ thread."""
    from socmap.geo.project import on_geo_thread

    def load() -> None:
        import pyogrio  # noqa: F401
        import pyproj

        pyproj.CRS.from_user_input("EPSG:27700")

    on_geo_thread(load)


def _fail(path: Path | str, reason: str, *, row: int | None = None, field: str | None = None):  # type: ignore[no-untyped-def]
    from socmap.domain.errors import ImportFailed

    return ImportFailed(str(path), reason, row=row, field=field)


def _geometry_kind(geometry_type: str | None) -> str:
    """'Polygon' from 'MultiPolygon Z', 'Point' from '3D Point', ..."""
    text = (geometry_type or "Unknown").replace("3D ", "").replace("Multi", "")
    return text.split()[0] if text.split() else "Unknown"


def list_layers(path: Path | str) -> list[LayerInfo]:
    """The layers of a GeoPackage, GeoJSON or Shapefile, with their fields and geometry types.

    Raises:
        ImportFailed: the file cannot be read as a vector layer.
    """
    from socmap.geo.project import on_geo_thread

    return on_geo_thread(_list_layers, path)


def _list_layers(path: Path | str) -> list[LayerInfo]:
    """The layers of a GeoPackage, GeoJSON or Shapefile, with their fields and geometry types.

    Raises:
        ImportFailed: the file cannot be read as a vector layer.
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise _fail(path, "the file does not exist")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
        out = []
        for name in names:
            info = pyogrio.read_info(path, layer=name)
            out.append(
                LayerInfo(
                    name=name,
                    geometry_type=str(info.get("geometry_type") or "Unknown"),
                    fields=tuple(str(f) for f in info["fields"]),
                    features=int(info.get("features") or 0),
                    crs=info.get("crs"),
                )
            )
    except Exception as exc:  # pyogrio raises several classes for unreadable/truncated files
        raise _fail(path, f"cannot be read as a boundary layer ({_gdal_message(exc)})") from None
    if not out:
        raise _fail(path, "holds no layers")
    return out


def _gdal_message(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _choose_layer(path: Path, layers: list[LayerInfo], layer: str | None) -> LayerInfo:
    if layer is None:
        if len(layers) > 1:
            names = ", ".join(lay.name for lay in layers)
            raise _fail(
                path, f"holds {plural(len(layers), 'layer')} ({names}); choose one with --layer"
            )
        return layers[0]
    for lay in layers:
        if lay.name == layer:
            return lay
    names = ", ".join(lay.name for lay in layers)
    raise _fail(path, f"has no layer '{layer}' (layers: {names})")


def _source_crs(path: Path, crs: str | None):  # type: ignore[no-untyped-def]
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if not crs:
        raise _fail(
            path,
            "has no coordinate reference system (for a Shapefile, the .prj file is missing); "
            "save it with its CRS declared, e.g. EPSG:27700 or EPSG:4326",
        )
    try:
        return CRS.from_user_input(crs)
    except CRSError:
        raise _fail(path, f"declares an unknown coordinate reference system ({crs[:80]})") from None


def _check_geojson_crs_member(path: Path) -> None:
    """GDAL quietly falls back to WGS84 when a GeoJSON's ``crs`` member is unknown: refuse it."""
    import re

    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if path.suffix.lower() not in (".geojson", ".json"):
        return
    with path.open("rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace")
    found = re.search(
        r'"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]+)"', head
    )
    if found is None:
        return
    try:
        CRS.from_user_input(found.group(1))
    except CRSError:
        raise _fail(
            path, f"declares an unknown coordinate reference system ('{found.group(1)}')"
        ) from None


def read_boundaries(
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    code_field: str | None = None,
    dissolve: bool = True,
) -> BoundaryLayer:
    """Read a polygon layer, reproject it to EPSG:27700, repair it and dissolve it by name.

    With ``dissolve=False`` every feature stays its own shape (``AreaShape.feature`` gives its
    row), for layers whose names repeat legitimately (neighbourhoods in different areas).
    Runs on socmap's one GDAL/PROJ thread (see ``geo.project.on_geo_thread``).
    """
    from socmap.geo.project import on_geo_thread

    return on_geo_thread(
        _read_boundaries,
        path,
        name_field=name_field,
        layer=layer,
        code_field=code_field,
        dissolve=dissolve,
    )


def _read_boundaries(
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    code_field: str | None = None,
    dissolve: bool = True,
) -> BoundaryLayer:
    """Read a polygon layer, reproject it to EPSG:27700, repair it and dissolve it by name.

    Features that share a ``name_field`` value become one area. Invalid geometries are repaired
    with ``shapely.make_valid`` keeping only their polygonal parts; each repair is reported.

    Raises:
        ImportFailed: naming the file and feature/field, when the layer cannot be used as a whole
            (unreadable file, no CRS, unknown CRS, point or line layer, missing name field, a
            feature with no polygonal part, outlines outside Great Britain).
    """
    import warnings

    import numpy as np
    import pyogrio

    path = Path(path)
    info = _choose_layer(path, _list_layers(path), layer)
    kind = _geometry_kind(info.geometry_type)
    if kind in _POINT_OR_LINE:
        raise _fail(
            path,
            f"layer '{info.name}' holds {info.geometry_type} features, not area outlines "
            "(boundaries must be polygons)",
        )
    if name_field not in info.fields:
        available = ", ".join(info.fields) or "none"
        raise _fail(
            path,
            f"layer '{info.name}' has no field '{name_field}' (fields: {available})",
            field=name_field,
        )
    if code_field is not None and code_field not in info.fields:
        available = ", ".join(info.fields) or "none"
        raise _fail(
            path,
            f"layer '{info.name}' has no field '{code_field}' (fields: {available})",
            field=code_field,
        )
    _check_geojson_crs_member(path)
    crs = _source_crs(path, info.crs)
    columns = [name_field] + ([code_field] if code_field and code_field != name_field else [])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _fids, wkbs, field_data = pyogrio.raw.read(path, layer=info.name, columns=columns)
    except Exception as exc:
        raise _fail(path, f"cannot be read ({_gdal_message(exc)})") from None
    if len(wkbs) == 0:
        raise _fail(path, f"layer '{info.name}' holds no features")
    by_field = dict(zip([str(f) for f in meta["fields"]], field_data, strict=True))
    names = by_field[name_field]
    codes = by_field[code_field] if code_field else None
    geoms = shapely.from_wkb(wkbs)
    # Read-time checks, feature by feature, in the source CRS.
    for i, (g, n) in enumerate(zip(geoms, names, strict=True), start=1):
        if n is None or (isinstance(n, float) and np.isnan(n)) or not str(n).strip():
            raise _fail(path, "the feature has no name", row=i, field=name_field)
        if g is None or g.is_empty:
            raise _fail(path, f"feature '{n}' has no geometry", row=i)
    geoms = _to_bng(path, crs, geoms, names)
    repairs: list[Repair] = []
    fixed: list[BaseGeometry] = []
    for i, (g, n) in enumerate(zip(geoms, names, strict=True), start=1):
        poly = polygonal_part(g)
        if not g.is_valid:
            problem = shapely.is_valid_reason(g)
            poly = polygonal_part(shapely.make_valid(g))
            before = float(g.area) / 1e6 if _geometry_kind(g.geom_type) == "Polygon" else 0.0
            repairs.append(Repair(i, str(n).strip(), problem, before, float(poly.area) / 1e6))
        if poly.is_empty or poly.area <= 0:
            raise _fail(
                path,
                f"feature '{n}' has no polygonal part ({g.geom_type}"
                f"{', invalid' if not g.is_valid else ''}): it cannot be an area",
                row=i,
            )
        fixed.append(poly)
    if not dissolve:

        def code_of(m: int) -> str:
            return "" if codes is None or codes[m] is None else str(codes[m]).strip()

        return BoundaryLayer(
            path=str(path),
            layer=info.name,
            source_crs=crs.to_string(),
            features=len(wkbs),
            shapes=tuple(
                AreaShape(str(n).strip(), code_of(m), fixed[m], feature=m + 1)
                for m, n in enumerate(names)
            ),
            repairs=tuple(repairs),
        )
    # Dissolve: one area per name (case and surrounding spaces ignored; first spelling kept).
    groups: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    for i, n in enumerate(names):
        key = str(n).strip().casefold()
        groups.setdefault(key, []).append(i)
        spelling.setdefault(key, str(n).strip())
    shapes = []
    variants = []
    for key, members in groups.items():
        spellings = sorted({str(names[m]) for m in members})
        if len(spellings) > 1:
            variants.append((spelling[key], tuple(spellings)))
        geom = (
            fixed[members[0]]
            if len(members) == 1
            else shapely.union_all([fixed[m] for m in members])
        )
        geom = polygonal_part(geom)
        if not geom.is_valid:
            geom = polygonal_part(shapely.make_valid(geom))
        code = ""
        if codes is not None:
            code = ",".join(
                sorted({str(codes[m]).strip() for m in members if codes[m] is not None})
            )
        shapes.append(
            AreaShape(spelling[key], code, geom, feature=members[0] + 1 if len(members) == 1 else 0)
        )
    return BoundaryLayer(
        path=str(path),
        layer=info.name,
        source_crs=crs.to_string(),
        features=len(wkbs),
        shapes=tuple(shapes),
        repairs=tuple(repairs),
        name_variants=tuple(variants),
    )


def _to_bng(path: Path, crs, geoms: np.ndarray, names: Sequence[object]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Check that coordinates match the declared CRS and reproject them to EPSG:27700.

    Raises:
        ImportFailed: the coordinates contradict the CRS, or a feature lands outside Great
            Britain once projected (naming the feature's row).
    """
    import numpy as np
    from pyproj import Transformer

    if crs.is_geographic:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise _fail(
                path,
                f"declares {crs.to_string()} (longitude/latitude) but its coordinates go up to "
                f"{max(abs(minx), abs(maxx), abs(miny), abs(maxy)):,.0f}: they look projected. "
                "Save it with its real CRS declared (GeoJSON without a 'crs' member means WGS84)",
            )
    else:
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
            raise _fail(
                path,
                f"declares {crs.to_string()} (projected, metres) but every coordinate lies "
                "within +/-180: they look like longitude/latitude. Save it with its real CRS "
                "declared (e.g. EPSG:4326)",
            )
    if crs.to_epsg() != 27700:
        tr = Transformer.from_crs(crs, BNG, always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
        )
    xmin, ymin, xmax, ymax = _BNG_EXTENT
    bounds = shapely.bounds(geoms)
    for i, (b, n) in enumerate(zip(bounds, names, strict=True), start=1):
        if not np.all(np.isfinite(b)) or b[0] < xmin or b[1] < ymin or b[2] > xmax or b[3] > ymax:
            raise _fail(
                path,
                f"feature '{n}' lies outside Great Britain once projected from "
                f"{crs.to_string()} to British National Grid: is the declared CRS right?",
                row=i,
            )
    return geoms


def polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of ``geom`` (from a collection, too), as a Polygon or MultiPolygon.

    ``make_valid`` often returns a GeometryCollection of polygons and stray lines or points;
    only the polygons can be an area. Returns an empty polygon when there are none.
    """
    from shapely.geometry import MultiPolygon, Polygon

    parts: list[Polygon] = []

    def collect(g: BaseGeometry | None) -> None:
        if g is None or g.is_empty:
            return
        if isinstance(g, Polygon):
            parts.append(g)
        elif isinstance(g, MultiPolygon):
            parts.extend(g.geoms)
        elif hasattr(g, "geoms"):
            for sub in g.geoms:
                collect(sub)

    collect(geom)
    parts = [p for p in parts if p.area > 0]
    if not parts:
        return Polygon()
    if len(parts) == 1:
        return parts[0]
    if isinstance(geom, MultiPolygon) and geom.is_valid:
        return geom
    # Polygons pulled out of a collection may share edges: union them into a valid whole.
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, Polygon | MultiPolygon) else MultiPolygon(parts)


# --- point layers: place names (issue 16) -------------------------------------------------------


@dataclass(frozen=True)
class PointLayer:
    """A point layer read and reprojected to EPSG:27700, with its text and number fields."""

    path: str
    layer: str
    source_crs: str
    names: tuple[str, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    fields: dict[str, tuple[object, ...]]


def read_points(
    path: Path | str, *, name_field: str, layer: str | None = None, extra: Sequence[str] = ()
) -> PointLayer:
    """Read a point layer (GeoPackage, GeoJSON, Shapefile) into EPSG:27700 with the same CRS
    checks and refusals as boundary layers. ``extra`` names optional fields to bring along
    (missing ones are left out). Features without a name are refused by row."""
    from socmap.geo.project import on_geo_thread

    return on_geo_thread(_read_points, path, name_field=name_field, layer=layer, extra=extra)


def _read_points(
    path: Path | str, *, name_field: str, layer: str | None, extra: Sequence[str]
) -> PointLayer:
    import warnings

    import numpy as np
    import pyogrio

    path = Path(path)
    info = _choose_layer(path, _list_layers(path), layer)
    kind = _geometry_kind(info.geometry_type)
    if kind != "Point":
        raise _fail(path, f"layer '{info.name}' holds {info.geometry_type} features, not points")
    if name_field not in info.fields:
        available = ", ".join(info.fields) or "none"
        raise _fail(
            path,
            f"layer '{info.name}' has no field '{name_field}' (fields: {available})",
            field=name_field,
        )
    _check_geojson_crs_member(path)
    crs = _source_crs(path, info.crs)
    wanted = [name_field] + [f for f in extra if f in info.fields and f != name_field]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _fids, wkbs, field_data = pyogrio.raw.read(path, layer=info.name, columns=wanted)
    except Exception as exc:
        raise _fail(path, f"cannot be read ({_gdal_message(exc)})") from None
    if len(wkbs) == 0:
        raise _fail(path, f"layer '{info.name}' holds no features")
    by_field = dict(zip([str(f) for f in meta["fields"]], field_data, strict=True))
    names = by_field[name_field]
    geoms = shapely.from_wkb(wkbs)
    for i, (g, n) in enumerate(zip(geoms, names, strict=True), start=1):
        if n is None or (isinstance(n, float) and np.isnan(n)) or not str(n).strip():
            raise _fail(path, "the feature has no name", row=i, field=name_field)
        if g is None or g.is_empty:
            raise _fail(path, f"feature '{n}' has no geometry", row=i)
    geoms = _to_bng(path, crs, geoms, names)
    pts = shapely.get_coordinates(shapely.centroid(geoms))
    return PointLayer(
        path=str(path),
        layer=info.name,
        source_crs=crs.to_string(),
        names=tuple(" ".join(str(n).split()) for n in names),
        x=tuple(float(v) for v in pts[:, 0]),
        y=tuple(float(v) for v in pts[:, 1]),
        fields={f: tuple(by_field[f]) for f in wanted[1:]},
    )


# --- any vector layer, for basemaps (issue 16) -------------------------------------------------


@dataclass(frozen=True)
class FeatureLayer:
    """A vector layer's geometries in EPSG:27700 with the text of chosen fields."""

    layer: str
    geometries: tuple[BaseGeometry, ...]
    fields: dict[str, tuple[object, ...]]


def read_features(
    path: Path | str, *, layer: str | None = None, fields: Sequence[str] = ()
) -> FeatureLayer:
    """Read any vector layer (points, lines or polygons) into EPSG:27700, with the same CRS
    checks as boundary layers; ``fields`` that the layer lacks are left out."""
    from socmap.geo.project import on_geo_thread

    return on_geo_thread(_read_features, path, layer=layer, fields=fields)


def _read_features(path: Path | str, *, layer: str | None, fields: Sequence[str]) -> FeatureLayer:
    import warnings

    import numpy as np
    import pyogrio

    path = Path(path)
    info = _choose_layer(path, _list_layers(path), layer)
    _check_geojson_crs_member(path)
    crs = _source_crs(path, info.crs)
    wanted = [f for f in fields if f in info.fields]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _fids, wkbs, field_data = pyogrio.raw.read(path, layer=info.name, columns=wanted)
    except Exception as exc:
        raise _fail(path, f"cannot be read ({_gdal_message(exc)})") from None
    geoms = shapely.from_wkb(wkbs) if len(wkbs) else np.zeros(0, dtype=object)
    keep = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    geoms = geoms[keep] if len(geoms) else geoms
    by_field = dict(zip([str(f) for f in meta["fields"]], field_data, strict=True))
    if len(geoms):
        geoms = _to_bng(path, crs, geoms, [str(i) for i in range(len(geoms))])
    return FeatureLayer(
        layer=info.name,
        geometries=tuple(geoms),
        fields={f: tuple(np.asarray(by_field[f], dtype=object)[keep]) for f in wanted},
    )
