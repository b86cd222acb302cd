"""Helpers shared by command modules."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from socmap.domain.errors import NotFoundError, SocmapError
from socmap.domain.ids import GroupId, parse_ocg_ref
from socmap.domain.text import cut_note
from socmap.paths import db_target
from socmap.services import queries
from socmap.store.db import Store, open_store


def db_path(args: argparse.Namespace) -> Path:
    """The database *file* a command works on (commands that make or replace a file).

    Raises:
        SocmapError: ``--db`` names a PostgreSQL server, which this command does not work on.
    """
    target = db_target(getattr(args, "db", None))
    if isinstance(target, str):
        command = " ".join(str(getattr(args, k, "")) for k in ("command",) if getattr(args, k, ""))
        raise SocmapError(
            f"{command or 'this command'} works on a database file, not a server; on a server "
            "a DBA uses 'socmap server init' / 'socmap server import' and PostgreSQL's own "
            "backup tools"
        )
    return target


def open_existing(args: argparse.Namespace) -> Store:
    """Open the command's database, which must already exist (only commands that create may
    create: a missing or empty file is refused, never made a new database). ``--db`` may name
    a PostgreSQL server instead of a file."""
    target = db_target(getattr(args, "db", None))
    if isinstance(target, str):
        store = open_store(target)
        try:
            _check_areas(store, args)
        except BaseException:
            store.close()
            raise
        return store
    path = target
    if not path.exists() and not path.is_symlink():
        raise SocmapError(
            f"{path} does not exist (create it with 'socmap init --db {path}', or "
            f"'socmap demo --db {path}' for the demo force)"
        )
    store = open_store(path, create=False)
    try:
        _check_areas(store, args)
    except BaseException:
        store.close()
        raise
    return store


def _check_areas(store: Store, args: argparse.Namespace) -> None:
    """Every command's ``--area`` must name one of the force's areas (any case): an unknown
    area is an error naming the areas there are, never an empty list."""
    value = getattr(args, "area", None)
    if not value:
        return
    try:
        if isinstance(value, list):
            args.area = [queries.resolve_area(store, v) for v in value]
        else:
            args.area = queries.resolve_area(store, str(value))
    except NotFoundError as exc:
        raise NotFoundError(f"--area: {exc}") from None


def print_json(value: Any) -> None:
    """Pretty, stable JSON on stdout."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain aligned text table on stdout."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for k, r in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


def print_cut(
    rows: Sequence[Any],
    noun: str,
    how: str,
    *,
    json_output: bool = False,
    plural_noun: str | None = None,
) -> None:
    """Say under a list that it stops early, and how to see the rest (nothing when it is whole).

    ``rows`` is a :class:`~socmap.domain.text.Page` (or any list, which is whole). The note goes
    to stdout under a table, to stderr beside JSON (which stays a plain list).
    """
    note = cut_note(len(rows), getattr(rows, "total", len(rows)), noun, how, plural_noun)
    if note:
        print(note, file=sys.stderr if json_output else sys.stdout)


def ocg_ref(text: str) -> GroupId:
    """argparse ``type=`` for every ``--ocg``: the reference (``OCG-0012``) or the number (``12``)."""
    try:
        return parse_ocg_ref(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_marking_options(p: argparse.ArgumentParser) -> None:
    """``--marking`` and ``--marking-reason``: every export that can be marked takes both.

    Lowering below OFFICIAL-SENSITIVE needs the reason, which the audit row records (the rule
    itself is ``services.handling.export_marking``).
    """
    p.add_argument(
        "--marking",
        default=None,
        help="protective marking (default OFFICIAL-SENSITIVE; SECRET and above are refused)",
    )
    p.add_argument(
        "--marking-reason",
        default="",
        metavar="TEXT",
        help="why the marking is lowered below OFFICIAL-SENSITIVE (required then; recorded in "
        "the audit trail)",
    )
