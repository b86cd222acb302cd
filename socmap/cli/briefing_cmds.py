"""Briefing maps: ``socmap export briefing``."""

from __future__ import annotations

import argparse
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import add_marking_options, open_existing
from socmap.cli.progress import ConsoleProgress
from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.export.briefing import FORMATS, export_briefing
from socmap.services.map_data import AUDIENCES


def _cmd_briefing(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if args.by_neighbourhood and not args.area:
        raise ValidationError("by-neighbourhood", "give the area with --area NAME")
    store = open_existing(args)
    try:
        neighbourhoods = None
        if args.neighbourhood:
            neighbourhoods = [args.neighbourhood]
        elif args.by_neighbourhood:
            from socmap.services.briefing import neighbourhood_labels

            neighbourhoods = neighbourhood_labels(store, args.area)
        result = export_briefing(
            store,
            output=output,
            fmt=args.format,
            audience=args.audience,
            areas=None if args.all else [args.area],
            marking=args.marking,
            submit_text=args.submit_text,
            marking_reason=args.marking_reason or "",
            progress=ConsoleProgress("briefing"),
            neighbourhoods=neighbourhoods,
        )
    finally:
        store.close()
    pages = plural(result.pages, "page")
    for f in result.files:
        print(f"wrote {f} ({pages if len(result.files) == 1 else '1 page'}, {args.audience})")
    return 0


def add_commands(cli: Cli) -> None:
    """Add ``export briefing``."""
    p = cli.subcommand(
        "export",
        "briefing",
        "write a marked briefing map (PDF, PNG or SVG) for one area or neighbourhood, or a PDF "
        "atlas of all areas or of an area's neighbourhoods",
        _cmd_briefing,
        group_help="write files for people: briefings",
    )
    add_db_argument(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--area", metavar="NAME", help="the area to brief on")
    which.add_argument(
        "--all",
        action="store_true",
        help="every area: one page per area (a PDF atlas; PNG/SVG write one file per area)",
    )
    which.add_argument(
        "--neighbourhood",
        metavar="NAME",
        help="one neighbourhood, zoomed to it with its surroundings (NAME, or AREA/NAME when "
        "several areas have a neighbourhood of that name)",
    )
    p.add_argument(
        "--by-neighbourhood",
        action="store_true",
        help="with --area: an atlas of the area's neighbourhoods, one page each",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="file format (default: the output file's suffix, else pdf; a contradicting "
        "suffix is refused)",
    )
    p.add_argument(
        "--audience",
        choices=AUDIENCES,
        required=True,
        help="internal shows names; neighbourhood and partner versions withhold nominal "
        "identities and restricted intelligence (partner: also home addresses)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    add_marking_options(p)
    p.add_argument(
        "--submit-text",
        default=None,
        metavar="TEXT",
        help="replace the 'how to submit intelligence' text for this export",
    )
