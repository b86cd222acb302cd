"""Commands for the shared PostgreSQL + PostGIS register (a DBA's: init and import)."""

from __future__ import annotations

import argparse
from pathlib import Path

from socmap.cli import Cli
from socmap.domain.text import plural
from socmap.services import server


def _cmd_init(args: argparse.Namespace) -> int:
    report = server.init(args.url, admins=args.admin)
    if report.created:
        print(
            f"created socmap's register on {report.target}: {plural(report.tables, 'table')},"
            " four group roles, their grants and rules, and the audit trigger"
        )
    else:
        print(f"{report.target} already holds a socmap register; nothing was changed")
    for login in report.admins:
        print(f"{login} is a socmap admin there")
    if report.created and not report.admins:
        print("next: socmap users add LOGIN --role admin --db URL (as the database owner)")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    report = server.import_file(args.file, args.url)
    total = sum(report.rows.values())
    print(
        f"copied {args.file} into {report.target}: {plural(total, 'row')} in "
        f"{plural(len(report.rows), 'table')}, {plural(report.audit_rows, 'audit row')}"
    )
    print(f"verified: every table's row count, and the audit chain to head {report.audit_head}")
    return 0


def add_commands(cli: Cli) -> None:
    """Register the ``server`` commands."""
    g = "set up and fill the shared PostgreSQL register (for a DBA)"
    p = cli.subcommand(
        "server",
        "init",
        "create socmap's schema, group roles, grants and rules on an empty PostgreSQL database",
        _cmd_init,
        group_help=g,
    )
    p.add_argument("url", help="the database: postgresql://HOST/DATABASE or 'service=NAME'")
    p.add_argument(
        "--admin",
        action="append",
        default=[],
        metavar="LOGIN",
        help="make this PostgreSQL login a socmap admin (created without a password when "
        "missing; repeatable)",
    )
    p = cli.subcommand(
        "server",
        "import",
        "copy a socmap database file into a newly initialised server register, and verify it",
        _cmd_import,
        group_help=g,
    )
    p.add_argument("file", type=Path, help="the socmap database file to copy")
    p.add_argument("url", help="the server register: postgresql://HOST/DATABASE or 'service=NAME'")
