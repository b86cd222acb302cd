"""Read-only row tables: one place for the selection and header set-up the tabs share."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


def row_table(
    model: QAbstractItemModel,
    *,
    name: str = "",
    sorting: bool = True,
    alternate: bool = True,
    resize: QHeaderView.ResizeMode | None = QHeaderView.ResizeMode.Interactive,
    stretch_last: bool = True,
) -> QTableView:
    """A table over ``model`` selecting single whole rows, without a vertical header."""
    view = QTableView(sortingEnabled=sorting)
    if name:
        view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(alternate)
    view.verticalHeader().setVisible(False)
    if resize is not None:
        view.horizontalHeader().setSectionResizeMode(resize)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    return view
