"""Table models for the Profiles tab: partner contributions and the 4P action plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from socmap.domain.profiles import ACTION_STATUS_LABELS, ActionItem, Contribution

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
OVERDUE_INK = QColor("#a01818")
OVERDUE_FILL = QColor("#fbe9e9")


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column: header and how to read its text from a row."""

    key: str
    header: str
    getter: Callable[[T], Any]


class _RowsModel(QAbstractTableModel, Generic[T]):
    """A thin adapter over a list of records; ``data()`` runs no queries."""

    columns: tuple[Column[Any], ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: list[T]) -> None:
        """Replace every row (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        """The record shown in ``row``."""
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        rec = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(self.columns[index.column()].getter(rec))
        return self.extra_data(rec, role)

    def extra_data(self, rec: T, role: int) -> Any:
        return None


class ContributionsTableModel(_RowsModel[Contribution]):
    """Which partner supplied which data, when, under which ISA."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.type_labels: dict[str, str] = {}
        self.columns = (
            Column(
                "partner",
                "Partner",
                lambda c: c.partner_name + (" (register)" if c.partner_id else ""),
            ),
            Column("type", "Type", lambda c: self.type_labels.get(c.partner_type, c.partner_type)),
            Column("data", "Data supplied", lambda c: c.data_supplied),
            Column("supplied_on", "Supplied", lambda c: c.supplied_on.isoformat()),
            Column("isa", "Information sharing agreement", lambda c: c.isa_ref or "none recorded"),
        )


class ActionsTableModel(_RowsModel[ActionItem]):
    """The 4P action plan; overdue actions are flagged in red."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.today = dt.date.today()
        self.columns = (
            Column("strand", "4P", lambda a: a.strand.value.capitalize()),
            Column("action", "Action", lambda a: a.action),
            Column("owner", "Owner", lambda a: a.owner or "—"),
            Column("partner", "Partner", lambda a: a.partner or "—"),
            Column("due", "Due", lambda a: a.due.isoformat() if a.due else "—"),
            Column("measure", "Measure of success", lambda a: a.measure or "—"),
            Column(
                "status",
                "Status",
                lambda a: (
                    ACTION_STATUS_LABELS[a.status] + (" — OVERDUE" if a.overdue(self.today) else "")
                ),
            ),
            Column(
                "ocgs",
                "Linked OCGs",
                lambda a: ", ".join(f"OCG-{o:04d}" for o in a.linked_ocgs) or "—",
            ),
        )

    def extra_data(self, rec: ActionItem, role: int) -> Any:
        if rec.overdue(self.today):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_INK)
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVERDUE_FILL)
        return None

    def overdue_count(self) -> int:
        """How many shown actions are overdue."""
        return sum(1 for a in self._rows if a.overdue(self.today))
