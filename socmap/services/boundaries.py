"""Replacing a database's areas, and re-assigning everything located to them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from socmap.domain.changes import Changes
from socmap.domain.errors import ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.geo.areas import AreaIndex
from socmap.geo.layers import AreaShape, BoundaryLayer, LayerInfo, Repair
from socmap.services.auth import require
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas as area_store
from socmap.store import audit, geo_rows
from socmap.store.db import Store


@dataclass(frozen=True)
class ReassignReport:
    """How many located records landed in an area, and how many are outside the force.

    ``lead_area_lost`` lists the OCGs (id, name, old area name) whose lead area has no
    namesake among the new areas: their lead area is now empty and needs setting by hand.
    """

    locations_total: int
    locations_outside: int
    nominals_total: int
    nominals_outside: int
    intel_total: int
    intel_outside: int
    lead_area_lost: tuple[tuple[int, str, str], ...] = ()

    @property
    def anything_unassigned(self) -> bool:
        """True when something is left without an area."""
        return bool(
            self.locations_outside
            or self.nominals_outside
            or self.intel_outside
            or self.lead_area_lost
        )

    def lines(self) -> list[str]:
        """The report as lines for people (CLI, dialog)."""
        out = [
            f"OCG locations: {self.locations_total:,} located, "
            f"{self.locations_outside:,} outside every area",
            f"nominal addresses: {self.nominals_total:,} located, "
            f"{self.nominals_outside:,} outside every area",
            f"intelligence points: {self.intel_total:,} located, "
            f"{self.intel_outside:,} outside every area",
        ]
        if self.lead_area_lost:
            out.append(
                f"{len(self.lead_area_lost)} OCG(s) lost their lead area "
                "(no new area has its name; set it again in the register):"
            )
            out += [
                f"  OCG-{oid:04d} {name}: was '{old}'" for oid, name, old in self.lead_area_lost
            ]
        return out


_LABELS = {
    "locations": "OCG locations",
    "nominals": "nominal addresses",
    "intel": "intelligence points",
}


def reassign_all(
    store: Store, index: AreaIndex, progress: Progress | None = None
) -> ReassignReport:
    """Re-assign every location, nominal address and intelligence point (caller's transaction)."""
    progress = progress or NullProgress()
    totals = []
    for k, table in enumerate(("locations", "nominals", "intel")):
        check_cancelled(progress)
        progress.status(f"Assigning {_LABELS[table]} to the new areas")
        progress.advance(k, 3)
        ids, xs, ys = geo_rows.coordinates(store, table)
        located = np.isfinite(xs) & np.isfinite(ys) if len(ids) else np.zeros(0, dtype=bool)
        assigned = index.assign(xs[located], ys[located]) if len(ids) else np.zeros(0, np.int64)
        # Rows without coordinates keep their area: it was set by hand, not by a point.
        geo_rows.set_areas(store, table, ids[located], assigned)
        totals.append((int(located.sum()), int((assigned == 0).sum())))
    (lt, lo), (nt, no), (it, io) = totals
    return ReassignReport(lt, lo, nt, no, it, io)


def shapes_digest(shapes: Sequence[AreaShape]) -> str:
    """A content hash of the boundaries, for the audit trail."""
    h = hashlib.sha256()
    for s in shapes:
        h.update(s.name.encode())
        h.update(s.wkb)
    return h.hexdigest()


def _validate_shapes(shapes: Sequence[AreaShape]) -> None:
    if not shapes:
        raise ValidationError("areas", "an import must hold at least one area")
    seen: set[str] = set()
    for s in shapes:
        name = s.name.strip()
        if not name:
            raise ValidationError("areas", "every area needs a name")
        if name.casefold() in seen:
            raise ValidationError("areas", f"two areas are called '{name}'")
        seen.add(name.casefold())
        if s.geometry.is_empty or s.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValidationError("areas", f"'{name}' is not a polygon")
        if not s.geometry.is_valid:
            raise ValidationError("areas", f"'{name}' is not a valid polygon")


def replace_areas(
    store: Store,
    shapes: Sequence[AreaShape],
    *,
    source: str,
    attribution: str = "",
    repairs: Sequence[Repair] = (),
    extra: dict[str, object] | None = None,
    progress: Progress | None = None,
) -> tuple[ReassignReport, Changes]:
    """Replace the database's areas with ``shapes`` (EPSG:27700), in one transaction.

    OCG lead areas are matched to the new areas by name; every location, nominal address and
    intelligence point is re-assigned. Returns what was left without an area. On any error
    nothing is changed.
    """
    require(store, Permission.ADMIN, action="replace the force's area boundaries")
    _validate_shapes(shapes)
    with store.atomic():
        old_names = area_store.area_names_by_id(store)
        lead_names = geo_rows.lead_area_names(store, old_names)
        by_hand = {
            t: geo_rows.unlocated_area_names(store, t, old_names) for t in ("nominals", "intel")
        }
        area_store.delete_all(store)
        new_ids: dict[str, int] = {}
        for s in shapes:
            new_ids[s.name.strip().casefold()] = area_store.insert_area(
                store,
                name=s.name.strip(),
                code=s.code,
                geom_wkb=s.wkb,
                bounds=tuple(float(v) for v in s.geometry.bounds),  # type: ignore[arg-type]
                area_km2=s.area_km2,
                source=source,
                attribution=attribution,
            )
        new_lead = {oid: new_ids.get(name.strip().casefold()) for oid, name in lead_names.items()}
        geo_rows.set_lead_areas(store, new_lead)
        for table, names in by_hand.items():  # unlocated rows: matched by name like lead areas
            geo_rows.set_area_ids(
                store, table, {i: new_ids.get(n.strip().casefold()) for i, n in names.items()}
            )
        lost_ids = sorted(oid for oid, aid in new_lead.items() if aid is None)
        ocg_names = geo_rows.ocg_names(store, lost_ids)
        lost = tuple((oid, ocg_names.get(oid, ""), lead_names[oid]) for oid in lost_ids)
        rows = area_store.area_rows(store)
        index = AreaIndex.from_wkb([r.id for r in rows], [r.geom_wkb for r in rows])
        report = reassign_all(store, index, progress)
        check_cancelled(progress or NullProgress())
        report = ReassignReport(**{**report.__dict__, "lead_area_lost": lost})
        payload = {k: v for k, v in report.__dict__.items() if k != "lead_area_lost"}
        audit.record(
            store,
            action="import",
            entity="areas",
            summary=f"replaced areas from {source}: {plural(len(shapes), 'area')}, "
            f"{len(repairs)} repaired feature(s), {len(lost)} OCG(s) lost their lead area",
            before={"areas": sorted(old_names.values())},
            after={
                "areas": [s.name for s in shapes],
                "report": payload,
                "lead_area_lost": [list(x) for x in lost],
            },
            extra={
                "source": source,
                "sha256": shapes_digest(shapes),
                "attribution": attribution,
                "repairs": [r.describe() for r in repairs],
                **(extra or {}),
            },
        )
    return report, Changes.everything()


# --- importing a boundary file (issue 3) ------------------------------------------------------


@dataclass(frozen=True)
class BoundaryImport:
    """What an import of a boundary file did."""

    layer: BoundaryLayer
    attribution: str
    file_sha256: str
    reassigned: ReassignReport
    areas: tuple[tuple[str, float], ...] = field(default=())

    def lines(self) -> list[str]:
        """The whole report as lines for people."""
        lay = self.layer
        out = [
            f"imported {len(lay.shapes)} area(s) from {Path(lay.path).name} (layer '{lay.layer}', "
            f"{lay.features} feature(s), {lay.source_crs} -> EPSG:27700)",
        ]
        out += [f"  {name}: {km2:,.2f} km2" for name, km2 in self.areas]
        if self.attribution:
            out.append(f"attribution: {self.attribution}")
        if lay.repairs:
            out.append(f"{len(lay.repairs)} invalid feature(s) repaired (make_valid):")
            out += ["  " + r.describe() for r in lay.repairs]
        else:
            out.append("no feature needed repair")
        out += self.reassigned.lines()
        return out


def file_sha256(path: Path | str) -> str:
    """The SHA-256 of a file's bytes (for audit rows of imports)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_geo_libraries() -> None:
    """Load GDAL and PROJ on the calling (GUI) thread before layer reads run on task threads."""
    from socmap.geo.layers import load_libraries

    load_libraries()


def layers_of(path: Path | str) -> list[LayerInfo]:
    """The layers of a boundary file (for a layer picker); raises ImportFailed."""
    from socmap.geo.layers import list_layers

    return list_layers(path)


def preview_boundaries(
    path: Path | str, *, name_field: str, layer: str | None = None, code_field: str | None = None
) -> BoundaryLayer:
    """Read, reproject, repair and dissolve a boundary file without touching any database."""
    from socmap.geo.layers import read_boundaries

    return read_boundaries(path, name_field=name_field, layer=layer, code_field=code_field)


def import_boundaries(
    store: Store,
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    code_field: str | None = None,
    attribution: str = "",
    progress: Progress | None = None,
) -> tuple[BoundaryImport, Changes]:
    """Replace the database's areas with those of a boundary file, in one transaction.

    Raises:
        PermissionDenied: the account is not an administrator (checked before reading).
        ImportFailed: the file cannot be used; the database is unchanged.
    """
    progress = progress or NullProgress()
    require(store, Permission.ADMIN, action="replace the force's area boundaries")
    progress.status(f"Reading {Path(path).name}")
    progress.advance(0, 3)
    read = preview_boundaries(path, name_field=name_field, layer=layer, code_field=code_field)
    check_cancelled(progress)
    digest = file_sha256(path)
    progress.status("Replacing areas and re-assigning every location")
    progress.advance(1, 3)
    source = f"{Path(path).name} (layer {read.layer}, field {name_field})"
    reassigned, changes = replace_areas(
        store,
        read.shapes,
        source=source,
        attribution=attribution.strip(),
        repairs=read.repairs,
        extra={"file_sha256": digest, "source_crs": read.source_crs, "features": read.features},
        progress=progress,
    )
    progress.advance(3, 3)
    result = BoundaryImport(
        layer=read,
        attribution=attribution.strip(),
        file_sha256=digest,
        reassigned=reassigned,
        areas=tuple((s.name, s.area_km2) for s in read.shapes),
    )
    return result, changes


@dataclass(frozen=True)
class AreaSummary:
    """An area as ``socmap areas list`` shows it."""

    id: int
    name: str
    code: str
    area_km2: float
    source: str
    attribution: str


def area_summaries(store: Store) -> list[AreaSummary]:
    """The database's areas in import order, with their planar area (EPSG:27700) in km²."""
    return [
        AreaSummary(int(r.id), r.name, r.code, float(r.area_km2), r.source, r.attribution)
        for r in area_store.area_rows(store)
    ]
