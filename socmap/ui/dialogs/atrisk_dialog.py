"""Record a person at risk: an existing nominal or a new person, risk, indicators, factors and
optionally the member exploiting them. Refusals (a member, someone already at risk) are shown
next to the person as the user picks; one service call writes everything in one transaction.
"""

from __future__ import annotations

import dataclasses
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
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError, ValidationError
from socmap.domain.groups import Nominal, validate_nominal
from socmap.domain.network import (
    INDICATORS,
    RISK_LEVELS,
    VULNERABILITY_FACTORS,
    AtRiskPerson,
    Exploitation,
    Indicator,
    validate_at_risk,
    validate_exploitation,
    validate_indicator,
)
from socmap.services import atrisk
from socmap.ui.context import UiContext
from socmap.ui.dialogs.grading_fields import GradingFields, PersonPicker, error_label
from socmap.ui.dialogs.modal import ok_cancel


def _date(edit: QDateEdit) -> dt.date:
    q = edit.date()
    return dt.date(q.year(), q.month(), q.day())


def _date_edit(name: str, value: QDate) -> QDateEdit:
    edit = QDateEdit(objectName=name, calendarPopup=True, displayFormat="yyyy-MM-dd")
    edit.setDate(value)
    return edit


class AtRiskDialog(QDialog):
    """Fill in, see refusals next to the fields, OK saves (``saved`` holds the record)."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved: AtRiskPerson | None = None
        self.changes = Changes()
        self.setWindowTitle("Record a person at risk")
        today = QDate.currentDate()

        self.person = PersonPicker(ctx, "person", self)
        self.new_person = QCheckBox("Record a new person", objectName="new_person")
        self.surname = QLineEdit(objectName="surname")
        self.forenames = QLineEdit(objectName="forenames")
        self.dob = _date_edit("date_of_birth", QDate(2008, 1, 1))
        self.person_error = error_label("person_error")

        self.risk = QComboBox(objectName="risk_level")
        for key, label in RISK_LEVELS.items():
            self.risk.addItem(label, key)
        self.risk.setCurrentIndex(self.risk.findData("medium"))
        self.rationale = QPlainTextEdit(objectName="rationale")
        self.rationale.setPlaceholderText("Why is this person at risk? (required)")
        self.rationale.setMaximumHeight(70)
        self.rationale_error = error_label("rationale_error")
        self.review = _date_edit("review_date", today.addDays(90))
        self.review_error = error_label("review_error")
        self.owner = QLineEdit(objectName="owner", placeholderText="owner (optional)")
        self.source = QLineEdit(
            objectName="source", placeholderText="source of the indicators / link"
        )

        self.indicators = QTableWidget(len(INDICATORS), 2, objectName="indicators")
        self.indicators.setHorizontalHeaderLabels(["Indicator", "Observed on"])
        self.indicators.verticalHeader().setVisible(False)
        self._indicator_dates: list[QDateEdit] = []
        for row, (key, label) in enumerate(INDICATORS.items()):
            item = QTableWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.indicators.setItem(row, 0, item)
            edit = _date_edit(f"indicator_date_{key}", today)
            self.indicators.setCellWidget(row, 1, edit)
            self._indicator_dates.append(edit)
            edit.dateChanged.connect(self._revalidate)
        self.indicators.resizeColumnsToContents()
        self.indicators.setMinimumHeight(160)
        self.indicators_error = error_label("indicators_error")

        self.factors = QListWidget(objectName="factors")
        self.factors.setMaximumHeight(110)
        for key, label in VULNERABILITY_FACTORS.items():
            f = QListWidgetItem(label)
            f.setData(Qt.ItemDataRole.UserRole, key)
            f.setFlags(f.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            f.setCheckState(Qt.CheckState.Unchecked)
            self.factors.addItem(f)

        self.exploited = QCheckBox("Exploited by a member of a group", objectName="exploited")
        self.exploiter = PersonPicker(ctx, "exploiter", self)
        self.grading = GradingFields("exploiter_grading", self)
        self.exploiter_error = error_label("exploiter_error")
        self.error = error_label("error")

        form = QFormLayout()
        form.addRow("Person", self.person)
        form.addRow("", self.new_person)
        form.addRow("Surname", self.surname)
        form.addRow("Forenames", self.forenames)
        form.addRow("Date of birth", self.dob)
        form.addRow("", self.person_error)
        form.addRow("Risk level", self.risk)
        form.addRow("Rationale", self.rationale)
        form.addRow("", self.rationale_error)
        form.addRow("Review by", self.review)
        form.addRow("", self.review_error)
        form.addRow("Owner", self.owner)
        form.addRow("Source", self.source)
        form.addRow("Indicators", self.indicators)
        form.addRow("", self.indicators_error)
        form.addRow("Vulnerability", self.factors)
        form.addRow("", self.exploited)
        form.addRow("Exploited by", self.exploiter)
        form.addRow("Grading", self.grading)
        form.addRow("", self.exploiter_error)
        self.buttons = ok_cancel(self, self._save)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)

        self.person.changed.connect(self._revalidate)
        self.exploiter.changed.connect(self._revalidate)
        self.grading.changed.connect(self._revalidate)
        self.new_person.toggled.connect(self._toggle)
        self.exploited.toggled.connect(self._toggle)
        for sig in (
            self.surname.textChanged,
            self.forenames.textChanged,
            self.rationale.textChanged,
            self.source.textChanged,
            self.dob.dateChanged,
            self.review.dateChanged,
            self.indicators.itemChanged,
        ):
            sig.connect(self._revalidate)
        self._toggle()

    @property
    def ok_button(self) -> QWidget:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _toggle(self, *_args: object) -> None:
        new = self.new_person.isChecked()
        for w in (self.surname, self.forenames, self.dob):
            w.setEnabled(new)
        self.person.setEnabled(not new)
        self.exploiter.setEnabled(self.exploited.isChecked())
        self.grading.setEnabled(self.exploited.isChecked())
        self._revalidate()

    def check_indicator(self, key: str, observed_on: QDate | None = None) -> None:
        """Tick one indicator (and set its date)."""
        row = list(INDICATORS).index(key)
        if observed_on is not None:
            self._indicator_dates[row].setDate(observed_on)
        self.indicators.item(row, 0).setCheckState(Qt.CheckState.Checked)

    def _chosen_indicators(self, pid: int) -> tuple[Indicator, ...]:
        return tuple(
            Indicator(
                nominal_id=pid,
                indicator=str(self.indicators.item(row, 0).data(Qt.ItemDataRole.UserRole)),
                observed_on=_date(self._indicator_dates[row]),
                source=self.source.text(),
            )
            for row in range(self.indicators.rowCount())
            if self.indicators.item(row, 0).checkState() == Qt.CheckState.Checked
        )

    def _factors(self) -> tuple[str, ...]:
        return tuple(
            str(self.factors.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.factors.count())
            if self.factors.item(i).checkState() == Qt.CheckState.Checked
        )

    def values(
        self,
    ) -> tuple[Nominal | None, AtRiskPerson, tuple[Indicator, ...], Exploitation | None]:
        """(new person or None, record, indicators, exploitation); person id 0 when new."""
        nominal = None
        pid = 0
        if self.new_person.isChecked():
            d = self.dob.date()
            nominal = Nominal(
                surname=self.surname.text(),
                forenames=self.forenames.text(),
                date_of_birth=dt.date(d.year(), d.month(), d.day()),
            )
        else:
            pid = self.person.nominal_id() or 0
        record = AtRiskPerson(
            nominal_id=pid,
            risk_level=str(self.risk.currentData()),
            rationale=self.rationale.toPlainText(),
            review_date=_date(self.review),
            vulnerability_factors=self._factors(),
            owner=self.owner.text(),
            opened_on=dt.date.today(),
        )
        link = None
        if self.exploited.isChecked():
            scheme, grade, handling, conditions = self.grading.values()
            link = Exploitation(
                at_risk_nominal_id=pid,
                exploiter_nominal_id=self.exploiter.nominal_id() or 0,
                start=dt.date.today(),
                source=self.source.text(),
                grading_scheme=scheme,
                grade=grade,
                handling=handling,
                handling_conditions=conditions,
            )
        return nominal, record, self._chosen_indicators(pid), link

    def _revalidate(self, *_args: object) -> None:
        nominal, record, indicators, link = self.values()
        errors: dict[QLabel, str] = {}

        def check(label: QLabel, fn: object) -> None:
            try:
                fn()  # type: ignore[operator]
            except ValidationError as exc:
                errors.setdefault(label, str(exc))

        if nominal is not None:
            check(self.person_error, lambda: validate_nominal(nominal))
        elif not record.nominal_id:
            errors[self.person_error] = "choose a person from the list or record a new one"
        else:
            check(
                self.person_error,
                lambda: atrisk.check_can_be_at_risk(self.ctx.store, record.nominal_id),
            )
        try:
            validate_at_risk(record)
        except ValidationError as exc:
            label = {"rationale": self.rationale_error, "review_date": self.review_error}.get(
                exc.field, self.error
            )
            errors.setdefault(label, str(exc))
        today = dt.date.today()
        for ind in indicators:
            check(self.indicators_error, lambda i=ind: validate_indicator(i, today=today))
        if link is not None:
            if not link.exploiter_nominal_id:
                errors[self.exploiter_error] = "exploiter: choose the member from the list"
            else:
                probe = dataclasses.replace(link, at_risk_nominal_id=record.nominal_id or -1)
                check(self.exploiter_error, lambda: validate_exploitation(probe))
        for label in (
            self.person_error,
            self.rationale_error,
            self.review_error,
            self.indicators_error,
            self.exploiter_error,
            self.error,
        ):
            label.setText(errors.get(label, ""))
        self.ok_button.setEnabled(not errors)

    def _save(self) -> None:
        nominal, record, indicators, link = self.values()
        try:
            self.saved, self.changes = atrisk.record_person_at_risk(
                self.ctx.store, record, new_person=nominal, indicators=indicators, exploiter=link
            )
        except ValidationError as exc:
            label = {
                "nominal_id": self.person_error,
                "surname": self.person_error,
                "date_of_birth": self.person_error,
                "rationale": self.rationale_error,
                "review_date": self.review_error,
                "observed_on": self.indicators_error,
                "indicator": self.indicators_error,
                "exploiter": self.exploiter_error,
                "grading": self.exploiter_error,
                "source": self.exploiter_error if link is not None else self.error,
            }.get(exc.field, self.error)
            label.setText(str(exc))
            return
        except SocmapError as exc:
            self.error.setText(str(exc))
            return
        self.ctx.bus.changes_applied.emit(self.changes, self)
        self.accept()
