"""The OCG register tab: filter bar, sortable table and the selected group's detail pane."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError, WritesHeld
from socmap.domain.groups import Ocg
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.domain.vocab import MARKETS, Status
from socmap.services import commands, queries, records
from socmap.services.queries import OcgDetail
from socmap.ui.context import UiContext
from socmap.ui.dialogs.location_dialog import LocationDialog
from socmap.ui.dialogs.member_dialog import MemberDialog
from socmap.ui.dialogs.ocg_dialog import OcgDialog
from socmap.ui.models.register_model import (
    ID_ROLE,
    RegisterFilterProxy,
    RegisterTableModel,
    column_index,
)
from socmap.ui.models.rows_model import Prepared
from socmap.ui.tasks import after_paint
from socmap.ui.widgets.ocg_detail import OcgDetailPane

COLUMN_WIDTHS = {
    "ref": 80,
    "name": 190,
    "status": 70,
    "band": 50,
    "due_state": 170,
    "lead_area": 160,
    "areas_of_operation": 200,
    "cross_border": 90,
    "lro": 160,
    "members": 70,
    "identified_on": 90,
    "marking": 140,
}


class RegisterView(QWidget):
    """The register: every OCG, filterable, with the selected one's details beside it."""

    rows_loaded = Signal(int)
    #: the re-assessment state of rows shown without it at start-up has arrived
    schedule_loaded = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RegisterTableModel(self)
        self.proxy = RegisterFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._selected: int | None = None
        self._pending_select: int | None = None
        self.conflict_dialog: QWidget | None = None

        self.search = QLineEdit(
            objectName="search", placeholderText="Search name, alias, ref, LRO…"
        )
        self.search.setClearButtonEnabled(True)
        self.area = QComboBox(objectName="area_filter")
        self.status = QComboBox(objectName="status_filter")
        self.market = QComboBox(objectName="market_filter")
        self.neighbourhood = QComboBox(objectName="neighbourhood_filter")
        self.neighbourhood.setToolTip("Only groups with a location in this neighbourhood")
        self.status.addItem("All statuses", None)
        for s in Status:
            self.status.addItem(s.value.capitalize(), s.value)
        self.status.setCurrentIndex(self.status.findData(Status.ACTIVE.value))
        self.market.addItem("All markets", None)
        for key, label in MARKETS.items():
            self.market.addItem(label, key)
        self.cross_border = QCheckBox("Cross-border only", objectName="cross_border_filter")
        self.cross_border.setToolTip("Only groups operating across an area or force boundary")
        self.count_label = QLabel(objectName="count_label")
        self.count_label.setStyleSheet("color:#4b5563;")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        bar.addWidget(self.area)
        bar.addWidget(self.neighbourhood)
        bar.addWidget(self.status)
        bar.addWidget(self.market, 1)
        bar.addWidget(self.cross_border)
        bar.addWidget(self.count_label)

        self.table = QTableView(objectName="register_table", sortingEnabled=True)
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column_index(column), width)
        header.setSectionResizeMode(column_index("markets"), QHeaderView.ResizeMode.Stretch)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())

        self.detail = OcgDetailPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="register_splitter")
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addLayout(bar)
        left_lay.addWidget(self.table)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([1250, 650])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.splitter)

        self.search.textChanged.connect(self._apply_filters)
        for combo in (self.area, self.status, self.market, self.neighbourhood):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.cross_border.toggled.connect(self._apply_filters)
        self.area.currentIndexChanged.connect(self._fill_neighbourhoods)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.detail.edit_requested.connect(lambda _id: self.edit_selected())
        self.detail.add_member_requested.connect(self._add_member)
        self.detail.remove_member_requested.connect(self._remove_member)
        self.detail.merge_member_requested.connect(self._merge_member)
        self.detail.add_location_requested.connect(self._add_location)
        self.detail.remove_location_requested.connect(self._remove_location)
        self.detail.score_requested.connect(self._score)
        self.detail.history_requested.connect(self._history)
        self.detail.archive_requested.connect(self._archive_or_reactivate)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        ctx.bus.ocg_selected.connect(self._on_bus_ocg_selected)
        self.detail.set_editable(ctx.can(Permission.EDIT), can_approve=ctx.can(Permission.APPROVE))
        self._fill_areas()
        self._fill_neighbourhoods()
        self._apply_filters()
        rows = ctx.take_prefetched("register")
        if rows is None:
            self.reload()
        else:  # read while the window's modules imported: shown once the window is made
            QTimer.singleShot(0, self, lambda: self._on_prefetched(rows))

    # ---------------------------------------------------------------------------- loading

    def _fill_areas(self) -> None:
        current = self.area.currentData()
        self.area.blockSignals(True)
        self.area.clear()
        self.area.addItem("All areas", None)  # an area: groups led from or operating in it
        for a in queries.area_list(self.ctx.store):
            self.area.addItem(a.name, a.name)
        self.area.setCurrentIndex(max(0, self.area.findData(current)))
        self.area.blockSignals(False)

    def _fill_neighbourhoods(self) -> None:
        """The neighbourhoods of the chosen area (all of them when no area is chosen)."""
        from socmap.services import neighbourhoods

        current = self.neighbourhood.currentData()
        area = self.area.currentData()
        self.neighbourhood.blockSignals(True)
        self.neighbourhood.clear()
        self.neighbourhood.addItem("All neighbourhoods", None)
        found = neighbourhoods.neighbourhoods(self.ctx.store)
        for n in found:
            if area is None or n.area == area:
                self.neighbourhood.addItem(n.label if area is None else n.name, n.id)
        self.neighbourhood.setCurrentIndex(max(0, self.neighbourhood.findData(current)))
        self.neighbourhood.setVisible(bool(found))
        self.neighbourhood.blockSignals(False)

    def reload(self) -> None:
        """Reload the register rows (in the engine's worker process) and keep the selection."""
        self.ctx.tasks.read(
            "socmap.services.queries:register",
            then=self.model.prepare,  # sorted and indexed off the UI thread (6,000 rows)
            view=self,
            on_done=self._on_rows,
            on_error=lambda exc: self.ctx.report_error(self, exc),
        )

    def _on_prefetched(self, rows: list[queries.RegisterRow]) -> None:
        """Rows read at start-up without their re-assessment state (the schedule takes a third
        of the register's query): shown now, their due dates filled in by a worker next."""
        self._on_rows(rows)
        if any(r.due_state is None for r in rows):
            # after the rows' first paint: starting the read spawns the engine's workers, and
            # forking this process beside that paint made it a 100-130 ms frame (45-75 alone)
            after_paint(
                self.table.viewport(),
                lambda: self.ctx.tasks.read(
                    "socmap.services.queries:register",
                    view=self,
                    on_done=self._on_schedule,
                    on_error=lambda exc: self.ctx.report_error(self, exc),
                ),
                delay_ms=self.DUE_DATES_AFTER_MS,
            )

    #: the due dates of the rows read at start-up are asked for this long after they are
    #: painted (ms)
    DUE_DATES_AFTER_MS = 100

    def _on_schedule(self, rows: list[queries.RegisterRow]) -> None:
        # no filter looks at due dates: the proxy need not filter 6,000 rows again
        self.proxy.setDynamicSortFilter(False)
        try:
            updated = self.model.update_rows(rows)
        finally:
            self.proxy.setDynamicSortFilter(True)
        if not updated:  # groups came or went meanwhile
            self._on_rows(rows)
        self._update_count()
        self.schedule_loaded.emit()

    def _on_rows(self, rows: list[queries.RegisterRow] | Prepared[queries.RegisterRow]) -> None:
        keep = self._selected
        self.model.set_rows(rows)
        self._update_count()
        target = self._pending_select or keep
        self._pending_select = None
        if target is not None and not self.select_ocg(target):
            self.detail.show_detail(None)
        self.rows_loaded.emit(self.model.rowCount())

    def _update_count(self) -> None:
        self.count_label.setText(
            f"{self.proxy.rowCount()} of {plural(self.model.rowCount(), 'group')}"
        )

    def _apply_filters(self) -> None:
        from socmap.services import neighbourhoods

        nid = self.neighbourhood.currentData()
        self.proxy.set_filters(
            ocg_ids=(frozenset(neighbourhoods.ocg_ids_in(self.ctx.store, nid)) if nid else None),
            area=self.area.currentData(),
            status=self.status.currentData(),
            market=self.market.currentData(),
            text=self.search.text(),
            cross_border=self.cross_border.isChecked(),
        )
        self._update_count()

    # -------------------------------------------------------------------------- selection

    def selected_ocg_id(self) -> int | None:
        """The OCG shown in the detail pane."""
        return self._selected

    def select_ocg(self, ocg_id: int) -> bool:
        """Select ``ocg_id`` in the table (clearing filters that hide it); False if unknown."""
        row = self.model.row_for_id(ocg_id)
        if row is None:
            if self.model.rowCount() == 0:
                self._pending_select = ocg_id
            return False
        src = self.model.index(row, 0)
        idx = self.proxy.mapFromSource(src)
        if not idx.isValid():
            self.search.clear()
            self.status.setCurrentIndex(0)
            self.area.setCurrentIndex(0)
            self.neighbourhood.setCurrentIndex(0)
            self.market.setCurrentIndex(0)
            self.cross_border.setChecked(False)
            idx = self.proxy.mapFromSource(src)
        self.table.selectionModel().setCurrentIndex(
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(idx)
        return True

    def _on_selection_changed(self, *_args: Any) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        ocg_id = int(rows[0].data(ID_ROLE))
        changed = ocg_id != self._selected
        self._selected = ocg_id
        self._show(ocg_id, viewed=changed)
        if changed:
            self.ctx.bus.ocg_selected.emit(ocg_id)

    def _show(self, ocg_id: int, *, viewed: bool = False) -> None:
        """Show the OCG; ``viewed``: a person opened it (recorded in the audit trail)."""
        try:
            if viewed:
                detail = records.open_ocg_detail(self.ctx.store, ocg_id)
            else:
                detail = queries.ocg_detail(self.ctx.store, ocg_id)
        except WritesHeld:
            self._open_when_writable(ocg_id)
            return
        except SocmapError:
            self.detail.show_detail(None)
            return
        self._show_detail(ocg_id, detail)

    def _show_detail(self, ocg_id: int, detail: OcgDetail) -> None:
        row = self.model.row_for_id(ocg_id)
        self.detail.show_detail(detail, self.model.row_at(row) if row is not None else None)

    def _open_when_writable(self, ocg_id: int) -> None:
        """The file's integrity check is still running, so the view cannot be recorded here
        yet: record it on the writer lane, which waits for the check, and show the record once
        it is on the audit trail (never before: a record is shown only once its view is)."""
        self.detail.show_waiting(
            "Opening the group once the database's integrity check has finished (a few seconds "
            "after the file opens)…"
        )

        def opened(detail: OcgDetail) -> None:
            if self._selected == ocg_id:  # the analyst has not moved on meanwhile
                self._show_detail(ocg_id, detail)

        def failed(exc: BaseException) -> None:
            if self._selected == ocg_id:
                self.detail.show_detail(None)
                self.ctx.report_error(self, exc)

        self.ctx.tasks.run(
            lambda store, _progress: records.open_ocg_detail(store, ocg_id),
            write=True,
            on_done=opened,
            on_error=failed,
        )

    def _on_bus_ocg_selected(self, ocg_id: int) -> None:
        if ocg_id != self._selected:
            self.select_ocg(ocg_id)

    def _on_bus_changes_applied(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("area"):
            self._fill_areas()
            self._fill_neighbourhoods()
        if changes.touches("ocg", "membership", "location", "nominal", "area", "assessment"):
            self.reload()
            if self._selected is not None:
                self._show(self._selected)

    # ---------------------------------------------------------------------------- editing

    def new_ocg(self) -> None:
        """Open the form for a new OCG and add it (undoable)."""
        dialog = OcgDialog(self.ctx, None, self)
        if dialog.exec() and (ocg := dialog.result_ocg()) is not None:
            command = commands.CreateOcg(ocg)
            if self.ctx.execute(command, initiator=self, parent=self) and command.created:
                self._pending_select = command.created.id
                self._selected = command.created.id

    def edit_selected(self) -> None:
        """Open the form on the selected OCG and save the edit (undoable)."""
        if self._selected is None or not self.ctx.can(Permission.EDIT):
            return
        before = queries.get_ocg(self.ctx.store, self._selected)
        dialog = OcgDialog(self.ctx, before, self)
        if dialog.exec() and (after := dialog.result_ocg()) is not None and after != before:
            self.save_edit(before, after)

    def save_edit(self, before: Ocg, after: Ocg) -> bool:
        """Save an edit of ``before``; when someone saved the group first, show what they
        changed and let the analyst keep theirs, keep mine or merge (never a silent overwrite)."""
        return self.ctx.execute(
            commands.EditOcg(before, after),
            initiator=self,
            parent=self,
            on_conflict=lambda _exc: self._resolve_conflict(before, after),
        )

    def _resolve_conflict(self, base: Ocg, mine: Ocg) -> bool:
        from socmap.services import conflicts
        from socmap.ui.dialogs.conflict_dialog import ConflictDialog

        try:
            conflict = conflicts.ocg_conflict(self.ctx.store, base=base, mine=mine)
        except SocmapError as exc:
            self.ctx.report_error(self, exc)
            self.reload()
            return False
        dialog = ConflictDialog(conflict, self)
        self.conflict_dialog = dialog  # for tests and screenshots
        accepted = dialog.exec()
        self.conflict_dialog = None
        to_save = dialog.to_save() if accepted else None
        # their version is what the register shows from now on (it may have changed under us)
        self.ctx.bus.changes_applied.emit(Changes.of("ocg", int(base.id or 0)), None)
        if to_save is None:
            self.ctx.bus.status_message.emit(
                f"{conflict.ref}: kept {conflict.last_changed_by}'s save; your edit was not saved"
                if accepted
                else f"{conflict.ref}: your edit was not saved"
            )
            return False
        return self.save_edit(conflict.theirs, to_save)

    def _add_member(self, ocg_id: int) -> None:
        dialog = MemberDialog(self.ctx, ocg_id, self)
        if dialog.exec():
            try:
                nominal, membership = dialog.values()
            except SocmapError as exc:
                self.ctx.report_error(self, exc)
                return
            self.ctx.execute(commands.AddMember(membership, nominal), initiator=self, parent=self)

    def _remove_member(self, membership_id: int) -> None:
        self.ctx.execute(
            commands.RemoveMember(membership_id, self.ctx.store), initiator=self, parent=self
        )

    def _merge_member(self, name: str) -> QWidget:
        from socmap.ui.dialogs.merge_nominals_dialog import open_merge_nominals_dialog

        return open_merge_nominals_dialog(self.ctx, self, name=name)

    def _add_location(self, ocg_id: int) -> None:
        dialog = LocationDialog(ocg_id, self)
        if dialog.exec():
            try:
                location = dialog.location()
            except SocmapError as exc:
                self.ctx.report_error(self, exc)
                return
            self.ctx.execute(commands.AddLocation(location), initiator=self, parent=self)

    def _remove_location(self, location_id: int) -> None:
        self.ctx.execute(
            commands.RemoveLocation(location_id, self.ctx.store), initiator=self, parent=self
        )

    def _score(self, ocg_id: int) -> None:
        from socmap.ui.views.dashboard_view import open_assessment_dialog

        open_assessment_dialog(self.ctx, self, ocg_id)

    def _history(self, ocg_id: int) -> None:
        from socmap.ui.views.dashboard_view import open_score_history

        open_score_history(self.ctx, self, ocg_id)

    def _archive_or_reactivate(self, ocg_id: int) -> None:
        from PySide6.QtWidgets import QInputDialog

        from socmap.services import scoring

        ocg = queries.get_ocg(self.ctx.store, ocg_id)
        archived = ocg.status is Status.ARCHIVED
        verb = "Reactivate" if archived else "Archive"
        rationale, ok = QInputDialog.getMultiLineText(
            self,
            f"{verb} {ocg.display_id}",
            f"Why should {ocg.name} be {'reactivated' if archived else 'archived'}? "
            "(recorded with your decision; a supervisor's role is needed)",
        )
        if not ok:
            return
        try:
            if archived:
                changes = scoring.reactivate_ocg(self.ctx.store, ocg_id=ocg_id, rationale=rationale)
            else:
                changes = scoring.archive_ocg(self.ctx.store, ocg_id=ocg_id, rationale=rationale)
        except SocmapError as exc:
            self.ctx.report_error(self, exc)
            return
        self.ctx.bus.changes_applied.emit(changes, None)

    def current_index(self) -> QModelIndex:
        """The table's current index (for tests and actions)."""
        return self.table.currentIndex()
