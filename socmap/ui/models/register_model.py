"""The OCG register as a Qt table model: a thin adapter over services.queries.register rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from socmap.services.queries import RegisterRow

Index = QModelIndex | QPersistentModelIndex

STATUS_COLOURS = {
    "trigger": QColor("#b45309"),
    "draft": QColor("#6b7280"),
    "active": QColor("#047857"),
    "archived": QColor("#9ca3af"),
}


DUE_LABELS = {
    "overdue": "Overdue since",
    "due_soon": "Due",
    "ok": "Next",
    "never_assessed": "First due",
}
DUE_ORDER = {"overdue": 0, "never_assessed": 1, "due_soon": 2, "ok": 3}
DUE_COLOURS = {
    "overdue": QColor("#b91c1c"),
    "never_assessed": QColor("#b45309"),
    "due_soon": QColor("#a16207"),
    "ok": QColor("#374151"),
}
BAND_COLOURS = {
    "1": QColor("#fee2e2"),
    "2": QColor("#fef3c7"),
    "3": QColor("#e0f2fe"),
}


@dataclass(frozen=True)
class Column:
    """A register column: key, header and how to read its value from a row."""

    key: str
    header: str
    getter: Callable[[RegisterRow], Any]
    sort: Callable[[RegisterRow], Any] | None = None


COLUMNS: tuple[Column, ...] = (
    Column("ref", "Ref", lambda r: r.display_id, lambda r: r.id),
    Column("name", "Name", lambda r: r.name, lambda r: r.name.casefold()),
    Column("status", "Status", lambda r: r.status.capitalize(), lambda r: r.status),
    Column("band", "Band", lambda r: r.band or "—", lambda r: r.band or "ZZ"),
    Column(
        "due_state",
        "Re-assessment",
        lambda r: DUE_LABELS.get(r.due_state or "", "") + (f" {r.due}" if r.due else ""),
        lambda r: (DUE_ORDER.get(r.due_state or "", 9), r.due or ""),
    ),
    Column("lead_area", "Lead area", lambda r: r.lead_area or "—", lambda r: r.lead_area or ""),
    Column("markets", "Markets", lambda r: r.market_labels),
    Column("lro", "LRO", lambda r: r.lro or "—"),
    Column("members", "Members", lambda r: r.members, lambda r: r.members),
    Column(
        "identified_on",
        "Identified",
        lambda r: r.identified_on or "",
        lambda r: r.identified_on or "",
    ),
    Column("marking", "Marking", lambda r: r.marking),
)


def column_index(key: str) -> int:
    """The position of the column called ``key``."""
    return next(i for i, c in enumerate(COLUMNS) if c.key == key)


SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3


class RegisterTableModel(QAbstractTableModel):
    """Rows of the register; ``data()`` runs no queries."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RegisterRow] = []
        self._row_of: dict[int, int] = {}

    def set_rows(self, rows: list[RegisterRow]) -> None:
        """Replace every row (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._row_of = {r.id: i for i, r in enumerate(self._rows)}
        self.endResetModel()

    def row_for_id(self, ocg_id: int) -> int | None:
        """The model row of an OCG, or None."""
        return self._row_of.get(ocg_id)

    def row_at(self, row: int) -> RegisterRow:
        """The read-model row at ``row``."""
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of OCGs (no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column headers."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell values for display, sorting, searching and colouring."""
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.getter(row)
        if role == SORT_ROLE:
            return (col.sort or col.getter)(row)
        if role == ID_ROLE:
            return row.id
        if role == SEARCH_ROLE:
            return " ".join(
                [row.display_id, row.name, row.lro, row.refs, row.market_labels, *row.aliases]
            ).casefold()
        if role == Qt.ItemDataRole.ForegroundRole and col.key == "status":
            return QBrush(STATUS_COLOURS.get(row.status, QColor("black")))
        if role == Qt.ItemDataRole.ForegroundRole and col.key == "due_state" and row.due_state:
            return QBrush(DUE_COLOURS.get(row.due_state, QColor("black")))
        if role == Qt.ItemDataRole.BackgroundRole and col.key == "band" and row.band:
            colour = BAND_COLOURS.get(row.band[:1])
            return QBrush(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and col.key == "name" and row.aliases:
            return "Also known as: " + ", ".join(row.aliases)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.key in ("members", "locations"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RegisterFilterProxy(QSortFilterProxyModel):
    """Sort by typed values; filter by area, status, market and free text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.area: str | None = None
        self.status: str | None = None
        self.market: str | None = None
        self.text = ""

    def set_filters(
        self,
        *,
        area: str | None = None,
        status: str | None = None,
        market: str | None = None,
        text: str = "",
    ) -> None:
        """Apply all filters at once (None or empty: no filter)."""
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated there
            self.beginFilterChange()
            self.area, self.status, self.market = area, status, market
            self.text = text.strip().casefold()
            self.endFilterChange()
        else:
            self.area, self.status, self.market = area, status, market
            self.text = text.strip().casefold()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """True when the row passes every filter."""
        model = self.sourceModel()
        if not isinstance(model, RegisterTableModel):
            return True
        row = model.row_at(source_row)
        if self.area and row.lead_area != self.area:
            return False
        if self.status and row.status != self.status:
            return False
        if self.market and self.market not in row.markets:
            return False
        if self.text:
            hay = model.data(model.index(source_row, 0), SEARCH_ROLE)
            return all(word in hay for word in self.text.split())
        return True
