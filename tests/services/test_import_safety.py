"""Imports and the trail under races and tampering (issues 11.4, 11.5, 13.10)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main as cli_main
from socmap.domain.errors import ConflictError, ImportFailed
from socmap.services import audit_trail
from socmap.services import intel_import as intel_import_module
from socmap.services.intel_import import import_intel
from socmap.store import audit
from socmap.store.db import open_store

POLICE_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)


def _crimes(path: Path, ids: list[str], month: str = "2024-01") -> Path:
    rows = [
        f"{cid},{month},West Mercia Police,West Mercia Police,-2.45,52.1,On or near A Road,E01,"
        f"X 001A,Drugs,Under investigation,"
        for cid in ids
    ]
    path.write_text("\n".join([POLICE_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _count(path: Path, sql: str) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


class _Pause:
    """Progress that holds the first import inside its transaction until released."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()

    def advance(self, done: int, total: int) -> None:
        if done < total:
            self.inside.set()
            self.release.wait(30)

    def status(self, text: str) -> None:
        pass

    @property
    def cancelled(self) -> bool:
        return False


def test_the_same_file_imported_twice_at_once_lands_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "race.db"
    open_store(db).close()
    src = _crimes(tmp_path / "crimes.csv", [f"c{i:05d}" for i in range(60)])
    monkeypatch.setattr(intel_import_module, "CHUNK_ROWS", 10)
    first, second = open_store(db), open_store(db)
    pause = _Pause()
    results: dict[str, Any] = {}

    def run(name: str, store: Any, progress: Any) -> None:
        try:
            results[name] = import_intel(store, src, progress=progress)[0].imported
        except Exception as exc:
            results[name] = exc

    a = threading.Thread(target=run, args=("a", first, pause))
    a.start()
    assert pause.inside.wait(30)  # the first import is inside its write transaction
    b = threading.Thread(target=run, args=("b", second, None))
    b.start()
    time.sleep(0.5)  # the second reaches its own checks (and waits for the write lock)
    pause.release.set()
    a.join(60)
    b.join(60)
    first.close()
    second.close()
    assert results["a"] == 60
    assert isinstance(results["b"], ConflictError), results["b"]
    assert _count(db, "SELECT COUNT(*) FROM intel") == 60
    assert _count(db, "SELECT COUNT(*) FROM audit WHERE action = 'import'") == 1


def test_police_uk_crimes_are_recognised_by_crime_id(store: Any, tmp_path: Path) -> None:
    one = _crimes(tmp_path / "jan.csv", ["aa01", "aa02", "aa03"])
    import_intel(store, one)
    # another file (a re-download, another month's extract overlapping) with two known crimes
    two = _crimes(tmp_path / "jan-again.csv", ["aa02", "aa03", "aa04", "aa04"], month="2024-02")
    report, _ = import_intel(store, two)
    assert report.imported == 1 and report.duplicates == 3
    assert any("already imported" in line for line in report.lines())
    refs = [r[0] for r in store.conn.execute("SELECT source_ref FROM intel ORDER BY id")]
    assert refs == ["police.uk:aa01", "police.uk:aa02", "police.uk:aa03", "police.uk:aa04"]
    with pytest.raises(ConflictError, match="every crime in this file was imported before"):
        import_intel(store, _crimes(tmp_path / "only-known.csv", ["aa01", "aa04"]))


def test_crime_ids_of_rows_imported_before_the_migration_are_recognised() -> None:
    from socmap.store import migrations

    step = next(m for m in migrations.migrations._migrations if m.name == "store_intel_source_ref")
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE intel (id INTEGER PRIMARY KEY, text TEXT NOT NULL DEFAULT '')")
    con.executemany(
        "INSERT INTO intel (text) VALUES (?)",
        [
            ("On or near A Road; police.uk crime ab12; outcome: Under investigation",),
            ("On or near B Road; police.uk crime cd34",),
            ("seen at the garage",),
        ],
    )
    import sqlite_utils

    step.fn(sqlite_utils.Database(con))
    assert [r[0] for r in con.execute("SELECT source_ref FROM intel ORDER BY id")] == [
        "police.uk:ab12",
        "police.uk:cd34",
        None,
    ]


def _graded(path: Path, *rows: str) -> Path:
    header = "date,type,grading_scheme,grade,handling,text,easting,northing"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (
            (dt.date.today() + dt.timedelta(days=30)).isoformat() + ",x,3x5x2,1B,P,,1,1",
            "date",
            "in the future",
        ),
        ("1850-06-01,x,3x5x2,1B,P,,1,1", "date", "before 1900"),
        ("1899-12,x,3x5x2,1B,P,,1,1", "date", "before 1900"),
        ("2026-01-01,x,3x5x2,1B,P,note,1,1,extra", None, "has 9 fields but the header names 8"),
        ("2026-01-01,x,3x5x2,1B,P,,395000,", "northing", "only one of the two coordinates"),
    ],
)
def test_input_limits_name_the_row(
    store: Any, tmp_path: Path, row: str, field: str | None, reason: str
) -> None:
    src = _graded(tmp_path / "log.csv", "2026-01-01,x,3x5x2,1B,P,,1,1", row)
    with pytest.raises(ImportFailed) as err:
        import_intel(store, src)
    assert err.value.row == 3 and err.value.field == field and reason in str(err.value)
    assert store.conn.execute("SELECT COUNT(*) FROM intel").fetchone()[0] == 0


def test_an_out_of_range_latitude_names_the_latitude_column(store: Any, tmp_path: Path) -> None:
    src = tmp_path / "ll.csv"
    src.write_text("date,type,Longitude,Latitude\n2024-01-01,x,-2.4,52.1\n2024-01-02,x,-2.4,95\n")
    with pytest.raises(ImportFailed) as err:
        import_intel(store, src)
    assert err.value.row == 3 and err.value.field == "Latitude"


# ------------------------------------------------------------------ the trail cannot vanish


@pytest.fixture
def imported_db(tmp_path: Path) -> Path:
    """A file holding an import of 300 crimes (and its audit row)."""
    db = tmp_path / "t.db"
    s = open_store(db)
    import_intel(s, _crimes(tmp_path / "c.csv", [f"x{i}" for i in range(300)]))
    assert audit_trail.verify(s) is None
    s.close()
    return db


def _shell(db: Path, sql: str) -> None:
    con = sqlite3.connect(db)
    con.executescript(
        "DROP TRIGGER IF EXISTS audit_no_delete; DROP TRIGGER IF EXISTS audit_payload_no_delete;"
        + sql
    )
    con.close()


def _forget_anchors(tmp_path: Path) -> None:
    import os

    folder = Path(os.environ["SOCMAP_DATA_DIR"]) / audit.ANCHOR_FOLDER
    for f in folder.iterdir() if folder.exists() else []:
        f.unlink()


@pytest.mark.parametrize("forget_anchor", [False, True])
@pytest.mark.parametrize(
    "cut",
    [
        "DELETE FROM audit_payload; DELETE FROM audit;",
        "DELETE FROM audit_payload WHERE audit_id > 1; DELETE FROM audit WHERE id > 1;",
    ],
    ids=["whole trail", "tail"],
)
def test_a_removed_trail_is_noticed_without_a_head_given(
    imported_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cut: str,
    forget_anchor: bool,
) -> None:
    _shell(imported_db, cut + "DELETE FROM meta WHERE key = 'audit_head';")
    if forget_anchor:
        _forget_anchors(tmp_path)  # the file alone, e.g. copied to another machine
    assert cli_main(["audit", "verify", "--db", str(imported_db)]) == 1
    out = capsys.readouterr().out
    assert "audit chain broken" in out


def test_a_dropped_audit_table_is_a_broken_chain_not_an_internal_error(
    imported_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _shell(imported_db, "DROP TABLE audit_payload; DROP TABLE audit;")
    assert cli_main(["audit", "verify", "--db", str(imported_db)]) == 1
    captured = capsys.readouterr()
    assert "audit trail is gone" in captured.out and "internal error" not in captured.err
    assert cli_main(["audit", "list", "--db", str(imported_db)]) == 6
    err = capsys.readouterr().err
    assert "missing part of its structure" in err and "internal error" not in err


def test_an_intact_trail_still_verifies_after_many_writes(
    imported_db: Path, tmp_path: Path
) -> None:
    s = open_store(imported_db)
    import_intel(s, _crimes(tmp_path / "d.csv", [f"y{i}" for i in range(5)]))
    assert audit_trail.verify(s) is None
    s.close()
