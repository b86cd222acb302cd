"""Read-only row tables: one place for the selection and header set-up the tabs share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractProxyModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QWidget,
)

from socmap.domain.text import cut_note
from socmap.ui.models.rows_model import RowsTableModel

#: Rows looked at to fit a table's columns to their contents (the first ones tell the width
#: well enough; see :func:`fit_columns`)
FIT_SAMPLE_ROWS = 64
#: a fitted column is never wider than this (px); the user can widen it
FIT_MAX_WIDTH = 280
#: room for a cell's margins, and for a header's margins and sort arrow (px)
_CELL_PAD, _HEADER_PAD = 16, 28


def fit_columns(
    view: QTableView, *, max_width: int = FIT_MAX_WIDTH, sample: int = FIT_SAMPLE_ROWS
) -> None:
    """Fit each shown column to its header and the text of the first ``sample`` rows.

    One display-role ``data()`` call per sampled cell, measured with the table's font. Qt's own
    ``resizeColumnsToContents`` asks the delegate for each cell's size hint (half a dozen
    ``data()`` calls a cell, into Python each time): 25-55 ms a table at national scale, on
    the UI thread; a ``ResizeToContents`` header pays that again on every layout pass.
    """
    model = view.model()
    if model is None:
        return
    cell = view.fontMetrics()
    header = view.horizontalHeader().fontMetrics()
    source = model.sourceModel() if isinstance(model, QAbstractProxyModel) else model
    root = QModelIndex()
    rows = min(model.rowCount(root), sample)
    for column in range(model.columnCount(root)):
        if view.isColumnHidden(column):
            continue
        title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        width = header.horizontalAdvance(str(title or "")) + _HEADER_PAD
        if isinstance(source, RowsTableModel) and source.columnCount() == model.columnCount(root):
            # the read-model rows' own text: no round trip through Qt for each cell
            getter = source.columns[column].getter
            texts = (getter(r) for r in source.rows[:sample])
        else:
            texts = (
                model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
                for row in range(rows)
            )
        for text in texts:
            if text is not None and text != "":
                width = max(width, cell.horizontalAdvance(str(text)) + _CELL_PAD)
        view.setColumnWidth(column, min(width, max_width))


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


class CutNote(QWidget):
    """Under a table whose list stops early: how many rows are left out and a button for more.

    Hidden while the model holds the whole list. ``show_more(limit)`` is called with a larger
    limit (the whole list's length) when the button is pressed.
    """

    def __init__(
        self,
        model: QAbstractItemModel,
        noun: str,
        show_more: Callable[[int], None],
        *,
        how: str = "press 'Show all' to see them",
        plural_noun: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.noun = noun
        self.plural_noun = plural_noun
        self.how = how
        self._show_more = show_more
        self.label = QLabel("")
        self.label.setObjectName("cut_note")
        self.button = QPushButton("Show all")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._on_button_clicked)
        model.modelReset.connect(self.update_note)
        self.update_note()

    def text(self) -> str:
        """The note (empty when the list is whole)."""
        total = int(getattr(self.model, "total", self.model.rowCount()))
        return cut_note(self.model.rowCount(), total, self.noun, self.how, self.plural_noun)

    def update_note(self) -> None:
        """Show or hide the note for the model's current rows."""
        text = self.text()
        self.label.setText(text[:1].upper() + text[1:])
        self.setVisible(bool(text))

    def _on_button_clicked(self) -> None:
        self._show_more(int(getattr(self.model, "total", self.model.rowCount())))


def add_cut_item(matches: QListWidget, rows: Sequence[Any], noun: str, how: str) -> None:
    """A last, unselectable line in a list of matches that stops early: how many more, and how
    to find them (``rows`` is a :class:`~socmap.domain.text.Page`)."""
    text = cut_note(len(rows), int(getattr(rows, "total", len(rows))), noun, how)
    if text:
        item = QListWidgetItem(text[:1].upper() + text[1:])
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setData(Qt.ItemDataRole.UserRole, None)
        matches.addItem(item)
