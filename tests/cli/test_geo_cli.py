"""The geography commands as a new user runs them, on the real public data (issue 3)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from socmap.cli import main
from tests.geo_fixtures import LAD_TO_LPA, LPA_KM2, db_fingerprint, two_squares


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An empty socmap database file."""
    from socmap.store.db import open_store

    path = tmp_path / "force.db"
    open_store(path).close()
    return path


def _areas_json(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    assert main(["areas", "list", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(set(r) == {"name", "area_km2"} for r in rows)
    return {r["name"]: r["area_km2"] for r in rows}


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "field", "rel"),
    [
        ("west-mercia-lad.geojson", "lpa_name", 0.001),
        ("west-mercia-lpa.geojson", "name", 0.001),
        ("west-mercia-lad-bsc.geojson", "lpa_name", 0.005),
    ],
)
def test_areas_import_real_boundaries(
    db: Path,
    shared_data: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    field: str,
    rel: float,
) -> None:
    argv = ["areas", "import", str(shared_data / name), "--db", str(db), "--name-field", field]
    assert main([*argv, "--attribution", "Contains ONS data (OGL v3)"]) == 0
    out = capsys.readouterr().out
    assert "imported 5 areas" in out and "Contains ONS data (OGL v3)" in out
    areas = _areas_json(db, capsys)
    assert list(areas) == list(LPA_KM2)
    for lpa, km2 in LPA_KM2.items():
        assert areas[lpa] == pytest.approx(km2, rel=rel)
    assert main(["areas", "list", "--db", str(db)]) == 0
    assert "Boundaries: Contains ONS data (OGL v3)" in capsys.readouterr().out


@pytest.mark.shared_data
@pytest.mark.parametrize(("driver", "suffix"), [("ESRI Shapefile", ".shp"), ("GPKG", ".gpkg")])
def test_same_boundaries_saved_as_shapefile_or_geopackage(
    db: Path,
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    driver: str,
    suffix: str,
) -> None:
    import geopandas as gpd

    target = tmp_path / f"lad{suffix}"
    gpd.read_file(shared_data / "west-mercia-lad.geojson").to_crs(27700).to_file(
        target, driver=driver
    )
    argv = ["areas", "import", str(target), "--db", str(db), "--name-field", "lpa_name"]
    assert main(argv) == 0
    capsys.readouterr()
    for lpa, km2 in _areas_json(db, capsys).items():
        assert km2 == pytest.approx(LPA_KM2[lpa], rel=0.001)


@pytest.mark.shared_data
def test_assign_real_crimes_to_their_districts_lpa(
    db: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lad = shared_data / "west-mercia-lad.geojson"
    assert main(["areas", "import", str(lad), "--db", str(db), "--name-field", "lpa_name"]) == 0
    src = shared_data / "west-mercia-crimes-2018-06-partial.csv"
    out = tmp_path / "assigned.csv"
    capsys.readouterr()
    assert main(["assign", str(src), "--db", str(db), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "9,536 rows" in err and "10 outside the force" in err
    with src.open(newline="", encoding="utf-8") as a, out.open(newline="", encoding="utf-8") as b:
        original, assigned = list(csv.reader(a)), list(csv.reader(b))
    assert assigned[0] == [*original[0], "area"]
    assert [r[:-1] for r in assigned] == original  # every row and column unchanged
    col = original[0].index("source_lad_codes")
    single = [r for r in assigned[1:] if ";" not in r[col]]
    agree = sum(r[-1] == LAD_TO_LPA[r[col]] for r in single)
    assert agree / len(single) >= 0.995
    assert sum(r[-1] == "" for r in assigned[1:]) == 10


@pytest.mark.shared_data
def test_intel_import_police_uk_proxies(
    db: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lpa = shared_data / "west-mercia-lpa.geojson"
    assert main(["areas", "import", str(lpa), "--db", str(db), "--name-field", "name"]) == 0
    src = shared_data / "west-mercia-crimes-2018-06-partial.csv"
    argv = ["intel", "import", str(src), "--db", str(db), "--only", "Drugs,Possession of weapons"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "imported 227 of 9,536 rows" in out
    assert main(argv) == 4  # the same file and categories again: refused
    assert "imported before" in capsys.readouterr().err


def test_broken_inputs_exit_cleanly_and_leave_the_database_identical(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = two_squares(tmp_path / "good.geojson")
    assert main(["areas", "import", str(good), "--db", str(db), "--name-field", "name"]) == 0
    capsys.readouterr()
    before, raw = db_fingerprint(db), db.read_bytes()
    truncated = tmp_path / "cut.geojson"
    truncated.write_bytes(good.read_bytes()[:200])
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "date,type,easting,northing\n2026-01-01,caf\u00e9,395000,255000\n".encode("cp1252")
    )
    cases = [
        (["areas", "import", str(good), "--name-field", "lpa_name"], "fields: name"),
        (["areas", "import", str(truncated), "--name-field", "name"], "cut.geojson"),
        (["areas", "import", str(tmp_path / "nope.shp"), "--name-field", "name"], "does not exist"),
        (["intel", "import", str(latin)], "not utf-8 text"),
    ]
    for argv, expected in cases:
        assert main([*argv, "--db", str(db)]) == 7
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err
    out = tmp_path / "o.csv"
    assert main(["assign", str(latin), "--db", str(db), "-o", str(out)]) == 7
    assert "row 2" in capsys.readouterr().err and not out.exists()
    assert db_fingerprint(db) == before and db.read_bytes() == raw


def test_areas_import_refuses_a_vanishing_area_then_renames_and_retires(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: the refusal is one line naming what is attached; --rename/--retire go on."""
    from socmap.paths import demo_boundaries
    from socmap.services import audit_trail
    from socmap.store.db import open_store

    doc = json.loads(demo_boundaries().read_text("utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["name"] != "Telford & Wrekin"]
    for f in doc["features"]:
        if f["properties"]["name"] == "Shropshire":
            f["properties"]["name"] = "Salop"
    new = tmp_path / "new.geojson"
    new.write_text(json.dumps(doc), encoding="utf-8")
    argv = ["areas", "import", str(new), "--db", str(demo_path), "--name-field", "name"]
    before = db_fingerprint(demo_path)
    assert main(argv) == 7
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "Telford & Wrekin (1 local profile" in err and "Shropshire (1 local profile" in err
    assert db_fingerprint(demo_path) == before
    assert main([*argv, "--rename", "Shropshire=Salop", "--retire", "Telford & Wrekin"]) == 0
    out = capsys.readouterr().out
    assert "renamed: 'Shropshire' -> 'Salop'" in out and "retired (kept with its history)" in out
    assert main(["areas", "list", "--db", str(demo_path)]) == 0
    listed = capsys.readouterr().out
    assert "Salop" in listed and "Telford & Wrekin (retired " in listed
    store = open_store(demo_path)
    try:
        assert audit_trail.verify(store) is None
    finally:
        store.close()
