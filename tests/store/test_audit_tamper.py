"""The audit chain catches tampering done with the sqlite3 shell after dropping the triggers."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from socmap.domain.groups import Nominal, Ocg
from socmap.services import audit_trail, register, review
from socmap.store import audit
from socmap.store.db import open_store


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    """A file with eight audit rows (1: creator; 2-8 register edits); closed."""
    path = tmp_path / "t.db"
    s = open_store(path)
    for i in range(4):
        register.create_ocg(s, Ocg(name=f"Group {i}"))
    for i in range(3):
        register.create_nominal(s, Nominal(surname=f"Person{i}"))
    assert audit.count(s) == 8
    assert audit.verify_chain(s) is None
    s.close()
    return path


def shell(path: Path, sql: str) -> None:
    """Do what someone with the sqlite3 shell would: drop the triggers, then change rows."""
    con = sqlite3.connect(path)
    con.executescript(
        "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;"
        "DROP TRIGGER IF EXISTS audit_payload_erase_only;"
        "DROP TRIGGER IF EXISTS audit_payload_no_delete;" + sql
    )
    con.commit()
    con.close()


def verify(path: Path, head: str | None = None) -> audit.ChainProblem | None:
    s = open_store(path)
    try:
        return audit_trail.verify(s, expect_head=head)
    finally:
        s.close()


CASES: dict[str, tuple[str, int]] = {
    "summary changed": ("UPDATE audit SET summary = 'nothing to see' WHERE id = 4", 4),
    "actor changed": ("UPDATE audit SET actor = 'someone.else' WHERE id = 5", 5),
    "time changed": ("UPDATE audit SET ts = '2020-01-01T00:00:00+00:00' WHERE id = 2", 2),
    "values changed": (
        "UPDATE audit_payload SET payload = replace(payload, 'Group 2', 'Group X') "
        "WHERE audit_id = 4",
        4,
    ),
    "values deleted": ("DELETE FROM audit_payload WHERE audit_id = 6", 6),
    "values erased without disposal": (
        "UPDATE audit_payload SET payload = '{\"erased\": true}' WHERE audit_id = 7",
        7,
    ),
    "row deleted": (
        "DELETE FROM audit WHERE id = 3; DELETE FROM audit_payload WHERE audit_id = 3",
        3,
    ),
    "last row deleted": (
        "DELETE FROM audit WHERE id = 8; DELETE FROM audit_payload WHERE audit_id = 8",
        8,
    ),
    "row appended with a made-up hash": (
        "INSERT INTO audit (id, ts, actor, action, entity, entity_id, summary, payload_digest,"
        " prev_hash, row_hash) SELECT 9, ts, actor, action, entity, entity_id, 'forged',"
        " payload_digest, row_hash, row_hash FROM audit WHERE id = 8;"
        "INSERT INTO audit_payload SELECT 9, payload FROM audit_payload WHERE audit_id = 8;"
        "UPDATE meta SET value = '9:' || (SELECT row_hash FROM audit WHERE id = 9) "
        "WHERE key = 'audit_head'",
        9,
    ),
    "row inserted in the middle": (
        "UPDATE audit SET id = id + 100 WHERE id >= 4; UPDATE audit SET id = id - 99 WHERE id >= 100;"
        "UPDATE audit_payload SET audit_id = audit_id + 100 WHERE audit_id >= 4;"
        "UPDATE audit_payload SET audit_id = audit_id - 99 WHERE audit_id >= 100;"
        "INSERT INTO audit SELECT 4, ts, actor, 'create', 'ocg', '99', 'created OCG-0099',"
        " payload_digest, prev_hash, row_hash FROM audit WHERE id = 3;"
        "INSERT INTO audit_payload SELECT 4, payload FROM audit_payload WHERE audit_id = 3",
        4,
    ),
    "rows reordered": (
        "UPDATE audit SET id = -1 WHERE id = 5; UPDATE audit SET id = 5 WHERE id = 6;"
        "UPDATE audit SET id = 6 WHERE id = -1;"
        "UPDATE audit_payload SET audit_id = -1 WHERE audit_id = 5;"
        "UPDATE audit_payload SET audit_id = 5 WHERE audit_id = 6;"
        "UPDATE audit_payload SET audit_id = 6 WHERE audit_id = -1",
        5,
    ),
}


def test_intact_trail_verifies(trail: Path) -> None:
    assert verify(trail) is None


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_named(trail: Path, case: str) -> None:
    sql, bad_row = CASES[case]
    shell(trail, sql)
    problem = verify(trail)
    assert problem is not None, case
    assert problem.row_id == bad_row, (case, problem)
    assert problem.reason


def test_triggers_refuse_edits_through_socmap_connections(trail: Path) -> None:
    s = open_store(trail)
    try:
        for sql in (
            "UPDATE audit SET summary = 'x' WHERE id = 2",
            "DELETE FROM audit WHERE id = 2",
            "UPDATE audit_payload SET payload = '{}' WHERE audit_id = 2",
            "DELETE FROM audit_payload WHERE audit_id = 2",
        ):
            with pytest.raises(sqlite3.DatabaseError, match=r"append-only|erased by disposal"):
                s.conn.execute(sql)
    finally:
        s.close()


def test_cut_off_tail_with_anchor_rewritten_needs_the_external_head(trail: Path) -> None:
    s = open_store(trail)
    recorded = audit_trail.head(s)
    s.close()
    shell(
        trail,
        "DELETE FROM audit WHERE id = 8; DELETE FROM audit_payload WHERE audit_id = 8;"
        "UPDATE meta SET value = '7:' || (SELECT row_hash FROM audit WHERE id = 7) "
        "WHERE key = 'audit_head'",
    )
    problem = verify(trail, recorded)
    assert problem is not None and problem.row_id == 8
    # The file alone cannot tell (its own record of the head was rewritten), but the head
    # anchored outside it after every commit still can.
    problem = verify(trail)
    assert problem is not None and problem.row_id == 8
    assert "anchored outside the file" in problem.reason
    for anchor in (Path(os.environ["SOCMAP_DATA_DIR"]) / audit.ANCHOR_FOLDER).iterdir():
        anchor.unlink()
    assert verify(trail) is None  # without the anchor, the head given is the only witness


def test_disposal_erases_values_and_the_chain_still_verifies(trail: Path) -> None:
    s = open_store(trail)
    try:
        review.dispose(s, "nominal", 1, rationale="no continuing policing purpose")
        assert audit.verify_chain(s) is None
        erased = [r for r in audit.rows(s) if r.payload == audit.TOMBSTONE]
        assert [r.entity for r in erased] == ["nominal"]
        tomb = audit.rows(s, action="dispose")[0]
        assert tomb.entity_id == "1" and "Person0" not in (tomb.payload or "")
    finally:
        s.close()


def test_tombstone_listing_cannot_be_forged_by_editing_the_dispose_row(trail: Path) -> None:
    s = open_store(trail)
    review.dispose(s, "nominal", 1, rationale="no continuing policing purpose")
    s.close()
    # Claim that row 3 was erased too: the dispose row's values no longer match its digest.
    shell(
        trail,
        "UPDATE audit_payload SET payload = '{\"erased\": true}' WHERE audit_id = 3;"
        "UPDATE audit_payload SET payload = replace(payload, '\"erased_audit_ids\":[', "
        "'\"erased_audit_ids\":[3,') WHERE audit_id = (SELECT MAX(id) FROM audit)",
    )
    problem = verify(trail)
    assert problem is not None and problem.row_id == 9


def test_bad_head_text_is_explained(trail: Path) -> None:
    s = open_store(trail)
    try:
        with pytest.raises(Exception, match="not an audit head"):
            audit_trail.verify(s, expect_head="nonsense")
    finally:
        s.close()
