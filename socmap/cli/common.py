"""Helpers shared by command modules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from socmap.domain.errors import SocmapError
from socmap.domain.ids import GroupId, parse_ocg_ref
from socmap.paths import default_db_path
from socmap.store.db import Store, open_store


def db_path(args: argparse.Namespace) -> Path:
    """The database file a command works on."""
    return Path(args.db) if getattr(args, "db", None) else default_db_path()


def open_existing(args: argparse.Namespace) -> Store:
    """Open the command's database, which must already exist."""
    path = db_path(args)
    if not path.exists():
        raise SocmapError(
            f"{path} does not exist (create it with 'socmap init --db {path}', or "
            f"'socmap demo --db {path}' for the demo force)"
        )
    return open_store(path)


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


def ocg_ref(text: str) -> GroupId:
    """argparse ``type=`` for every ``--ocg``: the reference (``OCG-0012``) or the number (``12``)."""
    try:
        return parse_ocg_ref(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
