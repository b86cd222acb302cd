"""The schema-wide rule (issue 11): nothing cascades from a reference table into people's work.

Read from the live schema of a freshly migrated database (PRAGMA foreign_key_list over every
table), so a table that a later feature adds is covered without touching this test: a new
cascade fails here until it is listed below with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from socmap.store.db import open_store
from socmap.store.migrations import REFERENCE_TABLES

#: Every ON DELETE CASCADE the schema may hold: (child table, column, parent table) -> reason.
#: None of them has a reference table (areas, users, partners, scoring configs) as its parent.
_PERSON_DISPOSAL = (
    "MoPI disposal of a nominal (review dispose, audited with counts per table) removes "
    "everything recorded about that person"
)
_OCG_PARTS = "an OCG is deleted only to undo its creation; what hangs off it is part of that record"
ALLOWED_CASCADES: dict[tuple[str, str, str], str] = {
    ("assessments", "ocg_id", "ocgs"): (
        "never fires in practice: the assessments_no_delete trigger refuses the delete, so an "
        "OCG with assessments cannot be deleted"
    ),
    ("associations", "nominal_a", "nominals"): _PERSON_DISPOSAL,
    ("associations", "nominal_b", "nominals"): _PERSON_DISPOSAL,
    ("at_risk", "nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("at_risk_indicators", "nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("at_risk_proposals", "nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("exploitation", "at_risk_nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("exploitation", "exploiter_nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("interventions", "nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("memberships", "nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("disruption_nominals", "nominal_id", "nominals"): _PERSON_DISPOSAL,
    ("disruption_nominals", "disruption_id", "disruptions"): "a join row of the disruption",
    ("disruption_partners", "disruption_id", "disruptions"): "a join row of the disruption",
    ("structure_members", "structure_id", "partnership_structures"): (
        "a partnership structure's member list is part of the structure"
    ),
    ("disruptions", "ocg_id", "ocgs"): _OCG_PARTS,
    ("locations", "ocg_id", "ocgs"): _OCG_PARTS,
    ("memberships", "ocg_id", "ocgs"): _OCG_PARTS,
    ("ocg_lifecycle", "ocg_id", "ocgs"): _OCG_PARTS,
    ("ocg_links", "ocg_a", "ocgs"): _OCG_PARTS,
    ("ocg_links", "ocg_b", "ocgs"): _OCG_PARTS,
    ("ocg_lro", "ocg_id", "ocgs"): _OCG_PARTS,
    ("ocg_refs", "ocg_id", "ocgs"): _OCG_PARTS,
    ("partner_ocg_links", "ocg_id", "ocgs"): _OCG_PARTS,
    ("schedule_triggers", "ocg_id", "ocgs"): _OCG_PARTS,
}


def _foreign_keys(path: Path) -> list[tuple[str, str, str, str]]:
    """(child table, column, parent table, ON DELETE) of every foreign key of every table."""
    store = open_store(path)
    try:
        tables = [
            r[0]
            for r in store.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return [
            (t, fk[3], fk[2], str(fk[6]).upper())
            for t in tables
            for fk in store.conn.execute(f'PRAGMA foreign_key_list("{t}")')
        ]
    finally:
        store.close()


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str, str]]:
    return _foreign_keys(tmp_path_factory.mktemp("schema") / "fresh.db")


def test_the_schema_has_foreign_keys_at_all(fresh_schema) -> None:  # type: ignore[no-untyped-def]
    # guards the test itself: an empty read would pass every rule below
    assert len(fresh_schema) > 30
    assert {parent for _t, _c, parent, _r in fresh_schema} >= set(REFERENCE_TABLES) - {"users"}


def test_no_cascade_from_a_reference_table(fresh_schema) -> None:  # type: ignore[no-untyped-def]
    bad = [
        f"{t}.{c} -> {parent} ON DELETE CASCADE"
        for t, c, parent, rule in fresh_schema
        if parent in REFERENCE_TABLES and rule == "CASCADE"
    ]
    assert bad == [], "deleting reference data would delete people's work: " + "; ".join(bad)


def test_every_remaining_cascade_is_listed_with_its_reason(fresh_schema) -> None:  # type: ignore[no-untyped-def]
    found = {(t, c, parent) for t, c, parent, rule in fresh_schema if rule == "CASCADE"}
    unlisted = sorted(found - set(ALLOWED_CASCADES))
    assert unlisted == [], (
        "new ON DELETE CASCADE foreign keys: make them RESTRICT, or list each in "
        f"ALLOWED_CASCADES with the reason it is safe: {unlisted}"
    )
    stale = sorted(set(ALLOWED_CASCADES) - found)
    assert stale == [], f"listed cascades the schema no longer has: {stale}"
    assert all(parent not in REFERENCE_TABLES for _t, _c, parent in ALLOWED_CASCADES)


def test_deleting_an_area_with_work_attached_is_refused(demo_store) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    area_id = demo_store.conn.execute("SELECT area_id FROM profiles LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError):
        demo_store.conn.execute("DELETE FROM areas WHERE id = ?", [area_id])
    assert demo_store.conn.execute("SELECT COUNT(*) FROM profiles").fetchone()[0] == 4


def test_upgrading_a_database_keeps_every_row_index_and_trigger(tmp_path: Path) -> None:
    """A database made before the rebuild (cascades in place, data in it) upgrades intact."""
    import sqlite3

    import sqlite_utils

    from socmap.store.migrations import migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    db = sqlite_utils.Database(conn)
    migrations.apply(db, stop_before="areas_retired")
    conn.executescript(
        """
        INSERT INTO users (account, role, added_on) VALUES ('admin.old', 'admin', '2026-01-01');
        INSERT INTO areas (id, name, geom_wkb, area_km2) VALUES (7, 'North', x'00', 1.0);
        INSERT INTO profiles (area_id, owner) VALUES (7, 'ds.smith');
        INSERT INTO profile_actions (area_id, strand, action) VALUES (7, 'pursue', 'warrants');
        INSERT INTO partners (id, name, partner_type) VALUES (3, 'Council', 'council');
        INSERT INTO partner_areas (partner_id, area_id) VALUES (3, 7);
        INSERT INTO partnership_structures (id, area_id, name, kind, cadence)
            VALUES (5, 7, 'CSP', 'csp', 'monthly');
        INSERT INTO structure_members (structure_id, partner_id) VALUES (5, 3);
        """
    )
    conn.commit()
    schema_objects = sorted(
        conn.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger')"
        ).fetchall()
    )
    conn.close()

    store = open_store(path, actor="admin.old")
    try:
        c = store.conn
        counts = {
            t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in (
                "profiles",
                "profile_actions",
                "partner_areas",
                "partnership_structures",
                "structure_members",
            )
        }
        assert counts == dict.fromkeys(counts, 1)
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        after = set(
            c.execute("SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger')")
        )
        assert set(schema_objects) <= after
        assert not [t for t in after if t[1].startswith("_areas_rebuild")]
    finally:
        store.close()
    assert sorted(_foreign_keys(path)) == sorted(_foreign_keys(tmp_path / "fresh.db"))
