"""Bulk reads and writes of located rows (coordinates and area ids) for area assignment."""

from __future__ import annotations

import numpy as np

from socmap.store.db import Store

_XY = {
    "locations": ("easting", "northing"),
    "nominals": ("address_x", "address_y"),
    "intel": ("easting", "northing"),
}


def coordinates(store: Store, table: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, x, y) of every row of a located table; NaN where a coordinate is missing."""
    x_col, y_col = _XY[table]
    rows = store.conn.execute(
        f'SELECT id, "{x_col}", "{y_col}" FROM "{table}" ORDER BY id'
    ).fetchall()
    if not rows:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    arr = np.array(rows, dtype=np.float64)  # None becomes NaN
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2]


def set_areas(store: Store, table: str, ids: np.ndarray, area_ids: np.ndarray) -> None:
    """Write the assigned area (NULL for 0: outside the force) of each row."""
    _XY[table]  # only located tables
    store.conn.executemany(
        f'UPDATE "{table}" SET area_id = ? WHERE id = ?',
        ((int(a) or None, int(i)) for i, a in zip(ids, area_ids, strict=True)),
    )


def lead_area_names(store: Store, names_by_id: dict[int, str]) -> dict[int, str]:
    """OCG id -> the name of its lead area, for re-matching after areas are replaced."""
    return {
        oid: names_by_id[aid]
        for oid, aid in store.conn.execute(
            "SELECT id, lead_area_id FROM ocgs WHERE lead_area_id IS NOT NULL"
        )
        if aid in names_by_id
    }


def set_lead_areas(store: Store, lead: dict[int, int | None]) -> None:
    """Set each OCG's lead area id (None: no area of that name any more)."""
    store.conn.executemany(
        "UPDATE ocgs SET lead_area_id = ? WHERE id = ?", [(a, o) for o, a in lead.items()]
    )
