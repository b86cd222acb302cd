"""Reading boundary layers into plain (name, code, polygon) records in EPSG:27700."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from socmap.domain.errors import ImportFailed
from socmap.domain.groups import BNG_X_RANGE, BNG_Y_RANGE


@dataclass(frozen=True)
class AreaShape:
    """One area's outline in British National Grid."""

    name: str
    code: str
    geometry: BaseGeometry

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
