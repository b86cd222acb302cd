from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from socmap.domain.errors import StoreError
from socmap.store import audit
from socmap.store.db import open_store
from socmap.store.migrations import known_migration_names, schema_version

REPO = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_wal_with_foreign_keys_and_migrations(tmp_path: Path) -> None:
    store = open_store(tmp_path / "f.db")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert schema_version(store) == known_migration_names()[-1]
    # the creator is the admin, and that is on record
    assert store.conn.execute("SELECT role FROM users").fetchall() == [("admin",)]
    assert audit.count(store) == 1
    store.close()
    again = open_store(tmp_path / "f.db")  # reopening applies nothing new and writes nothing
    assert audit.count(again) == 1
    again.close()


def test_refuses_a_text_file_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20)
    before = digest(path)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(path)
    assert digest(path) == before


def test_refuses_another_apps_sqlite_file_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('x')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="not a socmap database"):
        open_store(path)
    assert digest(path) == before
    assert not Path(f"{path}-wal").exists()


def test_refuses_a_corrupt_file_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    store = open_store(path)
    store.close()
    data = bytearray(path.read_bytes())
    # keep the SQLite header, scramble the schema page
    for i in range(100, min(len(data), 3000)):
        data[i] = (data[i] * 7 + 13) % 256
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises(StoreError, match=r"damaged|integrity|not a socmap"):
        open_store(path)
    assert digest(path) == before


def test_refuses_a_newer_schema_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    store = open_store(path)
    store.conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES "
        "('socmap', '9999_from_the_future', '2030-01-01')"
    )
    store.conn.commit()
    store.close()
    before = digest(path)
    with pytest.raises(StoreError, match="newer version of socmap"):
        open_store(path)
    assert digest(path) == before


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "nope" / "x.db")


WRITER = textwrap.dedent(
    """
    import sys
    from socmap.domain.groups import Ocg, Nominal, Membership
    from socmap.domain.ids import GroupId
    from socmap.domain.vocab import Role
    from socmap.services import register
    from socmap.store.db import open_store

    store = open_store(sys.argv[1])
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        # one OCG with its 30 members in ONE transaction: all of it or none of it
        with store.atomic():
            ocg, _ = register.create_ocg(store, Ocg(name=f"Group {n}"))
            for k in range(30):
                nom, _ = register.create_nominal(store, Nominal(surname=f"Person{n}x{k}"))
                register.add_membership(store, Membership(ocg.id, nom.id, Role.PERIPHERAL))
        print(ocg.id, flush=True)
    """
)


def test_killed_writer_never_leaves_a_half_written_group(tmp_path: Path) -> None:
    path = tmp_path / "kill.db"
    open_store(path).close()
    committed: list[int] = []
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for delay in (0.05, 0.3, 0.6):
        proc = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "tests" / "run_as.py"),
                "analyst.test",
                "-c",
                WRITER,
                str(path),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"  # imports done, database open
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        committed += [int(x) for x in out.split()]
    store = open_store(path)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sizes = dict(
        store.conn.execute(
            "SELECT o.id, COUNT(m.id) FROM ocgs o LEFT JOIN memberships m ON m.ocg_id = o.id GROUP BY o.id"
        ).fetchall()
    )
    assert committed, "the writer never committed anything"
    assert all(ocg_id in sizes for ocg_id in committed)  # nothing reported as committed is lost
    assert set(sizes.values()) == {30}  # no group with only some of its members
    assert audit.verify_chain(store) is None
    store.close()
