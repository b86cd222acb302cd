"""Headless commands: a thin layer over services and export.

Each command module adds its subcommands in ``add_commands(cli)``; handlers return an exit code.
Errors a user can cause are printed as one line on stderr with the error class's exit code,
never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from socmap import __version__
from socmap.domain.errors import SocmapError

#: Modules that contribute subcommands, in the order --help lists them.
COMMAND_MODULES = (
    "socmap.cli.register_cmds",
    # scoring and schedule (issue 4)
    "socmap.cli.scoring_cmds",
    # geography (issue 3)
    "socmap.cli.geo_cmds",
    "socmap.cli.briefing_cmds",
    # neighbourhoods and place names (issue 16)
    "socmap.cli.neighbourhood_cmds",
    # partners and disruptions (issue 5)
    "socmap.cli.partners_cmds",
    # local profiles (issue 6)
    "socmap.cli.profile_cmds",
    # trust (issue 7)
    "socmap.cli.trust_cmds",
    # member network (issue 8)
    "socmap.cli.network_cmds",
    # records in and out (issue 15)
    "socmap.cli.records_cmds",
    # the shared PostgreSQL server (issue 14)
    "socmap.cli.server_cmds",
)

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit 2), never the whole usage.

    Every subcommand's parser is of this class (argparse makes subparsers of the parent's class),
    so new command modules get the behaviour without doing anything.
    """

    def error(self, message: str) -> NoReturn:
        """One line naming the command, what is wrong, and where the help is."""
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: {text} (see '{self.prog} --help')\n")

    def choose_subcommand(self) -> NoReturn:
        """A group (``socmap ocg``) run without a subcommand: one line listing the choices."""
        names = sorted(
            name
            for action in self._actions
            if isinstance(action, argparse._SubParsersAction)
            for name in action.choices
        )
        self.error(f"choose a subcommand: {', '.join(names)}")


class Cli:
    """The argument parser under construction; groups (``export``, ``ocg``...) are shared."""

    def __init__(self) -> None:
        self.parser = Parser(
            prog="socmap",
            description="socmap: map, score and brief on serious and organised crime groups. "
            "With no command, opens the desktop app.",
        )
        self.parser.add_argument("--version", action="version", version=f"socmap {__version__}")
        self.parser.add_argument(
            "--db",
            type=str,
            metavar="FILE|URL",
            help="the database to open in the app: a file, or a PostgreSQL server",
        )
        self.parser.add_argument(
            "--demo",
            action="store_true",
            help="open the app on the demo force (built on first use)",
        )
        self.sub = self.parser.add_subparsers(dest="command", metavar="COMMAND")
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def command(self, name: str, help: str, handler: Handler | None) -> argparse.ArgumentParser:
        """A top-level command."""
        p = self.sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    def group(self, name: str, help: str) -> argparse._SubParsersAction:
        """A command group such as ``export`` that several modules add to."""
        if name not in self._groups:
            p = self.sub.add_parser(name, help=help, description=help)
            p.set_defaults(handler=None, group_parser=p)
            self._groups[name] = p.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")
        return self._groups[name]

    def subcommand(
        self, group: str, name: str, help: str, handler: Handler, *, group_help: str = ""
    ) -> argparse.ArgumentParser:
        """A subcommand inside a group (``socmap export briefing``)."""
        sub = self.group(group, group_help or f"{group} commands")
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p


def add_db_argument(p: argparse.ArgumentParser, *, required: bool = False) -> None:
    """The ``--db`` option every data command takes (default: $SOCMAP_DB or the user folder)."""
    p.add_argument(
        "--db",
        type=str,
        required=required,
        metavar="FILE|URL",
        help="the socmap database: a file, or a PostgreSQL server (postgresql://host/db or "
        "'service=NAME'); default: $SOCMAP_DB, else socmap.db in the user data folder",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every module's commands."""
    cli = Cli()
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(cli)
    return cli.parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; map errors to exit codes with one clear line on stderr."""
    handler = getattr(args, "handler", None)
    if handler is None:
        group = getattr(args, "group_parser", None)
        if isinstance(group, Parser):
            try:
                group.choose_subcommand()
            except SystemExit as exc:
                return int(exc.code or 2)
        print("socmap: give a command (see 'socmap --help')", file=sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except SocmapError as exc:
        print(f"socmap: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("socmap: interrupted; nothing was changed", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except sqlite3.Error as exc:  # a lock, a full disk or a read-only file reached the command
        from socmap.store.db import explain_sqlite_error

        explained = explain_sqlite_error(exc, getattr(args, "db", None))
        if explained is None and "no such table" in str(exc):
            print(
                f"socmap: the database is missing part of its structure ({exc}): it was altered "
                "outside socmap; 'socmap audit verify' says what else, and 'socmap restore' "
                "brings back a backup",
                file=sys.stderr,
            )
            return 6
        if explained is None:
            print(f"socmap: internal error ({type(exc).__name__}): {exc}", file=sys.stderr)
            return 70
        print(f"socmap: {explained}", file=sys.stderr)
        return explained.exit_code
    except Exception as exc:  # a bug: still one line, no traceback full of data
        print(f"socmap: internal error ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 70


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for headless commands."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run(args)
