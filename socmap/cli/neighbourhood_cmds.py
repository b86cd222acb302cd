"""Neighbourhood and place-name commands (issue 16)."""

from __future__ import annotations

import argparse
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import open_existing, print_json, print_table
from socmap.cli.progress import ConsoleProgress


def _cmd_import(args: argparse.Namespace) -> int:
    from socmap.services.neighbourhoods import import_neighbourhoods

    store = open_existing(args)
    try:
        result, _changes = import_neighbourhoods(
            store,
            args.file,
            name_field=args.name_field,
            layer=args.layer,
            code_field=args.code_field,
            attribution=args.attribution or "",
            progress=ConsoleProgress("neighbourhoods import"),
        )
    finally:
        store.close()
    for line in result.lines():
        print(line)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from socmap.services.neighbourhoods import neighbourhoods

    store = open_existing(args)
    try:
        rows = neighbourhoods(store)
    finally:
        store.close()
    if args.area:
        rows = [r for r in rows if (r.area or "").casefold() == args.area.strip().casefold()]
    if args.json:
        print_json(
            [{"name": r.name, "area": r.area, "area_km2": round(r.area_km2, 3)} for r in rows]
        )
        return 0
    print_table(
        ["area", "name", "code", "area km2"],
        [[r.area or "", r.name, r.code, f"{r.area_km2:,.2f}"] for r in rows],
    )
    return 0


def _cmd_places_import(args: argparse.Namespace) -> int:
    from socmap.services.places import import_places

    store = open_existing(args)
    try:
        result, _changes = import_places(
            store,
            args.file,
            name_field=args.name_field,
            layer=args.layer,
            kind_field=args.kind_field,
            population_field=args.population_field,
            attribution=args.attribution or "",
            progress=ConsoleProgress("places import"),
        )
    finally:
        store.close()
    for line in result.lines():
        print(line)
    return 0


def _cmd_basemap_add(args: argparse.Namespace) -> int:
    from socmap.services.basemaps import add_basemap

    store = open_existing(args)
    try:
        layer, _changes = add_basemap(
            store,
            args.kind,
            args.source,
            name=args.name or "",
            layer=args.layer or "",
            style=args.style,
            class_field=args.class_field or "",
            attribution=args.attribution or "",
            grid=args.grid or "",
            matrix_set=args.matrix_set or "",
            in_briefings=not args.not_in_briefings,
        )
    finally:
        store.close()
    print(f"added basemap layer {layer.id} '{layer.name}' ({layer.describe()})")
    return 0


def _cmd_basemap_list(args: argparse.Namespace) -> int:
    from socmap.services.basemaps import load_layers

    store = open_existing(args)
    try:
        layers = load_layers(store)
    finally:
        store.close()
    if args.json:
        print_json([dict(layer.__dict__) for layer in layers])
        return 0
    print_table(
        ["id", "name", "kind", "grid", "layer", "style", "briefings", "source", "attribution"],
        [
            [
                x.id,
                x.name,
                x.kind,
                x.grid or ("web mercator" if x.kind in ("xyz", "wmts", "mbtiles") else ""),
                x.layer,
                x.style,
                "yes" if x.in_briefings else "no",
                x.source,
                x.attribution,
            ]
            for x in layers
        ],
    )
    return 0


def _cmd_basemap_briefings(args: argparse.Namespace) -> int:
    from socmap.services.basemaps import set_in_briefings

    store = open_existing(args)
    try:
        set_in_briefings(store, args.id, args.choice == "yes")
    finally:
        store.close()
    print(
        f"basemap layer {args.id} "
        + ("drawn in briefings" if args.choice == "yes" else "left out of briefings")
    )
    return 0


def _cmd_basemap_remove(args: argparse.Namespace) -> int:
    from socmap.services.basemaps import remove_basemap

    store = open_existing(args)
    try:
        remove_basemap(store, args.id)
    finally:
        store.close()
    print(f"removed basemap layer {args.id}")
    return 0


def _attribution(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--attribution",
        metavar="TEXT",
        help="licence/attribution text printed on maps, e.g. "
        "'Contains OS data (c) Crown copyright and database right'",
    )


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    group_help = "neighbourhoods: areas inside the force's areas (e.g. wards)"
    p = cli.subcommand(
        "neighbourhoods",
        "import",
        "replace the neighbourhoods with the polygons of a GeoPackage, GeoJSON or Shapefile "
        "(any CRS; each belongs to the area holding most of it; names need only be unique "
        "within an area; work is re-assigned and kept by area and name)",
        _cmd_import,
        group_help=group_help,
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the neighbourhood boundary file")
    add_db_argument(p)
    p.add_argument(
        "--name-field",
        required=True,
        metavar="FIELD",
        help="the field holding each neighbourhood's name",
    )
    p.add_argument("--layer", metavar="NAME", help="the layer to read (files with several)")
    p.add_argument("--code-field", metavar="FIELD", help="a field holding codes (optional)")
    _attribution(p)

    p = cli.subcommand(
        "neighbourhoods",
        "list",
        "list the neighbourhoods with their area and planar area in km2 (EPSG:27700)",
        _cmd_list,
        group_help=group_help,
    )
    add_db_argument(p)
    p.add_argument("--area", metavar="NAME", help="only the neighbourhoods of this area")
    p.add_argument(
        "--json", action="store_true", help="print a JSON list of {name, area, area_km2}"
    )

    p = cli.subcommand(
        "places",
        "import",
        "replace the map's place names with the points of a layer (any CRS); labels are "
        "sized by place type or population where the layer has them",
        _cmd_places_import,
        group_help="place names drawn on maps",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="a point layer (GeoJSON, GPKG, SHP)")
    add_db_argument(p)
    p.add_argument(
        "--name-field", required=True, metavar="FIELD", help="the field holding each place's name"
    )
    p.add_argument("--layer", metavar="NAME", help="the layer to read (files with several)")
    p.add_argument(
        "--kind-field",
        metavar="FIELD",
        help="a field holding the place type (city, town, village...; default: guessed)",
    )
    p.add_argument(
        "--population-field",
        metavar="FIELD",
        help="a field holding the population (default: guessed)",
    )
    _attribution(p)

    group_help = "basemap layers drawn under the threat layers (vector files, XYZ/WMTS, MBTiles)"
    p = cli.subcommand(
        "basemap",
        "add",
        "add a basemap layer on top of the others: a vector file (roads by class, water, "
        "built-up, woodland; OS Open Zoomstack / OpenMap Local / Open Roads layer names styled "
        "automatically), an XYZ or WMTS tile service (cached on disk for offline use) or an "
        "MBTiles file",
        _cmd_basemap_add,
        group_help=group_help,
    )
    from socmap.services.basemaps import KINDS, STYLES

    p.add_argument("kind", choices=KINDS, help="vector, xyz, wmts or mbtiles")
    p.add_argument(
        "source",
        metavar="FILE_OR_URL",
        help="a GeoPackage/Shapefile/GeoJSON or .mbtiles file, or a tile URL such as "
        "https://host/{z}/{x}/{y}.png (WMTS: the service's KVP endpoint)",
    )
    add_db_argument(p)
    p.add_argument("--name", help="a name for the layer list (default: the layer's)")
    p.add_argument("--layer", metavar="NAME", help="the layer to draw (vector file; WMTS layer)")
    p.add_argument(
        "--style",
        choices=STYLES,
        default="auto",
        help="how to draw a vector layer (default: from its name)",
    )
    p.add_argument(
        "--class-field",
        metavar="FIELD",
        help="the field holding road classes (default: class, type, road_classification...)",
    )
    p.add_argument(
        "--grid",
        metavar="GRID",
        help="a tile service's grid: webmercator (default) or EPSG:27700 (British National "
        "Grid, as the OS Maps API's EPSG:27700 set and *_27700 ZXY layers)",
    )
    p.add_argument(
        "--matrix-set",
        metavar="NAME",
        help="WMTS: the TILEMATRIXSET name (default GoogleMapsCompatible, or EPSG:27700)",
    )
    p.add_argument(
        "--not-in-briefings",
        action="store_true",
        help="draw it on screen only, not in briefings and other exports",
    )
    _attribution(p)

    p = cli.subcommand(
        "basemap",
        "list",
        "list the basemap layers, bottom first",
        _cmd_basemap_list,
        group_help=group_help,
    )
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = cli.subcommand(
        "basemap",
        "briefings",
        "choose whether briefings and other exports draw a basemap layer (the map on screen "
        "draws every layer)",
        _cmd_basemap_briefings,
        group_help=group_help,
    )
    p.add_argument("id", type=int, metavar="ID", help="the layer's id (see basemap list)")
    p.add_argument("choice", choices=("yes", "no"), help="yes: drawn in briefings; no: left out")
    add_db_argument(p)

    p = cli.subcommand(
        "basemap", "remove", "remove a basemap layer", _cmd_basemap_remove, group_help=group_help
    )
    p.add_argument("id", type=int, metavar="ID", help="the layer's id (see basemap list)")
    add_db_argument(p)
