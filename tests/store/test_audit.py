from __future__ import annotations

import sqlite3
from pathlib import Path

from socmap.store import audit
from socmap.store.db import open_store


def test_chain_verifies_and_detects_edits(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = open_store(path)
    for i in range(5):
        audit.record(
            store,
            action="update",
            entity="ocg",
            entity_id=i,
            summary=f"edit {i}",
            before={"v": i},
            after={"v": i + 1},
        )
    assert audit.verify_chain(store) is None
    store.close()
    # someone with the sqlite3 shell drops the triggers and alters a row
    conn = sqlite3.connect(path)
    conn.executescript("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
    conn.execute("UPDATE audit SET actor = 'someone.else' WHERE id = 3")
    conn.commit()
    conn.close()
    store = open_store(path)
    problem = audit.verify_chain(store)
    assert problem is not None
    assert problem.row_id == 3


def test_append_only_triggers(store) -> None:  # type: ignore[no-untyped-def]
    import pytest

    audit.record(store, action="x", entity="y")
    with pytest.raises(sqlite3.DatabaseError, match=r"append-only|permission denied"):
        store.conn.execute("DELETE FROM audit")
