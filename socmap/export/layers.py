"""GIS layers for other tools: areas, OCG locations and intelligence as a GeoPackage or KML.

The content is what the map shows the audience (``services.map_data.load_map_data``: the same
handling rules as the briefing map), so a layer file is never a second, looser map: partner and
neighbourhood layers name groups by reference only, partner layers leave out home addresses
and cuckooed addresses (homes of exploited people), a group is written only when
``handling.may_share`` lets the audience see it (its marking; the metadata and audit row say how
many were withheld), and intelligence is kept only where its handling allows. Every layer carries the protective
marking: in the GeoPackage's dataset and layer metadata, in the KML document's name and
description, and as a ``marking`` field on every feature. The file is written beside the target
and moved into place; the audit row records its SHA-256.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import handling
from socmap.services.auth import require
from socmap.services.map_data import load_map_data
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.store import audit
from socmap.store.db import Store

FORMATS = ("gpkg", "kml")


@dataclass(frozen=True)
class LayersResult:
    """What was written."""

    path: Path
    counts: dict[str, int]
    marking: str
    sha256: str
    withheld: dict[str, int] | None = None  # what the handling policy left out, per layer


#: Location kinds never written for a partner: homes (base) locate named people, cuckooed
#: addresses are the homes of exploited people.
PARTNER_HIDDEN_KINDS = frozenset({"base", "cuckooed"})


def _frames(store: Store, audience: str) -> tuple[dict[str, Any], str]:
    frames, mark, _withheld = _frames_withheld(store, audience)
    return frames, mark


def _frames_withheld(store: Store, audience: str) -> tuple[dict[str, Any], str, dict[str, int]]:
    """The layers for ``audience``, their marking and what the handling policy left out: groups
    ``handling.may_share`` withholds (per group, with its marking), and for partners the
    locations of homes and of exploited people (:data:`PARTNER_HIDDEN_KINDS`)."""
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    data = load_map_data(store, audience=audience)
    named = audience == "internal"
    shared = {
        oid
        for oid, o in data.ocgs.items()
        if handling.may_share(audience=audience, marking=o.marking, is_intelligence=False).allowed
    }
    withheld = {"groups": len(data.ocgs) - len(shared), "ocg_locations": 0}
    marking = handling.export_marking([data.ocgs[oid].marking for oid in shared])
    mark = marking.value
    polys = []
    for a in data.areas:
        rings = [r for r in a.rings if len(r) >= 4]
        polys.append((a.name, a.area_km2, Polygon(rings[0], rings[1:]) if rings else None))
    areas = gpd.GeoDataFrame(
        {
            "name": [p[0] for p in polys],
            "area_km2": [round(p[1], 2) for p in polys],
            "marking": [mark] * len(polys),
        },
        geometry=[p[2] for p in polys],
        crs="EPSG:27700",
    )
    m = data.markers
    rows = []
    for i in range(len(m)):
        oid = int(m.ocg_id[i])
        kind = m.kinds[int(m.kind[i])]
        if oid not in shared or (audience == "partner" and kind in PARTNER_HIDDEN_KINDS):
            withheld["ocg_locations"] += 1
            continue
        o = data.ocgs[oid]
        rows.append(
            {
                "ocg": o.ref,
                "name": o.name if named else o.ref,
                "status": o.status,
                "kind": kind,
                "band": o.band or "",
                "marking": mark,
                "geometry": Point(float(m.x[i]), float(m.y[i])),
            }
        )
    locations = gpd.GeoDataFrame(
        rows or {"ocg": [], "name": [], "status": [], "kind": [], "band": [], "marking": [],
                 "geometry": []},
        geometry="geometry",
        crs="EPSG:27700",
    )  # fmt: skip
    intel = gpd.GeoDataFrame(
        {
            "category": [data.intel.categories[int(c)] for c in data.intel.category],
            "marking": [mark] * len(data.intel),
        },
        geometry=gpd.points_from_xy(data.intel.x, data.intel.y),
        crs="EPSG:27700",
    )
    frames = {"areas": areas, "ocg_locations": locations, "intelligence": intel}
    return frames, mark, withheld


def write_layers(store: Store, *, fmt: str | None, audience: str, path: Path) -> LayersResult:
    """Write the audience's layers to ``path`` as ``gpkg`` or ``kml`` (audited)."""
    require(store, Permission.EXPORT, action="export map layers")
    path = check_target(store, path, replace_geopackage=True)
    fmt = format_for(path, fmt, FORMATS, default="gpkg")
    aud = handling.parse_audience(audience).value
    import pyogrio

    frames, mark, withheld = _frames_withheld(store, aud)
    title = f"{mark} - socmap layers ({aud} audience)"
    note = (
        f"Withheld by the handling policy: {plural(withheld['groups'], 'group')}, "
        f"{plural(withheld['ocg_locations'], 'group location')}."
        if any(withheld.values())
        else ""
    )

    def write(tmp: Path) -> None:
        first = True
        for layer, df in frames.items():
            if fmt == "gpkg":
                pyogrio.write_dataframe(
                    df,
                    tmp,
                    layer=layer,
                    driver="GPKG",
                    append=not first,
                    layer_metadata={
                        "DESCRIPTION": title,
                        "marking": mark,
                        "audience": aud,
                        "withheld": note,
                    },
                    dataset_metadata={"marking": mark, "audience": aud} if first else None,
                )
            else:
                pyogrio.write_dataframe(
                    df.to_crs("EPSG:4326"), tmp, layer=layer, driver="LIBKML", append=not first
                )
            first = False
        if fmt == "kml":
            text = tmp.read_text(encoding="utf-8")
            text = re.sub(
                r'(<Document id="root_doc">)',
                rf"\1<name>{title}</name><description>Protective marking: {mark}. "
                rf"Audience: {aud}. {note}</description>",
                text,
                count=1,
            )
            tmp.write_text(text, encoding="utf-8")

    counts = {k: len(v) for k, v in frames.items()}

    def record(written: Written) -> str:
        audit.record(
            store,
            action="export",
            entity="layers",
            summary=f"map layers exported as {fmt} for the {aud} audience: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            + (f"; withheld by the handling policy: {plural(withheld['groups'], 'group')}, "
               f"{plural(withheld['ocg_locations'], 'location')}" if any(withheld.values())
               else "")
            + f"; marked {mark}",
            extra={"file": str(written.path), "sha256": written.sha256, "format": fmt,
                   "audience": aud, "marking": mark, "counts": counts, "withheld": withheld},
        )  # fmt: skip
        return written.sha256

    sha = write_file(store, path, write, record, replace_geopackage=True)
    return LayersResult(path, counts, mark, sha, withheld)
