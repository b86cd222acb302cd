"""Rows <-> local policing areas. Geometry is stored as WKB in EPSG:27700 (bytes here)."""

from __future__ import annotations

from dataclasses import dataclass

from socmap.domain.groups import Area
from socmap.domain.ids import AreaId
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


def list_areas(store: Store) -> list[Area]:
    """All areas, by name."""
    return [
        Area(AreaId(i), n, c)
        for i, n, c in store.conn.execute("SELECT id, name, code FROM areas ORDER BY name")
    ]


def area_rows(store: Store) -> list[AreaRow]:
    """All areas with geometry, by id."""
    return [
        AreaRow(AreaId(r[0]), r[1], r[2], r[3], (r[4], r[5], r[6], r[7]), r[8], r[9], r[10])
        for r in store.conn.execute(
            "SELECT id, name, code, geom_wkb, minx, miny, maxx, maxy, area_km2, source, attribution"
            " FROM areas ORDER BY id"
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
    """Area id -> name."""
    return dict(store.conn.execute("SELECT id, name FROM areas").fetchall())


def delete_all(store: Store) -> None:
    """Remove every area (references to them are set to NULL by the schema)."""
    store.conn.execute("DELETE FROM areas")
