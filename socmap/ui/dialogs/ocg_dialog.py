"""Create or edit an OCG; validates as the user types and explains problems beside the field."""

from __future__ import annotations

import dataclasses
import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
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
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import ValidationError
from socmap.domain.groups import ExternalRef, Ocg, validate_ocg
from socmap.domain.ids import AreaId
from socmap.domain.vocab import MARKETS, STATUS_TRANSITIONS, Marking, Status
from socmap.services import queries
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import ok_cancel

#: Which form field shows an error for each domain field name.
FIELD_ALIASES = {"lead_area": "lead_area", "archived_on": "status"}


class OcgDialog(QDialog):
    """The OCG form. ``result_ocg()`` gives the validated record after ``exec()`` accepts."""

    def __init__(
        self, ctx: UiContext, ocg: Ocg | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.original = ocg
        self._valid: Ocg | None = None
        #: the date the form shows for a group with no identification date (saved as none)
        self._undated: QDate | None = None
        self.setWindowTitle(f"Edit {ocg.display_id}" if ocg else "New OCG")
        self.setMinimumWidth(560)

        self.name = QLineEdit(objectName="name")
        self.aliases = QLineEdit(objectName="aliases", placeholderText="comma-separated")
        self.status = QComboBox(objectName="status")
        current = ocg.status if ocg else Status.TRIGGER
        allowed = [current, *sorted(STATUS_TRANSITIONS[current] - {Status.ARCHIVED})]
        if current is Status.ARCHIVED:
            allowed = [Status.ARCHIVED]
        for s in dict.fromkeys(allowed):
            self.status.addItem(s.value.capitalize(), s.value)
        self.primary = QComboBox(objectName="primary_market")
        self.primary.addItem("— not yet known —", None)
        for key, label in MARKETS.items():
            self.primary.addItem(label, key)
        self.secondary = QListWidget(objectName="secondary_markets")
        self.secondary.setMaximumHeight(110)
        for key, label in MARKETS.items():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.secondary.addItem(item)
        self.lead_area = QComboBox(objectName="lead_area")
        self.lead_area.addItem("— none —", None)
        for area in queries.area_list(ctx.store):
            self.lead_area.addItem(area.name, int(area.id))
        self.lro = QLineEdit(
            objectName="lro", placeholderText="e.g. DI Jo Bloggs, or a partner lead"
        )
        self.identified = QDateEdit(objectName="identified_on", calendarPopup=True)
        self.identified.setDisplayFormat("yyyy-MM-dd")
        self.identified.setMaximumDate(QDate.currentDate())
        self.marking = QComboBox(objectName="marking")
        for m in Marking:
            self.marking.addItem(m.value, m.value)
        self.refs = QPlainTextEdit(objectName="references", placeholderText="OCGM URN: 12345678")
        self.refs.setMaximumHeight(60)
        self.notes = QPlainTextEdit(objectName="notes")
        self.notes.setMaximumHeight(90)

        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for label, widget, key in (
            ("&Name", self.name, "name"),
            ("&Aliases", self.aliases, "aliases"),
            ("&Status", self.status, "status"),
            ("&Primary market", self.primary, "primary_market"),
            ("Secondary markets", self.secondary, "secondary_markets"),
            ("Lead &area", self.lead_area, "lead_area"),
            ("&LRO", self.lro, "lro"),
            ("&Identified on", self.identified, "identified_on"),
            ("&Marking", self.marking, "marking"),
            ("&References", self.refs, "references"),
            ("N&otes", self.notes, "notes"),
        ):
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(2)
            lay.addWidget(widget)
            err = QLabel(objectName=f"error_{key}")
            err.setStyleSheet("color: #b91c1c;")
            err.setWordWrap(True)
            err.hide()
            lay.addWidget(err)
            self.errors[key] = err
            form.addRow(label, box)
        self.buttons = ok_cancel(self)
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.buttons)

        self._load(ocg)
        for signal in (
            self.name.textChanged,
            self.aliases.textChanged,
            self.lro.textChanged,
            self.status.currentIndexChanged,
            self.primary.currentIndexChanged,
            self.lead_area.currentIndexChanged,
            self.marking.currentIndexChanged,
            self.identified.dateChanged,
            self.refs.textChanged,
            self.notes.textChanged,
            self.secondary.itemChanged,
        ):
            signal.connect(self._revalidate)
        self._revalidate()

    def _load(self, ocg: Ocg | None) -> None:
        if ocg is None:
            self.identified.setDate(QDate.currentDate())
            self.marking.setCurrentIndex(self.marking.findData(Marking.OFFICIAL_SENSITIVE.value))
            return
        self.name.setText(ocg.name)
        self.aliases.setText(", ".join(ocg.aliases))
        self.status.setCurrentIndex(self.status.findData(ocg.status.value))
        self.primary.setCurrentIndex(max(0, self.primary.findData(ocg.primary_market)))
        for i in range(self.secondary.count()):
            item = self.secondary.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            item.setCheckState(
                Qt.CheckState.Checked if key in ocg.secondary_markets else Qt.CheckState.Unchecked
            )
        idx = self.lead_area.findData(int(ocg.lead_area_id)) if ocg.lead_area_id else 0
        self.lead_area.setCurrentIndex(max(0, idx))
        self.lro.setText(ocg.lro)
        if ocg.identified_on:
            d = ocg.identified_on
            self.identified.setDate(QDate(d.year, d.month, d.day))
        else:  # no date recorded: the field shows today, but saves none unless it is changed
            self.identified.setDate(QDate.currentDate())
            self._undated = self.identified.date()
        self.marking.setCurrentIndex(self.marking.findData(str(ocg.marking)))
        self.refs.setPlainText("\n".join(f"{r.system}: {r.value}" for r in ocg.references))
        self.notes.setPlainText(ocg.notes)

    def _form_ocg(self) -> Ocg:
        refs = []
        for n, line in enumerate(self.refs.toPlainText().splitlines(), start=1):
            if not line.strip():
                continue
            system, sep, value = line.partition(":")
            if not sep:
                raise ValidationError("references", f"line {n}: write it as 'SYSTEM: value'")
            refs.append(ExternalRef(system.strip(), value.strip()))
        checked = [
            self.secondary.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.secondary.count())
            if self.secondary.item(i).checkState() == Qt.CheckState.Checked
        ]
        # the record's own order first: an untouched list is no change (nor a false clash of
        # saves with someone else's edit)
        kept = [
            m for m in (self.original.secondary_markets if self.original else ()) if m in checked
        ]
        secondary = tuple(kept + [m for m in checked if m not in kept])
        q = self.identified.date()
        undated = self._undated is not None and q == self._undated
        area = self.lead_area.currentData()
        base = self.original or Ocg(name="")
        return dataclasses.replace(
            base,
            name=self.name.text(),
            aliases=tuple(a for a in self.aliases.text().split(",") if a.strip()),
            status=Status(self.status.currentData()),
            primary_market=self.primary.currentData(),
            secondary_markets=secondary,
            lead_area_id=AreaId(area) if area is not None else None,
            lro=self.lro.text(),
            identified_on=None if undated else dt.date(q.year(), q.month(), q.day()),
            marking=Marking(self.marking.currentData()),
            references=tuple(refs),
            notes=self.notes.toPlainText(),
        )

    def _revalidate(self) -> None:
        for label in self.errors.values():
            label.hide()
        try:
            self._valid = validate_ocg(self._form_ocg())
        except ValidationError as exc:
            self._valid = None
            key = FIELD_ALIASES.get(exc.field, exc.field)
            label = self.errors.get(key) or self.errors["name"]
            label.setText(exc.reason if key == exc.field else f"{exc.field}: {exc.reason}")
            label.show()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self._valid is not None)

    def result_ocg(self) -> Ocg | None:
        """The validated OCG from the form, or None while it is invalid."""
        return self._valid
