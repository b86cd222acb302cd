"""File-level safety: online backup, checking a backup file, and replacing a database with it."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from socmap.domain.errors import StoreError
from socmap.store.db import SQLITE_MAGIC, Store


def _private_file(path: Path) -> None:
    """Create ``path`` empty, readable by its owner only (a backup holds everything)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)


def online_backup(store: Store, target: Path) -> None:
    """Copy the open database to ``target`` with SQLite's backup API (a consistent snapshot).

    Other connections may keep reading and writing; the copy is of one committed state.
    The copy is written beside ``target`` and renamed into place when complete.
    """
    tmp = target.with_name(target.name + ".part")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
        leftover.unlink(missing_ok=True)
    _private_file(tmp)
    dst = sqlite3.connect(str(tmp))
    try:
        store.conn.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        dst.commit()
    except BaseException:
        dst.close()
        tmp.unlink(missing_ok=True)
        raise
    dst.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    tmp.replace(target)


#: The first four bytes of a SQLite WAL file (big-endian magic, either checksum order).
WAL_MAGICS = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


def sqlite_kind(path: Path) -> str | None:
    """What SQLite file ``path`` is: ``backup`` (a socmap backup), ``socmap`` (a socmap database),
    ``geopackage`` (an OGC GeoPackage: application id ``GPKG``), ``sqlite`` (any other SQLite
    database), ``wal`` (a write-ahead log), or None (not SQLite's).

    A socmap backup is a socmap database in rollback-journal mode (:func:`online_backup` writes
    it so); a live socmap database is in WAL mode (header bytes 18-19 are 2).
    Never call this on a file this process has open through SQLite: closing any descriptor of
    it drops SQLite's POSIX locks.
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError:
        return None
    if header[:4] in WAL_MAGICS:
        return "wal"
    if not header.startswith(SQLITE_MAGIC):
        return None
    if header[68:72] == b"GPKG":
        return "geopackage"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return "sqlite"
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone()
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        row = None
    finally:
        conn.close()
    if not row or row[0] != "socmap":
        return "sqlite"
    return "backup" if len(header) > 18 and header[18] == 1 else "socmap"


@dataclass(frozen=True)
class FileCheck:
    """What checking a database file found (``problem`` None: usable)."""

    path: Path
    problem: str | None
    integrity: str = ""
    schema_steps: tuple[str, ...] = ()


@contextlib.contextmanager
def read_only(path: Path, *, actor: str) -> Iterator[Store]:
    """A read-only Store on ``path`` (no migrations, nothing written)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield Store(db=sqlite_utils.Database(conn), path=path, actor=actor)
    finally:
        conn.close()


def check_file(path: Path) -> FileCheck:
    """Is ``path`` a whole socmap database? Full integrity check; never writes to it."""
    if not path.is_file():
        return FileCheck(path, f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        return FileCheck(path, f"{path} is an empty file, not a SQLite database")
    # Read through SQLite only: closing a Python descriptor on a file that this process has
    # open in SQLite would drop SQLite's locks on it.
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return FileCheck(path, f"{path} cannot be opened ({exc})")
    try:
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                return FileCheck(path, f"{path} is not a SQLite database")
            raise
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables or "_sqlite_migrations" not in tables:
            return FileCheck(path, f"{path} is not a socmap database")
        app = conn.execute("SELECT value FROM meta WHERE key = 'app'").fetchone()
        if not app or app[0] != "socmap":
            return FileCheck(path, f"{path} is not a socmap database")
        results = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
        steps = tuple(
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'socmap' ORDER BY rowid"
            )
        )
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        return FileCheck(path, f"{path} is damaged ({exc})")
    finally:
        conn.close()
    if results != ["ok"]:
        return FileCheck(
            path, f"{path} failed SQLite's integrity check ({results[0]})", "; ".join(results)
        )
    return FileCheck(path, None, "ok", steps)


def copy_raw(path: Path, target: Path) -> None:
    """Copy a (possibly damaged) database file and its WAL byte for byte."""
    shutil.copy2(path, target)
    wal = Path(f"{path}-wal")
    if wal.exists():
        shutil.copy2(wal, Path(f"{target}-wal"))


def copy_into(source: Path, target: Path) -> None:
    """Overwrite the database at ``target`` with ``source``'s content through the backup API.

    Safe while other connections have ``target`` open: SQLite takes the locks, and they see the
    new content at their next transaction.
    """
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target), timeout=15)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise StoreError(f"could not write {target}: {exc}; it was not changed") from None
    finally:
        src.close()
        dst.close()


def replace_file(source: Path, target: Path) -> None:
    """Replace a damaged database file with a copy of ``source`` (stale WAL/SHM removed)."""
    tmp = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    tmp.replace(target)
