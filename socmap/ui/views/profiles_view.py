"""The Profiles tab: the force dashboard (five areas side by side) and one area's profile editor."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFont, QTextListFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError, ValidationError
from socmap.domain.ids import parse_ocg_ref
from socmap.domain.profiles import (
    ACTION_STATUS_LABELS,
    NARRATIVE_KEYS,
    SECTION_BY_KEY,
    ActionItem,
    ActionStatus,
    Audience,
    Contribution,
    Handling,
    SectionVersion,
    Strand,
)
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.domain.vocab import Marking
from socmap.services import profile_data, profiles
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.models.profile_models import ActionsTableModel, ContributionsTableModel
from socmap.ui.widgets.area_cards import ProfileCard


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def _date_edit(d: dt.date) -> QDateEdit:
    w = QDateEdit(_qdate(d), calendarPopup=True)
    w.setDisplayFormat("yyyy-MM-dd")
    return w


def live_html(sections: list[profile_data.LiveSection]) -> str:
    """Live data sections as HTML for the editor's side panel."""
    parts = []
    for ls in sections:
        parts.append(f"<h4>{ls.title}</h4>")
        for p in ls.paragraphs:
            parts.append(f"<p>{p if ls.available else '<i>' + p + '</i>'}</p>")
        for t in ls.tables:
            head = "".join(f"<th align='left'>{h}</th>" for h in t.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in t.rows[:40]
            )
            more = (
                f"<p><i>… and {plural(len(t.rows) - 40, 'more row')}</i></p>"
                if len(t.rows) > 40
                else ""
            )
            parts.append(
                f"<table cellspacing='0' cellpadding='2'><tr>{head}</tr>{body}</table>{more}"
            )
        if ls.note:
            parts.append(f"<p><i>{ls.note}</i></p>")
    return "".join(parts) or (
        "<p><i>This section has no live data; it is written by analysts.</i></p>"
    )


class ProfilesView(QWidget):
    """Force dashboard above, the selected area's profile editor below."""

    export_finished = Signal(object)
    export_failed = Signal(object)
    live_loaded = Signal(str)
    #: the dashboard and the area's profile have been read and shown
    loaded = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = dt.date.today()
        self.area_id: int | None = None
        self.handling_version = 0
        self.based_on: dict[str, int] = {}
        self.cards: dict[str, ProfileCard] = {}
        self._loading = False
        self._live_token = 0
        self._area_token = 0
        self._reads = 0
        self.statuses: list[profiles.AreaStatus] = []
        self.sections: dict[str, SectionVersion] = {}
        self.histories: dict[str, list[SectionVersion]] = {}

        root = QVBoxLayout(self)
        self.headline = QLabel()
        hf = QFont()
        hf.setPointSize(13)
        hf.setBold(True)
        self.headline.setFont(hf)
        root.addWidget(self.headline)
        self.cards_box = QHBoxLayout()
        cards_widget = QWidget()
        cards_widget.setLayout(self.cards_box)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(cards_widget)
        scroll.setMinimumHeight(275)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)

        editor = QWidget()
        ed = QVBoxLayout(editor)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Area:"))
        self.area_combo = QComboBox()
        # wide enough for an area's whole name ("Herefordshire" was cut to "Hereford")
        self.area_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.area_combo.currentIndexChanged.connect(self._on_area_combo_changed)
        bar.addWidget(self.area_combo)
        self.area_summary = QLabel()
        bar.addWidget(self.area_summary, 1)
        bar.addWidget(QLabel("Export:"))
        self.export_format = QComboBox()
        self.export_format.addItems(["pdf", "docx"])
        self.export_audience = QComboBox()
        self.export_audience.addItem("Internal (police only)", "internal")
        self.export_audience.addItem("Partner (no nominal identities)", "partner")
        self.export_button = QPushButton("Export profile…")
        self.export_button.clicked.connect(self._on_export_clicked)
        for w in (self.export_format, self.export_audience, self.export_button):
            bar.addWidget(w)
        ed.addLayout(bar)
        self.pages = QTabWidget()
        self.pages.addTab(self._build_handling(), "Handling")
        self.pages.addTab(self._build_narrative(), "Narrative sections")
        self.pages.addTab(self._build_contributions(), "Partner contributions")
        self.pages.addTab(self._build_actions(), "4P action plan")
        ed.addWidget(self.pages)
        splitter.addWidget(editor)
        splitter.setStretchFactor(1, 3)
        root.addWidget(splitter)

        can_edit = ctx.can(Permission.EDIT)
        for widget in self._edit_widgets:
            widget.setEnabled(can_edit)
        self.export_button.setEnabled(ctx.can(Permission.EXPORT))
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self.refresh()

    # ------------------------------------------------------------------------- building

    def _build_handling(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.marking = QComboBox()
        for m in Marking:
            self.marking.addItem(m.value)
        self.owner = QLineEdit(placeholderText="e.g. DCI Helen Okafor")
        self.partners_consulted = QLineEdit(placeholderText="comma-separated, e.g. Council, Health")
        self.data_from = _date_edit(self.today - dt.timedelta(days=365))
        self.data_to = _date_edit(self.today)
        self.review_date = _date_edit(self.today + dt.timedelta(days=365))
        self.save_handling_button = QPushButton("Save handling")
        self.save_handling_button.clicked.connect(self._on_save_handling_clicked)
        self.handling_note = QLabel(wordWrap=True)
        form.addRow("Protective marking", self.marking)
        form.addRow("Owner", self.owner)
        form.addRow("Partners consulted", self.partners_consulted)
        form.addRow("Data period from", self.data_from)
        form.addRow("Data period to", self.data_to)
        form.addRow("Review date", self.review_date)
        form.addRow("", self.save_handling_button)
        form.addRow("", self.handling_note)
        self._edit_widgets: list[QWidget] = [self.save_handling_button]
        return w

    def _build_narrative(self) -> QWidget:
        w = QWidget()
        lay = QHBoxLayout(w)
        self.section_list = QListWidget()
        self.section_list.setMaximumWidth(230)
        for key in NARRATIVE_KEYS:
            spec = SECTION_BY_KEY[key]
            item = QListWidgetItem(f"{spec.number}. {spec.title}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.section_list.addItem(item)
        self.section_list.currentRowChanged.connect(self._on_section_list_changed)
        lay.addWidget(self.section_list)

        mid = QVBoxLayout()
        self.section_prompt = QLabel(wordWrap=True)
        self.section_prompt.setStyleSheet("color: #555")
        mid.addWidget(self.section_prompt)
        tools = QHBoxLayout()
        self.bold_button = QPushButton("Bold", checkable=True)
        self.bold_button.clicked.connect(self._on_bold_clicked)
        self.italic_button = QPushButton("Italic", checkable=True)
        self.italic_button.clicked.connect(self._on_italic_clicked)
        self.bullets_button = QPushButton("Bullets")
        self.bullets_button.clicked.connect(self._on_bullets_clicked)
        for b in (self.bold_button, self.italic_button, self.bullets_button):
            tools.addWidget(b)
        tools.addStretch(1)
        mid.addLayout(tools)
        self.text = QTextEdit(acceptRichText=True)
        mid.addWidget(self.text, 1)
        meta = QFormLayout()
        self.section_owner = QLineEdit(placeholderText="who owns this section")
        self.section_sources = QLineEdit(placeholderText="where the assessment comes from")
        meta.addRow("Section owner", self.section_owner)
        meta.addRow("Sources", self.section_sources)
        mid.addLayout(meta)
        self.conflict_banner = QLabel(wordWrap=True)
        self.conflict_banner.setStyleSheet(
            "background: #fbe9e9; color: #a01818; padding: 6px; border: 1px solid #a01818"
        )
        self.conflict_banner.hide()
        mid.addWidget(self.conflict_banner)
        row = QHBoxLayout()
        self.section_state = QLabel()
        row.addWidget(self.section_state, 1)
        self.save_section_button = QPushButton("Save section")
        self.save_section_button.clicked.connect(self._on_save_section_clicked)
        row.addWidget(self.save_section_button)
        mid.addLayout(row)
        lay.addLayout(mid, 3)

        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Version history</b> (double-click to load)"))
        self.history = QListWidget()
        self.history.itemDoubleClicked.connect(self._on_history_double_clicked)
        side.addWidget(self.history, 1)
        side.addWidget(QLabel("<b>Live data for this section</b>"))
        self.live_view = QTextBrowser()
        side.addWidget(self.live_view, 2)
        lay.addLayout(side, 2)
        self._edit_widgets += [self.save_section_button]
        return w

    def _build_contributions(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.contrib_model = ContributionsTableModel(self)
        self.contrib_table = QTableView(sortingEnabled=False)
        self.contrib_table.setModel(self.contrib_model)
        self.contrib_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.contrib_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.contrib_table, 1)
        self.coverage_label = QLabel(wordWrap=True)
        lay.addWidget(self.coverage_label)
        form = QGridLayout()
        self.c_register = QComboBox()
        self.c_register.currentIndexChanged.connect(self._on_register_partner_changed)
        form.addWidget(
            QLabel("Pick from the partner register, or type a partner below"), 0, 0, 1, 3
        )
        form.addWidget(self.c_register, 1, 0, 1, 3)
        self.c_partner = QLineEdit(placeholderText="partner, e.g. Shropshire Council housing")
        self.c_type = QComboBox()
        self.c_data = QLineEdit(placeholderText="data supplied, e.g. cuckooing referrals")
        self.c_date = _date_edit(self.today)
        self.c_isa = QLineEdit(placeholderText="ISA reference")
        self.c_add = QPushButton("Add contribution")
        self.c_add.clicked.connect(self._on_add_contribution_clicked)
        self.c_remove = QPushButton("Remove selected")
        self.c_remove.clicked.connect(self._on_remove_contribution_clicked)
        for col, (label, widget) in enumerate(
            (
                ("Partner", self.c_partner),
                ("Type", self.c_type),
                ("Data supplied", self.c_data),
                ("Supplied", self.c_date),
                ("ISA", self.c_isa),
            )
        ):
            form.addWidget(QLabel(label), 2, col)
            form.addWidget(widget, 3, col)
        form.addWidget(self.c_add, 3, 5)
        form.addWidget(self.c_remove, 3, 6)
        lay.addLayout(form)
        self._edit_widgets += [self.c_add, self.c_remove]
        return w

    def _build_actions(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.action_model = ActionsTableModel(self)
        self.action_model.today = self.today
        self.action_table = QTableView()
        self.action_table.setModel(self.action_model)
        self.action_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.action_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.action_table, 1)
        self.overdue_label = QLabel()
        lay.addWidget(self.overdue_label)
        form = QGridLayout()
        self.a_strand = QComboBox()
        for s in Strand:
            self.a_strand.addItem(s.value.capitalize(), s.value)
        self.a_action = QLineEdit(placeholderText="what will be done")
        self.a_owner = QLineEdit(placeholderText="owner")
        self.a_partner = QLineEdit(placeholderText="partner")
        self.a_due = _date_edit(self.today + dt.timedelta(days=90))
        self.a_measure = QLineEdit(placeholderText="measure of success")
        self.a_status = QComboBox()
        for st, label in ACTION_STATUS_LABELS.items():
            self.a_status.addItem(label, st.value)
        self.a_ocgs = QLineEdit(placeholderText="groups, e.g. OCG-0007, OCG-0026 (or 7, 26)")
        self.a_add = QPushButton("Add action")
        self.a_add.clicked.connect(self._on_add_action_clicked)
        self.a_done = QPushButton("Mark selected done")
        self.a_done.clicked.connect(self._on_mark_done_clicked)
        for col, (label, widget) in enumerate(
            (
                ("4P", self.a_strand),
                ("Action", self.a_action),
                ("Owner", self.a_owner),
                ("Partner", self.a_partner),
                ("Due", self.a_due),
                ("Measure of success", self.a_measure),
                ("Status", self.a_status),
                ("Linked OCGs", self.a_ocgs),
            )
        ):
            form.addWidget(QLabel(label), 0, col)
            form.addWidget(widget, 1, col)
        form.addWidget(self.a_add, 1, 8)
        form.addWidget(self.a_done, 1, 9)
        lay.addLayout(form)
        self._edit_widgets += [self.a_add, self.a_done]
        return w

    # -------------------------------------------------------------------------- loading

    @property
    def store(self) -> Store:
        """The database handle."""
        return self.ctx.store

    @property
    def loading(self) -> bool:
        """True while the dashboard or an area's profile is being read on a worker."""
        return self._reads > 0

    def _read(self, target: str, *args: Any, on_done: Any) -> None:
        """Read with ``target`` in the engine's worker process (never a query on the UI thread,
        nor Python beside its paints), then ``on_done``."""
        self._reads += 1

        def done(result: Any) -> None:
            self._reads -= 1
            if isValid(self):
                on_done(result)
                if not self._reads:
                    self.loaded.emit()

        def failed(exc: BaseException) -> None:
            self._reads -= 1
            if isValid(self):
                self.ctx.report_error(self, exc)

        self.ctx.tasks.read(target, *args, view=self, on_done=done, on_error=failed)

    def refresh(self, *, then: Callable[[], None] | None = None) -> None:
        """Reload the dashboard and the selected area's profile (read in the engine's worker
        process); ``then`` runs once they are shown."""
        self._read(
            "socmap.services.profiles:overview",
            self.today,
            on_done=lambda result: self._show_overview(result, then),
        )

    def _show_overview(
        self, result: tuple[Any, ...], then: Callable[[], None] | None = None
    ) -> None:
        statuses, labels, partners = result
        self.statuses = statuses
        self.headline.setText(profiles.summary_line(statuses))
        names = [s.area for s in statuses]
        if list(self.cards) != names:
            while self.cards_box.count():
                item = self.cards_box.takeAt(0)
                old = item.widget() if item is not None else None
                if old is not None:
                    old.deleteLater()
            self.cards = {}
            for s in statuses:
                card = ProfileCard(s)
                card.open_requested.connect(self.open_area)
                self.cards[s.area] = card
                self.cards_box.addWidget(card)
            self._loading = True
            self.area_combo.clear()
            for s in statuses:
                self.area_combo.addItem(s.area, s.area_id)
            self._loading = False
        else:
            for s in statuses:
                self.cards[s.area].update_status(s)
        self.contrib_model.type_labels = labels
        current_type = self.c_type.currentData()
        self.c_type.clear()
        for key, label in labels.items():
            self.c_type.addItem(label, key)
        if current_type is not None:
            self.c_type.setCurrentIndex(max(0, self.c_type.findData(current_type)))
        self._fill_register_choices(partners)
        if self.area_id is None and statuses:
            self.open_area(statuses[0].area_id)
        elif self.area_id is not None:
            self._load_area(keep_editor=True, then=then)
            return
        if then is not None:
            then()

    def open_area(self, area_id: int) -> None:
        """Show one area's profile in the editor."""
        self.area_id = area_id
        idx = self.area_combo.findData(area_id)
        if idx >= 0 and idx != self.area_combo.currentIndex():
            self._loading = True
            self.area_combo.setCurrentIndex(idx)
            self._loading = False
        self._load_area(keep_editor=False)

    def _status_of(self, area_id: int) -> profiles.AreaStatus | None:
        return next((s for s in self.statuses if s.area_id == area_id), None)

    def _load_area(self, *, keep_editor: bool, then: Callable[[], None] | None = None) -> None:
        """Read the area's profile in the engine's worker process, then show it (and run
        ``then``)."""
        assert self.area_id is not None
        area_id = self.area_id
        self._area_token += 1
        token = self._area_token

        def done(area: profiles.AreaProfile) -> None:
            if isValid(self) and token == self._area_token:  # not replaced by a newer request
                self._show_area(area, keep_editor=keep_editor)
                if then is not None:
                    then()

        self._read("socmap.services.profiles:area_profile", area_id, on_done=done)

    def _show_area(self, area: profiles.AreaProfile, *, keep_editor: bool) -> None:
        assert self.area_id is not None
        st = self._status_of(self.area_id)
        if st is not None:
            self.area_summary.setText(
                f"<b>{st.area}</b>: {st.percent}% complete — "
                f"{len(st.completeness.missing)} "
                f"{'item' if len(st.completeness.missing) == 1 else 'items'} missing"
            )
        h = area.handling
        self.handling_version = h.version if h else 0
        self.marking.setCurrentText(str(h.marking) if h else Marking.OFFICIAL_SENSITIVE.value)
        self.owner.setText(h.owner if h else "")
        self.partners_consulted.setText(", ".join(h.partners_consulted) if h else "")
        self.data_from.setDate(
            _qdate(h.data_from if h and h.data_from else self.today - dt.timedelta(days=365))
        )
        self.data_to.setDate(_qdate(h.data_to if h and h.data_to else self.today))
        self.review_date.setDate(
            _qdate(h.review_date if h and h.review_date else self.today + dt.timedelta(days=365))
        )
        self.handling_note.setText(
            f"Last saved by {h.updated_by} at {h.updated_at}."
            if h
            else "This profile has not been started: save the handling to start it."
        )
        self.sections = area.sections
        self.histories = area.histories
        for row in range(self.section_list.count()):
            item = self.section_list.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            sv = self.sections.get(key)
            spec = SECTION_BY_KEY[key]
            mark = "✓" if sv and sv.text.strip() else "✗"
            item.setText(f"{mark} {spec.number}. {spec.title}")
        if not keep_editor or self.section_list.currentRow() < 0:
            if self.section_list.currentRow() != 0:
                self.section_list.setCurrentRow(0)
            else:
                self._show_section(NARRATIVE_KEYS[0])
        self.contrib_model.set_rows(area.contributions)
        self._request_coverage()
        self.action_model.set_rows(area.actions)
        n_over = self.action_model.overdue_count()
        self.overdue_label.setText(
            f"<span style='color:#a01818'><b>{n_over} overdue</b></span>"
            if n_over
            else "No overdue actions."
        )

    def current_section(self) -> str:
        """The key of the narrative section being edited."""
        row = max(self.section_list.currentRow(), 0)
        return str(self.section_list.item(row).data(Qt.ItemDataRole.UserRole))

    def _show_section(self, key: str) -> None:
        assert self.area_id is not None
        spec = SECTION_BY_KEY[key]
        self.section_prompt.setText(f"<b>{spec.number}. {spec.title}</b> — {spec.prompt}")
        sv = self.sections.get(key)
        self.based_on[key] = sv.version if sv else 0
        self.text.setHtml(sv.html if sv and sv.html else (sv.text if sv else ""))
        self.section_owner.setText(sv.owner if sv else "")
        self.section_sources.setText(sv.sources if sv else "")
        self._show_section_state(sv)
        self.conflict_banner.hide()
        self.history.clear()
        for v in self.histories.get(key, []):
            flag = f" — conflicts with v{v.conflict_with}" if v.conflict_with else ""
            item = QListWidgetItem(f"v{v.version}  {v.saved_at[:16]}  {v.author}{flag}")
            item.setData(Qt.ItemDataRole.UserRole, v)
            self.history.addItem(item)
        self._request_live(key)

    def _show_section_state(self, sv: SectionVersion | None) -> None:
        if sv is None:
            self.section_state.setText("Not yet written.")
        else:
            self.section_state.setText(
                f"Version {sv.version}, last updated {sv.saved_at[:10]} by {sv.author}"
                + (f"; conflicts with version {sv.conflict_with}" if sv.conflict_with else "")
            )

    def _request_coverage(self) -> None:
        """Partner coverage in the engine's worker process (about 0.3 s of Python nationally)."""
        assert self.area_id is not None
        self._coverage_token = getattr(self, "_coverage_token", 0) + 1
        token, area_id, today = self._coverage_token, self.area_id, self.today
        self.coverage_label.setText("<i>Loading partner coverage…</i>")

        def done(text: str) -> None:
            if isValid(self) and token == self._coverage_token:  # not replaced by a newer request
                self.coverage_label.setText(text)

        def failed(exc: BaseException) -> None:
            if isValid(self) and token == self._coverage_token:
                self.coverage_label.setText(f"<i>Partner coverage could not be loaded: {exc}</i>")

        self.ctx.tasks.read(
            "socmap.services.profile_data:partner_coverage",
            area_id,
            audience=Audience.INTERNAL,
            today=today,
            then=lambda cov: cov.paragraphs[0] if cov.paragraphs else "",
            view=self,
            on_done=done,
            on_error=failed,
        )

    def _request_live(self, key: str) -> None:
        """Fill the live data panel from the engine's worker process (~0.5 s nationally)."""
        assert self.area_id is not None
        self._live_token += 1
        token, area_id, today = self._live_token, self.area_id, self.today
        self.live_view.setHtml("<p><i>Loading live data…</i></p>")

        def done(sections: list[profile_data.LiveSection]) -> None:
            if isValid(self) and token == self._live_token:  # not replaced by a newer request
                self.live_view.setHtml(live_html(sections))
                self.live_loaded.emit(key)

        def failed(exc: BaseException) -> None:
            if isValid(self) and token == self._live_token:
                self.live_view.setHtml(f"<p><i>Live data could not be loaded: {exc}</i></p>")

        self.ctx.tasks.read(
            "socmap.services.profile_data:live_sections",
            area_id,
            audience=Audience.INTERNAL,
            today=today,
            section=key,
            view=self,
            on_done=done,
            on_error=failed,
        )

    # ------------------------------------------------------------------------- handlers

    def _on_area_combo_changed(self, index: int) -> None:
        if self._loading or index < 0:
            return
        self.open_area(int(self.area_combo.itemData(index)))

    def _on_section_list_changed(self, row: int) -> None:
        if row >= 0 and self.area_id is not None:
            self._show_section(self.current_section())

    def _on_bold_clicked(self, checked: bool) -> None:
        self.text.setFontWeight(QFont.Weight.Bold if checked else QFont.Weight.Normal)

    def _on_italic_clicked(self, checked: bool) -> None:
        self.text.setFontItalic(checked)

    def _on_bullets_clicked(self) -> None:
        self.text.textCursor().createList(QTextListFormat.Style.ListDisc)

    def _write(self, fn: Any) -> Any:
        """Run a short audited write; report a user-caused error plainly."""
        try:
            result, changes = fn()
        except SocmapError as exc:
            self.ctx.report_error(self, exc)
            return None
        self.ctx.bus.changes_applied.emit(changes, self)
        return result

    def _on_save_handling_clicked(self) -> None:
        if self.area_id is None:
            return
        h = Handling(
            area_id=self.area_id,
            marking=Marking(self.marking.currentText()),
            owner=self.owner.text(),
            partners_consulted=tuple(
                p.strip() for p in self.partners_consulted.text().split(",") if p.strip()
            ),
            data_from=_pydate(self.data_from.date()),
            data_to=_pydate(self.data_to.date()),
            review_date=_pydate(self.review_date.date()),
            version=self.handling_version,
        )
        if self._write(lambda: profiles.save_handling(self.store, h, today=self.today)):
            self.refresh()

    def _on_save_section_clicked(self) -> None:
        if self.area_id is None:
            return
        key = self.current_section()
        result = self._write(
            lambda: profiles.save_section(
                self.store,
                area_id=self.area_id or 0,
                section=key,
                html=self.text.toHtml(),
                text=self.text.toPlainText(),
                owner=self.section_owner.text(),
                sources=self.section_sources.text(),
                based_on=self.based_on.get(key, 0),
            )
        )
        if result is None:
            return

        def show_saved() -> None:
            self._show_section(key)
            if result.conflict and result.other is not None:
                other = result.other
                self.conflict_banner.setText(
                    f"Conflict: {other.author} saved version {other.version} of this section at "
                    f"{other.saved_at[:16]}, after you started editing. Both versions are kept — "
                    f"yours is version {result.version.version}. Compare them in the version "
                    "history and save a reconciled text."
                )
                self.conflict_banner.show()
                self.ctx.bus.status_message.emit(
                    "Saved, but someone else's newer version was kept too"
                )

        self.refresh(then=show_saved)

    def _on_history_double_clicked(self, item: QListWidgetItem) -> None:
        v: SectionVersion = item.data(Qt.ItemDataRole.UserRole)
        self.text.setHtml(v.html or v.text)
        self.section_owner.setText(v.owner)
        self.section_sources.setText(v.sources)

    def _fill_register_choices(self, partners: list[tuple[Any, ...]]) -> None:
        current = self.c_register.currentData()
        self.c_register.blockSignals(True)
        self.c_register.clear()
        self.c_register.addItem("(not on the register: type the name)", None)
        for pid, name, ptype, isa in partners:
            self.c_register.addItem(name, (pid, name, ptype, isa))
        idx = self.c_register.findData(current) if current is not None else 0
        self.c_register.setCurrentIndex(max(idx, 0))
        self.c_register.blockSignals(False)

    def _on_register_partner_changed(self, index: int) -> None:
        data = self.c_register.itemData(index)
        if not data:
            return
        _pid, name, ptype, isa = data
        self.c_partner.setText(name)
        if ptype:
            self.c_type.setCurrentIndex(max(0, self.c_type.findData(ptype)))
        if isa:
            self.c_isa.setText(isa)

    def _on_add_contribution_clicked(self) -> None:
        if self.area_id is None:
            return
        chosen = self.c_register.currentData()
        partner_id = chosen[0] if chosen and self.c_partner.text().strip() == chosen[1] else None
        c = Contribution(
            area_id=self.area_id,
            partner_name=self.c_partner.text(),
            partner_type=str(self.c_type.currentData() or ""),
            data_supplied=self.c_data.text(),
            supplied_on=_pydate(self.c_date.date()),
            isa_ref=self.c_isa.text(),
            partner_id=partner_id,
        )
        if self._write(lambda: profiles.add_contribution(self.store, c)):
            for w in (self.c_partner, self.c_data, self.c_isa):
                w.clear()
            self.refresh()

    def _on_remove_contribution_clicked(self) -> None:
        rows = self.contrib_table.selectionModel().selectedRows()
        if not rows:
            return
        c = self.contrib_model.row_at(rows[0].row())
        if self._write(lambda: (None, profiles.remove_contribution(self.store, c.id or 0))) is None:
            self.refresh()

    def _parse_ocgs(self) -> tuple[int, ...]:
        out = []
        for part in self.a_ocgs.text().replace(";", ",").split(","):
            if not part.strip():
                continue
            try:
                out.append(int(parse_ocg_ref(part)))
            except ValueError as exc:
                raise ValidationError("linked_ocgs", str(exc)) from None
        return tuple(out)

    def _on_add_action_clicked(self) -> None:
        if self.area_id is None:
            return
        try:
            ocgs = self._parse_ocgs()
        except SocmapError as exc:
            self.ctx.report_error(self, exc)
            return
        a = ActionItem(
            area_id=self.area_id,
            action=self.a_action.text(),
            strand=Strand(self.a_strand.currentData()),
            owner=self.a_owner.text(),
            partner=self.a_partner.text(),
            due=_pydate(self.a_due.date()),
            measure=self.a_measure.text(),
            status=ActionStatus(self.a_status.currentData()),
            linked_ocgs=ocgs,
        )
        if self._write(lambda: profiles.add_action(self.store, a)):
            for w in (self.a_action, self.a_measure, self.a_ocgs):
                w.clear()
            self.refresh()

    def _on_mark_done_clicked(self) -> None:
        rows = self.action_table.selectionModel().selectedRows()
        if not rows:
            return
        a = self.action_model.row_at(rows[0].row())
        done = dataclasses.replace(a, status=ActionStatus.DONE)
        if self._write(lambda: profiles.update_action(self.store, done)):
            self.refresh()

    # --------------------------------------------------------------------------- export

    def choose_export_path(self, fmt: str) -> Path | None:
        """Ask where to save the export (tests replace this)."""
        area = self.area_combo.currentText().replace(" & ", "-and-").replace(" ", "-")
        audience = self.export_audience.currentData()
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export local profile",
            f"profile-{area}-{audience}.{fmt}",
            f"{fmt.upper()} files (*.{fmt})",
        )
        return Path(name) if name else None

    def _on_export_clicked(self) -> None:
        if self.area_id is None:
            return
        fmt = self.export_format.currentText()
        audience = str(self.export_audience.currentData())
        path = self.choose_export_path(fmt)
        if path is None:
            return
        area_id = self.area_id
        today = self.today

        def job(store: Store, progress: Any) -> Any:
            from socmap.export.profile import export_profile

            return export_profile(
                store,
                area=area_id,
                fmt=fmt,
                audience=audience,
                path=path,
                today=today,
                progress=progress,
            )

        def done(result: Any) -> None:
            self.ctx.bus.status_message.emit(f"Profile written to {result.path}")
            self.export_finished.emit(result)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, SocmapError):
                self.ctx.report_error(self, exc)
            self.export_failed.emit(exc)

        self.ctx.tasks.run(
            job,
            write=True,
            on_done=done,
            on_error=failed,
            title="Exporting the local profile…",
            parent=self,
        )

    def _on_bus_changes_applied(self, changes: Changes, initiator: object) -> None:
        if initiator is self:
            return
        if changes.touches("profile", "ocg", "nominal", "area", "*"):
            self.refresh()


if (
    __name__ == "__main__"
):  # the Profiles tab on the demo force: python -m socmap.ui.views.profiles_view
    import sys

    from socmap.paths import demo_db_path
    from socmap.services.demo import ensure_demo_database
    from socmap.ui.preview import preview_context

    ensure_demo_database(demo_db_path())
    app, main_ctx = preview_context(sys.argv[1] if len(sys.argv) > 1 else demo_db_path())
    view = ProfilesView(main_ctx)
    view.resize(1500, 950)
    view.show()
    sys.exit(app.exec())
