"""Rows <-> network records: associations, OCG links, people at risk, indicators, interventions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from socmap.domain.errors import ConflictError, NotFoundError
from socmap.domain.network import (
    Association,
    AtRiskPerson,
    Exploitation,
    Indicator,
    Intervention,
    OcgLink,
)
from socmap.store.bulk import execute_many
from socmap.store.db import Store


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


#: The dated, sourced, graded tail that associations, OCG links and exploitation rows share.
_GRADED_COLS = 'start, "end", source, grading_scheme, grade, handling, handling_conditions'


def _graded_fields(row: Sequence[Any], first: int) -> dict[str, Any]:
    """Dataclass keywords read from the ``_GRADED_COLS`` columns starting at ``row[first]``."""
    start, end, source, scheme, grade, handling, conditions = row[first : first + 7]
    return {
        "start": _d(start),
        "end": _d(end),
        "source": source,
        "grading_scheme": scheme or "",
        "grade": grade or "",
        "handling": handling or "",
        "handling_conditions": conditions or "",
    }


def _graded_values(x: Association | OcgLink | Exploitation) -> list[Any]:
    """Values for the ``_GRADED_COLS`` columns."""
    return [
        _iso(x.start),
        _iso(x.end),
        x.source,
        x.grading_scheme,
        x.grade,
        x.handling,
        x.handling_conditions,
    ]


# ------------------------------------------------------------------------------- associations

_ASSOC_COLS = f"id, nominal_a, nominal_b, kind, {_GRADED_COLS}"


def _assoc(row: Sequence[Any]) -> Association:
    return Association(
        id=row[0],
        nominal_a=row[1],
        nominal_b=row[2],
        kind=row[3],
        **_graded_fields(row, 4),
    )


def insert_association(store: Store, a: Association) -> Association:
    """Insert a person link; returns it with its id."""
    cur = store.conn.execute(
        f"INSERT INTO associations ({_ASSOC_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [a.id, a.nominal_a, a.nominal_b, a.kind, *_graded_values(a)],
    )
    return get_association(store, int(cur.lastrowid or 0))


def get_association(store: Store, association_id: int) -> Association:
    """One person link; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {_ASSOC_COLS} FROM associations WHERE id = ?", [association_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no association with id {association_id}")
    return _assoc(row)


def delete_association(store: Store, association_id: int) -> None:
    """Remove a person link."""
    store.conn.execute("DELETE FROM associations WHERE id = ?", [association_id])


def associations_of(store: Store, nominal_id: int) -> list[Association]:
    """Every link touching one person."""
    return [
        _assoc(r)
        for r in store.conn.execute(
            f"SELECT {_ASSOC_COLS} FROM associations WHERE nominal_a = ? OR nominal_b = ?"
            " ORDER BY id",
            [nominal_id, nominal_id],
        )
    ]


def association_rows(store: Store) -> list[tuple[Any, ...]]:
    """All person links as tuples (id, a, b, kind, start, end, scheme, grade, handling)."""
    return store.conn.execute(
        'SELECT id, nominal_a, nominal_b, kind, start, "end", grading_scheme, grade, handling'
        " FROM associations"
    ).fetchall()


# ---------------------------------------------------------------------------------- OCG links

_LINK_COLS = f"id, ocg_a, ocg_b, kind, {_GRADED_COLS}, notes"


def _link(row: Sequence[Any]) -> OcgLink:
    return OcgLink(
        id=row[0],
        ocg_a=row[1],
        ocg_b=row[2],
        kind=row[3],
        **_graded_fields(row, 4),
        notes=row[11],
    )


def _link_values(link: OcgLink) -> list[Any]:
    return [link.id, link.ocg_a, link.ocg_b, link.kind, *_graded_values(link), link.notes]


def insert_ocg_link(store: Store, link: OcgLink) -> OcgLink:
    """Insert a group link; returns it with its id."""
    cur = store.conn.execute(
        f"INSERT INTO ocg_links ({_LINK_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        _link_values(link),
    )
    return get_ocg_link(store, int(cur.lastrowid or 0))


def insert_ocg_links(store: Store, links: Iterable[OcgLink]) -> int:
    """Bulk-insert group links (demo); returns how many were written."""
    return execute_many(
        store,
        f"INSERT INTO ocg_links ({_LINK_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [_link_values(x) for x in links],
    )


def get_ocg_link(store: Store, link_id: int) -> OcgLink:
    """One group link; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {_LINK_COLS} FROM ocg_links WHERE id = ?", [link_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no OCG link with id {link_id}")
    return _link(row)


def delete_ocg_link(store: Store, link_id: int) -> None:
    """Remove a group link."""
    store.conn.execute("DELETE FROM ocg_links WHERE id = ?", [link_id])


def ocg_links(store: Store) -> list[OcgLink]:
    """Every group link."""
    return [_link(r) for r in store.conn.execute(f"SELECT {_LINK_COLS} FROM ocg_links ORDER BY id")]


# ------------------------------------------------------------------------- people and groups


def membership_rows(store: Store) -> list[tuple[Any, ...]]:
    """Every membership as (ocg_id, nominal_id, role, start, end)."""
    return store.conn.execute(
        'SELECT ocg_id, nominal_id, role, start, "end" FROM memberships'
    ).fetchall()


def nominal_rows(store: Store, ids: Iterable[int] | None = None) -> list[tuple[Any, ...]]:
    """(id, surname, forenames, date_of_birth, area_id) for the given people (all when None)."""
    sql = "SELECT id, surname, forenames, date_of_birth, area_id FROM nominals"
    if ids is None:
        return store.conn.execute(sql).fetchall()
    wanted = sorted(set(ids))
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(wanted), 900):
        chunk = wanted[i : i + 900]
        out += store.conn.execute(
            f"{sql} WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
    return out


def ocg_rows(store: Store) -> list[tuple[Any, ...]]:
    """(id, name, status, lead_area_id) of every group."""
    return store.conn.execute("SELECT id, name, status, lead_area_id FROM ocgs").fetchall()


def area_names(store: Store) -> dict[int, str]:
    """Area id -> name."""
    return dict(store.conn.execute("SELECT id, name FROM areas").fetchall())


def area_id_by_name(store: Store, name: str) -> int | None:
    """The id of the area called ``name`` (case-insensitive), or None."""
    row = store.conn.execute(
        "SELECT id FROM areas WHERE lower(name) = lower(?)", [name.strip()]
    ).fetchone()
    return int(row[0]) if row else None


def memberships_of_nominal(store: Store, nominal_id: int) -> list[int]:
    """OCG ids the person is (or was) recorded as a member of."""
    return [
        int(r[0])
        for r in store.conn.execute(
            "SELECT DISTINCT ocg_id FROM memberships WHERE nominal_id = ? ORDER BY ocg_id",
            [nominal_id],
        )
    ]


def intel_counts_by_ocg(store: Store) -> dict[int, int]:
    """Number of intelligence reports per OCG."""
    return dict(
        store.conn.execute(
            "SELECT ocg_id, COUNT(*) FROM intel WHERE ocg_id IS NOT NULL GROUP BY ocg_id"
        ).fetchall()
    )


# ---------------------------------------------------------------------------- people at risk

_AR_COLS = (
    "id, nominal_id, risk_level, rationale, vulnerability_factors, owner, opened_on,"
    " review_date, closed_on"
)


#: what a read returns: the written columns and the version
_AR_READ = _AR_COLS + ", version"


def _ar(row: Sequence[Any]) -> AtRiskPerson:
    return AtRiskPerson(
        version=row[9],
        id=row[0],
        nominal_id=row[1],
        risk_level=row[2],
        rationale=row[3],
        vulnerability_factors=tuple(json.loads(row[4])),
        owner=row[5],
        opened_on=_d(row[6]),
        review_date=_d(row[7]) or dt.date.min,
        closed_on=_d(row[8]),
    )


def _ar_values(p: AtRiskPerson) -> list[Any]:
    return [
        p.id,
        p.nominal_id,
        p.risk_level,
        p.rationale,
        json.dumps(list(p.vulnerability_factors)),
        p.owner,
        _iso(p.opened_on),
        _iso(p.review_date),
        _iso(p.closed_on),
    ]


def insert_at_risk(store: Store, p: AtRiskPerson) -> AtRiskPerson:
    """Insert a person-at-risk record; returns it with its id."""
    store.conn.execute(
        f"INSERT INTO at_risk ({_AR_COLS}) VALUES (?,?,?,?,?,?,?,?,?)", _ar_values(p)
    )
    got = get_at_risk(store, p.nominal_id)
    assert got is not None
    return got


def insert_at_risk_many(store: Store, people: Iterable[AtRiskPerson]) -> int:
    """Bulk-insert person-at-risk records (demo)."""
    return execute_many(
        store,
        f"INSERT INTO at_risk ({_AR_COLS}) VALUES (?,?,?,?,?,?,?,?,?)",
        [_ar_values(p) for p in people],
    )


def update_at_risk(store: Store, p: AtRiskPerson, *, expected_version: int) -> AtRiskPerson:
    """Save an edited record (risk level, rationale, factors, owner, review date, closure)
    over ``expected_version``, compare and set: ConflictError when someone saved first."""
    cur = store.conn.execute(
        "UPDATE at_risk SET risk_level = ?, rationale = ?, vulnerability_factors = ?, owner = ?,"
        " review_date = ?, closed_on = ?, version = ? WHERE nominal_id = ? AND version = ?",
        [
            p.risk_level,
            p.rationale,
            json.dumps(list(p.vulnerability_factors)),
            p.owner,
            _iso(p.review_date),
            _iso(p.closed_on),
            expected_version + 1,
            p.nominal_id,
            expected_version,
        ],
    )
    if cur.rowcount == 0:
        raise ConflictError(
            f"the at-risk record of person {p.nominal_id} was changed by someone else since it "
            "was read; reload it and make your edit again"
        )
    got = get_at_risk(store, p.nominal_id)
    assert got is not None
    return got


def get_at_risk(store: Store, nominal_id: int) -> AtRiskPerson | None:
    """The person's at-risk record, or None."""
    row = store.conn.execute(
        f"SELECT {_AR_READ} FROM at_risk WHERE nominal_id = ?", [nominal_id]
    ).fetchone()
    return _ar(row) if row else None


def delete_at_risk(store: Store, nominal_id: int) -> None:
    """Remove an at-risk record (undo of a creation)."""
    store.conn.execute("DELETE FROM at_risk WHERE nominal_id = ?", [nominal_id])


def at_risk_records(store: Store) -> list[AtRiskPerson]:
    """Every person-at-risk record."""
    return [_ar(r) for r in store.conn.execute(f"SELECT {_AR_READ} FROM at_risk ORDER BY id")]


def at_risk_ids(store: Store) -> set[int]:
    """Nominal ids of every person at risk."""
    return {int(r[0]) for r in store.conn.execute("SELECT nominal_id FROM at_risk")}


def is_at_risk(store: Store, nominal_id: int) -> bool:
    """True when the person has an at-risk record."""
    return (
        store.conn.execute("SELECT 1 FROM at_risk WHERE nominal_id = ?", [nominal_id]).fetchone()
        is not None
    )


# -------------------------------------------------------------------------------- indicators

_IND_COLS = "id, nominal_id, indicator, observed_on, source, notes"


def _ind(row: Sequence[Any]) -> Indicator:
    return Indicator(
        id=row[0],
        nominal_id=row[1],
        indicator=row[2],
        observed_on=_d(row[3]) or dt.date.min,
        source=row[4],
        notes=row[5],
    )


def insert_indicators(store: Store, items: Iterable[Indicator]) -> int:
    """Insert dated indicators; returns how many were written."""
    return execute_many(
        store,
        f"INSERT INTO at_risk_indicators ({_IND_COLS}) VALUES (?,?,?,?,?,?)",
        [(i.id, i.nominal_id, i.indicator, _iso(i.observed_on), i.source, i.notes) for i in items],
    )


def last_indicator_id(store: Store) -> int:
    """The highest indicator id."""
    return int(
        store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM at_risk_indicators").fetchone()[0]
    )


def delete_indicator(store: Store, indicator_id: int) -> None:
    """Remove one indicator."""
    store.conn.execute("DELETE FROM at_risk_indicators WHERE id = ?", [indicator_id])


def indicators(store: Store) -> list[Indicator]:
    """Every dated indicator, oldest first."""
    return [
        _ind(r)
        for r in store.conn.execute(
            f"SELECT {_IND_COLS} FROM at_risk_indicators ORDER BY observed_on, id"
        )
    ]


# ------------------------------------------------------------------------------ exploitation

_EX_COLS = f"id, at_risk_nominal_id, exploiter_nominal_id, {_GRADED_COLS}"


def _ex(row: Sequence[Any]) -> Exploitation:
    return Exploitation(
        id=row[0],
        at_risk_nominal_id=row[1],
        exploiter_nominal_id=row[2],
        **_graded_fields(row, 3),
    )


def insert_exploitations(store: Store, items: Iterable[Exploitation]) -> list[int]:
    """Insert "exploited by" links; returns their ids."""
    ids = []
    for e in items:
        cur = store.conn.execute(
            f"INSERT INTO exploitation ({_EX_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [e.id, e.at_risk_nominal_id, e.exploiter_nominal_id, *_graded_values(e)],
        )
        ids.append(int(cur.lastrowid or 0))
    return ids


def exploitations(store: Store) -> list[Exploitation]:
    """Every "exploited by" link."""
    return [_ex(r) for r in store.conn.execute(f"SELECT {_EX_COLS} FROM exploitation ORDER BY id")]


# ----------------------------------------------------------------------------- interventions

_IV_COLS = 'id, nominal_id, kind, lead_partner, start, "end", outcome, review_date, notes'


def _iv(row: Sequence[Any]) -> Intervention:
    return Intervention(
        id=row[0],
        nominal_id=row[1],
        kind=row[2],
        lead_partner=row[3],
        start=_d(row[4]) or dt.date.min,
        end=_d(row[5]),
        outcome=row[6],
        review_date=_d(row[7]),
        notes=row[8],
    )


def _iv_values(iv: Intervention) -> list[Any]:
    return [
        iv.id,
        iv.nominal_id,
        iv.kind,
        iv.lead_partner,
        _iso(iv.start),
        _iso(iv.end),
        iv.outcome,
        _iso(iv.review_date),
        iv.notes,
    ]


def insert_interventions(store: Store, items: Iterable[Intervention]) -> list[int]:
    """Insert interventions; returns their ids."""
    ids = []
    for iv in items:
        cur = store.conn.execute(
            f"INSERT INTO interventions ({_IV_COLS}) VALUES (?,?,?,?,?,?,?,?,?)", _iv_values(iv)
        )
        ids.append(int(cur.lastrowid or 0))
    return ids


def get_intervention(store: Store, intervention_id: int) -> Intervention:
    """One intervention; NotFoundError when there is none."""
    row = store.conn.execute(
        f"SELECT {_IV_COLS} FROM interventions WHERE id = ?", [intervention_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"there is no intervention with id {intervention_id}")
    return _iv(row)


def update_intervention(store: Store, iv: Intervention) -> Intervention:
    """Save an edited intervention (end, outcome, review date, notes)."""
    store.conn.execute(
        'UPDATE interventions SET kind = ?, lead_partner = ?, start = ?, "end" = ?, outcome = ?,'
        " review_date = ?, notes = ? WHERE id = ?",
        [*_iv_values(iv)[2:], iv.id],
    )
    return get_intervention(store, iv.id or 0)


def interventions(store: Store) -> list[Intervention]:
    """Every intervention, by start date."""
    return [
        _iv(r)
        for r in store.conn.execute(f"SELECT {_IV_COLS} FROM interventions ORDER BY start, id")
    ]


# --------------------------------------------------------------------------------- proposals


def insert_decision(
    store: Store,
    *,
    nominal_id: int,
    proposed_on: dt.date,
    reason: str,
    decision: str,
    decided_by: str,
    note: str,
) -> int:
    """Record a person's decision on a proposal; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO at_risk_proposals (nominal_id, proposed_on, reason, decision, decided_by,"
        " note) VALUES (?,?,?,?,?,?)",
        [nominal_id, proposed_on.isoformat(), reason, decision, decided_by, note],
    )
    return int(cur.lastrowid or 0)


def decisions(store: Store) -> list[tuple[int, int, str, str, str, str, str]]:
    """(id, nominal_id, proposed_on, reason, decision, decided_by, note), oldest first."""
    return store.conn.execute(
        "SELECT id, nominal_id, proposed_on, reason, decision, decided_by, note"
        " FROM at_risk_proposals ORDER BY id"
    ).fetchall()


def insert_nominal_rows(store: Store, rows: Sequence[Sequence[Any]]) -> int:
    """Bulk-insert people at risk as persons (demo): (id, surname, forenames, dob, area_id, x, y)."""
    return execute_many(
        store,
        "INSERT INTO nominals (id, surname, forenames, date_of_birth, area_id, address_x,"
        " address_y, flags) VALUES (?,?,?,?,?,?,?,'[]')",
        rows,
    )


def max_nominal_id(store: Store) -> int:
    """The highest person id."""
    return int(store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM nominals").fetchone()[0])


def insert_association_rows(store: Store, rows: Sequence[Sequence[Any]]) -> int:
    """Bulk-insert associations (a, b, kind, start, end, source, scheme, grade, handling)."""
    return execute_many(
        store,
        'INSERT INTO associations (nominal_a, nominal_b, kind, start, "end", source,'
        " grading_scheme, grade, handling) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )


def delete_intervention(store: Store, intervention_id: int) -> None:
    """Remove an intervention (undo of a creation)."""
    store.conn.execute("DELETE FROM interventions WHERE id = ?", [intervention_id])


def delete_decision(store: Store, decision_id: int) -> None:
    """Remove a proposal decision (undo)."""
    store.conn.execute("DELETE FROM at_risk_proposals WHERE id = ?", [decision_id])


def last_decision_id(store: Store) -> int:
    """The id of the latest proposal decision."""
    return int(
        store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM at_risk_proposals").fetchone()[0]
    )
