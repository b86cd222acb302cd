"""The Network tab: a group's members and associates, key players, what-ifs, comparisons,
links between groups and emerging groups.

Everything slow runs through ``ctx.tasks`` (community detection in the graph engine's separate
process, because igraph holds the GIL); drawing goes through ``render/graph.py`` via the shared
GraphCanvas, so the screen and the PNG/SVG export are the same picture.
"""

from __future__ import annotations

import copy
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
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.errors import Cancelled
from socmap.domain.network import ASSOCIATION_KINDS
from socmap.domain.roles import Permission
from socmap.domain.text import more, plural
from socmap.graph import metrics as gm
from socmap.graph.layout import PositionCache
from socmap.render.network_scene import group_scene, network_scene, short_name
from socmap.services import commands, offload, queries
from socmap.services import network as sn
from socmap.services.network import NetworkResult, NetworkViewState
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.models.choices import ChoiceListModel, attach
from socmap.ui.models.network_models import KeyPlayersModel
from socmap.ui.views.graph_canvas import GraphCanvas
from socmap.ui.widgets.tables import fit_columns

WATCHED = ("association", "membership", "nominal", "ocg", "at_risk", "ocg_link", "*")


def _by_id(row: queries.RegisterRow) -> int:
    return row.id


def _canvas(name: str) -> GraphCanvas:
    canvas = GraphCanvas()
    canvas.setObjectName(name)
    return canvas


class NetworkView(QWidget):
    """The Network tab."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = NetworkViewState()
        self.result: NetworkResult | None = None
        self.selected: int | None = None
        self.removed: list[int] = []
        self.removed_links: list[tuple[int, int]] = []
        self.candidates: list[sn.Candidate] = []
        self._cache = PositionCache()
        self._group_cache = PositionCache()
        self._loading = False
        #: request counters: a result is shown only if no newer request was made since
        self._generation = 0
        self._compare_generation = 0
        self._build()
        ctx.bus.ocg_selected.connect(self._on_bus_ocg_selected)
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self.reload_groups()

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        self.ocg_combo = QComboBox(objectName="ocg_combo", minimumContentsLength=28)
        self.ocg_choices = attach(self.ocg_combo, ChoiceListModel(self))  # 6,000 nationally
        self.steps = QSpinBox(objectName="steps", minimum=0, maximum=3, value=1)
        self.steps.setPrefix("steps out: ")
        self.area_combo = QComboBox(objectName="area_combo")
        self.relation_combo = QComboBox(objectName="relation_combo")
        self.relation_combo.addItem("All link types", "")
        for key, label in {**ASSOCIATION_KINDS, "exploited_by": "Exploited by"}.items():
            if key != "exploited_by" or label:
                self.relation_combo.addItem(label, key)
        self.role_combo = QComboBox(objectName="role_combo")
        self.role_combo.addItem("All roles", "")
        for role in ("principal", "significant", "peripheral"):
            self.role_combo.addItem(f"{role.capitalize()} members only", role)
        self.grading_combo = QComboBox(objectName="grading_combo")
        for key, label in (
            ("any", "Any grading"),
            ("exclude_false", "Leave out unreliable / false"),
            ("reliable_only", "Reliable, corroborated only"),
        ):
            self.grading_combo.addItem(label, key)
        self.as_of = QDateEdit(objectName="as_of", calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.as_of.setDate(QDate.currentDate())
        self.export_button = QToolButton(objectName="export_button", text="Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for fmt, label in (
            ("png", "PNG image…"),
            ("svg", "SVG drawing…"),
            ("graphml", "GraphML…"),
            ("anx", "i2 chart (ANX, internal)…"),
        ):
            action = menu.addAction(label)
            action.triggered.connect(lambda _checked=False, f=fmt: self._on_export(f))
        self.export_button.setMenu(menu)
        self.export_button.setEnabled(self.ctx.can(Permission.EXPORT))
        top = QHBoxLayout()
        for w in (
            QLabel("Group:"),
            self.ocg_combo,
            self.steps,
            self.area_combo,
            self.relation_combo,
            self.role_combo,
            self.grading_combo,
            QLabel("as of"),
            self.as_of,
        ):
            top.addWidget(w)
        top.addStretch(1)
        self.add_association_button = QPushButton("Add association…", objectName="add_association")
        self.add_association_button.setEnabled(self.ctx.can(Permission.EDIT))
        self.add_association_button.clicked.connect(self.add_association)
        top.addWidget(self.add_association_button)
        top.addWidget(self.export_button)

        # left: the pictures
        self.canvas = _canvas("network_canvas")
        self.before_canvas = _canvas("before_canvas")
        self.after_canvas = _canvas("after_canvas")
        self.group_canvas = _canvas("group_canvas")
        self.whatif_label = QLabel(objectName="whatif_label", wordWrap=True)
        self.remove_button = QPushButton("Remove selected person", objectName="remove_button")
        self.remove_top_button = QPushButton("Remove top key player", objectName="remove_top")
        self.reset_button = QPushButton("Put everyone back", objectName="reset_whatif")
        self.link_combo = QComboBox(objectName="link_combo", minimumContentsLength=22)
        self.remove_link_button = QPushButton("Remove this link", objectName="remove_link")
        self.remove_link_button.setEnabled(False)
        whatif = QWidget()
        wl = QVBoxLayout(whatif)
        pair = QHBoxLayout()
        for title, canvas in (("Before", self.before_canvas), ("After", self.after_canvas)):
            col = QVBoxLayout()
            col.addWidget(QLabel(f"<b>{title}</b>"))
            col.addWidget(canvas, 1)
            pair.addLayout(col, 1)
        wl.addLayout(pair, 1)
        wl.addWidget(self.whatif_label)
        buttons = QHBoxLayout()
        for b in (self.remove_button, self.remove_top_button):
            buttons.addWidget(b)
        buttons.addWidget(QLabel("or a link:"))
        buttons.addWidget(self.link_combo)
        buttons.addWidget(self.remove_link_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        wl.addLayout(buttons)
        self.pages = QTabWidget(objectName="network_pages")
        self.pages.addTab(self.canvas, "Network")
        self.pages.addTab(whatif, "What if")
        self.all_groups = QCheckBox("All live groups (not just this group's neighbours)")
        self.all_groups.setObjectName("all_groups")
        groups_page = QWidget()
        gl = QVBoxLayout(groups_page)
        gl.addWidget(self.group_canvas, 1)
        self.link_groups_button = QPushButton("Link to another group…", objectName="link_groups")
        self.link_groups_button.setEnabled(self.ctx.can(Permission.EDIT))
        self.link_groups_button.clicked.connect(self.link_groups)
        group_row = QHBoxLayout()
        group_row.addWidget(self.all_groups)
        group_row.addStretch(1)
        group_row.addWidget(self.link_groups_button)
        gl.addLayout(group_row)
        self.pages.addTab(groups_page, "Between groups")

        # right: key players, selection, compare, emerging groups
        self.players_model = KeyPlayersModel(self)
        self.players_table = QTableView(objectName="players_table", sortingEnabled=False)
        self.players_table.setModel(self.players_model)
        self.players_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.players_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.players_table.verticalHeader().setVisible(False)
        self.explanation = QLabel(objectName="explanation", wordWrap=True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.person_label = QLabel(objectName="person_label", wordWrap=True)
        self.open_button = QPushButton("Open group record", objectName="open_record")
        self.open_button.setEnabled(False)
        players = QWidget()
        pl = QVBoxLayout(players)
        pl.addWidget(self.players_table, 2)
        pl.addWidget(self.explanation, 1)
        pl.addWidget(self.person_label)
        pl.addWidget(self.open_button)

        self.first_date = QDateEdit(
            objectName="first_date", calendarPopup=True, displayFormat="yyyy-MM-dd"
        )
        self.first_date.setDate(QDate.currentDate().addYears(-1))
        self.compare_button = QPushButton("Compare with today's picture", objectName="compare")
        self.compare_list = QListWidget(objectName="compare_list")
        compare = QWidget()
        cl = QVBoxLayout(compare)
        row = QHBoxLayout()
        row.addWidget(QLabel("Earlier date:"))
        row.addWidget(self.first_date)
        row.addWidget(self.compare_button)
        cl.addLayout(row)
        cl.addWidget(self.compare_list, 1)

        self.find_button = QPushButton("Find emerging groups", objectName="find_candidates")
        self.candidate_list = QListWidget(objectName="candidate_list")
        self.candidate_label = QLabel(objectName="candidate_label", wordWrap=True)
        self.trigger_button = QPushButton("Put on the trigger queue", objectName="make_trigger")
        self.trigger_button.setEnabled(False)
        emerging = QWidget()
        el = QVBoxLayout(emerging)
        el.addWidget(self.find_button)
        el.addWidget(self.candidate_list, 2)
        el.addWidget(self.candidate_label, 1)
        el.addWidget(self.trigger_button)

        self.side = QTabWidget(objectName="network_side")
        self.side.addTab(players, "Key players")
        self.side.addTab(compare, "Compare dates")
        self.side.addTab(emerging, "Emerging groups")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.pages)
        split.addWidget(self.side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.status = QLabel(objectName="network_status")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

        self.ocg_combo.currentIndexChanged.connect(self._on_controls_changed)
        self.steps.valueChanged.connect(self._on_controls_changed)
        self.area_combo.currentIndexChanged.connect(self._on_controls_changed)
        self.relation_combo.currentIndexChanged.connect(self._on_controls_changed)
        self.grading_combo.currentIndexChanged.connect(self._on_controls_changed)
        self.role_combo.currentIndexChanged.connect(self._on_controls_changed)
        self.all_groups.toggled.connect(self._on_controls_changed)
        self.as_of.dateChanged.connect(self._on_controls_changed)
        self.canvas.node_clicked.connect(self._on_canvas_node_clicked)
        self.before_canvas.node_clicked.connect(self._on_canvas_node_clicked)
        self.group_canvas.node_clicked.connect(self._on_group_canvas_node_clicked)
        self.players_table.selectionModel().selectionChanged.connect(self._on_players_selection)
        self.open_button.clicked.connect(self._on_open_record)
        self.remove_button.clicked.connect(self._on_remove_selected)
        self.remove_top_button.clicked.connect(self._on_remove_top)
        self.reset_button.clicked.connect(self._on_reset_whatif)
        self.remove_link_button.clicked.connect(self._on_remove_link)
        self.compare_button.clicked.connect(self._on_compare)
        self.find_button.clicked.connect(self._on_find_candidates)
        self.candidate_list.currentRowChanged.connect(self._on_candidate_row)
        self.trigger_button.clicked.connect(self._on_make_trigger)
        self.trigger_button.setVisible(self.ctx.can(Permission.EDIT))

    # ------------------------------------------------------------------ loading

    def reload_groups(self) -> None:
        """Fill the group and area lists (live groups only), read in the engine's worker process."""

        self.ctx.tasks.read(
            "socmap.services.queries:live_groups",
            view=self,
            on_done=self._show_groups,
            on_error=lambda exc: self.ctx.report_error(self, exc),
        )

    def _show_groups(self, result: tuple[list[queries.RegisterRow], list[Any]]) -> None:
        rows, areas = result
        self._loading = True
        current = self.state.ocg_id
        self.ocg_choices.set_choices(
            [(f"{r.display_id} {r.name} ({r.members})", r.id) for r in sorted(rows, key=_by_id)]
        )
        self.area_combo.clear()
        self.area_combo.addItem("All areas", None)
        for a in areas:
            self.area_combo.addItem(a.name, a.id)
        self._loading = False
        if current is not None and self.ocg_combo.findData(current) >= 0:
            self.ocg_combo.setCurrentIndex(self.ocg_combo.findData(current))
        self._on_controls_changed()

    def select_ocg(self, ocg_id: int) -> None:
        """Show ``ocg_id``'s network."""
        i = self.ocg_combo.findData(ocg_id)
        if i >= 0:
            self.ocg_combo.setCurrentIndex(i)

    def _on_bus_ocg_selected(self, ocg_id: int) -> None:
        if ocg_id != self.state.ocg_id:
            self.select_ocg(ocg_id)

    def _on_bus_changes_applied(self, changes: Changes, initiator: object) -> None:
        if changes.touches(*WATCHED) and initiator is not self:
            if changes.touches("ocg", "*"):
                self.reload_groups()
            else:
                self.refresh()

    def _on_controls_changed(self, *_args: object) -> None:
        if self._loading:
            return
        qd = self.as_of.date()
        new_ocg = self.ocg_combo.currentData()
        if new_ocg != self.state.ocg_id:
            self._cache.clear()
            self.removed = []
            self.removed_links = []
            self.selected = None
        self.state = NetworkViewState(
            ocg_id=new_ocg,
            steps=self.steps.value(),
            area_id=self.area_combo.currentData(),
            relation=self.relation_combo.currentData() or "",
            role=self.role_combo.currentData() or "",
            grading=self.grading_combo.currentData() or "any",
            all_groups=self.all_groups.isChecked(),
            as_of=dt.date(qd.year(), qd.month(), qd.day()),
        )
        self.refresh()

    def refresh(self) -> None:
        """Recompute the picture on a worker thread."""
        if self.state.ocg_id is None:
            return
        state = dataclasses.replace(self.state)
        self._generation += 1
        generation = self._generation
        self.status.setText("Loading the network…")
        caches = copy.deepcopy((self._cache, self._group_cache))  # the worker's own copies
        self.ctx.tasks.run(
            lambda store, progress: offload.run_in_process(
                store,
                "socmap.services.network:picture",
                state,
                *caches,
                write=False,
                progress=progress,
            ),
            write=False,
            on_done=lambda result: self._on_picture(result, generation),
            on_error=lambda exc: (
                self.ctx.report_error(self, exc) if generation == self._generation else None
            ),
        )

    def _on_picture(
        self, result: tuple[NetworkResult, PositionCache, PositionCache], generation: int
    ) -> None:
        picture, cache, group_cache = result
        if generation == self._generation:  # where the nodes were drawn, for the next picture
            self._cache, self._group_cache = cache, group_cache
        self._on_computed(picture, generation)

    def _on_computed(self, result: NetworkResult, generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # an older request finished after a newer one was made: never show it
        if result.state.ocg_id != self.state.ocg_id:
            return  # an older request
        self.result = result
        g = result.graph
        self.players_model.set_rows(result.players)
        fit_columns(self.players_table)
        top = [k.person_id for k in result.players[:3] if k.articulation or k.betweenness > 0]
        self.canvas.set_scene(
            network_scene(
                g,
                result.positions,
                title=sn.title_for(g, result.state.as_of),
                highlight=top + ([self.selected] if self.selected else []),
            ),
            keep_view=True,
        )
        self.group_canvas.set_scene(
            group_scene(
                result.groups,
                result.group_positions,
                title=(
                    "Links between live groups"
                    if result.state.all_groups
                    else f"OCG-{result.state.ocg_id:04d} and the groups linked to it"
                ),
                highlight=[result.state.ocg_id] if result.state.ocg_id is not None else [],
            ),
            keep_view=True,
        )
        kinds: dict[str, int] = {}
        for _n, d in g.nodes(data=True):
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        self.status.setText(
            f"{plural(kinds.get('member', 0), 'member')}, {plural(kinds.get('member_other', 0), 'member')} of other "
            f"groups, {plural(kinds.get('associate', 0), 'associate')}, {kinds.get('at_risk', 0)} "
            f"{'person' if kinds.get('at_risk', 0) == 1 else 'people'} at risk; "
            f"{plural(g.number_of_edges(), 'link')}."
        )
        if result.players:
            self.explanation.setText(result.players[0].explanation)
        self._update_whatif()

    # ------------------------------------------------------------------ selection

    def _on_canvas_node_clicked(self, node_id: str) -> None:
        self.select_person(int(node_id))

    def select_person(self, person_id: int) -> None:
        """Select a person: details, their row in key players, the what-if button."""
        if self.result is None or person_id not in self.result.graph:
            return
        self.selected = person_id
        d = self.result.graph.nodes[person_id]
        kind = {
            "member": f"{d['role']} member of this group",
            "member_other": f"member of {d['ocgs']}",
            "associate": "associate (not a member of any live group)",
            "at_risk": "person at risk (a potential victim, not a member)",
        }.get(d["kind"], d["kind"])
        self.person_label.setText(f"<b>{d['name']}</b> — {kind}; {d.get('area') or 'no area'}")
        self.open_button.setEnabled(bool(d.get("ocgs")) or d["kind"] == "member")
        for row, k in enumerate(self.players_model.rows):
            if k.person_id == person_id:
                self.players_table.selectRow(row)
                break
        members = self.result.members
        self.remove_button.setEnabled(person_id in members)
        self.link_combo.clear()
        if person_id in members:
            for other in sorted(
                members.neighbors(person_id), key=lambda n: members.nodes[n]["name"]
            ):
                rel = members[person_id][other].get("relation", "")
                self.link_combo.addItem(f"{members.nodes[other]['name']} ({rel})", other)
        self.remove_link_button.setEnabled(self.link_combo.count() > 0)

    def _on_players_selection(self, *_args: object) -> None:
        rows = self.players_table.selectionModel().selectedRows()
        if not rows:
            return
        k = self.players_model.row_at(rows[0].row())
        if k is not None:
            self.explanation.setText(k.explanation)
            if self.selected != k.person_id:
                self.select_person(k.person_id)

    def _on_open_record(self) -> None:
        if self.result is None or self.selected is None:
            return
        d = self.result.graph.nodes[self.selected]
        target = self.state.ocg_id
        if d["kind"] == "member_other" and d.get("ocgs"):
            target = int(str(d["ocgs"]).split(",")[0].split("-")[1])
        if target is not None:
            self.ctx.bus.open_ocg_requested.emit(target)

    def add_association(self) -> None:
        """Open "Add association", the selected person (if any) already chosen."""
        if not self.ctx.can(Permission.EDIT):
            return
        from socmap.ui.dialogs.association_dialog import AssociationDialog
        from socmap.ui.dialogs.modal import run_modal

        person = None
        if (
            self.result is not None
            and self.selected is not None
            and self.selected in self.result.graph
        ):
            person = (self.selected, str(self.result.graph.nodes[self.selected]["name"]))
        run_modal(AssociationDialog(self.ctx, self, person=person))

    def link_groups(self) -> None:
        """Open "Link to another group" from the shown group."""
        if not self.ctx.can(Permission.EDIT):
            return
        from socmap.ui.dialogs.association_dialog import OcgLinkDialog
        from socmap.ui.dialogs.modal import run_modal

        run_modal(OcgLinkDialog(self.ctx, self, ocg_id=self.state.ocg_id))

    def _on_group_canvas_node_clicked(self, node_id: str) -> None:
        self.select_ocg(int(node_id))
        self.pages.setCurrentIndex(0)

    # ------------------------------------------------------------------ what-if

    def _on_remove_selected(self) -> None:
        if self.selected is not None and self.selected not in self.removed:
            self.removed.append(self.selected)
        self.pages.setCurrentIndex(1)
        self._update_whatif()

    def _on_remove_top(self) -> None:
        if self.result and self.result.players:
            top = self.result.players[0].person_id
            if top not in self.removed:
                self.removed.append(top)
        self.pages.setCurrentIndex(1)
        self._update_whatif()

    def _on_remove_link(self) -> None:
        other = self.link_combo.currentData()
        if self.selected is not None and other is not None:
            link = (self.selected, int(other))
            if link not in self.removed_links:
                self.removed_links.append(link)
        self.pages.setCurrentIndex(1)
        self._update_whatif()

    def _on_reset_whatif(self) -> None:
        self.removed_links = []
        self.removed = []
        self._update_whatif()

    def _update_whatif(self) -> None:
        if self.result is None:
            return
        members = self.result.members
        result = gm.what_if(members, remove_people=self.removed, remove_links=self.removed_links)
        what = [short_name(members.nodes[n]["name"]) for n in self.removed] + [
            f"{short_name(members.nodes[a]['name'])}–{short_name(members.nodes[b]['name'])} link"
            for a, b in self.removed_links
        ]
        pos = {n: self.result.positions[n] for n in members if n in self.result.positions}
        self.before_canvas.set_scene(
            network_scene(
                members,
                pos,
                title=f"The group today: {plural(result.parts_before, 'connected part')}",
                highlight=self.removed,
            )
        )
        self.after_canvas.set_scene(
            network_scene(
                members,
                pos,
                title=("Without " + ", ".join(what) + f": {plural(result.parts_after, 'part')}")
                if what
                else "Nobody removed",
                parts=result.after,
                hide=self.removed,
                hide_links=self.removed_links,
            )
        )
        self.whatif_label.setText(
            result.sentence
            if what
            else "Select a person and remove them to see how the group splits."
        )
        self.last_whatif = result

    # ------------------------------------------------------------------ compare

    def _on_compare(self) -> None:
        if self.state.ocg_id is None:
            return
        qd = self.first_date.date()
        first = dt.date(qd.year(), qd.month(), qd.day())
        oid, second = self.state.ocg_id, self.state.as_of
        self._compare_generation += 1
        generation = self._compare_generation
        self.ctx.tasks.read(
            "socmap.services.network:compare",
            oid,
            first,
            second,
            view=self,
            on_done=lambda cmp: self._on_compared(cmp, generation),
            on_error=lambda exc: self.ctx.report_error(self, exc),
        )

    def _on_compared(self, cmp: sn.Comparison, generation: int | None = None) -> None:
        if generation is not None and generation != self._compare_generation:
            return  # an older comparison
        self.compare_list.clear()
        self.compare_list.addItem(f"Between {cmp.first} and {cmp.second}:")
        for line in cmp.sentences():
            self.compare_list.addItem(line)

    # ------------------------------------------------------------------ emerging groups

    def _on_find_candidates(self) -> None:
        as_of = self.state.as_of
        self.find_button.setEnabled(False)

        def job(store: Store, progress: Any) -> list[sn.Candidate]:
            # community detection runs in the engine's own process (igraph holds the GIL)
            return sn.candidates(store, as_of=as_of, in_process=False, progress=progress)

        def failed(exc: BaseException) -> None:
            self.find_button.setEnabled(True)
            if not isinstance(exc, Cancelled):
                self.ctx.report_error(self, exc)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=self._on_candidates,
            on_error=failed,
            title="Looking for emerging groups…",
            parent=self,
        )

    def _on_candidates(self, found: list[sn.Candidate]) -> None:
        self.find_button.setEnabled(True)
        self.candidates = found
        self.candidate_list.clear()
        for c in found:
            item = QListWidgetItem(
                f"{c.key}: {plural(len(c.people), 'person')}, {plural(c.links, 'link')} — {c.area or 'no area'}"
            )
            item.setToolTip(c.evidence)
            self.candidate_list.addItem(item)
        if not found:
            self.candidate_label.setText("No emerging groups found.")
        else:
            self.candidate_list.setCurrentRow(0)

    def _on_candidate_row(self, row: int) -> None:
        if 0 <= row < len(self.candidates):
            c = self.candidates[row]
            self.candidate_label.setText(
                f"{c.evidence}\n\nPeople: "
                + more(c.names, 12)
                + (" (the network export lists everyone)" if len(c.names) > 12 else "")
            )
            self.trigger_button.setEnabled(True)
        else:
            self.trigger_button.setEnabled(False)

    def _on_make_trigger(self) -> None:
        row = self.candidate_list.currentRow()
        if 0 <= row < len(self.candidates):
            c = self.candidates[row]
            if self.ctx.execute(
                commands.CreateOcg(sn.trigger_ocg_for(c)), initiator=self, parent=self
            ):
                self.candidate_label.setText(f"{c.key} is on the trigger queue.")
                self.trigger_button.setEnabled(False)
                self.reload_groups()

    # ------------------------------------------------------------------ export

    def _on_export(self, fmt: str) -> None:
        if self.state.ocg_id is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export network", f"OCG-{self.state.ocg_id:04d}-network.{fmt}", f"*.{fmt}"
        )
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> None:
        """Write the current picture to ``path`` (audited) on the writer lane."""
        state = dataclasses.replace(self.state)
        assert state.ocg_id is not None
        oid = state.ocg_id

        def job(store: Store, _progress: Any) -> int:
            if fmt == "anx":  # the i2 chart: the group's network, as the records hold it
                from socmap.export.anx import write_anx

                return write_anx(
                    store, scope="ocg", audience="internal", path=path, ocg_id=oid
                ).entities
            if fmt == "graphml":
                return sn.write_graphml(
                    store, oid, path, steps=state.steps, as_of=state.as_of, flt=state.flt()
                )
            from socmap.export.network import export_network_image

            return export_network_image(
                store, oid, path, fmt=fmt, steps=state.steps, as_of=state.as_of, flt=state.flt()
            )

        self.ctx.tasks.run(
            job,
            write=True,
            on_done=lambda n: self.status.setText(f"Exported {plural(n, 'person')} to {path}."),
            on_error=lambda exc: self.ctx.report_error(self, exc),
        )
