"""A record id is never given again after disposal (a new person must not inherit a disposed
person's review and audit history)."""

from __future__ import annotations

from typing import Any

import pytest

from socmap.domain.groups import Nominal
from socmap.services import register, review
from socmap.store.migrations import _deleted_by_disposal


def test_a_new_person_never_gets_a_disposed_persons_id(store: Any) -> None:
    ids = []
    for surname in ("Alder", "Birch"):
        n, _ = register.create_nominal(store, Nominal(surname=surname, forenames="Jo"))
        assert n.id is not None
        ids.append(int(n.id))
    highest = max(ids)
    review.dispose(store, "nominal", highest, rationale="no continuing policing purpose")
    new, _ = register.create_nominal(store, Nominal(surname="Cedar", forenames="Al"))
    assert new.id is not None and int(new.id) > highest


@pytest.mark.sqlite_only  # a server's identity sequences never go back (test_server_store.py)
def test_every_table_disposal_deletes_from_never_reuses_ids(store: Any) -> None:
    """Discovered from the schema: the reviewed tables and all that cascade from them."""
    tables = _deleted_by_disposal(store.conn)
    assert {"nominals", "intel", "memberships"} <= set(tables)
    reusing = []
    for table in tables:
        columns = {r[1]: r for r in store.conn.execute(f'PRAGMA table_info("{table}")')}
        if "id" not in columns or columns["id"][5] != 1:
            continue  # no integer id of its own
        (sql,) = store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        if "AUTOINCREMENT" not in sql.upper():
            reusing.append(table)
    assert not reusing, f"tables that would give a disposed record's id again: {reusing}"


def test_the_step_starts_after_ids_the_trail_shows_were_disposed(tmp_path: Any) -> None:
    """On an existing database whose highest person was already disposed of, the sequence
    starts above that id (read from the trail), not at the highest id left."""
    import re

    from socmap.store import audit
    from socmap.store.db import open_store
    from socmap.store.migrations import _rebuild_table, apply_migrations

    path = tmp_path / "old.db"
    s = open_store(path)
    n, _ = register.create_nominal(s, Nominal(surname="Alder", forenames="Jo"))
    with s.atomic():
        audit.record(s, action="dispose", entity="nominal", entity_id=7, summary="disposed")
    # as the database was before the step: ids reused, step not applied
    conn = s.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA legacy_alter_table=ON")
    with s.atomic():
        for table in _deleted_by_disposal(conn):
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
            ).fetchone()
            _rebuild_table(conn, table, re.sub(r"\s+AUTOINCREMENT", "", sql, flags=re.I))
        conn.execute("DELETE FROM sqlite_sequence")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'fixdata_ids_never_reused'")
    conn.execute("PRAGMA legacy_alter_table=OFF")
    conn.execute("PRAGMA foreign_keys=ON")
    apply_migrations(s)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    new, _ = register.create_nominal(s, Nominal(surname="Cedar", forenames="Al"))
    assert new.id is not None and int(new.id) == 8 and int(n.id or 0) == 1
    s.close()
