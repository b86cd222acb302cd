"""Replacing a database's areas, and re-assigning everything located to them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from socmap.domain.changes import Changes
from socmap.domain.roles import Permission
from socmap.geo.areas import AreaIndex
from socmap.geo.layers import AreaShape
from socmap.services.auth import require
from socmap.store import areas as area_store
from socmap.store import audit, geo_rows
from socmap.store.db import Store


@dataclass(frozen=True)
class ReassignReport:
    """How many located records landed in an area, and how many are outside the force."""

    locations_total: int
    locations_outside: int
    nominals_total: int
    nominals_outside: int
    intel_total: int
    intel_outside: int


def reassign_all(store: Store, index: AreaIndex) -> ReassignReport:
    """Re-assign every location, nominal address and intelligence point (caller's transaction)."""
    totals = []
    for table in ("locations", "nominals", "intel"):
        ids, xs, ys = geo_rows.coordinates(store, table)
        assigned = index.assign(xs, ys) if len(ids) else np.zeros(0, dtype=np.int64)
        geo_rows.set_areas(store, table, ids, assigned)
        located = np.isfinite(xs) & np.isfinite(ys) if len(ids) else np.zeros(0, dtype=bool)
        totals.append((int(located.sum()), int((located & (assigned == 0)).sum())))
    (lt, lo), (nt, no), (it, io) = totals
    return ReassignReport(lt, lo, nt, no, it, io)


def shapes_digest(shapes: Sequence[AreaShape]) -> str:
    """A content hash of the boundaries, for the audit trail."""
    h = hashlib.sha256()
    for s in shapes:
        h.update(s.name.encode())
        h.update(s.wkb)
    return h.hexdigest()


def replace_areas(
    store: Store,
    shapes: Sequence[AreaShape],
    *,
    source: str,
    attribution: str = "",
) -> tuple[ReassignReport, Changes]:
    """Replace the database's areas with ``shapes`` (EPSG:27700), in one transaction.

    OCG lead areas and nominals are matched to the new areas by name; every located record is
    re-assigned. Returns what was left outside the force.
    """
    require(store, Permission.ADMIN, action="replace the force's area boundaries")
    with store.atomic():
        old_names = area_store.area_names_by_id(store)
        lead_names = geo_rows.lead_area_names(store, old_names)
        area_store.delete_all(store)
        new_ids = {}
        for s in shapes:
            new_ids[s.name.casefold()] = area_store.insert_area(
                store,
                name=s.name,
                code=s.code,
                geom_wkb=s.wkb,
                bounds=tuple(float(v) for v in s.geometry.bounds),  # type: ignore[arg-type]
                area_km2=s.area_km2,
                source=source,
                attribution=attribution,
            )
        geo_rows.set_lead_areas(
            store, {oid: new_ids.get(name.casefold()) for oid, name in lead_names.items()}
        )
        rows = area_store.area_rows(store)
        index = AreaIndex.from_wkb([r.id for r in rows], [r.geom_wkb for r in rows])
        report = reassign_all(store, index)
        audit.record(
            store,
            action="import",
            entity="areas",
            summary=f"replaced areas from {source}: {len(shapes)} areas",
            after={"areas": [s.name for s in shapes], "report": report.__dict__},
            extra={"source": source, "sha256": shapes_digest(shapes), "attribution": attribution},
        )
    return report, Changes.everything()
