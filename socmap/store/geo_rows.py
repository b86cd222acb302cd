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
        # Rows whose area did not change are not rewritten (no page or index churn).
        f'UPDATE "{table}" SET area_id = ?1 WHERE id = ?2 AND area_id IS NOT ?1',
        ((int(a) or None, int(i)) for i, a in zip(ids.tolist(), area_ids.tolist(), strict=True)),
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


def ocg_names(store: Store, ids: list[int]) -> dict[int, str]:
    """OCG id -> name for ``ids``."""
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        out.update(
            store.conn.execute(f"SELECT id, name FROM ocgs WHERE id IN ({marks})", chunk).fetchall()
        )
    return out


def location_area_counts(
    store: Store, ocg_id: int | None = None
) -> list[tuple[int, int | None, int]]:
    """(ocg id, area id or None outside every area, number of locations), by OCG then area."""
    where, args = ("WHERE ocg_id = ?", [ocg_id]) if ocg_id is not None else ("", [])
    return [
        (int(o), None if a is None else int(a), int(n))
        for o, a, n in store.conn.execute(
            f"SELECT ocg_id, area_id, COUNT(*) FROM locations {where}"
            " GROUP BY ocg_id, area_id ORDER BY ocg_id, area_id",
            args,
        )
    ]


def unlocated_area_names(store: Store, table: str, names_by_id: dict[int, str]) -> dict[int, str]:
    """Row id -> area name of rows that have an area but no coordinates (set by hand)."""
    x_col, _y_col = _XY[table]
    return {
        int(i): names_by_id[a]
        for i, a in store.conn.execute(
            f'SELECT id, area_id FROM "{table}" WHERE "{x_col}" IS NULL AND area_id IS NOT NULL'
        )
        if a in names_by_id
    }


def set_area_ids(store: Store, table: str, area_by_row: dict[int, int | None]) -> None:
    """Set the area id of the given rows (None: no area)."""
    _XY[table]  # only located tables
    store.conn.executemany(
        f'UPDATE "{table}" SET area_id = ? WHERE id = ?',
        [(a, i) for i, a in area_by_row.items()],
    )
