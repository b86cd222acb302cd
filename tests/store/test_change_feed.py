"""Another connection's committed change is seen by a listener (server) or by data_version (file)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from socmap.domain.groups import Ocg
from socmap.store import audit, groups
from socmap.store.db import Store, data_version, open_store


@pytest.fixture
def pair(engine: str, request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Two connections to one register: A (the app) and B (another analyst)."""
    if engine == "postgresql":
        a = request.getfixturevalue("store")
        b = open_store(a.server)
    else:
        a = open_store(tmp_path / "shared.db")
        b = open_store(tmp_path / "shared.db")
    yield a, b
    b.close()
    if engine != "postgresql":
        a.close()


def _add_ocg(store: Store, name: str) -> int:
    with store.atomic():
        ocg = groups.insert_ocg(store, Ocg(name=name))
        audit.record(store, action="create", entity="ocg", entity_id=ocg.id or 0)
    assert ocg.id is not None
    return ocg.id


@pytest.mark.server_only  # LISTEN/NOTIFY is the server's
def test_server_announces_a_commit_by_another_session_within_two_seconds(pair, engine) -> None:  # type: ignore[no-untyped-def]
    from socmap.store.server import listen

    a, b = pair
    listener = listen(a)
    try:
        assert listener.wait(0.1) == []
        _add_ocg(a, "Mine")  # the app's own change is not announced back to it
        assert listener.wait(0.5) == []
        start = time.monotonic()
        _add_ocg(b, "Theirs")
        got = listener.wait(2.0)
        assert time.monotonic() - start < 2.0
        assert len(got) == 1
        assert {"ocgs", "audit", "audit_payload"} <= got[0].tables
        assert got[0].logins == {b.actor}
        assert "INSERT" in got[0].ops
        with b.atomic():  # a rolled-back transaction is never announced
            groups.insert_ocg(b, Ocg(name="Never"))
            b.conn.rollback()
        assert listener.wait(0.5) == []
    finally:
        listener.close()


@pytest.mark.server_only  # the server's triggers
def test_every_table_announces_its_changes(engine, store) -> None:  # type: ignore[no-untyped-def]
    """The notify trigger is generated for every table, not a list kept by hand."""
    from socmap.store.pg_schema import table_names

    found = {
        str(r[0])
        for r in store.conn.native(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = c.relname || '_notify' AND NOT t.tgisinternal"
        ).fetchall()
    }
    assert found == set(table_names()) - {"users"}  # users is a view of the server's roles


@pytest.mark.sqlite_only  # data_version is SQLite's
def test_data_version_changes_when_another_connection_commits(pair, engine) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    before = data_version(a)
    _add_ocg(a, "Mine")
    assert data_version(a) == before  # its own commit does not count
    last = audit.head(a)[0]
    _add_ocg(b, "Theirs")
    assert data_version(a) != before
    rows = audit.rows_after(a, last)
    assert [(r.entity, r.actor) for r in rows] == [("ocg", b.actor)]


def test_own_audit_rows_are_known_after_commit_and_forgotten_on_rollback(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    _add_ocg(a, "Mine")
    mine = audit.head(a)[0]
    assert a.is_own_audit_row(mine)
    assert not b.is_own_audit_row(mine)

    def abandoned() -> None:
        with a.atomic():
            audit.record(a, action="create", entity="ocg", entity_id=99)
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError):
        abandoned()
    assert not a.is_own_audit_row(mine + 1)
    _add_ocg(b, "Theirs")
    assert not a.is_own_audit_row(audit.head(a)[0])
