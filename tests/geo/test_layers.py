"""Reading boundary layers: formats, CRSs, dissolve, repair and refusal (issue 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from socmap.domain.errors import ImportFailed
from socmap.geo.layers import list_layers, polygonal_part, read_boundaries
from tests.geo_fixtures import (
    LPA_KM2,
    feature,
    square,
    two_squares,
    write_geojson,
)


def _areas(layer) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {s.name: s.area_km2 for s in layer.shapes}


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("west-mercia-lad.geojson", "lpa_name"),
        ("west-mercia-lpa.geojson", "name"),
        ("west-mercia-lad-bsc.geojson", "lpa_name"),
    ],
)
def test_real_boundaries_give_the_five_lpas(shared_data: Path, name: str, field: str) -> None:
    layer = read_boundaries(shared_data / name, name_field=field)
    areas = _areas(layer)
    assert list(areas) == list(LPA_KM2)
    tolerance = 0.001 if "bsc" not in name else 0.005  # the 200 m generalised file differs
    for lpa, km2 in LPA_KM2.items():
        assert areas[lpa] == pytest.approx(km2, rel=tolerance), lpa
    assert layer.repairs == ()
    assert layer.source_crs == "EPSG:4326"
    assert all(s.geometry.is_valid for s in layer.shapes)


@pytest.mark.shared_data
def test_lad_file_dissolves_codes_when_asked(shared_data: Path) -> None:
    layer = read_boundaries(
        shared_data / "west-mercia-lad.geojson", name_field="lpa_name", code_field="lad_code"
    )
    codes = {s.name: s.code for s in layer.shapes}
    assert codes["North Worcestershire"] == "E07000234,E07000236,E07000239"
    assert layer.features == 9


@pytest.mark.shared_data
@pytest.mark.parametrize(("driver", "suffix"), [("ESRI Shapefile", ".shp"), ("GPKG", ".gpkg")])
def test_same_boundaries_as_shapefile_and_geopackage_in_bng(
    shared_data: Path, tmp_path: Path, driver: str, suffix: str
) -> None:
    import geopandas as gpd

    gdf = gpd.read_file(shared_data / "west-mercia-lad.geojson").to_crs(27700)
    target = tmp_path / f"lad{suffix}"
    gdf.to_file(target, driver=driver)
    layer = read_boundaries(target, name_field="lpa_name")
    assert layer.source_crs == "EPSG:27700"
    for lpa, km2 in _areas(layer).items():
        assert km2 == pytest.approx(LPA_KM2[lpa], rel=0.001)


def test_geopackage_with_two_layers_needs_a_layer(tmp_path: Path) -> None:
    import geopandas as gpd

    target = tmp_path / "two.gpkg"
    polys = [Polygon(square(390000, 250000, 1000)[0]), Polygon(square(400000, 250000, 1000)[0])]
    gdf = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=polys, crs=27700)
    gdf.to_file(target, layer="areas", driver="GPKG")
    gdf.head(1).to_file(target, layer="other", driver="GPKG")
    with pytest.raises(ImportFailed, match="choose one with --layer"):
        read_boundaries(target, name_field="name")
    assert [lay.name for lay in list_layers(target)] == ["areas", "other"]
    assert len(read_boundaries(target, name_field="name", layer="areas").shapes) == 2
    with pytest.raises(ImportFailed, match="has no layer 'nope'"):
        read_boundaries(target, name_field="name", layer="nope")


def test_features_sharing_a_name_dissolve_into_one_area(tmp_path: Path) -> None:
    path = two_squares(tmp_path / "b.geojson", names=("Same", " same "))
    layer = read_boundaries(path, name_field="name")
    assert [s.name for s in layer.shapes] == ["Same"]
    geom = layer.shapes[0].geometry
    assert geom.geom_type == "Polygon"  # the shared edge is gone
    assert layer.shapes[0].area_km2 == pytest.approx(200.0)


def test_self_intersecting_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = [
        [[390000, 250000], [400000, 260000], [400000, 250000], [390000, 260000], [390000, 250000]]
    ]
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature(
                {"name": "Ok"}, {"type": "Polygon", "coordinates": square(380000, 250000, 5000)}
            ),
            feature({"name": "Bowtie"}, {"type": "Polygon", "coordinates": bowtie}),
        ],
    )
    layer = read_boundaries(path, name_field="name")
    assert [r.name for r in layer.repairs] == ["Bowtie"]
    repair = layer.repairs[0]
    assert repair.feature == 2
    assert "Self-intersection" in repair.problem
    assert repair.area_after_km2 == pytest.approx(50.0)  # two triangles of 25 km2
    assert "feature 2 (Bowtie)" in repair.describe()
    bowtie_shape = next(s for s in layer.shapes if s.name == "Bowtie")
    assert bowtie_shape.geometry.is_valid
    assert bowtie_shape.geometry.geom_type == "MultiPolygon"


def test_make_valid_collection_keeps_only_polygonal_parts(tmp_path: Path) -> None:
    # A polygon with a zero-width spike: make_valid gives a GeometryCollection(Polygon, LineString).
    spike = [
        [
            [390000, 250000],
            [395000, 250000],
            [395000, 240000],
            [395000, 250000],
            [400000, 250000],
            [400000, 260000],
            [390000, 260000],
            [390000, 250000],
        ]
    ]
    assert shapely.make_valid(Polygon(spike[0])).geom_type == "GeometryCollection"
    path = write_geojson(
        tmp_path / "spike.geojson",
        [feature({"name": "Spike"}, {"type": "Polygon", "coordinates": spike})],
    )
    layer = read_boundaries(path, name_field="name")
    assert layer.shapes[0].geometry.geom_type == "Polygon"
    assert layer.shapes[0].area_km2 == pytest.approx(100.0)
    assert len(layer.repairs) == 1


def test_polygonal_part_of_collections() -> None:
    a = Polygon(square(0, 0, 1)[0])
    b = Polygon(square(1, 0, 1)[0])
    got = polygonal_part(GeometryCollection([a, LineString([(0, 0), (5, 5)]), Point(9, 9), b]))
    assert got.is_valid and got.area == pytest.approx(2.0)
    assert polygonal_part(GeometryCollection([LineString([(0, 0), (1, 1)])])).is_empty
    assert polygonal_part(MultiPolygon([a, Polygon(square(5, 5, 1)[0])])).area == pytest.approx(2)


def test_feature_with_no_polygonal_part_refuses_the_layer(tmp_path: Path) -> None:
    flat = [[[390000, 250000], [400000, 250000], [395000, 250000], [390000, 250000]]]
    path = write_geojson(
        tmp_path / "flat.geojson",
        [
            feature(
                {"name": "Fine"}, {"type": "Polygon", "coordinates": square(380000, 250000, 5000)}
            ),
            feature({"name": "Flat"}, {"type": "Polygon", "coordinates": flat}),
        ],
    )
    with pytest.raises(ImportFailed) as err:
        read_boundaries(path, name_field="name")
    assert err.value.row == 2
    assert "flat.geojson" in str(err.value) and "'Flat' has no polygonal part" in str(err.value)


def test_point_layer_is_refused(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "points.geojson",
        [feature({"name": "P"}, {"type": "Point", "coordinates": [390000, 250000]})],
    )
    with pytest.raises(ImportFailed, match="Point features, not area outlines"):
        read_boundaries(path, name_field="name")


def test_line_layer_is_refused(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "lines.geojson",
        [
            feature(
                {"name": "L"},
                {"type": "LineString", "coordinates": [[390000, 250000], [400000, 250000]]},
            )
        ],
    )
    with pytest.raises(ImportFailed, match="LineString features"):
        read_boundaries(path, name_field="name")


def test_mixed_layer_with_a_point_names_the_feature(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "mixed.geojson",
        [
            feature(
                {"name": "A"}, {"type": "Polygon", "coordinates": square(390000, 250000, 1000)}
            ),
            feature({"name": "P"}, {"type": "Point", "coordinates": [390000, 250000]}),
        ],
    )
    with pytest.raises(ImportFailed) as err:
        read_boundaries(path, name_field="name")
    assert err.value.row == 2 and "'P' has no polygonal part" in str(err.value)


def test_projected_coordinates_without_crs_member_are_refused(tmp_path: Path) -> None:
    path = two_squares(tmp_path / "nocrs.geojson")
    text = path.read_text().replace('"crs": ', '"not_crs": ')
    path.write_text(text)
    with pytest.raises(ImportFailed, match="they look projected"):
        read_boundaries(path, name_field="name")


def test_unknown_epsg_is_refused(tmp_path: Path) -> None:
    path = two_squares(tmp_path / "unknown.geojson")
    path.write_text(path.read_text().replace("EPSG::27700", "EPSG::99999"))
    with pytest.raises(ImportFailed) as err:
        read_boundaries(path, name_field="name")
    assert "unknown.geojson" in str(err.value)
    assert "unknown coordinate reference system ('urn:ogc:def:crs:EPSG::99999')" in str(err.value)


def test_shapefile_without_prj_is_refused(tmp_path: Path) -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(
        {"name": ["A"]}, geometry=[Polygon(square(390000, 250000, 1000)[0])], crs=27700
    )
    shp = tmp_path / "a.shp"
    gdf.to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(ImportFailed, match="no coordinate reference system"):
        read_boundaries(shp, name_field="name")


def test_wrong_crs_that_lands_outside_britain_is_refused(tmp_path: Path) -> None:
    path = two_squares(tmp_path / "wrong.geojson")
    path.write_text(path.read_text().replace("EPSG::27700", "EPSG::3857"))
    with pytest.raises(ImportFailed, match="outside Great Britain"):
        read_boundaries(path, name_field="name")


def test_missing_name_field_lists_the_fields(tmp_path: Path) -> None:
    path = two_squares(tmp_path / "b.geojson")
    with pytest.raises(ImportFailed) as err:
        read_boundaries(path, name_field="lpa")
    assert err.value.field == "lpa"
    assert "fields: name" in str(err.value) and "b.geojson" in str(err.value)


def test_feature_without_a_name_is_refused(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "b.geojson",
        [
            feature(
                {"name": "A"}, {"type": "Polygon", "coordinates": square(390000, 250000, 1000)}
            ),
            feature(
                {"name": None}, {"type": "Polygon", "coordinates": square(400000, 250000, 1000)}
            ),
        ],
    )
    with pytest.raises(ImportFailed) as err:
        read_boundaries(path, name_field="name")
    assert err.value.row == 2 and err.value.field == "name"


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_file_is_refused(tmp_path: Path, cut: float) -> None:
    path = two_squares(tmp_path / "full.geojson")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ImportFailed) as err:
        read_boundaries(path, name_field="name")
    assert "full.geojson" in str(err.value)


def test_truncated_shapefile_is_refused(tmp_path: Path) -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(
        {"name": ["A", "B"]},
        geometry=[
            Polygon(square(390000, 250000, 1000)[0]),
            Polygon(square(400000, 250000, 1000)[0]),
        ],
        crs=27700,
    )
    shp = tmp_path / "a.shp"
    gdf.to_file(shp)
    data = shp.read_bytes()
    shp.write_bytes(data[: len(data) - 40])
    with pytest.raises(ImportFailed):
        read_boundaries(shp, name_field="name")


def test_not_a_layer_at_all(tmp_path: Path) -> None:
    path = tmp_path / "notes.geojson"
    path.write_text("these are not boundaries")
    with pytest.raises(ImportFailed, match="cannot be read"):
        read_boundaries(path, name_field="name")
    with pytest.raises(ImportFailed, match="does not exist"):
        read_boundaries(tmp_path / "missing.gpkg", name_field="name")


def test_demo_boundaries_still_read(tmp_path: Path) -> None:
    from socmap.paths import demo_boundaries

    copy = tmp_path / "demo.geojson"
    shutil.copy(demo_boundaries(), copy)
    layer = read_boundaries(copy, name_field="name", code_field="lad_codes")
    assert len(layer.shapes) == 5


def test_lonlat_coordinates_declared_as_bng_are_refused(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "mislabelled.geojson",
        [feature({"name": "A"}, {"type": "Polygon", "coordinates": square(-2.5, 52.0, 0.1)})],
    )
    with pytest.raises(ImportFailed, match="look like longitude/latitude"):
        read_boundaries(path, name_field="name")
