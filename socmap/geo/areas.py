"""Point-in-area assignment over a force's areas, vectorised with shapely 2.

Areas are tested in id order and a point takes the first area that *intersects* it, so a point
lying exactly on a shared boundary lands in exactly one area, the same one every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class AreaIndex:
    """Polygons (EPSG:27700) with their area ids, ready for fast point assignment."""

    ids: tuple[int, ...]
    polygons: tuple[BaseGeometry, ...]

    @staticmethod
    def from_wkb(ids: Sequence[int], wkbs: Sequence[bytes]) -> AreaIndex:
        """Build from stored WKB (prepared for repeated tests)."""
        polys = tuple(shapely.from_wkb(list(wkbs))) if wkbs else ()
        for p in polys:
            shapely.prepare(p)
        order = np.argsort(np.asarray(ids, dtype=np.int64)) if ids else np.array([], dtype=int)
        return AreaIndex(tuple(int(ids[i]) for i in order), tuple(polys[i] for i in order))

    def assign(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Area id per point (0 where no area contains it); NaN coordinates give 0."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        out = np.zeros(x.shape, dtype=np.int64)
        todo = np.isfinite(x) & np.isfinite(y)
        for area_id, poly in zip(self.ids, self.polygons, strict=True):
            if not todo.any():
                break
            minx, miny, maxx, maxy = poly.bounds
            cand = todo & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
            idx = np.flatnonzero(cand)
            if idx.size == 0:
                continue
            hit = shapely.intersects_xy(poly, x[idx], y[idx])
            won = idx[hit]
            out[won] = area_id
            todo[won] = False
        return out

    def assign_one(self, x: float, y: float) -> int | None:
        """The area id of one point, or None outside every area."""
        found = int(self.assign(np.array([x]), np.array([y]))[0])
        return found or None
