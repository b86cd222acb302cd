"""Table models for the Partners and Disruptions tabs: thin adapters over service read models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from socmap.domain.disruptions import LEVELS
from socmap.render.partner_graph import LEVEL_COLOURS
from socmap.services.disruptions import DisruptionRow, WhatWorksRow, describe_mean
from socmap.services.partners import AreaPartnership, PartnerRow

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_ROLE = Qt.ItemDataRole.UserRole + 3

ISA_COLOURS = {"expired": "#b91c1c", "expiring": "#b45309", "none": "#6b7280"}


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column: header, display getter, optional sort key, colour and tooltip."""

    header: str
    getter: Callable[[T], Any]
    sort: Callable[[T], Any] | None = None
    colour: Callable[[T], str | None] | None = None
    tooltip: Callable[[T], str] | None = None
    align_right: bool = False


class RowsTableModel(QAbstractTableModel, Generic[T]):
    """Rows of one read model; ``data()`` runs no queries."""

    def __init__(
        self,
        columns: Sequence[Column[T]],
        id_of: Callable[[T], Any],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._id_of = id_of
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace every row (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        """The read-model row at ``row``."""
        return self._rows[row]

    def rows(self) -> list[T]:
        """Every row."""
        return list(self._rows)

    def row_for_id(self, ident: Any) -> int | None:
        """The model row whose id is ``ident``."""
        for i, r in enumerate(self._rows):
            if self._id_of(r) == ident:
                return i
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of rows (no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column headers."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell values for display, sorting and colouring."""
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = col.getter(row)
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            value = (col.sort or col.getter)(row)
            return "" if value is None else value
        if role == ID_ROLE:
            return self._id_of(row)
        if role == Qt.ItemDataRole.ForegroundRole and col.colour is not None:
            colour = col.colour(row)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RowsFilterProxy(QSortFilterProxyModel):
    """Sort by typed values; filter rows with a predicate over the read-model row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._predicate: Callable[[Any], bool] | None = None

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        """Show only rows for which ``predicate(row)`` is true (None: all)."""
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self._predicate = predicate
            self.endFilterChange()
        else:
            self._predicate = predicate
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """True when the row passes the predicate."""
        model = self.sourceModel()
        if self._predicate is None or not isinstance(model, RowsTableModel):
            return True
        return bool(self._predicate(model.row_at(source_row)))


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
    Column("Score change", lambda r: r.score_change),
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
