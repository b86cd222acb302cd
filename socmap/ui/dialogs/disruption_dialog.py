"""Record a disruption: every field with its validation message right beside it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.disruptions import LEVELS, STRANDS, TACTIC_AREAS, TACTICS, Disruption
from socmap.domain.errors import SocmapError, ValidationError
from socmap.services import disruptions, partners, reassessment, scoring
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import ok_cancel
from socmap.ui.widgets.fields import field_with_error

FIELDS = (
    "ocg_id",
    "occurred_on",
    "strand",
    "tactic",
    "level",
    "lead_agency",
    "partner_ids",
    "nominal_ids",
    "rationale",
)


class DisruptionDialog(QDialog):
    """A form for a new disruption claim; OK records it (pending approval)."""

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        *,
        ocg_id: int | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or dt.date.today()
        self.result_disruption: Disruption | None = None
        #: what a Major disruption did to the group's re-assessment date (after OK)
        self.schedule_message = ""
        self.setWindowTitle("Record a disruption")
        store = ctx.store
        self.ocg = QComboBox()
        self.ocg.setEditable(True)
        self.ocg.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for oid, label, status in disruptions.ocg_choices(store):
            self.ocg.addItem(f"{label} [{status}]", oid)
        if ocg_id is not None:
            self.ocg.setCurrentIndex(max(0, self.ocg.findData(ocg_id)))
        else:  # start on the first active group
            first = next(
                (i for i in range(self.ocg.count()) if self.ocg.itemText(i).endswith("[active]")),
                0,
            )
            self.ocg.setCurrentIndex(first)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate(self.today.year, self.today.month, self.today.day))
        self.strand = QComboBox()
        for k, v in STRANDS.items():
            self.strand.addItem(v, k)
        self.tactic = QComboBox()
        for k, (label, area) in TACTICS.items():
            self.tactic.addItem(f"{label} ({TACTIC_AREAS[area]})", k)
        self.level = QComboBox()
        for k, v in LEVELS.items():
            self.level.addItem(v, k)
        self.level.setCurrentIndex(self.level.findData("minor"))
        self.lead = QComboBox()
        self.lead.addItem("West Mercia Police", None)
        self._partner_names: dict[int, str] = {}
        for pid, name in partners.partner_choices(store):
            self.lead.addItem(name, pid)
            self._partner_names[pid] = name
        self.partners = QListWidget()
        self.partners.setMaximumHeight(90)
        for pid, name in partners.partner_choices(store):
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, pid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.partners.addItem(item)
        self.nominals = QListWidget()
        self.nominals.setMaximumHeight(90)
        self.rationale = QPlainTextEdit()
        self.rationale.setPlaceholderText("Why this level is claimed (required)")
        self.rationale.setMaximumHeight(70)
        self.lessons = QPlainTextEdit()
        self.lessons.setMaximumHeight(50)
        self.approval_note = QLabel()
        self.approval_note.setWordWrap(True)

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for field, label, widget in (
            ("ocg_id", "OCG", self.ocg),
            ("occurred_on", "Date", self.date),
            ("strand", "4P strand", self.strand),
            ("tactic", "Tactic", self.tactic),
            ("level", "Claimed level", self.level),
            ("lead_agency", "Lead agency", self.lead),
            ("partner_ids", "Partners involved", self.partners),
            ("nominal_ids", "Nominals affected", self.nominals),
            ("rationale", "Rationale", self.rationale),
        ):
            box, self.errors[field] = field_with_error(field, widget)
            form.addRow(label, box)
        form.addRow("Lessons learned", self.lessons)
        self.general_error = QLabel()
        self.general_error.setStyleSheet("color: #b91c1c")
        self.general_error.setWordWrap(True)
        self.buttons = ok_cancel(self, self._on_ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record")
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.approval_note)
        outer.addWidget(self.general_error)
        outer.addWidget(self.buttons)
        self.ocg.currentIndexChanged.connect(self._fill_nominals)
        self.level.currentIndexChanged.connect(self._update_note)
        self._fill_nominals()
        self._update_note()

    def _fill_nominals(self) -> None:
        self.nominals.clear()
        oid = self.ocg.currentData()
        if oid is None:
            return
        for nid, label in disruptions.member_choices(self.ctx.store, int(oid)):
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, nid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.nominals.addItem(item)

    def _update_note(self) -> None:
        if self.level.currentData() == "major":
            self.approval_note.setText(
                "A Major claim needs two approvers (LRO, then SOC manager); it stays pending until"
                " the second approves. Recording it asks for the group's re-assessment to be"
                " brought forward; the status bar then says whether the due date moved."
            )
        else:
            self.approval_note.setText("The claim stays pending until a supervisor approves it.")

    @staticmethod
    def _checked(widget: QListWidget) -> tuple[int, ...]:
        return tuple(
            int(widget.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked
        )

    def disruption(self) -> Disruption:
        """The disruption as entered (not yet validated)."""
        qd = self.date.date()
        lead_pid = self.lead.currentData()
        oid = self.ocg.currentData()
        return Disruption(
            ocg_id=int(oid) if oid is not None else 0,
            occurred_on=dt.date(qd.year(), qd.month(), qd.day()),
            strand=str(self.strand.currentData()),
            tactic=str(self.tactic.currentData()),
            level=str(self.level.currentData()),
            rationale=self.rationale.toPlainText(),
            lead_agency=self.lead.currentText(),
            lead_partner_id=int(lead_pid) if lead_pid is not None else None,
            partner_ids=self._checked(self.partners),
            nominal_ids=self._checked(self.nominals),
            lessons=self.lessons.toPlainText(),
        )

    def show_error(self, exc: SocmapError) -> None:
        """Put the message next to the field it names (or at the bottom)."""
        for label in self.errors.values():
            label.hide()
        self.general_error.clear()
        field = getattr(exc, "field", None)
        if field == "tactic_area":
            field = "tactic"
        if field == "lead_partner_id":
            field = "lead_agency"
        if isinstance(exc, ValidationError) and field in self.errors:
            self.errors[field].setText(exc.reason)
            self.errors[field].show()
        else:
            self.general_error.setText(str(exc))

    def _on_ok(self) -> None:
        d = self.disruption()
        try:
            before = reassessment.due_of(self.ctx.store, d.ocg_id) if d.level == "major" else None
            stored, changes = disruptions.record_disruption(self.ctx.store, d, today=self.today)
        except SocmapError as exc:
            self.show_error(exc)
            return
        self.result_disruption = stored
        self.ctx.bus.changes_applied.emit(changes, self)
        if stored.level == "major":
            after = reassessment.due_of(self.ctx.store, stored.ocg_id)
            self.schedule_message = (
                f"OCG-{stored.ocg_id:04d}: Major disruption recorded; "
                + scoring.due_change_message(before, after, scheduled=after is not None)
            )
            self.ctx.bus.status_message.emit(self.schedule_message)
        self.accept()

    def error_text(self, field: str) -> str:
        """The message shown beside ``field`` ("" when none)."""
        label = self.errors[field]
        return label.text() if not label.isHidden() else ""
