"""Add a graded, dated link between two people, or between two groups (OCG <-> OCG)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate
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
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError, ValidationError
from socmap.domain.network import (
    ASSOCIATION_KINDS,
    OCG_LINK_KINDS,
    Association,
    OcgLink,
    validate_association,
    validate_ocg_link,
)
from socmap.services import links, queries
from socmap.ui.context import UiContext
from socmap.ui.dialogs.grading_fields import GradingFields, PersonPicker, error_label
from socmap.ui.dialogs.modal import ok_cancel


def dated(name: str, label: str, checked: bool) -> tuple[QCheckBox, QDateEdit, QWidget]:
    """A "known" check box and a date, in one row widget."""
    box = QCheckBox(label, objectName=f"{name}_known", checked=checked)
    edit = QDateEdit(objectName=name, calendarPopup=True, displayFormat="yyyy-MM-dd")
    edit.setDate(QDate.currentDate())
    edit.setEnabled(checked)
    box.toggled.connect(edit.setEnabled)
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(box)
    lay.addWidget(edit, 1)
    return box, edit, row


def date_of(box: QCheckBox, edit: QDateEdit) -> dt.date | None:
    """The date when its box is ticked, else None."""
    if not box.isChecked():
        return None
    q = edit.date()
    return dt.date(q.year(), q.month(), q.day())


#: Values that pass every rule, used to check one part of a record at a time.
_GOOD_PARTS: dict[str, Any] = {
    "start": None,
    "end": None,
    "source": "x",
    "grade": "1A",
    "handling": "P",
}


def errors_by_part(
    probe: Any, validate: Callable[[Any], Any], label_for: Callable[[str], QLabel]
) -> dict[QLabel, str]:
    """Every broken rule of a dated, sourced, graded link, each beside its field.

    The domain stops at the first broken rule, so the dates, the source and the grading are each
    checked with the other parts made good, and then the record as a whole.
    """
    errors: dict[QLabel, str] = {}
    for keep in (("start", "end"), ("source",), ("grade", "handling"), ()):
        fixed = {k: v for k, v in _GOOD_PARTS.items() if k not in keep}
        variant = dataclasses.replace(probe, **fixed) if keep else probe
        try:
            validate(variant)
        except ValidationError as exc:
            errors.setdefault(label_for(exc.field), str(exc))
    return errors


class AssociationDialog(QDialog):
    """Two people, link type, dates, source and 3x5x2 grading; OK saves (audited)."""

    def __init__(
        self,
        ctx: UiContext,
        parent: QWidget | None = None,
        *,
        person: tuple[int, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved: Association | None = None
        self.changes = Changes()
        self.setWindowTitle("Add association")
        self.person_a = PersonPicker(ctx, "person_a", self)
        self.person_b = PersonPicker(ctx, "person_b", self)
        self.a_error = error_label("person_a_error")
        self.b_error = error_label("person_b_error")
        self.kind = QComboBox(objectName="kind")
        for key, label in ASSOCIATION_KINDS.items():
            if key != "exploited_by":  # recorded on the person-at-risk record
                self.kind.addItem(label, key)
        self.kind.setCurrentIndex(self.kind.findData("associate"))
        self.start_known, self.start, start_row = dated("start", "known", True)
        self.end_known, self.end, end_row = dated("end", "ended", False)
        self.dates_error = error_label("dates_error")
        self.source = QLineEdit(objectName="source", placeholderText="e.g. intelligence report ref")
        self.source_error = error_label("source_error")
        self.grading = GradingFields("grading", self)
        self.grading_error = error_label("grading_error")
        self.error = error_label("error")
        form = QFormLayout()
        form.addRow("Person", self.person_a)
        form.addRow("", self.a_error)
        form.addRow("Linked to", self.person_b)
        form.addRow("", self.b_error)
        form.addRow("Link type", self.kind)
        form.addRow("Start", start_row)
        form.addRow("End", end_row)
        form.addRow("", self.dates_error)
        form.addRow("Source", self.source)
        form.addRow("", self.source_error)
        form.addRow("Grading", self.grading)
        form.addRow("", self.grading_error)
        self.buttons = ok_cancel(self, self._save)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        for sig in (
            self.person_a.changed,
            self.person_b.changed,
            self.grading.changed,
            self.kind.currentIndexChanged,
            self.start_known.toggled,
            self.end_known.toggled,
            self.start.dateChanged,
            self.end.dateChanged,
            self.source.textChanged,
        ):
            sig.connect(self._revalidate)
        if person is not None:
            self.person_a.preselect(*person)
        self._revalidate()

    @property
    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def association(self) -> Association:
        """The link as typed (person ids 0 when not chosen)."""
        scheme, grade, handling, conditions = self.grading.values()
        return Association(
            nominal_a=self.person_a.nominal_id() or 0,
            nominal_b=self.person_b.nominal_id() or 0,
            kind=str(self.kind.currentData()),
            start=date_of(self.start_known, self.start),
            end=date_of(self.end_known, self.end),
            source=self.source.text(),
            grading_scheme=scheme,
            grade=grade,
            handling=handling,
            handling_conditions=conditions,
        )

    def _label_for(self, field: str) -> QLabel:
        return {
            "nominal_a": self.a_error,
            "nominal_b": self.b_error,
            "end": self.dates_error,
            "source": self.source_error,
            "grading": self.grading_error,
        }.get(field, self.error)

    def _show(self, errors: dict[QLabel, str]) -> None:
        for label in (
            self.a_error,
            self.b_error,
            self.dates_error,
            self.source_error,
            self.grading_error,
            self.error,
        ):
            label.setText(errors.get(label, ""))

    def _revalidate(self, *_args: object) -> None:
        a = self.association()
        errors: dict[QLabel, str] = {}
        if not a.nominal_a:
            errors[self.a_error] = "choose the first person from the list"
        if not a.nominal_b:
            errors[self.b_error] = "choose the linked person from the list"
        probe = dataclasses.replace(a, nominal_a=a.nominal_a or -1, nominal_b=a.nominal_b or -2)
        for label, text in errors_by_part(probe, validate_association, self._label_for).items():
            errors.setdefault(label, text)
        self._show(errors)
        self.ok_button.setEnabled(not errors)

    def _save(self) -> None:
        try:
            self.saved, self.changes = links.add_association(self.ctx.store, self.association())
        except SocmapError as exc:
            label = self._label_for(exc.field) if isinstance(exc, ValidationError) else self.error
            self._show({label: str(exc)})
            return
        self.ctx.bus.changes_applied.emit(self.changes, self)
        self.accept()


class OcgLinkDialog(QDialog):
    """Two groups, link type, dates, source, notes and 3x5x2 grading; OK saves (audited)."""

    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, *, ocg_id: int | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved: OcgLink | None = None
        self.changes = Changes()
        self.setWindowTitle("Link to another group")
        self.ocg_a = QComboBox(objectName="ocg_a")
        self.ocg_b = QComboBox(objectName="ocg_b")
        for combo in (self.ocg_a, self.ocg_b):
            combo.addItem("— choose a group —", 0)
        for r in queries.register(ctx.store, with_schedule=False):
            if r.status != "archived":
                for combo in (self.ocg_a, self.ocg_b):
                    combo.addItem(f"OCG-{r.id:04d} {r.name}", r.id)
        if ocg_id is not None and self.ocg_a.findData(ocg_id) >= 0:
            self.ocg_a.setCurrentIndex(self.ocg_a.findData(ocg_id))
        self.b_error = error_label("ocg_b_error")
        self.kind = QComboBox(objectName="kind")
        for key, label in OCG_LINK_KINDS.items():
            self.kind.addItem(label, key)
        self.start_known, self.start, start_row = dated("start", "known", True)
        self.end_known, self.end, end_row = dated("end", "ended", False)
        self.dates_error = error_label("dates_error")
        self.source = QLineEdit(objectName="source", placeholderText="e.g. intelligence report ref")
        self.source_error = error_label("source_error")
        self.grading = GradingFields("grading", self)
        self.grading_error = error_label("grading_error")
        self.notes = QLineEdit(objectName="notes")
        self.error = error_label("error")
        form = QFormLayout()
        form.addRow("Group", self.ocg_a)
        form.addRow("Link type", self.kind)
        form.addRow("Other group", self.ocg_b)
        form.addRow("", self.b_error)
        form.addRow("Start", start_row)
        form.addRow("End", end_row)
        form.addRow("", self.dates_error)
        form.addRow("Source", self.source)
        form.addRow("", self.source_error)
        form.addRow("Grading", self.grading)
        form.addRow("", self.grading_error)
        form.addRow("Notes", self.notes)
        self.buttons = ok_cancel(self, self._save)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        for sig in (
            self.ocg_a.currentIndexChanged,
            self.ocg_b.currentIndexChanged,
            self.grading.changed,
            self.kind.currentIndexChanged,
            self.start_known.toggled,
            self.end_known.toggled,
            self.start.dateChanged,
            self.end.dateChanged,
            self.source.textChanged,
            self.notes.textChanged,
        ):
            sig.connect(self._revalidate)
        self._revalidate()

    @property
    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def link(self) -> OcgLink:
        """The link as chosen (group ids 0 when not chosen)."""
        scheme, grade, handling, conditions = self.grading.values()
        return OcgLink(
            ocg_a=int(self.ocg_a.currentData() or 0),
            ocg_b=int(self.ocg_b.currentData() or 0),
            kind=str(self.kind.currentData()),
            start=date_of(self.start_known, self.start),
            end=date_of(self.end_known, self.end),
            source=self.source.text(),
            grading_scheme=scheme,
            grade=grade,
            handling=handling,
            handling_conditions=conditions,
            notes=self.notes.text(),
        )

    def _label_for(self, field: str) -> QLabel:
        return {
            "ocg_a": self.error,
            "ocg_b": self.b_error,
            "end": self.dates_error,
            "source": self.source_error,
            "grading": self.grading_error,
        }.get(field, self.error)

    def _show(self, errors: dict[QLabel, str]) -> None:
        for label in (
            self.b_error,
            self.dates_error,
            self.source_error,
            self.grading_error,
            self.error,
        ):
            label.setText(errors.get(label, ""))

    def _revalidate(self, *_args: object) -> None:
        link = self.link()
        errors: dict[QLabel, str] = {}
        if not link.ocg_a:
            errors[self.error] = "choose the group"
        if not link.ocg_b:
            errors[self.b_error] = "choose the other group"
        probe = dataclasses.replace(link, ocg_a=link.ocg_a or -1, ocg_b=link.ocg_b or -2)
        for label, text in errors_by_part(probe, validate_ocg_link, self._label_for).items():
            errors.setdefault(label, text)
        self._show(errors)
        self.ok_button.setEnabled(not errors)

    def _save(self) -> None:
        try:
            self.saved, self.changes = links.add_ocg_link(self.ctx.store, self.link())
        except SocmapError as exc:
            label = self._label_for(exc.field) if isinstance(exc, ValidationError) else self.error
            self._show({label: str(exc)})
            return
        self.ctx.bus.changes_applied.emit(self.changes, self)
        self.accept()
