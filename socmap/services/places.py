"""Place names from a points layer, so a reader of a map can tell where they are (issue 16).

Each place keeps a kind (city, town, village, hamlet...) and a population where the file has
them; the map sizes labels by them and places the most important first (see ``place_rank``).
An import replaces every place, in one audited transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from socmap.domain.changes import Changes
from socmap.domain.errors import ImportFailed
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services.auth import require
from socmap.services.boundaries import file_sha256
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.store import audit
from socmap.store import neighbourhoods as nb_store
from socmap.store.db import Store

if TYPE_CHECKING:
    from socmap.geo.layers import PointLayer

#: Field names tried, in order, when no kind or population field is given (GeoNames, OS Open
#: Names, OpenStreetMap place nodes).
KIND_FIELDS = ("kind", "place", "type", "feature_code", "fcode", "LOCAL_TYPE", "local_type")
POPULATION_FIELDS = ("population", "pop", "POPULATION")

#: Importance of a place kind, highest first (OS Open Names LOCAL_TYPE, OSM place=*, GeoNames).
KIND_RANK = {
    "city": 4,
    "pplc": 4,
    "ppla": 4,
    "town": 3,
    "ppla2": 3,
    "suburban area": 2,
    "suburb": 2,
    "village": 2,
    "ppl": 2,
    "hamlet": 1,
    "other settlement": 1,
    "locality": 1,
    "neighbourhood": 1,
}


def place_rank(kind: str, population: int | None) -> int:
    """0 (minor) to 4 (city): population where known, else the kind, else 2 (a village)."""
    if population:
        return (
            4
            if population >= 100_000
            else 3
            if population >= 10_000
            else 2
            if (population >= 1_000)
            else 1
        )
    return KIND_RANK.get(kind.strip().casefold(), 2)


@dataclass(frozen=True)
class PlacesImport:
    """What an import of place names did."""

    path: str
    layer: str
    source_crs: str
    places: int
    kind_field: str | None
    population_field: str | None
    attribution: str

    def lines(self) -> list[str]:
        """The report as lines for people."""
        sized = [f for f in (self.kind_field, self.population_field) if f]
        return [
            f"imported {self.places:,} place name(s) from {Path(self.path).name} (layer "
            f"'{self.layer}', {self.source_crs} -> EPSG:27700)",
            "labels sized by "
            + (
                " and ".join(f"'{f}'" for f in sized)
                if sized
                else "nothing (no place type or population field: every place drawn alike)"
            ),
            *([f"attribution: {self.attribution}"] if self.attribution else []),
        ]


def _population(value: object) -> int | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(v) if math.isfinite(v) and v > 0 else None


def _read_places(
    path: Path,
    *,
    name_field: str,
    layer: str | None,
    kind_field: str | None,
    population_field: str | None,
) -> tuple[PointLayer, str | None, str | None]:
    """The layer's points with the kind and population fields given, or guessed when None
    ("" means none)."""
    from socmap.geo.layers import list_layers, read_points

    fields: set[str] = set()
    for info in list_layers(path):
        if layer is None or info.name == layer:
            fields |= set(info.fields)
    for given in (kind_field, population_field):
        if given and given not in fields:
            raise ImportFailed(
                str(path),
                f"has no field '{given}' (fields: {', '.join(sorted(fields))})",
                field=given,
            )
    if kind_field is None:
        kind_field = next((f for f in KIND_FIELDS if f in fields), None)
    if population_field is None:
        population_field = next((f for f in POPULATION_FIELDS if f in fields), None)
    kind_field, population_field = kind_field or None, population_field or None
    extra = [f for f in (kind_field, population_field) if f]
    read = read_points(path, name_field=name_field, layer=layer, extra=extra)
    return read, kind_field, population_field


RANK_NAMES = ("minor", "hamlet", "village", "town", "city")


@dataclass(frozen=True)
class PlacesPreview:
    """What importing a layer of place names would give (nothing written)."""

    path: str
    layer: str
    source_crs: str
    kind_field: str | None
    population_field: str | None
    rows: tuple[tuple[str, str, int | None, int], ...]  # name, kind, population, rank

    def lines(self) -> list[str]:
        """A summary for people."""
        by_rank = [sum(1 for r in self.rows if r[3] == rank) for rank in range(5)]
        sized = [f"'{f}'" for f in (self.kind_field, self.population_field) if f]
        return [
            f"{plural(len(self.rows), 'place name')} in layer '{self.layer}', "
            f"{self.source_crs} → British National Grid.",
            (
                "Labels sized by " + " and ".join(sized) + ": "
                if sized
                else "No place type or population field: every place drawn alike: "
            )
            + ", ".join(
                plural(n, RANK_NAMES[rank]) for rank, n in reversed(list(enumerate(by_rank))) if n
            )
            + ".",
        ]


def preview_places(
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    kind_field: str | None = None,
    population_field: str | None = None,
) -> PlacesPreview:
    """Read a layer of place names as an import would, without touching any database.

    Raises:
        ImportFailed: the layer cannot be used (not points, no such field, a nameless feature).
    """
    path = Path(path)
    read, kind_field, population_field = _read_places(
        path,
        name_field=name_field,
        layer=layer,
        kind_field=kind_field,
        population_field=population_field,
    )
    kinds = read.fields.get(kind_field or "", ())
    pops = read.fields.get(population_field or "", ())
    rows = []
    for i, name in enumerate(read.names):
        kind = str(kinds[i]).strip() if kinds and kinds[i] is not None else ""
        pop = _population(pops[i]) if pops else None
        rows.append((name, kind, pop, place_rank(kind, pop)))
    rows.sort(key=lambda r: (-r[3], -(r[2] or 0), r[0]))
    return PlacesPreview(
        str(path), read.layer, read.source_crs, kind_field, population_field, tuple(rows)
    )


def import_places(
    store: Store,
    path: Path | str,
    *,
    name_field: str,
    layer: str | None = None,
    kind_field: str | None = None,
    population_field: str | None = None,
    attribution: str = "",
    progress: Progress | None = None,
) -> tuple[PlacesImport, Changes]:
    """Replace the place names with the points of a layer (any CRS), in one transaction.

    ``kind_field`` and ``population_field`` are guessed when None (``KIND_FIELDS``,
    ``POPULATION_FIELDS``); "" means the layer has none.

    Raises:
        PermissionDenied: the account is not an administrator.
        ImportFailed: the layer cannot be used (not points, no such field, a nameless feature).
    """
    progress = progress or NullProgress()
    require(store, Permission.ADMIN, action="replace the map's place names")
    path = Path(path)
    progress.status(f"Reading {path.name}")
    progress.advance(0, 3)
    read, kind_field, population_field = _read_places(
        path,
        name_field=name_field,
        layer=layer,
        kind_field=kind_field,
        population_field=population_field,
    )
    progress.advance(1, 3)
    check_cancelled(progress)
    kinds = read.fields.get(kind_field or "", ())
    pops = read.fields.get(population_field or "", ())
    attribution = attribution.strip()
    source = f"{path.name} (layer {read.layer}, field {name_field})"
    rows = [
        (
            name[:120],
            str(kinds[i]).strip()[:40] if kinds and kinds[i] is not None else "",
            _population(pops[i]) if pops else None,
            read.x[i],
            read.y[i],
            source,
            attribution,
        )
        for i, name in enumerate(read.names)
    ]
    digest = file_sha256(path)
    progress.status(f"Writing {plural(len(rows), 'place name')}")
    progress.advance(2, 3)
    with store.atomic():
        before = nb_store.place_count(store)
        nb_store.replace_places(store, rows)
        audit.record(
            store,
            action="import",
            entity="places",
            summary=f"replaced place names from {source}: {len(rows)} places",
            before={"places": before},
            after={"places": len(rows)},
            extra={"source": source, "file_sha256": digest, "attribution": attribution},
        )
    progress.advance(3, 3)
    result = PlacesImport(
        str(path),
        read.layer,
        read.source_crs,
        len(rows),
        kind_field,
        population_field,
        attribution,
    )
    return result, Changes.everything()


@dataclass(frozen=True)
class Place:
    """A place name to draw: position (EPSG:27700) and rank (0 minor .. 4 city)."""

    name: str
    x: float
    y: float
    rank: int


def places(store: Store, bounds: tuple[float, float, float, float] | None = None) -> list[Place]:
    """The place names (inside ``bounds``), most important first."""
    out = [
        Place(name, float(x), float(y), place_rank(kind or "", pop))
        for _i, name, kind, pop, x, y in nb_store.place_rows(store, bounds)
    ]
    out.sort(key=lambda p: (-p.rank, p.name))
    return out
