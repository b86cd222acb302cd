"""The OCG register as a Qt table model: a thin adapter over services.queries.register rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtGui import QColor

from socmap.render.bands import band_fill
from socmap.services.queries import RegisterRow
from socmap.ui.models.rows_model import (
    ID_ROLE,
    ROW_ROLE,
    SORT_ROLE,
    Column,
    RowsFilterProxy,
    RowsTableModel,
)

__all__ = [
    "COLUMNS",
    "ID_ROLE",
    "SEARCH_ROLE",
    "SORT_ROLE",
    "RegisterFilterProxy",
    "RegisterTableModel",
    "column_index",
]

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


COLUMNS: tuple[Column[RegisterRow], ...] = (
    Column("Ref", lambda r: r.display_id, lambda r: r.id, key="ref"),
    Column(
        "Name",
        lambda r: r.name,
        lambda r: r.name.casefold(),
        tooltip=lambda r: ("Also known as: " + ", ".join(r.aliases)) if r.aliases else None,
        key="name",
    ),
    Column(
        "Status",
        lambda r: r.status.capitalize(),
        lambda r: r.status,
        colour=lambda r: STATUS_COLOURS.get(r.status, QColor("black")),
        key="status",
    ),
    Column(
        "Band",
        lambda r: r.band or "—",
        lambda r: r.band or "ZZ",
        background=lambda r: band_fill(r.band) if r.band else None,
        key="band",
    ),
    Column(
        "Re-assessment",
        lambda r: DUE_LABELS.get(r.due_state or "", "") + (f" {r.due}" if r.due else ""),
        lambda r: (DUE_ORDER.get(r.due_state or "", 9), r.due or ""),
        colour=lambda r: DUE_COLOURS.get(r.due_state, QColor("black")) if r.due_state else None,
        key="due_state",
    ),
    Column("Lead area", lambda r: r.lead_area or "—", lambda r: r.lead_area or "", key="lead_area"),
    Column(
        "Operates in",
        lambda r: r.operation_label or "—",
        lambda r: r.operation_label,
        tooltip=lambda r: "Areas where the group has recorded locations, busiest first",
        key="areas_of_operation",
    ),
    Column(
        "Cross-border",
        lambda r: "Yes" if r.cross_border else "",
        lambda r: int(r.cross_border),
        tooltip=lambda r: (
            "Operates across an area or force boundary: " + r.operation_label
            if r.cross_border
            else None
        ),
        bold=True,
        key="cross_border",
    ),
    Column("Markets", lambda r: r.market_labels, key="markets"),
    Column("LRO", lambda r: r.lro or "—", key="lro"),
    Column("Members", lambda r: r.members, lambda r: r.members, align_right=True, key="members"),
    Column(
        "Identified",
        lambda r: r.identified_on or "",
        lambda r: r.identified_on or "",
        key="identified_on",
    ),
    Column("Marking", lambda r: r.marking, key="marking"),
)


def column_index(key: str) -> int:
    """The position of the column called ``key``."""
    return next(i for i, c in enumerate(COLUMNS) if c.key == key)


SEARCH_ROLE = ROW_ROLE + 1


class RegisterTableModel(RowsTableModel[RegisterRow]):
    """Rows of the register; ``data()`` runs no queries."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, lambda r: r.id, parent)

    def answers(self, col: Column[RegisterRow]) -> dict[int, Callable[[RegisterRow], Any]]:
        """The cells' values for display, sorting and colouring, and the row's search text."""
        return {**super().answers(col), SEARCH_ROLE: search_text}


def search_text(row: RegisterRow) -> str:
    """What the register's free-text filter searches: reference, name, LRO, other references,
    markets and aliases, case-folded."""
    return " ".join(
        [row.display_id, row.name, row.lro, row.refs, row.market_labels, *row.aliases]
    ).casefold()


class RegisterFilterProxy(RowsFilterProxy):
    """Sort by typed values; filter by area, status, market and free text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.area: str | None = None
        self.status: str | None = None
        self.market: str | None = None
        self.cross_border = False
        self.text = ""
        #: only these OCGs (a neighbourhood filter: groups with a location there), or None
        self.ocg_ids: frozenset[int] | None = None

    def set_filters(
        self,
        *,
        area: str | None = None,
        status: str | None = None,
        market: str | None = None,
        text: str = "",
        cross_border: bool = False,
        ocg_ids: frozenset[int] | None = None,
    ) -> None:
        """Apply all filters at once (None or empty: no filter). ``area`` keeps the groups led
        from or operating in the area; ``cross_border`` only those operating across a boundary."""

        def apply() -> None:
            self.area, self.status, self.market = area, status, market
            self.cross_border = cross_border
            self.text = text.strip().casefold()
            self.ocg_ids = ocg_ids

        self.change_filter(apply)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """True when the row passes every filter."""
        model = self.sourceModel()
        if not isinstance(model, RegisterTableModel):
            return True
        row = model.row_at(source_row)
        if self.area and not row.operates_in(self.area):
            return False
        if self.cross_border and not row.cross_border:
            return False
        if self.ocg_ids is not None and row.id not in self.ocg_ids:
            return False
        if self.status and row.status != self.status:
            return False
        if self.market and self.market not in row.markets:
            return False
        if self.text:
            hay = search_text(row)
            return all(word in hay for word in self.text.split())
        return True
