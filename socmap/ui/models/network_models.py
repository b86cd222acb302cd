"""Table models for the Network and At risk tabs: thin adapters over service read models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from socmap.domain.network import INDICATORS, INTERVENTION_KINDS
from socmap.graph.metrics import KeyPlayer
from socmap.services.atrisk import AtRiskRow, Proposal

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column: header, how to read a value, and an optional sort key."""

    header: str
    getter: Callable[[T], Any]
    sort: Callable[[T], Any] | None = None


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of one read-model type with declared columns; ``data()`` runs no queries."""

    columns: Sequence[Column[Any]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.getter(row)
        if role == Qt.ItemDataRole.UserRole:
            return (col.sort or col.getter)(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(row)
        return None

    def tooltip(self, row: T) -> str | None:
        return None

    def foreground(self, row: T) -> QBrush | None:
        return None


class KeyPlayersModel(RowsModel[KeyPlayer]):
    """Key players, ranked."""

    columns = (
        Column("Name", lambda k: k.name),
        Column("Role", lambda k: k.role.capitalize()),
        Column("Links", lambda k: k.degree, lambda k: k.degree),
        Column("Betweenness", lambda k: f"{k.betweenness:.2f}", lambda k: k.betweenness),
        Column("Eigenvector", lambda k: f"{k.eigenvector:.2f}", lambda k: k.eigenvector),
        Column("Splits group", lambda k: "yes" if k.articulation else "", lambda k: k.cut_off),
    )

    def tooltip(self, row: KeyPlayer) -> str:
        return row.explanation


RISK_COLOURS = {"high": QColor("#b2182b"), "medium": QColor("#b45309"), "low": QColor("#4b5563")}


class AtRiskModel(RowsModel[AtRiskRow]):
    """People at risk (never members), highest risk first."""

    columns = (
        Column("Name", lambda r: r.name),
        Column("Area", lambda r: r.area),
        Column("Risk", lambda r: r.risk_level.capitalize(), lambda r: r.risk_level),
        Column(
            "Indicators",
            lambda r: ", ".join(sorted({INDICATORS.get(k, k) for k, _d in r.indicators})),
            lambda r: len(r.indicators),
        ),
        Column(
            "Interventions",
            lambda r: (
                ", ".join(INTERVENTION_KINDS.get(i.kind, i.kind) for i in r.interventions) or "none"
            ),
            lambda r: len(r.interventions),
        ),
        Column(
            "Review",
            lambda r: r.review_date.isoformat() + (" (overdue)" if r.review_overdue else ""),
            lambda r: r.review_date.isoformat(),
        ),
    )

    def tooltip(self, row: AtRiskRow) -> str:
        return row.reason

    def foreground(self, row: AtRiskRow) -> QBrush | None:
        colour = RISK_COLOURS.get(row.risk_level)
        return QBrush(colour) if colour is not None else None


class ProposalsModel(RowsModel[Proposal]):
    """People proposed for review as at risk."""

    columns = (
        Column("Name", lambda p: p.name),
        Column("Area", lambda p: p.area),
        Column("Indicators", lambda p: len(p.indicators), lambda p: len(p.indicators)),
        Column("Steps", lambda p: p.steps, lambda p: p.steps),
        Column(
            "Near", lambda p: f"{p.near_member_name} ({p.near_member_role}, OCG-{p.near_ocg:04d})"
        ),
    )

    def tooltip(self, row: Proposal) -> str:
        return row.reason
