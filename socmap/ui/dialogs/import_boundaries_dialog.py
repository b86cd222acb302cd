"""File -> Import boundaries: pick a file, its layer and name field, preview the areas, import.

Reading and previewing run as read tasks and the import as a write task (``ctx.tasks.run``), so
the UI thread never waits on GDAL or the database. The preview also works out the import plan
(issue 11): areas the file still holds keep their ids and all attached; each area the file no
longer holds is listed with what is attached to it, and must be renamed to one of the file's new
areas or retired before Import is enabled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import boundaries
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.layer_import import LayerImportDialog
from socmap.ui.dialogs.modal import run_modal

FILE_FILTER = "Boundary files (*.gpkg *.geojson *.json *.shp);;All files (*)"
NO_CODE = "(none)"
CHOOSE = "Choose…"
RETIRE = "Retire: keep it, with its history, out of current lists"


def guess_name_field(fields: list[str]) -> str | None:
    """The field most likely to hold area names (an LPA name first, then any name)."""
    lowered = [f.casefold() for f in fields]
    for wanted in ("lpa_name", "lpa", "name"):
        if wanted in lowered:
            return fields[lowered.index(wanted)]
    for i, f in enumerate(lowered):
        if "lpa" in f or f.endswith("nm") or "name" in f:
            return fields[i]
    return fields[0] if fields else None


class ImportBoundariesDialog(LayerImportDialog):
    """Choose a boundary file, preview the areas it gives, and replace the database's areas."""

    FILE_TITLE = "Boundary file"
    FILE_FILTER = FILE_FILTER
    PREFERRED_GEOMETRY = "olygon"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent, title="Import boundaries", size=(760, 720))
        self.plan: Any = None
        self.name_field = QComboBox(objectName="name_field")
        self.code_field = QComboBox(objectName="code_field")
        self.attribution = QLineEdit(
            objectName="attribution",
            placeholderText="e.g. Contains OS data © Crown copyright and database right",
        )
        self.preview = QTableWidget(0, 2, objectName="preview")
        self.preview.setHorizontalHeaderLabels(["Area", "km²"])
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.missing_label = QLabel(
            "Areas in the database that this file no longer holds: say what becomes of each "
            "(nothing is deleted).",
            wordWrap=True,
        )
        self.missing = QTableWidget(0, 3, objectName="missing")
        self.missing.setHorizontalHeaderLabels(["Area", "Attached", "What becomes of it"])
        self.missing.verticalHeader().setVisible(False)
        self.missing.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.missing.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.missing.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents
        )
        self.missing.setWordWrap(True)
        self.missing_label.setVisible(False)
        self.missing.setVisible(False)
        self._choices: list[QComboBox] = []

        form = QFormLayout()
        form.addRow("File", self.file_row())
        form.addRow("Layer", self.layer)
        form.addRow("Name field", self.name_field)
        form.addRow("Code field", self.code_field)
        form.addRow("Attribution", self.attribution)

        note = QLabel(
            "Areas the file still holds (same name, or same code with a code field) keep their "
            "profiles, actions, partner links and OCGs: only their outlines change. Every "
            "location, address and intelligence point is assigned again.",
            wordWrap=True,
        )
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        self.preview_label = QLabel("Areas this file will give:")
        lay.addWidget(self.preview_label)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.missing_label)
        lay.addWidget(self.missing)
        status_box = QScrollArea(widgetResizable=True, objectName="status_box")
        status_box.setFrameShape(QFrame.Shape.NoFrame)
        status_box.setWidget(self.status)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(status_box, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.report, 1)
        lay.addWidget(note)
        lay.addWidget(self.buttons)

        if not ctx.can(Permission.ADMIN):
            self.error.setText("Only an administrator can replace the force's areas.")

        self.name_field.currentIndexChanged.connect(self._request_preview)
        self.code_field.currentIndexChanged.connect(self._request_preview)

    # ------------------------------------------------------------------------- choosing

    def _on_layer_changed(self) -> None:
        fields = self.layer_fields()
        if fields is None:
            return
        for combo in (self.name_field, self.code_field):
            combo.blockSignals(True)
            combo.clear()
        self.name_field.addItems(fields)
        self.code_field.addItems([NO_CODE, *fields])
        guess = guess_name_field(fields)
        if guess is not None:
            self.name_field.setCurrentText(guess)
        codes = [f for f in fields if "code" in f.casefold()]
        if codes:
            self.code_field.setCurrentText(codes[0])
        for combo in (self.name_field, self.code_field):
            combo.blockSignals(False)
        self._request_preview()

    def _request_preview(self) -> None:
        name = self.name_field.currentText()
        if not name or not self.path.text().strip():
            return
        self._clear_preview("Checking the outlines…")
        target = Path(self.path.text().strip())
        layer = self.layer.currentData()
        code = self.code_field.currentText()
        code_field = None if code in ("", NO_CODE) else code

        def job(_store: Store, _progress: object) -> Any:
            return boundaries.preview_boundaries(
                target, name_field=name, layer=layer, code_field=code_field
            )

        self.read(job, self._on_preview_done)

    def _clear_preview(self, status: str) -> None:
        super()._clear_preview(status)
        self.plan = None
        self.preview.setRowCount(0)
        self.missing.setRowCount(0)
        self._choices = []
        self.missing.setVisible(False)
        self.missing_label.setVisible(False)

    def _on_preview_done(self, result: Any) -> None:
        self.preview_result = result
        self.preview.setRowCount(len(result.shapes))
        for row, shape in enumerate(result.shapes):
            self.preview.setItem(row, 0, QTableWidgetItem(shape.name))
            km2 = QTableWidgetItem(f"{shape.area_km2:,.2f}")
            km2.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.preview.setItem(row, 1, km2)
        lines = [
            f"{len(result.shapes)} area(s) from {result.features} feature(s), "
            f"{result.source_crs} → British National Grid."
        ]
        if result.repairs:
            lines.append(f"{len(result.repairs)} invalid feature(s) will be repaired:")
            lines += [r.describe() for r in result.repairs]
        self.status.setText("\n".join(lines))
        if not self.ctx.can(Permission.ADMIN):
            self.error.setText("Only an administrator can replace the force's areas.")
        self._request_plan(result)

    def _request_plan(self, layer: Any) -> None:
        code = self.code_field.currentText()
        match_codes = code not in ("", NO_CODE)

        def job(store: Store, _progress: object) -> Any:
            return boundaries.plan_import(
                store, layer.shapes, match_codes=match_codes, name_variants=layer.name_variants
            )

        self.read(job, self._on_plan_done)  # dropped if a newer preview is asked for meanwhile

    def _on_plan_done(self, plan: Any) -> None:
        self.plan = plan
        new_names = [m.name for m in plan.matches if m.area_id is None]
        self.missing.setRowCount(len(plan.missing))
        self._choices = []
        for row, area in enumerate(plan.missing):
            self.missing.setItem(row, 0, QTableWidgetItem(area.name))
            attached = QTableWidgetItem(area.describe()[len(area.name) + 2 : -1])
            attached.setToolTip(attached.text())
            self.missing.setItem(row, 1, attached)
            choice = QComboBox(objectName=f"choice_{row}")
            choice.addItem(CHOOSE, None)
            choice.addItem(RETIRE, ("retire", area.name))
            for name in new_names:
                choice.addItem(f"Rename to '{name}' (carry everything over)", ("rename", name))
            choice.currentIndexChanged.connect(self._update_import_enabled)
            self.missing.setCellWidget(row, 2, choice)
            self._choices.append(choice)
        self.missing.resizeRowsToContents()
        rows_height = sum(self.missing.rowHeight(r) for r in range(len(plan.missing)))
        self.missing.setFixedHeight(
            min(260, rows_height + self.missing.horizontalHeader().height() + 6)
        )
        self.missing.setVisible(bool(plan.missing))
        self.missing_label.setVisible(bool(plan.missing))
        self.status.setText(self.status.text() + "\n" + "\n".join(plan.lines()))
        self._update_import_enabled()

    def choices(self) -> tuple[list[str], list[str]]:
        """(renames as OLD=NEW, names to retire) chosen for the missing areas."""
        renames: list[str] = []
        retire: list[str] = []
        if self.plan is None:
            return renames, retire
        for area, combo in zip(self.plan.missing, self._choices, strict=True):
            data = combo.currentData()
            if data and data[0] == "retire":
                retire.append(area.name)
            elif data and data[0] == "rename":
                renames.append(f"{area.name}={data[1]}")
        return renames, retire

    def _update_import_enabled(self) -> None:
        ok = self.preview_result is not None and self.plan is not None
        ok = ok and self.ctx.can(Permission.ADMIN)
        undecided = [c for c in self._choices if c.currentData() is None]
        renamed = [
            c.currentData()[1]
            for c in self._choices
            if c.currentData() and c.currentData()[0] == "rename"
        ]
        clash = len(set(renamed)) != len(renamed)
        if not self.ctx.can(Permission.ADMIN):
            self.error.setText("Only an administrator can replace the force's areas.")
        elif undecided:
            self.error.setText(
                f"{len(undecided)} area(s) are not in this file: choose what becomes of each "
                "before importing."
            )
        elif clash:
            self.error.setText("Two areas are renamed to the same new area: choose again.")
        else:
            self.error.setText("")
        self.import_button.setEnabled(ok and not undecided and not clash)

    # ------------------------------------------------------------------------- importing

    def _on_import_clicked(self) -> None:
        if self.preview_result is None:
            return
        target = Path(self.path.text().strip())
        name = self.name_field.currentText()
        layer = self.layer.currentData()
        code = self.code_field.currentText()
        code_field = None if code in ("", NO_CODE) else code
        attribution = self.attribution.text().strip()
        renames, retire = self.choices()
        self.import_button.setEnabled(False)
        self.status.setText("Importing…")

        def job(store: Store, progress: Any) -> Any:
            return boundaries.import_boundaries(
                store,
                target,
                name_field=name,
                layer=layer,
                code_field=code_field,
                attribution=attribution,
                progress=progress,
                renames=renames,
                retire=retire,
            )

        self.ctx.tasks.run(
            job,
            write=True,
            on_done=self._on_import_done,
            on_error=self._on_import_failed,
            title="Importing boundaries and re-assigning every location…",
            parent=self,
        )

    def _on_import_done(self, outcome: Any) -> None:
        result, changes = outcome
        self.result_report = result
        self.finish_import(
            changes,
            status="Imported. Areas the file holds kept everything attached to them.",
            message=f"Imported {plural(len(result.areas), 'area')}",
            hide=(self.preview, self.preview_label, self.missing, self.missing_label),
            disable=(self.name_field, self.code_field),
        )

    def _on_import_failed(self, exc: BaseException) -> None:
        self.import_failed(
            exc,
            ready=self.preview_result is not None
            and self.plan is not None
            and self.ctx.can(Permission.ADMIN),
        )


def open_import_boundaries_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import boundaries (modal)."""
    run_modal(ImportBoundariesDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_boundaries_dialog(ctx, None)
