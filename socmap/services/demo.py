"""The demo force: a deterministic West Mercia-shaped database built through the audited path.

Same seed, same content: every random choice comes from one seeded generator and every date is
counted back from ``as_of``. Names are plainly fictional (made-up surnames from syllables).
Later features add their records through ``DEMO_STEPS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.geo.areas import AreaIndex
from socmap.geo.layers import read_bng_geojson
from socmap.paths import demo_boundaries
from socmap.services import boundaries
from socmap.services.auth import require
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import areas as area_store
from socmap.store import audit, bulk, groups, meta
from socmap.store.db import Store

FORCE_NAME = "West Mercia (demo)"


@dataclass(frozen=True)
class Scale:
    """How big a demo to build."""

    active: int
    archived: int
    trigger: int
    draft: int
    nominals: int
    associations: int
    intel: int


SCALES = {
    "force": Scale(
        active=84, archived=150, trigger=9, draft=5, nominals=700, associations=1400, intel=4000
    ),
    "national": Scale(
        active=4500,
        archived=1400,
        trigger=70,
        draft=30,
        nominals=45000,
        associations=160000,
        intel=1_000_000,
    ),
}


@dataclass
class DemoContext:
    """State shared by the demo's steps."""

    store: Store
    rng: random.Random
    np_rng: np.random.Generator
    as_of: dt.date
    scale_name: str
    scale: Scale
    seed: int
    area_ids: dict[str, int] = field(default_factory=dict)
    area_polygons: dict[int, Any] = field(default_factory=dict)
    index: AreaIndex | None = None
    #: (id, status, lead_area_id, identified_on, archived_on, primary_market)
    ocgs: list[tuple[int, str, int, dt.date, dt.date | None, str]] = field(default_factory=list)
    #: ocg id -> [(nominal id, role)]
    members: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    nominal_ids: list[int] = field(default_factory=list)
    #: ocg id -> [(x, y)]
    locations: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    digest: Any = field(default_factory=hashlib.sha256)

    def days_ago(self, n: int) -> dt.date:
        """The date ``n`` days before ``as_of``."""
        return self.as_of - dt.timedelta(days=n)

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk-insert rows and fold them into the content hash."""
        self.digest.update(table.encode())
        self.digest.update(json.dumps(list(rows[:2000]), default=str).encode())
        self.digest.update(str(len(rows)).encode())
        self.counts[table] = self.counts.get(table, 0) + bulk.insert_rows(
            self.store, table, columns, rows
        )

    def random_points(
        self,
        area_id: int,
        n: int,
        *,
        near: tuple[float, float] | None = None,
        spread: float = 2500.0,
    ) -> np.ndarray:
        """``n`` points inside the area (around ``near`` when given), shape (n, 2)."""
        poly = self.area_polygons[area_id]
        minx, miny, maxx, maxy = poly.bounds
        out: list[np.ndarray] = []
        have = 0
        tries = 0
        while have < n:
            k = max(16, (n - have) * 2)
            if near is not None and tries < 20:
                xs = self.np_rng.normal(near[0], spread, k)
                ys = self.np_rng.normal(near[1], spread, k)
            else:
                xs = self.np_rng.uniform(minx, maxx, k)
                ys = self.np_rng.uniform(miny, maxy, k)
            ok = shapely.contains_xy(poly, xs, ys)
            pts = np.column_stack([xs[ok], ys[ok]])
            out.append(pts)
            have += len(pts)
            tries += 1
        return np.round(np.concatenate(out)[:n], 1)


DemoStep = Callable[[DemoContext, Progress], None]


def _areas_step(ctx: DemoContext, progress: Progress) -> None:
    progress.status("Loading the demo force's area outlines")
    shapes = read_bng_geojson(demo_boundaries())
    boundaries.replace_areas(
        ctx.store,
        shapes,
        source=f"socmap demo: {demo_boundaries().name}",
        attribution=DEMO_BOUNDARY_ATTRIBUTION,
    )
    for row in area_store.area_rows(ctx.store):
        ctx.area_ids[row.name] = row.id
        poly = shapely.from_wkb(row.geom_wkb)
        shapely.prepare(poly)
        ctx.area_polygons[row.id] = poly
    ctx.index = AreaIndex.from_wkb(
        list(ctx.area_polygons), [shapely.to_wkb(p) for p in ctx.area_polygons.values()]
    )


#: Attribution of the demo's shipped geography (data/README.md).
DEMO_BOUNDARY_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2014; contains National Statistics "
    "data © Crown copyright and database right (OGL v3); GeoJSON by Martin Chorley (CC BY 4.0); "
    "generalised for the socmap demo"
)
DEMO_PLACES_ATTRIBUTION = "Contains data from GeoNames (geonames.org), CC BY 4.0"


def _neighbourhoods_step(ctx: DemoContext, progress: Progress) -> None:
    from socmap.paths import demo_neighbourhoods, demo_places
    from socmap.services import neighbourhoods, places

    progress.status("Loading the demo force's neighbourhoods and place names")
    result, _ = neighbourhoods.import_neighbourhoods(
        ctx.store,
        demo_neighbourhoods(),
        name_field="name",
        code_field="code",
        attribution=DEMO_BOUNDARY_ATTRIBUTION,
    )
    found, _ = places.import_places(
        ctx.store, demo_places(), name_field="name", attribution=DEMO_PLACES_ATTRIBUTION
    )
    ctx.counts["neighbourhoods"] = result.neighbourhoods
    ctx.counts["places"] = found.places
    ctx.digest.update(f"neighbourhoods {result.neighbourhoods} places {found.places}".encode())


def _assign_step(ctx: DemoContext, progress: Progress) -> None:
    progress.status("Assigning locations to areas")
    assert ctx.index is not None
    boundaries.reassign_all(ctx.store, ctx.index)


#: The demo's steps, in order. Feature modules append theirs here.
def _register_step(ctx: DemoContext, progress: Progress) -> None:
    from socmap.services.register_demo import register_step

    register_step(ctx, progress)


def _intel_step(ctx: DemoContext, progress: Progress) -> None:
    from socmap.services.register_demo import intel_step

    intel_step(ctx, progress)


DEMO_STEPS: list[DemoStep] = [
    _areas_step,
    _register_step,
    _intel_step,
    _assign_step,
    # Feature steps: each feature appends below its marker (imported lazily in _feature_steps).
]


def _feature_steps() -> list[DemoStep]:
    steps: list[DemoStep] = []
    # geography (issue 3)

    # scoring and schedule (issue 4)
    from socmap.services.scoring_demo import scoring_step

    steps.append(scoring_step)

    # partners and disruptions (issue 5)
    from socmap.services.partners_demo import partners_demo_step

    steps.append(partners_demo_step)

    # local profiles (issue 6)
    from socmap.services.profile_demo import profiles_step

    steps.append(profiles_step)

    # trust (issue 7)
    from socmap.services.review import demo_step as _review_demo_step

    steps.append(_review_demo_step)

    # member network (issue 8)
    from socmap.services.network_demo import network_step

    steps.append(network_step)

    # neighbourhoods and place names (issue 16): last, so every located row gets one
    steps.append(_neighbourhoods_step)

    return steps


def build_demo(
    store: Store,
    *,
    scale: str = "force",
    seed: int = 7,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill an empty database with the demo force; returns row counts per table.

    Runs in one transaction: cancelling or failing leaves the database as it was.
    """
    require(store, Permission.ADMIN, action="build the demo force")
    if scale not in SCALES:
        raise SocmapError(f"unknown scale '{scale}' (use force or national)")
    if groups.ocg_count_by_status(store):
        raise SocmapError("the database already holds OCGs; build the demo into a new file")
    progress = progress or NullProgress()
    ctx = DemoContext(
        store=store,
        rng=random.Random(seed),
        np_rng=np.random.default_rng(seed),
        as_of=as_of or dt.date.today(),
        scale_name=scale,
        scale=SCALES[scale],
        seed=seed,
    )
    with store.atomic():
        meta.set_value(store, "force_name", FORCE_NAME)
        steps = DEMO_STEPS + _feature_steps()
        for i, step in enumerate(steps):
            check_cancelled(progress)
            progress.advance(i, len(steps))
            step(ctx, progress)
        audit.record(
            store,
            action="bulk_load",
            entity="register",
            summary=f"demo force built (scale {scale}, seed {seed}): "
            + ", ".join(f"{v} {k}" for k, v in sorted(ctx.counts.items())),
            after={"counts": ctx.counts},
            extra={
                "source": f"socmap demo --scale {scale} --seed {seed}",
                "as_of": ctx.as_of.isoformat(),
                "sha256": ctx.digest.hexdigest(),
            },
        )
    progress.advance(len(DEMO_STEPS), len(DEMO_STEPS))
    return ctx.counts


def ensure_demo_database(path: Path, *, progress: Progress | None = None) -> None:
    """Build the demo database at ``path`` unless it is already there."""
    from socmap.store.db import open_store

    if path.exists():
        return
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    store = open_store(tmp)
    try:
        build_demo(store, progress=progress)
    finally:
        store.close()
    tmp.replace(path)
