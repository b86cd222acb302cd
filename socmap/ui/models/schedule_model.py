"""Table models for the dashboard: thin adapters over schedule rows and assessments."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QColor

from socmap.domain.schedule import TRIGGER_KINDS, DueState
from socmap.domain.scoring import Assessment
from socmap.domain.text import plural
from socmap.render.chart import band_colour
from socmap.services.reassessment import DueRow
from socmap.ui.models.rows_model import ID_ROLE, SORT_ROLE, Column, RowsTableModel

__all__ = [
    "DUE_COLUMNS",
    "EMERGING_COLUMNS",
    "OCG_ID_ROLE",
    "SORT_ROLE",
    "STATE_COLOURS",
    "Column",
    "RowsTableModel",
    "pending_columns",
]

STATE_COLOURS = {
    DueState.OK: QColor("#15803d"),
    DueState.DUE_SOON: QColor("#b45309"),
    DueState.OVERDUE: QColor("#b91c1c"),
    DueState.NEVER_ASSESSED: QColor("#7c3aed"),
}

#: Role under which each row's OCG id is returned (to open the record).
OCG_ID_ROLE = ID_ROLE

#: The first column of each table opens the record.
OPEN_HINT = "Click to open the record"


def _d(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def _days(r: DueRow) -> str:
    if r.days_left is None:
        return ""
    if r.days_left < 0:
        return f"{plural(-r.days_left, 'day')} overdue"
    return f"in {plural(r.days_left, 'day')}"


LINK = QColor("#1d4ed8")


def _late(r: DueRow) -> str:
    return f"{plural(-r.days_left, 'day')}" if r.days_left is not None and r.days_left < 0 else ""


DUE_COLUMNS: list[Column[DueRow]] = [
    Column(
        "Ref", lambda r: r.ref, lambda r: r.ocg_id, lambda _r: LINK, lambda _r: OPEN_HINT, bold=True
    ),
    Column("Name", lambda r: r.name, lambda r: r.name.casefold()),
    Column("Lead area", lambda r: r.area or "—"),
    Column(
        "Band",
        lambda r: r.band or "—",
        lambda r: r.band or "9",
        lambda r: band_colour(r.band),
        bold=True,
    ),
    Column(
        "Overdue by",
        _late,
        lambda r: r.days_left if r.days_left is not None else 10**6,
        lambda r: STATE_COLOURS[r.state],
        bold=True,
    ),
    Column("Due", lambda r: _d(r.due), lambda r: r.due.isoformat() if r.due else ""),
    Column(
        "Last assessed",
        lambda r: _d(r.last_assessed),
        lambda r: r.last_assessed.isoformat() if r.last_assessed else "",
    ),
    Column("Brought forward by", lambda r: ", ".join(TRIGGER_KINDS.get(t, t) for t in r.triggers)),
    Column("Pending", lambda r: r.pending or "", lambda r: r.pending),
]

EMERGING_COLUMNS: list[Column[DueRow]] = [
    Column(
        "Ref", lambda r: r.ref, lambda r: r.ocg_id, lambda _r: LINK, lambda _r: OPEN_HINT, bold=True
    ),
    Column("Name", lambda r: r.name, lambda r: r.name.casefold()),
    Column("Status", lambda r: r.status.capitalize()),
    Column("Lead area", lambda r: r.area or "—"),
    Column(
        "First assessment due", lambda r: _d(r.due), lambda r: r.due.isoformat() if r.due else ""
    ),
    Column(
        "Overdue / due in",
        _days,
        lambda r: r.days_left if r.days_left is not None else 10**6,
        lambda r: STATE_COLOURS[DueState.OVERDUE] if (r.days_left or 0) < 0 else None,
    ),
    Column("Trigger", lambda r: ", ".join(TRIGGER_KINDS.get(t, t) for t in r.triggers)),
    Column("Pending", lambda r: r.pending or "", lambda r: r.pending),
]


def pending_columns(names: dict[int, str]) -> list[Column[Assessment]]:
    """Columns of the approval queue (``names``: ocg id -> name)."""
    return [
        Column(
            "Ref",
            lambda a: f"OCG-{a.ocg_id:04d}",
            lambda a: a.ocg_id,
            lambda _a: LINK,
            lambda _a: OPEN_HINT,
            bold=True,
        ),
        Column("Name", lambda a: names.get(a.ocg_id, "")),
        Column(
            "Scheme",
            lambda a: (
                ("OCGM" if a.scheme == "ocgm" else "MoRiLE")
                + (
                    " re-calculation (not a review)"
                    if a.is_recalculation
                    else " re-score, full review"
                    if a.source == "rescore"
                    else ""
                )
            ),
        ),
        Column("Total", lambda a: f"{a.total:g}", lambda a: a.total),
        Column(
            "Band", lambda a: a.band, lambda a: a.band, lambda a: band_colour(a.band), bold=True
        ),
        Column("Assessor", lambda a: a.assessor),
        Column("Assessed", lambda a: _d(a.assessed_on), lambda a: a.assessed_on.isoformat()),
    ]
