"""Open a socmap database: checks first, then pragmas, then migrations.

A file that is not a socmap database, is corrupt, or was written by a newer socmap is refused
*before* anything is written to it, so it stays byte-for-byte unchanged.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from socmap.domain.accounts import canonical_account
from socmap.domain.errors import StoreError, ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
APP_ID = 0x534F434D  # "SOCM": stamped in the header's application_id field
RESTORE_HINT = (
    "Restore it from a backup: 'socmap restore --db {path} BACKUP.db' (the damaged file is "
    "kept aside), or ask an administrator to recover it"
)


def _os_account_name() -> str:
    """The logon name of the account this process runs as, from the operating system itself.

    POSIX: the password-database entry of the real user id (``pwd.getpwuid(os.getuid())``);
    Windows: the domain-qualified logon name (``DOMAIN\\user``, ``GetUserNameExW``). Never an
    environment variable (``USER``, ``LOGNAME``, ``USERNAME``): anyone can set those.
    """
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        name_sam_compatible = 2
        size = ctypes.c_ulong(0)
        secur32 = ctypes.WinDLL("secur32")  # type: ignore[attr-defined]
        secur32.GetUserNameExW(name_sam_compatible, None, ctypes.byref(size))
        buf = ctypes.create_unicode_buffer(size.value or 256)
        if not secur32.GetUserNameExW(name_sam_compatible, buf, ctypes.byref(size)):
            raise StoreError("cannot read the Windows logon name of this process")
        return str(buf.value)
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid-{os.getuid()}"


def current_account() -> str:
    """The OS account socmap acts for, in canonical form (see ``socmap.domain.accounts``).

    Raises:
        StoreError: the operating system reports an account name socmap refuses (control or
            bidirectional-override characters), so no audit row could name it faithfully.
    """
    raw = _os_account_name()
    try:
        return canonical_account(raw)
    except ValidationError as exc:
        raise StoreError(f"the operating-system account {raw!r} cannot be used: {exc}") from None


@dataclass
class Store:
    """An open socmap database and the account acting on it.

    ``db`` is the sqlite-utils Database; ``conn`` its sqlite3 connection for hot paths.
    Connections are thread-bound: a worker thread opens its own Store with :func:`open_store`.
    """

    db: sqlite_utils.Database
    path: Path | None
    actor: str = field(default_factory=current_account)

    @property
    def conn(self) -> sqlite3.Connection:
        """The underlying sqlite3 connection."""
        return self.db.conn

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        """One transaction (a savepoint when nested): all of it commits, or none of it.

        The outermost level is ``BEGIN IMMEDIATE``: it waits (busy timeout) for the write lock
        up front. A deferred transaction that reads first and then writes fails at once with
        "database is locked" when another connection wrote in between, which two open copies of
        the app (or a backup next to the app) would hit.
        """
        if self.conn.in_transaction:
            with self.db.atomic() as db:
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection (checkpointing the WAL into the main file)."""
        self.db.close()

    def reopen(self) -> Store:
        """A new connection to the same file, for use on another thread."""
        if self.path is None:
            raise StoreError("an in-memory database cannot be opened on another thread")
        return open_store(self.path, actor=self.actor, migrate=False, check=False)


def _inspect_existing(path: Path) -> None:
    """Refuse a file that socmap must not open, without writing to it."""
    from socmap.store.migrations import known_migration_names

    with path.open("rb") as fh:
        header = fh.read(100)
    if not header:
        return  # an empty file is a new database
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(
            f"{path} is not a SQLite database (is it the right file?); it was not changed"
        )
    try:
        ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be opened: {exc}; it was not changed") from None
    try:
        try:
            tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                return
            if "_sqlite_migrations" not in tables or "meta" not in tables:
                raise StoreError(
                    f"{path} is a SQLite database but not a socmap database "
                    f"(it holds tables such as {', '.join(sorted(tables)[:3])}); it was not changed"
                )
            applied = [
                r[0]
                for r in ro.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                    ["socmap"],
                )
            ]
            row = ro.execute("SELECT value FROM meta WHERE key = 'app'").fetchone()
            check = ro.execute("PRAGMA quick_check(1)").fetchone()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise StoreError(
                f"{path} is damaged ({exc}); it was not changed. {RESTORE_HINT.format(path=path)}"
            ) from None
    finally:
        ro.close()
    if row is None or row[0] != "socmap":
        raise StoreError(
            f"{path} is a SQLite database but not a socmap database; it was not changed"
        )
    if check and check[0] != "ok":
        raise StoreError(
            f"{path} failed SQLite's integrity check ({check[0]}); it was not changed. "
            f"{RESTORE_HINT.format(path=path)}"
        )
    unknown = [name for name in applied if name not in known_migration_names()]
    if unknown:
        raise StoreError(
            f"{path} was written by a newer version of socmap (schema step '{unknown[0]}' is "
            "unknown to this version); upgrade socmap to open it. The file was not changed"
        )


def open_store(
    path: str | Path | None = None,
    *,
    actor: str | None = None,
    migrate: bool = True,
    check: bool = True,
) -> Store:
    """Open (creating if needed) the socmap database at ``path``; ``None`` or ``":memory:"`` for RAM.

    ``check=False`` skips the checks made before opening (used to reopen a file this process
    already opened, on another thread).

    Raises:
        StoreError: the file is not a socmap database, is damaged, is from a newer socmap,
            or is locked by another writer for longer than the timeout.
    """
    from socmap.store.migrations import apply_migrations

    memory = path is None or str(path) == ":memory:"
    file_path: Path | None = None
    if memory:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        file_path = Path(path).expanduser()  # type: ignore[arg-type]
        if file_path.is_dir():
            raise StoreError(f"{file_path} is a folder, not a database file")
        if check and file_path.exists():
            _inspect_existing(file_path)
        elif not file_path.parent.exists():
            raise StoreError(
                f"cannot create {file_path}: the folder {file_path.parent} does not exist"
            )
        try:
            conn = sqlite3.connect(str(file_path), timeout=15, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {file_path}: {exc}") from None
    db = sqlite_utils.Database(conn)
    try:
        if not memory:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{file_path}: could not switch to WAL journal mode (got {mode})")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=15000")
        store = Store(db=db, path=file_path, actor=actor or current_account())
        if migrate:
            apply_migrations(store)
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(f"{file_path} is locked by another socmap writer; try again") from None
        raise StoreError(f"{file_path}: {exc}") from None
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        conn.close()
        raise StoreError(
            f"{file_path} is damaged ({exc}). {RESTORE_HINT.format(path=file_path)}"
        ) from None
    except BaseException:
        conn.close()
        raise
    return store
