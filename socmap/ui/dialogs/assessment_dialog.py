"""Score a group: one control and a rationale per factor, live total and band, save or submit.

Every factor starts "not known" (or at the last approved rating); "not known" is shown on the
live total with the scheme's treatment, and an assessment with a required factor not known can
be saved as a draft but not submitted.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import SocmapError
from socmap.domain.scoring import (
    NOT_KNOWN,
    SCHEMES,
    UNRATED_TREATMENT,
    Factor,
    Rating,
    ScoringPolicy,
    missing_required,
    score,
)
from socmap.domain.text import plural
from socmap.render.chart import band_colour
from socmap.services import reassessment, scoring
from socmap.ui.context import UiContext


class AssessmentDialog(QDialog):
    """A new assessment of one OCG under the current configuration."""

    def __init__(self, ctx: UiContext, ocg_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ocg_id = ocg_id
        self.saved_id: int | None = None
        self.setObjectName("assessment_dialog")
        name = ctx_name(ctx, ocg_id)
        self.setWindowTitle(f"Assess OCG-{ocg_id:04d} {name}")
        self.resize(760, 720)
        self.scheme = QComboBox(objectName="scheme")
        for key, label in SCHEMES.items():
            self.scheme.addItem(label, key)
        self.total = QLabel(objectName="total", textFormat=Qt.TextFormat.RichText)
        self.total.setStyleSheet("font-size:15px;padding:6px;")
        self.form_area = QScrollArea(widgetResizable=True)
        self.controls: dict[str, QComboBox] = {}
        self.reasons: dict[str, QLineEdit] = {}
        self.policy: ScoringPolicy | None = None
        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("Save draft", objectName="save_draft")
        self.submit_button = QPushButton("Submit for approval", objectName="submit")
        self.rest_button = QPushButton("Rate the rest None / no", objectName="rate_rest")
        self.rest_button.setToolTip(
            "Set every factor still 'not known' to its lowest rating (None, or no for a flag):"
            " only when you have checked there is no involvement"
        )
        self.rest_button.clicked.connect(self.rate_rest_lowest)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(lambda: self._save(submit=False))
        self.submit_button.clicked.connect(lambda: self._save(submit=True))
        top = QFormLayout()
        top.addRow("Scheme", self.scheme)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.form_area, 1)
        layout.addWidget(self.total)
        self.unrated = QLabel(objectName="unrated", wordWrap=True)
        self.unrated.setStyleSheet("color:#92400e;")
        layout.addWidget(self.unrated)
        row = QHBoxLayout()
        row.addWidget(self.rest_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        default = reassessment.load_schedule(ctx.store).default_scheme
        prior = _latest_approved(ctx, ocg_id)
        start = prior.scheme if prior else default
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(start)))
        self.scheme.currentIndexChanged.connect(self._build)
        self._build()

    # ---------------------------------------------------------------------------- form

    def _build(self, *_args: Any) -> None:
        key = str(self.scheme.currentData())
        self.policy, _ = scoring.load_policy(self.ctx.store, key)
        prior = _latest_approved(self.ctx, self.ocg_id)
        start = prior.breakdown.ratings() if prior and prior.scheme == key else {}
        self.controls.clear()
        self.reasons.clear()
        body = QWidget()
        outer = QVBoxLayout(body)
        for section, title in self.policy.sections:
            box = QGroupBox(title)
            grid = QGridLayout(box)
            grid.setColumnStretch(2, 1)
            grid.setColumnMinimumWidth(0, 320)
            grid.setColumnMinimumWidth(1, 130)
            row = 0
            for f in self.policy.factors:
                if f.section != section:
                    continue
                control = self._control(f)
                rating = start.get(f.key)
                if rating is not None:
                    self._set(control, f, rating.value)
                reason = QLineEdit(objectName=f"reason:{f.key}", placeholderText="rationale")
                if rating is not None and rating.rationale:
                    reason.setText(rating.rationale)
                label = QLabel(f.label)
                if f.kind == "level":
                    label.setToolTip(f"weight {f.weight:g} per level")
                elif f.kind == "flag":
                    label.setToolTip(f"adds {f.weight:g} to the threat score")
                if f.required:
                    label.setText(f"{f.label} *")
                    label.setToolTip(
                        (label.toolTip() + "; " if label.toolTip() else "")
                        + "required before submitting"
                    )
                grid.addWidget(label, row, 0)
                grid.addWidget(control, row, 1)
                grid.addWidget(reason, row, 2)
                self.controls[f.key] = control
                self.reasons[f.key] = reason
                row += 1
            outer.addWidget(box)
        outer.addStretch(1)
        self.form_area.setWidget(body)
        note = "Ratings start from the last approved assessment." if start else ""
        self.setToolTip(note)
        self._update()

    def _control(self, f: Factor) -> QComboBox:
        combo = QComboBox(objectName=f.key)
        combo.addItem(NOT_KNOWN, None)  # index 0: unrated, never taken as the lowest rating
        if f.kind == "flag":
            combo.addItem("no", False)
            combo.addItem("yes", True)
        elif f.kind == "choice":
            for c, mult in f.choices:
                shown = c if f.section == "confidence" else f"{c} (x{mult:g})"
                combo.addItem(shown, c)
        else:
            for level in range(f.min_level, f.max_level + 1):
                combo.addItem(f"{level} {f.describe(level)}".strip(), level)
        combo.currentIndexChanged.connect(self._update)
        return combo

    @staticmethod
    def _set(control: QComboBox, f: Factor, value: object) -> None:
        if value is None:
            control.setCurrentIndex(0)
            return
        for i in range(1, control.count()):
            data = control.itemData(i)
            if data == value and isinstance(data, bool) == isinstance(value, bool):
                control.setCurrentIndex(i)
                return

    def rate_rest_lowest(self) -> None:
        """Set every factor still not known to its lowest rating (None / no)."""
        for control in self.controls.values():
            if control.currentIndex() == 0 and control.count() > 1:
                control.setCurrentIndex(1)

    def set_rating(self, key: str, value: object) -> None:
        """Set one factor's control (tests, scripted use)."""
        assert self.policy is not None
        self._set(self.controls[key], self.policy.factor(key), value)

    def ratings(self) -> dict[str, Rating]:
        """The ratings as entered."""
        out: dict[str, Rating] = {}
        for key, control in self.controls.items():
            value = None if control.currentIndex() <= 0 else control.currentData()
            out[key] = Rating(value, self.reasons[key].text())
        return out

    def _update(self, *_args: Any) -> None:
        if self.policy is None:
            return
        try:
            b = score(self.policy, self.ratings())
        except SocmapError as exc:
            self.total.setText(f"<span style='color:#b91c1c'>{exc}</span>")
            return
        parts = ", ".join(f"{k} {v:g}" for k, v in b.scores.items() if k != "total")
        colour = band_colour(b.band).name()
        conf = f" · confidence <b>{b.confidence}</b> (not multiplied in)" if b.confidence else ""
        self.total.setText(
            f"Total <b>{b.total:g}</b> → band "
            f"<span style='color:{colour};font-weight:bold;font-size:20px'>{b.band}</span>"
            f" &nbsp;({parts}){conf} · configuration v{self.policy.version}"
        )
        self.live_band = b.band
        self.live_total = b.total
        missing = missing_required(self.policy, b)
        unknown = b.not_known
        if unknown:
            self.unrated.setText(
                f"Not known: {plural(len(unknown), 'factor')}"
                + (f", {len(missing)} of them required" if missing else "")
                + f": {UNRATED_TREATMENT[self.policy.scheme]}."
            )
        else:
            self.unrated.setText("")
        self.submit_button.setEnabled(not missing)
        self.submit_button.setToolTip(
            "Rate every required factor (*) first: " + ", ".join(ln.label for ln in missing)
            if missing
            else ""
        )

    def _save(self, *, submit: bool) -> None:
        try:
            a, changes = scoring.create_assessment(
                self.ctx.store,
                ocg_id=self.ocg_id,
                scheme=str(self.scheme.currentData()),
                ratings=self.ratings(),
                submit=submit,
            )
        except SocmapError as exc:
            QMessageBox.warning(self, "socmap", str(exc))
            return
        self.saved_id = a.id
        self.ctx.bus.changes_applied.emit(changes, self)
        unknown = len(a.breakdown.not_known)
        self.ctx.bus.status_message.emit(
            f"Assessment {a.id} of OCG-{a.ocg_id:04d} saved ({a.status}, band {a.band}"
            + (f", {plural(unknown, 'factor')} not known" if unknown else "")
            + "); a full review: once approved it restarts the re-assessment clock"
        )
        self.accept()


def ctx_name(ctx: UiContext, ocg_id: int) -> str:
    """The group's name (empty when unknown)."""
    from socmap.services import queries

    try:
        return queries.get_ocg(ctx.store, ocg_id).name
    except SocmapError:
        return ""


def _latest_approved(ctx: UiContext, ocg_id: int) -> Any:
    approved = [a for a in scoring.history(ctx.store, ocg_id) if a.status == "approved"]
    return approved[-1] if approved else None
