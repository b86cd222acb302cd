"""Scoring configurations, assessments, schedule triggers and archive decisions: all their SQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from socmap.domain.errors import NotFoundError
from socmap.domain.schedule import Trigger
from socmap.domain.scoring import Assessment, breakdown_from_json
from socmap.store.bulk import execute_many
from socmap.store.db import Store


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _now() -> str:
    # microseconds: an approval and a trigger recorded in the same second must still be ordered
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _ts(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    t = dt.datetime.fromisoformat(value)
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------------------- configurations


class ConfigRow(NamedTuple):
    """One stored configuration version."""

    id: int
    kind: str
    version: int
    body: dict[str, Any]
    created_by: str
    created_at: str
    note: str


def _config(row: tuple[Any, ...]) -> ConfigRow:
    return ConfigRow(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6])


_CONFIG_COLS = "id, kind, version, body, created_by, created_at, note"


def latest_config(store: Store, kind: str) -> ConfigRow:
    """The current (highest) version of configuration ``kind``."""
    row = store.conn.execute(
        f"SELECT {_CONFIG_COLS} FROM scoring_configs WHERE kind = ? ORDER BY version DESC LIMIT 1",
        [kind],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no '{kind}' configuration in this database")
    return _config(row)


def config_by_id(store: Store, config_id: int) -> ConfigRow:
    """A configuration version by its row id."""
    row = store.conn.execute(
        f"SELECT {_CONFIG_COLS} FROM scoring_configs WHERE id = ?", [config_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no configuration with id {config_id}")
    return _config(row)


def config_versions(store: Store, kind: str) -> list[ConfigRow]:
    """Every version of ``kind``, newest first."""
    return [
        _config(r)
        for r in store.conn.execute(
            f"SELECT {_CONFIG_COLS} FROM scoring_configs WHERE kind = ? ORDER BY version DESC",
            [kind],
        )
    ]


def insert_config(store: Store, *, kind: str, body: dict[str, Any], note: str) -> ConfigRow:
    """Add the next version of ``kind``."""
    (current,) = store.conn.execute(
        "SELECT COALESCE(MAX(version), 0) FROM scoring_configs WHERE kind = ?", [kind]
    ).fetchone()
    cur = store.conn.execute(
        "INSERT INTO scoring_configs (kind, version, body, created_by, created_at, note) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [kind, current + 1, json.dumps(body), store.actor, _now(), note],
    )
    return config_by_id(store, int(cur.lastrowid or 0))


# ------------------------------------------------------------------------------ assessments

_A_COLS = (
    "id, ocg_id, scheme, config_id, config_version, breakdown, total, band, assessor, "
    "assessed_on, source, based_on, status, approver, decided_on, return_reason, review, "
    "decided_at"
)
# a re-score (source 'rescore') is a re-calculation until its assessor marks it a full review
_A_INSERT = (
    "INSERT INTO assessments (ocg_id, scheme, config_id, config_version, breakdown, total, band, "
    "assessor, assessed_on, source, based_on, status, approver, decided_on, return_reason, "
    "review) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
    "CASE WHEN ?10 = 'rescore' THEN 'recalculation' ELSE 'full' END)"
)


def _assessment(row: tuple[Any, ...]) -> Assessment:
    return Assessment(
        id=row[0],
        ocg_id=row[1],
        scheme=row[2],
        config_id=row[3],
        config_version=row[4],
        breakdown=breakdown_from_json(json.loads(row[5])),
        total=row[6],
        band=row[7],
        assessor=row[8],
        assessed_on=dt.date.fromisoformat(row[9]),
        source=row[10],
        based_on=row[11],
        status=row[12],
        approver=row[13],
        decided_on=_d(row[14]),
        return_reason=row[15],
        review=row[16],
        decided_at=_ts(row[17]),
    )


AssessmentValues = Sequence[Any]
"""(ocg_id, scheme, config_id, config_version, breakdown_json, total, band, assessor,
assessed_on, source, based_on, status, approver, decided_on, return_reason)"""


def insert_assessment(store: Store, values: AssessmentValues) -> int:
    """Insert one assessment row; returns its id."""
    cur = store.conn.execute(_A_INSERT, list(values))
    return int(cur.lastrowid or 0)


def insert_assessments(store: Store, rows: Iterable[AssessmentValues]) -> int:
    """Insert many assessment rows in the caller's transaction; returns how many."""
    return execute_many(store, _A_INSERT, rows)


def get_assessment(store: Store, assessment_id: int) -> Assessment:
    """One assessment by id."""
    row = store.conn.execute(
        f"SELECT {_A_COLS} FROM assessments WHERE id = ?", [assessment_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no assessment with id {assessment_id}")
    return _assessment(row)


def assessments_of(store: Store, ocg_id: int) -> list[Assessment]:
    """Every assessment of one group, oldest first."""
    return [
        _assessment(r)
        for r in store.conn.execute(
            f"SELECT {_A_COLS} FROM assessments WHERE ocg_id = ? ORDER BY assessed_on, id",
            [ocg_id],
        )
    ]


def assessments_with_status(store: Store, statuses: Sequence[str]) -> list[Assessment]:
    """Assessments in any of ``statuses``, oldest first."""
    marks = ", ".join("?" for _ in statuses)
    return [
        _assessment(r)
        for r in store.conn.execute(
            f"SELECT {_A_COLS} FROM assessments WHERE status IN ({marks}) ORDER BY assessed_on, id",
            list(statuses),
        )
    ]


def set_workflow(
    store: Store,
    assessment_id: int,
    *,
    status: str,
    approver: str | None = None,
    decided_on: dt.date | None = None,
    return_reason: str = "",
) -> None:
    """Move an assessment on in its workflow (the score columns are immutable).

    A decision (``decided_on`` given) also records the moment it was made.
    """
    store.conn.execute(
        "UPDATE assessments SET status = ?, approver = ?, decided_on = ?, return_reason = ?, "
        "decided_at = ? WHERE id = ?",
        [
            status,
            approver,
            decided_on.isoformat() if decided_on else None,
            return_reason,
            _now() if decided_on else None,
            assessment_id,
        ],
    )


def mark_full_review(store: Store, assessment_id: int) -> None:
    """Record that a re-calculation's ratings were reviewed in full (it will restart the clock)."""
    store.conn.execute("UPDATE assessments SET review = 'full' WHERE id = ?", [assessment_id])


class FullReview(NamedTuple):
    """A group's last approved full review: what restarts its re-assessment clock."""

    assessment_id: int
    assessed_on: dt.date
    approved_at: dt.datetime | None


def latest_full_reviews(store: Store, ocg_id: int | None = None) -> dict[int, FullReview]:
    """ocg id -> its latest approved full review (re-calculations left out)."""
    # one index seek per group, not per approved assessment (3-4x faster at national scale)
    where = "" if ocg_id is None else " WHERE o.id = ?"
    rows = store.conn.execute(
        f"""
        SELECT a.ocg_id, a.id, a.assessed_on, a.decided_at, a.decided_on
        FROM ocgs o JOIN assessments a ON a.id = (
            SELECT b.id FROM assessments b
            WHERE b.ocg_id = o.id AND b.status = 'approved' AND b.review = 'full'
            ORDER BY b.assessed_on DESC, b.id DESC LIMIT 1){where}
        """,
        [] if ocg_id is None else [ocg_id],
    ).fetchall()
    return {
        r[0]: FullReview(
            r[1], dt.date.fromisoformat(r[2]), _ts(r[3]) or _ts(r[4] and r[4] + "T00:00:00")
        )
        for r in rows
    }


def latest_approved(
    store: Store, ocg_id: int | None = None
) -> dict[int, tuple[int, dt.date, str, float, str]]:
    """ocg id -> (assessment id, assessed_on, band, total, scheme) of its latest approved one
    (a full review or a re-calculation: the band it carries now)."""
    where = "" if ocg_id is None else " WHERE o.id = ?"
    rows = store.conn.execute(
        f"""
        SELECT a.ocg_id, a.id, a.assessed_on, a.band, a.total, a.scheme
        FROM ocgs o JOIN assessments a ON a.id = (
            SELECT b.id FROM assessments b
            WHERE b.ocg_id = o.id AND b.status = 'approved'
            ORDER BY b.assessed_on DESC, b.id DESC LIMIT 1){where}
        """,
        [] if ocg_id is None else [ocg_id],
    ).fetchall()
    return {r[0]: (r[1], dt.date.fromisoformat(r[2]), r[3], r[4], r[5]) for r in rows}


def latest_approved_breakdowns(
    store: Store, ocg_ids: Sequence[int] | None = None
) -> dict[int, tuple[int, str]]:
    """ocg id -> (assessment id, breakdown JSON) of its latest approved assessment."""
    rows = store.conn.execute(
        """
        SELECT a.ocg_id, a.id, a.breakdown
        FROM ocgs o JOIN assessments a ON a.id = (
            SELECT b.id FROM assessments b
            WHERE b.ocg_id = o.id AND b.status = 'approved'
            ORDER BY b.assessed_on DESC, b.id DESC LIMIT 1)
        """
    ).fetchall()
    wanted = set(ocg_ids) if ocg_ids is not None else None
    return {r[0]: (r[1], r[2]) for r in rows if wanted is None or r[0] in wanted}


def pending_counts(store: Store, *, config_id: int | None = None) -> dict[int, int]:
    """ocg id -> number of draft or submitted assessments (under ``config_id`` when given)."""
    sql = "SELECT ocg_id, COUNT(*) FROM assessments WHERE status IN ('draft', 'submitted')"
    params: list[Any] = []
    if config_id is not None:
        sql += " AND config_id = ?"
        params.append(config_id)
    return dict(store.conn.execute(sql + " GROUP BY ocg_id", params).fetchall())


# --------------------------------------------------------------------------------- triggers


def insert_trigger(store: Store, *, ocg_id: int, kind: str, on: dt.date, note: str) -> int:
    """Record a trigger against a group; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO schedule_triggers (ocg_id, kind, on_date, note, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [ocg_id, kind, on.isoformat(), note, store.actor, _now()],
    )
    return int(cur.lastrowid or 0)


def insert_triggers(store: Store, rows: Iterable[tuple[int, str, str, str]]) -> int:
    """Bulk-insert (ocg_id, kind, on_date, note) triggers for the demo.

    The demo writes history, so each trigger counts as recorded at noon on its event day (not
    when the demo was built, which would put every one after every approval).
    """
    return execute_many(
        store,
        "INSERT INTO schedule_triggers (ocg_id, kind, on_date, note, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(o, k, d, n, store.actor, f"{d}T12:00:00+00:00") for o, k, d, n in rows],
    )


def triggers_by_ocg(store: Store, ocg_id: int | None = None) -> dict[int, list[Trigger]]:
    """ocg id -> its triggers, oldest first (one group's when ``ocg_id`` is given)."""
    out: dict[int, list[Trigger]] = {}
    where = "" if ocg_id is None else " WHERE ocg_id = ?"
    for oid, kind, on, note, at in store.conn.execute(
        "SELECT ocg_id, kind, on_date, note, recorded_at FROM schedule_triggers"
        f"{where} ORDER BY on_date, id",
        [] if ocg_id is None else [ocg_id],
    ):
        out.setdefault(oid, []).append(Trigger(kind, dt.date.fromisoformat(on), note, _ts(at)))
    return out


# ------------------------------------------------------------------------ groups to schedule


class ScheduleSource(NamedTuple):
    """A group as the schedule needs it."""

    id: int
    name: str
    status: str
    area: str | None
    identified_on: dt.date | None
    lro: str


def schedule_sources(store: Store, statuses: Sequence[str]) -> list[ScheduleSource]:
    """Groups with one of ``statuses`` and their lead area's name, by id."""
    marks = ", ".join("?" for _ in statuses)
    return [
        ScheduleSource(r[0], r[1], r[2], r[3], _d(r[4]), r[5])
        for r in store.conn.execute(
            f"SELECT o.id, o.name, o.status, a.name, o.identified_on, o.lro FROM ocgs o "
            f"LEFT JOIN areas a ON a.id = o.lead_area_id WHERE o.status IN ({marks}) "
            "ORDER BY o.id",
            list(statuses),
        )
    ]


def ocg_status(store: Store, ocg_id: int) -> tuple[str, str]:
    """(name, status) of one group."""
    row = store.conn.execute("SELECT name, status FROM ocgs WHERE id = ?", [ocg_id]).fetchone()
    if row is None:
        raise NotFoundError(f"there is no OCG with id {ocg_id}")
    return row[0], row[1]


def insert_lifecycle(store: Store, *, ocg_id: int, action: str, on: dt.date, rationale: str) -> int:
    """Record an archive or reactivation decision."""
    cur = store.conn.execute(
        "INSERT INTO ocg_lifecycle (ocg_id, action, on_date, rationale, decided_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [ocg_id, action, on.isoformat(), rationale, store.actor, _now()],
    )
    return int(cur.lastrowid or 0)


def lifecycle_of(store: Store, ocg_id: int) -> list[tuple[str, str, str, str]]:
    """(action, on_date, rationale, decided_by) for one group, oldest first."""
    return store.conn.execute(
        "SELECT action, on_date, rationale, decided_by FROM ocg_lifecycle WHERE ocg_id = ? "
        "ORDER BY id",
        [ocg_id],
    ).fetchall()


def account_role(store: Store, account: str) -> str | None:
    """The role of ``account`` (None when not registered)."""
    row = store.conn.execute("SELECT role FROM users WHERE account = ?", [account]).fetchone()
    return row[0] if row else None
