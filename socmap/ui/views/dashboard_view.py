"""The Dashboard tab: compliance per area, overdue groups, groups awaiting a first assessment and
the approval queue, each row opening its record in one click.

Also the entry points the main window can wire to menus: :func:`open_assessment_dialog`,
:func:`open_score_history`, :func:`open_config_editor`, :func:`run_rescore`,
:func:`export_calendar_dialog`, :func:`approve_selected`/:func:`return_assessment_dialog`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.errors import Cancelled, SocmapError
from socmap.domain.roles import Permission
from socmap.domain.scoring import Assessment
from socmap.domain.text import plural
from socmap.services import offload, reassessment, scoring
from socmap.services.reassessment import DueRow, ScheduleReport
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.models.rows_model import SORT_ROLE, RowsFilterProxy, RowsTableModel
from socmap.ui.models.schedule_model import (
    DUE_COLUMNS,
    EMERGING_COLUMNS,
    OCG_ID_ROLE,
    pending_columns,
)
from socmap.ui.tasks import next_frame
from socmap.ui.widgets.area_cards import RED, ComplianceCard, compliance_colour
from socmap.ui.widgets.tables import fit_columns

#: the widest a dashboard list's column is fitted to (px)
DASHBOARD_FIT_MAX = 200


# ------------------------------------------------------------------------- entry points


def open_assessment_dialog(ctx: UiContext, parent: QWidget | None, ocg_id: int) -> int | None:
    """Score a group; returns the new assessment's id (None when cancelled)."""
    from socmap.ui.dialogs.assessment_dialog import AssessmentDialog

    if not ctx.can(Permission.EDIT):
        QMessageBox.information(parent, "socmap", "Your role may not score groups.")
        return None
    dialog = AssessmentDialog(ctx, ocg_id, parent)
    dialog.exec()
    return dialog.saved_id


def open_score_history(ctx: UiContext, parent: QWidget | None, ocg_id: int) -> None:
    """Show a group's score history chart and the comparison of two assessments."""
    from socmap.ui.dialogs.score_history_dialog import ScoreHistoryDialog

    ScoreHistoryDialog(ctx, ocg_id, parent).exec()


def open_config_editor(ctx: UiContext, parent: QWidget | None) -> None:
    """The admin configuration editor (weights, thresholds, intervals)."""
    from socmap.ui.dialogs.scoring_config_dialog import ScoringConfigDialog

    ScoringConfigDialog(ctx, parent).exec()


def rescore_task(store: Store, progress: Any) -> scoring.RescoreSummary:
    """The re-score as a write task: in a worker process (its scoring loop would hold the GIL)."""
    summary: scoring.RescoreSummary = offload.run_in_process(
        store, "socmap.services.scoring:rescore_all", write=True, progress=progress
    )
    return summary


def run_rescore(ctx: UiContext, parent: QWidget | None) -> None:
    """Re-score every active group in the background, with a cancellable progress dialog."""
    if not ctx.can(Permission.EDIT):
        QMessageBox.information(parent, "socmap", "Your role may not re-score groups.")
        return
    answer = QMessageBox.question(
        parent,
        "Re-score all",
        "Re-score every active OCG under the current configuration?\n\n"
        "Each becomes a draft assessment awaiting approval; nothing is approved automatically.",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return

    def done(summary: scoring.RescoreSummary) -> None:
        ctx.bus.changes_applied.emit(Changes.of("assessment") | Changes.of("schedule"), None)
        lines = [
            f"{plural(summary.created, 'draft assessment')} created (none approved).",
            f"{len(summary.band_changes)} would change band; {summary.unchanged_band} keep theirs.",
            f"Skipped: {summary.never_assessed} never assessed, "
            f"{summary.already_pending} already awaiting approval.",
        ]
        for c in summary.band_changes[:15]:
            lines.append(f"  OCG-{c.ocg_id:04d} {c.name}: {c.before} → {c.after}")
        if len(summary.band_changes) > 15:
            lines.append(
                f"  … and {len(summary.band_changes) - 15:,} more: the Register's Band column "
                "and 'socmap assess list' show every draft"
            )
        ctx.bus.status_message.emit(lines[0])
        if parent is not None:
            QMessageBox.information(parent, "Re-score complete", "\n".join(lines))

    def failed(exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            ctx.bus.status_message.emit("Re-scoring cancelled; nothing was changed")
        else:
            ctx.report_error(parent, exc)

    ctx.tasks.run(
        rescore_task,
        write=True,
        on_done=done,
        on_error=failed,
        title="Re-scoring all active OCGs…",
        parent=parent,
    )


def export_calendar_dialog(ctx: UiContext, parent: QWidget | None, area: str | None = None) -> None:
    """Ask for a file and write the re-assessment calendar (.ics)."""
    from socmap.export.calendar import export_calendar

    if not ctx.can(Permission.EXPORT):
        QMessageBox.information(parent, "socmap", "Your role may not export.")
        return
    path, _ = QFileDialog.getSaveFileName(
        parent, "Export re-assessment calendar", "reassessments.ics", "iCalendar (*.ics)"
    )
    if not path:
        return
    try:
        result = export_calendar(ctx.store, Path(path), area=area)
    except SocmapError as exc:
        ctx.report_error(parent, exc)
        return
    ctx.bus.status_message.emit(f"Wrote {plural(result.events, 'event')} to {result.path}")


def approve_selected(ctx: UiContext, parent: QWidget | None, assessment_id: int) -> bool:
    """Approve one assessment (the service refuses the assessor's own)."""
    try:
        a, changes = scoring.approve_assessment(ctx.store, assessment_id)
    except SocmapError as exc:
        ctx.report_error(parent, exc)
        return False
    ctx.bus.changes_applied.emit(changes, None)
    due = reassessment.due_of(ctx.store, a.ocg_id)
    clock = (
        "re-assessment date unchanged (a re-calculation, not a full review)"
        if a.is_recalculation
        else "re-assessment clock restarted"
    )
    ctx.bus.status_message.emit(
        f"Assessment {a.id} approved: OCG-{a.ocg_id:04d} is band {a.band}; {clock}, "
        f"next due {due.isoformat() if due else '-'}"
    )
    return True


def return_assessment_dialog(
    ctx: UiContext, parent: QWidget | None, assessment_id: int, reason: str | None = None
) -> bool:
    """Return an assessment, asking for the reason unless given."""
    if reason is None:
        reason, ok = QInputDialog.getText(parent, "Return assessment", "Reason for returning it:")
        if not ok:
            return False
    try:
        _a, changes = scoring.return_assessment(ctx.store, assessment_id, reason=reason)
    except SocmapError as exc:
        ctx.report_error(parent, exc)
        return False
    ctx.bus.changes_applied.emit(changes, None)
    return True


# ----------------------------------------------------------------------------- widgets


def _table(name: str) -> QTableView:
    t = QTableView(objectName=name, sortingEnabled=True)
    t.verticalHeader().hide()
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    # fitted once when rows arrive (see _show): a ResizeToContents header re-measures the
    # rows on every layout pass, which froze the window for seconds at national scale
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(False)
    t.setWordWrap(False)
    return t


class _AreaFilter(RowsFilterProxy):
    def __init__(self, column: int) -> None:
        super().__init__()
        self.area = ""
        self.column = column
        self.setSortRole(SORT_ROLE)

    def set_area(self, area: str) -> None:
        self.beginFilterChange()  # Qt >= 6.9 (invalidateFilter is deprecated)
        self.area = area
        self.endFilterChange(RowsFilterProxy.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # type: ignore[override]
        if not self.area:
            return True
        return self.sourceModel().index(row, self.column, parent).data() == self.area


class DashboardView(QWidget):
    """Compliance at a glance, and the lists a SOC lead acts on."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: ScheduleReport | None = None
        self.pending: list[Assessment] = []
        self.area = ""
        self.setObjectName("dashboard")

        self.headline = QLabel(objectName="headline", textFormat=Qt.TextFormat.RichText)
        self.headline.setWordWrap(True)
        self.cards_row = QHBoxLayout()
        self.cards: list[ComplianceCard] = []
        self.all_areas = QPushButton("Show all areas", objectName="all_areas")
        self.all_areas.clicked.connect(lambda: self.set_area(""))

        self.overdue_model: RowsTableModel[DueRow] = RowsTableModel(DUE_COLUMNS, lambda r: r.ocg_id)
        self.emerging_model: RowsTableModel[DueRow] = RowsTableModel(
            EMERGING_COLUMNS, lambda r: r.ocg_id
        )
        self.pending_model: RowsTableModel[Assessment] = RowsTableModel(
            pending_columns({}), lambda a: a.ocg_id
        )
        self.overdue_proxy = _AreaFilter(2)
        self.overdue_proxy.setSourceModel(self.overdue_model)
        self.emerging_proxy = _AreaFilter(3)
        self.emerging_proxy.setSourceModel(self.emerging_model)
        self.pending_proxy = RowsFilterProxy()
        self.pending_proxy.setSourceModel(self.pending_model)
        self.overdue = _table("overdue")
        self.overdue.setModel(self.overdue_proxy)
        self.emerging = _table("emerging")
        self.emerging.setModel(self.emerging_proxy)
        self.approvals = _table("approvals")
        self.approvals.setModel(self.pending_proxy)
        for table in (self.overdue, self.emerging, self.approvals):
            table.clicked.connect(self._on_table_clicked)
            table.doubleClicked.connect(self._on_table_double_clicked)
        self.approvals.selectionModel().selectionChanged.connect(self._update_buttons)
        self.overdue.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # most overdue first
        self.emerging.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # longest waiting first
        self.approvals.sortByColumn(6, Qt.SortOrder.AscendingOrder)  # oldest first

        self.overdue_box = QGroupBox(objectName="overdue_box")
        lay = QVBoxLayout(self.overdue_box)
        lay.addWidget(self.overdue)
        self.emerging_box = QGroupBox(objectName="emerging_box")
        lay = QVBoxLayout(self.emerging_box)
        lay.addWidget(self.emerging)
        self.approvals_box = QGroupBox(objectName="approvals_box")
        lay = QVBoxLayout(self.approvals_box)
        lay.addWidget(self.approvals)
        self.approve_button = QPushButton("Approve", objectName="approve")
        self.return_button = QPushButton("Return…", objectName="return")
        self.decision_note = QLabel(objectName="decision_note", wordWrap=True)
        self.decision_note.setStyleSheet("color:#4b5563;")
        self.approve_button.clicked.connect(self._approve)
        self.return_button.clicked.connect(self._return)
        row = QHBoxLayout()
        row.addWidget(self.approve_button)
        row.addWidget(self.return_button)
        row.addWidget(self.decision_note, 1)
        lay.addLayout(row)

        self.score_button = QPushButton("Score selected group…", objectName="score")
        self.history_button = QPushButton("Score history…", objectName="history")
        self.rescore_button = QPushButton("Re-score all…", objectName="rescore")
        self.config_button = QPushButton("Configuration…", objectName="config")
        self.calendar_button = QPushButton("Export calendar…", objectName="calendar")
        self.score_button.clicked.connect(self._score_selected)
        self.history_button.clicked.connect(self._history_selected)
        self.rescore_button.clicked.connect(lambda: run_rescore(self.ctx, self))
        self.config_button.clicked.connect(lambda: open_config_editor(self.ctx, self))
        self.calendar_button.clicked.connect(
            lambda: export_calendar_dialog(self.ctx, self, self.area or None)
        )
        self.rescore_button.setEnabled(ctx.can(Permission.EDIT))
        self.score_button.setEnabled(ctx.can(Permission.EDIT))
        self.config_button.setEnabled(ctx.can(Permission.ADMIN))
        self.calendar_button.setEnabled(ctx.can(Permission.EXPORT))
        # the due list and compliance figures shown here, as spreadsheets for an audience
        self.export_button = QPushButton("Export", objectName="export")
        self.export_menu = QMenu(self.export_button)
        for kind, text in (
            ("due", "Due list (XLSX/CSV)…"),
            ("compliance", "Compliance figures (XLSX/CSV)…"),
        ):
            act = self.export_menu.addAction(text)
            act.setObjectName(f"export_{kind}")
            act.triggered.connect(lambda _c=False, kind=kind: self._export_table(kind))
        self.export_button.setMenu(self.export_menu)
        self.export_button.setEnabled(ctx.can(Permission.EXPORT))
        tools = QHBoxLayout()
        for b in (
            self.score_button,
            self.history_button,
            self.rescore_button,
            self.calendar_button,
            self.export_button,
            self.config_button,
        ):
            tools.addWidget(b)
        tools.addStretch(1)
        tools.addWidget(self.all_areas)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.emerging_box)
        right.addWidget(self.approvals_box)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.overdue_box)
        split.addWidget(right)
        split.setSizes([760, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(self.cards_row)
        layout.addLayout(tools)
        layout.addWidget(split, 1)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self._fitted = False
        self.reload()

    # ------------------------------------------------------------------------------ data

    def reload(self) -> None:
        """Recompute the schedule (in the engine's worker process) and show it."""

        overdue, emerging = self.overdue_model.prepare, self.emerging_model.prepare
        self.ctx.tasks.read(
            "socmap.services.queries:dashboard",
            # the lists filtered, sorted and indexed on the reader thread (6,000 groups)
            then=lambda r: (*r, overdue(r[0].overdue), emerging(r[0].emerging)),
            view=self,
            on_done=self._show,
            on_error=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.headline.setText(f"<b>Could not load the schedule:</b> {exc}")

    def _show(self, result: tuple[Any, ...]) -> None:
        """The headline and the area cards first, while the lists are still empty: they settle
        the tab's layout. The lists, fitted, once that is painted (all at once was one frozen
        frame of 80-150 ms at national scale, the lists painted twice)."""
        report, pending, names, overdue, emerging = result
        self._build_cards(report)
        self._update_titles(report, pending)
        next_frame(self, lambda: self._show_lists(report, pending, names, overdue, emerging))

    def _show_lists(
        self, report: ScheduleReport, pending: Any, names: Any, overdue: Any, emerging: Any
    ) -> None:
        self.pending = pending  # what the approvals list shows, from here on
        self.pending_model.columns = pending_columns(names)
        self.overdue_model.set_rows(overdue)
        self.emerging_model.set_rows(emerging)
        self.pending_model.set_rows(pending)
        if not self._fitted:  # once: a re-fit on every reload re-measures rows for nothing
            self._fitted = True
            for t in (self.overdue, self.emerging, self.approvals):
                # every column fitted, the name too (a stretched name column was left a sliver
                # in a half-width table); the last one takes what room is left, and a list
                # wider than its half scrolls sideways
                fit_columns(t, max_width=DASHBOARD_FIT_MAX)
                t.horizontalHeader().setStretchLastSection(True)
        self.report = report  # shown whole from here on
        self._update_titles(report, pending)
        self._update_buttons()

    def _build_cards(self, report: ScheduleReport) -> None:
        while len(self.cards) < len(report.compliance):
            card = ComplianceCard(self)
            card.clicked.connect(self._on_card_clicked)
            self.cards.append(card)
            self.cards_row.addWidget(card)
        for card, c in zip(self.cards, report.compliance, strict=False):
            card.set_area(c, selected=c.area == self.area)
            card.show()
        for card in self.cards[len(report.compliance) :]:
            card.hide()

    def _update_titles(self, r: ScheduleReport, pending: list[Assessment]) -> None:
        active = sum(c.active for c in r.compliance)
        compliant = sum(c.compliant for c in r.compliance)
        pct = 100.0 * compliant / active if active else 100.0
        overdue = sum(c.overdue for c in r.compliance)
        never = sum(c.never_assessed for c in r.compliance)
        worst = min(r.compliance, key=lambda c: c.percent) if r.compliance else None
        colour = compliance_colour(pct)
        worst_txt = (
            f" Lowest: <b style='color:{compliance_colour(worst.percent)}'>{worst.area} "
            f"{worst.percent:.0f}%</b>."
            if worst
            else ""
        )
        self.headline.setText(
            f"<span style='font-size:18px;font-weight:bold'>Re-assessment compliance</span>"
            f" &nbsp;<span style='color:#4b5563'>as of {r.today:%d %B %Y}</span><br>"
            f"<span style='font-size:14px'>Force-wide <b style='color:{colour}'>{pct:.0f}%</b> "
            f"({compliant} of {plural(active, 'active OCG')} in date) · "
            f"<b style='color:{RED}'>{overdue} overdue</b> · "
            f"<b style='color:#7c3aed'>{never} active never assessed</b> · "
            f"{len(r.emerging)} awaiting a first assessment · "
            f"{len(pending)} awaiting approval.{worst_txt}</span>"
        )
        where = f" in {self.area}" if self.area else ""
        self.overdue_box.setTitle(
            f"Overdue for re-assessment{where} ({self.overdue_proxy.rowCount()}) — "
            "click a reference to open the record"
        )
        self.emerging_box.setTitle(
            f"Awaiting a first assessment{where} ({self.emerging_proxy.rowCount()}): "
            "emerging groups and groups never scored"
        )
        self.approvals_box.setTitle(f"Awaiting approval ({len(pending)})")
        self.all_areas.setVisible(bool(self.area))

    def set_area(self, area: str) -> None:
        """Filter the lists to one lead area ('' for all)."""
        self.area = "" if area == self.area else area
        self.overdue_proxy.set_area(self.area)
        self.emerging_proxy.set_area(self.area)
        if self.report is not None:
            self._build_cards(self.report)
            self._update_titles(self.report, self.pending)

    def _on_card_clicked(self, area: str) -> None:
        self.set_area(area)

    def _on_bus_changes_applied(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("ocg", "assessment", "schedule", "scoring_config", "area"):
            self.reload()

    # ---------------------------------------------------------------------- navigation

    def _on_table_clicked(self, index: QModelIndex) -> None:
        if index.column() == 0:  # the reference is a link: one click opens the record
            self.ctx.bus.open_ocg_requested.emit(int(index.data(OCG_ID_ROLE)))

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.ctx.bus.open_ocg_requested.emit(int(index.data(OCG_ID_ROLE)))

    def selected_ocg_id(self) -> int | None:
        """The OCG of the row selected in whichever list has focus (last selected)."""
        for table in (self.overdue, self.emerging, self.approvals):
            rows = table.selectionModel().selectedRows()
            if rows and (table.hasFocus() or table is self._last_table()):
                return int(rows[0].data(OCG_ID_ROLE))
        for table in (self.overdue, self.emerging, self.approvals):
            rows = table.selectionModel().selectedRows()
            if rows:
                return int(rows[0].data(OCG_ID_ROLE))
        return None

    def _last_table(self) -> QTableView | None:
        w = self.focusWidget()
        return w if isinstance(w, QTableView) else None

    def _export_table(self, kind: str) -> QWidget:
        """The due list or compliance figures for an audience (the area shown, when one is)."""
        from socmap.ui.dialogs.audience_export_dialog import open_audience_export_dialog

        return open_audience_export_dialog(self.ctx, self, kind, area=self.area or None)

    def _score_selected(self) -> None:
        oid = self.selected_ocg_id()
        if oid is None:
            QMessageBox.information(self, "socmap", "Select a group in one of the lists first.")
            return
        open_assessment_dialog(self.ctx, self, oid)

    def _history_selected(self) -> None:
        oid = self.selected_ocg_id()
        if oid is None:
            QMessageBox.information(self, "socmap", "Select a group in one of the lists first.")
            return
        open_score_history(self.ctx, self, oid)

    # ------------------------------------------------------------------------ approvals

    def selected_assessment(self) -> Assessment | None:
        rows = self.approvals.selectionModel().selectedRows()
        if not rows:
            return None
        return self.pending_model.rows[self.pending_proxy.mapToSource(rows[0]).row()]

    def _update_buttons(self, *_args: Any) -> None:
        a = self.selected_assessment()
        reason = (
            scoring.can_decide(self.ctx.store, a) if a else "Select an assessment to decide on."
        )
        allowed = a is not None and reason is None
        self.approve_button.setEnabled(allowed)
        self.return_button.setEnabled(allowed)
        self.decision_note.setText(reason or f"Assessed by {a.assessor}" if a else reason or "")
        self.approve_button.setToolTip(reason or "")

    def _approve(self) -> None:
        a = self.selected_assessment()
        if a is not None and approve_selected(self.ctx, self, a.id):
            self.ctx.bus.status_message.emit(f"Assessment {a.id} approved: band {a.band}")

    def _return(self) -> None:
        a = self.selected_assessment()
        if a is not None and return_assessment_dialog(self.ctx, self, a.id):
            self.ctx.bus.status_message.emit(f"Assessment {a.id} returned to {a.assessor}")


if (
    __name__ == "__main__"
):  # show the dashboard on the demo force: python -m socmap.ui.views.dashboard_view
    import sys

    from socmap.paths import demo_db_path
    from socmap.services.demo import ensure_demo_database
    from socmap.ui.preview import preview_context

    ensure_demo_database(demo_db_path())
    app, main_ctx = preview_context(demo_db_path())
    main_ctx.bus.open_ocg_requested.connect(lambda oid: open_score_history(main_ctx, None, oid))
    view = DashboardView(main_ctx)
    view.resize(1500, 900)
    view.show()
    sys.exit(app.exec())
