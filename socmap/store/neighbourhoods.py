"""Rows <-> neighbourhoods (areas inside areas), each located row's neighbourhood, and places.

Geometry is WKB in EPSG:27700. A neighbourhood is identified by (area, name): names repeat
across areas (two wards called 'Abbey' in different districts) but not within one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from socmap.store.db import Store

#: Located tables and their coordinate columns (the same three as area assignment).
LOCATED = {
    "locations": ("easting", "northing"),
    "nominals": ("address_x", "address_y"),
    "intel": ("easting", "northing"),
}


@dataclass(frozen=True)
class NeighbourhoodRow:
    """A neighbourhood as stored."""

    id: int
    area_id: int | None
    area_name: str | None
    name: str
    code: str
    geom_wkb: bytes
    bounds: tuple[float, float, float, float]
    area_km2: float
    source: str
    attribution: str


def neighbourhood_rows(store: Store) -> list[NeighbourhoodRow]:
    """Every neighbourhood with its area's name, by area name then name."""
    return [
        NeighbourhoodRow(
            int(r[0]), r[1], r[2], r[3], r[4], r[5], (r[6], r[7], r[8], r[9]), r[10], r[11], r[12]
        )
        for r in store.conn.execute(
            "SELECT n.id, n.area_id, a.name, n.name, n.code, n.geom_wkb, n.minx, n.miny, n.maxx,"
            " n.maxy, n.area_km2, n.source, n.attribution FROM neighbourhoods n"
            " LEFT JOIN areas a ON a.id = n.area_id"
            " ORDER BY COALESCE(a.name, ''), lower(n.name), n.id"
        )
    ]


def count(store: Store) -> int:
    """How many neighbourhoods there are."""
    return int(store.conn.execute("SELECT COUNT(*) FROM neighbourhoods").fetchone()[0])


def signature(store: Store) -> tuple[object, ...]:
    """Changes whenever a neighbourhood is added, removed, reshaped or moved to another area."""
    return tuple(
        store.conn.execute(
            "SELECT COUNT(*), MAX(id), TOTAL(area_km2), TOTAL(COALESCE(area_id, 0) * id),"
            " TOTAL(minx + miny + maxx + maxy) FROM neighbourhoods"
        ).fetchone()
    )


def keys_by_id(store: Store) -> dict[int, tuple[int | None, str]]:
    """Neighbourhood id -> (area id, name) for matching a re-import."""
    return {
        int(i): (a, n)
        for i, a, n in store.conn.execute("SELECT id, area_id, name FROM neighbourhoods")
    }


def insert(
    store: Store,
    *,
    area_id: int | None,
    name: str,
    code: str,
    geom_wkb: bytes,
    bounds: tuple[float, float, float, float],
    area_km2: float,
    source: str,
    attribution: str,
) -> int:
    """Insert one neighbourhood; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO neighbourhoods (area_id, name, code, geom_wkb, minx, miny, maxx, maxy,"
        " area_km2, source, attribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [area_id, name, code, geom_wkb, *bounds, area_km2, source, attribution],
    )
    return int(cur.lastrowid or 0)


def update(
    store: Store,
    nid: int,
    *,
    area_id: int | None,
    name: str,
    code: str,
    geom_wkb: bytes,
    bounds: tuple[float, float, float, float],
    area_km2: float,
    source: str,
    attribution: str,
) -> None:
    """Replace one neighbourhood's outline and details, keeping its id."""
    store.conn.execute(
        "UPDATE neighbourhoods SET area_id = ?, name = ?, code = ?, geom_wkb = ?, minx = ?,"
        " miny = ?, maxx = ?, maxy = ?, area_km2 = ?, source = ?, attribution = ? WHERE id = ?",
        [area_id, name, code, geom_wkb, *bounds, area_km2, source, attribution, nid],
    )


def set_area(store: Store, nid: int, area_id: int | None) -> None:
    """Set the area a neighbourhood belongs to."""
    store.conn.execute("UPDATE neighbourhoods SET area_id = ? WHERE id = ?", [area_id, nid])


def delete(store: Store, ids: list[int]) -> None:
    """Remove neighbourhoods (rows that were in them keep everything but the reference)."""
    store.conn.executemany("DELETE FROM neighbourhoods WHERE id = ?", [(i,) for i in ids])


def located_rows(
    store: Store, table: str, *, only_unassigned: bool = False, only_ids: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ids, x, y, area id or 0) of the located rows of a table (optionally only those with
    no neighbourhood yet, or only ``only_ids``)."""
    x_col, y_col = LOCATED[table]
    where = f'"{x_col}" IS NOT NULL AND "{y_col}" IS NOT NULL'
    params: list[int] = []
    if only_unassigned:
        where += " AND neighbourhood_id IS NULL"
    if only_ids is not None:
        where += f" AND id IN ({','.join('?' * len(only_ids))})" if only_ids else " AND 0"
        params = [int(i) for i in only_ids]
    rows = store.conn.execute(
        f'SELECT id, "{x_col}", "{y_col}", COALESCE(area_id, 0) FROM "{table}" WHERE {where}'
        " ORDER BY id",
        params,
    ).fetchall()
    if not rows:
        e = np.zeros(0)
        return e.astype(np.int64), e, e, e.astype(np.int64)
    arr = np.array(rows, dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2], arr[:, 3].astype(np.int64)


def set_neighbourhoods(store: Store, table: str, ids: np.ndarray, nids: np.ndarray) -> None:
    """Write each row's neighbourhood (NULL for 0); unchanged rows are not rewritten."""
    LOCATED[table]  # only located tables
    store.conn.executemany(
        f'UPDATE "{table}" SET neighbourhood_id = ?1 WHERE id = ?2 AND neighbourhood_id IS NOT ?1',
        ((int(n) or None, int(i)) for i, n in zip(ids.tolist(), nids.tolist(), strict=True)),
    )


def clear_unlocated(store: Store, table: str) -> None:
    """Rows without coordinates have no neighbourhood."""
    x_col, y_col = LOCATED[table]
    store.conn.execute(
        f'UPDATE "{table}" SET neighbourhood_id = NULL WHERE neighbourhood_id IS NOT NULL'
        f' AND ("{x_col}" IS NULL OR "{y_col}" IS NULL)'
    )


def neighbourhood_counts(store: Store, table: str) -> dict[int, int]:
    """Neighbourhood id -> number of rows of ``table`` in it."""
    LOCATED[table]
    return dict(
        store.conn.execute(
            f'SELECT neighbourhood_id, COUNT(*) FROM "{table}" WHERE neighbourhood_id IS NOT NULL'
            " GROUP BY neighbourhood_id"
        ).fetchall()
    )


def ocg_ids_in(store: Store, nid: int) -> set[int]:
    """OCGs with at least one location in the neighbourhood."""
    return {
        int(r[0])
        for r in store.conn.execute(
            "SELECT DISTINCT ocg_id FROM locations WHERE neighbourhood_id = ?", [nid]
        )
    }


def location_neighbourhoods(store: Store, ocg_ids: list[int]) -> dict[int, int | None]:
    """Location id -> neighbourhood id for the locations of ``ocg_ids``."""
    out: dict[int, int | None] = {}
    for start in range(0, len(ocg_ids), 500):
        chunk = ocg_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        out.update(
            store.conn.execute(
                f"SELECT id, neighbourhood_id FROM locations WHERE ocg_id IN ({marks})", chunk
            ).fetchall()
        )
    return out


def neighbourhood_of(store: Store, table: str, row_id: int) -> int | None:
    """The neighbourhood id of one row."""
    LOCATED[table]
    row = store.conn.execute(
        f'SELECT neighbourhood_id FROM "{table}" WHERE id = ?', [row_id]
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


# --- places ------------------------------------------------------------------------------------


def replace_places(store: Store, rows: list[tuple[Any, ...]]) -> None:
    """Replace every place with ``rows`` of (name, kind, population, x, y, source, attribution)."""
    store.conn.execute("DELETE FROM places")
    store.conn.executemany(
        "INSERT INTO places (name, kind, population, x, y, source, attribution)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def place_rows(
    store: Store, bounds: tuple[float, float, float, float] | None = None
) -> list[tuple[int, str, str, int | None, float, float]]:
    """(id, name, kind, population, x, y) of the places (inside ``bounds``), by id."""
    sql = "SELECT id, name, kind, population, x, y FROM places"
    params: list[Any] = []
    if bounds is not None:
        sql += " WHERE x BETWEEN ? AND ? AND y BETWEEN ? AND ?"
        params = [bounds[0], bounds[2], bounds[1], bounds[3]]
    return store.conn.execute(sql + " ORDER BY id", params).fetchall()


def place_attributions(store: Store) -> list[str]:
    """The distinct non-empty attribution texts of places and neighbourhoods."""
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT attribution FROM neighbourhoods WHERE attribution <> ''"
            " UNION SELECT DISTINCT attribution FROM places WHERE attribution <> '' ORDER BY 1"
        )
    ]


def place_count(store: Store) -> int:
    """How many places there are."""
    return int(store.conn.execute("SELECT COUNT(*) FROM places").fetchone()[0])


def ocg_location_neighbourhoods(
    store: Store, ocg_ids: list[int], *, audience: str
) -> dict[int, list[tuple[str, int, int]]]:
    """OCG id -> [(location kind, neighbourhood id or 0, area id or 0)], by location id;
    partners get no base (home) kind."""
    out: dict[int, list[tuple[str, int, int]]] = {i: [] for i in ocg_ids}
    for start in range(0, len(ocg_ids), 500):
        chunk = ocg_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for oid, kind, nid, aid in store.conn.execute(
            "SELECT ocg_id, kind, COALESCE(neighbourhood_id, 0), COALESCE(area_id, 0)"
            f" FROM locations WHERE ocg_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            if audience == "partner" and kind == "base":
                continue
            out[oid].append((kind, int(nid), int(aid)))
    return out


# --- basemaps ----------------------------------------------------------------------------------

BASEMAP_COLUMNS = (
    "id",
    "name",
    "kind",
    "source",
    "layer",
    "style",
    "class_field",
    "attribution",
    "in_briefings",
    "grid",
    "matrix_set",
)


def basemap_rows(store: Store) -> list[tuple[Any, ...]]:
    """Every configured basemap layer (columns as BASEMAP_COLUMNS), bottom first."""
    return store.conn.execute(
        f"SELECT {', '.join(BASEMAP_COLUMNS)} FROM basemaps ORDER BY position, id"
    ).fetchall()


def insert_basemap(store: Store, values: dict[str, Any]) -> int:
    """Add a basemap layer on top of the others; returns its id."""
    top = store.conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM basemaps").fetchone()[0]
    cols = [c for c in BASEMAP_COLUMNS if c != "id"]
    cur = store.conn.execute(
        f"INSERT INTO basemaps ({', '.join(cols)}, position) VALUES"
        f" ({', '.join('?' * len(cols))}, ?)",
        [values.get(c, "") for c in cols] + [top],
    )
    return int(cur.lastrowid or 0)


def basemap_row(store: Store, basemap_id: int) -> tuple[Any, ...] | None:
    """One basemap layer (columns as BASEMAP_COLUMNS), or None."""
    row: tuple[Any, ...] | None = store.conn.execute(
        f"SELECT {', '.join(BASEMAP_COLUMNS)} FROM basemaps WHERE id = ?", [basemap_id]
    ).fetchone()
    return row


def set_basemap_in_briefings(store: Store, basemap_id: int, on: bool) -> bool:
    """Draw a basemap layer in briefings by default, or not; False when there is no such id."""
    cur = store.conn.execute(
        "UPDATE basemaps SET in_briefings = ? WHERE id = ?", [1 if on else 0, basemap_id]
    )
    return cur.rowcount > 0


def delete_basemap(store: Store, basemap_id: int) -> bool:
    """Remove a basemap layer; False when there was none with that id."""
    cur = store.conn.execute("DELETE FROM basemaps WHERE id = ?", [basemap_id])
    return cur.rowcount > 0
