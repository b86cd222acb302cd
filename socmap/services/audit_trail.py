"""Reading, checking and exporting the audit trail.

Reading the trail is for supervisors and admins (``Permission.APPROVE``): it says who looked at
whom. Exporting an extract also needs ``Permission.EXPORT`` and is itself on the trail.
Anyone may verify the chain.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socmap.domain.cells import neutralise_cell
from socmap.domain.changes import Changes
from socmap.domain.errors import ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import Page, plural
from socmap.services.auth import require
from socmap.services.handling import export_marking
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.store import audit
from socmap.store.audit import AuditRow, ChainProblem
from socmap.store.db import Store


@dataclass(frozen=True)
class AuditFilter:
    """What the audit viewer and ``socmap audit list`` filter on (None: any)."""

    person: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int = 1000

    def describe(self) -> str:
        """The filter in words, for the export's audit row."""
        parts = [
            f"{k}={v}"
            for k, v in (
                ("person", self.person),
                ("entity", self.entity),
                ("id", self.entity_id),
                ("action", self.action),
                ("since", self.since),
                ("until", self.until),
            )
            if v not in (None, "")
        ]
        return ", ".join(parts) or "everything"


def parse_date(value: str, *, field: str) -> dt.date:
    """A date written YYYY-MM-DD; ValidationError naming ``field`` otherwise."""
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"'{value}' is not a date (use YYYY-MM-DD)") from None


def entries(store: Store, flt: AuditFilter) -> Page[AuditRow]:
    """The newest ``flt.limit`` audit rows matching ``flt``, newest first (``total``: all that
    match)."""
    require(store, Permission.APPROVE, action="read the audit trail")
    if flt.since and flt.until and flt.until < flt.since:
        raise ValidationError("until", "is before 'since'")
    if flt.limit < 1:
        raise ValidationError("limit", "must be at least 1")
    where: dict[str, Any] = {
        "entity": flt.entity or None,
        "entity_id": flt.entity_id or None,
        "actor": flt.person or None,
        "action": flt.action or None,
        "since": flt.since.isoformat() if flt.since else None,
        "until": (flt.until + dt.timedelta(days=1)).isoformat() if flt.until else None,
    }
    found = audit.rows(store, **where, limit=flt.limit)
    total = len(found) if len(found) < flt.limit else audit.count_matching(store, **where)
    return Page(found, total)


def verify(store: Store, *, expect_head: str | None = None) -> ChainProblem | None:
    """Check the whole chain (and, given, the head recorded elsewhere); None when intact.

    The head anchored automatically outside the file after each commit (``audit-anchors`` in
    the user data folder) is checked too when this database has one.
    """
    pair = None
    if expect_head:
        try:
            pair = audit.parse_head(expect_head)
        except ValueError as exc:
            raise ValidationError("head", str(exc)) from None
    anchor = audit.read_anchor(store)
    anchored = (str(anchor[0]), anchor[1]) if anchor else None
    return audit.verify_chain(store, expect_head=pair, anchored=anchored)


def head(store: Store) -> str:
    """The chain's head as ``ID:HASH``: record it outside the file to detect a rewritten trail."""
    row_id, h = audit.head(store)
    return f"{row_id}:{h}"


def actions(store: Store) -> list[str]:
    """The distinct actions on the trail (for the viewer's filter)."""
    return audit.distinct_values(store, "action")


def people(store: Store) -> list[str]:
    """The distinct accounts on the trail (for the viewer's filter)."""
    return audit.distinct_values(store, "actor")


def viewer_data(store: Store, flt: AuditFilter) -> tuple[Page[AuditRow], list[str], list[str]]:
    """What the audit viewer shows: the rows ``flt`` matches, and every account and action on
    the trail for its filters."""
    return entries(store, flt), people(store), actions(store)


def verify_with_head(store: Store) -> tuple[ChainProblem | None, str]:
    """:func:`verify` the whole chain, and its :func:`head` to record outside the file."""
    return verify(store), head(store)


def export_extract(
    store: Store, flt: AuditFilter, path: Path, *, include_payload: bool = False
) -> tuple[int, Changes]:
    """Write the rows matching ``flt`` to a CSV file; returns how many. On the trail itself.

    The file starts and ends with its protective marking (OFFICIAL-SENSITIVE: the trail names
    who looked at whom). Cells that a spreadsheet would run as formulas are prefixed with '.
    """
    require(store, Permission.EXPORT, action="export audit extracts")
    found = entries(store, flt)
    marking = str(export_marking([]))  # the trail is OFFICIAL-SENSITIVE: who looked at whom
    header = ["id", "time (UTC)", "person", "action", "record", "record id", "summary"]

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([marking])
            w.writerow(header + (["values"] if include_payload else []))
            for r in reversed(found):
                row = [r.id, r.ts, r.actor, r.action, r.entity, r.entity_id, r.summary]
                if include_payload:
                    row.append(r.payload)
                w.writerow([neutralise_cell(c) for c in row])
            w.writerow([marking])

    def record(written: Written) -> None:
        audit.record(
            store,
            action="export",
            entity="audit",
            summary=f"audit extract of {plural(len(found), 'row')} ({flt.describe()})"
            + (" with values" if include_payload else ""),
            extra={"sha256": written.sha256, "rows": len(found), "marking": marking},
        )

    path = check_target(store, path)
    format_for(path, None, ("csv",), default="csv")  # an extract is named .csv (or nothing)
    write_file(store, path, write, record)
    return len(found), Changes.of("audit")
