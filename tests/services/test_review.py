"""MoPI review: the queue, recorded decisions, and disposal that leaves no copy in the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.errors import NotFoundError, PermissionDenied, SocmapError, ValidationError
from socmap.domain.groups import Membership, Nominal, Ocg
from socmap.domain.vocab import Role
from socmap.services import audit_trail, records, register, review
from socmap.store import audit
from socmap.store.db import open_store
from tests.conftest import act_as

TODAY = dt.date(2026, 11, 1)
SURNAME = "Zyxworthington"
FORENAMES = "Quillamina"
ALIAS = "Qwixxle"


def _person(store: Any) -> int:
    n, _ = register.create_nominal(
        store,
        Nominal(surname=SURNAME, forenames=FORENAMES, aliases=(ALIAS,), notes="seen at the docks"),
    )
    assert n.id is not None
    return int(n.id)


def test_new_nominal_without_a_review_date_is_due(store: Any) -> None:
    nid = _person(store)
    queue = review.review_queue(store, as_of=TODAY)
    assert [(i.entity, i.id, i.due) for i in queue] == [("nominal", nid, None)]
    assert queue[0].due_text == "no review date recorded"
    assert SURNAME.upper() in queue[0].label


def test_retain_records_the_decision_and_leaves_the_queue(store: Any) -> None:
    nid = _person(store)
    review.retain(
        store,
        "nominal",
        nid,
        next_review=dt.date(2030, 1, 1),
        rationale="still an active principal in a mapped OCG",
        group=2,
        today=TODAY,
    )
    assert review.review_queue(store, as_of=TODAY) == []
    assert [i.id for i in review.review_queue(store, as_of=dt.date(2030, 1, 1))] == [nid]
    (decision,) = review.decisions(store, "nominal", nid)
    assert decision[1:6] == ("2026-11-01", "analyst.test", "retain", 2, "2030-01-01")
    row = audit.rows(store, action="review")[0]
    assert row.entity == "nominal" and row.entity_id == str(nid)
    assert "retain" in row.summary and SURNAME not in row.summary


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"next_review": dt.date(2026, 10, 1)}, "next_review"),
        ({"next_review": dt.date(2040, 1, 1)}, "next_review"),
        ({"rationale": "ok"}, "rationale"),
        ({"rationale": "x" * 3000}, "rationale"),
        ({"group": 7}, "group"),
        ({"group": "two"}, "group"),
    ],
)
def test_retain_refuses_bad_input_with_nothing_written(
    store: Any, kwargs: dict[str, Any], field: str
) -> None:
    nid = _person(store)
    base: dict[str, Any] = {
        "next_review": dt.date(2028, 1, 1),
        "rationale": "active member, intelligence current",
        "today": TODAY,
    }
    base.update(kwargs)
    before = list(store.conn.iterdump())
    with pytest.raises(ValidationError) as info:
        review.retain(store, "nominal", nid, **base)
    assert info.value.field == field
    assert list(store.conn.iterdump()) == before


def test_unknown_records_are_named(store: Any) -> None:
    with pytest.raises(NotFoundError, match="no nominal with id 99"):
        review.retain(
            store, "nominal", 99, next_review=dt.date(2028, 1, 1), rationale="a good reason here"
        )
    with pytest.raises(ValidationError, match="unknown record kind"):
        review.dispose(store, "ocg", 1, rationale="a good reason here")


def test_viewer_and_analyst_cannot_decide(store: Any) -> None:
    nid = _person(store)
    before = list(store.conn.iterdump())
    for role in ("viewer", "analyst"):
        act_as(store, f"{role}.x", role)
        with pytest.raises(PermissionDenied):
            review.dispose(store, "nominal", nid, rationale="no longer needed for policing")
        with pytest.raises(PermissionDenied):
            review.retain(
                store, "nominal", nid, next_review=dt.date(2028, 1, 1), rationale="still needed"
            )
    assert len(list(store.conn.iterdump())) == len(before) + 2  # only the two act_as users


def test_disposal_rationale_may_not_name_the_person(store: Any) -> None:
    nid = _person(store)
    with pytest.raises(ValidationError, match="must not name the person"):
        review.dispose(store, "nominal", nid, rationale=f"{SURNAME} has moved abroad")


def _all_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_disposed_nominal_leaves_no_trace_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    s = open_store(path)
    ocg, _ = register.create_ocg(s, Ocg(name="Harbour crew"))
    nid = _person(s)
    other, _ = register.create_nominal(s, Nominal(surname="Keepme"))
    n = register.update_nominal(
        s, Nominal(id=nid, surname=SURNAME, forenames=FORENAMES, aliases=(ALIAS,), version=1)
    )[0]
    assert n.version == 2
    register.add_membership(s, Membership(ocg_id=ocg.id, nominal_id=nid, role=Role.PRINCIPAL))  # type: ignore[arg-type]
    records.open_nominal_record(s, nid)
    records.open_ocg_detail(s, int(ocg.id))  # type: ignore[arg-type]
    review.retain(
        s,
        "nominal",
        nid,
        next_review=dt.date.today() + dt.timedelta(days=30),
        rationale=f"watching {FORENAMES} closely",
    )
    s.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # make sure pages reach the main file too
    needles = [SURNAME, FORENAMES, ALIAS, "seen at the docks"]
    assert all(x.encode() in _all_bytes(path) for x in needles[:3])

    report, _ = review.dispose(s, "nominal", nid, rationale="no continuing policing purpose")
    assert report.compacted
    # every table that refers to nominals is swept (disruption_nominals: issue 5)
    # every table that refers to nominals is visited (found from the schema); only these held rows
    assert {k: v for k, v in report.deleted.items() if v} == {"memberships": 1, "nominals": 1}
    assert {"associations", "disruption_nominals"} <= set(report.deleted)
    assert audit.verify_chain(s) is None
    # the tombstone: a dispose row naming only the id, and the decision
    tomb = audit.rows(s, action="dispose")[0]
    assert tomb.entity == "nominal" and tomb.entity_id == str(nid)
    assert [d[3] for d in review.decisions(s, "nominal", nid)] == ["retain", "dispose"]
    assert review.decisions(s, "nominal", nid)[0][6] == review.ERASED_RATIONALE
    # the other person and the OCG are untouched
    assert register.groups.get_nominal(s, int(other.id)).surname == "Keepme"  # type: ignore[arg-type]
    s.close()

    data = _all_bytes(path)
    for needle in needles:
        for variant in {needle, needle.upper(), needle.lower()}:
            assert variant.encode() not in data, variant
    s = open_store(path)
    assert audit_trail.verify(s) is None
    s.close()


def test_disposal_while_another_connection_reads_reports_pending_compaction(
    tmp_path: Path,
) -> None:
    path = tmp_path / "d.db"
    s = open_store(path)
    nid = _person(s)
    reader = open_store(path)
    reader.conn.execute("BEGIN")
    reader.conn.execute("SELECT COUNT(*) FROM nominals").fetchone()  # holds a snapshot
    report, _ = review.dispose(s, "nominal", nid, rationale="no continuing policing purpose")
    assert not report.compacted
    reader.conn.execute("ROLLBACK")
    reader.close()
    assert review.compact_file(s)
    s.close()
    assert SURNAME.encode() not in _all_bytes(path)


def test_intelligence_is_due_six_years_after_it_was_reported(store: Any) -> None:
    store.conn.execute(
        "INSERT INTO intel (id, reported_on, category, text) VALUES (1, '2019-05-01', 'drugs', 'x'),"
        " (2, '2024-05-01', 'drugs', 'y')"
    )
    store.conn.commit()
    due = review.review_queue(store, as_of=TODAY)
    assert [(i.entity, i.id, i.due) for i in due] == [("intel", 1, "2025-05-01")]
    report, _ = review.dispose(store, "intel", 1, rationale="graded E, no policing purpose")
    assert report.deleted == {"intel": 1}
    assert review.queue_counts(store, as_of=TODAY) == {"nominal": 0, "intel": 0}


@pytest.mark.sqlite_only  # adds tables by hand; a server's tables come from 'server init'
def test_tables_added_by_later_features_are_covered(store: Any) -> None:
    """A feature's table pointing at nominals is found from the schema, not from a list."""
    store.conn.executescript(
        "CREATE TABLE feature_notes (id INTEGER PRIMARY KEY, person INTEGER NOT NULL"
        " REFERENCES nominals(id) ON DELETE CASCADE, note TEXT);"
        "CREATE TABLE pinned (id INTEGER PRIMARY KEY, who INTEGER REFERENCES nominals(id));"
    )
    nid = _person(store)
    with store.atomic():
        store.conn.execute(
            "INSERT INTO feature_notes (person, note) VALUES (?, 'exploited')", [nid]
        )
        audit.record(
            store,
            action="create",
            entity="feature_notes",
            entity_id=1,
            summary="feature note recorded",
            after={"person": nid, "note": "exploited"},
        )
        store.conn.execute("INSERT INTO pinned (who) VALUES (?)", [nid])
    before = list(store.conn.iterdump())
    with pytest.raises(SocmapError, match="pinned still refer to it"):
        review.dispose(store, "nominal", nid, rationale="no continuing policing purpose")
    assert list(store.conn.iterdump()) == before
    store.conn.execute("DELETE FROM pinned")
    store.conn.commit()
    report, _ = review.dispose(store, "nominal", nid, rationale="no continuing policing purpose")
    assert report.deleted["feature_notes"] == 1
    erased = audit.rows(store, entity="feature_notes")[0]
    assert erased.payload == audit.TOMBSTONE
    assert audit.verify_chain(store) is None
