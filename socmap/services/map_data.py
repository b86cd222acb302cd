"""The map's read model (no Qt): area outlines, threat shading, OCG markers, intelligence points.

Loaded once (on a worker for the national demo) into numpy arrays, then drawn many times by
``socmap.render.map``. The threat shading is pluggable: today "active OCG count" (OCGs whose lead
area it is); when the scoring feature registers a band source with :func:`set_band_source`, the
default becomes "highest band" and markers carry their OCG's band.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely

from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.domain.vocab import LOCATION_KINDS, MARKETS
from socmap.services import handling as handling_policy
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import map_rows
from socmap.store.db import Store

AUDIENCES = ("internal", "neighbourhood", "partner")

#: A band source: OCG id -> band label, for OCGs that have a current band.
BandSource = Callable[[Store], dict[int, str]]


@dataclass(frozen=True)
class AreaShape:
    """One area's outline in EPSG:27700: rings (exteriors and holes) as (n, 2) float arrays."""

    id: int
    name: str
    rings: tuple[np.ndarray, ...]
    bounds: tuple[float, float, float, float]
    label_xy: tuple[float, float]
    area_km2: float


@dataclass(frozen=True)
class NeighbourhoodShape(AreaShape):
    """A neighbourhood's outline (issue 16): an area shape that knows the area it lies in."""

    area_id: int | None = None


@dataclass(frozen=True)
class PlaceLabel:
    """A place name to draw at (x, y) EPSG:27700; ``rank`` 0 (hamlet) .. 4 (city)."""

    name: str
    x: float
    y: float
    rank: int


@dataclass(frozen=True)
class ThreatShading:
    """How areas are shaded: a legend (class labels, lowest first) and each area's class."""

    title: str
    labels: tuple[str, ...]
    area_class: dict[int, int]
    area_text: dict[int, str]
    kind: str  # "count" or "band"


class ThreatMetric(Protocol):
    """Something that shades areas by threat."""

    @property
    def name(self) -> str:
        """A short name for menus and logs."""
        ...

    def shade(self, store: Store, areas: Sequence[AreaShape]) -> ThreatShading:
        """Shade ``areas``."""
        ...


def count_classes(max_count: int, n_classes: int = 5) -> list[tuple[int, int]]:
    """Legend classes (inclusive ranges) for counts 0..max_count: 0 alone, then equal steps."""
    if max_count <= 0:
        return [(0, 0)]
    steps = min(n_classes - 1, max_count)
    width = math.ceil(max_count / steps)
    out = [(0, 0)]
    lo = 1
    while lo <= max_count:
        out.append((lo, lo + width - 1))
        lo += width
    return out


@dataclass(frozen=True)
class ActiveOcgCount:
    """Shade each area by the number of active OCGs whose lead area it is."""

    name: str = "active OCG count"

    def shade(self, store: Store, areas: Sequence[AreaShape]) -> ThreatShading:
        """Count active OCGs per lead area and class the counts for the legend."""
        counts = map_rows.active_ocgs_by_lead_area(store)
        values = {a.id: int(counts.get(a.id, 0)) for a in areas}
        classes = count_classes(max(values.values(), default=0))
        labels = tuple(str(lo) if lo == hi else f"{lo}–{hi}" for lo, hi in classes)
        area_class = {
            aid: next(i for i, (lo, hi) in enumerate(classes) if lo <= v <= hi)
            for aid, v in values.items()
        }
        text = {aid: f"{plural(v, 'active OCG')} (lead area)" for aid, v in values.items()}
        return ThreatShading("Active OCGs (lead area)", labels, area_class, text, "count")


@dataclass(frozen=True)
class HighestBand:
    """Shade each area by the highest band among the active OCGs whose lead area it is."""

    source: BandSource
    order: tuple[str, ...]  # lowest band first
    name: str = "highest band"

    def shade(self, store: Store, areas: Sequence[AreaShape]) -> ThreatShading:
        """Highest band of the area's active lead OCGs (class -1 where there is none)."""
        bands = self.source(store)
        rank = {b: i for i, b in enumerate(self.order)}
        best: dict[int, int] = {}
        for oid, lead in map_rows.active_lead_areas(store):
            if bands.get(oid) in rank:
                best[lead] = max(best.get(lead, -1), rank[bands[oid]])
        area_class = {a.id: best.get(a.id, -1) for a in areas}
        text = {
            aid: (f"highest band {self.order[c]}" if c >= 0 else "no banded active OCG")
            for aid, c in area_class.items()
        }
        return ThreatShading("Highest band (active OCGs)", self.order, area_class, text, "band")


_band_source: tuple[BandSource, tuple[str, ...]] | None = None


def set_band_source(source: BandSource | None, order: Sequence[str] = ()) -> None:
    """Register (or clear, with None) where OCG bands come from; ``order`` is lowest first."""
    global _band_source
    _band_source = (source, tuple(order)) if source is not None else None


def band_order_of(bands: Sequence[str]) -> tuple[str, ...]:
    """OCGM-style bands (``1A`` highest .. ``3C`` lowest) ordered lowest first."""
    return tuple(sorted(set(bands), reverse=True))


def scoring_bands(store: Store) -> dict[int, str]:
    """OCG id -> band of its latest approved assessment (the scoring feature's read model)."""
    from socmap.services import scoring

    return scoring.current_bands(store)


def band_grid(store: Store) -> tuple[str, ...]:
    """Every band the scoring configurations can give, highest first (none without them)."""
    from socmap.services import scoring

    return scoring.band_grid(store)


def band_source(store: Store) -> tuple[BandSource, tuple[str, ...]] | None:
    """The registered band source, else the scoring feature's approved bands when any exist.

    The order is the whole configured band grid (plus any older label still carried), never
    just the bands present, so each band keeps its one colour whichever bands a map shows.
    """
    if _band_source is not None:
        return _band_source
    bands = scoring_bands(store)
    if not bands:
        return None
    return (lambda _store: bands), band_order_of([*band_grid(store), *bands.values()])


def default_metric(store: Store | None = None) -> ThreatMetric:
    """Highest band when bands exist (a registered source, or approved assessments in
    ``store``), else the active OCG count."""
    source = _band_source if store is None else band_source(store)
    if source is not None:
        return HighestBand(source[0], source[1])
    return ActiveOcgCount()


def _ocg_tuples(store: Store, area_id: int | None = None) -> list[tuple]:
    return [
        (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        for r in map_rows.ocg_rows(store, area_id=area_id)
    ]


@dataclass(frozen=True)
class OcgInfo:
    """What the map and the briefing show about one OCG."""

    id: int
    name: str
    status: str
    markets: tuple[str, ...]
    lead_area_id: int | None
    identified_on: str | None
    members: int
    marking: str
    band: str | None = None

    @property
    def ref(self) -> str:
        """``OCG-0042``."""
        return f"OCG-{self.id:04d}"

    @property
    def category(self) -> str:
        """The marker category: the band when there is one, else the primary market."""
        return self.band or (self.markets[0] if self.markets else "unknown")

    @property
    def market_labels(self) -> str:
        """Markets as readable labels, primary first."""
        return ", ".join(MARKETS.get(m, m) for m in self.markets)


@dataclass(frozen=True)
class OcgMarkers:
    """One marker per OCG location, as parallel arrays."""

    location_id: np.ndarray
    ocg_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    area_id: np.ndarray
    kind: np.ndarray  # code into ``kinds``
    kinds: tuple[str, ...]
    active: np.ndarray  # bool: the OCG is not archived
    style: np.ndarray  # code into ``styles``
    styles: tuple[tuple[str, str | None], ...]  # (category, band)

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True)
class IntelLayer:
    """Located intelligence points, sorted by x (for fast viewport cuts)."""

    x: np.ndarray
    y: np.ndarray
    category: np.ndarray  # code into ``categories``
    categories: tuple[str, ...]
    #: how many reports the layer stands for when it holds a sample (0: every report is here)
    reports: int = 0

    def __len__(self) -> int:
        return int(self.x.size)

    @property
    def report_count(self) -> int:
        """How many reports the layer stands for (all of them, even when it holds a sample)."""
        return self.reports or len(self)

    @property
    def sampled(self) -> bool:
        """True when the layer holds a sample of its reports (drawn as density only)."""
        return self.reports > len(self)


#: the density surface's finest cell (m) and how many levels, each twice as coarse, it has
DENSITY_CELL_M = 100.0
DENSITY_LEVELS = 7


@dataclass(frozen=True)
class DensityLevel:
    """One resolution of the intelligence density surface: a shade (0 none, 40-255 more)
    per cell, north row first, cells ``cell`` metres square from (``x0``, ``y1``) down."""

    shade: np.ndarray  # uint8, rows x cols
    x0: float
    y1: float  # top edge (north)
    cell: float

    @property
    def rows(self) -> int:
        return int(self.shade.shape[0])

    @property
    def cols(self) -> int:
        return int(self.shade.shape[1])


@dataclass(frozen=True)
class DensitySurface:
    """How densely intelligence was reported, smoothed, at :data:`DENSITY_LEVELS` resolutions
    (finest first), and a summed-area table of the finest counts for O(1) counts in a box."""

    levels: tuple[DensityLevel, ...]
    sat: np.ndarray  # int32 (int64 from 2**31 reports), (rows + 1) x (cols + 1)
    x0: float
    y1: float
    cell: float


def density_surface(intel: IntelLayer) -> DensitySurface | None:
    """The density surface of ``intel`` (None when it has no points). Pure numpy, so it is made
    where the points are read (the engine's worker process, for the window)."""
    if len(intel) == 0:
        return None
    # the grid covers the reports only (one area's for a briefing: a fifth of the force)
    minx, maxx = float(intel.x[0]) - 1.0, float(intel.x[-1]) + 1.0  # sorted by x
    miny, maxy = float(intel.y.min()) - 1.0, float(intel.y.max()) + 1.0
    cell = DENSITY_CELL_M
    top = 2 ** (DENSITY_LEVELS - 1)
    cols = math.ceil((maxx - minx) / cell / top) * top or top
    rows = math.ceil((maxy - miny) / cell / top) * top or top
    ix = np.clip(((intel.x - minx) / cell).astype(np.int64), 0, cols - 1)
    iy = np.clip(((maxy - intel.y) / cell).astype(np.int64), 0, rows - 1)  # row 0 = north
    grid = np.bincount(iy * cols + ix, minlength=rows * cols).reshape(rows, cols)
    # int32 holds any count below 2**31 reports, and halves what crosses to the window
    sat = np.zeros((rows + 1, cols + 1), dtype=np.int32 if len(intel) < 2**31 else np.int64)
    sat[1:, 1:] = grid.cumsum(axis=0).cumsum(axis=1)
    levels = []
    for k in range(DENSITY_LEVELS):
        levels.append(DensityLevel(_shade(grid), minx, maxy, cell * 2**k))
        if k == DENSITY_LEVELS - 1:
            break
        grid = grid.reshape(grid.shape[0] // 2, 2, grid.shape[1] // 2, 2).sum(axis=(1, 3))
    return DensitySurface(tuple(levels), sat, minx, maxy, cell)


def _shade(grid: np.ndarray) -> np.ndarray:
    # a 3x3 box blur turns counts per cell into a smooth surface (a simple kernel density)
    padded = np.pad(grid.astype(np.float32), 1)
    rows, cols = grid.shape
    smooth = np.asarray(
        sum(padded[dy : dy + rows, dx : dx + cols] for dy in range(3) for dx in range(3))
        / np.float32(9.0)
    )
    nz = smooth[smooth > 0]
    # scale by a high percentile so one hot cell does not wash the rest out
    top = float(np.percentile(nz, 99)) if nz.size else 1.0
    t = np.log1p(smooth) / math.log1p(max(top, 1e-6))
    shade = np.clip((t * 255).astype(np.int64), 0, 255)
    shade[(smooth > 0) & (shade < 40)] = 40  # any report at all stays visible
    return shade.astype(np.uint8)


@dataclass(frozen=True)
class MapData:
    """Everything the map draws, loaded once."""

    areas: tuple[AreaShape, ...]
    threat: ThreatShading
    ocgs: dict[int, OcgInfo]
    markers: OcgMarkers
    intel: IntelLayer
    extent: tuple[float, float, float, float]
    attribution: str
    force_name: str
    latest_date: str | None
    audience: str = "internal"
    band_order: tuple[str, ...] = ()  # lowest band first, when OCGs carry bands
    #: context layers (issue 16): neighbourhood outlines and place names, most important first
    neighbourhoods: tuple[NeighbourhoodShape, ...] = ()
    places: tuple[PlaceLabel, ...] = ()
    #: basemap layers drawn under the threat layers (see ``socmap.render.basemap``)
    basemaps: tuple[object, ...] = ()
    #: the intelligence density surface, made with the data (None: made when first drawn)
    density: DensitySurface | None = None

    def neighbourhood(self, neighbourhood_id: int) -> NeighbourhoodShape | None:
        """The neighbourhood with this id, if any."""
        return next((n for n in self.neighbourhoods if n.id == neighbourhood_id), None)

    def area(self, area_id: int) -> AreaShape | None:
        """The area with this id, if any."""
        return next((a for a in self.areas if a.id == area_id), None)

    def area_named(self, name: str) -> AreaShape | None:
        """The area with this name (case-insensitive), if any."""
        key = name.strip().lower()
        return next((a for a in self.areas if a.name.lower() == key), None)


def intel_allowed(scheme: str, grade: str, handling: str, audience: str, marking: str = "") -> bool:
    """May a stored intelligence item be shown (even as a dot in a density surface)?

    Asks the one handling policy (:func:`socmap.services.handling.may_share`); this only reads
    the stored row's fields.
    """
    return handling_policy.may_share(
        audience=audience,
        marking=marking or None,
        grading=handling_policy.recorded_grading(scheme, grade, handling),
    ).allowed


def check_audience(audience: str) -> str:
    """Validate an audience name."""
    if audience not in AUDIENCES:
        raise ValidationError("audience", f"'{audience}' is not one of {', '.join(AUDIENCES)}")
    return audience


def _area_shapes(store: Store) -> tuple[AreaShape, ...]:
    return tuple(
        shape_of(aid, name, wkb, km2) for aid, name, wkb, km2 in map_rows.area_geometries(store)
    )


def shape_of(aid: int, name: str, wkb: bytes, km2: float, **extra: object) -> AreaShape:
    """A stored outline as rings for drawing, labelled at its largest part's inside point;
    ``extra`` fields make a :class:`NeighbourhoodShape`."""
    cls = NeighbourhoodShape if extra else AreaShape
    geom = shapely.from_wkb(wkb)
    rings: list[np.ndarray] = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        rings.append(np.asarray(poly.exterior.coords, dtype=np.float64)[:, :2])
        rings.extend(np.asarray(r.coords, dtype=np.float64)[:, :2] for r in poly.interiors)
    # label at the largest part's representative point (always inside the area)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    biggest = max(parts, key=lambda p: p.area) if parts else geom
    pt = biggest.representative_point() if not biggest.is_empty else None
    return cls(
        id=int(aid),
        name=name,
        rings=tuple(rings),
        bounds=tuple(float(v) for v in geom.bounds) if not geom.is_empty else (0, 0, 0, 0),  # type: ignore[arg-type]
        label_xy=(float(pt.x), float(pt.y)) if pt is not None else (0.0, 0.0),
        area_km2=float(km2),
        **extra,  # type: ignore[arg-type]
    )


def _markers(
    store: Store, ocgs: dict[int, OcgInfo], *, audience: str, area_id: int | None
) -> OcgMarkers:
    rows = map_rows.location_rows(store, area_id=area_id)
    kinds = tuple(LOCATION_KINDS)
    kind_index = {k: i for i, k in enumerate(kinds)}
    styles: dict[tuple[str, str | None], int] = {}
    keep = []
    for lid, oid, kind, x, y, aid in rows:
        o = ocgs.get(oid)
        if o is None:
            continue
        if area_id is not None and aid != area_id:
            continue
        # A partner briefing leaves out base (home) addresses: they locate named people.
        if audience == "partner" and kind == "base":
            continue
        keep.append((lid, oid, kind, x, y, aid, o))
    n = len(keep)
    k_idx = []
    s_idx = []
    for _lid, _oid, kind, _x, _y, _aid, o in keep:
        k_idx.append(kind_index.setdefault(kind, len(kind_index)))
        s_idx.append(styles.setdefault((o.category, o.band), len(styles)))
    return OcgMarkers(
        location_id=np.array([r[0] for r in keep], dtype=np.int64),
        ocg_id=np.array([r[1] for r in keep], dtype=np.int64),
        x=np.array([r[3] for r in keep], dtype=np.float64).reshape(n),
        y=np.array([r[4] for r in keep], dtype=np.float64).reshape(n),
        area_id=np.array([r[5] for r in keep], dtype=np.int64),
        kind=np.array(k_idx, dtype=np.int16),
        kinds=tuple(kind_index),
        active=np.array([r[6].status != "archived" for r in keep], dtype=bool),
        style=np.array(s_idx, dtype=np.int16),
        styles=tuple(styles),
    )


#: Lean loads (briefings) with more reports than this draw a density surface from a sample.
SAMPLE_ABOVE = 50_000
SAMPLE_TARGET = 40_000


def _intel_lean(
    store: Store, *, audience: str, area_id: int | None
) -> tuple[IntelLayer, str | None]:
    """Positions only (two floats a row, no strings): the briefing path."""
    summary = map_rows.intel_grading_summary(store, area_id=area_id)
    allowed = [row for row in summary if intel_allowed(*row[:3], audience, row[3])]
    latest = max((row[5] for row in allowed if row[5]), default=None)
    total = sum(int(row[4]) for row in allowed)
    # level of detail for print: far above the points limit the map is a density surface
    # whatever the sample, so read a deterministic 1-in-k sample of at most SAMPLE_TARGET rows
    every = math.ceil(total / SAMPLE_TARGET) if total > SAMPLE_ABOVE else 1
    gradings = None if len(allowed) == len(summary) else [r[:4] for r in allowed]
    x, y = map_rows.intel_xy(store, area_id=area_id, gradings=gradings, every=every)
    order = np.argsort(x, kind="stable")
    layer = IntelLayer(
        x[order],
        y[order],
        np.zeros(x.size, dtype=np.int16),
        ("Intelligence",),
        reports=total,
    )
    return layer, latest


def _intel(store: Store, *, audience: str, area_id: int | None) -> IntelLayer:
    x, y, cat, categories, grading, gradings = map_rows.intel_points(store, area_id=area_id)
    if audience != "internal" and len(gradings):
        allowed = np.array([intel_allowed(*g[:3], audience, g[3]) for g in gradings], dtype=bool)
        keep = allowed[grading]
        x, y, cat = x[keep], y[keep], cat[keep]
    order = np.argsort(x, kind="stable")
    return IntelLayer(x[order], y[order], cat[order], tuple(categories))


def load_map_data(
    store: Store,
    *,
    audience: str = "internal",
    area_id: int | None = None,
    metric: ThreatMetric | None = None,
    categories: bool = True,
    progress: Progress | None = None,
    briefing: bool = False,
) -> MapData:
    """Read everything the map draws; ``area_id`` restricts markers and intelligence to one area.

    Non-internal audiences get only intelligence whose handling allows it (see
    :func:`intel_allowed`) and, for partners, no base (home) locations. Without
    ``categories`` intelligence comes as positions only (faster: briefings).
    With ``area_id``, the data currency is that of the area's intelligence and the register.
    ``briefing`` keeps only the basemap layers chosen for briefings and exports.
    """
    check_audience(audience)
    progress = progress or NullProgress()
    progress.status("Loading area outlines")
    areas = _area_shapes(store)
    source = band_source(store)
    bands = source[0](store) if source is not None else {}
    if metric is None:
        metric = (
            HighestBand(lambda _store: bands, source[1]) if source is not None else ActiveOcgCount()
        )
    threat = metric.shade(store, areas)
    check_cancelled(progress)
    progress.status("Loading groups and locations")
    ocgs: dict[int, OcgInfo] = {}
    for oid, name, status, primary, secondary, lead, ident, members, marking in _ocg_tuples(
        store, area_id
    ):
        markets = ((primary,) if primary else ()) + tuple(
            m for m in json.loads(secondary or "[]") if m != primary
        )
        ocgs[oid] = OcgInfo(
            oid, name, status, markets, lead, ident, int(members), marking, bands.get(oid)
        )
    markers = _markers(store, ocgs, audience=audience, area_id=area_id)
    check_cancelled(progress)
    progress.status("Loading intelligence points")
    if categories:
        intel = _intel(store, audience=audience, area_id=area_id)
        intel_latest = (
            map_rows.latest_intel_date(store, area_id=area_id) if area_id is not None else None
        )
    else:
        intel, intel_latest = _intel_lean(store, audience=audience, area_id=area_id)
    check_cancelled(progress)
    if areas:
        b = np.array([a.bounds for a in areas])
        extent = (
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        )
    elif len(markers):
        extent = (
            float(markers.x.min()),
            float(markers.y.min()),
            float(markers.x.max()),
            float(markers.y.max()),
        )
    else:
        extent = (300000.0, 200000.0, 420000.0, 350000.0)
    attributions = map_rows.area_attributions(store)
    from socmap.services import context_layers  # neighbourhoods, places, basemaps (issue 16)

    context = context_layers.load(store, briefing=briefing)
    attributions += [a for a in context.attributions if a not in attributions]
    return MapData(
        areas=areas,
        threat=threat,
        ocgs=ocgs,
        markers=markers,
        intel=intel,
        extent=extent,
        attribution="; ".join(attributions),
        force_name=map_rows.force_name(store),
        latest_date=(
            map_rows.latest_record_date(store)
            if area_id is None
            else max(
                (
                    d
                    for d in (intel_latest, map_rows.latest_record_date(store, with_intel=False))
                    if d
                ),
                default=None,
            )
        ),
        audience=audience,
        band_order=source[1] if source is not None else (),
        neighbourhoods=context.neighbourhoods,
        places=context.places,
        basemaps=context.basemaps,
        density=density_surface(intel),
    )
