"""Bulk reads for the map and briefing maps: areas, OCG locations, intelligence points.

Hot paths use plain ``sqlite3`` tuples and numpy (perf notes: fetchall is the fastest load).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from socmap.store.db import Store


def area_geometries(store: Store) -> list[tuple[int, str, bytes, float]]:
    """(id, name, geom_wkb, area_km2) of every current (not retired) area, by id."""
    return store.conn.execute(
        "SELECT id, name, geom_wkb, area_km2 FROM areas WHERE retired_on IS NULL ORDER BY id"
    ).fetchall()


def area_attributions(store: Store) -> list[str]:
    """The distinct non-empty attribution texts of the stored areas."""
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT attribution FROM areas WHERE attribution <> '' ORDER BY attribution"
        )
    ]


def active_ocgs_by_lead_area(store: Store) -> dict[int, int]:
    """Area id -> number of active OCGs whose lead area it is."""
    return dict(
        store.conn.execute(
            "SELECT lead_area_id, COUNT(*) FROM ocgs WHERE status = 'active'"
            " AND lead_area_id IS NOT NULL GROUP BY lead_area_id"
        ).fetchall()
    )


def active_lead_areas(store: Store) -> list[tuple[int, int]]:
    """(OCG id, lead area id) of every active OCG that has a lead area."""
    return store.conn.execute(
        "SELECT id, lead_area_id FROM ocgs WHERE status = 'active' AND lead_area_id IS NOT NULL"
    ).fetchall()


def ocg_rows(store: Store, *, area_id: int | None = None) -> list[tuple[Any, ...]]:
    """(id, name, status, primary_market, secondary_markets JSON, lead_area_id, identified_on,
    member count, marking) of every OCG (or those led from or located in one area), by id."""
    where, params = "", []
    if area_id is not None:
        where = (
            " WHERE o.lead_area_id = ? OR o.id IN (SELECT ocg_id FROM locations WHERE area_id = ?)"
        )
        params = [area_id, area_id]
    return store.conn.execute(
        "SELECT o.id, o.name, o.status, o.primary_market, o.secondary_markets, o.lead_area_id,"
        " o.identified_on, (SELECT COUNT(*) FROM memberships m WHERE m.ocg_id = o.id"
        '  AND m."end" IS NULL), o.marking'
        f" FROM ocgs o{where} ORDER BY o.id",
        params,
    ).fetchall()


def location_rows(store: Store, *, area_id: int | None = None) -> list[tuple[Any, ...]]:
    """(location id, ocg id, kind, easting, northing, area_id) of every OCG location (in one
    area), by id."""
    where, params = ("", []) if area_id is None else (" WHERE area_id = ?", [area_id])
    return store.conn.execute(
        "SELECT id, ocg_id, kind, easting, northing, COALESCE(area_id, 0) FROM locations"
        f"{where} ORDER BY id",
        params,
    ).fetchall()


#: rows read at a time by :func:`intel_points`
INTEL_CHUNK_ROWS = 20_000


def intel_points(
    store: Store, *, area_id: int | None = None
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray, list[tuple[str, str, str, str]]
]:
    """Located intelligence as arrays: (x, y, category code, categories, grading code, gradings).

    ``categories[code]`` names a category; ``gradings[code]`` is (scheme, grade, handling,
    marking) as recorded, so a caller can judge handling once per distinct grading, not per row.
    """
    sql = (
        "SELECT easting, northing, category, COALESCE(grading_scheme, ''), COALESCE(grade, ''),"
        " COALESCE(handling, ''), COALESCE(marking, '') FROM intel"
        " WHERE easting IS NOT NULL AND northing IS NOT NULL"
    )
    params: list[Any] = []
    if area_id is not None:
        sql += " AND area_id = ?"
        params.append(area_id)
    cursor = store.conn.execute(sql + " ORDER BY id", params)
    xs: list[float] = []
    ys: list[float] = []
    cat_codes: list[int] = []
    grading_codes: list[int] = []
    cat_index: dict[str, int] = {}
    grading_index: dict[tuple[str, str, str, str], int] = {}
    # in chunks: one C call over a million rows (``zip(*rows)``, ``fetchall``) holds the GIL
    # for most of a second, freezing the window that waits for it; so does the garbage
    # collector walking a million live tuples
    while chunk := cursor.fetchmany(INTEL_CHUNK_ROWS):
        for x, y, c, scheme, grade, handling, marking in chunk:
            xs.append(x)
            ys.append(y)
            cat_codes.append(cat_index.setdefault(c, len(cat_index)))
            grading_codes.append(
                grading_index.setdefault((scheme, grade, handling, marking), len(grading_index))
            )
    if not xs:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.int16), [], np.zeros(0, dtype=np.int16), []
    x = np.array(xs, dtype=np.float64)
    y = np.array(ys, dtype=np.float64)
    cat = np.array(cat_codes, dtype=np.int16)
    grading = np.array(grading_codes, dtype=np.int16)
    return x, y, cat, list(cat_index), grading, list(grading_index)


_GRADING_KEY = (
    "COALESCE(grading_scheme, '') || '|' || COALESCE(grade, '') || '|' || COALESCE(handling, '')"
    " || '|' || COALESCE(marking, '')"
)


def intel_grading_summary(
    store: Store, *, area_id: int | None = None
) -> list[tuple[str, str, str, str, int, str | None]]:
    """(scheme, grade, handling, marking, count, latest report date) per distinct grading and
    marking recorded on located intelligence (in an area): one pass that serves both the
    handling filter and the data currency."""
    where, params = _intel_where(area_id, None)
    return store.conn.execute(
        "SELECT COALESCE(grading_scheme, ''), COALESCE(grade, ''), COALESCE(handling, ''),"
        " COALESCE(marking, ''),"
        f" COUNT(*), MAX(reported_on) FROM intel WHERE {where} GROUP BY 1, 2, 3, 4",
        params,
    ).fetchall()


def intel_xy(
    store: Store,
    *,
    area_id: int | None = None,
    gradings: list[tuple[str, str, str, str]] | None = None,
    every: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of located intelligence, optionally in one area and with one of ``gradings``
    ((scheme, grade, handling, marking) as recorded).

    The lean path for briefings: two floats a row, no per-row strings. ``every`` > 1 keeps
    only rows whose id is a multiple of it (a deterministic sample: the id sits in the
    area index, so skipped rows are never read from the table).
    """
    where, params = _intel_where(area_id, gradings)
    if every > 1:
        where += " AND id % ? = 0"
        params.append(int(every))
    sql = "SELECT easting, northing FROM intel WHERE " + where
    rows = store.conn.execute(sql, params).fetchall()
    if not rows:
        return np.zeros(0), np.zeros(0)
    arr = np.array(rows, dtype=np.float64)
    return arr[:, 0].copy(), arr[:, 1].copy()


def _intel_where(
    area_id: int | None, gradings: list[tuple[str, str, str, str]] | None
) -> tuple[str, list[Any]]:
    sql = "easting IS NOT NULL AND northing IS NOT NULL"
    params: list[Any] = []
    if area_id is not None:
        sql += " AND area_id = ?"
        params.append(area_id)
    if gradings is not None:
        if not gradings:
            return "0", []
        sql += f" AND {_GRADING_KEY} IN ({','.join('?' * len(gradings))})"
        params.extend("|".join(g) for g in gradings)
    return sql, params


def latest_intel_date(store: Store, *, area_id: int) -> str | None:
    """The latest report date of the intelligence in one area (ISO), or None."""
    row = store.conn.execute(
        "SELECT MAX(reported_on) FROM intel WHERE area_id = ?", [area_id]
    ).fetchone()
    return row[0] if row and row[0] else None


def latest_ocg_date(store: Store) -> str | None:
    """The latest identified or archived date on any OCG (ISO), or None."""
    row = store.conn.execute(
        "SELECT MAX(MAX(COALESCE(identified_on, '')), MAX(COALESCE(archived_on, ''))) FROM ocgs"
    ).fetchone()
    return row[0] if row and row[0] else None


#: Every (table, column) holding the date something happened or was recorded: what "data current
#: to" counts. Dates ahead (reviews, expiries), birth dates and workflow/system times are not.
RECORD_DATES: tuple[tuple[str, str], ...] = (
    ("intel", "reported_on"),
    ("ocgs", "identified_on"),
    ("ocgs", "archived_on"),
    ("memberships", "start"),
    ("memberships", "end"),
    ("associations", "start"),
    ("associations", "end"),
    ("ocg_links", "start"),
    ("ocg_links", "end"),
    ("assessments", "assessed_on"),
    ("schedule_triggers", "on_date"),
    ("ocg_lifecycle", "on_date"),
    ("disruptions", "occurred_on"),
    ("partner_ocg_links", "since"),
    ("profile_contributions", "supplied_on"),
    ("at_risk", "opened_on"),
    ("at_risk", "closed_on"),
    ("at_risk_indicators", "observed_on"),
    ("exploitation", "start"),
    ("exploitation", "end"),
    ("interventions", "start"),
    ("interventions", "end"),
)


def latest_record_date(
    store: Store, *, with_intel: bool = True, today: dt.date | None = None
) -> str | None:
    """The latest date recorded on any record of any type (ISO, first 10 characters), or None.

    Never after ``today`` (default: the real today, the day an export is produced): a date
    ahead (a planned end, a mistyped year) is not data the product is current to.
    ``with_intel=False`` leaves intelligence out (a briefing on one area counts its own).
    """
    cap = (today or dt.date.today()).isoformat()
    parts = [
        f'SELECT MAX(substr("{column}", 1, 10)) AS d FROM "{table}"'
        f' WHERE substr("{column}", 1, 10) <= ?'
        for table, column in RECORD_DATES
        if with_intel or table != "intel"
    ]
    row = store.conn.execute(
        f"SELECT MAX(d) FROM ({' UNION ALL '.join(parts)})", [cap] * len(parts)
    ).fetchone()
    return row[0] if row and row[0] else None


def force_name(store: Store) -> str:
    """The force's name from ``meta`` ('' when none is recorded)."""
    row = store.conn.execute("SELECT value FROM meta WHERE key = 'force_name'").fetchone()
    return str(row[0]) if row else ""


def area_id_named(store: Store, name: str) -> int | None:
    """The id of the current area called ``name`` (case-insensitive), or None (retired areas
    have no place on a map)."""
    row = store.conn.execute(
        "SELECT id FROM areas WHERE lower(name) = lower(?) AND retired_on IS NULL", [name.strip()]
    ).fetchone()
    return int(row[0]) if row else None


def meta_value(store: Store, key: str) -> str | None:
    """A value from ``meta``, or None."""
    row = store.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else None


def ocg_location_kinds(
    store: Store, ocg_ids: list[int], *, audience: str
) -> dict[int, list[tuple[str, int]]]:
    """OCG id -> [(location kind, area id or 0)], by location id; partners get no base kind."""
    out: dict[int, list[tuple[str, int]]] = {i: [] for i in ocg_ids}
    if not ocg_ids:
        return out
    marks = ",".join("?" * len(ocg_ids))
    for oid, kind, aid in store.conn.execute(
        f"SELECT ocg_id, kind, COALESCE(area_id, 0) FROM locations WHERE ocg_id IN ({marks})"
        " ORDER BY id",
        ocg_ids,
    ):
        if audience == "partner" and kind == "base":
            continue
        out[oid].append((kind, aid))
    return out
