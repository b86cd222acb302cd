"""Working together: other people's changes reach the feed; a clash of saves is explained."""

from __future__ import annotations

import ast
import dataclasses
import re
import time
from pathlib import Path

import pytest

from socmap.domain.errors import ConflictError
from socmap.domain.groups import Ocg
from socmap.domain.merge import Pick, Resolution
from socmap.services import collab, conflicts, register
from socmap.store import users
from socmap.store.db import Store, open_store

OTHER = "ds.jones"
PARTNER_TYPE = "health"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pair(engine: str, request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The app's store (A, the test account) and another analyst's (B, ds.jones), one register."""
    if engine == "postgresql":
        from tests.engines import grant_role, with_login

        a = request.getfixturevalue("store")
        grant_role(a.server, OTHER, "analyst")
        b = open_store(with_login(a.server, OTHER))
    else:
        a = open_store(tmp_path / "shared.db")
        with a.atomic():
            users.set_role(a, OTHER, "analyst")
        b = open_store(tmp_path / "shared.db", actor=OTHER)
    yield a, b
    b.close()
    if engine != "postgresql":
        a.close()


def _wait_for(feed: collab.ChangeFeed, seconds: float) -> list[collab.RemoteChange]:
    deadline = time.monotonic() + seconds
    got: list[collab.RemoteChange] = []
    while not got and time.monotonic() < deadline:
        got = [c for c in feed.wait(deadline - time.monotonic()) if not c.quiet]
    return got


def test_another_analysts_save_reaches_the_feed_within_two_seconds(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    ocg, _ = register.create_ocg(a, Ocg(name="Alpha"))
    feed = collab.watch(a)
    try:
        register.update_ocg(a, dataclasses.replace(ocg, notes="mine"))  # our own: not echoed
        assert _wait_for(feed, 0.6) == []
        start = time.monotonic()
        theirs = register.update_ocg(b, dataclasses.replace(register_get(b, ocg.id), name="Beta"))
        got = _wait_for(feed, 2.0)
        assert time.monotonic() - start < 2.0
        assert theirs[0].name == "Beta"
        assert len(got) == 1
        assert got[0].by == (OTHER,)
        assert got[0].changes.touches("ocg")
        assert not got[0].changes.touches("partner")  # only what changed, not everything
        assert OTHER in got[0].describe() and "groups" in got[0].describe()
    finally:
        feed.close()


def register_get(store: Store, ocg_id: int | None) -> Ocg:
    from socmap.services import queries

    assert ocg_id is not None
    return queries.get_ocg(store, ocg_id)


def test_a_stale_save_is_refused_and_explained_field_by_field(pair) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    base, _ = register.create_ocg(a, Ocg(name="Alpha", lro="DI Smith", notes="n"))
    register.update_ocg(b, dataclasses.replace(base, name="Alpha Two", lro="DI Jones"))
    mine = dataclasses.replace(base, name="Alpha Crew", notes="seen at the docks")
    with pytest.raises(ConflictError):
        register.update_ocg(a, mine)
    conflict = conflicts.ocg_conflict(a, base=base, mine=mine)
    rows = {d.field: d for d in conflict.differences}
    assert set(rows) == {"name", "lro", "notes"}
    assert (rows["name"].mine_text, rows["name"].theirs_text) == ("Alpha Crew", "Alpha Two")
    assert rows["name"].merge.clash
    assert rows["lro"].changed_by == OTHER and rows["lro"].changed_at.endswith("UTC")
    assert rows["notes"].changed_by == ""  # only I changed it
    assert conflict.last_changed_by == OTHER
    merged = conflict.resolved(Resolution.MERGE, {"name": Pick.THEIRS})
    saved, _ = register.update_ocg(a, merged)
    assert (saved.name, saved.lro, saved.notes) == ("Alpha Two", "DI Jones", "seen at the docks")
    assert conflict.resolved(Resolution.TAKE_THEIRS) is None
    kept = conflict.resolved(Resolution.KEEP_MINE)
    with pytest.raises(ConflictError):  # theirs moved on again (our merge): still no overwrite
        register.update_ocg(a, kept)


# --- rules that discover their cases -----------------------------------------------------


def test_every_table_says_which_views_its_changes_concern() -> None:
    from socmap.store.pg_schema import table_names

    assert set(table_names()) - set(collab.TABLE_KINDS) == set()


def test_every_audited_entity_says_which_views_its_changes_concern() -> None:
    found: set[str] = set()
    for path in (REPO / "socmap").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "entity"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    assert found, "no audited entity found: the search is broken"
    known = set(collab.ENTITY_KINDS) | collab.EVERYTHING_ENTITIES
    # exports and screenshots are audited as reads (QUIET_ACTIONS); the rest must be mapped
    reads = {e for e in found if re.fullmatch(r"briefing|screenshot|graph|layers|network|anx", e)}
    assert found - known - reads == set()


def _versioned_records(a: Store):  # type: ignore[no-untyped-def]
    """(table, made record, save function) for each record the services save by version."""
    from socmap.domain.groups import Nominal
    from socmap.domain.partners import Partner
    from socmap.services import partners

    ocg, _ = register.create_ocg(a, Ocg(name="Alpha"))
    person, _ = register.create_nominal(a, Nominal(surname="Smith"))
    agency, _ = partners.create_partner(a, Partner(name="Housing", partner_type=PARTNER_TYPE))
    return [
        ("ocgs", ocg, register.update_ocg, {"name": "Alpha Crew"}, {"lro": "DI Jones"}),
        ("nominals", person, register.update_nominal, {"surname": "Smyth"}, {"notes": "x"}),
        ("partners", agency, partners.update_partner, {"name": "Homes"}, {"notes": "x"}),
    ]


@pytest.mark.server_only  # SQLite's write lock lets no save in between
@pytest.mark.parametrize("table", ["ocgs", "nominals", "partners"])
def test_a_save_committed_between_the_version_check_and_the_update_is_no_overwrite(
    pair, engine, table
) -> None:  # type: ignore[no-untyped-def]
    """On a server two saves run at once (SQLite's write lock serialises them): the other
    analyst's save lands after this one read the version and before it writes."""
    a, b = pair
    _table, base, save, mine, theirs = next(r for r in _versioned_records(a) if r[0] == table)
    real = a.conn.execute
    cut_in: list[bool] = []

    def execute(sql, params=None):  # type: ignore[no-untyped-def]
        out = real(sql, params)
        if sql.startswith(f"SELECT version FROM {table}") and not cut_in:
            cut_in.append(True)
            save(b, dataclasses.replace(base, **theirs))
        return out

    a.conn.execute = execute
    try:
        with pytest.raises(ConflictError):
            save(a, dataclasses.replace(base, **mine))
    finally:
        del a.conn.execute
    assert cut_in
    key, value = next(iter(theirs.items()))
    row = a.conn.execute(f"SELECT {key} FROM {table} WHERE id = ?", [base.id]).fetchone()
    assert row[0] == value  # theirs stands, nothing lost
