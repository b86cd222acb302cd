"""socmap import FILE.xlsx --spec: a force's own spreadsheet, all or nothing, re-importable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main
from socmap.store import audit
from socmap.store.db import open_store

SPEC = {
    "system": "wm-ocg-tracker",
    "date_formats": ["%d/%m/%Y", "%d-%b-%y"],
    "values": {
        "role": {
            "Principal Member": "principal",
            "Significant Member": "significant",
            "Peripheral Member": "peripheral",
        },
        "status": {"New": "trigger", "Under review": "draft"},
        "current": {"Y": True, "N": False},
    },
    "sheets": {
        "OCG List": [
            {
                "type": "group",
                "key": "Group URN",
                "columns": {
                    "name": "OCG Name",
                    "status": "Status",
                    "primary_market": "Main market",
                    "identified_on": "Date identified",
                },
            }
        ],
        "Members": [
            {
                "type": "nominal",
                "key": "Person No.",
                "columns": {
                    "surname": "SURNAME",
                    "forenames": "Forename(s)",
                    "date_of_birth": "D.O.B",
                },
            },
            {
                "type": "membership",
                "columns": {"group": "Group URN", "role": "Role", "current": "Current?"},
            },
        ],
        "Locations": [
            {
                "type": "location",
                "key": "Loc Ref",
                "columns": {
                    "group": "Group URN",
                    "kind": "Type",
                    "easting": "Easting",
                    "northing": "Northing",
                    "lon": "Long",
                    "lat": "Lat",
                    "label": "Description",
                },
            }
        ],
    },
}

GROUPS = [
    ["  Group URN ", "OCG name", "STATUS", "Main Market:", "Date Identified"],
    ["WM/0101", "Kelly network", "New", "drugs", dt.datetime(2024, 2, 3)],
    ["WM/0102", "Eastside crew", "Under review", "theft", "05/03/2024"],
    ["WM/0103", "Quarry lads", "New", "fraud", "07-Apr-24"],
]
MEMBERS = [
    ["Group URN", "Person No.", "Surname", "Forename(s)", "D.O.B", "Role", "Current?"],
    ["WM/0101", "P1001", "KELLY", "Sean", dt.datetime(1984, 5, 2), "Principal Member", "Y"],
    ["WM/0101", "", "O'Brien", "Sean", "02/01/1990", "Significant Member", "Y"],
    ["WM/0102", "P1003", "Bryce", "Ann", "1991-07-30", "Principal Member", "Y"],
    # the same man spelt another way, with no force identifier
    ["WM/0102", "", "OBRIEN", "Shaun", "02/01/1990", "Peripheral Member", "N"],
]
LOCATIONS = [
    ["Loc Ref", "Group URN", "Type", "Easting", "Northing", "Long", "Lat", "Description"],
    ["L-1", "WM/0101", "stash", 350000, 312000, None, None, "lock-up"],
    ["L-2", "WM/0102", "base", None, None, -2.716, 52.056, "flat"],
]


def _xlsx(path: Path, groups: list[list[Any]], members: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "OCG List"
    for r in groups:
        ws.append(r)
    for title, rows in (("Members", members), ("Locations", LOCATIONS)):
        sheet = wb.create_sheet(title)
        for r in rows:
            sheet.append(r)
    wb.save(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _counts(db: Path) -> dict[str, int]:
    s = open_store(db)
    try:
        return {
            t: s.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("ocgs", "nominals", "memberships", "locations")
        }
    finally:
        s.close()


@pytest.fixture
def setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path]:
    db = tmp_path / "force.db"
    assert run(capsys, "init", "--db", str(db))[0] == 0
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    book = _xlsx(tmp_path / "tracker.xlsx", GROUPS, MEMBERS)
    return db, spec, book


def test_import_proposes_the_duplicate_and_reimport_updates(
    setup: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, spec, book = setup
    code, out, err = run(
        capsys, "import", str(book), "--db", str(db), "--spec", str(spec), "--dry-run", "--json"
    )
    assert code == 0, err
    preview = json.loads(out)
    assert preview["written"] is False and preview["refused"] == []
    assert preview["counts"]["group"] == {"create": 3}
    # the duplicate is proposed, naming both rows
    [cand] = preview["candidates"]
    assert cand["row"] == "Members:5" and "Members:3" in cand["matches"][0]
    assert _counts(db)["ocgs"] == 0

    code, out, err = run(capsys, "import", str(book), "--db", str(db), "--spec", str(spec))
    assert code == 0, err
    # ...and not merged: two people
    assert _counts(db) == {"ocgs": 3, "nominals": 4, "memberships": 4, "locations": 2}
    s = open_store(db)
    try:
        rows = s.conn.execute(
            "SELECT name, status, primary_market, identified_on FROM ocgs ORDER BY id"
        ).fetchall()
        ended = s.conn.execute(
            'SELECT count(*) FROM memberships WHERE "end" IS NOT NULL'
        ).fetchone()
        [row] = audit.rows(s, action="import", limit=5)
    finally:
        s.close()
    assert [tuple(r) for r in rows] == [
        ("Kelly network", "trigger", "drugs", "2024-02-03"),
        ("Eastside crew", "draft", "theft", "2024-03-05"),
        ("Quarry lads", "trigger", "fraud", "2024-04-07"),
    ]
    assert ended[0] == 1  # Current? N
    assert json.loads(row.payload)["sha256"] == row.entity_id

    # an edited copy: a role changes, a group is renamed, a new member joins
    groups = [r[:] for r in GROUPS]
    groups[2][1] = "Eastside Crew (Bromsgrove)"
    members = [r[:] for r in MEMBERS]
    members[3][5] = "Significant Member"
    members.append(["WM/0103", "P1009", "Patel", "Raj", "11/11/1988", "Principal Member", "Y"])
    edited = _xlsx(tmp_path / "tracker-v2.xlsx", groups, members)
    code, out, err = run(
        capsys, "import", str(edited), "--db", str(db), "--spec", str(spec), "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["counts"]["group"] == {"unchanged": 2, "update": 1}
    assert result["counts"]["location"] == {"unchanged": 2}
    # people without a force identifier are proposed again, never merged silently
    assert _counts(db) == {"ocgs": 3, "nominals": 7, "memberships": 7, "locations": 2}
    s = open_store(db)
    try:
        name = s.conn.execute("SELECT name FROM ocgs WHERE id = 2").fetchone()[0]
        role = s.conn.execute(
            "SELECT m.role FROM memberships m JOIN nominals n ON n.id = m.nominal_id "
            "WHERE n.surname = 'Bryce'"
        ).fetchall()
    finally:
        s.close()
    assert name == "Eastside Crew (Bromsgrove)"
    assert [r[0] for r in role] == ["significant"]


def test_accepting_a_match_records_one_person(
    setup: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, spec, book = setup
    code, _, err = run(
        capsys, "import", str(book), "--db", str(db), "--spec", str(spec),
        "--accept-match", "Members:5=Members:3",
    )  # fmt: skip
    assert code == 0, err
    assert _counts(db) == {"ocgs": 3, "nominals": 3, "memberships": 4, "locations": 2}


def test_every_refused_value_is_named_and_nothing_is_written(
    setup: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, spec, _ = setup
    members = [r[:] for r in MEMBERS]
    members[1][4] = "31/02/1984"  # no such date
    members[2][5] = "Boss"  # no such role
    members[4][0] = "WM/9999"  # no such group
    bad = _xlsx(tmp_path / "bad.xlsx", GROUPS, members)
    before = _counts(db)
    code, out, err = run(capsys, "import", str(bad), "--db", str(db), "--spec", str(spec))
    assert code == 7 and out == "" and err.count("\n") == 1
    assert "bad.xlsx, sheet Members, row 2, column 'D.O.B'" in err
    assert "row 3, column 'Role'" in err and "unknown role 'Boss'" in err
    assert "row 5, column 'Group URN'" in err and "WM/9999" in err
    assert _counts(db) == before
    s = open_store(db)
    try:
        assert not audit.rows(s, action="import", limit=1)
    finally:
        s.close()


def test_csv_and_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "f.db"
    run(capsys, "init", "--db", str(db))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"sheets": {"groups": SPEC["sheets"]["OCG List"]},  # type: ignore[index]
                                "values": SPEC["values"]}), encoding="utf-8")  # fmt: skip
    data = tmp_path / "groups.csv"
    data.write_text(
        "Group URN,OCG Name,Status,Main market,Date identified\r\n"
        "A1,Alpha,New,drugs,2024-01-02\r\n",
        encoding="utf-8-sig",
    )
    code, _, err = run(capsys, "import", str(data), "--db", str(db), "--spec", str(spec))
    assert code == 0, err
    assert _counts(db)["ocgs"] == 1
    data.write_text("Group URN,Name\r\nA2,Beta\r\n", encoding="utf-8")
    code, _, err = run(capsys, "import", str(data), "--db", str(db), "--spec", str(spec))
    assert code == 7 and "no column 'OCG Name'" in err
