"""A long list of choices for a combo box, answered on demand instead of item by item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex

_TEXT = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole))
_DATA = int(Qt.ItemDataRole.UserRole)


class ChoiceListModel(QAbstractListModel):
    """``(text, data)`` pairs as a combo box's model: ``itemData``, ``currentData`` and
    ``findData`` work as with ``addItem(text, data)``.

    Filling a combo with 6,000 ``addItem`` calls (every live group at national scale) froze the
    window for 35-50 ms; :meth:`set_choices` is one model reset, and the combo asks only for the
    rows it shows. Give the combo's popup ``setUniformItemSizes(True)`` (see :func:`attach`),
    or it measures every row when it first opens.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices: list[tuple[str, Any]] = []

    def set_choices(self, choices: Sequence[tuple[str, Any]]) -> None:
        """Replace every choice (a model reset)."""
        self.beginResetModel()
        self._choices = list(choices)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of choices."""
        return 0 if parent.isValid() else len(self._choices)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The text (display and edit roles) or the data (user role) of a choice."""
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._choices):
            return None
        if role in _TEXT:
            return self._choices[row][0]
        if role == _DATA:
            return self._choices[row][1]
        return None


def attach(combo: Any, model: ChoiceListModel) -> ChoiceListModel:
    """Make ``model`` the choices of ``combo`` (a ``QComboBox``), its popup measuring one row."""
    combo.setModel(model)
    view = combo.view()
    if hasattr(view, "setUniformItemSizes"):
        view.setUniformItemSizes(True)
    return model
