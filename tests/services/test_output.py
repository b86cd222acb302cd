"""The one output writer (services/output.py): checked target, temporary file, audit, rename."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from socmap.domain.errors import SocmapError, StoreError, ValidationError
from socmap.services.output import check_target, format_for, write_file, write_files
from socmap.store import audit
from socmap.store.backup import read_only
from socmap.store.db import open_store


@pytest.fixture
def file_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = open_store(tmp_path / "force.db")
    yield s
    s.close()


def _record(store):  # type: ignore[no-untyped-def]
    return lambda w: audit.record(
        store, action="export", entity="test", extra={"sha256": w.sha256, "file": str(w.path)}
    )


def test_a_complete_file_replaces_an_existing_one_and_is_audited(
    file_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.txt"
    target.write_text("old")
    row_id = write_file(file_store, target, lambda tmp: tmp.write_text("new"), _record(file_store))
    assert target.read_text() == "new"
    row = audit.rows(file_store, limit=1)[0]
    assert (
        row.id == row_id
        and "11507a0e2f5e69d5dfa40a62a1bd7b6ee57e6bcd85c67c9b8431b36fff21c437" in row.payload
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_writer_that_fails_half_way_leaves_the_old_file(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.txt"
    target.write_text("old")

    def half(tmp: Path) -> None:
        tmp.write_text("ne")
        raise RuntimeError("the renderer crashed")

    with pytest.raises(RuntimeError):
        write_file(file_store, target, half, _record(file_store))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert audit.rows(file_store, action="export") == []


def test_a_locked_database_leaves_no_file_and_keeps_the_old_one(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file_store.conn.execute("PRAGMA busy_timeout=50")
    other = sqlite3.connect(file_store.path)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        fresh, kept = tmp_path / "fresh.txt", tmp_path / "kept.txt"
        kept.write_text("old")
        for target in (fresh, kept):
            with pytest.raises(StoreError, match="locked"):
                write_file(file_store, target, lambda tmp: tmp.write_text("x"), _record(file_store))
        assert not fresh.exists() and kept.read_text() == "old"
    finally:
        other.rollback()
        other.close()


def test_a_read_only_database_leaves_no_file(tmp_path: Path) -> None:
    open_store(tmp_path / "force.db").close()
    target = tmp_path / "out.txt"
    with read_only(tmp_path / "force.db", actor="analyst.test") as store:
        with pytest.raises(StoreError, match="read-only"):
            write_file(store, target, lambda tmp: tmp.write_text("x"), _record(store))
    assert not target.exists()


@pytest.mark.parametrize(
    "name", ["force.db", "force.db-wal", "force.db-shm", "force.db-journal", "./force.db"]
)
def test_the_open_database_is_known_by_path_and_inode(
    file_store, tmp_path: Path, name: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="open database"):
        check_target(file_store, tmp_path / name)


def test_a_link_to_the_open_database_is_refused(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    os.link(file_store.path, tmp_path / "hard.pdf")
    (tmp_path / "soft.pdf").symlink_to(file_store.path)
    for name in ("hard.pdf", "soft.pdf"):
        with pytest.raises(ValidationError, match="open database"):
            check_target(file_store, tmp_path / name)


def test_working_files_of_another_database_are_refused(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(ValidationError, match="-wal file of the SQLite database"):
        check_target(file_store, tmp_path / "other.db-wal")


def test_two_targets_with_one_name_are_refused(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="same name"):
        write_files(file_store, [tmp_path / "a", tmp_path / "a"], lambda t: None, lambda w: None)


def test_a_file_the_writer_did_not_produce_is_an_error(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SocmapError, match="not produced"):
        write_file(file_store, tmp_path / "a.txt", lambda tmp: None, _record(file_store))


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("p.docx", None, "docx"),
        ("p.PDF", None, "pdf"),
        ("p", None, "pdf"),
        ("p", "docx", "docx"),
        ("p.docx", "docx", "docx"),
        ("p.out", "docx", "docx"),
    ],
)
def test_format_for(name: str, given: str | None, expected: str) -> None:
    assert format_for(name, given, ("pdf", "docx"), default="pdf") == expected


@pytest.mark.parametrize(("name", "given"), [("p.docx", "pdf"), ("p.txt", None), ("p", "png")])
def test_format_for_refuses(name: str, given: str | None) -> None:
    with pytest.raises(ValidationError):
        format_for(name, given, ("pdf", "docx"), default="pdf")


def test_the_live_database_is_never_opened_to_be_recognised(
    file_store, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Closing any descriptor of the live file would drop SQLite's POSIX locks: stat only."""
    from socmap.services import output

    os.link(file_store.path, tmp_path / "alias")
    opened: list[Path] = []
    monkeypatch.setattr(output, "sqlite_kind", lambda p: opened.append(p))
    for name in ("force.db", "force.db-wal", "alias", "alias-wal", "alias-shm"):
        with pytest.raises(ValidationError):
            check_target(file_store, tmp_path / name)
    assert opened == []


def test_a_replaced_file_keeps_its_permissions(file_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o600)
    write_file(file_store, target, lambda tmp: tmp.write_text("new"), _record(file_store))
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o600
