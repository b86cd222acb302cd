"""Geography commands: areas import/list, assign, intel import (issue 3)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import open_existing, print_json, print_table
from socmap.cli.progress import ConsoleProgress


def _cmd_areas_import(args: argparse.Namespace) -> int:
    from socmap.services.boundaries import import_boundaries

    store = open_existing(args)
    try:
        result, _changes = import_boundaries(
            store,
            args.file,
            name_field=args.name_field,
            layer=args.layer,
            code_field=args.code_field,
            attribution=args.attribution or "",
            progress=ConsoleProgress("areas import"),
            renames=args.rename or [],
            retire=args.retire or [],
        )
    finally:
        store.close()
    for line in result.lines():
        print(line)
    return 0


def _cmd_areas_list(args: argparse.Namespace) -> int:
    from socmap.services.boundaries import area_summaries

    store = open_existing(args)
    try:
        rows = area_summaries(store)
        retired = area_summaries(store, retired=True)
    finally:
        store.close()
    if args.json:
        print_json([{"name": r.name, "area_km2": round(r.area_km2, 3)} for r in rows])
        return 0
    print_table(
        ["name", "code", "area km2", "source"],
        [[r.name, r.code, f"{r.area_km2:,.2f}", r.source] for r in rows],
    )
    attributions = sorted({r.attribution for r in rows if r.attribution})
    for text in attributions:
        print(f"\nBoundaries: {text}")
    if retired:
        print("\nRetired areas (kept with their history; out of current lists and assignment):")
        for r in retired:
            print(f"  {r.name} (retired {r.retired_on})")
    return 0


def _cmd_assign(args: argparse.Namespace) -> int:
    from socmap.services.assign import assign_csv

    store = open_existing(args)
    try:
        summary = assign_csv(
            store,
            args.input,
            args.output,
            x_column=args.x_column,
            y_column=args.y_column,
            crs=args.crs,
            encoding=args.encoding,
            progress=ConsoleProgress("assign"),
        )
    finally:
        store.close()
    print(summary.line(), file=sys.stderr)
    if summary.area_column != "area":
        print(
            f"the input already has an 'area' column: areas are in '{summary.area_column}'",
            file=sys.stderr,
        )
    return 0


def _cmd_intel_import(args: argparse.Namespace) -> int:
    from socmap.services.intel_import import import_intel

    store = open_existing(args)
    try:
        report, _changes = import_intel(
            store,
            args.file,
            encoding=args.encoding,
            x_column=args.x_column,
            y_column=args.y_column,
            crs=args.crs,
            layer=args.layer,
            only=[c for c in (args.only or "").split(",") if c.strip()],
            progress=ConsoleProgress("intel import"),
        )
    finally:
        store.close()
    for line in report.lines():
        print(line)
    return 0


def _coordinate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--x-column", metavar="C", help="column holding x (easting or longitude)")
    p.add_argument("--y-column", metavar="C", help="column holding y (northing or latitude)")
    p.add_argument(
        "--crs",
        metavar="EPSG",
        help="CRS of the coordinates, e.g. 4326 or EPSG:27700 (default: from the column names)",
    )
    p.add_argument(
        "--encoding", default="utf-8", help="text encoding of a CSV file (default utf-8)"
    )


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    group_help = "the force's areas (local policing areas)"
    p = cli.subcommand(
        "areas",
        "import",
        "load new boundaries from a GeoPackage, GeoJSON or Shapefile (any CRS; features "
        "sharing a name are dissolved into one area). Areas are matched by name (and code "
        "with --code-field) and keep their ids, profiles, actions and partner links: only the "
        "geometry changes. An area the file no longer holds refuses the import until "
        "--rename or --retire says what becomes of it. Every location is re-assigned",
        _cmd_areas_import,
        group_help=group_help,
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the boundary file")
    add_db_argument(p)
    p.add_argument(
        "--name-field", required=True, metavar="FIELD", help="the field holding each area's name"
    )
    p.add_argument("--layer", metavar="NAME", help="the layer to read (files with several)")
    p.add_argument(
        "--code-field",
        metavar="FIELD",
        help="a field holding area codes (optional); an area whose code the file repeats is "
        "matched by code first, and takes the file's name",
    )
    p.add_argument(
        "--rename",
        action="append",
        metavar="OLD=NEW",
        help="carry the area OLD (with everything attached) over to the file's area NEW "
        "(repeatable)",
    )
    p.add_argument(
        "--retire",
        action="append",
        metavar="NAME",
        help="keep the area NAME, which the file no longer holds, as a retired area with its "
        "history: out of current lists and point assignment, its records still readable "
        "(repeatable)",
    )
    p.add_argument(
        "--attribution",
        metavar="TEXT",
        help="licence/attribution text shown with the boundaries, e.g. "
        "'Contains OS data (c) Crown copyright and database right'",
    )

    p = cli.subcommand(
        "areas",
        "list",
        "list the areas with their planar area in km2 (EPSG:27700)",
        _cmd_areas_list,
        group_help=group_help,
    )
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of {name, area_km2}")

    p = cli.command(
        "assign",
        "copy a CSV of points adding an 'area' column (empty outside the force); recognises "
        "data.police.uk Longitude/Latitude, longitude/latitude and easting/northing columns",
        _cmd_assign,
    )
    p.add_argument("input", type=Path, metavar="INPUT.csv", help="the CSV to read")
    add_db_argument(p)
    p.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUTPUT.csv", help="the CSV to write"
    )
    _coordinate_options(p)

    p = cli.subcommand(
        "intel",
        "import",
        "import intelligence points from a CSV (date, type, grading, text, coordinates; "
        "police.uk crime CSVs too) or a point layer, all or nothing, assigned to areas",
        _cmd_intel_import,
        group_help="intelligence points",
    )
    p.add_argument("file", type=Path, metavar="FILE", help="a CSV file or a point layer")
    add_db_argument(p)
    p.add_argument("--layer", metavar="NAME", help="the layer to read (layer files)")
    p.add_argument(
        "--only",
        metavar="CATEGORIES",
        help="comma-separated categories to keep, e.g. 'Drugs,Possession of weapons'",
    )
    _coordinate_options(p)
