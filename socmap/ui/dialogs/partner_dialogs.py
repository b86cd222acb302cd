"""Forms for the partner register: a partner, an area's SOC structure, a partner<->OCG link, an LRO.

Each form shows a validation message beside the field it names and saves nothing until it passes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError, ValidationError
from socmap.domain.partners import (
    CADENCES,
    CONTACT_ROLES,
    LINK_RELATIONS,
    PARTNER_TYPES,
    STRUCTURE_KINDS,
    Contact,
    Lro,
    Partner,
    PartnerLink,
    PartnershipStructure,
)
from socmap.services import disruptions, partners
from socmap.ui.context import UiContext
from socmap.ui.models.choices import ChoiceListModel, attach
from socmap.ui.widgets.fields import field_with_error


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(widget: QDateEdit) -> dt.date:
    q = widget.date()
    return dt.date(q.year(), q.month(), q.day())


def _checklist(items: list[tuple[int, str]], checked: set[int]) -> QListWidget:
    widget = QListWidget()
    widget.setMaximumHeight(110)
    for ident, label in items:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, ident)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if ident in checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    return widget


def _checked(widget: QListWidget) -> tuple[int, ...]:
    return tuple(
        int(widget.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    )


class FormDialog(QDialog):
    """A form whose fields each carry an error label; ``save()`` is supplied by subclasses."""

    #: Each form defines ``save()``: write the form through a service (raises SocmapError).
    save: Callable[[], Changes]

    #: error field names that are shown under another field
    aliases: ClassVar[dict[str, str]] = {}

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.errors: dict[str, QLabel] = {}
        self.general_error = QLabel()
        self.general_error.setStyleSheet("color: #b91c1c")
        self.general_error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.addLayout(self.form)
        outer.addWidget(self.general_error)
        outer.addWidget(self.buttons)
        self.changes: Changes | None = None

    def add_field(self, field: str, label: str, widget: QWidget) -> None:
        """A labelled field with its (hidden) error message under it."""
        box, self.errors[field] = field_with_error(field, widget)
        self.form.addRow(label, box)

    def error_text(self, field: str) -> str:
        """The message shown beside ``field`` ("" when none)."""
        label = self.errors[field]
        return label.text() if not label.isHidden() else ""

    def show_error(self, exc: SocmapError) -> None:
        """Put the message beside the field it names, else at the bottom."""
        for label in self.errors.values():
            label.hide()
        self.general_error.clear()
        field = getattr(exc, "field", None)
        field = self.aliases.get(field or "", field)
        if isinstance(exc, ValidationError) and field in self.errors:
            self.errors[field].setText(exc.reason)
            self.errors[field].show()
        else:
            self.general_error.setText(str(exc))

    def _on_save(self) -> None:
        try:
            self.changes = self.save()
        except SocmapError as exc:
            self.show_error(exc)
            return
        self.ctx.bus.changes_applied.emit(self.changes, self)
        self.accept()


class PartnerDialog(FormDialog):
    """Add or edit a partner agency."""

    aliases: ClassVar[dict[str, str]] = {"area_ids": "areas"}

    def __init__(
        self, ctx: UiContext, partner: Partner | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, "Edit partner agency" if partner else "Add partner agency", parent)
        self.partner = partner
        p = partner or Partner(name="", partner_type="council_community")
        self.name = QLineEdit(p.name)
        self.partner_type = QComboBox()
        for key, label in PARTNER_TYPES.items():
            self.partner_type.addItem(label, key)
        self.partner_type.setCurrentIndex(max(0, self.partner_type.findData(p.partner_type)))
        self.areas = _checklist(disruptions.area_names(ctx.store), set(p.area_ids))
        self.contacts = QPlainTextEdit(
            "\n".join(f"{c.role}, {c.name}, {c.detail}".rstrip(", ") for c in p.contacts)
        )
        self.contacts.setPlaceholderText(
            "one per line: role, name, detail (roles: " + ", ".join(CONTACT_ROLES) + ")"
        )
        self.contacts.setMaximumHeight(80)
        self.isa_reference = QLineEdit(p.isa_reference)
        self.has_expiry = QCheckBox("expires on")
        self.isa_expires = QDateEdit()
        self.isa_expires.setCalendarPopup(True)
        self.isa_expires.setDisplayFormat("yyyy-MM-dd")
        self.isa_expires.setDate(_qdate(p.isa_expires or dt.date.today() + dt.timedelta(days=365)))
        self.has_expiry.setChecked(p.isa_expires is not None)
        expiry = QWidget()
        row = QHBoxLayout(expiry)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.has_expiry)
        row.addWidget(self.isa_expires, 1)
        self.add_field("name", "Agency", self.name)
        self.add_field("partner_type", "Type", self.partner_type)
        self.add_field("areas", "Areas served", self.areas)
        self.add_field("contacts", "Contacts", self.contacts)
        self.add_field("isa_reference", "Sharing agreement ref.", self.isa_reference)
        self.add_field("isa_expires", "Agreement expiry", expiry)

    def _contacts(self) -> tuple[Contact, ...]:
        out = []
        for line in self.contacts.toPlainText().splitlines():
            if not line.strip():
                continue
            parts = [x.strip() for x in line.split(",", 2)]
            if len(parts) < 2:
                raise ValidationError("contacts", f"'{line}': write role, name[, detail]")
            out.append(Contact(parts[0].lower(), parts[1], parts[2] if len(parts) > 2 else ""))
        return tuple(out)

    def save(self) -> Changes:
        """Create or update the partner."""
        values = Partner(
            name=self.name.text(),
            partner_type=str(self.partner_type.currentData()),
            area_ids=_checked(self.areas),
            contacts=self._contacts(),
            isa_reference=self.isa_reference.text(),
            isa_expires=_date(self.isa_expires) if self.has_expiry.isChecked() else None,
        )
        if self.partner is None:
            _p, changes = partners.create_partner(self.ctx.store, values)
        else:
            merged = dataclasses.replace(
                self.partner,
                **{
                    f.name: getattr(values, f.name)
                    for f in dataclasses.fields(values)
                    if f.name not in ("id", "version", "notes", "marking")
                },
            )
            _p, changes = partners.update_partner(self.ctx.store, merged)
        return changes


class StructureDialog(FormDialog):
    """Record or edit an area's SOC partnership structure."""

    def __init__(
        self,
        ctx: UiContext,
        structure: PartnershipStructure | None = None,
        *,
        area_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, "SOC partnership structure", parent)
        self.structure = structure
        s = structure or PartnershipStructure(area_id=area_id or 0, name="")
        self.area = QComboBox()
        for aid, name in disruptions.area_names(ctx.store):
            self.area.addItem(name, aid)
        self.area.setCurrentIndex(max(0, self.area.findData(s.area_id)))
        self.name = QLineEdit(s.name)
        self.kind = QComboBox()
        for key, label in STRUCTURE_KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(max(0, self.kind.findData(s.kind)))
        self.chair = QLineEdit(s.chair)
        self.cadence = QComboBox()
        for key in CADENCES:
            self.cadence.addItem(key, key)
        self.cadence.setCurrentIndex(max(0, self.cadence.findData(s.cadence)))
        self.last_meeting = QDateEdit()
        self.last_meeting.setCalendarPopup(True)
        self.last_meeting.setDisplayFormat("yyyy-MM-dd")
        self.last_meeting.setDate(_qdate(s.last_meeting or dt.date.today()))
        self.members = _checklist(partners.partner_choices(ctx.store), set(s.member_ids))
        self.add_field("area_id", "Area", self.area)
        self.add_field("name", "Name", self.name)
        self.add_field("kind", "Kind", self.kind)
        self.add_field("chair", "Chair", self.chair)
        self.add_field("cadence", "Meets", self.cadence)
        self.add_field("last_meeting", "Last meeting", self.last_meeting)
        self.add_field("member_ids", "Member agencies", self.members)

    def save(self) -> Changes:
        """Save the structure."""
        _s, changes = partners.save_structure(
            self.ctx.store,
            PartnershipStructure(
                id=self.structure.id if self.structure else None,
                area_id=int(self.area.currentData()),
                name=self.name.text(),
                kind=str(self.kind.currentData()),
                chair=self.chair.text(),
                cadence=str(self.cadence.currentData()),
                last_meeting=_date(self.last_meeting),
                member_ids=_checked(self.members),
            ),
        )
        return changes


def _ocg_combo(ctx: UiContext, selected: int | None) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    choices = attach(combo, ChoiceListModel(combo))  # every group: 6,000 nationally
    choices.set_choices(
        [(f"{label} [{status}]", oid) for oid, label, status in disruptions.ocg_choices(ctx.store)]
    )
    if selected is not None:
        combo.setCurrentIndex(max(0, combo.findData(selected)))
    return combo


def _partner_combo(ctx: UiContext, selected: int | None) -> QComboBox:
    combo = QComboBox()
    for pid, name in partners.partner_choices(ctx.store):
        combo.addItem(name, pid)
    if selected is not None:
        combo.setCurrentIndex(max(0, combo.findData(selected)))
    return combo


class LinkDialog(FormDialog):
    """Link a partner agency to an OCG with a typed relation."""

    aliases: ClassVar[dict[str, str]] = {"ocg_id": "ocg", "partner_id": "partner"}

    def __init__(
        self,
        ctx: UiContext,
        *,
        partner_id: int | None = None,
        ocg_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, "Link a partner to an OCG", parent)
        self.partner = _partner_combo(ctx, partner_id)
        self.ocg = _ocg_combo(ctx, ocg_id)
        self.relation = QComboBox()
        for key, label in LINK_RELATIONS.items():
            self.relation.addItem(label, key)
        self.since = QDateEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setDate(_qdate(dt.date.today()))
        self.add_field("partner", "Partner agency", self.partner)
        self.add_field("ocg", "OCG", self.ocg)
        self.add_field("relation", "Link type", self.relation)
        self.add_field("since", "Since", self.since)

    def save(self) -> Changes:
        """Save the link."""
        pid, oid = self.partner.currentData(), self.ocg.currentData()
        if pid is None:
            raise ValidationError("partner_id", "choose a partner agency")
        if oid is None:
            raise ValidationError("ocg_id", "choose an OCG")
        _l, changes = partners.link_partner(
            self.ctx.store,
            PartnerLink(
                partner_id=int(pid),
                ocg_id=int(oid),
                relation=str(self.relation.currentData()),
                since=_date(self.since),
            ),
        )
        return changes


class LroDialog(FormDialog):
    """Record an OCG's Lead Responsible Officer: police, or partner staff."""

    aliases: ClassVar[dict[str, str]] = {"ocg_id": "ocg", "partner_id": "partner"}

    def __init__(
        self, ctx: UiContext, *, ocg_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, "Lead Responsible Officer", parent)
        self.ocg = _ocg_combo(ctx, ocg_id)
        self.kind = QComboBox()
        self.kind.addItem("Police", "police")
        self.kind.addItem("Partner staff", "partner")
        self.name = QLineEdit()
        self.name.setPlaceholderText("rank/role and name")
        self.partner = _partner_combo(ctx, None)
        self.add_field("ocg", "OCG", self.ocg)
        self.add_field("kind", "LRO is", self.kind)
        self.add_field("name", "Name", self.name)
        self.add_field("partner", "Partner agency", self.partner)
        self.kind.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.partner.setEnabled(self.kind.currentData() == "partner")

    def save(self) -> Changes:
        """Save the LRO."""
        kind = str(self.kind.currentData())
        pid = self.partner.currentData() if kind == "partner" else None
        oid = self.ocg.currentData()
        if oid is None:
            raise ValidationError("ocg_id", "choose an OCG")
        return partners.set_lro(
            self.ctx.store,
            Lro(
                ocg_id=int(oid),
                kind=kind,
                name=self.name.text(),
                partner_id=int(pid) if pid is not None else None,
            ),
        )


def open_form(dialog: FormDialog, on_saved: Callable[[Any], None] | None = None) -> FormDialog:
    """Show a form modally (non-blocking) and call ``on_saved`` when it was saved."""
    if on_saved is not None:
        dialog.accepted.connect(lambda: on_saved(dialog.changes))
    dialog.open()
    return dialog
