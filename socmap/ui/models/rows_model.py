"""One generic table model for read-model rows shown through declared columns."""

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
from PySide6.QtGui import QBrush, QColor, QFont

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

#: Typed sort key of a cell (set it as the proxy's sort role).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The id of the row (``id_of(row)``).
ID_ROLE = Qt.ItemDataRole.UserRole + 2
#: The read-model row itself.
ROW_ROLE = Qt.ItemDataRole.UserRole + 3

#: A colour as a QColor or a name such as ``"#b91c1c"``.
Colour = QColor | str

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Column(Generic[T]):
    """A column: header, display getter, optional sort key, colours, tooltip, alignment, bold."""

    header: str
    getter: Callable[[T], Any]
    sort: Callable[[T], Any] | None = None
    colour: Callable[[T], Colour | None] | None = None
    tooltip: Callable[[T], str | None] | None = None
    align_right: bool = False
    bold: bool = False
    background: Callable[[T], Colour | None] | None = None
    key: str = ""


#: brushes made so far, by colour: making a QBrush costs ~0.1 ms in PySide6 (it builds an enum
#: class for the brush style on every call), and a table calls ``data()`` thousands of times
#: per paint
_BRUSHES: dict[object, QBrush] = {}


def _brush(colour: Colour | None) -> QBrush | None:
    if colour is None or (isinstance(colour, str) and not colour):
        return None
    key = colour if isinstance(colour, str) else colour.rgba()
    brush = _BRUSHES.get(key)
    if brush is None:
        brush = _BRUSHES[key] = QBrush(QColor(colour))
    return brush


_BOLD: list[QFont] = []


def _bold_font() -> QFont:
    if not _BOLD:
        font = QFont()
        font.setBold(True)
        _BOLD.append(font)
    return _BOLD[0]


def _sort_value(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, int | float) else str(value)


@dataclass(frozen=True)
class Prepared(Generic[T]):
    """Rows made ready for :meth:`RowsTableModel.set_rows` off the UI thread: sorted in the
    order the table was sorted in when :meth:`RowsTableModel.prepare` ran, and indexed by id."""

    rows: list[T]
    total: int
    sort_column: int
    sort_order: Qt.SortOrder
    row_of: dict[Any, int]


class RowsTableModel(QAbstractTableModel, Generic[T]):
    """Rows of one read model; ``data()`` runs no queries."""

    def __init__(
        self,
        columns: Sequence[Column[T]],
        id_of: Callable[[T], Any] | None = None,
        parent: QObject | None = None,
        *,
        row_tooltip: Callable[[T], str | None] | None = None,
        row_colour: Callable[[T], Colour | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._shown = list(columns)
        self._answers_of: dict[int, dict[int, Callable[[T], Any]]] = {}
        self._id_of = id_of
        self._row_tooltip = row_tooltip
        self._row_colour = row_colour
        self._rows: list[T] = []
        self._row_of: dict[Any, int] = {}
        self._total = 0
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    @property
    def columns(self) -> list[Column[T]]:
        """The columns shown (set a new list to change them, then reset the rows)."""
        return self._shown

    @columns.setter
    def columns(self, columns: Sequence[Column[T]]) -> None:
        self._shown = list(columns)
        self._answers_of = {}

    @property
    def rows(self) -> list[T]:
        """Every row, in model order (do not mutate; use ``set_rows``)."""
        return self._rows

    @property
    def total(self) -> int:
        """How many rows the whole list has (more than ``rowCount`` when it was cut)."""
        return self._total

    def prepare(self, rows: Sequence[T]) -> Prepared[T]:
        """Sort and index ``rows`` for :meth:`set_rows`, on any thread (a task's worker).

        It reads only the columns and the sort order; sorting ten thousand rows by a Python key
        takes 0.1 s, too long for the UI thread. A table re-sorted meanwhile is sorted again by
        :meth:`set_rows`."""
        column, order = self._sort_column, self._sort_order
        ordered = list(rows)
        total = max(len(ordered), int(getattr(rows, "total", len(ordered))))
        if 0 <= column < len(self.columns):
            ordered.sort(key=self.sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        return Prepared(ordered, total, column, order, self._index(ordered))

    def set_rows(self, rows: Sequence[T] | Prepared[T]) -> None:
        """Replace every row (a model reset), kept in the order last asked for by :meth:`sort`.

        A :class:`~socmap.domain.text.Page` keeps its ``total``, so the table can say that it
        stops early. Rows from :meth:`prepare` are taken as they are when the table's order is
        still the one they were sorted in."""
        if not isinstance(rows, Prepared):
            rows = self.prepare(rows)
        self.beginResetModel()
        self._rows, self._total, self._row_of = rows.rows, rows.total, rows.row_of
        if (rows.sort_column, rows.sort_order) != (self._sort_column, self._sort_order):
            self._sort_rows(self._sort_column, self._sort_order)
            self._index_rows()
        self.endResetModel()

    def update_rows(self, rows: Sequence[T]) -> bool:
        """Take new values for the same rows (the same ids) in place: the view keeps its
        selection, scroll position and filter; the order is kept unless the table is sorted, in
        which case it is sorted again (persistent indexes follow). False, and nothing changed,
        when the ids differ: then use :meth:`set_rows`."""
        id_of = self._id_of
        if id_of is None or len(rows) != len(self._rows):
            return False
        fresh = {id_of(r): r for r in rows}
        if len(fresh) != len(rows) or any(id_of(r) not in fresh for r in self._rows):
            return False
        old, self._rows = self._rows, [fresh[id_of(r)] for r in self._rows]
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        if 0 <= self._sort_column < len(self.columns):
            key = self.sort_key(self._sort_column)
            if any(key(a) != key(b) for a, b in zip(old, self._rows, strict=True)):
                self.sort(self._sort_column, self._sort_order)  # else the order stands
        return True

    def _index(self, rows: Sequence[T]) -> dict[Any, int]:
        row_of: dict[Any, int] = {}
        if self._id_of is not None:
            for i, r in enumerate(rows):
                row_of.setdefault(self._id_of(r), i)
        return row_of

    def _index_rows(self) -> None:
        self._row_of = self._index(self._rows)

    def sort_key(self, column: int) -> Callable[[T], Any]:
        """The typed sort key of ``column`` as a plain function of a row (None sorts first)."""
        col = self.columns[column]

        def key(row: T) -> tuple[int, Any]:
            value = col.sort(row) if col.sort is not None else _sort_value(col.getter(row))
            if value is None or value == "":
                return (0, "")
            return (1, value) if isinstance(value, int | float) else (2, str(value).casefold())

        return key

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        if 0 <= column < len(self.columns):
            self._rows.sort(
                key=self.sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder
            )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows in Python (one key per row, not a ``data()`` call per comparison).

        A filter proxy over this model passes its sorting here (see :class:`RowsFilterProxy`):
        at national scale Qt's own sort calls ``data()`` some 150,000 times for 6,000 rows.
        """
        self._sort_column, self._sort_order = column, order
        if column < 0 or not self._rows:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._rows[i.row()] if 0 <= i.row() < len(self._rows) else None for i in persistent]
        self._sort_rows(column, order)
        position = {id(r): k for k, r in enumerate(self._rows)}
        self.changePersistentIndexList(
            persistent,
            [
                self.index(position[id(r)], i.column()) if r is not None else QModelIndex()
                for i, r in zip(persistent, held, strict=True)
            ],
        )
        self._index_rows()
        self.layoutChanged.emit()

    def row_at(self, row: int) -> T:
        """The read-model row at ``row``."""
        return self._rows[row]

    def row_for_id(self, ident: Any) -> int | None:
        """The model row whose id is ``ident`` (the first one), or None."""
        return self._row_of.get(ident)

    def column_index(self, key: str) -> int:
        """The position of the column whose key is ``key``."""
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of rows (no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self._shown)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column headers."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._shown)
        ):
            return self._shown[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell values for display, sorting, colouring and tooltips (see :meth:`value`)."""
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self._shown)):
            return None
        return self.value(self._rows[row], column, role)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """Every role a delegate asks for, in one call into Python (see :meth:`fill`)."""
        self.fill(index.row() if index.isValid() else -1, index.column(), roleDataSpan)

    def fill(self, row: int, column: int, span: Any) -> None:
        """Answer each role of ``span`` (a ``QModelRoleDataSpan``) for one cell.

        A delegate painting a cell asks for seven roles. Through ``data()`` that is seven calls
        from Qt into Python, each routed through the proxy and its ``rowCount`` and
        ``columnCount`` checks: a 1920x1080 table painted in 30-60 ms, of which Qt's own
        drawing is 13 ms. Answered here, in one call a cell from the column's role table, it
        paints in about 15 ms.
        """
        if not (0 <= row < len(self._rows) and 0 <= column < len(self._shown)):
            for role_data in span:
                role_data.clearData()
            return
        record, answers = self._rows[row], self._answers(column)
        for role_data in span:
            answer = answers.get(role_data.role())
            value = None if answer is None else answer(record)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def value(self, row: T, column: int, role: int) -> Any:
        """The value of ``role`` in ``column`` of the read-model ``row`` (None: no value)."""
        answer = self._answers(column).get(role)
        return None if answer is None else answer(row)

    def _answers(self, column: int) -> dict[int, Callable[[T], Any]]:
        answers = self._answers_of.get(column)
        if answers is None:
            answers = self._answers_of[column] = self.answers(self._shown[column])
        return answers

    def answers(self, col: Column[T]) -> dict[int, Callable[[T], Any]]:
        """What each role of a cell of ``col`` is, as a function of the row: the one place a
        cell's value is made, for ``data()`` and :meth:`fill` alike. A subclass answering a
        role of its own adds it here."""
        getter = col.getter

        def display(row: T) -> str:
            value = getter(row)
            return "" if value is None else str(value)

        def sort(row: T) -> Any:
            if col.sort is not None:
                key = col.sort(row)
                return "" if key is None else key
            return _sort_value(getter(row))

        answers: dict[int, Callable[[T], Any]] = {
            int(Qt.ItemDataRole.DisplayRole): display,
            SORT_ROLE: sort,
            ROW_ROLE: lambda row: row,
        }
        if self._id_of is not None:
            answers[ID_ROLE] = self._id_of
        colour = col.colour or self._row_colour
        if colour is not None:
            answers[int(Qt.ItemDataRole.ForegroundRole)] = lambda row: _brush(colour(row))
        background = col.background
        if background is not None:
            answers[int(Qt.ItemDataRole.BackgroundRole)] = lambda row: _brush(background(row))
        tooltip = col.tooltip or self._row_tooltip
        if tooltip is not None:
            answers[int(Qt.ItemDataRole.ToolTipRole)] = lambda row: tooltip(row) or None
        if col.align_right:
            answers[int(Qt.ItemDataRole.TextAlignmentRole)] = lambda row: RIGHT
        if col.bold:
            answers[int(Qt.ItemDataRole.FontRole)] = lambda row: _bold_font()
        return answers


class RowsFilterProxy(QSortFilterProxyModel):
    """Sort by typed values; filter rows with a predicate over the read-model row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._predicate: Callable[[Any], bool] | None = None

    def set_predicate(
        self, predicate: Callable[[Any], bool] | None, *, refilter: bool = True
    ) -> None:
        """Show only rows for which ``predicate(row)`` is true (None: all).

        ``refilter=False`` only keeps it, for a source model about to be reset (which filters
        every row again anyway): one pass over the rows instead of two."""
        if refilter:
            self.change_filter(lambda: setattr(self, "_predicate", predicate))
        else:
            self._predicate = predicate

    def change_filter(self, apply: Callable[[], None]) -> None:
        """Run ``apply`` (which changes the filter state) and re-filter."""
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter is deprecated there
            self.beginFilterChange()
            apply()
            self.endFilterChange()
        else:
            apply()
            self.invalidateFilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort through the source model when it can sort itself (fast); else Qt's sort."""
        model = self.sourceModel()
        if isinstance(model, RowsTableModel):
            model.sort(column, order)
        else:
            super().sort(column, order)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """A cell's roles answered by the source rows model in one call (see
        :meth:`RowsTableModel.fill`); Qt's proxy would ask the source once a role."""
        model = self.sourceModel()
        if isinstance(model, RowsTableModel):
            source = self.mapToSource(index)
            model.fill(source.row() if source.isValid() else -1, source.column(), roleDataSpan)
        else:
            super().multiData(index, roleDataSpan)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """True when the row passes the predicate."""
        predicate = self._predicate
        if predicate is None:  # called once a row: the common case first, and cheap
            return True
        model = self.sourceModel()
        if not isinstance(model, RowsTableModel):
            return True
        return bool(predicate(model.row_at(source_row)))
