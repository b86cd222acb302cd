"""Add a nominal to an OCG: an existing nominal (search) or a new one, with role and dates."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import ValidationError
from socmap.domain.groups import Membership, Nominal, validate_membership, validate_nominal
from socmap.domain.ids import GroupId, NominalId
from socmap.domain.vocab import MEMBER_TAGS, Role
from socmap.services import queries
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import ok_cancel
from socmap.ui.widgets.tables import add_cut_item


class MemberDialog(QDialog):
    """Pick or create the nominal, then the role; ``values()`` after acceptance."""

    def __init__(self, ctx: UiContext, ocg_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ocg_id = ocg_id
        self.setWindowTitle(f"Add member to OCG-{ocg_id:04d}")
        self.search = QLineEdit(objectName="search", placeholderText="search nominals by name")
        self.matches = QListWidget(objectName="matches")
        self.matches.setMaximumHeight(140)
        self.new_person = QCheckBox("Record a new nominal", objectName="new_person")
        self.surname = QLineEdit(objectName="surname")
        self.forenames = QLineEdit(objectName="forenames")
        self.dob = QDateEdit(objectName="date_of_birth", calendarPopup=True)
        self.dob.setDisplayFormat("yyyy-MM-dd")
        self.dob.setDate(QDate(2000, 1, 1))
        self.role = QComboBox(objectName="role")
        for r in Role:
            self.role.addItem(r.value.capitalize(), r.value)
        self.role.setCurrentIndex(self.role.findData(Role.PERIPHERAL.value))
        self.tags = QListWidget(objectName="tags")
        self.tags.setMaximumHeight(100)
        for key, label in MEMBER_TAGS.items():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.tags.addItem(item)
        self.start = QDateEdit(objectName="start", calendarPopup=True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.start.setDate(QDate.currentDate())
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Find", self.search)
        form.addRow("", self.matches)
        form.addRow("", self.new_person)
        form.addRow("Surname", self.surname)
        form.addRow("Forenames", self.forenames)
        form.addRow("Date of birth", self.dob)
        form.addRow("Role", self.role)
        form.addRow("Tags", self.tags)
        form.addRow("Member from", self.start)
        self.buttons = ok_cancel(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.search.textChanged.connect(self._search)
        for sig in (
            self.new_person.toggled,
            self.surname.textChanged,
            self.matches.currentRowChanged,
        ):
            sig.connect(self._revalidate)
        self.new_person.toggled.connect(self._toggle_new)
        self._toggle_new(False)

    def _toggle_new(self, new: bool) -> None:
        for w in (self.surname, self.forenames, self.dob):
            w.setEnabled(new)
        self.search.setEnabled(not new)
        self.matches.setEnabled(not new)
        self._revalidate()

    def _search(self, text: str) -> None:
        self.matches.clear()
        if len(text.strip()) < 2:
            self._revalidate()
            return
        found = queries.find_nominals(self.ctx.store, text, limit=30)
        for nid, label in found:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, nid)
            self.matches.addItem(item)
        add_cut_item(self.matches, found, "match", "type more of the name")
        if self.matches.count():
            self.matches.setCurrentRow(0)
        self._revalidate()

    def _tags(self) -> tuple[str, ...]:
        return tuple(
            self.tags.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.tags.count())
            if self.tags.item(i).checkState() == Qt.CheckState.Checked
        )

    def values(self) -> tuple[Nominal | None, Membership]:
        """(new nominal or None, membership with nominal_id 0 when the nominal is new)."""
        q = self.start.date()
        nominal = None
        nominal_id = 0
        if self.new_person.isChecked():
            d = self.dob.date()
            nominal = Nominal(
                surname=self.surname.text(),
                forenames=self.forenames.text(),
                date_of_birth=dt.date(d.year(), d.month(), d.day()),
            )
        else:
            item = self.matches.currentItem()
            if item is None:
                raise ValidationError(
                    "nominal", "choose a nominal from the list or record a new one"
                )
            nominal_id = int(item.data(Qt.ItemDataRole.UserRole))
        membership = Membership(
            ocg_id=GroupId(self.ocg_id),
            nominal_id=NominalId(nominal_id),
            role=Role(self.role.currentData()),
            tags=self._tags(),
            start=dt.date(q.year(), q.month(), q.day()),
        )
        return nominal, membership

    def _revalidate(self) -> None:
        try:
            nominal, membership = self.values()
            if nominal is not None:
                validate_nominal(nominal)
            validate_membership(membership)
        except ValidationError as exc:
            self.error.setText(str(exc))
            ok = False
        else:
            self.error.setText("")
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
