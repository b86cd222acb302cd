"""The Partners tab: partner register with ISA warnings, per-area structures, the partner graph."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError
from socmap.domain.partners import LINK_RELATIONS, PARTNER_TYPE_SHORT
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.graph.build import PartnerGraphInput, gap_summary, parse_node_id
from socmap.graph.layout import PositionCache
from socmap.render.partner_graph import scene_for
from socmap.services import partners
from socmap.ui.context import UiContext
from socmap.ui.dialogs.partner_dialogs import (
    LinkDialog,
    LroDialog,
    PartnerDialog,
    StructureDialog,
)
from socmap.ui.models.partner_models import PARTNER_COLUMNS, STRUCTURE_COLUMNS
from socmap.ui.models.rows_model import ID_ROLE, RowsFilterProxy, RowsTableModel
from socmap.ui.views.graph_canvas import GraphCanvas
from socmap.ui.widgets.tables import fit_columns, row_table

LINK_OCG_ROLE = Qt.ItemDataRole.UserRole + 1

PARTNER_KINDS = ("partner", "partner_link", "partnership_structure", "ocg", "ocg_lro", "area")


class PartnersView(QWidget):
    """Partner register, partnership structures per area and the partner graph."""

    loaded = Signal()
    graph_drawn = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = dt.date.today()
        self._input: PartnerGraphInput | None = None
        self._cache = PositionCache()
        self._graph: Any = None
        self._token: object = None
        self._links: list[Any] = []

        self.partner_model: RowsTableModel[partners.PartnerRow] = RowsTableModel(
            PARTNER_COLUMNS, lambda r: r.id, self
        )
        self.partner_proxy = RowsFilterProxy(self)
        self.partner_proxy.setSourceModel(self.partner_model)
        self.structure_model: RowsTableModel[partners.AreaPartnership] = RowsTableModel(
            STRUCTURE_COLUMNS, lambda r: r.area_id, self
        )

        self.area = QComboBox()
        self.area.addItem("All areas", None)
        self.partner_type = QComboBox()
        self.partner_type.addItem("All partner types", None)
        for key, label in PARTNER_TYPE_SHORT.items():
            self.partner_type.addItem(label, key)
        self.gaps_only = QCheckBox("Only agreements expired or expiring")
        self.fit = QPushButton("Fit graph")
        self.add_partner_button = QPushButton("Add partner…")
        self.edit_partner_button = QPushButton("Edit partner…")
        self.link_button = QPushButton("Link to OCG…")
        self.lro_button = QPushButton("Set an OCG's LRO…")
        self.structure_button = QPushButton("Edit area structure…")
        self.links_list = QListWidget()
        self.links_list.setMaximumHeight(90)
        self.unlink_button = QPushButton("Unlink")
        can_edit = ctx.can(Permission.EDIT)
        for b in (
            self.add_partner_button,
            self.edit_partner_button,
            self.link_button,
            self.lro_button,
            self.structure_button,
            self.unlink_button,
        ):
            b.setEnabled(can_edit)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Area:"))
        bar.addWidget(self.area)
        bar.addWidget(QLabel("Partner type:"))
        bar.addWidget(self.partner_type)
        bar.addWidget(self.gaps_only)
        bar.addStretch(1)
        bar.addWidget(self.fit)
        # Export: the partner graph for i2, for the audience chosen (export.anx, the one writer)
        self.export_button = QPushButton("Export", objectName="export")
        self.export_menu = QMenu(self.export_button)
        anx = self.export_menu.addAction("i2 chart (ANX)…")
        anx.setObjectName("export_anx")
        anx.triggered.connect(lambda _c=False: self._export_anx())
        self.export_button.setMenu(self.export_menu)
        self.export_button.setEnabled(ctx.can(Permission.EXPORT))
        bar.addWidget(self.export_button)

        self.isa_label = QLabel()
        self.isa_label.setWordWrap(True)
        self.isa_label.setTextFormat(Qt.TextFormat.RichText)
        self.partner_table = row_table(self.partner_proxy)
        self.partner_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.structure_table = row_table(self.structure_model)
        self.canvas = GraphCanvas()
        self.gap_label = QLabel()
        self.gap_label.setWordWrap(True)
        self.selected_label = QLabel("Click a node to see it; click an OCG to open its record.")
        self.selected_label.setWordWrap(True)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("<b>Partner register</b>"))
        lv.addWidget(self.isa_label)
        lv.addWidget(self.partner_table, 3)
        buttons = QHBoxLayout()
        for b in (
            self.add_partner_button,
            self.edit_partner_button,
            self.link_button,
            self.lro_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lv.addLayout(buttons)
        links_row = QHBoxLayout()
        links_row.addWidget(self.links_list, 1)
        links_row.addWidget(self.unlink_button, 0, Qt.AlignmentFlag.AlignTop)
        lv.addWidget(QLabel("OCG links of the selected partner:"))
        lv.addLayout(links_row)
        lv.addWidget(QLabel("<b>SOC partnership structure per area</b>"))
        lv.addWidget(self.structure_table, 2)
        row2 = QHBoxLayout()
        row2.addWidget(self.structure_button)
        row2.addStretch(1)
        lv.addLayout(row2)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(QLabel("<b>Partner graph</b> (wheel: zoom, drag: pan, double-click: fit)"))
        rv.addWidget(self.canvas, 1)
        rv.addWidget(self.gap_label)
        rv.addWidget(self.selected_label)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 900])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        self.area.currentIndexChanged.connect(self._apply_filters)
        self.partner_type.currentIndexChanged.connect(self._apply_filters)
        self.gaps_only.toggled.connect(self._apply_filters)
        self.fit.clicked.connect(self.canvas.reset_view)
        self.add_partner_button.clicked.connect(self.add_partner)
        self.edit_partner_button.clicked.connect(self.edit_partner)
        self.link_button.clicked.connect(self.link_partner)
        self.lro_button.clicked.connect(self.set_lro)
        self.structure_button.clicked.connect(self.edit_structure)
        self.partner_table.doubleClicked.connect(lambda _i: self.edit_partner())
        self.partner_table.selectionModel().selectionChanged.connect(self._show_links)
        self.unlink_button.clicked.connect(self.unlink_selected)
        self.links_list.itemDoubleClicked.connect(
            lambda item: self.ctx.bus.open_ocg_requested.emit(int(item.data(LINK_OCG_ROLE)))
        )
        self.structure_table.doubleClicked.connect(lambda _i: self.edit_structure())
        self.canvas.node_clicked.connect(self._on_canvas_node_clicked)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        # loaded when first shown, and reloaded on changes only while visible (a hidden tab
        # marks itself stale), so edits elsewhere never wait on this tab's queries
        self._stale = True

    # ----------------------------------------------------------------------------- loading

    def _export_anx(self) -> QWidget:
        """Export -> i2 chart (ANX): the partner graph, as the audience chosen may see it."""
        from socmap.ui.dialogs.audience_export_dialog import open_audience_export_dialog

        return open_audience_export_dialog(self.ctx, self, "partners-anx")

    def reload(self) -> None:
        """Load tables and graph rows (in the engine's worker process)."""
        self._stale = False
        self.ctx.tasks.read(
            "socmap.services.partner_graphs:tab_data",
            self.today,
            view=self,
            on_done=lambda result: self._on_loaded(result) if isValid(self) else None,
            on_error=lambda exc: self.ctx.report_error(self, exc) if isValid(self) else None,
        )

    def _on_loaded(self, result: tuple[Any, ...]) -> None:
        register, structures, warnings, data, links = result
        self._links = links
        keep = self.selected_partner_id()
        self.partner_model.set_rows(register)
        if keep is not None:
            self._select(self.partner_table, self.partner_model, keep, self.partner_proxy)
        self._show_links()
        self.structure_model.set_rows(structures)
        fit_columns(self.partner_table, max_width=260)
        fit_columns(self.structure_table, max_width=260)
        if warnings:
            shown = "<br>".join(warnings[:4])
            more = f"<br>… and {len(warnings) - 4} more" if len(warnings) > 4 else ""
            self.isa_label.setText(
                f"<span style='color:#b91c1c'><b>{plural(len(warnings), 'sharing agreement')} expired or"
                f" expiring within 60 days:</b><br>{shown}{more}</span>"
            )
        else:
            self.isa_label.setText("All information-sharing agreements are in date.")
        current = self.area.currentData()
        self.area.blockSignals(True)
        self.area.clear()
        self.area.addItem("All areas", None)
        for aid, name in sorted(data.areas, key=lambda a: a[1]):
            self.area.addItem(name, aid)
        self.area.setCurrentIndex(max(0, self.area.findData(current)))
        self.area.blockSignals(False)
        self._input = data
        self._apply_filters()
        self.loaded.emit()

    # ----------------------------------------------------------------------------- filters

    def _apply_filters(self) -> None:
        area_id = self.area.currentData()
        ptype = self.partner_type.currentData()
        area_name = self.area.currentText() if area_id is not None else None
        gaps = self.gaps_only.isChecked()

        def keep(row: partners.PartnerRow) -> bool:
            if ptype and row.partner_type != ptype:
                return False
            if area_name and not (
                area_name in row.areas.split(", ") or row.areas.startswith("All ")
            ):
                return False
            return not gaps or row.isa_status in ("expired", "expiring")

        self.partner_proxy.set_predicate(keep)
        self._draw_graph()

    def _draw_graph(self) -> None:
        if self._input is None:
            return
        area_id = self.area.currentData()
        title = "Partner graph" + (f": {self.area.currentText()}" if area_id is not None else "")
        token = object()
        self._token = token
        # built and laid out in the engine's worker process (a copy of the position cache goes
        # with it and comes back with the new positions), styled on the reader thread
        self.ctx.tasks.read(
            "socmap.services.partner_graphs:partner_layout",
            self.today,
            area_id,
            self.partner_type.currentData() or None,
            copy.deepcopy(self._cache),
            then=lambda r: (r[0], scene_for(r[0], r[1], title=title), r[2]),
            view=self,
            on_done=lambda result: self._show_graph(token, *result) if isValid(self) else None,
            on_error=lambda exc: self.ctx.report_error(self, exc) if isValid(self) else None,
        )

    def _show_graph(self, token: object, g: Any, scene: Any, cache: PositionCache) -> None:
        if token is not self._token:
            return  # a newer filter superseded this one
        self._cache = cache
        self._graph = g
        self.canvas.set_scene(scene, keep_view=False)
        gaps = gap_summary(g)
        self.gap_label.setText(
            "Gaps (ringed red): "
            + (", ".join(f"{v} {k}" for k, v in sorted(gaps.items())) or "none")
        )
        self.graph_drawn.emit(g.number_of_nodes())

    # --------------------------------------------------------------------------- clicking

    def _on_canvas_node_clicked(self, node_id: str) -> None:
        kind, ident = parse_node_id(node_id)
        attrs = self._graph.nodes[node_id] if self._graph is not None else {}
        self.selected_label.setText(f"<b>{attrs.get('label', node_id)}</b> ({kind})")
        if kind == "ocg":
            self.ctx.bus.open_ocg_requested.emit(int(ident))
        elif kind == "partner":
            self._select(self.partner_table, self.partner_model, int(ident), self.partner_proxy)
        elif kind in ("area", "structure"):
            area = int(ident) if kind == "area" else self._structure_area(int(ident))
            if area is not None:
                self._select(self.structure_table, self.structure_model, area, None)

    def _structure_area(self, structure_id: int) -> int | None:
        if self._input is None:
            return None
        return next((s[1] for s in self._input.structures if s[0] == structure_id), None)

    def _select(
        self, table: QTableView, model: RowsTableModel[Any], ident: int, proxy: Any
    ) -> None:
        row = model.row_for_id(ident)
        if row is None:
            return
        idx = model.index(row, 0)
        if proxy is not None:
            idx = proxy.mapFromSource(idx)
            if not idx.isValid():
                self.gaps_only.setChecked(False)
                self.partner_type.setCurrentIndex(0)
                idx = proxy.mapFromSource(model.index(row, 0))
        table.selectionModel().setCurrentIndex(
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        table.scrollTo(idx)

    def selected_partner_id(self) -> int | None:
        """The partner selected in the register table."""
        rows = self.partner_table.selectionModel().selectedRows()
        return int(rows[0].data(ID_ROLE)) if rows else None

    # ------------------------------------------------------------------------------- links

    def _show_links(self, *_args: Any) -> None:
        self.links_list.clear()
        pid = self.selected_partner_id()
        if pid is None:
            return
        for link, label in (x for x in self._links if x[0].partner_id == pid):
            item = QListWidgetItem(f"{label}: {LINK_RELATIONS.get(link.relation, link.relation)}")
            item.setData(Qt.ItemDataRole.UserRole, link.id)
            item.setData(LINK_OCG_ROLE, link.ocg_id)
            self.links_list.addItem(item)
        if not self.links_list.count():
            self.links_list.addItem("no OCG links")

    def unlink_selected(self) -> None:
        """Remove the selected partner <-> OCG link."""
        item = self.links_list.currentItem()
        link_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if link_id is None:
            self.selected_label.setText("Select a link to remove.")
            return
        try:
            _link, changes = partners.unlink_partner(self.ctx.store, int(link_id))
        except SocmapError as exc:
            self.ctx.report_error(self, exc)
            return
        self._links = [x for x in self._links if x[0].id != int(link_id)]
        self.ctx.bus.changes_applied.emit(changes, self)
        self._show_links()

    # ----------------------------------------------------------------------------- editing

    def add_partner(self) -> PartnerDialog:
        """Open the form for a new partner agency."""
        dialog = PartnerDialog(self.ctx, None, self)
        dialog.open()
        return dialog

    def edit_partner(self) -> PartnerDialog | None:
        """Open the selected partner agency's form."""
        pid = self.selected_partner_id()
        if pid is None:
            self.selected_label.setText("Select a partner agency in the register first.")
            return None
        dialog = PartnerDialog(self.ctx, partners.get_partner(self.ctx.store, pid), self)
        dialog.open()
        return dialog

    def link_partner(self) -> LinkDialog:
        """Open the form linking the selected partner to an OCG."""
        dialog = LinkDialog(self.ctx, partner_id=self.selected_partner_id(), parent=self)
        dialog.open()
        return dialog

    def set_lro(self) -> LroDialog:
        """Open the form for an OCG's Lead Responsible Officer."""
        dialog = LroDialog(self.ctx, parent=self)
        dialog.open()
        return dialog

    def edit_structure(self) -> StructureDialog | None:
        """Edit the selected area's SOC structure, or record one where there is a gap."""
        rows = self.structure_table.selectionModel().selectedRows()
        if not rows:
            self.selected_label.setText("Select an area in the structures table first.")
            return None
        line = self.structure_model.row_at(rows[0].row())
        dialog = StructureDialog(self.ctx, line.structure, area_id=line.area_id, parent=self)
        dialog.open()
        return dialog

    def _on_bus_changes_applied(self, changes: Changes, _initiator: object) -> None:
        if changes.touches(*PARTNER_KINDS):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
