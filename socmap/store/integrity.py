"""SQLite's integrity check of a large database, run after the window shows, with writes held.

``PRAGMA quick_check`` reads every page of the file: about 1.2 s for the 380 MB national demo,
longer than everything else start-up does. :func:`open_for_window` (the desktop app's way in)
opens a file above :data:`DEFER_ABOVE_BYTES` with the cheap checks only (header, socmap's
schema, a newer socmap's steps) and hands back an :class:`IntegrityCheck` to start once the
window is up. Until that check has passed, the database is read-only for this process:

- a write on a worker thread (the app's write tasks) waits for the check, then goes ahead;
- a write on the main (UI) thread is refused at once with :data:`HELD`, nothing written;
- when the check fails, every write is refused with the very message ``open_store`` gives for
  a damaged file, and the file is left as it was.

The gate is :func:`before_write`, which ``Store.atomic`` calls before ``BEGIN IMMEDIATE`` (all
of socmap's writes go through it). A file with pending schema steps, or without any user yet, is
written to as it opens, so it is checked in full first, as before. The CLI keeps using
``open_store``, which checks before anything else.

The check runs on a thread of its own: SQLite releases the GIL while it reads (perf-notes F4),
so the UI thread keeps beating, and :meth:`IntegrityCheck.cancel` interrupts it at shutdown.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
from pathlib import Path

from socmap.domain.errors import StoreError, WritesHeld
from socmap.store.db import (
    RESTORE_HINT,
    Store,
    _inspect_existing,
    explain_sqlite_error,
    integrity_failure,
    open_store,
)

#: Files larger than this are checked after the window shows (SQLite reads ~300 MB/s here:
#: 16 MiB takes ~50 ms, cheap enough to check before the window as before).
DEFER_ABOVE_BYTES = 16 * 1024 * 1024

#: how much lower than the window's the check thread's CPU priority is (Linux nice value)
CHECK_NICENESS = 10

HELD = (
    "{path} is read-only until SQLite's integrity check of it has finished (a few seconds "
    "after opening); nothing was changed. Try again in a moment"
)

_lock = threading.Lock()
#: the checks not yet passed, by the file's real path (a failed check stays: writes refused)
_pending: dict[str, IntegrityCheck] = {}


def _key(path: Path) -> str:
    return os.path.realpath(path)


class IntegrityCheck:
    """``PRAGMA quick_check`` of one file on a background thread; writes wait for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: the refusal when the check failed (the same message ``open_store`` gives)
        self.error: StoreError | None = None
        self._done = threading.Event()
        self._started = False
        self._cancelled = False
        self._conn: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    @property
    def started(self) -> bool:
        """True once :meth:`start` was called."""
        return self._started

    @property
    def done(self) -> bool:
        """True once the check has finished, passed or failed."""
        return self._done.is_set()

    @property
    def passed(self) -> bool:
        """True once the check has passed (writes are allowed again)."""
        return self._done.is_set() and self.error is None

    def start(self) -> None:
        """Start the check on a background thread (once; later calls do nothing)."""
        with self._guard:
            if self._started:
                return
            self._started = True
            self._thread = threading.Thread(target=self._run, name="socmap-integrity", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the check to finish (starting it if nobody has); True when it has."""
        self.start()
        return self._done.wait(timeout)

    def cancel(self) -> None:
        """Stop a running check (the window is closing); writes stay refused."""
        with self._guard:
            self._cancelled = True
            conn = self._conn
        if conn is not None:
            conn.interrupt()

    def _run(self) -> None:
        path = self.path
        error: StoreError | None = None
        _lower_priority()
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            with self._guard:
                self._conn = conn
                cancelled = self._cancelled
            try:
                if cancelled:
                    raise sqlite3.OperationalError("interrupted")
                row = conn.execute("PRAGMA quick_check(1)").fetchone()
            finally:
                with self._guard:
                    self._conn = None
                conn.close()
            if row is not None and row[0] != "ok":
                error = integrity_failure(path, str(row[0]))
        except sqlite3.OperationalError as exc:
            if self._cancelled or "interrupt" in str(exc).lower():
                error = StoreError(
                    f"{path}: the integrity check was stopped before it finished (the window "
                    "closed); nothing was changed"
                )
            else:
                error = explain_sqlite_error(exc, path) or StoreError(
                    f"{path} is damaged ({exc}); it was not changed. "
                    f"{RESTORE_HINT.format(path=path)}"
                )
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            error = StoreError(
                f"{path} is damaged ({exc}); it was not changed. {RESTORE_HINT.format(path=path)}"
            )
        except BaseException as exc:  # never leave writers waiting for ever
            error = StoreError(f"{path}: the integrity check could not run ({exc})")
        self.error = error
        if error is None:
            with _lock:
                if _pending.get(_key(path)) is self:
                    del _pending[_key(path)]
        self._done.set()


def _lower_priority() -> None:
    """Let the window's own threads go first (Linux: threads have their own nice value). The
    check holds no GIL while SQLite reads, so it never makes the window wait; a higher nice
    value only keeps it off a core the window needs."""
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CHECK_NICENESS)


def pending_check(store: Store) -> IntegrityCheck | None:
    """The check that ``store``'s file still waits for (or failed), if any."""
    if store.path is None or not _pending:
        return None
    with _lock:
        return _pending.get(_key(store.path))


def before_write(path: Path | None) -> None:
    """Called before every write transaction: hold it while the file's check has not passed.

    Raises:
        WritesHeld: on the main thread while the check runs (:data:`HELD`).
        StoreError: on any thread once the check has failed (the damaged-file message).
    """
    if path is None or not _pending:
        return
    with _lock:
        check = _pending.get(_key(path))
    if check is None:
        return
    if not check.done:
        if threading.current_thread() is threading.main_thread():
            raise WritesHeld(HELD.format(path=path))
        check.wait()  # a worker: the write is held until the check ends
    if check.error is not None:
        raise check.error


def open_for_window(path: str | Path, *, actor: str | None = None) -> Store:
    """Open ``path`` for the desktop app: as :func:`open_store`, but a large file's integrity
    check is left to :func:`pending_check` (start it once the window shows).

    Raises:
        StoreError: as :func:`open_store` for everything but the deferred integrity check.
    """
    from socmap.store.dialect import is_server_url

    if is_server_url(path):  # a server checks itself: nothing to defer
        return open_store(str(path), actor=actor)
    file_path = Path(path).expanduser()
    try:
        size = file_path.stat().st_size
    except OSError:
        size = 0
    if size <= DEFER_ABOVE_BYTES:
        return open_store(file_path, actor=actor)
    _inspect_existing(file_path, create=True, integrity=False)  # header, schema, newer steps
    if not _only_reads_to_open(file_path):
        return open_store(file_path, actor=actor)  # it will be written to: check it all first
    check = IntegrityCheck(file_path)
    with _lock:  # registered before the connection exists: no write can slip in before it
        _pending[_key(file_path)] = check
    try:
        return open_store(file_path, actor=actor, check=False)
    except BaseException:
        with _lock:
            _pending.pop(_key(file_path), None)
        raise


def _only_reads_to_open(path: Path) -> bool:
    """True when opening ``path`` writes nothing: WAL already on, no schema step pending, a
    user already registered (read through a read-only connection)."""
    from socmap.store.migrations import known_migration_names

    ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        mode = ro.execute("PRAGMA journal_mode").fetchone()[0]
        applied = {
            r[0]
            for r in ro.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'socmap'"
            )
        }
        has_users = ro.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        ro.close()
    return str(mode).lower() == "wal" and set(known_migration_names()) <= applied and has_users
