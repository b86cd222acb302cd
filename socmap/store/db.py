"""Open a socmap database: checks first, then pragmas, then migrations.

A file that is not a socmap database, is corrupt, or was written by a newer socmap is refused
*before* anything is written to it, so it stays byte-for-byte unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import sqlite_utils

from socmap.domain.accounts import canonical_account
from socmap.domain.errors import StoreError, ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
APP_ID = 0x534F434D  # "SOCM": stamped in the header's application_id field
#: Where the mount table is read from (a test injects its own).
MOUNTINFO = Path("/proc/self/mountinfo")
#: File systems on which SQLite's locking cannot be trusted (sqlite.org/lockingv3.html#how_to_corrupt).
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.davfs2",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.glusterfs",
        "fuse.cephfs",
    }
)
#: How long a writer waits for another's write lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 15_000
#: How many times a unit of work is run on a server that aborts it as a serialisation failure
#: or a deadlock (``Store.retrying``), and the first back-off (seconds, doubled each time, with
#: full jitter, at most ``RETRY_MAX_DELAY``).
RETRY_ATTEMPTS = 8
RETRY_BASE_DELAY = 0.01
RETRY_MAX_DELAY = 0.5

T = TypeVar("T")
P = ParamSpec("P")
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

    On the embedded engine ``db`` is the sqlite-utils Database and ``conn`` its sqlite3
    connection; on a PostgreSQL server ``db`` is None and ``conn`` is a
    :class:`socmap.store.dialect.PgConnection` with the same methods, so every store function
    runs unchanged on both (``dialect`` says which). Connections are thread-bound: a worker
    thread opens its own Store with :meth:`reopen`.
    """

    db: sqlite_utils.Database | None
    path: Path | None
    actor: str = field(default_factory=current_account)
    #: Set by ``audit.record``: after the outermost commit the trail's head is anchored outside
    #: the file (``audit.write_anchor``).
    audited: bool = field(default=False, repr=False)
    #: "sqlite" or "postgresql" (``socmap.store.dialect``).
    dialect: str = "sqlite"
    #: The server the store is connected to (URL or libpq keywords), None for a file.
    server: str | None = None
    server_conn: Any = field(default=None, repr=False)
    #: What this store and the copies it reopened for other threads wrote, so that a watcher
    #: of other people's changes does not report the app's own back to it: the audit rows
    #: committed (``pending_audit_ids`` until the transaction commits) and, on a server, the
    #: backend process ids of its sessions.
    own_audit_ids: set[int] = field(default_factory=set, repr=False)
    pending_audit_ids: set[int] = field(default_factory=set, repr=False)
    own_sessions: set[int] = field(default_factory=set, repr=False)
    #: How many times ``retrying`` ran a unit of work again (serialisation failure, deadlock).
    retried: int = field(default=0, repr=False)
    _depth: int = field(default=0, repr=False)

    @property
    def conn(self) -> Any:
        """The connection: sqlite3's, or the PostgreSQL adapter with the same methods."""
        if self.server_conn is not None:
            return self.server_conn
        assert self.db is not None
        return self.db.conn

    @property
    def on_server(self) -> bool:
        """True on a PostgreSQL server."""
        return self.server_conn is not None

    def where(self) -> str:
        """The database as a person should see it named (no password)."""
        if self.server is not None:
            from socmap.store.dialect import redact_url

            return redact_url(self.server)
        return str(self.path) if self.path is not None else "an in-memory database"

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Any]:
        """One transaction (a savepoint when nested): all of it commits, or none of it.

        The outermost level is ``BEGIN IMMEDIATE``: it waits (busy timeout) for the write lock
        up front. A deferred transaction that reads first and then writes fails at once with
        "database is locked" when another connection wrote in between, which two open copies of
        the app (or a backup next to the app) would hit. On a server the outermost level is
        ``BEGIN`` (PostgreSQL locks rows, not the database) and a nested one a savepoint.
        """
        if self.on_server:
            with self._server_atomic():
                yield self.db
            return
        assert self.db is not None
        if self.conn.in_transaction:
            with self.db.atomic() as db:
                yield db
            return
        from socmap.store.integrity import before_write

        before_write(self.path)  # held while a deferred integrity check has not passed
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise explain_sqlite_error(exc, self.path) or exc from None
        try:
            yield self.db
        except BaseException as exc:
            self.audited = False
            self.pending_audit_ids.clear()
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise explain_sqlite_error(exc, self.path) or exc from None
            raise
        try:
            self.conn.execute("COMMIT")
            self._committed()
        except BaseException as exc:
            self.audited = False
            self.pending_audit_ids.clear()
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise explain_sqlite_error(exc, self.path) or exc from None
            raise
        if self.audited:
            self.audited = False
            from socmap.store.audit import write_anchor

            write_anchor(self)

    @contextlib.contextmanager
    def _server_atomic(self) -> Iterator[None]:
        conn = self.conn
        if conn.in_transaction:
            self._depth += 1
            name = f"socmap_sp{self._depth}"
            conn.native(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.native(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.native(f"RELEASE SAVEPOINT {name}")
                raise
            finally:
                self._depth -= 1
            conn.native(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.audited = False
            self.pending_audit_ids.clear()
            conn.rollback()
            raise
        try:
            conn.commit()
            self._committed()
        except BaseException:
            self.audited = False
            self.pending_audit_ids.clear()
            conn.rollback()
            raise
        self.audited = False

    def _committed(self) -> None:
        """The audit rows of the transaction just committed are this app's own."""
        if self.pending_audit_ids:
            self.own_audit_ids.update(self.pending_audit_ids)
            self.pending_audit_ids.clear()

    def is_own_audit_row(self, audit_id: int) -> bool:
        """True when this store (or a copy it reopened) wrote audit row ``audit_id``."""
        return audit_id in self.own_audit_ids or audit_id in self.pending_audit_ids

    def retrying(self, fn: Callable[[], T], *, attempts: int | None = None) -> T:
        """Run ``fn()`` as one unit of work; on a server, run it again when the server aborts it
        as a serialisation failure or a deadlock, so neither ever reaches a person.

        This is the one retry policy. On a server, outside any transaction, ``fn`` runs inside
        :meth:`atomic` (its own ``atomic`` blocks become savepoints), and when the server aborts
        the transaction with SQLSTATE 40001 or 40P01 (``dialect.is_retryable``) everything was
        rolled back, so the whole of ``fn`` is run again after a jittered, doubling back-off,
        up to ``attempts`` times (``RETRY_ATTEMPTS``); after that one line says nothing was
        changed. Inside an open transaction ``fn`` simply runs: the outermost unit retries.
        On SQLite ``fn`` simply runs too: writers queue for the write lock (``BEGIN
        IMMEDIATE`` with the busy timeout) and are never aborted to be retried.

        Service functions that write are wrapped with :func:`unit_of_work`, which calls this.
        """
        if not self.on_server or self.conn.in_transaction:
            return fn()
        from socmap.store.dialect import is_retryable

        tries = max(1, attempts if attempts is not None else RETRY_ATTEMPTS)
        for attempt in range(tries):
            try:
                with self.atomic():
                    return fn()
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                if attempt + 1 >= tries:
                    raise StoreError(
                        f"{self.where()} kept refusing this change because other people were "
                        f"changing the same records ({tries} attempts); nothing was changed. "
                        "Try again"
                    ) from exc
            self.retried += 1
            delay = min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * (2**attempt))
            time.sleep(random.uniform(0, delay))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the connection (checkpointing the WAL into the main file)."""
        if self.on_server:
            self.conn.close()
            return
        assert self.db is not None
        self.db.close()

    def reopen(self) -> Store:
        """A new connection to the same database, for use on another thread (what it writes
        counts as this store's own: see ``own_audit_ids``)."""
        if self.server is not None:
            other = open_store(self.server, migrate=False, check=False)
        elif self.path is None:
            raise StoreError("an in-memory database cannot be opened on another thread")
        else:
            other = open_store(self.path, actor=self.actor, migrate=False, check=False)
        self.own_sessions.update(other.own_sessions)
        other.own_sessions = self.own_sessions
        other.own_audit_ids = self.own_audit_ids
        return other


def data_version(store: Store) -> int:
    """SQLite's ``PRAGMA data_version``: a number that changes when another connection commits
    to the file (not when this one does). A read of the WAL index in shared memory: cheap
    enough to poll several times a second, and never waits for a writer."""
    if store.on_server:
        raise StoreError("data_version is SQLite's; a server announces changes (LISTEN)")
    return int(store.conn.execute("PRAGMA data_version").fetchall()[0][0])


def unit_of_work(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a service function that writes as one unit of work, run by ``Store.retrying``.

    The acting store is the first ``Store`` among the arguments. Every function in
    ``socmap.services`` that opens ``store.atomic()`` carries this decorator (a test discovers
    them), so the UI, the CLI and any other caller get the same retry policy at one seam.
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        store = next((a for a in (*args, *kwargs.values()) if isinstance(a, Store)), None)
        if store is None:
            return fn(*args, **kwargs)
        return store.retrying(lambda: fn(*args, **kwargs))

    run.__socmap_unit_of_work__ = True  # type: ignore[attr-defined]
    return run


def explain_sqlite_error(
    exc: sqlite3.Error, path: Path | None, *, committed: bool = False
) -> StoreError | None:
    """One line for an SQLite error a person can fix (lock, full disk, read-only); else None.

    ``committed`` says the change was saved before the error (the message says so).
    """
    text = str(exc).lower()
    where = str(path) if path is not None else "the database"
    outcome = "your change was saved before this happened" if committed else "nothing was changed"
    if "locked" in text or "busy" in text:
        return StoreError(f"another socmap is writing to {where}; {outcome}. Try again")
    if "disk is full" in text or ("disk i/o error" in text and _disk_full(path)):
        return StoreError(
            f"the disk holding {where} is full; {outcome}. Free some space and try again"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreError(f"{_read_only_reason(path)}; {outcome}")
    return None


def _disk_full(path: Path | None) -> bool:
    if path is None:
        return False
    try:
        st = os.statvfs(path.parent)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < 1 << 20


def _read_only_reason(path: Path | None) -> str:
    if path is None:
        return "the database is read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return (
            f"{path} is read-only, and socmap writes to its database even to read it (the "
            "WAL beside it); ask for write access, or copy it to a folder you can write to"
        )
    if not os.access(path.parent, os.W_OK):
        return (
            f"the folder {path.parent} is read-only, and SQLite must create {path.name}-wal "
            "and -shm files beside the database; move it to a folder you can write to"
        )
    return (
        f"{path} is read-only here: SQLite could not write it or the {path.name}-wal / -shm "
        "files beside it (opened read-only, or their permissions); check the file, those two "
        "files and their folder"
    )


def network_share(path: Path, *, mountinfo: Path | None = None) -> str | None:
    """The server share holding ``path`` when it is on a network file system; else None.

    Recognises UNC paths (``\\\\server\\share``), Windows mapped network drives and, on Linux, any
    mount whose file system type is in :data:`NETWORK_FILESYSTEMS` (from ``/proc/self/mountinfo``).
    """
    text = str(path)
    if text.startswith(("\\\\", "//")):
        parts = [p for p in text.replace("/", "\\").split("\\") if p]
        return "\\\\" + "\\".join(parts[:2]) if parts else text
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0]
        if drive and ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == 4:  # DRIVE_REMOTE
            return drive
        return None
    table = mountinfo or MOUNTINFO
    try:
        lines = table.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = os.path.realpath(os.path.abspath(text))
    best: tuple[int, str, str] | None = None
    for line in lines:
        left, sep, right = line.partition(" - ")
        fields, extra = left.split(), right.split()
        if not sep or len(fields) < 5 or not extra:
            continue
        mount = fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and (best is None or len(mount) >= best[0]):
            best = (len(mount), extra[0], extra[1] if len(extra) > 1 else mount)
    if best is None:
        return None
    fstype = best[1].lower()
    if fstype in NETWORK_FILESYSTEMS or fstype.split(".")[0] in NETWORK_FILESYSTEMS:
        return f"{best[2]} ({fstype})"
    return None


def _refuse_unsafe_location(path: Path) -> None:
    """Refuse a path that is not a regular file, or that sits on a network share."""
    share = network_share(path)
    if share is not None:
        raise StoreError(
            f"{path} is on a network share ({share}), where SQLite's file locking cannot be "
            "trusted and the database could be corrupted. To share a register, move it to a "
            "PostgreSQL server ('socmap server import FILE postgresql://HOST/DB', see the README);"
            " for one person, keep the file on a local disk"
        )
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise StoreError(f"{path} is a folder, not a database file")
    if not stat.S_ISREG(mode):
        raise StoreError(
            f"{path} is not a regular file (a pipe, device or socket); give a database file"
        )


def write_failure(store: Store, exc: BaseException) -> StoreError | None:
    """A one-line StoreError for a write SQLite refused (locked, read-only, full); else None."""
    if not isinstance(exc, sqlite3.OperationalError | sqlite3.IntegrityError):
        return None
    explained = explain_sqlite_error(exc, store.path)
    if explained is not None:
        return explained
    return StoreError(f"{store.path or 'the database'}: {exc}; nothing was written")


def integrity_failure(path: Path, detail: str) -> StoreError:
    """The refusal of a file that failed SQLite's integrity check (``detail``: its first error)."""
    return StoreError(
        f"{path} failed SQLite's integrity check ({detail}); it was not changed. "
        f"{RESTORE_HINT.format(path=path)}"
    )


def _inspect_existing(path: Path, *, create: bool, integrity: bool = True) -> None:
    """Refuse a file that socmap must not open, without writing to it.

    ``integrity=False`` leaves out SQLite's integrity check (it reads the whole file): the
    caller runs it later (``socmap.store.integrity``) and holds writes until it passes.

    The file is read only through SQLite: opening and closing a descriptor on it from Python
    would drop the POSIX locks SQLite holds for other connections in this process
    (sqlite.org/howtocorrupt.html, 2.2), letting another process delete a live WAL.
    """
    from socmap.store.migrations import known_migration_names

    if path.stat().st_size == 0:
        if create:
            return  # an empty file is a new database
        raise StoreError(
            f"{path} is an empty file (0 bytes), not a socmap database; it was not changed. "
            "Give the right file, or create a database with 'socmap demo' or the app"
        )
    try:
        ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be opened: {exc}; it was not changed") from None
    try:
        try:
            ro.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise StoreError(
                    f"{path} is not a SQLite database (is it the right file?); it was not changed"
                ) from None
            explained = explain_sqlite_error(exc, path)
            if explained is not None:
                raise explained from None
            raise StoreError(
                f"{path} is damaged ({exc}); it was not changed. {RESTORE_HINT.format(path=path)}"
            ) from None
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
            check = ro.execute("PRAGMA quick_check(1)").fetchone() if integrity else None
        except sqlite3.OperationalError as exc:
            explained = explain_sqlite_error(exc, path)
            if explained is not None:
                raise explained from None
            raise StoreError(
                f"{path} is damaged ({exc}); it was not changed. {RESTORE_HINT.format(path=path)}"
            ) from None
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
        raise integrity_failure(path, str(check[0]))
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
    create: bool = True,
) -> Store:
    """Open (creating if needed) the socmap database at ``path``; ``None`` or ``":memory:"`` for RAM.

    ``check=False`` skips the checks made before opening (used to reopen a file this process
    already opened, on another thread). ``create=False`` (commands that only use a database)
    refuses a missing or empty file instead of making it a new database.

    Raises:
        StoreError: the file is not a socmap database, is damaged, is from a newer socmap,
            or is locked by another writer for longer than the timeout.
    """
    from socmap.store.dialect import is_server_url
    from socmap.store.migrations import apply_migrations

    if is_server_url(path):
        from socmap.store.server import open_server

        return open_server(str(path), migrate=migrate)
    memory = path is None or str(path) == ":memory:"
    file_path: Path | None = None
    if memory:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        file_path = Path(path).expanduser()  # type: ignore[arg-type]
        _refuse_unsafe_location(file_path)
        if not create and not file_path.exists():
            raise StoreError(
                f"{file_path} does not exist (create it with 'socmap demo --db {file_path}' "
                "or the app)"
            )
        if check and file_path.exists():
            _inspect_existing(file_path, create=create)
        elif not file_path.parent.exists():
            raise StoreError(
                f"cannot create {file_path}: the folder {file_path.parent} does not exist"
            )
        try:
            conn = sqlite3.connect(
                str(file_path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise explain_sqlite_error(exc, file_path) or StoreError(
                f"cannot open {file_path}: {exc}"
            ) from None
    db = sqlite_utils.Database(conn)
    try:
        if not memory:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{file_path}: could not switch to WAL journal mode (got {mode})")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        store = Store(db=db, path=file_path, actor=actor or current_account())
        if migrate:
            apply_migrations(store)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise explain_sqlite_error(exc, file_path) or StoreError(f"{file_path}: {exc}") from None
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        conn.close()
        raise StoreError(
            f"{file_path} is damaged ({exc}). {RESTORE_HINT.format(path=file_path)}"
        ) from None
    except BaseException:
        conn.close()
        raise
    return store
