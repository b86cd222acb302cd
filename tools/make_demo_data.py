"""Build the demo force's shipped data (data/*.geojson) from the real public files.

Usage: python tools/make_demo_data.py ../shared/data data

Reads the 2013 electoral wards and GeoNames places described in ../shared/data/README.md,
projects them to British National Grid, simplifies the wards as one coverage (shapely
``coverage_simplify``: neighbours keep sharing their edges, no gaps or overlaps), rounds to whole
metres and dissolves the simplified wards into the five local policing areas, so the demo's
areas and neighbourhoods nest exactly. Deterministic: same input, same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely

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
LPA_ORDER = list(dict.fromkeys(LAD_TO_LPA.values()))
TOLERANCE_M = 60.0
CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}


def _coords(geom: shapely.Geometry) -> dict:
    mapping = shapely.geometry.mapping(geom)
    return json.loads(json.dumps(mapping), parse_float=lambda v: round(float(v)))


def _write(path: Path, name: str, features: list[dict]) -> None:
    doc = {"type": "FeatureCollection", "name": name, "crs": CRS, "features": features}
    path.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", "utf-8")


def main(shared: Path, out: Path) -> None:
    wards = gpd.read_file(shared / "west-mercia-wards-2013.geojson").to_crs(27700)
    wards = wards.sort_values("ward_code").reset_index(drop=True)
    simple = shapely.coverage_simplify(wards.geometry.values, TOLERANCE_M)
    simple = shapely.set_precision(simple, 1.0)
    simple = [g if g.is_valid else shapely.make_valid(g) for g in simple]
    wards["geometry"] = simple
    wards["lpa"] = wards["lad_code"].map(LAD_TO_LPA)
    feats = [
        {
            "type": "Feature",
            "properties": {"name": r.ward_name, "code": r.ward_code, "lpa": r.lpa},
            "geometry": _coords(r.geometry),
        }
        for r in wards.itertuples()
    ]
    _write(out / "west-mercia-demo-wards.geojson", "west_mercia_demo_wards", feats)
    lpas = []
    for lpa in LPA_ORDER:
        part = wards[wards.lpa == lpa]
        geom = shapely.set_precision(shapely.union_all(part.geometry.values), 1.0)
        codes = ",".join(sorted(part.lad_code.unique()))
        lpas.append(
            {
                "type": "Feature",
                "properties": {"name": lpa, "lad_codes": codes},
                "geometry": _coords(geom),
            }
        )
    _write(out / "west-mercia-demo-lpa.geojson", "west_mercia_demo_lpa", lpas)
    places = gpd.read_file(shared / "west-mercia-places-geonames.geojson")
    places = places.sort_values(["name", "easting"]).reset_index(drop=True)
    pts = [
        {
            "type": "Feature",
            "properties": {"name": r.name},
            "geometry": {"type": "Point", "coordinates": [int(r.easting), int(r.northing)]},
        }
        for r in places.itertuples()
    ]
    _write(out / "west-mercia-demo-places.geojson", "west_mercia_demo_places", pts)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
