"""Area look-ups shared by services: which area holds a point."""

from __future__ import annotations

from socmap.geo.areas import AreaIndex
from socmap.store import areas
from socmap.store.db import Store


def area_index(store: Store) -> AreaIndex:
    """An index over the database's current areas."""
    rows = areas.area_rows(store)
    return AreaIndex.from_wkb([r.id for r in rows], [r.geom_wkb for r in rows])
