"""Rows <-> disruptions; and the read of approved assessments that "what works" compares.

The ``assessments`` table belongs to the scoring feature (issue 4), not to this module. The
query reads ``ocg_id, scheme, total, status, assessed_on`` and either ``max_total`` or
``config_id`` (the scoring configuration version, from which services work out the scheme's
maximum), with ``status = 'approved'`` for approved assessments and ``assessed_on`` an ISO date.
When the table (or those columns) is absent it returns nothing and score changes are unknown.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from socmap.domain.disruptions import Disruption
from socmap.domain.errors import NotFoundError
from socmap.store import dialect
from socmap.store.db import Store

ASSESSMENT_COLUMNS = ("ocg_id", "scheme", "total", "max_total", "status", "assessed_on")

_COLUMNS = (
    "id, ocg_id, occurred_on, strand, tactic_area, tactic, level, rationale, lead_agency,"
    " lead_partner_id, lessons, status, recorded_by, approver, approved_on, second_approver,"
    " second_approved_on, marking"
)


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _from_rows(
    store: Store, rows: list[Sequence[Any]], *, with_links: bool = True
) -> list[Disruption]:
    partners: dict[int, list[int]] = defaultdict(list)
    nominals: dict[int, list[int]] = defaultdict(list)
    if with_links and rows:
        ids = {r[0] for r in rows}
        for did, pid in store.conn.execute(
            "SELECT disruption_id, partner_id FROM disruption_partners"
        ):
            if did in ids:
                partners[did].append(pid)
        for did, nid in store.conn.execute(
            "SELECT disruption_id, nominal_id FROM disruption_nominals"
        ):
            if did in ids:
                nominals[did].append(nid)
    return [
        Disruption(
            id=r[0],
            ocg_id=r[1],
            occurred_on=dt.date.fromisoformat(r[2]),
            strand=r[3],
            tactic_area=r[4],
            tactic=r[5],
            level=r[6],
            rationale=r[7],
            lead_agency=r[8],
            lead_partner_id=r[9],
            lessons=r[10],
            status=r[11],
            recorded_by=r[12],
            approver=r[13],
            approved_on=_d(r[14]),
            second_approver=r[15],
            second_approved_on=_d(r[16]),
            marking=r[17],
            partner_ids=tuple(sorted(partners.get(r[0], ()))),
            nominal_ids=tuple(sorted(nominals.get(r[0], ()))),
        )
        for r in rows
    ]


def list_disruptions(
    store: Store, *, ocg_id: int | None = None, area_id: int | None = None
) -> list[Disruption]:
    """Disruptions by date (of one OCG, or of OCGs whose lead area is ``area_id``)."""
    sql = f"SELECT {', '.join('d.' + c.strip() for c in _COLUMNS.split(','))} FROM disruptions d"
    params: list[Any] = []
    if area_id is not None:
        sql += " JOIN ocgs o ON o.id = d.ocg_id WHERE o.lead_area_id = ?"
        params.append(area_id)
        if ocg_id is not None:
            sql += " AND d.ocg_id = ?"
            params.append(ocg_id)
    elif ocg_id is not None:
        sql += " WHERE d.ocg_id = ?"
        params.append(ocg_id)
    sql += " ORDER BY d.occurred_on, d.id"
    return _from_rows(store, store.conn.execute(sql, params).fetchall())


def get_disruption(store: Store, disruption_id: int) -> Disruption:
    """One disruption; NotFoundError when absent."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM disruptions WHERE id = ?", [disruption_id]
    ).fetchall()
    if not rows:
        raise NotFoundError(f"there is no disruption with id {disruption_id}")
    return _from_rows(store, rows)[0]


def insert_disruption(store: Store, d: Disruption) -> Disruption:
    """Insert a disruption with its partners and nominals; returns it with its id."""
    cur = store.conn.execute(
        f"INSERT INTO disruptions ({_COLUMNS}) VALUES ({', '.join('?' * 18)})",
        [
            d.id,
            d.ocg_id,
            d.occurred_on.isoformat(),
            d.strand,
            d.tactic_area,
            d.tactic,
            d.level,
            d.rationale,
            d.lead_agency,
            d.lead_partner_id,
            d.lessons,
            d.status,
            d.recorded_by,
            d.approver,
            _iso(d.approved_on),
            d.second_approver,
            _iso(d.second_approved_on),
            d.marking,
        ],
    )
    did = d.id or int(cur.lastrowid or 0)
    store.conn.executemany(
        "INSERT INTO disruption_partners (disruption_id, partner_id) VALUES (?, ?)",
        [(did, p) for p in d.partner_ids],
    )
    store.conn.executemany(
        "INSERT INTO disruption_nominals (disruption_id, nominal_id) VALUES (?, ?)",
        [(did, n) for n in d.nominal_ids],
    )
    return dataclasses.replace(d, id=did)


def update_approval(store: Store, d: Disruption) -> None:
    """Write a disruption's status and approvers."""
    store.conn.execute(
        "UPDATE disruptions SET status = ?, approver = ?, approved_on = ?, second_approver = ?,"
        " second_approved_on = ? WHERE id = ?",
        [
            d.status,
            d.approver,
            _iso(d.approved_on),
            d.second_approver,
            _iso(d.second_approved_on),
            d.id,
        ],
    )


def ocg_state(store: Store, ocg_id: int) -> tuple[str, dt.date | None, int | None] | None:
    """(status, archived_on, lead_area_id) of an OCG, or None when there is no such OCG."""
    row = store.conn.execute(
        "SELECT status, archived_on, lead_area_id FROM ocgs WHERE id = ?", [ocg_id]
    ).fetchone()
    return (row[0], _d(row[1]), row[2]) if row else None


def existing_ids(store: Store, table: str, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` exist in ``table`` (partners, nominals or ocgs)."""
    if table not in ("partners", "nominals", "ocgs"):
        raise ValueError(f"unknown table {table!r}")
    found: set[int] = set()
    ids = list(ids)
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(
            r[0] for r in store.conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
        )
    return found


def disruption_rows(store: Store) -> list[tuple[Any, ...]]:
    """(id, ocg_id, occurred_on, strand, tactic, level, status, lead_area_id) of every disruption."""
    return store.conn.execute(
        "SELECT d.id, d.ocg_id, d.occurred_on, d.strand, d.tactic, d.level, d.status,"
        " o.lead_area_id FROM disruptions d JOIN ocgs o ON o.id = d.ocg_id"
        " ORDER BY d.occurred_on, d.id"
    ).fetchall()


def _assessment_columns(store: Store) -> set[str]:
    return {r[1] for r in dialect.table_info(store.conn, "assessments")}


def assessments_available(store: Store) -> bool:
    """True when an ``assessments`` table with the columns "what works" needs exists."""
    cols = _assessment_columns(store)
    return set(ASSESSMENT_COLUMNS) - {"max_total"} <= cols and bool(
        {"max_total", "config_id"} & cols
    )


def approved_assessment_rows(
    store: Store, *, ocg_ids: Sequence[int] | None = None
) -> list[tuple[int, str, float, int | None, float | None, dt.date]]:
    """(ocg_id, scheme, total, config_id, max_total, assessed_on) of approved assessments.

    Reads the scoring feature's ``assessments`` table: ``max_total`` when the table has it,
    else ``config_id`` (the scheme's configuration version, whose maximum the caller works
    out). Returns ``[]`` when the table or those columns are absent.
    """
    if not assessments_available(store):
        return []
    cols = _assessment_columns(store)
    config = "config_id" if "config_id" in cols else "NULL"
    maximum = "max_total" if "max_total" in cols else "NULL"
    sql = (
        f"SELECT ocg_id, scheme, total, {config}, {maximum}, assessed_on FROM assessments"
        " WHERE status = 'approved' AND total IS NOT NULL"
    )
    params: list[Any] = []
    ids = list(ocg_ids) if ocg_ids is not None else None
    if ids is not None:
        if not ids:
            return []
        if len(ids) <= 500:
            sql += f" AND ocg_id IN ({', '.join('?' for _ in ids)})"
            params = ids
    sql += " ORDER BY ocg_id, assessed_on, id"
    wanted = set(ids) if ids is not None else None
    return [
        (
            int(r[0]),
            str(r[1]),
            float(r[2]),
            int(r[3]) if r[3] is not None else None,
            float(r[4]) if r[4] is not None else None,
            dt.date.fromisoformat(str(r[5])[:10]),
        )
        for r in store.conn.execute(sql, params)
        if wanted is None or r[0] in wanted
    ]
