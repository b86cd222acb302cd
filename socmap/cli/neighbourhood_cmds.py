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
