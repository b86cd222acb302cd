"""The Disruptions tab: the log with filters and approval, the timeline, "what works", the graph."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.changes import Changes
from socmap.domain.disruptions import LEVELS, STRANDS
from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.graph.build import parse_node_id
from socmap.render.partner_graph import scene_for
from socmap.render.timeline import draw_timeline, event_at
from socmap.services import disruptions
from socmap.services.disruptions import TimelineData
from socmap.ui.context import UiContext
from socmap.ui.dialogs.disruption_dialog import DisruptionDialog
from socmap.ui.models.partner_models import DISRUPTION_COLUMNS, WHAT_WORKS_COLUMNS
from socmap.ui.models.rows_model import ID_ROLE, RowsFilterProxy, RowsTableModel
from socmap.ui.tasks import next_frame
from socmap.ui.views.graph_canvas import GraphCanvas
from socmap.ui.widgets.tables import fit_columns, row_table

KINDS = ("disruption", "ocg", "assessment", "partner", "area")


class TimelineCanvas(QWidget):
    """Shows one TimelineData through ``render.timeline``; clicking a marker emits its id."""

    disruption_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: TimelineData | None = None
        self.setMinimumSize(480, 260)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(900, 420)

    def set_data(self, data: TimelineData) -> None:
        """Show ``data``."""
        self.data = data
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.data is not None:
            draw_timeline(painter, self.data, QRectF(0, 0, self.width(), self.height()))
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.data is None:
            return
        hit = event_at(self.data, QRectF(0, 0, self.width(), self.height()), event.position())
        if hit is not None:
            self.disruption_clicked.emit(hit)

    def marker_position(self, disruption_id: int) -> QPointF | None:
        """Where a disruption's marker is drawn (for tests)."""
        from socmap.render.timeline import _event_positions, _plot_rect

        if self.data is None:
            return None
        plot = _plot_rect(QRectF(0, 0, self.width(), self.height()))
        for ev, centre in _event_positions(self.data, plot):
            if ev.id == disruption_id:  # type: ignore[attr-defined]
                return centre
        return None


class DisruptionsView(QWidget):
    """Disruption log, approval, timeline against score trend, "what works" and the graph."""

    loaded = Signal()
    #: the outcome graph (read only while its page is shown) has been drawn
    graph_loaded = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = dt.date.today()
        self.log_model: RowsTableModel[disruptions.DisruptionRow] = RowsTableModel(
            DISRUPTION_COLUMNS, lambda r: r.id, self
        )
        self.log_proxy = RowsFilterProxy(self)
        self.log_proxy.setSourceModel(self.log_model)
        self.works_model: RowsTableModel[disruptions.WhatWorksRow] = RowsTableModel(
            WHAT_WORKS_COLUMNS, lambda r: (r.strand, r.tactic), self
        )
        self.works_proxy = RowsFilterProxy(self)
        self.works_proxy.setSourceModel(self.works_model)

        # filter bar (applies to every sub-tab)
        self.area = QComboBox()
        self.area.addItem("All areas", None)
        self.strand = QComboBox()
        self.strand.addItem("All 4P strands", None)
        for k, v in STRANDS.items():
            self.strand.addItem(v, k)
        self.level = QComboBox()
        self.level.addItem("All levels", None)
        for v in LEVELS.values():
            self.level.addItem(v, v)
        self.status = QComboBox()
        for label, key in (
            ("Any status", None),
            ("Pending", "pending"),
            ("Approved", "approved"),
            ("Rejected", "rejected"),
        ):
            self.status.addItem(label, key)
        self.search = QLineEdit(placeholderText="Search OCG or tactic")
        bar = QHBoxLayout()
        bar_widgets: list[QWidget] = [
            QLabel("Area:"),
            self.area,
            self.strand,
            self.level,
            self.status,
            self.search,
        ]
        for w in bar_widgets:
            bar.addWidget(w)

        # log
        self.table = row_table(self.log_proxy)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.record_button = QPushButton("Record a disruption…")
        self.approve_button = QPushButton("Approve")
        self.reject_button = QPushButton("Reject claim")
        self.timeline_button = QPushButton("Timeline of this OCG")
        self.count_label = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for w in (  # type: ignore[assignment]
            self.record_button,
            self.approve_button,
            self.reject_button,
            self.timeline_button,
        ):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        log = QWidget()
        lv = QVBoxLayout(log)
        lv.addLayout(buttons)
        lv.addWidget(self.table, 1)
        lv.addWidget(self.message)

        # timeline
        self.timeline_scope = QComboBox()
        self.timeline = TimelineCanvas()
        tl = QWidget()
        tv = QVBoxLayout(tl)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show:"))
        row.addWidget(self.timeline_scope, 1)
        tv.addLayout(row)
        tv.addWidget(self.timeline, 1)
        tv.addWidget(
            QLabel(
                "Each dot is a disruption, coloured by its claimed level; lines are approved"
                " assessments (share of the scheme's maximum; per quarter for an area)."
            )
        )

        # what works
        self.works_table = row_table(self.works_proxy)
        self.works_note = QLabel()
        self.works_note.setWordWrap(True)
        ww = QWidget()
        wv = QVBoxLayout(ww)
        wv.addWidget(
            QLabel(
                "<b>What works</b>: approved disruptions per tactic and 4P strand. The mean"
                " score change compares the approved assessments before and after each"
                " disruption (same scheme only, as a share of its maximum); n is the number of"
                " cases behind it."
            )
        )
        wv.addWidget(self.works_table, 1)
        self.works_export_button = QPushButton("Export what works…", objectName="export_what_works")
        self.works_export_button.setEnabled(ctx.can(Permission.EXPORT))
        self.works_export_button.clicked.connect(self._export_what_works)
        works_row = QHBoxLayout()
        works_row.addWidget(self.works_note, 1)
        works_row.addWidget(self.works_export_button, 0, Qt.AlignmentFlag.AlignTop)
        wv.addLayout(works_row)

        # graph
        self.graph_canvas = GraphCanvas()
        gw = QWidget()
        gv = QVBoxLayout(gw)
        gv.addWidget(QLabel("OCGs, their disruptions (coloured by level), tactics and agencies"))
        gv.addWidget(self.graph_canvas, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(log, "Log")
        self.tabs.addTab(tl, "Timeline")
        self.tabs.addTab(ww, "What works")
        self.tabs.addTab(gw, "Outcome graph")
        self._graph_page = gw
        #: the outcome graph is read, laid out and drawn only while its page is shown (nationally
        #: 20,000 nodes: seconds of work nobody looking at the log needs)
        self._graph_stale = True
        self._graph: Any = None
        self.tabs.currentChanged.connect(self._on_page_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

        can_edit = ctx.can(Permission.EDIT)
        can_approve = ctx.can(Permission.APPROVE)
        self.record_button.setEnabled(can_edit)
        self.approve_button.setEnabled(can_approve)
        self.reject_button.setEnabled(can_approve)
        if not can_approve:
            self.approve_button.setToolTip("Approving needs a supervisor role")

        self.area.currentIndexChanged.connect(self._on_area_changed)
        for combo in (self.strand, self.level, self.status):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self._apply_filters)
        self.record_button.clicked.connect(self.record)
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.timeline_button.clicked.connect(self._timeline_of_selected)
        self.timeline_scope.currentIndexChanged.connect(self._load_timeline)
        self.timeline.disruption_clicked.connect(self.select_disruption)
        self.graph_canvas.node_clicked.connect(self._on_graph_node_clicked)
        self.table.doubleClicked.connect(lambda _i: self._timeline_of_selected())
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self._fill_areas()
        # loaded when first shown, and reloaded on changes only while visible (a hidden tab
        # marks itself stale), so edits elsewhere never wait on this tab's queries
        self._stale = True

    # ----------------------------------------------------------------------------- loading

    def _fill_areas(self) -> None:
        current = self.area.currentData()
        self.area.blockSignals(True)
        self.area.clear()
        self.area.addItem("All areas", None)
        for aid, name in sorted(disruptions.area_names(self.ctx.store), key=lambda a: a[1]):
            self.area.addItem(name, aid)
        self.area.setCurrentIndex(max(0, self.area.findData(current)))
        self.area.blockSignals(False)
        self._fill_scopes()

    def _fill_scopes(self, ocg: tuple[int, str] | None = None) -> None:
        self.timeline_scope.blockSignals(True)
        keep = self.timeline_scope.currentData()
        self.timeline_scope.clear()
        self.timeline_scope.addItem("All areas", "all")
        for aid, name in sorted(disruptions.area_names(self.ctx.store), key=lambda a: a[1]):
            self.timeline_scope.addItem(f"Area: {name}", f"area:{aid}")
        if ocg is not None:
            self.timeline_scope.addItem(ocg[1], f"ocg:{ocg[0]}")
            keep = f"ocg:{ocg[0]}"
        self.timeline_scope.setCurrentIndex(max(0, self.timeline_scope.findData(keep)))
        self.timeline_scope.blockSignals(False)

    def reload(self) -> None:
        """Reload the log, "what works" and the graph (read in the engine's worker process)."""
        self._stale = False
        prepare = self.log_model.prepare  # sorts and indexes here (16,000 rows), off the UI
        self.ctx.tasks.read(
            "socmap.services.disruptions:tab_data",
            self.area.currentData(),
            self.today,
            then=lambda result: (prepare(result[0]), result[1]),
            view=self,
            on_done=lambda result: self._on_loaded(result) if isValid(self) else None,
            on_error=lambda exc: self.ctx.report_error(self, exc) if isValid(self) else None,
        )
        self._graph_stale = True
        if self.tabs.currentWidget() is self._graph_page:
            self._load_graph()
        self._load_timeline()

    def _on_page_changed(self, _index: int) -> None:
        if self._graph_stale and self.tabs.currentWidget() is self._graph_page:
            self._load_graph()

    def _load_graph(self) -> None:
        """Read and lay out the outcome graph in the engine's worker process."""
        self._graph_stale = False
        area = self.area.currentData()
        title = "Disruption outcomes" + self._area_suffix()
        self._graph_token = getattr(self, "_graph_token", 0) + 1
        token = self._graph_token

        def done(result: tuple[Any, Any]) -> None:
            if isValid(self) and token == self._graph_token:  # not superseded meanwhile
                self._graph, scene = result
                self.graph_canvas.set_scene(scene)
                self.graph_loaded.emit()

        self.ctx.tasks.read(
            "socmap.services.partner_graphs:disruption_layout",
            area,
            then=lambda result: (result[0], scene_for(*result, title=title)),
            view=self,
            on_done=done,
            on_error=lambda exc: self.ctx.report_error(self, exc) if isValid(self) else None,
        )

    def _on_loaded(self, result: tuple[Any, ...]) -> None:
        """The log now (16,000 rows nationally: the proxy filters each once); its columns'
        fit and the "what works" table once that is painted (at once: 80 ms frames)."""
        log, works = result
        self._apply_filters(refilter=False)  # the reset below filters every row once
        self.log_model.set_rows(log)
        next_frame(self, lambda: self._show_works(works))

    def _show_works(self, works: list[disruptions.WhatWorksRow]) -> None:
        self.works_model.set_rows(works)
        fit_columns(self.table)
        fit_columns(self.works_table)
        scored = sum(r.n_scored for r in works)
        self.works_note.setText(
            f"{plural(sum(r.count for r in works), 'approved disruption')}; {scored} have approved"
            " assessments before and after."
            + (
                ""
                if scored
                else " No score changes can be shown until groups have approved assessments"
                " either side of a disruption."
            )
        )
        self._update_count()
        self.loaded.emit()

    def _area_suffix(self) -> str:
        return f": {self.area.currentText()}" if self.area.currentData() is not None else ""

    def _load_timeline(self) -> None:
        kind, _, text = str(self.timeline_scope.currentData() or "all").partition(":")
        ident = int(text) if text else None
        self.ctx.tasks.read(
            "socmap.services.disruptions:timeline",
            ocg_id=ident if kind == "ocg" else None,
            area=ident if kind == "area" else None,
            today=self.today,
            view=self,
            on_done=lambda data: self.timeline.set_data(data) if isValid(self) else None,
            on_error=lambda exc: self.ctx.report_error(self, exc) if isValid(self) else None,
        )

    # ----------------------------------------------------------------------------- filters

    def _export_what_works(self) -> QWidget:
        """The "what works" table shown here, as a spreadsheet for an audience."""
        from socmap.ui.dialogs.audience_export_dialog import open_audience_export_dialog

        area = self.area.currentText() if self.area.currentData() is not None else None
        return open_audience_export_dialog(self.ctx, self, "what-works", area=area)

    def _on_area_changed(self) -> None:
        aid = self.area.currentData()
        self.timeline_scope.setCurrentIndex(
            max(0, self.timeline_scope.findData(f"area:{aid}" if aid else "all"))
        )
        self.reload()

    def _apply_filters(self, *_args: object, refilter: bool = True) -> None:
        """Filter the log and "what works" by the choices above them (``refilter=False``: only
        set the filters, for rows about to be replaced)."""
        strand = self.strand.currentData()
        level = self.level.currentData()
        status = self.status.currentData()
        words = self.search.text().casefold().split()

        def keep(r: disruptions.DisruptionRow) -> bool:
            if strand and r.strand != STRANDS[strand]:
                return False
            if level and r.level != level:
                return False
            if status and r.status != status:
                return False
            hay = f"{r.ocg} {r.tactic} {r.lead_agency}".casefold()
            return all(w in hay for w in words)

        self.log_proxy.set_predicate(
            keep if strand or level or status or words else None, refilter=refilter
        )
        self.works_proxy.set_predicate(
            (lambda r: r.strand == strand) if strand else None, refilter=refilter
        )
        if refilter:
            self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(
            f"{self.log_proxy.rowCount()} of {plural(self.log_model.rowCount(), 'disruption')}"
        )

    # ----------------------------------------------------------------------------- actions

    def selected_id(self) -> int | None:
        """The disruption selected in the log."""
        rows = self.table.selectionModel().selectedRows()
        return int(rows[0].data(ID_ROLE)) if rows else None

    def select_disruption(self, disruption_id: int) -> None:
        """Show a disruption in the log (clearing filters that hide it)."""
        row = self.log_model.row_for_id(disruption_id)
        if row is None:
            return
        idx = self.log_proxy.mapFromSource(self.log_model.index(row, 0))
        if not idx.isValid():
            for combo in (self.strand, self.level, self.status):
                combo.setCurrentIndex(0)
            self.search.clear()
            idx = self.log_proxy.mapFromSource(self.log_model.index(row, 0))
        self.table.selectRow(idx.row())
        self.table.scrollTo(idx)
        self.tabs.setCurrentIndex(0)

    def record(self) -> DisruptionDialog:
        """Open the record-a-disruption form (modal)."""
        dialog = DisruptionDialog(self.ctx, self, today=self.today)
        dialog.open()
        return dialog

    def approve_selected(self) -> None:
        """Approve the selected claim as the current account."""
        did = self.selected_id()
        if did is None:
            self.message.setText("Select a disruption to approve.")
            return
        try:
            d, changes = disruptions.approve_disruption(self.ctx.store, did, today=self.today)
        except SocmapError as exc:
            self.message.setText(f"<span style='color:#b91c1c'>{exc}</span>")
            return
        self.message.setText(
            f"Disruption {did}: first approval recorded; a Major claim needs a second approver"
            " other than you."
            if d.status == "pending"
            else f"Disruption {did} approved."
        )
        self.ctx.bus.changes_applied.emit(changes, self)
        self.reload()

    def reject_selected(self) -> None:
        """Reject the selected pending claim."""
        did = self.selected_id()
        if did is None:
            self.message.setText("Select a disruption to reject.")
            return
        try:
            _d, changes = disruptions.reject_disruption(self.ctx.store, did, today=self.today)
        except SocmapError as exc:
            self.message.setText(f"<span style='color:#b91c1c'>{exc}</span>")
            return
        self.message.setText(f"Disruption {did}: claim rejected.")
        self.ctx.bus.changes_applied.emit(changes, self)
        self.reload()

    def _timeline_of_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        r = self.log_model.row_at(self.log_proxy.mapToSource(rows[0]).row())
        self._fill_scopes((r.ocg_id, r.ocg))
        self._load_timeline()
        self.tabs.setCurrentIndex(1)

    def _on_graph_node_clicked(self, node_id: str) -> None:
        kind, ident = parse_node_id(node_id)
        if kind == "ocg":
            self.ctx.bus.open_ocg_requested.emit(int(ident))
        elif kind == "disruption":
            self.select_disruption(int(ident))

    def _on_bus_changes_applied(self, changes: Changes, initiator: object) -> None:
        if initiator is self:
            return
        if changes.touches(*KINDS):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
