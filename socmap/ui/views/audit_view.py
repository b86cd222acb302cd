"""The Audit tab: the audit trail filtered by person, record, action and date; verify; export."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import audit_trail
from socmap.services.audit_trail import AuditFilter
from socmap.ui.context import UiContext
from socmap.ui.models.rows_model import RowsFilterProxy
from socmap.ui.models.trust_models import AuditTableModel
from socmap.ui.widgets.permission import guard, roles_allowed
from socmap.ui.widgets.tables import CutNote, fit_columns

#: An export's limit: every matching row.
EVERY_ROW = 1 << 62

RECORD_KINDS = (
    "",
    "nominal",
    "ocg",
    "intel",
    "membership",
    "location",
    "user",
    "areas",
    "audit",
    "database",
    "register",
)


def _date_edit(date: QDate) -> QDateEdit:
    edit = QDateEdit(date)
    edit.setCalendarPopup(True)
    edit.setEnabled(False)
    return edit


def _date(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class AuditView(QWidget):
    """Who did what, when: the tamper-evident trail, for supervisors and admins."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._notice = ""
        self.person = QComboBox(editable=True)
        self.person.setToolTip("Only rows by this account")
        self.kind = QComboBox(editable=True)
        self.kind.setToolTip("Only rows about this kind of record")
        self.kind.addItems(list(RECORD_KINDS))
        self.record_id = QLineEdit(placeholderText="record id")
        self.record_id.setMaximumWidth(90)
        self.action = QComboBox(editable=True)
        self.action.setToolTip("Only this action")
        today = QDate.currentDate()
        self.since_on = QCheckBox("From")
        self.since = _date_edit(today.addMonths(-1))
        self.until_on = QCheckBox("to")
        self.until = _date_edit(today)
        self.since_on.toggled.connect(self.since.setEnabled)
        self.until_on.toggled.connect(self.until.setEnabled)
        self.filter_button = QPushButton("Filter")
        self.clear_button = QPushButton("Clear")
        self.verify_button = QPushButton("Verify chain")
        self.export_button = QPushButton("Export extract…")
        self.chain_label = QLabel("", wordWrap=True)
        self.status = QLabel("")
        self.model = AuditTableModel(self)
        self.proxy = RowsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(sortingEnabled=True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setModel(self.proxy)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setStretchLastSection(True)
        # fitted when rows arrive (tables.fit_columns): a ResizeToContents header measures
        # the rows again on every layout pass
        #: How many rows (the newest) the table shows; 'Show all' raises it.
        self.limit = AuditFilter.limit
        self.cut_note = CutNote(
            self.model,
            "matching audit row",
            self.show_more,
            how="the newest are shown: narrow the filter or press 'Show all'",
        )
        self.values = QPlainTextEdit(
            readOnly=True, placeholderText="Select a row to see its values"
        )
        self.denied = QLabel(
            f"Reading the audit trail needs the {roles_allowed(Permission.APPROVE)} role. "
            "Anyone may verify that the trail is intact.",
            wordWrap=True,
        )

        filters = QHBoxLayout()
        for label, w in (
            ("Person", self.person),
            ("Record", self.kind),
            ("", self.record_id),
            ("Action", self.action),
        ):
            if label:
                filters.addWidget(QLabel(label))
            filters.addWidget(w)
        for extra in (
            self.since_on,
            self.since,
            self.until_on,
            self.until,
            self.filter_button,
            self.clear_button,
        ):
            filters.addWidget(extra)
        filters.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.verify_button)
        actions.addWidget(self.chain_label, 1)
        actions.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.values)
        split.setStretchFactor(0, 4)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.denied)
        layout.addWidget(split, 1)
        layout.addWidget(self.cut_note)
        layout.addWidget(self.status)
        layout.addLayout(actions)

        self.filter_button.clicked.connect(self.refresh)
        self.record_id.returnPressed.connect(self.refresh)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self.apply_role()
        self.refresh()

    # ------------------------------------------------------------------------------ state

    def apply_role(self) -> None:
        """Show the trail only to roles that may read it; export only to those who may export."""
        readable = self.ctx.can(Permission.APPROVE)
        self.denied.setVisible(not readable)
        for w in (
            self.table,
            self.values,
            self.filter_button,
            self.clear_button,
            self.person,
            self.kind,
            self.record_id,
            self.action,
            self.since_on,
            self.until_on,
        ):
            w.setEnabled(readable)
        if guard(self.ctx, Permission.EXPORT, self.export_button):
            guard(self.ctx, Permission.APPROVE, self.export_button)

    def current_filter(self) -> AuditFilter:
        """The filter the widgets describe."""
        return AuditFilter(
            person=self.person.currentText().strip() or None,
            entity=self.kind.currentText().strip() or None,
            entity_id=self.record_id.text().strip() or None,
            action=self.action.currentText().strip() or None,
            since=_date(self.since) if self.since_on.isChecked() else None,
            until=_date(self.until) if self.until_on.isChecked() else None,
            limit=self.limit,
        )

    def show_more(self, limit: int) -> None:
        """Show the newest ``limit`` matching rows (at least the default)."""
        self.limit = max(AuditFilter.limit, limit)
        self.refresh()

    def refresh(self) -> None:
        """Reload the rows for the current filter (in the engine's worker process)."""
        if not self.ctx.can(Permission.APPROVE):
            self.model.set_rows([])
            return
        self.ctx.tasks.read(
            "socmap.services.audit_trail:viewer_data",
            self.current_filter(),
            view=self,
            on_done=self._on_loaded,
            on_error=self._on_failed,
        )

    def verify(self) -> None:
        """Check the whole chain and say what was found."""
        self.chain_label.setText("Checking…")
        self.ctx.tasks.read(
            "socmap.services.audit_trail:verify_with_head",
            view=self,
            on_done=self._on_verified,
            on_error=self._on_failed,
        )

    def export_to(self, path: Path) -> None:
        """Write the rows matching the current filter to ``path`` (CSV), on the writer lane."""
        # the export holds every matching row, however many the table shows
        flt = dataclasses.replace(self.current_filter(), limit=EVERY_ROW)
        self.ctx.tasks.run(
            lambda store, progress: audit_trail.export_extract(store, flt, path),
            write=True,
            on_done=lambda result: self._on_exported(path, result),
            on_error=self._on_failed,
        )

    # --------------------------------------------------------------------------- handlers

    def _on_loaded(self, result: tuple[list[Any], list[str], list[str]]) -> None:
        rows, people, actions = result
        self.model.set_rows(rows)
        fit_columns(self.table)
        for combo, values in ((self.person, people), (self.action, actions)):
            text = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(["", *values])
            combo.setCurrentText(text)
            combo.blockSignals(False)
        self.status.setText(f"{plural(len(rows), 'row')}{self._notice}")
        self._notice = ""

    def _on_verified(self, result: tuple[Any, str]) -> None:
        problem, head = result
        if problem is None:
            self.chain_label.setText(f"Chain intact. Head {head[:16]}… (record it elsewhere)")
            self.chain_label.setStyleSheet("color: #1b5e20")
        else:
            self.chain_label.setText(f"Chain broken at row {problem.row_id}: {problem.reason}")
            self.chain_label.setStyleSheet("color: #b71c1c; font-weight: bold")

    def _on_exported(self, path: Path, result: tuple[int, Changes]) -> None:
        count, changes = result
        self._notice = f". Exported {plural(count, 'row')} to {path}"
        self.ctx.bus.changes_applied.emit(changes, self)
        self.refresh()

    def _on_failed(self, exc: BaseException) -> None:
        self.ctx.report_error(self, exc)

    def _on_clear_clicked(self) -> None:
        for combo in (self.person, self.kind, self.action):
            combo.setCurrentText("")
        self.record_id.clear()
        self.since_on.setChecked(False)
        self.until_on.setChecked(False)
        self.refresh()

    def _on_export_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export audit extract", "audit-extract.csv", "CSV files (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def _on_table_current_changed(self, current: Any, _previous: Any) -> None:
        if not current.isValid():
            self.values.clear()
            return
        row = self.model.row_at(self.proxy.mapToSource(current).row())
        self.values.setPlainText(row.payload or "")

    def _on_bus_changes_applied(self, changes: Changes, initiator: object) -> None:
        if initiator is not self and self.isVisible():
            self.refresh()
