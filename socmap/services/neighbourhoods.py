"""Neighbourhoods: a second level of areas inside the force's areas (issue 16).

A neighbourhood file is read like a boundary file (same formats, CRS handling, repairs and
refusals: ``geo.layers.read_boundaries``), but features are not dissolved across the force:
each feature belongs to the area that holds most of it, and names need only be unique within an
area (two wards called 'Abbey' in different districts stay two neighbourhoods). Features that
share a name inside one area are dissolved into one neighbourhood.

Every OCG location, nominal address and intelligence point gets the neighbourhood holding its
point (among its own area's neighbourhoods). A re-import keeps each neighbourhood's id where
(area, name) matches, so nothing attached to it is lost; neighbourhoods no longer in the file
are removed, which only clears the reference on the rows that were in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from socmap.domain.changes import Changes
from socmap.domain.errors import ImportFailed, NotFoundError, ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.geo.areas import AreaIndex
from socmap.geo.layers import AreaShape, polygonal_part, read_boundaries
from socmap.services.auth import require
from socmap.services.boundaries import file_sha256, shapes_digest
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas as area_store
from socmap.store import audit
from socmap.store import neighbourhoods as nb_store
from socmap.store.db import Store

#: A feature whose second-largest area share is at least this is reported as straddling.
STRADDLE_SHARE = 0.02


@dataclass(frozen=True)
class Neighbourhood:
    """A neighbourhood as lists and briefings show it."""

    id: int
    name: str
    area_id: int | None
    area: str | None
    area_km2: float
    bounds: tuple[float, float, float, float]
    code: str = ""

    @property
    def label(self) -> str:
        """``AREA/NAME``: unambiguous across the force."""
        return f"{self.area or 'no area'}/{self.name}"


@dataclass(frozen=True)
class NeighbourhoodImport:
    """What an import of a neighbourhood file did."""

    path: str
    layer: str
    source_crs: str
    features: int
    neighbourhoods: int
    kept: int
    added: int
    removed: tuple[str, ...]
    straddling: tuple[str, ...]
    repairs: tuple[str, ...]
    attribution: str
    assigned: dict[str, tuple[int, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as lines for people (CLI, dialog)."""
        out = [
            f"imported {self.neighbourhoods} neighbourhood(s) from {Path(self.path).name} "
            f"(layer '{self.layer}', {self.features} feature(s), {self.source_crs} -> "
            f"EPSG:27700): {self.kept} kept, {self.added} new, {len(self.removed)} removed",
        ]
        if self.removed:
            out.append("removed (no longer in the file): " + ", ".join(self.removed))
        if self.straddling:
            out.append(f"{len(self.straddling)} feature(s) straddle two areas:")
            out += ["  " + s for s in self.straddling]
        if self.repairs:
            out.append(f"{len(self.repairs)} invalid feature(s) repaired (make_valid):")
            out += ["  " + r for r in self.repairs]
        else:
            out.append("no feature needed repair")
        if self.attribution:
            out.append(f"attribution: {self.attribution}")
        labels = {"locations": "OCG locations", "nominals": "nominal addresses"}
        for table, (located, inside) in self.assigned.items():
            out.append(
                f"{labels.get(table, 'intelligence points')}: {located:,} located, "
                f"{inside:,} in a neighbourhood"
            )
        return out


def _area_of(
    geom: object, areas: Sequence[tuple[int, str, object]]
) -> tuple[int | None, list[tuple[float, str]]]:
    """The area holding most of ``geom`` and every area's share of it (largest first)."""
    total = float(geom.area) or 1.0  # type: ignore[attr-defined]
    shares = []
    for aid, name, poly in areas:
        if not shapely.intersects(poly, geom):
            continue
        share = float(shapely.intersection(poly, geom).area) / total
        if share > 0:
            shares.append((share, name, aid))
    shares.sort(key=lambda t: (-t[0], t[2]))
    return (shares[0][2] if shares else None), [(s, n) for s, n, _a in shares]


def _plan(
    path: Path, shapes: Sequence[AreaShape], areas: Sequence[tuple[int, str, object]]
) -> tuple[list[tuple[int, str, str, BaseGeometry]], list[str]]:
    """(area id, name, code, geometry) per neighbourhood, and the straddling report."""
    grouped: dict[tuple[int, str], list[AreaShape]] = {}
    straddling: list[str] = []
    for s in shapes:
        aid, shares = _area_of(s.geometry, areas)
        if aid is None:
            raise ImportFailed(
                str(path),
                f"feature '{s.name}' lies outside every area of the force "
                "(import the areas it belongs to first)",
                row=s.feature or None,
            )
        if len(shares) > 1 and shares[1][0] >= STRADDLE_SHARE:
            parts = ", ".join(f"{n} {v:.0%}" for v, n in shares[:3])
            straddling.append(
                f"feature {s.feature} ({s.name}): {parts}; assigned to {shares[0][1]}"
            )
        grouped.setdefault((aid, s.name.casefold()), []).append(s)
    plan = []
    for (aid, _key), members in grouped.items():
        geom = (
            members[0].geometry
            if len(members) == 1
            else polygonal_part(shapely.union_all([m.geometry for m in members]))
        )
        if not geom.is_valid:
            geom = polygonal_part(shapely.make_valid(geom))
        code = ",".join(sorted({m.code for m in members if m.code}))
        plan.append((aid, members[0].name, code, geom))
    return plan, straddling


@dataclass(frozen=True)
class NeighbourhoodPreview:
    """What a neighbourhood file would give, before anything is written."""

    features: int
    source_crs: str
    rows: tuple[tuple[str, str, float], ...]  # (area, name, km2) by area then name
    straddling: tuple[str, ...]
    repairs: tuple[str, ...]


def preview_neighbourhoods(
    store: Store,
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    code_field: str | None = None,
) -> NeighbourhoodPreview:
    """Read a neighbourhood file and match it to the areas without writing anything."""
    path = Path(path)
    read = read_boundaries(
        path, name_field=name_field, layer=layer, code_field=code_field, dissolve=False
    )
    areas = [(int(r.id), r.name, shapely.from_wkb(r.geom_wkb)) for r in area_store.area_rows(store)]
    if not areas:
        raise ImportFailed(str(path), "the database holds no areas: import the areas first")
    plan, straddling = _plan(path, read.shapes, areas)
    names = {a: n for a, n, _p in areas}
    rows = sorted(
        ((names[a], n, float(g.area) / 1e6) for a, n, _c, g in plan),
        key=lambda t: (t[0], t[1].casefold()),
    )
    return NeighbourhoodPreview(
        read.features,
        read.source_crs,
        tuple(rows),
        tuple(straddling),
        tuple(r.describe() for r in read.repairs),
    )


def import_neighbourhoods(
    store: Store,
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    code_field: str | None = None,
    attribution: str = "",
    progress: Progress | None = None,
) -> tuple[NeighbourhoodImport, Changes]:
    """Replace the neighbourhoods with those of a polygon file, in one audited transaction.

    Raises:
        PermissionDenied: the account is not an administrator (checked before reading).
        ImportFailed: the file cannot be used (nameless feature, outside every area, ...);
            the database is unchanged.
    """
    progress = progress or NullProgress()
    require(store, Permission.ADMIN, action="replace the force's neighbourhoods")
    path = Path(path)
    progress.status(f"Reading {path.name}")
    # the same reading, CRS handling, repairs and refusals as areas, but not dissolved: a name
    # may repeat in different areas
    read = read_boundaries(
        path, name_field=name_field, layer=layer, code_field=code_field, dissolve=False
    )
    check_cancelled(progress)
    areas = [(int(r.id), r.name, shapely.from_wkb(r.geom_wkb)) for r in area_store.area_rows(store)]
    if not areas:
        raise ImportFailed(str(path), "the database holds no areas: import the areas first")
    for _a, _n, poly in areas:
        shapely.prepare(poly)
    progress.status("Matching neighbourhoods to areas")
    plan, straddling = _plan(path, read.shapes, areas)
    digest = file_sha256(path)
    source = f"{path.name} (layer {read.layer}, field {name_field})"
    attribution = attribution.strip()
    with store.atomic():
        old = nb_store.keys_by_id(store)
        by_key = {(a, n.casefold()): i for i, (a, n) in old.items()}
        names = {a: n for a, n, _p in areas}
        kept = added = 0
        seen: set[int] = set()
        for aid, name, code, geom in plan:
            values = {
                "area_id": aid,
                "name": name,
                "code": code,
                "geom_wkb": bytes(shapely.to_wkb(geom)),
                "bounds": tuple(float(v) for v in geom.bounds),
                "area_km2": float(geom.area) / 1e6,
                "source": source,
                "attribution": attribution,
            }
            nid = by_key.get((aid, name.casefold()))
            if nid is not None:
                nb_store.update(store, nid, **values)  # type: ignore[arg-type]
                kept += 1
            else:
                nid = nb_store.insert(store, **values)  # type: ignore[arg-type]
                added += 1
            seen.add(nid)
        gone = sorted(i for i in old if i not in seen)
        removed = tuple(
            f"{names.get(old[i][0], 'no area')}/{old[i][1]}"  # type: ignore[arg-type]
            for i in gone
        )
        nb_store.delete(store, gone)
        progress.status("Assigning every location to its neighbourhood")
        assigned = assign_all(store, progress=progress)
        result = NeighbourhoodImport(
            path=str(path),
            layer=read.layer,
            source_crs=read.source_crs,
            features=read.features,
            neighbourhoods=len(plan),
            kept=kept,
            added=added,
            removed=removed,
            straddling=tuple(straddling),
            repairs=tuple(r.describe() for r in read.repairs),
            attribution=attribution,
            assigned=assigned,
        )
        audit.record(
            store,
            action="import",
            entity="neighbourhoods",
            summary=f"replaced neighbourhoods from {source}: {len(plan)} neighbourhoods "
            f"({kept} kept, {added} new, {len(removed)} removed), "
            f"{len(straddling)} straddling, {len(read.repairs)} repaired",
            before={"neighbourhoods": len(old)},
            after={
                "neighbourhoods": len(plan),
                "removed": list(removed),
                "straddling": list(straddling),
                "assigned": {k: list(v) for k, v in assigned.items()},
            },
            extra={
                "source": source,
                "file_sha256": digest,
                "sha256": shapes_digest(
                    [AreaShape(f"{a}/{n}", c, g) for a, n, c, g in plan]  # type: ignore[arg-type]
                ),
                "source_crs": read.source_crs,
                "features": read.features,
                "attribution": attribution,
                "repairs": list(result.repairs),
            },
        )
    return result, Changes.everything()


# --- assignment of located rows --------------------------------------------------------------


_INDEX_CACHE: dict[tuple[object, ...], dict[int, AreaIndex]] = {}


def _indexes(store: Store) -> dict[int, AreaIndex]:
    """Area id -> an index over that area's neighbourhoods (kept while they do not change)."""
    key = (id(store.conn), store.path, *nb_store.signature(store))
    found = _INDEX_CACHE.get(key)
    if found is None:
        found = _build_indexes(store)
        _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = found
    return found


def _build_indexes(store: Store) -> dict[int, AreaIndex]:
    by_area: dict[int, tuple[list[int], list[bytes]]] = {}
    for r in nb_store.neighbourhood_rows(store):
        ids, wkbs = by_area.setdefault(int(r.area_id or 0), ([], []))
        ids.append(r.id)
        wkbs.append(r.geom_wkb)
    return {a: AreaIndex.from_wkb(ids, wkbs) for a, (ids, wkbs) in by_area.items()}


def assign_points(
    indexes: dict[int, AreaIndex], x: np.ndarray, y: np.ndarray, area: np.ndarray
) -> np.ndarray:
    """Neighbourhood id per point (0: none): the neighbourhood of the point's own area that
    holds it; points with no area are tested against every neighbourhood."""
    out = np.zeros(x.shape, dtype=np.int64)
    for aid, index in indexes.items():
        sel = np.flatnonzero(area == aid)
        if sel.size:
            out[sel] = index.assign(x[sel], y[sel])
    rest = np.flatnonzero((out == 0) & (area == 0))
    if rest.size:
        for index in indexes.values():
            todo = rest[out[rest] == 0]
            if todo.size == 0:
                break
            out[todo] = index.assign(x[todo], y[todo])
    return out


def assign_all(
    store: Store, *, only_unassigned: bool = False, progress: Progress | None = None
) -> dict[str, tuple[int, int]]:
    """Give every located row its neighbourhood (caller's transaction).

    Returns table -> (located rows looked at, rows in a neighbourhood).
    """
    progress = progress or NullProgress()
    indexes = _indexes(store)
    out: dict[str, tuple[int, int]] = {}
    for table in nb_store.LOCATED:
        check_cancelled(progress)
        nb_store.clear_unlocated(store, table)
        ids, x, y, area = nb_store.located_rows(store, table, only_unassigned=only_unassigned)
        if not indexes:
            if not only_unassigned:
                nb_store.set_neighbourhoods(store, table, ids, np.zeros(ids.size, np.int64))
            out[table] = (int(ids.size), 0)
            continue
        nids = assign_points(indexes, x, y, area)
        nb_store.set_neighbourhoods(store, table, ids, nids)
        out[table] = (int(ids.size), int((nids != 0).sum()))
    return out


def sync(store: Store, table: str | None = None, ids: Sequence[int] | None = None) -> None:
    """Fill in the neighbourhood of rows added or moved since the last assignment (derived
    data, in the caller's transaction: the write that added or moved the rows is guarded).

    Every write path that adds or moves a located row calls it (the schema clears a moved
    row's neighbourhood); ``table`` and ``ids`` name the rows it wrote, else every row still
    without a neighbourhood is looked at.
    """
    require(store, Permission.EDIT, action="assign rows to neighbourhoods")
    if nb_store.count(store) == 0:
        return
    if table is None or ids is None:
        assign_all(store, only_unassigned=True)
        return
    rid, x, y, area = nb_store.located_rows(store, table, only_ids=list(ids))
    nb_store.set_neighbourhoods(store, table, rid, assign_points(_indexes(store), x, y, area))


def after_areas_replaced(store: Store) -> None:
    """Re-derive the area of each neighbourhood of a current area (or of none), and every
    row's neighbourhood (caller's transaction), after the force's areas changed.

    A retired area keeps its neighbourhoods (retired with its history): they are neither
    detached nor moved into a neighbouring area.
    """
    rows = nb_store.neighbourhood_rows(store)
    if not rows:
        return
    current = area_store.area_rows(store)
    current_ids = {int(r.id) for r in current}
    retired = {int(r.id) for r in area_store.area_rows(store, include_retired=True)} - current_ids
    areas = [(int(r.id), r.name, shapely.from_wkb(r.geom_wkb)) for r in current]
    for r in rows:
        if r.area_id is not None and int(r.area_id) in retired:
            continue
        aid, _shares = _area_of(shapely.from_wkb(r.geom_wkb), areas)
        if aid != r.area_id:
            nb_store.set_area(store, r.id, aid)
    assign_all(store)


# --- reading -------------------------------------------------------------------------------


def neighbourhoods(store: Store) -> list[Neighbourhood]:
    """Every neighbourhood, by area then name."""
    return [
        Neighbourhood(r.id, r.name, r.area_id, r.area_name, float(r.area_km2), r.bounds, r.code)
        for r in nb_store.neighbourhood_rows(store)
    ]


def resolve(store: Store, text: str) -> Neighbourhood:
    """The neighbourhood called ``NAME`` or ``AREA/NAME`` (case-insensitive).

    Raises:
        NotFoundError: no neighbourhood has that name (the message lists near ones).
        ValidationError: the name is shared by neighbourhoods in several areas (they are listed
            as AREA/NAME to choose from).
    """
    text = " ".join(text.split())
    found = neighbourhoods(store)
    area_part, _sep, name_part = text.rpartition("/")
    key = name_part.strip().casefold()
    hits = [n for n in found if n.name.casefold() == key]
    if area_part:
        hits = [n for n in hits if (n.area or "").casefold() == area_part.strip().casefold()]
        if not hits:  # a name that itself holds '/'
            hits = [n for n in found if n.name.casefold() == text.casefold()]
    if not hits:
        if not found:
            raise NotFoundError("the database holds no neighbourhoods: import them first")
        near = [n.label for n in found if key[:3] and n.name.casefold().startswith(key[:3])]
        hint = f" (did you mean {', '.join(near[:5])}?)" if near else ""
        raise NotFoundError(f"no neighbourhood called '{text}'{hint}")
    if len(hits) > 1:
        raise ValidationError(
            "neighbourhood",
            f"'{text}' is in {plural(len(hits), 'area')}; give one of "
            + ", ".join(f"'{n.label}'" for n in hits),
        )
    return hits[0]


def in_area(store: Store, area_name: str) -> list[Neighbourhood]:
    """The neighbourhoods of one area, by name."""
    key = area_name.strip().casefold()
    return [n for n in neighbourhoods(store) if (n.area or "").casefold() == key]


def neighbourhood_of(store: Store, table: str, row_id: int) -> int | None:
    """The neighbourhood id of one location, nominal or intelligence row."""
    return nb_store.neighbourhood_of(store, table, row_id)


def ocg_ids_in(store: Store, neighbourhood_id: int) -> set[int]:
    """OCGs with a location in the neighbourhood."""
    return nb_store.ocg_ids_in(store, neighbourhood_id)
