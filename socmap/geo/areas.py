"""Point-in-area assignment over a force's areas, vectorised with shapely 2.

Each point is tested only against the areas whose bounding box holds it (a numpy prefilter),
on prepared polygons, and is no longer a candidate once an area takes it. Areas are tested
in id order with ``shapely.intersects_xy``: on a prepared polygon it costs exactly what
``contains_xy`` costs (measured: 0.265 s vs 0.261 s for 1M points x 5 areas), but it also holds
the boundary, so a point on a shared boundary goes to the lower area id in the same single pass:
exactly one area, the same one every time. (``contains_xy`` then a boundary pass over the misses
took 1.6x longer.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class AreaIndex:
    """Polygons (EPSG:27700) with their area ids, ready for fast point assignment."""

    ids: tuple[int, ...]
    polygons: tuple[BaseGeometry, ...]
    bounds: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)), compare=False)

    def __post_init__(self) -> None:
        for p in self.polygons:
            shapely.prepare(p)
        b = shapely.bounds(list(self.polygons)) if self.polygons else np.zeros((0, 4))
        object.__setattr__(self, "bounds", np.asarray(b, dtype=np.float64).reshape(-1, 4))

    @staticmethod
    def from_wkb(ids: Sequence[int], wkbs: Sequence[bytes]) -> AreaIndex:
        """Build from stored WKB (prepared for repeated tests), ordered by id."""
        polys = tuple(shapely.from_wkb(list(wkbs))) if wkbs else ()
        order = np.argsort(np.asarray(ids, dtype=np.int64)) if ids else np.array([], dtype=int)
        return AreaIndex(tuple(int(ids[i]) for i in order), tuple(polys[i] for i in order))

    def assign(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Area id per point (0 where no area contains it); NaN coordinates give 0."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        out = np.zeros(x.shape, dtype=np.int64)
        if not self.ids or x.size == 0:
            return out
        todo = np.isfinite(x) & np.isfinite(y)  # NaN: missing coordinates stay 0
        for k, poly in enumerate(self.polygons):
            minx, miny, maxx, maxy = self.bounds[k]
            cand = np.flatnonzero(todo & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
            if cand.size == 0:
                continue
            won = cand[shapely.intersects_xy(poly, x[cand], y[cand])]
            out[won] = self.ids[k]
            todo[won] = False
        return out
        fx0, fy0 = self.bounds[:, 0].min(), self.bounds[:, 1].min()
        fx1, fy1 = self.bounds[:, 2].max(), self.bounds[:, 3].max()
        # NaN fails every comparison, so missing coordinates drop out here.
        todo = np.flatnonzero((x >= fx0) & (x <= fx1) & (y >= fy0) & (y <= fy1))
        px, py = x[todo], y[todo]
        for k, poly in enumerate(self.polygons):
            if todo.size == 0:
                break
            minx, miny, maxx, maxy = self.bounds[k]
            cand = np.flatnonzero((px >= minx) & (px <= maxx) & (py >= miny) & (py <= maxy))
            if cand.size == 0:
                continue
            won = cand[shapely.intersects_xy(poly, px[cand], py[cand])]
            out[todo[won]] = self.ids[k]
            keep = np.ones(todo.size, dtype=bool)
            keep[won] = False
            todo, px, py = todo[keep], px[keep], py[keep]
        return out
        fx0, fy0 = self.bounds[:, 0].min(), self.bounds[:, 1].min()
        fx1, fy1 = self.bounds[:, 2].max(), self.bounds[:, 3].max()
        # NaN fails every comparison, so missing coordinates drop out here.
        todo = np.flatnonzero((x >= fx0) & (x <= fx1) & (y >= fy0) & (y <= fy1))
        px, py = x[todo], y[todo]
        edge: list[np.ndarray] = []  # per area: candidates not in its interior (maybe on the edge)
        for k, poly in enumerate(self.polygons):
            if todo.size == 0:
                break
            minx, miny, maxx, maxy = self.bounds[k]
            inbox = (px >= minx) & (px <= maxx) & (py >= miny) & (py <= maxy)
            cand = np.flatnonzero(inbox)
            if cand.size == 0:
                edge.append(np.zeros(0, dtype=np.int64))
                continue
            hit = shapely.contains_xy(poly, px[cand], py[cand])
            out[todo[cand[hit]]] = self.ids[k]
            edge.append(todo[cand[~hit]])
            keep = np.ones(todo.size, dtype=bool)
            keep[cand[hit]] = False
            todo, px, py = todo[keep], px[keep], py[keep]
        # Boundary pass, in id order: only points still unassigned that some bbox held.
        for k, cand in enumerate(edge):
            cand = cand[out[cand] == 0]
            if cand.size == 0:
                continue
            on_edge = shapely.touches(self.polygons[k], shapely.points(x[cand], y[cand]))
            out[cand[on_edge]] = self.ids[k]
        return out

    def assign_one(self, x: float, y: float) -> int | None:
        """The area id of one point, or None outside every area."""
        found = int(self.assign(np.array([x]), np.array([y]))[0])
        return found or None


#: Overlaps smaller than this are slivers (digitising noise along shared edges), not reported.
SLIVER_KM2 = 0.01
#: ... or smaller than this share of the smaller of the two areas.
SLIVER_SHARE = 0.001


@dataclass(frozen=True)
class Overlap:
    """Two areas that cover the same ground by more than a sliver."""

    a: str
    b: str
    km2: float
    share: float  # of the smaller area

    def describe(self) -> str:
        """One line for a report."""
        return (
            f"'{self.a}' and '{self.b}' overlap by {self.km2:,.2f} km2 "
            f"({self.share:.1%} of the smaller)"
        )


def overlaps(
    names: Sequence[str],
    polygons: Sequence[BaseGeometry],
    *,
    min_km2: float = SLIVER_KM2,
    min_share: float = SLIVER_SHARE,
) -> list[Overlap]:
    """Pairs of areas whose interiors overlap by at least ``min_km2`` and ``min_share``."""
    if len(polygons) < 2:
        return []
    tree = shapely.STRtree(list(polygons))
    left, right = tree.query(list(polygons), predicate="intersects")
    out = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        km2 = float(shapely.intersection(polygons[i], polygons[j]).area) / 1e6
        smaller = min(polygons[i].area, polygons[j].area) / 1e6
        share = km2 / smaller if smaller else 0.0
        if km2 >= min_km2 and share >= min_share:
            out.append(Overlap(names[i], names[j], km2, share))
    return sorted(out, key=lambda o: -o.km2)
