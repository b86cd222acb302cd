"""The At risk tab: people at risk of being drawn into organised crime (never members), per area,
their indicators and interventions with partners, and the proposals a person decides on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.changes import Changes
from socmap.domain.network import (
    INDICATORS,
    INTERVENTION_KINDS,
    INTERVENTION_OUTCOMES,
    Intervention,
)
from socmap.domain.roles import Permission
from socmap.services import atrisk, offload, queries
from socmap.services.network_commands import AddIntervention, DecideProposal
from socmap.ui.context import UiContext
from socmap.ui.models.network_models import AtRiskModel, ProposalsModel
from socmap.ui.models.rows_model import RowsFilterProxy
from socmap.ui.widgets.tables import fit_columns, row_table

WATCHED = ("at_risk", "intervention", "association", "membership", "nominal", "*")


def _sorted(model: Any, parent: QWidget) -> RowsFilterProxy:
    proxy = RowsFilterProxy(parent)
    proxy.setSourceModel(model)
    return proxy


class AtRiskView(QWidget):
    """The At risk tab."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: atrisk.Overview | None = None
        self._build()
        ctx.bus.changes_applied.connect(self._on_bus_changes_applied)
        self._fill_areas()
        self.refresh()

    def _build(self) -> None:
        self.area_combo = QComboBox(objectName="atrisk_area")
        self.steps = QSpinBox(objectName="proposal_steps", minimum=1, maximum=4, value=2)
        self.steps.setPrefix("propose within ")
        self.steps.setSuffix(" links of a principal/significant member")
        self.summary = QLabel(objectName="atrisk_summary", wordWrap=True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Area:"))
        top.addWidget(self.area_combo)
        top.addWidget(self.steps)
        top.addStretch(1)
        self.record_button = QPushButton("Record a person at risk…", objectName="record_at_risk")
        self.record_button.setEnabled(self.ctx.can(Permission.EDIT))
        self.record_button.clicked.connect(self.record_person)
        top.addWidget(self.record_button)

        self.model = AtRiskModel(self)
        self.proxy = _sorted(self.model, self)
        self.table = row_table(
            self.proxy, name="atrisk_table", alternate=False, resize=None, stretch_last=False
        )
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # keep highest risk first
        self.details = QTextBrowser(objectName="atrisk_details")

        self.kind_combo = QComboBox(objectName="intervention_kind")
        for key, label in INTERVENTION_KINDS.items():
            self.kind_combo.addItem(label, key)
        self.partner_edit = QLineEdit(
            objectName="intervention_partner", placeholderText="Lead partner"
        )
        self.start_edit = QDateEdit(
            objectName="intervention_start", calendarPopup=True, displayFormat="yyyy-MM-dd"
        )
        self.start_edit.setDate(QDate.currentDate())
        self.add_button = QPushButton("Add intervention", objectName="add_intervention")
        self.add_button.setEnabled(False)
        form_box = QGroupBox("Prevention with partners")
        form = QFormLayout(form_box)
        form.addRow("Type", self.kind_combo)
        form.addRow("Lead partner", self.partner_edit)
        form.addRow("Start", self.start_edit)
        form.addRow(self.add_button)
        form_box.setVisible(self.ctx.can(Permission.EDIT))

        people = QWidget()
        pl = QVBoxLayout(people)
        pl.addWidget(
            QLabel("<b>People at risk</b> (potential victims — never recorded as members)")
        )
        pl.addWidget(self.table, 3)
        row = QHBoxLayout()
        row.addWidget(self.details, 2)
        row.addWidget(form_box, 1)
        pl.addLayout(row, 2)

        self.prop_model = ProposalsModel(self)
        self.prop_table = row_table(
            _sorted(self.prop_model, self),
            name="proposal_table",
            alternate=False,
            resize=None,
            stretch_last=False,
        )
        self.prop_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.reason = QLabel(objectName="proposal_reason", wordWrap=True)
        self.note_edit = QLineEdit(
            objectName="proposal_note", placeholderText="Your reason (needed to decline)"
        )
        self.risk_combo = QComboBox(objectName="proposal_risk")
        for level in ("medium", "high", "low"):
            self.risk_combo.addItem(level.capitalize(), level)
        self.accept_button = QPushButton("Accept: record as at risk", objectName="accept_proposal")
        self.decline_button = QPushButton("Decline", objectName="decline_proposal")
        for b in (self.accept_button, self.decline_button):
            b.setEnabled(False)
            b.setVisible(self.ctx.can(Permission.EDIT))
        proposals = QWidget()
        ql = QVBoxLayout(proposals)
        ql.addWidget(QLabel("<b>Proposed for review</b> — socmap suggests, a person decides"))
        ql.addWidget(self.prop_table, 2)
        ql.addWidget(self.reason)
        decide = QHBoxLayout()
        decide.addWidget(self.note_edit, 2)
        decide.addWidget(self.risk_combo)
        decide.addWidget(self.accept_button)
        decide.addWidget(self.decline_button)
        ql.addLayout(decide)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(people)
        split.addWidget(proposals)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

        self.area_combo.currentIndexChanged.connect(self.refresh)
        self.steps.valueChanged.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.prop_table.selectionModel().selectionChanged.connect(self._on_proposal_selection)
        self.add_button.clicked.connect(self._on_add_intervention)
        self.accept_button.clicked.connect(lambda: self._decide(True))
        self.decline_button.clicked.connect(lambda: self._decide(False))

    def _fill_areas(self) -> None:
        self.area_combo.blockSignals(True)
        self.area_combo.clear()
        self.area_combo.addItem("All areas", None)
        for a in queries.area_list(self.ctx.store):
            self.area_combo.addItem(a.name, a.id)
        self.area_combo.blockSignals(False)

    def refresh(self, *_args: object) -> None:
        """Reload on a worker thread."""
        area_id = self.area_combo.currentData()
        area = self.area_combo.currentText() if area_id is not None else None
        steps = self.steps.value()
        self.ctx.tasks.run(
            # in a worker process: the proposals' search holds the GIL for most of a second
            # nationally, and every call the window makes into Python waits for it
            lambda store, progress: offload.run_in_process(
                store,
                "socmap.services.atrisk:overview",
                area_id,
                area,
                steps,
                write=False,
                progress=progress,
            ),
            write=False,
            on_done=self._on_loaded,
            on_error=lambda exc: self.ctx.report_error(self, exc),
        )

    def _on_loaded(self, data: atrisk.Overview) -> None:
        self.data = data
        self.model.set_rows(data.rows)
        self.prop_model.set_rows(data.proposals)
        fit_columns(self.table)
        fit_columns(self.prop_table)
        self.summary.setText(data.summary)
        self.details.clear()
        self.reason.clear()
        self.add_button.setEnabled(False)
        self.accept_button.setEnabled(False)
        self.decline_button.setEnabled(False)

    def _on_bus_changes_applied(self, changes: Changes, _initiator: object) -> None:
        if changes.touches(*WATCHED):
            self.refresh()

    def current_row(self) -> atrisk.AtRiskRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def current_proposal(self) -> atrisk.Proposal | None:
        rows = self.prop_table.selectionModel().selectedRows()
        if not rows:
            return None
        proxy = self.prop_table.model()
        assert isinstance(proxy, QSortFilterProxyModel)
        return self.prop_model.row_at(proxy.mapToSource(rows[0]).row())

    def _on_table_selection(self, *_args: object) -> None:
        r = self.current_row()
        self.add_button.setEnabled(r is not None)
        if r is None:
            return
        lines = [
            f"<h3>{r.name}</h3><p><b>{r.risk_level.capitalize()} risk</b> — {r.area or 'no area'}; "
            f"review {r.review_date}{' (overdue)' if r.review_overdue else ''}; owner {r.owner or '—'}</p>",
            f"<p>{r.reason}</p>",
            "<p><b>Indicators</b><br>"
            + "<br>".join(f"{d.isoformat()}: {INDICATORS.get(k, k)}" for k, d in r.indicators)
            + "</p>",
        ]
        if r.exploited_by:
            lines.append(
                "<p><b>Exploited by</b><br>"
                + "<br>".join(
                    f"{n} ({', '.join(f'OCG-{o:04d}' for o in os) or 'no current group'})"
                    for _p, n, os in r.exploited_by
                )
                + "</p>"
            )
        lines.append(
            "<p><b>Interventions</b><br>"
            + (
                "<br>".join(
                    f"{iv.start} {INTERVENTION_KINDS.get(iv.kind, iv.kind)} — {iv.lead_partner}"
                    f"{' to ' + iv.end.isoformat() if iv.end else ' (open)'}"
                    f"; outcome: {INTERVENTION_OUTCOMES.get(iv.outcome, iv.outcome).lower()}"
                    for iv in r.interventions
                )
                or "none yet"
            )
            + "</p>"
        )
        self.details.setHtml("".join(lines))

    def _on_proposal_selection(self, *_args: object) -> None:
        p = self.current_proposal()
        self.accept_button.setEnabled(p is not None)
        self.decline_button.setEnabled(p is not None)
        self.reason.setText(p.reason if p else "")

    def _on_add_intervention(self) -> None:
        r = self.current_row()
        if r is None:
            return
        qd = self.start_edit.date()
        iv = Intervention(
            nominal_id=r.person_id,
            kind=self.kind_combo.currentData(),
            lead_partner=self.partner_edit.text(),
            start=dt.date(qd.year(), qd.month(), qd.day()),
            review_date=dt.date(qd.year(), qd.month(), qd.day()) + dt.timedelta(days=90),
        )
        if self.ctx.execute(AddIntervention(iv), initiator=self, parent=self):
            self.partner_edit.clear()

    def record_person(self) -> None:
        """Open the "Record a person at risk" dialog (saving emits changes_applied)."""
        if not self.ctx.can(Permission.EDIT):
            return
        from socmap.ui.dialogs.atrisk_dialog import AtRiskDialog
        from socmap.ui.dialogs.modal import run_modal

        run_modal(AtRiskDialog(self.ctx, self))

    def _decide(self, accept: bool) -> None:
        p = self.current_proposal()
        if p is None:
            return
        cmd = DecideProposal(
            p, accept=accept, note=self.note_edit.text(), risk_level=self.risk_combo.currentData()
        )
        if self.ctx.execute(cmd, initiator=self, parent=self):
            self.note_edit.clear()
