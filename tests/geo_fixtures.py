"""Small boundary and point files written into tmp_path by the geography tests (issue 3)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

BNG_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}

#: District -> LPA, from ../shared/data/README.md.
LAD_TO_LPA = {
    "E06000019": "Herefordshire",
    "E06000051": "Shropshire",
    "E06000020": "Telford & Wrekin",
    "E07000234": "North Worcestershire",
    "E07000236": "North Worcestershire",
    "E07000239": "North Worcestershire",
    "E07000237": "South Worcestershire",
    "E07000238": "South Worcestershire",
    "E07000235": "South Worcestershire",
}

#: LPA areas in km² from ../shared/data/README.md.
LPA_KM2 = {
    "Herefordshire": 2179.73,
    "Shropshire": 3197.38,
    "Telford & Wrekin": 290.30,
    "North Worcestershire": 466.67,
    "South Worcestershire": 1273.79,
}


def square(x0: float, y0: float, size: float) -> list[list[list[float]]]:
    """Polygon coordinates of an axis-aligned square."""
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    """One GeoJSON feature."""
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write_geojson(
    path: Path, features: list[dict[str, Any]], *, crs: dict[str, Any] | None = BNG_CRS
) -> Path:
    """A FeatureCollection (with a legacy ``crs`` member unless ``crs`` is None)."""
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = crs
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def two_squares(path: Path, *, names: tuple[str, str] = ("West", "East")) -> Path:
    """Two 10 km squares side by side in BNG, sharing the edge x = 400,000."""
    return write_geojson(
        path,
        [
            feature(
                {"name": names[0]},
                {"type": "Polygon", "coordinates": square(390000, 250000, 10000)},
            ),
            feature(
                {"name": names[1]},
                {"type": "Polygon", "coordinates": square(400000, 250000, 10000)},
            ),
        ],
    )


def db_fingerprint(path: Path) -> str:
    """SHA-256 of a database's logical content (every table's rows, schema included)."""
    conn = sqlite3.connect(path)
    try:
        h = hashlib.sha256()
        for line in conn.iterdump():
            h.update(line.encode())
        return h.hexdigest()
    finally:
        conn.close()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
