"""Context layers for maps (issue 16): neighbourhood outlines, place names and basemaps.

Read once per map load (no Qt) and carried in ``MapData``: the renderer draws neighbourhood
outlines and names, place names sized by rank, and basemap layers under the threat layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from socmap.services.map_data import NeighbourhoodShape, PlaceLabel, shape_of
from socmap.services.places import place_rank
from socmap.store import neighbourhoods as nb_store
from socmap.store.db import Store


@dataclass(frozen=True)
class Context:
    """What a map draws besides the threat layers."""

    neighbourhoods: tuple[NeighbourhoodShape, ...]
    places: tuple[PlaceLabel, ...]
    basemaps: tuple[object, ...]
    attributions: tuple[str, ...]


def load(store: Store, *, briefing: bool = False) -> Context:
    """The database's neighbourhoods, place names and basemaps, with their attributions
    (``briefing``: only the basemap layers chosen for briefings)."""
    shapes = tuple(
        shape_of(r.id, r.name, r.geom_wkb, r.area_km2, area_id=r.area_id)
        for r in nb_store.neighbourhood_rows(store)
    )
    places = [
        PlaceLabel(name, float(x), float(y), place_rank(kind or "", pop))
        for _i, name, kind, pop, x, y in nb_store.place_rows(store)
    ]
    places.sort(key=lambda p: (-p.rank, p.name))
    from socmap.services import basemaps

    layers = basemaps.load_layers(store, briefing=briefing)
    attributions = list(nb_store.place_attributions(store))
    attributions += [a for a in (b.attribution for b in layers) if a and a not in attributions]
    return Context(
        neighbourhoods=shapes,  # type: ignore[arg-type]
        places=tuple(places),
        basemaps=tuple(layers),
        attributions=tuple(attributions),
    )
