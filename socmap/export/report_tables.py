"""The re-assessment due list, the compliance figures and the "what works" table as XLSX or CSV.

The same figures ``socmap due`` and ``socmap disruptions summary`` print, for people who work in
Excel, written by :func:`register_table.write_tables` through the one output writer (checked
target, temporary file, audit row with the SHA-256, rename). The handling policy applies as for
the register export of the same groups:

* the due list names groups: each group is listed only when ``handling.may_share`` lets the
  audience see its record (with its marking; OCG records are not intelligence), and names and
  LROs appear only for the internal audience (references otherwise); how many were withheld is
  said in the file and the audit row;
* compliance and what works are counts (per area, per tactic): aggregates, shown to every
  audience as the partner profile shows them, with no group named.

Each file carries the highest marking of the groups it covers (never below the default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from socmap.domain.disruptions import LEVELS
from socmap.domain.roles import Permission
from socmap.domain.schedule import STATE_LABELS
from socmap.domain.text import plural
from socmap.export.register_table import (
    FORMATS,
    Table,
    TableResult,
    left_out_note,
    write_tables,
)
from socmap.services import disruptions, handling, queries, reassessment
from socmap.services.auth import require
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.store import audit
from socmap.store.db import Store

#: What each report is called (``socmap export KIND``) and its title.
REPORTS = {
    "due": "Re-assessment due list",
    "compliance": "Re-assessment compliance",
    "what-works": "What works: disruptions by tactic",
}
_ACTIONS = {
    "due": "the re-assessment due list",
    "compliance": "the compliance figures",
    "what-works": "the 'what works' table",
}
DUE_HEADERS = ("ref", "name", "lead area", "band", "last assessed", "due", "days left", "state",
               "brought forward by", "assessments pending", "LRO")  # fmt: skip
COMPLIANCE_HEADERS = ("area", "active groups", "compliant", "compliant %", "overdue",
                      "never assessed", "due soon")  # fmt: skip
WHAT_WORKS_HEADERS = ("4P strand", "tactic", "tactic area", "approved", *LEVELS,
                      "awaiting approval", "mean score change (points)", "scored cases",
                      "reading")  # fmt: skip
_STATE_ORDER = {"overdue": 0, "never_assessed": 1, "due_soon": 2, "ok": 3}


@dataclass(frozen=True)
class ReportTables:
    """A report's tables for one audience, its marking and how many groups were withheld."""

    tables: list[Table]
    marking: str
    rows: int
    left_out: int


def _markings(store: Store) -> dict[int, str]:
    return {r.id: r.marking for r in queries.register(store, with_schedule=False)}


def due_tables(
    store: Store, *, audience: str, today: dt.date | None = None, area: str | None = None
) -> ReportTables:
    """The due list (most urgent first) for ``audience``."""
    aud = handling.parse_audience(audience)
    named = aud is handling.Audience.INTERNAL
    report = reassessment.schedule(store, today=today, area=area)
    markings = _markings(store)
    shown = [
        r
        for r in report.rows
        if handling.may_share(
            audience=aud, marking=markings.get(r.ocg_id), is_intelligence=False
        ).allowed
    ]
    left_out = len(report.rows) - len(shown)
    shown.sort(key=lambda r: (_STATE_ORDER[r.state.value], r.due or dt.date.max, r.ocg_id))
    rows = [
        [
            r.ref,
            r.name if named else r.ref,
            r.area or "",
            r.band or "",
            r.last_assessed.isoformat() if r.last_assessed else "never",
            r.due.isoformat() if r.due else "",
            r.days_left,
            STATE_LABELS[r.state],
            ", ".join(r.triggers),
            r.pending,
            r.lro if named else "",
        ]
        for r in shown
    ]
    notes = [f"Schedule on {report.today.isoformat()}" + (f", {area}" if area else "")]
    if left_out:
        notes.append(left_out_note(left_out, aud.value))
    marking = handling.export_marking([markings[r.ocg_id] for r in shown if r.ocg_id in markings])
    return ReportTables(
        [Table("Due list", DUE_HEADERS, rows, tuple(notes))], marking.value, len(rows), left_out
    )


def compliance_tables(
    store: Store, *, audience: str, today: dt.date | None = None, area: str | None = None
) -> ReportTables:
    """Compliance per lead area and in total (counts: the same for every audience)."""
    handling.parse_audience(audience)
    report = reassessment.schedule(store, today=today, area=area)
    rows: list[list[object]] = [
        [c.area, c.active, c.compliant, c.percent, c.overdue, c.never_assessed, c.due_soon]
        for c in report.compliance
    ]
    active = sum(c.active for c in report.compliance)
    compliant = sum(c.compliant for c in report.compliance)
    rows.append(
        [
            "All areas" if area is None else f"Total ({area})",
            active,
            compliant,
            round(100.0 * compliant / active, 1) if active else 100.0,
            sum(c.overdue for c in report.compliance),
            sum(c.never_assessed for c in report.compliance),
            sum(c.due_soon for c in report.compliance),
        ]
    )
    markings = _markings(store)
    marking = handling.export_marking(
        [markings[r.ocg_id] for r in report.rows if r.ocg_id in markings]
    )
    note = (
        f"Compliance on {report.today.isoformat()}: active groups holding an approved assessment "
        "whose re-assessment is not overdue; never-assessed groups count as not compliant."
    )
    return ReportTables(
        [Table("Compliance", COMPLIANCE_HEADERS, rows, (note,))],
        marking.value,
        len(rows) - 1,
        0,
    )


def what_works_tables(store: Store, *, audience: str, area: str | None = None) -> ReportTables:
    """The "what works" table (per 4P strand and tactic; counts: the same for every audience)."""
    handling.parse_audience(audience)
    found = disruptions.what_works(store, area=area)
    rows = [
        [
            r.strand,
            r.tactic_label,
            r.tactic_area,
            r.count,
            *(r.levels.get(lv, 0) for lv in LEVELS),
            r.pending,
            round(r.mean_score_change * 100, 1) if r.mean_score_change is not None else "",
            r.n_scored,
            disruptions.describe_mean(r.mean_score_change, r.n_scored),
        ]
        for r in found
    ]
    markings = _markings(store)
    marking = handling.export_marking(markings.values())
    note = (
        "Approved disruption claims by tactic; the mean score change compares the OCG's approved "
        "assessments before and after, over the scored cases only"
        + (f"; OCGs led in {area}" if area else "")
        + "."
    )
    return ReportTables(
        [Table("What works", WHAT_WORKS_HEADERS, rows, (note,))], marking.value, len(rows), 0
    )


def report_tables(
    store: Store,
    kind: str,
    *,
    audience: str,
    today: dt.date | None = None,
    area: str | None = None,
) -> ReportTables:
    """The tables of report ``kind`` (``due``, ``compliance`` or ``what-works``)."""
    if kind == "due":
        return due_tables(store, audience=audience, today=today, area=area)
    if kind == "compliance":
        return compliance_tables(store, audience=audience, today=today, area=area)
    if kind == "what-works":
        return what_works_tables(store, audience=audience, area=area)
    raise ValueError(f"unknown report {kind!r}")


def write_report(
    store: Store,
    kind: str,
    *,
    fmt: str | None,
    audience: str,
    path: Path,
    today: dt.date | None = None,
    area: str | None = None,
) -> TableResult:
    """Write report ``kind`` as ``xlsx`` or ``csv`` for ``audience`` (marked, audited)."""
    title = REPORTS[kind]
    require(store, Permission.EXPORT, action=f"export {_ACTIONS[kind]}")
    path = check_target(store, path)
    fmt = format_for(path, fmt, FORMATS, default="xlsx")
    aud = handling.parse_audience(audience).value
    found = report_tables(store, kind, audience=aud, today=today, area=area)
    banner = f"{found.marking} - {title} ({aud} audience)"

    def write(tmp: Path) -> None:
        write_tables(tmp, fmt=fmt, tables=found.tables, banner=banner, marking=found.marking)

    def record(written: Written) -> str:
        audit.record(
            store,
            action="export",
            entity=kind.replace("-", "_"),
            summary=f"{title.lower()} exported as {fmt} for the {aud} audience: "
            f"{plural(found.rows, 'row')}"
            + (f" ({plural(found.left_out, 'group')} withheld by the handling policy)"
               if found.left_out else "")
            + f"; marked {found.marking}",
            extra={"file": str(written.path), "sha256": written.sha256, "format": fmt,
                   "audience": aud, "marking": found.marking, "withheld": found.left_out,
                   "area": area},
        )  # fmt: skip
        return written.sha256

    sha = write_file(store, path, write, record)
    return TableResult(path, found.rows, found.marking, sha, found.left_out)
