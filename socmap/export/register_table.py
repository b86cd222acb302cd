"""The OCG register as a spreadsheet (XLSX or CSV) for people who work in Excel.

Every text cell that a spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is neutralised: in CSV it gets a leading apostrophe (the OWASP
advice); in XLSX it is stored as a string cell, never a formula. The marking heads the sheet
and the CSV; names appear only for the internal audience (references otherwise). The file is
written beside the target and moved into place; the audit row records its SHA-256.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socmap.domain.cells import neutralise_cell
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import handling, queries
from socmap.services.auth import require
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.store import audit
from socmap.store.db import Store

FORMATS = ("xlsx", "csv")
HEADERS = ("ref", "name", "status", "lead area", "markets", "band", "LRO", "identified on",
           "marking", "members", "locations", "references")  # fmt: skip


def neutralise(value: Any) -> Any:
    """A CSV cell a spreadsheet will show as text, never run as a formula (numbers stay numbers)."""
    return neutralise_cell(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class TableResult:
    """What was written."""

    path: Path
    rows: int
    marking: str
    sha256: str
    left_out: int = 0  # groups the handling policy withholds from the audience


def shared_groups(rows: list[Any], audience: str) -> tuple[list[Any], int]:
    """The register rows ``audience`` may see (``handling.may_share`` per group, with its
    marking: OCG records are not intelligence) and how many were left out."""
    kept = [
        r
        for r in rows
        if handling.may_share(audience=audience, marking=r.marking, is_intelligence=False).allowed
    ]
    return kept, len(rows) - len(kept)


def left_out_note(left_out: int, audience: str) -> str:
    """What a file says about the groups the handling policy kept out of it ('' when none)."""
    if not left_out:
        return ""
    return (
        f"{plural(left_out, 'group')} withheld from the {audience} audience by the handling "
        "policy (OFFICIAL-SENSITIVE records need a sharing agreement)"
    )


def register_rows(store: Store, audience: str) -> tuple[list[list[Any]], str]:
    """The register's rows for ``audience`` and the marking they carry (groups the handling
    policy withholds from the audience are left out: :func:`register_rows_left_out`)."""
    rows, marking, _left = register_rows_left_out(store, audience)
    return rows, marking


def register_rows_left_out(store: Store, audience: str) -> tuple[list[list[Any]], str, int]:
    """:func:`register_rows` and how many groups the handling policy left out."""
    aud = handling.parse_audience(audience)
    named = aud is handling.Audience.INTERNAL
    rows, left_out = shared_groups(queries.register(store, with_schedule=False), aud.value)
    marking = handling.export_marking([r.marking for r in rows]).value
    out = []
    for r in rows:
        out.append(
            [
                r.display_id,
                r.name if named else r.display_id,
                r.status,
                r.lead_area or "",
                r.market_labels,
                r.band or "",
                r.lro if named else "",
                r.identified_on or "",
                r.marking,
                r.members,
                r.locations,
                r.refs if named else "",
            ]
        )
    return out, marking, left_out


@dataclass(frozen=True)
class Table:
    """One table of a spreadsheet export: a sheet in XLSX, a block in CSV."""

    title: str
    headers: tuple[str, ...]
    rows: list[list[Any]]
    notes: tuple[str, ...] = ()


def write_tables(tmp: Path, *, fmt: str, tables: list[Table], banner: str, marking: str) -> None:
    """Write ``tables`` as ``xlsx`` or ``csv`` to ``tmp`` (the output writer's temporary file).

    The one spreadsheet writer of socmap's table exports (register, due list, compliance, what
    works). The ``banner`` (marking and title) heads and ends every sheet (and the CSV); in XLSX
    it is also each sheet's page header and footer and the workbook's title, subject and
    keywords. Every text cell goes through :func:`neutralise_cell` and XLSX text cells are typed
    as strings, so nothing a spreadsheet opens is a formula.
    """
    if fmt == "csv":
        with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow([banner])
            for i, t in enumerate(tables):
                if len(tables) > 1:
                    if i:
                        w.writerow([])
                    w.writerow([neutralise(t.title)])
                w.writerow(t.headers)
                for r in t.rows:
                    w.writerow([neutralise(v) for v in r])
                for n in t.notes:
                    w.writerow([neutralise(n)])
            w.writerow([banner])
        return
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for t in tables:
        ws = wb.create_sheet(t.title[:31])
        ws.append([banner])
        ws.append(list(t.headers))
        for r in [*t.rows, *([n] for n in t.notes)]:
            ws.append([None] * len(r))
            for col, v in enumerate(r, start=1):
                cell = ws.cell(row=ws.max_row, column=col)
                cell.value = neutralise(v)
                if isinstance(v, str):
                    cell.data_type = "s"  # text, never a formula
        ws.append([banner])
        ws.oddHeader.center.text = banner
        ws.oddFooter.center.text = banner
        ws.evenHeader.center.text = banner
        ws.evenFooter.center.text = banner
        ws.freeze_panes = "A3"
    wb.properties.subject = marking
    wb.properties.keywords = marking
    wb.properties.title = banner
    wb.properties.creator = "socmap"
    wb.save(tmp)


def write_register(store: Store, *, fmt: str | None, audience: str, path: Path) -> TableResult:
    """Write the register as ``xlsx`` or ``csv`` for ``audience`` (audited)."""
    require(store, Permission.EXPORT, action="export the register")
    path = check_target(store, path)
    fmt = format_for(path, fmt, FORMATS, default="xlsx")
    rows, marking, left_out = register_rows_left_out(store, audience)
    aud = handling.parse_audience(audience).value
    banner = f"{marking} - OCG register ({aud} audience)"
    note = left_out_note(left_out, aud)

    def write(tmp: Path) -> None:
        write_tables(
            tmp,
            fmt=fmt,
            tables=[Table("Register", HEADERS, rows, (note,) if note else ())],
            banner=banner,
            marking=marking,
        )

    def record(written: Written) -> str:
        audit.record(
            store,
            action="export",
            entity="register",
            summary=f"register exported as {fmt} for the {aud} audience: "
            f"{plural(len(rows), 'group')}"
            + (f" ({plural(left_out, 'group')} withheld by the handling policy)" if left_out
               else "")
            + f"; marked {marking}",
            extra={"file": str(written.path), "sha256": written.sha256, "format": fmt,
                   "audience": aud, "marking": marking, "withheld": left_out},
        )  # fmt: skip
        return written.sha256

    sha = write_file(store, path, write, record)
    return TableResult(path, len(rows), marking, sha, left_out)
