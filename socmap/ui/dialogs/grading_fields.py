"""Pickers shared by the link dialogs: a person search and a 3x5x2 grading row."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.grading import HANDLING_3X5X2, INTEL_3X5X2, SOURCE_3X5X2
from socmap.services import queries
from socmap.ui.context import UiContext
from socmap.ui.widgets.tables import add_cut_item


def error_label(name: str) -> QLabel:
    """A red, wrapping label shown next to a field while its value is refused."""
    label = QLabel(objectName=name, wordWrap=True)
    label.setStyleSheet("color: #b91c1c;")
    return label


class PersonPicker(QWidget):
    """Type two letters of a name, pick the person from the matches."""

    changed = Signal()

    def __init__(self, ctx: UiContext, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.search = QLineEdit(objectName=f"{name}_search", placeholderText="search by name")
        self.matches = QListWidget(objectName=f"{name}_matches")
        self.matches.setMaximumHeight(110)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search)
        lay.addWidget(self.matches)
        self.search.textChanged.connect(self._search)
        self.matches.currentRowChanged.connect(lambda _r: self.changed.emit())

    def _search(self, text: str) -> None:
        self.matches.clear()
        if len(text.strip()) >= 2:
            found = queries.find_nominals(self.ctx.store, text, limit=30)
            for nid, label in found:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, nid)
                self.matches.addItem(item)
            add_cut_item(self.matches, found, "match", "type more of the name")
            if self.matches.count():
                self.matches.setCurrentRow(0)
        self.changed.emit()

    def preselect(self, nominal_id: int, label: str) -> None:
        """Show ``label`` as the only match, chosen."""
        self.search.blockSignals(True)
        self.search.setText(label)
        self.search.blockSignals(False)
        self.matches.clear()
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, nominal_id)
        self.matches.addItem(item)
        self.matches.setCurrentRow(0)
        self.changed.emit()

    def nominal_id(self) -> int | None:
        """The chosen person's id, or None."""
        item = self.matches.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))


class GradingFields(QWidget):
    """3x5x2 grading: source (1-3), intelligence (A-E), handling (P/C) and conditions when C."""

    changed = Signal()

    def __init__(self, name: str = "grading", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = QComboBox(objectName=f"{name}_source")
        for key, label in SOURCE_3X5X2.items():
            self.source.addItem(f"{key} {label}", key)
        self.intel = QComboBox(objectName=f"{name}_intel")
        for key, label in INTEL_3X5X2.items():
            self.intel.addItem(f"{key} {label}", key)
        self.handling = QComboBox(objectName=f"{name}_handling")
        for key, label in HANDLING_3X5X2.items():
            self.handling.addItem(f"{key} {label}", key)
        self.conditions = QLineEdit(
            objectName=f"{name}_conditions", placeholderText="conditions (handling C)"
        )
        self.source.setCurrentIndex(self.source.findData("2"))
        self.intel.setCurrentIndex(self.intel.findData("B"))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.source, self.intel, self.handling):
            lay.addWidget(w)
        self.conditions.setMinimumWidth(180)
        lay.addWidget(self.conditions, 1)
        for sig in (
            self.source.currentIndexChanged,
            self.intel.currentIndexChanged,
            self.handling.currentIndexChanged,
            self.conditions.textChanged,
        ):
            sig.connect(lambda *_a: self.changed.emit())
        self.handling.currentIndexChanged.connect(self._toggle)
        self._toggle()

    def _toggle(self, *_args: object) -> None:
        self.conditions.setEnabled(self.handling.currentData() == "C")

    def values(self) -> tuple[str, str, str, str]:
        """(scheme, grade, handling, conditions) as the domain takes them."""
        conditions = self.conditions.text() if self.handling.currentData() == "C" else ""
        grade = f"{self.source.currentData()}{self.intel.currentData()}"
        return "3x5x2", grade, str(self.handling.currentData()), conditions
