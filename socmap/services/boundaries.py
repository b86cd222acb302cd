"""Replacing a database's areas, and re-assigning everything located to them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from socmap.domain.changes import Changes
from socmap.domain.errors import ImportFailed, ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.geo.areas import AreaIndex, Overlap, overlaps
from socmap.geo.layers import AreaShape, BoundaryLayer, LayerInfo, Repair
from socmap.services.auth import require
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas as area_store
from socmap.store import audit, geo_rows
from socmap.store.areas import AreaRow
from socmap.store.db import Store


@dataclass(frozen=True)
class ReassignReport:
    """How many located records landed in an area, and how many are outside the force.

    ``lead_area_lost`` lists the OCGs (id, name, area name) whose lead area is a retired area:
    it is kept (history stays readable) but needs setting to a current area by hand.
    """

    locations_total: int
    locations_outside: int
    nominals_total: int
    nominals_outside: int
    intel_total: int
    intel_outside: int
    lead_area_lost: tuple[tuple[int, str, str], ...] = ()
    #: nominal addresses and intelligence reports without coordinates whose area (set by hand)
    #: is a retired area: kept, to be set to a current area by hand
    unlocated_in_retired: int = 0

    @property
    def anything_unassigned(self) -> bool:
        """True when something is left without an area."""
        return bool(
            self.locations_outside
            or self.nominals_outside
            or self.intel_outside
            or self.lead_area_lost
            or self.unlocated_in_retired
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
                f"{plural(len(self.lead_area_lost), 'OCG')} led from a retired area "
                "(kept; set a current lead area in the register):"
            )
            out += [
                f"  OCG-{oid:04d} {name}: '{old}' (retired)"
                for oid, name, old in self.lead_area_lost
            ]
        if self.unlocated_in_retired:
            out.append(
                f"{plural(self.unlocated_in_retired, 'record')} (nominals or intelligence) without "
                "coordinates are in a retired area (kept; set a current one by hand)"
            )
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


# --- re-importing keeps everyone's work (issue 11) ---------------------------------------------


def _key(name: str) -> str:
    return name.strip().casefold()


#: How a foreign key to an area reads in a refusal ("table.column" -> words).
_ATTACHED_LABELS = {
    "profiles.area_id": "local profile",
    "profile_section_versions.area_id": "profile section version",
    "profile_contributions.area_id": "profile contribution",
    "profile_actions.area_id": "4P action",
    "partner_areas.area_id": "partner-area link",
    "partnership_structures.area_id": "partnership structure",
    "ocgs.lead_area_id": "OCG lead area",
    "locations.area_id": "OCG location",
    "nominals.area_id": "nominal",
    "intel.area_id": "intelligence point",
}


@dataclass(frozen=True)
class MissingArea:
    """A current area that a new boundary file no longer holds, with what is attached to it."""

    area_id: int
    name: str
    attached: tuple[tuple[str, int], ...]  # ("table.column", rows)

    def describe(self) -> str:
        """'Shropshire (1 local profile, 23 partner-area links)'."""
        parts = [plural(n, _ATTACHED_LABELS.get(k, k)) for k, n in self.attached]
        return f"{self.name} ({', '.join(parts) or 'nothing attached'})"


@dataclass(frozen=True)
class AreaMatch:
    """What one area of the new file becomes: an existing area (same id) or a new one."""

    name: str  # the name the area has after the import
    file_name: str
    area_id: int | None  # None: a new area
    how: str  # 'name', 'code', 'rename', 'new'
    old_name: str = ""
    reinstated: bool = False  # it was a retired area


@dataclass(frozen=True)
class ImportPlan:
    """How an import maps a file's areas onto the database's, worked out before any write.

    ``missing`` are current areas the file no longer holds and that no ``--rename`` or
    ``--retire`` disposes of: while there are any, the import is refused.
    """

    matches: tuple[AreaMatch, ...]
    missing: tuple[MissingArea, ...]
    retiring: tuple[MissingArea, ...]
    case_variants: tuple[tuple[str, str], ...]  # (name in the file, existing area's name)
    name_variants: tuple[tuple[str, tuple[str, ...]], ...]  # dissolved in the file
    overlaps: tuple[Overlap, ...]

    @property
    def refused(self) -> bool:
        """True when some area would vanish without the user saying what becomes of it."""
        return bool(self.missing)

    def refusal(self) -> str:
        """One line saying why the import is refused, what is attached, and how to go on."""
        n = len(self.missing)
        return (
            f"refused, nothing changed: {plural(n, 'area')} of the database "
            f"{'is' if n == 1 else 'are'} not in this file and nothing says what becomes of "
            f"{'it' if n == 1 else 'them'}: "
            + "; ".join(m.describe() for m in self.missing)
            + ". For each, either --rename OLD=NEW (the area and all attached carry on as the "
            "file's area NEW) or --retire OLD (kept, with its history, as a retired area)"
        )

    def lines(self) -> list[str]:
        """What the import keeps, adds, renames and retires, and what looks wrong in the file."""
        kept = [m for m in self.matches if m.area_id is not None]
        new = [m for m in self.matches if m.area_id is None]
        out = [
            f"kept {plural(len(kept), 'area')} (same ids: profiles, actions, partner links and "
            f"structures stay attached), added {len(new)}, retired {len(self.retiring)}"
        ]
        out += [f"  new area: {m.name}" for m in new]
        out += [
            f"  renamed: '{m.old_name}' -> '{m.name}' ({'--rename' if m.how == 'rename' else 'same code'})"
            for m in kept
            if m.old_name != m.name
        ]
        out += [f"  reinstated a retired area: {m.name}" for m in kept if m.reinstated]
        out += [f"  retired (kept with its history): {r.describe()}" for r in self.retiring]
        for file_name, old in self.case_variants:
            out.append(
                f"  '{file_name}' in the file differs from the area '{old}' only by case or "
                f"spaces: matched to it, the area keeps the name '{old}'"
            )
        for kept_name, spellings in self.name_variants:
            out.append(
                "  names in the file that differ only by case or spaces were dissolved into "
                f"one area '{kept_name}': " + ", ".join(f"'{s}'" for s in spellings)
            )
        if self.overlaps:
            out.append(
                f"{plural(len(self.overlaps), 'pair of areas', 'pairs of areas')} overlap by more than "
                "a sliver:"
            )
            out += ["  " + o.describe() for o in self.overlaps]
        else:
            out.append("no areas overlap by more than a sliver")
        return out


def _parse_renames(renames: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    if isinstance(renames, Mapping):
        pairs = list(renames.items())
    else:
        pairs = []
        for text in renames:
            old, sep, new = text.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise ValidationError("--rename", f"'{text}' is not OLD=NEW")
            pairs.append((old, new))
    return {old.strip(): new.strip() for old, new in pairs}


def plan_import(
    store: Store,
    shapes: Sequence[AreaShape],
    *,
    renames: Mapping[str, str] | Sequence[str] = (),
    retire: Sequence[str] = (),
    match_codes: bool = False,
    name_variants: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> ImportPlan:
    """Work out, without writing, what an import of ``shapes`` keeps, adds, renames and retires.

    Areas are matched by name (case and surrounding spaces ignored), by code first when
    ``match_codes`` (an area whose code the file repeats keeps its id under the file's name),
    and by ``renames`` (old name -> name in the file).

    Raises:
        ValidationError: a ``--rename`` or ``--retire`` names an area that is not there, or
            contradicts the file.
    """
    _validate_shapes(shapes)
    existing = area_store.area_rows(store, include_retired=True)
    by_key = {_key(r.name): r for r in existing}
    file_keys = {_key(s.name): s for s in shapes}
    rename_map = _parse_renames(renames)
    rename_by_new: dict[str, AreaRow] = {}
    for old, new in rename_map.items():
        row = by_key.get(_key(old))
        if row is None:
            raise ValidationError("--rename", f"there is no area called '{old}' to rename")
        if _key(new) not in file_keys:
            raise ValidationError("--rename", f"the new file holds no area called '{new}'")
        if _key(old) in file_keys and _key(old) != _key(new):
            raise ValidationError(
                "--rename", f"'{old}' is still in the new file: it keeps its area as it is"
            )
        other = by_key.get(_key(new))
        if other is not None and other.id != row.id:
            raise ValidationError(
                "--rename",
                f"'{new}' is already an area; to fold '{old}' into it, --retire '{old}'",
            )
        if _key(new) in rename_by_new:
            raise ValidationError("--rename", f"two areas are renamed to '{new}'")
        rename_by_new[_key(new)] = row
    retire_rows: dict[int, AreaRow] = {}
    for name in retire:
        row = by_key.get(_key(name))
        if row is None:
            raise ValidationError("--retire", f"there is no area called '{name}' to retire")
        if _key(name) in file_keys:
            raise ValidationError(
                "--retire", f"'{name}' is in the new file: it cannot be retired by this import"
            )
        if _key(name) in {_key(o) for o in rename_map}:
            raise ValidationError("--retire", f"'{name}' is both renamed and retired")
        retire_rows[row.id] = row

    by_code: dict[str, list[AreaRow]] = {}
    for r in existing:
        if r.code.strip():
            by_code.setdefault(r.code.strip(), []).append(r)
    claimed: set[int] = set()
    matches: list[AreaMatch] = []
    variants: list[tuple[str, str]] = []
    for s in shapes:
        name, key = s.name.strip(), _key(s.name)
        row, how = rename_by_new.get(key), "rename"
        if row is None and match_codes and s.code.strip():
            found = [r for r in by_code.get(s.code.strip(), []) if r.id not in claimed]
            if len(found) == 1 and found[0].id not in retire_rows:
                row, how = found[0], "code"
        if row is None:
            named = by_key.get(key)
            if named is not None and named.id not in claimed and named.id not in retire_rows:
                row, how = named, "name"
                if named.name != name:
                    variants.append((s.name, named.name))
                    name = named.name
        if row is None or row.id in claimed:
            matches.append(AreaMatch(name, s.name, None, "new"))
            continue
        claimed.add(row.id)
        matches.append(
            AreaMatch(name, s.name, int(row.id), how, row.name, row.retired_on is not None)
        )
    attached = area_store.attached_counts(store)

    order = list(_ATTACHED_LABELS)

    def missing_area(r: AreaRow) -> MissingArea:
        found = attached.get(int(r.id), {})
        ranked = sorted(
            found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])
        )
        return MissingArea(int(r.id), r.name, tuple(ranked))

    current_unclaimed = [r for r in existing if r.retired_on is None and r.id not in claimed]
    missing = tuple(missing_area(r) for r in current_unclaimed if r.id not in retire_rows)
    retiring = tuple(
        missing_area(r)
        for r in retire_rows.values()
        if r.retired_on is None and r.id not in claimed
    )
    found_overlaps = overlaps([m.name for m in matches], [s.geometry for s in shapes])
    return ImportPlan(
        tuple(matches),
        missing,
        retiring,
        tuple(variants),
        tuple(name_variants),
        tuple(found_overlaps),
    )


def replace_areas(
    store: Store,
    shapes: Sequence[AreaShape],
    *,
    source: str,
    attribution: str = "",
    repairs: Sequence[Repair] = (),
    extra: dict[str, object] | None = None,
    progress: Progress | None = None,
    renames: Mapping[str, str] | Sequence[str] = (),
    retire: Sequence[str] = (),
    match_codes: bool = False,
    name_variants: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> tuple[ReassignReport, Changes, ImportPlan]:
    """Give the database the boundaries ``shapes`` (EPSG:27700), in one transaction.

    Every area the file still holds (by name, by code with ``match_codes``, or by ``renames``)
    keeps its id and everything attached to it: only its geometry (and name, when renamed)
    changes. Areas in ``retire`` are kept as retired areas. A current area the file does not
    hold and that is neither renamed nor retired refuses the import (ImportFailed naming what
    is attached to it). Every location, nominal address and intelligence point is re-assigned
    to the current areas. On any error nothing is changed.
    """
    require(store, Permission.ADMIN, action="replace the force's area boundaries")
    plan = plan_import(
        store,
        shapes,
        renames=renames,
        retire=retire,
        match_codes=match_codes,
        name_variants=name_variants,
    )
    if plan.refused:
        raise ImportFailed(source, plan.refusal())
    today = dt.date.today().isoformat()
    with store.atomic():
        before = {
            r.id: (r.name, r.retired_on) for r in area_store.area_rows(store, include_retired=True)
        }
        area_store.park_names(
            store,
            [m.area_id for m in plan.matches if m.area_id is not None and m.name != m.old_name],
        )
        for m, s in zip(plan.matches, shapes, strict=True):
            values = {
                "name": m.name,
                "code": s.code,
                "geom_wkb": s.wkb,
                "bounds": tuple(float(v) for v in s.geometry.bounds),
                "area_km2": s.area_km2,
                "source": source,
                "attribution": attribution,
            }
            if m.area_id is None:
                area_store.insert_area(store, **values)  # type: ignore[arg-type]
            else:
                area_store.update_area(store, m.area_id, **values)  # type: ignore[arg-type]
        for r in plan.retiring:
            area_store.retire_area(store, r.area_id, on=today, by=store.actor)
        names = area_store.area_names_by_id(store)
        retired_names: dict[int, str] = {
            int(r.id): names[r.id]
            for r in area_store.area_rows(store, include_retired=True)
            if r.retired_on
        }
        lead_ids = geo_rows.lead_area_names(store, retired_names)
        lost_ids = sorted(lead_ids)
        ocg_names = geo_rows.ocg_names(store, lost_ids)
        lost = tuple((oid, ocg_names.get(oid, ""), lead_ids[oid]) for oid in lost_ids)
        rows = area_store.area_rows(store)
        index = AreaIndex.from_wkb([r.id for r in rows], [r.geom_wkb for r in rows])
        report = reassign_all(store, index, progress)
        from socmap.services.neighbourhoods import after_areas_replaced  # (issue 16)

        after_areas_replaced(store)
        check_cancelled(progress or NullProgress())
        by_hand = sum(
            len(geo_rows.unlocated_area_names(store, t, retired_names))
            for t in ("nominals", "intel")
        )
        report = dataclasses.replace(report, lead_area_lost=lost, unlocated_in_retired=by_hand)
        payload = {k: v for k, v in report.__dict__.items() if k != "lead_area_lost"}
        kept = [m for m in plan.matches if m.area_id is not None]
        audit.record(
            store,
            action="import",
            entity="areas",
            summary=f"new boundaries from {source}: {plural(len(shapes), 'area')}, kept "
            f"{len(kept)} (same ids), added {len(shapes) - len(kept)}, retired "
            f"{len(plan.retiring)}, {plural(len(repairs), 'repaired feature')}, "
            f"{plural(len(lost), 'OCG')} with a retired lead area",
            before={"areas": {str(i): list(v) for i, v in sorted(before.items())}},
            after={
                "areas": [s.name for s in shapes],
                "kept": {str(m.area_id): [m.old_name, m.name, m.how] for m in kept},
                "retired": [[r.area_id, r.name, dict(r.attached)] for r in plan.retiring],
                "report": payload,
                "lead_area_retired": [list(x) for x in lost],
            },
            extra={
                "source": source,
                "sha256": shapes_digest(shapes),
                "attribution": attribution,
                "repairs": [r.describe() for r in repairs],
                "case_variants": [list(v) for v in plan.case_variants],
                "name_variants": [[k, list(v)] for k, v in plan.name_variants],
                "overlaps": [o.describe() for o in plan.overlaps],
                **(extra or {}),
            },
        )
    return report, Changes.everything(), plan


# --- importing a boundary file (issue 3) ------------------------------------------------------


@dataclass(frozen=True)
class BoundaryImport:
    """What an import of a boundary file did."""

    layer: BoundaryLayer
    attribution: str
    file_sha256: str
    reassigned: ReassignReport
    areas: tuple[tuple[str, float], ...] = field(default=())
    plan: ImportPlan | None = None

    def lines(self) -> list[str]:
        """The whole report as lines for people."""
        lay = self.layer
        out = [
            f"imported {plural(len(lay.shapes), 'area')} from {Path(lay.path).name} (layer "
            f"'{lay.layer}', {plural(lay.features, 'feature')}, {lay.source_crs} -> EPSG:27700)",
        ]
        out += [f"  {name}: {km2:,.2f} km2" for name, km2 in self.areas]
        if self.plan is not None:
            out += self.plan.lines()
        if self.attribution:
            out.append(f"attribution: {self.attribution}")
        if lay.repairs:
            out.append(f"{plural(len(lay.repairs), 'invalid feature')} repaired (make_valid):")
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
    renames: Mapping[str, str] | Sequence[str] = (),
    retire: Sequence[str] = (),
) -> tuple[BoundaryImport, Changes]:
    """Give the database the boundaries of a file, in one transaction (see :func:`replace_areas`).

    Areas are matched by name, and by code first when ``code_field`` is given; matched areas
    keep their ids and all that hangs on them. ``renames`` ("OLD=NEW" or {old: new}) and
    ``retire`` (names) say what becomes of areas the file no longer holds.

    Raises:
        PermissionDenied: the account is not an administrator (checked before reading).
        ImportFailed: the file cannot be used, or an area would vanish without a --rename or
            --retire; the database is unchanged.
        ValidationError: a rename or retirement names an area that is not there.
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
    reassigned, changes, plan = replace_areas(
        store,
        read.shapes,
        source=source,
        attribution=attribution.strip(),
        repairs=read.repairs,
        extra={"file_sha256": digest, "source_crs": read.source_crs, "features": read.features},
        progress=progress,
        renames=renames,
        retire=retire,
        match_codes=bool(code_field),
        name_variants=read.name_variants,
    )
    progress.advance(3, 3)
    result = BoundaryImport(
        layer=read,
        attribution=attribution.strip(),
        file_sha256=digest,
        reassigned=reassigned,
        areas=tuple((s.name, s.area_km2) for s in read.shapes),
        plan=plan,
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
    retired_on: str | None = None


def area_summaries(store: Store, *, retired: bool = False) -> list[AreaSummary]:
    """The current areas (or, with ``retired``, the retired ones) in import order, with their
    planar area (EPSG:27700) in km²."""
    return [
        AreaSummary(
            int(r.id), r.name, r.code, float(r.area_km2), r.source, r.attribution, r.retired_on
        )
        for r in area_store.area_rows(store, include_retired=retired)
        if not retired or r.retired_on
    ]
