"""Briefing maps: ``socmap export briefing``."""

from __future__ import annotations

import argparse
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import open_existing
from socmap.cli.progress import ConsoleProgress
from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.export.briefing import FORMATS, export_briefing
from socmap.services.map_data import AUDIENCES


def _cmd_briefing(args: argparse.Namespace) -> int:
    output = Path(args.output)
    fmt = args.format or output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValidationError(
            "format", f"give --format {'|'.join(FORMATS)} (or an output name ending in one)"
        )
    store = open_existing(args)
    try:
        result = export_briefing(
            store,
            output=output,
            fmt=fmt,
            audience=args.audience,
            areas=None if args.all else [args.area],
            marking=args.marking,
            submit_text=args.submit_text,
            marking_reason=args.marking_reason or "",
            progress=ConsoleProgress("briefing"),
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
        "write a marked briefing map (PDF, PNG or SVG) for one area, or a PDF atlas of all areas",
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
    p.add_argument(
        "--format", choices=FORMATS, help="file format (default: from the output file's suffix)"
    )
    p.add_argument(
        "--audience",
        choices=AUDIENCES,
        required=True,
        help="internal shows names; neighbourhood and partner versions withhold nominal "
        "identities and restricted intelligence (partner: also home addresses)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    p.add_argument(
        "--marking",
        default=None,
        help="protective marking (default OFFICIAL-SENSITIVE; SECRET and above are refused)",
    )
    p.add_argument(
        "--marking-reason",
        default=None,
        metavar="TEXT",
        help="why the marking is lowered below OFFICIAL-SENSITIVE (recorded in the audit trail)",
    )
    p.add_argument(
        "--submit-text",
        default=None,
        metavar="TEXT",
        help="replace the 'how to submit intelligence' text for this export",
    )
