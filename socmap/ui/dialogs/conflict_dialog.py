"""Someone else saved the record first: their changes beside mine, field by field, and a choice.

A thin view of ``services.conflicts.EditConflict``: the table shows each field that differs
(your value, their value, who changed theirs and when); the analyst keeps mine (saved over
theirs, knowingly), takes theirs (my edit is discarded) or merges, choosing per field (each
defaults to whichever side changed it; a field both changed is marked).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.merge import Pick, Resolution
from socmap.services.conflicts import EditConflict

CLASH_COLOUR = "#fef3c7"
COLUMNS = ("Field", "Your value", "Their value", "Changed by", "When", "Merge keeps")


def _elided(text: str, limit: int = 70) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


class ConflictDialog(QDialog):
    """Shows an :class:`EditConflict`; after ``exec()`` accepts, :meth:`to_save` is the record
    to save over theirs (None: keep theirs)."""

    def __init__(self, conflict: EditConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.resolution: Resolution | None = None
        self.setWindowTitle(f"{conflict.ref} was changed by someone else")
        self.setMinimumWidth(860)
        when = f" at {conflict.last_changed_at}" if conflict.last_changed_at else ""
        intro = QLabel(
            f"<b>{conflict.ref} was saved by {conflict.last_changed_by}{when}</b> while you "
            "were editing it. Nothing has been overwritten yet. Here is what differs between "
            "your edit and their save; choose what to keep.",
            objectName="conflict_intro",
            wordWrap=True,
        )
        self.table = QTableWidget(
            len(conflict.differences), len(COLUMNS), objectName="conflict_table"
        )
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.picks: dict[str, QComboBox] = {}
        for row, diff in enumerate(conflict.differences):
            by = diff.changed_by or "only you changed it"
            cells = (diff.label, diff.mine_text, diff.theirs_text, by, diff.changed_at)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(_elided(text))
                item.setToolTip(text)
                if diff.merge.clash:
                    item.setBackground(QBrush(QColor(CLASH_COLOUR)))
                    item.setToolTip(f"Both of you changed this field. {text}")
                self.table.setItem(row, col, item)
            pick = QComboBox(objectName=f"pick_{diff.field}")
            pick.addItem("Mine", Pick.MINE.value)
            pick.addItem("Theirs", Pick.THEIRS.value)
            pick.setCurrentIndex(pick.findData(diff.merge.default.value))
            self.picks[diff.field] = pick
            self.table.setCellWidget(row, len(COLUMNS) - 1, pick)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        legend = QLabel(
            "Highlighted: both of you changed the field. Merge keeps, per field, the side you "
            "choose (at first: yours where only you changed it, theirs where only they did).",
            wordWrap=True,
        )
        legend.setStyleSheet("color:#4b5563;")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.keep_mine = self._button("Keep &mine", "keep_mine", Resolution.KEEP_MINE)
        self.keep_mine.setToolTip("Save your edit over theirs, as it is in your form")
        self.take_theirs = self._button("Take &theirs", "take_theirs", Resolution.TAKE_THEIRS)
        self.take_theirs.setToolTip("Discard your edit and show their save")
        self.merge = self._button("Mer&ge", "merge", Resolution.MERGE)
        self.merge.setToolTip("Save the value chosen under 'Merge keeps' for each field")
        self.merge.setDefault(True)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.table, 1)
        lay.addWidget(legend)
        lay.addWidget(self.buttons)
        self.resize(960, 160 + 34 * max(3, len(conflict.differences)))

    def _button(self, text: str, name: str, resolution: Resolution) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: self._choose(resolution))
        return button

    def _choose(self, resolution: Resolution) -> None:
        self.resolution = resolution
        self.accept()

    def chosen_picks(self) -> dict[str, Pick]:
        """The side each field takes in a merge, as chosen now."""
        return {field: Pick(box.currentData()) for field, box in self.picks.items()}

    def to_save(self) -> Any | None:
        """The record to save over theirs, or None (take theirs, or cancelled)."""
        if self.resolution is None:
            return None
        return self.conflict.resolved(self.resolution, self.chosen_picks())
