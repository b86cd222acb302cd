"""Intelligence import: graded CSV, police.uk crimes, point layers; all or nothing (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socmap.domain.errors import ConflictError, ImportFailed, PermissionDenied
from socmap.services import boundaries
from socmap.services.intel_import import import_intel, parse_report_date
from socmap.store import audit
from tests.geo_fixtures import BNG_CRS, two_squares

HEADER = "date,type,grading_scheme,grade,handling,handling_conditions,text,easting,northing,marking"


@pytest.fixture
def squares_store(store, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The in-memory store with two 10 km squares, West and East."""
    boundaries.import_boundaries(store, two_squares(tmp_path / "sq.geojson"), name_field="name")
    return store


def _intel(store) -> list[tuple]:  # type: ignore[no-untyped-def]
    return store.conn.execute(
        "SELECT reported_on, category, grading_scheme, grade, handling, handling_conditions, text,"
        " easting, northing, area_id, marking, batch FROM intel ORDER BY id"
    ).fetchall()


def _audit(store) -> list[tuple]:  # type: ignore[no-untyped-def]
    return store.conn.execute(
        "SELECT action, entity, entity_id, summary FROM audit ORDER BY id"
    ).fetchall()


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_graded_csv_imports_in_one_batch_with_one_audit_row(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _write(
        tmp_path / "log.csv",
        "2026-10-01,drugs supply,3x5x2,1B,P,,seen at the garage,395000,255000,",
        "02/10/2026,weapons,5x5x5,B2,4,,,405000,255000,OFFICIAL",
        "2026-10-03,drugs supply,3x5x2,2C,C,see originator,,500000,255000,",
        "2026-10-04,cash,,,,,no location,,,",
        "2026-10-05,drugs supply,,1A,P,,scheme inferred,395000,256000,",
    )
    audit_before = len(_audit(squares_store))
    report, changes = import_intel(squares_store, src)
    rows = _intel(squares_store)
    assert len(rows) == 5 and report.imported == 5
    assert rows[0][:7] == (
        "2026-10-01",
        "drugs supply",
        "3x5x2",
        "1B",
        "P",
        "",
        "seen at the garage",
    )
    assert rows[1][:5] == ("2026-10-02", "weapons", "5x5x5", "B2", "4")
    assert rows[1][10] == "OFFICIAL" and rows[0][10] == "OFFICIAL-SENSITIVE"
    assert rows[2][5] == "see originator" and rows[2][9] is None  # outside the force
    assert rows[3][2] is None and rows[3][7] is None  # ungraded, unlocated
    assert rows[4][2] == "3x5x2"
    areas = {a.id: a.name for a in boundaries.area_summaries(squares_store)}
    assert [areas.get(r[9]) for r in rows] == ["West", "East", None, None, "West"]
    assert (report.located, report.outside, report.unlocated, report.graded) == (4, 1, 1, 4)
    audit_rows = _audit(squares_store)
    assert len(audit_rows) == audit_before + 1
    assert audit_rows[-1][:2] == ("import", "intel")
    # the file's name may hold personal data: never in a chained field, only in the payload
    assert "log.csv" not in audit_rows[-1][2] and "log.csv" not in audit_rows[-1][3]
    assert all("log.csv" not in r[11] for r in rows)
    assert "log.csv" in audit.rows(squares_store, action="import")[0].payload
    payload = json.loads(
        squares_store.conn.execute(
            "SELECT payload FROM audit_payload ORDER BY audit_id DESC"
        ).fetchone()[0]
    )
    assert payload["sha256"] == report.sha256 and payload["source"] == "log.csv"
    assert len({r[11] for r in rows}) == 1
    assert changes.touches("intel")


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("2026-13-45,x,3x5x2,1B,P,,,395000,255000,", "date", "is not a date"),
        ("2026-10-01,x,3x5x2,9Z,P,,,395000,255000,", "grade", "not a 3x5x2 grade"),
        ("2026-10-01,x,3x5x2,1B,X,,,395000,255000,", "handling", "handling code"),
        ("2026-10-01,x,3x5x2,1B,C,,,395000,255000,", "handling", "needs the conditions"),
        ("2026-10-01,x,7x7,1B,P,,,395000,255000,", "grading_scheme", "unknown grading scheme"),
        ("2026-10-01,x,3x5x2,1B,P,,,abc,255000,", "easting", "is not a coordinate"),
        ("2026-10-01,x,3x5x2,1B,P,,,395000,,", "northing", "only one of the two"),
        ("2026-10-01,x,3x5x2,1B,P,,,395000,255000,SECRET", "marking", "must not be held"),
        ("2026-10-01,x,3x5x2,1B,P,,,395000,255000,TOP SECRET", "marking", "must not be held"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(
    squares_store, tmp_path: Path, row: str, field: str, reason: str
) -> None:  # type: ignore[no-untyped-def]
    src = _write(tmp_path / "log.csv", "2026-10-01,ok,3x5x2,1B,P,,,395000,255000,", row)
    audit_before = _audit(squares_store)
    with pytest.raises(ImportFailed) as err:
        import_intel(squares_store, src)
    assert err.value.row == 3 and err.value.field == field
    assert reason in str(err.value) and "log.csv" in str(err.value)
    assert _intel(squares_store) == []
    assert _audit(squares_store) == audit_before


def test_police_uk_street_csv_imports_ungraded_and_can_be_filtered(
    squares_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "2024-01-west-mercia-street.csv"
    src.write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
        "c1,2024-01,West Mercia Police,West Mercia Police,-2.45,52.1,On or near A Road,E01,"
        "X 001A,Drugs,Under investigation,\n"
        ",2024-01,West Mercia Police,West Mercia Police,,,No location,,,Anti-social behaviour,,\n"
        "c3,2024-01,West Mercia Police,West Mercia Police,-2.44,52.1,On or near B Road,E01,"
        "X 001A,Possession of weapons,,\n",
        encoding="utf-8",
    )
    report, _ = import_intel(squares_store, src, only=["drugs", "Possession of weapons"])
    assert report.police_uk and report.imported == 2 and report.filtered_out == 1
    rows = _intel(squares_store)
    assert [r[1] for r in rows] == ["Drugs", "Possession of weapons"]
    assert all(r[2] is None and r[3] is None and r[4] is None for r in rows)
    assert rows[0][0] == "2024-01"
    assert "On or near A Road" in rows[0][6] and "police.uk crime c1" in rows[0][6]
    # the same file again is refused for the same categories, allowed for the rest
    with pytest.raises(ConflictError, match="imported before"):
        import_intel(squares_store, src)
    again, _ = import_intel(squares_store, src, only=["Anti-social behaviour"])
    assert again.imported == 1 and again.unlocated == 1


def test_point_layer_imports(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "type": "FeatureCollection",
        "crs": BNG_CRS,
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "date": "2026-09-01",
                    "category": "cuckooing",
                    "grade": "2B",
                    "handling": "P",
                },
                "geometry": {"type": "Point", "coordinates": [405000, 255000]},
            },
            {
                "type": "Feature",
                "properties": {
                    "date": "2026-09-02",
                    "category": "cuckooing",
                    "grade": None,
                    "handling": None,
                },
                "geometry": None,
            },
        ],
    }
    src = tmp_path / "points.geojson"
    src.write_text(json.dumps(doc))
    report, _ = import_intel(squares_store, src)
    rows = _intel(squares_store)
    assert report.imported == 2 and report.located == 1
    assert rows[0][1:5] == ("cuckooing", "3x5x2", "2B", "P")
    assert rows[0][7:9] == (405000.0, 255000.0)
    assert rows[1][7] is None


def test_polygon_layer_is_not_intelligence(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportFailed, match="must be points"):
        import_intel(squares_store, two_squares(tmp_path / "b.geojson"))
    assert _intel(squares_store) == []


def test_wrong_encoding_refused(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "log.csv"
    src.write_bytes((HEADER + "\n2026-10-01,caf\u00e9,,,,,,395000,255000,\n").encode("latin-1"))
    with pytest.raises(ImportFailed) as err:
        import_intel(squares_store, src)
    assert err.value.row == 2
    report, _ = import_intel(squares_store, src, encoding="latin-1")
    assert report.imported == 1


def test_viewer_may_not_import_intelligence(viewer_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _write(tmp_path / "log.csv", "2026-10-01,x,3x5x2,1B,P,,,395000,255000,")
    audit_before = _audit(viewer_store)
    with pytest.raises(PermissionDenied):
        import_intel(viewer_store, src)
    assert _intel(viewer_store) == [] and _audit(viewer_store) == audit_before


def test_dates() -> None:
    assert parse_report_date("2026-10-01T12:00:00") == "2026-10-01"
    assert parse_report_date("31/12/2025") == "2025-12-31"
    assert parse_report_date("2018-06") == "2018-06"
    assert parse_report_date("  ") is None
    with pytest.raises(ValueError):
        parse_report_date("yesterday")
