"""Commands for the database and the OCG register: demo, info, ocg list, gui."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from socmap.cli import Cli, add_db_argument
from socmap.cli.common import db_path, open_existing, print_json, print_table
from socmap.cli.progress import ConsoleProgress
from socmap.domain.errors import SocmapError
from socmap.services import demo, force, queries
from socmap.store.db import open_store


def _cmd_demo(args: argparse.Namespace) -> int:
    path = db_path(args)
    if path.exists() and path.stat().st_size > 0 and not args.force:
        raise SocmapError(
            f"{path} already exists; choose another file or pass --force to replace it"
        )
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    store = open_store(tmp)
    try:
        counts = demo.build_demo(
            store,
            scale=args.scale,
            seed=args.seed,
            as_of=args.as_of,
            progress=ConsoleProgress(f"demo ({args.scale})"),
        )
    except BaseException:
        store.close()
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    store.close()
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    tmp.replace(path)
    print(f"built {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    store = open_existing(args)
    info = queries.store_info(store)
    if args.json:
        print_json(info.__dict__)
        return 0
    print(f"database:       {info.path}")
    print(f"schema version: {info.schema_version}")
    print(f"journal mode:   {info.journal_mode}")
    print(f"areas:          {len(info.areas)} ({', '.join(info.areas)})")
    print(
        "OCGs by status: " + ", ".join(f"{k} {v}" for k, v in sorted(info.ocgs_by_status.items()))
    )
    print()
    print_table(["table", "rows"], [[k, f"{v:,}"] for k, v in info.counts.items()])
    return 0


def _areas(row: dict[str, object]) -> list[str]:
    """A register row's areas of operation."""
    value = row["areas_of_operation"]
    return [str(a) for a in value] if isinstance(value, list) else []


def _cmd_ocg_list(args: argparse.Namespace) -> int:
    store = open_existing(args)
    rows = queries.ocg_list_json(store)
    if args.status:
        rows = [r for r in rows if r["status"] == args.status]
    if args.area:  # led from the area or operating in it
        rows = [r for r in rows if r["lead_area"] == args.area or args.area in _areas(r)]
    if args.cross_border:
        rows = [r for r in rows if r["cross_border"]]
    if args.neighbourhood:
        from socmap.services import neighbourhoods

        inside = neighbourhoods.ocg_ids_in(
            store, neighbourhoods.resolve(store, args.neighbourhood).id
        )
        rows = [r for r in rows if r["id"] in inside]
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ["ref", "name", "status", "lead area", "operates in", "cross-border", "markets", "members"],
        [
            [
                r["ref"],
                r["name"],
                r["status"],
                r["lead_area"],
                ", ".join(_areas(r)) + (" + outside the force" if r["outside_force"] else ""),
                "yes" if r["cross_border"] else "",
                ", ".join(str(m) for m in r["markets"]),  # type: ignore[attr-defined]
                r["members"],
            ]
            for r in rows
        ],
    )
    return 0


def _cmd_force_show(args: argparse.Namespace) -> int:
    name = force.force_name(open_existing(args))
    if args.json:
        print_json({"force_name": name})
    else:
        print(name or "no force name set (use 'socmap force set-name NAME')")
    return 0


def _cmd_force_set_name(args: argparse.Namespace) -> int:
    name, changes = force.set_force_name(open_existing(args), args.name)
    print(f"force name {'set to' if changes.kinds else 'is already'} '{name}'")
    return 0


def add_commands(cli: Cli) -> None:
    """Register this module's commands."""
    p = cli.command("demo", "build the demo force's database (deterministic for a seed)", _cmd_demo)
    add_db_argument(p)
    p.add_argument(
        "--scale",
        choices=("force", "national"),
        default="force",
        help="force: ~240 OCGs, 700 nominals; national: ~6,000 OCGs, 45,000 nominals, "
        "200,000 links and 1,000,000 intelligence points (for benchmarks)",
    )
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same content)")
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="date the demo's history is counted back from (default: today)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")

    p = cli.command("info", "show the schema version, journal mode and row counts", _cmd_info)
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = cli.subcommand(
        "ocg", "list", "list the OCG register", _cmd_ocg_list, group_help="the OCG register"
    )
    add_db_argument(p)
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of objects (id, ref, name, status, lead_area, "
        "areas_of_operation, cross_border, markets, ...)",
    )
    p.add_argument(
        "--status",
        choices=("trigger", "draft", "active", "archived"),
        help="only groups with this status",
    )
    p.add_argument(
        "--area",
        help="only groups led from or operating in this area (one of the force's areas)",
    )
    p.add_argument(
        "--cross-border",
        action="store_true",
        help="only groups operating across an area or force boundary",
    )

    p.add_argument(
        "--neighbourhood",
        metavar="NAME",
        help="only groups with a location in this neighbourhood (NAME, or AREA/NAME when the "
        "name is used in several areas)",
    )

    gh = "the force's settings"
    p = cli.subcommand(
        "force",
        "show",
        "print the force's name (used in briefing and profile titles)",
        _cmd_force_show,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("--json", action="store_true", help="print {force_name: ...}")
    p = cli.subcommand(
        "force",
        "set-name",
        "set the force's name used in briefing and profile titles (supervisors and admins)",
        _cmd_force_set_name,
        group_help=gh,
    )
    add_db_argument(p)
    p.add_argument("name", help="e.g. 'West Mercia Police'")

    p = cli.command("gui", "open the desktop app (the default when no command is given)", None)
    add_db_argument(p)
    p.add_argument("--demo", action="store_true", help="open the demo force (built on first use)")
    p.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE.png",
        help="render the main window offscreen to a PNG and exit",
    )
    p.add_argument("--tab", help="with --screenshot: the tab to show (e.g. Register, Map)")
    p.set_defaults(gui=True)
