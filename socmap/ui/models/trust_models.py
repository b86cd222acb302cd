"""Table models for the Audit and Review tabs: thin adapters over service read models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column: its key, header and how to get the value from a row."""

    key: str
    header: str
    getter: Callable[[Any], Any]


class RowsTableModel(QAbstractTableModel):
    """Rows (tuples or objects) shown through declared columns; ``data()`` runs no queries."""

    columns: tuple[Column, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        value = self.columns[index.column()].getter(self._rows[index.row()])
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return (
                value if isinstance(value, int | float) else ("" if value is None else str(value))
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return "" if value is None else str(value)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].header
        return None


class AuditTableModel(RowsTableModel):
    """Audit rows, newest first."""

    columns = (
        Column("id", "#", lambda r: r.id),
        Column("ts", "Time (UTC)", lambda r: r.ts[:19].replace("T", " ")),
        Column("actor", "Person", lambda r: r.actor),
        Column("action", "Action", lambda r: r.action),
        Column("record", "Record", lambda r: f"{r.entity} {r.entity_id}".strip()),
        Column("summary", "Summary", lambda r: r.summary),
    )


class ReviewQueueModel(RowsTableModel):
    """Records due for review, most overdue first."""

    columns = (
        Column("entity", "Record", lambda r: r.entity),
        Column("id", "Id", lambda r: r.id),
        Column("label", "Name / item", lambda r: r.label),
        Column("due", "Review due", lambda r: r.due_text),
        Column("group", "Group", lambda r: r.group),
        Column("rationale", "Rationale for holding", lambda r: r.rationale),
    )
