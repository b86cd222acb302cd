"""socmap export layers (GeoPackage/KML) and socmap export register (XLSX/CSV)."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from socmap.cli import main
from socmap.domain.groups import Location, Ocg
from socmap.domain.ids import GroupId
from socmap.domain.vocab import Marking
from socmap.services import register
from socmap.store import audit
from socmap.store.db import open_store

DANGEROUS = ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.db"
    s = open_store(path)
    # group 1 is OFFICIAL (a partner may see it); the others OFFICIAL-SENSITIVE (withheld)
    register.create_ocg(s, Ocg(name="Kelly network", marking=Marking.OFFICIAL))
    for name in DANGEROUS:
        register.create_ocg(s, Ocg(name=name))
    register.add_location(
        s, Location(ocg_id=GroupId(1), kind="base", easting=350000.0, northing=312000.0)
    )
    register.add_location(
        s, Location(ocg_id=GroupId(1), kind="stash", easting=351000.0, northing=312500.0)
    )
    s.close()
    return path


def test_register_export_neutralises_formulas(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = tmp_path / "r.csv"
    code, _, err = run(capsys, "export", "register", "--db", str(small), "--format", "csv",
                       "--audience", "internal", "-o", str(out_csv))  # fmt: skip
    assert code == 0, err
    rows = list(csv.reader(out_csv.open(encoding="utf-8-sig")))
    assert rows[0][0].startswith("OFFICIAL-SENSITIVE") and rows[-1][0].startswith("OFFICIAL")
    names = [r[1] for r in rows[2:-1]]
    for bad in DANGEROUS:
        assert "'" + bad in names
    assert not any(n.startswith(("=", "+", "-", "@", "\t")) for n in names)

    out_x = tmp_path / "r.xlsx"
    code, _, err = run(capsys, "export", "register", "--db", str(small), "--format", "xlsx",
                       "--audience", "internal", "-o", str(out_x))  # fmt: skip
    assert code == 0, err
    with zipfile.ZipFile(out_x) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    from openpyxl import load_workbook

    wb = load_workbook(out_x)
    ws = wb.active
    assert ws is not None
    values = [c.value for c in ws["B"]]
    for bad in DANGEROUS:
        assert "'" + bad in values  # neutralised like the CSV (domain.cells), and typed as text
    assert wb.properties.subject == "OFFICIAL-SENSITIVE"
    # outside the force's intelligence function: references only
    code, _, err = run(capsys, "export", "register", "--db", str(small), "--format", "csv",
                       "--audience", "partner", "-o", str(out_csv))  # fmt: skip
    assert code == 0, err
    assert "Kelly network" not in out_csv.read_text(encoding="utf-8-sig")


def test_layers_as_gpkg_and_kml_per_audience(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyogrio

    gpkg = tmp_path / "l.gpkg"
    code, _, err = run(capsys, "export", "layers", "--db", str(small), "--format", "gpkg",
                       "--audience", "internal", "-o", str(gpkg))  # fmt: skip
    assert code == 0, err
    layers = {name for name, _t in pyogrio.list_layers(gpkg)}
    assert {"areas", "ocg_locations", "intelligence"} <= layers
    info = pyogrio.read_info(gpkg, layer="ocg_locations")
    assert info["layer_metadata"]["marking"] == "OFFICIAL-SENSITIVE"
    assert info["features"] == 2
    s = open_store(small)
    row = audit.rows(s, entity="layers", limit=1)[0]
    s.close()
    assert json.loads(row.payload)["sha256"] == hashlib.sha256(gpkg.read_bytes()).hexdigest()

    kml = tmp_path / "l.kml"
    code, _, err = run(capsys, "export", "layers", "--db", str(small), "--format", "kml",
                       "--audience", "partner", "-o", str(kml))  # fmt: skip
    assert code == 0, err
    text = kml.read_text(encoding="utf-8")
    assert "<name>OFFICIAL-SENSITIVE" in text
    assert "Kelly network" not in text and "OCG-0001" in text
    assert "base" not in text.replace("database", "")  # a partner never gets home addresses


def test_layers_intelligence_follows_handling(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyogrio

    counts = {}
    for audience in ("internal", "partner"):
        out = tmp_path / f"{audience}.gpkg"
        code, _, err = run(capsys, "export", "layers", "--db", str(demo_path), "--format",
                           "gpkg", "--audience", audience, "-o", str(out))  # fmt: skip
        assert code == 0, err
        counts[audience] = pyogrio.read_info(out, layer="intelligence")["features"]
    assert 0 < counts["partner"] < counts["internal"]


def test_partner_register_and_layers_leave_out_withheld_groups(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: every demo group is OFFICIAL-SENSITIVE, yet the partner register listed all of them
    and the partner layers wrote their locations. Each group is asked of handling.may_share."""
    from socmap.services import handling

    s = open_store(small)
    register.add_location(
        s, Location(ocg_id=GroupId(1), kind="cuckooed", easting=350500.0, northing=312100.0)
    )
    register.add_location(
        s, Location(ocg_id=GroupId(2), kind="stash", easting=352000.0, northing=313000.0)
    )
    s.close()
    import pyogrio

    for audience in handling.Audience:
        out_csv = tmp_path / f"r-{audience.value}.csv"
        code, _, err = run(capsys, "export", "register", "--db", str(small), "--format", "csv",
                           "--audience", audience.value, "-o", str(out_csv))  # fmt: skip
        assert code == 0, err
        rows = list(csv.reader(out_csv.open(encoding="utf-8-sig")))
        refs = [r[0] for r in rows[2:-1] if r and r[0].startswith("OCG-")]
        allowed = [
            f"OCG-{i:04d}"
            for i, mark in enumerate(["OFFICIAL"] + ["OFFICIAL-SENSITIVE"] * 4, start=1)
            if handling.may_share(audience=audience, marking=mark, is_intelligence=False).allowed
        ]
        assert refs == allowed, audience
        if len(allowed) < 5:
            assert any("withheld" in r[0] for r in rows if r), rows

        gpkg = tmp_path / f"l-{audience.value}.gpkg"
        code, _, err = run(capsys, "export", "layers", "--db", str(small), "--format", "gpkg",
                           "--audience", audience.value, "-o", str(gpkg))  # fmt: skip
        assert code == 0, err
        df = pyogrio.read_dataframe(gpkg, layer="ocg_locations")
        assert set(df["ocg"]) <= set(allowed), audience
        if audience is handling.Audience.PARTNER:
            assert not {"base", "cuckooed"} & set(df["kind"])
            assert list(df["kind"]) == ["stash"]
            meta = pyogrio.read_info(gpkg, layer="ocg_locations")["layer_metadata"]
            assert "4 groups" in meta["withheld"]
        else:
            assert "cuckooed" in set(df["kind"])
