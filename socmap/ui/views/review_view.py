"""The Review tab: records due for MoPI review; record a decision to retain or dispose."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import review
from socmap.ui.context import UiContext
from socmap.ui.models.rows_model import RowsFilterProxy
from socmap.ui.models.trust_models import ReviewQueueModel
from socmap.ui.widgets.permission import guard
from socmap.ui.widgets.tables import CutNote, fit_columns

#: Records the queue shows at first (the rest behind 'Show all').
QUEUE_LIMIT = 500


def _pydate(d: QDate) -> dt.date:
    return dt.date(d.year(), d.month(), d.day())


class ReviewView(QWidget):
    """MoPI review queue and decisions (supervisors and admins decide)."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        today = QDate.currentDate()
        self.as_of = QDateEdit(today)
        self.as_of.setCalendarPopup(True)
        self.as_of.setToolTip("Show records due by this date")
        self.refresh_button = QPushButton("Refresh")
        self.summary = QLabel("")
        self.model = ReviewQueueModel(self)
        self.proxy = RowsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(sortingEnabled=True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setModel(self.proxy)
        # the queue's own order (most overdue first) until the user sorts by a column
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setStretchLastSection(True)
        # fitted when rows arrive (tables.fit_columns): a ResizeToContents header measures
        # the rows again on every layout pass
        #: How many records the queue shows; 'Show all' raises it to the whole queue.
        self.limit = QUEUE_LIMIT
        self.cut_note = CutNote(
            self.model,
            "record due for review",
            self.show_more,
            plural_noun="records due for review",
        )

        self.selected = QLabel("Select a record in the queue")
        self.retain_radio = QRadioButton("Retain")
        self.retain_radio.setChecked(True)
        self.dispose_radio = QRadioButton("Dispose of it (deletes it for real)")
        self._choice = QButtonGroup(self)
        self._choice.addButton(self.retain_radio)
        self._choice.addButton(self.dispose_radio)
        self.next_review = QDateEdit(today.addYears(1))
        self.next_review.setCalendarPopup(True)
        self.group = QComboBox()
        for number, text in review.GROUPS.items():
            self.group.addItem(f"{number}: {text}", number)
        self.group.setCurrentIndex(2)
        self.rationale = QPlainTextEdit(
            placeholderText="Why keep it (policing purpose, still current and adequate), or why "
            "dispose of it. Kept on record; never name the person."
        )
        self.rationale.setMaximumHeight(90)
        self.decide_button = QPushButton("Record decision")
        self.dispose_radio.toggled.connect(self._on_dispose_toggled)

        box = QGroupBox("Review decision")
        form = QFormLayout(box)
        form.addRow(self.selected)
        choice = QHBoxLayout()
        choice.addWidget(self.retain_radio)
        choice.addWidget(self.dispose_radio)
        choice.addStretch(1)
        form.addRow("Decision", choice)
        form.addRow("Next review", self.next_review)
        form.addRow("Review group", self.group)
        form.addRow("Rationale", self.rationale)
        form.addRow(self.decide_button)

        top = QHBoxLayout()
        top.addWidget(QLabel("Due by"))
        top.addWidget(self.as_of)
        top.addWidget(self.refresh_button)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.cut_note)
        layout.addWidget(box)

        self.refresh_button.clicked.connect(self.refresh)
        self.decide_button.clicked.connect(self._on_decide_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self.decision_box = box
        guard(ctx, Permission.APPROVE, self.decide_button)
        self.refresh()

    def refresh(self) -> None:
        """Reload the queue for the chosen date (in the engine's worker process)."""
        self.ctx.tasks.read(
            "socmap.services.review:queue_and_counts",
            _pydate(self.as_of.date()),
            self.limit,
            view=self,
            on_done=self._on_loaded,
            on_error=self._on_failed,
        )

    def show_more(self, limit: int) -> None:
        """Show the first ``limit`` records of the queue (at least the default)."""
        self.limit = max(QUEUE_LIMIT, limit)
        self.refresh()

    def current_item(self) -> Any:
        """The selected queue entry, or None."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def decide(self, *, confirm: bool = True) -> None:
        """Record the decision the form describes for the selected record."""
        item = self.current_item()
        if item is None:
            QMessageBox.information(self, "socmap", "Select a record in the queue first.")
            return
        rationale = self.rationale.toPlainText()
        if self.dispose_radio.isChecked():
            if confirm and (
                QMessageBox.warning(
                    self,
                    "Dispose of the record",
                    f"Delete {item.entity} {item.id} and everything personal about it for good? "
                    "This cannot be undone; the audit trail keeps only a tombstone.",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                    QMessageBox.StandardButton.Cancel,
                )
                != QMessageBox.StandardButton.Yes
            ):
                return

            def work(store: Any, progress: Any) -> Changes:
                report, changes = review.dispose(store, item.entity, item.id, rationale=rationale)
                if not report.compacted:
                    self._pending_compaction = True
                return changes
        else:
            next_review = _pydate(self.next_review.date())
            group = self.group.currentData()

            def work(store: Any, progress: Any) -> Changes:
                return review.retain(
                    store,
                    item.entity,
                    item.id,
                    next_review=next_review,
                    rationale=rationale,
                    group=group,
                )

        self._pending_compaction = False
        self.ctx.tasks.run(work, write=True, on_done=self._on_decided, on_error=self._on_failed)

    # --------------------------------------------------------------------------- handlers

    def _on_loaded(self, result: tuple[list[Any], dict[str, int]]) -> None:
        items, counts = result
        self.model.set_rows(items)
        fit_columns(self.table)
        shown = f" (showing {len(items):,})" if len(items) < sum(counts.values()) else ""
        self.summary.setText(
            f"{plural(counts['nominal'], 'nominal')} and "
            f"{plural(counts['intel'], 'intelligence item')} due{shown}"
        )
        self.selected.setText("Select a record in the queue")

    def _on_decided(self, changes: Changes) -> None:
        self.rationale.clear()
        if self._pending_compaction:
            self.ctx.bus.status_message.emit(
                "Disposed of. Another window has the database open: old copies go when it closes "
                "(or run 'socmap review compact')."
            )
        self.ctx.bus.changes_applied.emit(changes, self)
        self.refresh()

    def _on_failed(self, exc: BaseException) -> None:
        self.ctx.report_error(self, exc)

    def _on_decide_clicked(self) -> None:
        self.decide()

    def _on_dispose_toggled(self, disposing: bool) -> None:
        self.next_review.setEnabled(not disposing)
        self.group.setEnabled(not disposing)

    def _on_table_current_changed(self, current: Any, _previous: Any) -> None:
        item = self.current_item()
        if item is None:
            return
        self.selected.setText(f"{item.entity} {item.id}: {item.label} — due {item.due_text}")
        self.group.setCurrentIndex(max(0, int(item.group) - 1))
        self.rationale.setPlainText(item.rationale)

    def _on_bus_changes_applied(self, changes: Changes, initiator: object) -> None:
        if initiator is not self and changes.touches("nominal", "intel", "review"):
            self.refresh()
