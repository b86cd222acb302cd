"""Read-only queries behind a profile's live data sections (one area at a time)."""

from __future__ import annotations

import json
from typing import Any

from socmap.store.db import Store

#: OCGs "active in the area": active status, led from the area or with a location in it.
#: (A non-correlated union: SQLite builds it once, where a correlated EXISTS scanned the
#: area's locations once per group: 4 s instead of milliseconds at national scale.)
_ACTIVE_IN_AREA = (
    "SELECT id FROM ocgs WHERE status = 'active' AND lead_area_id = :area"
    " UNION SELECT o.id FROM locations l JOIN ocgs o ON o.id = l.ocg_id"
    " WHERE l.area_id = :area AND o.status = 'active'"
)


def active_ocgs(store: Store, area_id: int) -> list[tuple[Any, ...]]:
    """(id, name, primary_market, secondary_markets list, lead_area_id, lro, current members,
    marking)."""
    rows = store.conn.execute(
        "SELECT o.id, o.name, o.primary_market, o.secondary_markets, o.lead_area_id, o.lro,"
        ' (SELECT COUNT(*) FROM memberships m WHERE m.ocg_id = o.id AND m."end" IS NULL),'
        f" o.marking FROM ocgs o WHERE o.id IN ({_ACTIVE_IN_AREA}) ORDER BY o.id",
        {"area": area_id},
    ).fetchall()
    return [(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows]


def principals(store: Store, area_id: int) -> list[tuple[Any, ...]]:
    """(ocg id, ocg name, nominal id, surname, forenames, flags list) for current principals."""
    rows = store.conn.execute(
        "SELECT o.id, o.name, n.id, n.surname, n.forenames, n.flags FROM memberships m"
        " JOIN ocgs o ON o.id = m.ocg_id JOIN nominals n ON n.id = m.nominal_id"
        f" WHERE m.role = 'principal' AND m.\"end\" IS NULL AND o.id IN ({_ACTIVE_IN_AREA})"
        " ORDER BY o.id, n.surname",
        {"area": area_id},
    ).fetchall()
    return [(*r[:5], json.loads(r[5])) for r in rows]


def cross_border(store: Store, area_id: int) -> list[tuple[int, str, str, str, int]]:
    """(ocg id, name, lead area name, other area name, locations there) for OCGs reaching across.

    Both directions: groups led from this area with locations elsewhere, and groups led from
    elsewhere with locations here.
    """
    rows = store.conn.execute(
        "SELECT o.id, o.name, COALESCE(la.name, '(none)'), COALESCE(xa.name, '(outside the force)'),"
        " COUNT(*) FROM ocgs o JOIN locations l ON l.ocg_id = o.id"
        " LEFT JOIN areas la ON la.id = o.lead_area_id LEFT JOIN areas xa ON xa.id = l.area_id"
        " WHERE o.status = 'active' AND ("
        "  (o.lead_area_id = :area AND (l.area_id IS NULL OR l.area_id <> :area))"
        "  OR (o.lead_area_id IS NOT :area AND l.area_id = :area))"
        " GROUP BY o.id, o.name, la.name, xa.name ORDER BY o.id, xa.name",
        {"area": area_id},
    ).fetchall()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def county_lines(store: Store, area_id: int) -> list[tuple[int, str, int]]:
    """(ocg id, name, members flagged county lines) for OCGs active in the area."""
    return [
        tuple(r)  # type: ignore[misc]
        for r in store.conn.execute(
            "SELECT o.id, o.name, COUNT(DISTINCT n.id) FROM ocgs o"
            ' JOIN memberships m ON m.ocg_id = o.id AND m."end" IS NULL'
            " JOIN nominals n ON n.id = m.nominal_id"
            " WHERE n.flags LIKE '%\"county_lines\"%'"
            f" AND o.id IN ({_ACTIVE_IN_AREA}) GROUP BY o.id ORDER BY 3 DESC, o.id",
            {"area": area_id},
        )
    ]


def intel_by_category(
    store: Store, area_id: int, *, since: str
) -> list[tuple[str, str | None, str | None, str | None, str, str, int]]:
    """(category, scheme, grade, handling, conditions, marking, count) of the area's intelligence."""
    return [
        tuple(r)  # type: ignore[misc]
        for r in store.conn.execute(
            "SELECT category, grading_scheme, grade, handling, handling_conditions, marking,"
            " COUNT(*) FROM intel WHERE area_id = ? AND reported_on >= ?"
            " GROUP BY 1, 2, 3, 4, 5, 6",
            [area_id, since],
        )
    ]


def nominal_names(store: Store) -> list[tuple[str, str]]:
    """(surname, forenames) of every nominal: the partner version redacts these from narrative."""
    return store.conn.execute("SELECT surname, forenames FROM nominals").fetchall()


def identity_rows(
    store: Store,
) -> tuple[list[tuple[int, str, str, str, str]], list[tuple[int, str, str]], list[str]]:
    """What identifies people and groups, for redaction: (id, surname, forenames, aliases JSON,
    address) of every nominal, (id, name, aliases JSON) of every OCG, and every location label
    (an address)."""
    nominals = store.conn.execute(
        "SELECT id, surname, forenames, aliases, address_label FROM nominals"
    ).fetchall()
    ocgs = store.conn.execute("SELECT id, name, aliases FROM ocgs").fetchall()
    labels = [
        r[0] for r in store.conn.execute("SELECT DISTINCT label FROM locations WHERE label <> ''")
    ]
    return nominals, ocgs, labels


def area_names(store: Store) -> dict[int, str]:
    """Area id -> name."""
    return dict(store.conn.execute("SELECT id, name FROM areas").fetchall())
