"""The demo's shipped geography (issue 16): real, generalised, small, attributed, nested."""

from __future__ import annotations

from socmap.geo.layers import read_bng_geojson
from socmap.paths import data_dir, demo_boundaries, demo_neighbourhoods, demo_places


def test_shipped_data_is_small_and_attributed() -> None:
    files = [demo_boundaries(), demo_neighbourhoods(), demo_places()]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in data_dir().glob("*.geojson")) <= 1_000_000
    readme = (data_dir() / "README.md").read_text(encoding="utf-8")
    for needle in ("Open Government Licence", "CC BY 4.0", "GeoNames", "Martin Chorley"):
        assert needle in readme


def test_areas_are_the_real_lpas_and_wards_nest_in_them() -> None:
    import shapely

    areas = {s.name: s.geometry for s in read_bng_geojson(demo_boundaries())}
    published = {  # km2, ../shared/data/README.md
        "Herefordshire": 2179.73,
        "Shropshire": 3197.38,
        "Telford & Wrekin": 290.30,
        "North Worcestershire": 466.67,
        "South Worcestershire": 1273.79,
    }
    for name, km2 in published.items():
        assert abs(areas[name].area / 1e6 - km2) / km2 < 0.002, name
    from socmap.geo.layers import read_boundaries

    layer = read_boundaries(
        demo_neighbourhoods(), name_field="name", code_field="lpa", dissolve=False
    )
    assert len(layer.shapes) == 257
    for s in layer.shapes:
        inside = shapely.intersection(s.geometry, areas[s.code]).area / s.geometry.area
        assert inside > 0.999, s.name
