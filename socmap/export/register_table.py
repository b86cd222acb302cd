"""The OCG register as a spreadsheet (XLSX or CSV) for people who work in Excel.

Every text cell that a spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is neutralised: in CSV it gets a leading apostrophe (the OWASP
advice); in XLSX it is stored as a string cell, never a formula. The marking heads the sheet
and the CSV; names appear only for the internal audience (references otherwise). The file is
written beside the target and moved into place; the audit row records its SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socmap.domain.errors import SocmapError, ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import handling, queries
from socmap.services.auth import require
from socmap.store import audit
from socmap.store.db import Store

FORMATS = ("xlsx", "csv")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ("ref", "name", "status", "lead area", "markets", "band", "LRO", "identified on",
           "marking", "members", "locations", "references")  # fmt: skip


def neutralise(value: Any) -> Any:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class TableResult:
    """What was written."""

    path: Path
    rows: int
    marking: str
    sha256: str


def register_rows(store: Store, audience: str) -> tuple[list[list[Any]], str]:
    """The register's rows for ``audience`` and the marking they carry."""
    aud = handling.parse_audience(audience)
    named = aud is handling.Audience.INTERNAL
    rows = queries.register(store, with_schedule=False)
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
    return out, marking


def write_register(store: Store, *, fmt: str, audience: str, path: Path) -> TableResult:
    """Write the register as ``xlsx`` or ``csv`` for ``audience`` (audited)."""
    require(store, Permission.EXPORT, action="export the register")
    if fmt not in FORMATS:
        raise ValidationError("format", f"unknown format '{fmt}' (use {', '.join(FORMATS)})")
    path = Path(path)
    if not path.parent.exists():
        raise SocmapError(f"cannot write {path}: the folder {path.parent} does not exist")
    rows, marking = register_rows(store, audience)
    aud = handling.parse_audience(audience).value
    banner = f"{marking} - OCG register ({aud} audience)"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".{fmt}", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as fh:
                w = csv.writer(fh)
                w.writerow([banner])
                w.writerow(HEADERS)
                for r in rows:
                    w.writerow([neutralise(v) for v in r])
                w.writerow([banner])
        else:
            os.close(fd)
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            assert ws is not None
            ws.title = "Register"
            ws.append([banner])
            ws.append(list(HEADERS))
            for r in rows:
                ws.append([None] * len(r))
                for col, v in enumerate(r, start=1):
                    cell = ws.cell(row=ws.max_row, column=col)
                    cell.value = v
                    if isinstance(v, str):
                        cell.data_type = "s"  # text, never a formula
            ws.append([banner])
            ws.oddHeader.center.text = banner
            ws.oddFooter.center.text = banner
            wb.properties.subject = marking
            wb.properties.keywords = marking
            wb.properties.title = banner
            wb.save(tmp)
        sha = hashlib.sha256(tmp.read_bytes()).hexdigest()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with store.atomic():
        audit.record(
            store,
            action="export",
            entity="register",
            summary=f"register exported as {fmt} for the {aud} audience: {plural(len(rows), 'group')}; "
            f"marked {marking}",
            extra={"file": str(path), "sha256": sha, "format": fmt, "audience": aud,
                   "marking": marking},
        )  # fmt: skip
    return TableResult(path, len(rows), marking, sha)
