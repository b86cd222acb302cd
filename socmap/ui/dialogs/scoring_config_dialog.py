"""Admin editor for scoring weights, band thresholds and re-assessment intervals.

Saving stores each changed configuration as a new version; past assessments keep theirs.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.schedule import TRIGGER_KINDS, parse_schedule
from socmap.domain.scoring import SCHEMES, parse_policy
from socmap.services import scoring
from socmap.ui.context import UiContext


def _norm(value: Any) -> Any:
    """Numbers as floats, so 1 and 1.0 compare equal when looking for edits."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _same(a: Any, b: Any) -> bool:
    return json.dumps(_norm(a), sort_keys=True) == json.dumps(_norm(b), sort_keys=True)


BANDS = ("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C")


def _spin(value: float, *, decimals: int = 2, maximum: float = 1000.0) -> QDoubleSpinBox:
    s = QDoubleSpinBox(decimals=decimals, maximum=maximum, minimum=0.0)
    s.setValue(float(value))
    return s


def _days(value: int, *, minimum: int = 0) -> QSpinBox:
    s = QSpinBox(minimum=minimum, maximum=3650)
    s.setValue(int(value))
    return s


class SchemeEditor(QWidget):
    """Weights of every factor and the two threshold axes of one scheme."""

    def __init__(self, version: int, body: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = copy.deepcopy(body)
        self.weights: dict[str, QDoubleSpinBox] = {}
        self.froms: dict[tuple[str, int], QDoubleSpinBox] = {}
        table = QTableWidget(0, 3, objectName="weights")
        table.setHorizontalHeaderLabels(["Section", "Factor", "Weight / uplift"])
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for sec in self.body["sections"]:
            for key, f in sec["factors"].items():
                if sec.get("kind", "level") == "choice" or f.get("kind") == "choice":
                    continue
                r = table.rowCount()
                table.insertRow(r)
                table.setItem(r, 0, QTableWidgetItem(sec.get("title", sec["key"])))
                table.setItem(r, 1, QTableWidgetItem(f.get("label", key)))
                spin = _spin(f.get("weight", 1.0))
                spin.setObjectName(f"{sec['key']}.{key}")
                table.setCellWidget(r, 2, spin)
                self.weights[f"{sec['key']}.{key}"] = spin
        axes = QHBoxLayout()
        for axis in ("tier", "letter"):
            spec = self.body["axes"][axis]
            box = QGroupBox(
                f"{'Tier (number)' if axis == 'tier' else 'Letter'} from score '{spec['score']}'"
            )
            form = QFormLayout(box)
            for i, t in enumerate(spec["thresholds"]):
                spin = _spin(t["from"], maximum=100000.0)
                spin.setObjectName(f"{axis}:{t['label']}")
                spin.setEnabled(i > 0)
                form.addRow(f"{t['label']} from", spin)
                self.froms[(axis, i)] = spin
            axes.addWidget(box)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Current version {version}. Ranges run from each value to the next."))
        lay.addWidget(table, 1)
        lay.addLayout(axes)

    def document(self) -> dict[str, Any]:
        """The edited document."""
        doc = copy.deepcopy(self.body)
        for sec in doc["sections"]:
            for key, f in sec["factors"].items():
                spin = self.weights.get(f"{sec['key']}.{key}")
                if spin is not None:
                    f["weight"] = round(spin.value(), 4)
        for axis in ("tier", "letter"):
            ts = doc["axes"][axis]["thresholds"]
            for i, t in enumerate(ts):
                t["from"] = round(self.froms[(axis, i)].value(), 4)
            for i, t in enumerate(ts):
                t["to"] = ts[i + 1]["from"] if i + 1 < len(ts) else None
        return doc


class ScheduleEditor(QWidget):
    """Default and per-band intervals, windows and trigger delays."""

    def __init__(self, version: int, body: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = copy.deepcopy(body)
        self.default = _days(body.get("default_interval_days", 90), minimum=1)
        self.default.setObjectName("default_interval_days")
        self.soon = _days(body.get("due_soon_days", 14))
        self.first = _days(body.get("first_assessment_days", 28), minimum=1)
        form = QFormLayout()
        form.addRow("Re-assess every (days)", self.default)
        form.addRow("'Due soon' window (days)", self.soon)
        form.addRow("First assessment after mapping (days)", self.first)
        bands = QGroupBox("Per-band interval (0 = the default)")
        bform = QFormLayout(bands)
        self.bands: dict[str, QSpinBox] = {}
        for b in BANDS:
            s = _days(body.get("band_interval_days", {}).get(b, 0))
            s.setObjectName(f"band:{b}")
            self.bands[b] = s
            bform.addRow(b, s)
        trig = QGroupBox("Triggers bring the date forward to (days after the event)")
        tform = QFormLayout(trig)
        self.triggers: dict[str, QSpinBox] = {}
        for k, label in TRIGGER_KINDS.items():
            s = _days(body.get("trigger_days", {}).get(k, 14))
            self.triggers[k] = s
            tform.addRow(label, s)
        row = QHBoxLayout()
        row.addWidget(bands)
        row.addWidget(trig)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Current version {version}."))
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addStretch(1)

    def document(self) -> dict[str, Any]:
        """The edited document."""
        doc = copy.deepcopy(self.body)
        doc["default_interval_days"] = self.default.value()
        doc["due_soon_days"] = self.soon.value()
        doc["first_assessment_days"] = self.first.value()
        doc["band_interval_days"] = {b: s.value() for b, s in self.bands.items() if s.value()}
        doc["trigger_days"] = {k: s.value() for k, s in self.triggers.items()}
        return doc


class ScoringConfigDialog(QDialog):
    """Edit the configuration; Save makes a new version of each changed part."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("scoring_config_dialog")
        self.setWindowTitle("Scoring and schedule configuration")
        self.resize(820, 720)
        self.tabs = QTabWidget()
        self.editors: dict[str, SchemeEditor | ScheduleEditor] = {}
        self.originals: dict[str, dict[str, Any]] = {}
        for kind in (*SCHEMES, "schedule"):
            version, body = scoring.config_document(ctx.store, kind)
            self.originals[kind] = body
            editor: SchemeEditor | ScheduleEditor = (
                ScheduleEditor(version, body) if kind == "schedule" else SchemeEditor(version, body)
            )
            self.editors[kind] = editor
            self.tabs.addTab(editor, SCHEMES.get(kind, "Re-assessment schedule"))
        self.note = QLineEdit(
            objectName="note", placeholderText="why this change (kept with the version)"
        )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        admin = ctx.can(Permission.ADMIN)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(admin)
        lay = QVBoxLayout(self)
        if not admin:
            lay.addWidget(QLabel("Only an administrator can change the configuration."))
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.buttons)
        self.saved: dict[str, int] = {}

    def changed(self) -> dict[str, dict[str, Any]]:
        """Edited documents that differ from the stored ones."""
        out = {}
        for kind, editor in self.editors.items():
            doc = editor.document()
            if not _same(doc, self.originals[kind]):
                out[kind] = doc
        return out

    def save(self) -> None:
        docs = self.changed()
        if not docs:
            self.reject()
            return
        try:
            for kind, doc in docs.items():  # check every part first: all or nothing is saved
                if kind == "schedule":
                    parse_schedule(doc)
                else:
                    parse_policy(doc)
            for kind, doc in docs.items():
                version, changes = scoring.save_config(
                    self.ctx.store, kind=kind, body=doc, note=self.note.text()
                )
                self.saved[kind] = version
                self.ctx.bus.changes_applied.emit(changes, self)
        except SocmapError as exc:
            QMessageBox.warning(self, "socmap", f"Not saved: {exc}")
            return
        self.ctx.bus.status_message.emit(
            "Saved "
            + ", ".join(f"{k} v{v}" for k, v in self.saved.items())
            + "; use 'Re-score all' to re-score under it"
        )
        self.accept()
