"""Commands for SOC local profiles: ``profile status`` and ``export profile``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import open_existing, print_json, print_table
from socmap.cli.progress import ConsoleProgress
from socmap.domain.text import plural
from socmap.export.profile import export_profile
from socmap.services import profiles


def _cmd_status(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        today = args.today or dt.date.today()
        if args.json:
            print_json(profiles.status_json(store, today=today))
            return 0
        statuses = profiles.force_status(store, today=today)
        print(profiles.summary_line(statuses))
        print()
        print_table(
            ["area", "complete", "owner", "review date", "missing"],
            [
                [
                    s.area,
                    f"{s.percent}%",
                    s.owner or "-",
                    s.review_date.isoformat() if s.review_date else "-",
                    len(s.completeness.missing),
                ]
                for s in statuses
            ],
        )
        for s in statuses:
            if s.completeness.missing:
                print(f"\n{s.area}: missing")
                for m in s.completeness.missing:
                    print(f"  - {m}")
    finally:
        store.close()
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    store = open_existing(args)
    try:
        result = export_profile(
            store,
            area=args.area,
            fmt=args.format,
            audience=args.audience,
            path=args.output,
            today=args.today,
            progress=ConsoleProgress("profile"),
        )
    finally:
        store.close()
    pages = f", {plural(result.pages, 'page')}" if result.pages else ""
    print(
        f"wrote {result.path} ({result.fmt.upper()}, {result.audience} audience, "
        f"{result.marking}{pages})"
    )
    return 0


def _cmd_partner_types(args: argparse.Namespace) -> int:
    from socmap.domain.errors import ValidationError
    from socmap.domain.profiles import PartnerType

    store = open_existing(args)
    try:
        if args.set:
            types = []
            for item in args.set:
                key, sep, label = item.partition("=")
                if not sep:
                    raise ValidationError("set", f"'{item}' is not KEY=LABEL")
                types.append(PartnerType(key.strip(), label.strip()))
            profiles.set_partner_types(store, types)
        current = profiles.rules(store).partner_types
    finally:
        store.close()
    if args.json:
        print_json([{"key": t.key, "label": t.label} for t in current])
    else:
        print_table(["key", "label"], [[t.key, t.label] for t in current])
    return 0


def _cmd_partner_text(args: argparse.Namespace) -> int:
    from socmap.services import narrative_clearance

    store = open_existing(args)
    try:
        area = profiles.find_area(store, args.area)
        text = args.file.read_text(encoding="utf-8") if args.file else args.text
        if text is not None:
            narrative_clearance.approve(store, area.id, args.section, text)
            print(f"cleared a partner-safe version of '{args.section}' for {area.name}")
            return 0
        pv = narrative_clearance.preview(store, area.id, args.section)
    finally:
        store.close()
    print(f"{area.name}, section '{pv.section}' v{pv.version}: [[found -> replacement]]\n")
    print(pv.highlighted())
    print(f"\nfound: {len(pv.findings)} (names, aliases, addresses, group names)")
    print("could not judge (check each): " + (", ".join(pv.unjudged) or "nothing"))
    print("\nsuggested partner-safe text (not cleared until approved with --text or --file):\n")
    print(pv.suggested)
    print("\ncleared for this version: " + ("yes" if pv.cleared is not None else "no"))
    return 0


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    p = cli.subcommand(
        "profile",
        "status",
        "show each area's local profile completeness and what is missing",
        _cmd_status,
        group_help="SOC local profiles",
    )
    add_db_argument(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of objects: area, completeness_percent (0-100), missing",
    )
    p.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="judge currency and review dates as of this date (default: today)",
    )

    p = cli.subcommand(
        "profile",
        "partner-types",
        "list, or (admins) replace, the partner types a complete profile expects data from",
        _cmd_partner_types,
    )
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of {key, label}")
    p.add_argument(
        "--set",
        nargs="+",
        metavar="KEY=LABEL",
        help="replace the whole list, e.g. --set health=Health probation=Probation",
    )

    p = cli.subcommand(
        "profile",
        "partner-text",
        "preview what redaction finds in a narrative section, or (supervisors) clear a "
        "partner-safe version of it: partner profiles carry only cleared narrative",
        _cmd_partner_text,
    )
    add_db_argument(p)
    p.add_argument("--area", required=True, help="the policing area's name, e.g. 'Shropshire'")
    p.add_argument("--section", required=True, help="the narrative section key, e.g. threat")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--text", help="clear this text as the partner-safe version")
    src.add_argument("--file", type=Path, help="clear the text in this UTF-8 file")

    p = cli.subcommand(
        "export",
        "profile",
        "write an area's SOC local profile as a marked PDF or an editable DOCX",
        _cmd_export,
        group_help="write files for people (profiles, briefings, calendars)",
    )
    add_db_argument(p)
    p.add_argument("--area", required=True, help="the policing area's name, e.g. 'Shropshire'")
    p.add_argument(
        "--format",
        choices=("pdf", "docx"),
        help="file format (default: the output file's suffix, else pdf; a contradicting suffix "
        "is refused)",
    )
    p.add_argument(
        "--audience",
        choices=("internal", "partner"),
        default="internal",
        help="internal (police only) or partner (no nominal identities, shareable intelligence only)",
    )
    p.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="file to write")
    p.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="date the live data is judged as of (default: today)",
    )
