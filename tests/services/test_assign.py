"""``assign_csv``: rows copied unchanged with an area column; encodings; summary (issue 3)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from socmap.domain.errors import ImportFailed, SocmapError
from socmap.services import boundaries
from socmap.services.assign import assign_csv
from tests.geo_fixtures import two_squares


@pytest.fixture
def squares_store(store, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The in-memory store with two 10 km squares, West (id 1) and East (id 2)."""
    boundaries.import_boundaries(store, two_squares(tmp_path / "sq.geojson"), name_field="name")
    return store


def _read(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def test_easting_northing_rows_are_copied_and_assigned(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.csv"
    src.write_text(
        'id,easting,northing,note\n1,395000,255000,"a, quoted note"\n2,405000,255000,x\n'
        "3,400000,255000,on the shared edge\n4,500000,255000,far away\n5,,,no location\n"
        "6,abc,255000,garbled\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    summary = assign_csv(squares_store, src, out, chunk_rows=2)
    rows = _read(out)
    assert rows[0] == ["id", "easting", "northing", "note", "area"]
    assert [r[:4] for r in rows[1:]] == _read(src)[1:]
    assert [r[4] for r in rows[1:]] == ["West", "East", "West", "", "", ""]
    assert (summary.rows, summary.in_area, summary.outside) == (6, 3, 1)
    assert (summary.missing, summary.unparseable) == (1, 1)
    assert summary.crs == "EPSG:27700"
    assert summary.by_area == {"East": 1, "West": 2}
    assert "6 rows" in summary.line() and "1 outside the force" in summary.line()
    assert out.read_bytes().count(b"\r\n") == 0  # the input's line ending is kept


def test_police_uk_columns_bom_and_crlf_are_kept(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from pyproj import Transformer

    from socmap.geo.crs import WGS84
    from socmap.geo.project import to_bng

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(395000, 255000)
    assert np.isfinite(to_bng(np.array([lon]), np.array([lat]), WGS84)[0]).all()
    src = tmp_path / "street.csv"
    text = (
        "Crime ID,Month,Longitude,Latitude,Location,Crime type\r\n"
        f"abc,2024-01,{lon:.6f},{lat:.6f},On or near Café Street,Drugs\r\n"
        ",2024-01,,,No location,Drugs\r\n"
    )
    src.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = tmp_path / "out.csv"
    summary = assign_csv(squares_store, src, out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3
    rows = _read(out, "utf-8-sig")
    assert rows[0][-1] == "area" and rows[0][0] == "Crime ID"
    assert rows[1][4] == "On or near Café Street" and rows[1][-1] == "West"
    assert rows[2][-1] == ""
    assert (summary.x_column, summary.crs, summary.missing) == ("Longitude", "EPSG:4326", 1)


def test_named_columns_and_crs(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.csv"
    src.write_text("X;Y\n395000;255000\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    s = assign_csv(squares_store, src, out, x_column="X", y_column="Y", crs="27700")
    assert out.read_text() == "X;Y;area\n395000;255000;West\n"
    assert s.crs == "EPSG:27700"
    with pytest.raises(ImportFailed, match="no column 'lon'"):
        assign_csv(squares_store, src, out, x_column="lon", y_column="Y")
    with pytest.raises(ImportFailed, match="unknown coordinate reference system"):
        assign_csv(squares_store, src, out, x_column="X", y_column="Y", crs="EPSG:99999")


def test_existing_area_column_is_not_overwritten(squares_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.csv"
    src.write_text("easting,northing,area\n395000,255000,mine\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    s = assign_csv(squares_store, src, out)
    assert _read(out) == [
        ["easting", "northing", "area", "socmap_area"],
        ["395000", "255000", "mine", "West"],
    ]
    assert s.area_column == "socmap_area"


def test_wrong_encoding_is_reported_with_its_row_and_no_output(
    squares_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "latin.csv"
    src.write_bytes("easting,northing,street\n395000,255000,Caf\u00e9\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    with pytest.raises(ImportFailed) as err:
        assign_csv(squares_store, src, out)
    assert err.value.row == 2
    assert "not utf-8 text" in str(err.value) and "--encoding" in str(err.value)
    assert not out.exists() and list(tmp_path.glob(".out.csv*")) == []
    # naming the encoding works, and the copy keeps it
    assign_csv(squares_store, src, out, encoding="cp1252")
    assert out.read_bytes().endswith("Caf\u00e9,West\n".encode("cp1252"))


def test_files_that_cannot_be_assigned(squares_store, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.csv"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportFailed, match="empty"):
        assign_csv(squares_store, empty, out)
    nocoords = tmp_path / "n.csv"
    nocoords.write_text("a,b\n1,2\n")
    with pytest.raises(ImportFailed, match="no coordinate columns recognised"):
        assign_csv(squares_store, nocoords, out)
    with pytest.raises(SocmapError, match="different file"):
        assign_csv(squares_store, nocoords, nocoords)
    utf16 = tmp_path / "u.csv"
    utf16.write_text("easting,northing\n1,2\n", encoding="utf-16")
    with pytest.raises(ImportFailed, match="UTF-16"):
        assign_csv(squares_store, utf16, out)


def test_no_areas_yet(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.csv"
    src.write_text("easting,northing\n1,2\n")
    with pytest.raises(SocmapError, match="no areas"):
        assign_csv(store, src, tmp_path / "o.csv")
