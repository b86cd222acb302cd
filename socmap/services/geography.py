"""Area look-ups shared by services: which area holds a point."""

from __future__ import annotations

from dataclasses import dataclass

from socmap.geo.areas import AreaIndex
from socmap.store import areas, geo_rows
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


def bng_to_lonlat(easting: float, northing: float) -> tuple[float, float]:
    """One British National Grid point as WGS84 longitude/latitude (for i2 and KML)."""
    import numpy as np

    from socmap.geo.crs import from_bng

    x, y = from_bng(np.array([easting]), np.array([northing]))
    return round(float(x[0]), 6), round(float(y[0]), 6)


def coordinates_to_bng(x: float, y: float, system: str) -> tuple[float, float, str]:
    """(easting, northing, source CRS) for coordinates entered as BNG or WGS84 lon/lat.

    ``system`` is ``"bng"`` (x = easting, y = northing) or ``"wgs84"`` (x = longitude,
    y = latitude). The add-location dialog and ``socmap location add`` both call this.
    """
    from socmap.domain.errors import ValidationError

    if system == "wgs84":
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise ValidationError("coordinates", "longitude/latitude out of range")
        e, n = lonlat_to_bng(x, y)
        return round(e, 1), round(n, 1), "EPSG:4326"
    return x, y, "EPSG:27700"


# --- an OCG's areas of operation (issue 3): derived from its locations on every read ---------


@dataclass(frozen=True)
class OcgGeography:
    """Where an OCG operates, derived from its recorded locations (so always current).

    ``areas`` holds (area name, number of locations) with the busiest area first.
    ``cross_border``: the group operates in more than one of the force's areas, or has
    locations outside the force.
    """

    ocg_id: int
    areas: tuple[tuple[str, int], ...]
    outside: int

    @property
    def area_names(self) -> tuple[str, ...]:
        """The areas of operation, busiest first."""
        return tuple(name for name, _n in self.areas)

    @property
    def crosses_areas(self) -> bool:
        """Locations in two or more of the force's areas."""
        return len(self.areas) > 1

    @property
    def outside_force(self) -> bool:
        """At least one location outside every area of the force."""
        return self.outside > 0

    @property
    def cross_border(self) -> bool:
        """Operates across an area boundary or the force boundary."""
        return self.crosses_areas or self.outside_force

    @property
    def label(self) -> str:
        """E.g. ``Shropshire, Telford & Wrekin + outside the force``."""
        text = ", ".join(self.area_names) or "no located activity"
        return text + (" + outside the force" if self.outside else "")


def _geographies(store: Store, ocg_id: int | None) -> dict[int, OcgGeography]:
    names = {int(a.id): a.name for a in areas.list_areas(store, include_retired=True)}
    grouped: dict[int, tuple[list[tuple[str, int]], list[int]]] = {}
    for oid, aid, n in geo_rows.location_area_counts(store, ocg_id):
        found, outside = grouped.setdefault(oid, ([], [0]))
        if aid is None or aid not in names:
            outside[0] += n
        else:
            found.append((names[aid], n))
    return {
        oid: OcgGeography(oid, tuple(sorted(found, key=lambda t: (-t[1], t[0]))), outside[0])
        for oid, (found, outside) in grouped.items()
    }


def ocg_geography(store: Store, ocg_id: int) -> OcgGeography:
    """One OCG's areas of operation and cross-border flag (empty when it has no locations)."""
    return _geographies(store, ocg_id).get(ocg_id, OcgGeography(ocg_id, (), 0))


def all_ocg_geographies(store: Store) -> dict[int, OcgGeography]:
    """Areas of operation of every OCG that has locations, in one query."""
    return _geographies(store, None)
