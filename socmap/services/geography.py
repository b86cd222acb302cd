"""Area look-ups shared by services: which area holds a point."""

from __future__ import annotations

from socmap.geo.areas import AreaIndex
from socmap.store import areas
from socmap.store.db import Store


def area_index(store: Store) -> AreaIndex:
    """An index over the database's current areas."""
    rows = areas.area_rows(store)
    return AreaIndex.from_wkb([r.id for r in rows], [r.geom_wkb for r in rows])


def lonlat_to_bng(lon: float, lat: float) -> tuple[float, float]:
    """One WGS84 longitude/latitude as British National Grid easting/northing."""
    import numpy as np

    from socmap.geo.crs import WGS84, to_bng

    x, y = to_bng(np.array([lon]), np.array([lat]), WGS84)
    return float(x[0]), float(y[0])
