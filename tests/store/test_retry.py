"""The one retry policy (``Store.retrying`` / ``unit_of_work``): a serialisation failure or a
deadlock on the server is run again, never shown to a person; anything else is not retried.

The failures are real ones, forced on the test server with a second connection.
"""

from __future__ import annotations

import ast
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from socmap.domain.errors import StoreError
from socmap.domain.groups import Ocg
from socmap.services import register
from socmap.store import db as store_db
from socmap.store import groups
from socmap.store.db import open_store
from tests.engines import with_database

SERVICES = Path(__file__).resolve().parents[2] / "socmap" / "services"
#: Service functions that open a transaction but are NOT one retried unit, and why: long bulk
#: work with progress and files around it (a conflict there is reported; running minutes of work
#: again behind the person's back is not wanted), or restoring a file.
NOT_UNITS = {
    ("backup.py", "backup_database"): "copies the database file",
    ("backup.py", "restore_database"): "replaces the database file",
    ("output.py", "write_files"): "writes files as it goes",
    ("demo.py", "build_demo"): "bulk build with progress",
    ("anx_import.py", "import_chart"): "bulk import with progress",
    ("intel_import.py", "import_intel"): "bulk import with progress",
    ("neighbourhoods.py", "import_neighbourhoods"): "bulk import with progress",
    ("places.py", "import_places"): "bulk import with progress",
    ("spec_import.py", "import_file"): "bulk import with progress",
    ("boundaries.py", "replace_areas"): "reassigns every point; bulk",
    ("scoring.py", "rescore_all"): "bulk re-score with progress",
}


def _admin(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    from tests import engines

    assert engines.ADMIN_URL is not None
    return with_database(engines.ADMIN_URL, str(conninfo_to_dict(url)["dbname"]))


def _probe(store: Any) -> str:
    row = store.conn.execute("SELECT value FROM meta WHERE key = 'retry_probe'").fetchone()
    return str(row[0])


def test_every_service_transaction_is_one_retried_unit() -> None:
    """Discovers every function and method in socmap.services that opens ``store.atomic()``:
    each carries ``@unit_of_work`` (the retry seam for the UI and the CLI) unless listed above."""
    missing, stale = [], set(NOT_UNITS)
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            functions += [n for n in cls.body if isinstance(n, ast.FunctionDef)]
        for fn in functions:
            if ".atomic()" not in ast.unparse(fn):
                continue
            stale.discard((path.name, fn.name))
            decorated = any(ast.unparse(d) == "unit_of_work" for d in fn.decorator_list)
            if not decorated and (path.name, fn.name) not in NOT_UNITS:
                missing.append(f"{path.name}:{fn.lineno} {fn.name}")
    assert not missing, f"service transactions without @unit_of_work: {missing}"
    assert not stale, f"NOT_UNITS names functions that no longer open a transaction: {stale}"


def test_a_serialisation_failure_is_run_again_not_shown(server_url: str) -> None:
    store = open_store(server_url)
    other = psycopg.connect(_admin(server_url), autocommit=True)
    try:
        with store.atomic():
            store.conn.execute("INSERT INTO meta (key, value) VALUES ('retry_probe', '0')")
        attempts: list[int] = []

        def unit() -> int:
            attempts.append(1)
            store.conn.native("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            value = int(_probe(store))
            if len(attempts) == 1:  # someone else saves the same row meanwhile
                other.execute("UPDATE meta SET value = '10' WHERE key = 'retry_probe'")
            store.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'retry_probe'", [str(value + 1)]
            )
            return value + 1

        assert store.retrying(unit) == 11
        assert len(attempts) == 2  # the first ended in SQLSTATE 40001 and was rolled back
        assert _probe(store) == "11"
    finally:
        other.close()
        store.close()


def test_a_deadlock_in_a_service_edit_is_run_again_not_shown(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real deadlock: another session holds the audit chain's lock and then wants the OCG row
    the edit locked; the server aborts the edit (40P01), and the service saves it on retry."""
    store = open_store(server_url)
    ocg, _ = register.create_ocg(store, Ocg(name="Deadlock crew"))
    assert ocg.id is not None
    calls: list[int] = []
    real_update = groups.update_ocg

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_update(*args, **kwargs)

    monkeypatch.setattr(groups, "update_ocg", counting)
    other = psycopg.connect(_admin(server_url), autocommit=True)
    # the other session is never the one the server picks to abort
    other.execute("SET deadlock_timeout = '20s'")
    other.execute("BEGIN")
    other.execute("SELECT pg_advisory_xact_lock(hashtext('socmap_audit_chain'))")
    failure: list[BaseException] = []

    def other_session() -> None:
        try:
            time.sleep(0.4)  # the edit has locked its row and waits for the audit lock
            other.execute("UPDATE ocgs SET name = name WHERE id = %s", [ocg.id])
            other.execute("COMMIT")
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)

    thread = threading.Thread(target=other_session)
    thread.start()
    try:
        edited = Ocg(**{**ocg.__dict__, "notes": "seen at the docks"})
        stored, _ = register.update_ocg(store, edited)
    finally:
        thread.join(30)
        other.close()
    assert not failure, failure
    assert len(calls) == 2  # the first attempt was the deadlock's victim
    assert stored.notes == "seen at the docks" and stored.version == ocg.version + 1
    trail = store.conn.execute(
        "SELECT count(*) FROM audit WHERE entity = 'ocg' AND entity_id = ? AND action = 'update'",
        [str(ocg.id)],
    ).fetchone()[0]
    assert trail == 1  # one edit, one audit row: the aborted attempt left nothing
    store.close()


def test_retries_give_up_with_one_line_and_nothing_changed(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "RETRY_BASE_DELAY", 0.0)
    store = open_store(server_url)
    attempts: list[int] = []

    def unit() -> None:
        attempts.append(1)
        store.conn.execute("INSERT INTO meta (key, value) VALUES ('retry_probe', 'x')")
        err = sqlite3.OperationalError("could not serialize access")
        err.sqlstate = "40001"  # type: ignore[attr-defined]
        raise err

    with pytest.raises(StoreError, match="nothing was changed") as info:
        store.retrying(unit, attempts=3)
    assert len(attempts) == 3
    assert "\n" not in str(info.value)
    assert store.conn.execute("SELECT 1 FROM meta WHERE key = 'retry_probe'").fetchone() is None
    store.close()


def test_other_errors_and_inner_units_are_not_retried(server_url: str) -> None:
    store = open_store(server_url)
    attempts: list[int] = []

    def refused() -> None:
        attempts.append(1)
        raise sqlite3.IntegrityError("a rule said no")

    with pytest.raises(sqlite3.IntegrityError):
        store.retrying(refused)
    assert len(attempts) == 1

    def retryable() -> None:
        attempts.append(1)
        err = sqlite3.OperationalError("deadlock detected")
        err.sqlstate = "40P01"  # type: ignore[attr-defined]
        raise err

    attempts.clear()
    # inside an open transaction the outermost unit retries, not this one
    with pytest.raises(sqlite3.OperationalError), store.atomic():
        store.retrying(retryable)
    assert len(attempts) == 1
    store.close()


def test_on_the_file_engine_a_unit_simply_runs(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.db")
    attempts: list[int] = []

    def unit() -> int:
        attempts.append(1)
        return 5

    assert store.retrying(unit) == 5 and len(attempts) == 1
    assert not store.conn.in_transaction
    store.close()
