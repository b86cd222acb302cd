"""Table models for the Partners and Disruptions tabs: thin adapters over service read models."""

from __future__ import annotations

from socmap.domain.disruptions import LEVELS
from socmap.render.partner_graph import LEVEL_COLOURS
from socmap.services.disruptions import DisruptionRow, WhatWorksRow, describe_mean
from socmap.services.partners import AreaPartnership, PartnerRow
from socmap.ui.models.rows_model import (
    ID_ROLE,
    ROW_ROLE,
    SORT_ROLE,
    Column,
    RowsFilterProxy,
    RowsTableModel,
)

__all__ = [
    "DISRUPTION_COLUMNS",
    "ID_ROLE",
    "ISA_COLOURS",
    "PARTNER_COLUMNS",
    "ROW_ROLE",
    "SORT_ROLE",
    "STRUCTURE_COLUMNS",
    "WHAT_WORKS_COLUMNS",
    "Column",
    "RowsFilterProxy",
    "RowsTableModel",
    "level_colour",
]

ISA_COLOURS = {"expired": "#b91c1c", "expiring": "#b45309", "none": "#6b7280"}


def _isa_text(r: PartnerRow) -> str:
    if r.isa_status == "none":
        return "none"
    when = r.isa_expires.isoformat() if r.isa_expires else "no expiry"
    return f"{r.isa_reference} ({r.isa_status}, {when})"


PARTNER_COLUMNS: list[Column[PartnerRow]] = [
    Column("Agency", lambda r: r.name, lambda r: r.name.casefold()),
    Column("Type", lambda r: r.type_label),
    Column("Areas served", lambda r: r.areas),
    Column(
        "Sharing agreement",
        _isa_text,
        lambda r: r.isa_expires.isoformat() if r.isa_expires else "9999",
        colour=lambda r: ISA_COLOURS.get(r.isa_status),
        tooltip=lambda r: r.warning,
    ),
    Column("OCG links", lambda r: r.links, lambda r: r.links, align_right=True),
    Column("Contacts", lambda r: r.contacts),
]

STRUCTURE_COLUMNS: list[Column[AreaPartnership]] = [
    Column("Area", lambda r: r.area),
    Column(
        "SOC partnership structure",
        lambda r: r.structure.name if r.structure else "GAP: none recorded",
        colour=lambda r: None if r.structure else "#b91c1c",
    ),
    Column("Kind", lambda r: r.kind_label),
    Column("Chair", lambda r: r.structure.chair if r.structure else ""),
    Column("Meets", lambda r: r.structure.cadence if r.structure else ""),
    Column(
        "Last meeting",
        lambda r: (
            (r.structure.last_meeting.isoformat() if r.structure.last_meeting else "none")
            + (" (overdue)" if r.overdue else "")
            if r.structure
            else ""
        ),
        colour=lambda r: "#b45309" if r.overdue else None,
    ),
    Column("Member agencies", lambda r: r.members, tooltip=lambda r: r.members),
]

DISRUPTION_COLUMNS: list[Column[DisruptionRow]] = [
    Column("Date", lambda r: r.occurred_on.isoformat()),
    Column("OCG", lambda r: r.ocg, lambda r: r.ocg_id),
    Column("Area", lambda r: r.area),
    Column("4P", lambda r: r.strand),
    Column("Tactic", lambda r: r.tactic),
    Column("Tactic area", lambda r: r.tactic_area),
    Column(
        "Level",
        lambda r: r.level,
        lambda r: list(LEVELS.values()).index(r.level),
        colour=lambda r: {"Negative": "#b91c1c", "Major": "#047857"}.get(r.level),
    ),
    Column("Lead agency", lambda r: r.lead_agency),
    Column(
        "Status",
        lambda r: r.status,
        colour=lambda r: {"pending": "#b45309", "rejected": "#6b7280"}.get(r.status),
    ),
    Column("Approvals", lambda r: r.approvals),
    Column("Next follow-up", lambda r: r.follow_up),
    Column("Score change", lambda r: r.score_change, tooltip=lambda r: r.score_detail),
]


def _levels_text(r: WhatWorksRow) -> str:
    return " · ".join(f"{LEVELS[k]} {v}" for k, v in r.levels.items() if v)


WHAT_WORKS_COLUMNS: list[Column[WhatWorksRow]] = [
    Column("4P strand", lambda r: r.strand.capitalize()),
    Column("Tactic", lambda r: r.tactic_label),
    Column("Tactic area", lambda r: r.tactic_area.capitalize()),
    Column("Approved (n)", lambda r: r.count, lambda r: r.count, align_right=True),
    Column("Levels claimed", _levels_text, tooltip=_levels_text),
    Column(
        "Major+Moderate",
        lambda r: (
            f"{(r.levels['major'] + r.levels['moderate']) / r.count:.0%} of {r.count}"
            if r.count
            else ""
        ),
        lambda r: (r.levels["major"] + r.levels["moderate"]) / r.count if r.count else -1,
        align_right=True,
    ),
    Column(
        "Mean score change",
        lambda r: describe_mean(r.mean_score_change, r.n_scored),
        lambda r: r.mean_score_change if r.mean_score_change is not None else 99.0,
        colour=lambda r: (
            None
            if r.mean_score_change is None
            else ("#047857" if r.mean_score_change < 0 else "#b91c1c")
        ),
        tooltip=lambda r: (
            "Mean of (after - before) approved scores, same scheme, as a share of the scheme's"
            f" maximum, over {r.n_scored} case(s); negative means the assessed threat fell"
        ),
        align_right=True,
    ),
    Column("Pending", lambda r: r.pending, lambda r: r.pending, align_right=True),
]


def level_colour(level: str) -> str:
    """The colour of a disruption level (shared with the graphs)."""
    return LEVEL_COLOURS.get(level, "#999999")
