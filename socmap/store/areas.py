"""Rows <-> local policing areas. Geometry is stored as WKB in EPSG:27700 (bytes here)."""

from __future__ import annotations

from dataclasses import dataclass

from socmap.domain.groups import Area
from socmap.domain.ids import AreaId
from socmap.store import dialect
from socmap.store.db import Store


@dataclass(frozen=True)
class AreaRow:
    """An area with its geometry as stored."""

    id: AreaId
    name: str
    code: str
    geom_wkb: bytes
    bounds: tuple[float, float, float, float]
    area_km2: float
    source: str
    attribution: str
    retired_on: str | None = None


def _current(include_retired: bool) -> str:
    return "" if include_retired else " WHERE retired_on IS NULL"


def list_areas(store: Store, *, include_retired: bool = False) -> list[Area]:
    """The current areas (retired ones too with ``include_retired``), by name."""
    return [
        Area(AreaId(i), n, c, r)
        for i, n, c, r in store.conn.execute(
            f"SELECT id, name, code, retired_on FROM areas{_current(include_retired)} ORDER BY name"
        )
    ]


def area_rows(store: Store, *, include_retired: bool = False) -> list[AreaRow]:
    """The current areas (retired ones too with ``include_retired``) with geometry, by id."""
    return [
        AreaRow(AreaId(r[0]), r[1], r[2], r[3], (r[4], r[5], r[6], r[7]), r[8], r[9], r[10], r[11])
        for r in store.conn.execute(
            "SELECT id, name, code, geom_wkb, minx, miny, maxx, maxy, area_km2, source, attribution,"
            f" retired_on FROM areas{_current(include_retired)} ORDER BY id"
        )
    ]


def area_id_by_name(store: Store, name: str) -> AreaId | None:
    """The id of the area called ``name`` (case-insensitive), or None."""
    row = store.conn.execute(
        "SELECT id FROM areas WHERE lower(name) = lower(?)", [name.strip()]
    ).fetchone()
    return AreaId(row[0]) if row else None


def insert_area(
    store: Store,
    *,
    name: str,
    code: str,
    geom_wkb: bytes,
    bounds: tuple[float, float, float, float],
    area_km2: float,
    source: str = "",
    attribution: str = "",
    area_id: int | None = None,
) -> AreaId:
    """Insert one area; returns its id."""
    cur = store.conn.execute(
        "INSERT INTO areas (id, name, code, geom_wkb, minx, miny, maxx, maxy, area_km2, source,"
        " attribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [area_id, name, code, geom_wkb, *bounds, area_km2, source, attribution],
    )
    return AreaId(int(cur.lastrowid or 0))


def area_names_by_id(store: Store) -> dict[int, str]:
    """Area id -> name, retired areas included (records that name them stay readable)."""
    return dict(store.conn.execute("SELECT id, name FROM areas").fetchall())


def update_area(
    store: Store,
    area_id: int,
    *,
    name: str,
    code: str,
    geom_wkb: bytes,
    bounds: tuple[float, float, float, float],
    area_km2: float,
    source: str,
    attribution: str,
) -> None:
    """Give an existing area new boundaries (same id, so all that hangs on it stays); un-retire it."""
    store.conn.execute(
        "UPDATE areas SET name = ?, code = ?, geom_wkb = ?, minx = ?, miny = ?, maxx = ?, maxy = ?,"
        " area_km2 = ?, source = ?, attribution = ?, retired_on = NULL, retired_by = ''"
        " WHERE id = ?",
        [name, code, geom_wkb, *bounds, area_km2, source, attribution, area_id],
    )


def park_names(store: Store, area_ids: list[int]) -> None:
    """Give areas a placeholder name so that names can be swapped without a UNIQUE clash."""
    store.conn.executemany(
        "UPDATE areas SET name = char(1) || 'renaming-' || id WHERE id = ?",
        [(i,) for i in area_ids],
    )


def retire_area(store: Store, area_id: int, *, on: str, by: str) -> None:
    """Retire an area: kept with its geometry and history, out of current lists and assignment."""
    store.conn.execute(
        "UPDATE areas SET retired_on = ?, retired_by = ? WHERE id = ?", [on, by, area_id]
    )


def attached_counts(store: Store) -> dict[int, dict[str, int]]:
    """Area id -> {"table.column": rows that refer to it} for every foreign key to ``areas``.

    Read from the schema, so tables that features add later are counted without code changes.
    """
    out: dict[int, dict[str, int]] = {}
    for t in dialect.user_tables(store.conn):
        for fk in dialect.foreign_key_list(store.conn, t):
            if fk[2] != "areas":
                continue
            col = fk[3]
            for aid, n in store.conn.execute(
                f'SELECT "{col}", COUNT(*) FROM "{t}" WHERE "{col}" IS NOT NULL GROUP BY "{col}"'
            ):
                out.setdefault(int(aid), {})[f"{t}.{col}"] = int(n)
    return out
