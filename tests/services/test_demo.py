from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from socmap.services import demo, queries
from socmap.store.db import open_store


def build(path: Path, seed: int = 7) -> str:
    store = open_store(path)
    demo.build_demo(store, seed=seed, as_of=dt.date(2026, 11, 1))
    out = json.dumps(queries.ocg_list_json(store), sort_keys=True)
    store.close()
    return out


def test_same_seed_same_content(tmp_path: Path) -> None:
    a = build(tmp_path / "a.db")
    assert a == build(tmp_path / "b.db")
    assert a != build(tmp_path / "c.db", seed=8)


def test_demo_force_shape(demo_store) -> None:  # type: ignore[no-untyped-def]
    info = queries.store_info(demo_store)
    assert info.journal_mode == ("server" if demo_store.on_server else "wal")
    assert set(info.areas) == {
        "Herefordshire",
        "Shropshire",
        "Telford & Wrekin",
        "North Worcestershire",
        "South Worcestershire",
    }
    assert 70 <= info.ocgs_by_status["active"] <= 130
    assert 120 <= info.ocgs_by_status["archived"] <= 180
    assert 600 <= info.counts["nominals"] <= 800
    # every location is inside the force, and every active group has a lead area and an LRO
    assert (
        demo_store.conn.execute("SELECT COUNT(*) FROM locations WHERE area_id IS NULL").fetchone()[
            0
        ]
        == 0
    )
    rows = queries.register(demo_store)
    assert all(r.lead_area and r.lro for r in rows if r.status == "active")
    # everyone belongs to at least one group, except the non-members issue 8 adds: people at
    # risk (potential victims, never members), people with indicators proposed for review, and
    # associates in emerging groups, each of whom is linked to somebody
    assert (
        demo_store.conn.execute(
            "SELECT COUNT(*) FROM nominals WHERE id NOT IN (SELECT nominal_id FROM memberships)"
            " AND id NOT IN (SELECT nominal_id FROM at_risk)"
            " AND id NOT IN (SELECT nominal_a FROM associations)"
            " AND id NOT IN (SELECT nominal_b FROM associations)"
        ).fetchone()[0]
        == 0
    )
    # one audit row per batch, not one per row
    assert info.counts["audit"] < 10


def test_demo_grades_parse_in_their_own_scheme(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.domain.grading import parse_grading

    for table in ("intel", "associations"):
        rows = demo_store.conn.execute(
            f"SELECT DISTINCT grading_scheme, grade, handling, handling_conditions FROM {table}"
            " WHERE grading_scheme IS NOT NULL"
        ).fetchall()
        assert rows
        for scheme, grade, handling, conditions in rows:
            parse_grading(scheme, grade, handling, conditions)


def test_demo_memberships_start_by_its_as_of_date(demo_store) -> None:  # type: ignore[no-untyped-def]
    """No membership starts after the day the demo is 'as of' (it would make the data
    'current to' the future)."""
    from tests.conftest import DEMO_AS_OF

    late = demo_store.conn.execute(
        'SELECT COUNT(*) FROM memberships WHERE substr("start", 1, 10) > ?', [DEMO_AS_OF]
    ).fetchone()[0]
    assert late == 0
