"""Backups while the database is in use, and restores that check before replacing anything."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from socmap.domain.errors import PermissionDenied, StoreError, ValidationError
from socmap.domain.groups import Nominal, Ocg
from socmap.services import accounts, audit_trail, backup, register, review
from socmap.store import audit
from socmap.store.db import open_store


def _db(path: Path, n: int = 3) -> None:
    s = open_store(path)
    for i in range(n):
        register.create_ocg(s, Ocg(name=f"Group {i}"))
    s.close()


def _names(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT name FROM ocgs ORDER BY id")]
    finally:
        con.close()


def test_backup_is_checked_private_and_on_the_trail(tmp_path: Path) -> None:
    path, out = tmp_path / "a.db", tmp_path / "b.db"
    _db(path)
    s = open_store(path)
    report = backup.backup_database(s, out)
    assert report.path == out and len(report.sha256) == 64
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert audit.rows(s, limit=1)[0].action == "backup"
    with pytest.raises(ValidationError, match="already exists"):
        backup.backup_database(s, out)
    with pytest.raises(ValidationError, match="is the open database"):
        backup.backup_database(s, path, overwrite=True)
    s.close()
    assert _names(out) == ["Group 0", "Group 1", "Group 2"]
    assert backup.check_backup(out, actor="x")[1] == 5


def test_backup_force_replaces_only_an_earlier_backup(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    _db(path)
    s = open_store(path)
    keep = tmp_path / "keep.ics"
    keep.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    with pytest.raises(ValidationError, match="not a socmap backup"):
        backup.backup_database(s, keep, overwrite=True)
    assert keep.read_text() == "BEGIN:VCALENDAR\nEND:VCALENDAR\n"
    empty = tmp_path / "empty.bak"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match="not a socmap backup"):
        backup.backup_database(s, empty, overwrite=True)
    out = tmp_path / "b.db"
    backup.backup_database(s, out)
    backup.backup_database(s, out, overwrite=True)  # an earlier backup may be replaced
    s.close()
    assert backup.check_backup(out, actor="x")[1] >= 5


def test_backup_is_consistent_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    _db(path, 1)
    stop = threading.Event()

    def writer() -> None:
        w = open_store(path)
        i = 0
        while not stop.is_set():
            register.create_ocg(w, Ocg(name=f"Busy {i}"))
            i += 1
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        s = open_store(path)
        outs = []
        for k in range(3):
            out = tmp_path / f"b{k}.db"
            backup.backup_database(s, out)
            outs.append(out)
        s.close()
    finally:
        stop.set()
        t.join()
    for out in outs:
        b = open_store(out, migrate=False)
        try:
            assert audit.verify_chain(b) is None
            # every OCG in the copy has its audit row, and vice versa: one committed state
            ocgs = b.conn.execute("SELECT COUNT(*) FROM ocgs").fetchone()[0]
            created = b.conn.execute(
                "SELECT COUNT(*) FROM audit WHERE action = 'create' AND entity = 'ocg'"
            ).fetchone()[0]
            assert ocgs == created
        finally:
            b.close()


def test_restore_replaces_and_keeps_the_old_file(tmp_path: Path) -> None:
    path, out = tmp_path / "a.db", tmp_path / "b.db"
    _db(path, 2)
    s = open_store(path)
    backup.backup_database(s, out)
    register.create_ocg(s, Ocg(name="After the backup"))
    actor = s.actor
    s.close()
    report = backup.restore_database(path, out, actor=actor)
    assert _names(path) == ["Group 0", "Group 1"]
    assert report.replaced_kept_at is not None
    assert _names(report.replaced_kept_at)[-1] == "After the backup"
    s = open_store(path)
    assert audit_trail.verify(s) is None
    assert audit.rows(s, limit=1)[0].action == "restore"
    s.close()


def test_restore_reapplies_disposals_made_after_the_backup(tmp_path: Path) -> None:
    path, out = tmp_path / "a.db", tmp_path / "b.db"
    s = open_store(path)
    n, _ = register.create_nominal(s, Nominal(surname="Gonetomorrow"))
    backup.backup_database(s, out)
    review.dispose(s, "nominal", int(n.id), rationale="no continuing policing purpose")  # type: ignore[arg-type]
    actor = s.actor
    s.close()
    report = backup.restore_database(path, out, actor=actor)
    assert report.reapplied_disposals == (("nominal", int(n.id)),)  # type: ignore[arg-type]
    assert b"Gonetomorrow" not in path.read_bytes()


def _tamper_audit(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(
        "DROP TRIGGER audit_no_update; UPDATE audit SET summary = 'changed' WHERE id = 2;"
    )
    con.close()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda p: p.write_bytes(b"not a database at all"), "not a SQLite database"),
        (lambda p: p.write_bytes(p.read_bytes()[:5000]), "damaged|integrity"),
        (lambda p: (p.unlink(), sqlite3.connect(p).execute("CREATE TABLE x (y)")), "not a socmap"),
        (_tamper_audit, "audit trail fails at row 2"),
        (lambda p: p.unlink(), "does not exist"),
    ],
    ids=["garbage", "truncated", "other-sqlite", "tampered-audit", "missing"],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(
    tmp_path: Path, spoil: object, message: str
) -> None:
    path, out = tmp_path / "a.db", tmp_path / "b.db"
    _db(path)
    s = open_store(path)
    backup.backup_database(s, out)
    actor = s.actor
    s.close()
    spoil(out)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(StoreError, match=message):
        backup.restore_database(path, out, actor=actor)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("a.db")) == ["a.db"]


def test_restore_refuses_a_non_admin(tmp_path: Path) -> None:
    path, out = tmp_path / "a.db", tmp_path / "b.db"
    _db(path)
    s = open_store(path)
    accounts.add_account(s, "vic", "viewer")
    accounts.add_account(s, "sue", "supervisor")
    backup.backup_database(s, out)
    s.close()
    before = path.read_bytes()
    for who in ("vic", "sue", "stranger"):
        with pytest.raises(PermissionDenied):
            backup.restore_database(path, out, actor=who)
    assert path.read_bytes() == before


def test_viewer_cannot_take_backups(viewer_store: object, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        backup.backup_database(viewer_store, tmp_path / "b.db")  # type: ignore[arg-type]
    assert not (tmp_path / "b.db").exists()


def test_a_damaged_database_is_refused_on_open_and_restored(tmp_path: Path) -> None:
    path, out = tmp_path / "a.db", tmp_path / "b.db"
    _db(path, 40)
    s = open_store(path)
    backup.backup_database(s, out)
    actor = s.actor
    s.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for k in range(page * 2 + 16, min(len(data), page * 6), 7):  # scribble over a few pages
        data[k] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert "socmap restore --db" in str(info.value)
    report = backup.restore_database(path, out, actor=actor)
    assert report.replaced_kept_at is not None and report.replaced_kept_at.exists()
    s = open_store(path)
    assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert audit_trail.verify(s) is None
    s.close()
