"""A large file's integrity check after the window shows: writes held until it passes, the same
refusal as ``open_store`` when it fails, the file left as it was (socmap.store.integrity)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from socmap.domain.errors import StoreError
from socmap.store import integrity
from socmap.store.db import open_store
from socmap.store.integrity import open_for_window, pending_check


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def defer_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as large (the national demo is 380 MB; tests use small ones)."""
    monkeypatch.setattr(integrity, "DEFER_ABOVE_BYTES", 0)


def _write(store) -> None:  # type: ignore[no-untyped-def]
    with store.atomic():
        store.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', 'x')")


def _in_worker(fn) -> list[object]:  # type: ignore[no-untyped-def]
    """Run ``fn()`` on another thread (as the app's write tasks do); its result or error."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:
            out.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert out, "the worker never finished"
    return out


def _fresh(path: Path) -> Path:
    open_store(path).close()
    return path


def _damaged_data_page(path: Path, *, journal: str = "wal") -> Path:
    """A socmap file whose header, schema, steps and users read fine but one table's pages are
    broken: only the full integrity check can tell."""
    _fresh(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE zz_filler (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO zz_filler (body) VALUES (?)", [("x" * 200,) for _ in range(2000)])
    conn.commit()
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'zz_filler'").fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    for i in range(start, start + 64):  # the root (interior) page's header and cell pointers
        data[i] = 0xFF
    path.write_bytes(bytes(data))
    return path


def test_a_small_file_is_checked_before_opening_as_before(tmp_path: Path) -> None:
    path = _damaged_data_page(tmp_path / "small.db")
    before = digest(path)
    with pytest.raises(StoreError, match="failed SQLite's integrity check"):
        open_for_window(path)
    assert digest(path) == before


def test_writes_are_held_until_the_deferred_check_passes(tmp_path: Path, defer_all: None) -> None:
    path = _fresh(tmp_path / "big.db")
    store = open_for_window(path)
    try:
        check = pending_check(store)
        assert check is not None and not check.started and not check.done
        # on the UI (main) thread: refused at once, saying why
        with pytest.raises(StoreError, match="read-only until SQLite's integrity check"):
            _write(store)
        assert store.conn.execute("SELECT 1 FROM meta WHERE key = 'probe'").fetchone() is None
        # on a worker thread (a write task): held until the check has run, then written
        worker = store.reopen()
        try:
            assert _in_worker(lambda: _write(worker)) == [None]
        finally:
            worker.close()
        assert check.passed
        assert pending_check(store) is None
        _write(store)  # and the UI thread may write again
    finally:
        store.close()


def test_a_failed_deferred_check_refuses_every_write_with_the_open_store_message(
    tmp_path: Path, defer_all: None
) -> None:
    path = _damaged_data_page(tmp_path / "bad.db")
    with pytest.raises(StoreError) as refused:
        open_store(path)  # what the CLI says, before anything
    before = digest(path)
    store = open_for_window(path)  # the cheap checks pass: the window can show
    try:
        check = pending_check(store)
        assert check is not None
        assert check.wait(60)
        assert not check.passed
        assert str(check.error) == str(refused.value)
        assert "Restore it from a backup" in str(check.error)
        with pytest.raises(StoreError) as main:
            _write(store)
        assert str(main.value) == str(refused.value)
        worker = store.reopen()
        try:
            (outcome,) = _in_worker(lambda: _write(worker))
        finally:
            worker.close()
        assert isinstance(outcome, StoreError) and str(outcome) == str(refused.value)
    finally:
        store.close()
    assert digest(path) == before


def test_a_file_that_opening_would_write_is_checked_in_full_first(
    tmp_path: Path, defer_all: None
) -> None:
    # not in WAL mode yet: opening switches it (a write), so the check cannot wait
    path = _damaged_data_page(tmp_path / "rollback.db", journal="delete")
    before = digest(path)
    with pytest.raises(StoreError, match="failed SQLite's integrity check"):
        open_for_window(path)
    assert digest(path) == before


def test_a_check_stopped_at_shutdown_leaves_writes_refused(tmp_path: Path, defer_all: None) -> None:
    path = _fresh(tmp_path / "stop.db")
    store = open_for_window(path)
    try:
        check = pending_check(store)
        assert check is not None
        check.cancel()
        check.start()
        assert check.wait(30) and not check.passed
        with pytest.raises(StoreError, match="stopped before it finished"):
            _write(store)
    finally:
        store.close()
