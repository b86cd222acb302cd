"""Reading boundary layers into plain (name, code, polygon) records in EPSG:27700."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


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
    """Read a small GeoJSON file already in EPSG:27700 (the demo's shipped boundaries)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        props = feature.get("properties") or {}
        geom = shape(feature["geometry"])
        out.append(AreaShape(str(props[name_field]), str(props.get(code_field, "")), geom))
    return out
