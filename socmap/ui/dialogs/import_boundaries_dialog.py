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
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import boundaries
from socmap.services.session import Store
from socmap.ui.context import UiContext
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


class ImportBoundariesDialog(QDialog):
    """Choose a boundary file, preview the areas it gives, and replace the database's areas."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        boundaries.load_geo_libraries()  # on this thread, before any task reads a layer
        self.setWindowTitle("Import boundaries")
        self.resize(760, 720)
        self._generation = 0
        self._loaded_path = ""
        self._layers: list[Any] = []
        self.preview_result: Any = None
        self.plan: Any = None
        self.result_report: Any = None

        self.path = QLineEdit(objectName="path", placeholderText="GeoPackage, GeoJSON or Shapefile")
        self.browse = QPushButton("Browse…", objectName="browse")
        self.layer = QComboBox(objectName="layer")
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
        self.status = QLabel(objectName="status", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.report = QPlainTextEdit(objectName="report", readOnly=True)
        self.report.setVisible(False)

        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Layer", self.layer)
        form.addRow("Name field", self.name_field)
        form.addRow("Code field", self.code_field)
        form.addRow("Attribution", self.attribution)

        self.buttons = QDialogButtonBox(objectName="buttons")
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setObjectName("import")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self._on_import_clicked)
        self.buttons.rejected.connect(self.reject)

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

        self.browse.clicked.connect(self._on_browse_clicked)
        self.path.editingFinished.connect(self._on_path_edited)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.name_field.currentIndexChanged.connect(self._request_preview)
        self.code_field.currentIndexChanged.connect(self._request_preview)

    # ------------------------------------------------------------------------- choosing

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Boundary file", "", FILE_FILTER)
        if chosen:
            self.set_path(chosen)

    def _on_path_edited(self) -> None:
        text = self.path.text().strip()
        if text and text != self._loaded_path:  # editingFinished also fires on losing focus
            self.set_path(text)

    def set_path(self, path: str | Path) -> None:
        """Choose a file: list its layers (on a worker) and preview the first."""
        self.path.setText(str(path))
        self._loaded_path = str(path)
        self._clear_preview("Reading the file…")
        self._layers = []
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.blockSignals(False)
        self._generation += 1
        generation = self._generation
        target = Path(path)

        def job(_store: Store, _progress: object) -> list[Any]:
            return boundaries.layers_of(target)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda layers: self._on_layers_read(generation, layers),
            on_error=lambda exc: self._on_read_failed(generation, exc),
        )

    def _on_layers_read(self, generation: int, layers: list[Any]) -> None:
        if generation != self._generation:
            return
        self._layers = layers
        self.layer.blockSignals(True)
        for info in layers:
            self.layer.addItem(f"{info.name} ({info.geometry_type}, {info.features})", info.name)
        polygonal = [i for i, info in enumerate(layers) if "olygon" in info.geometry_type]
        self.layer.setCurrentIndex(polygonal[0] if polygonal else 0)
        self.layer.blockSignals(False)
        self._on_layer_changed()

    def _on_layer_changed(self) -> None:
        i = self.layer.currentIndex()
        if i < 0 or i >= len(self._layers):
            return
        fields = list(self._layers[i].fields)
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
        self._generation += 1
        generation = self._generation
        target = Path(self.path.text().strip())
        layer = self.layer.currentData()
        code = self.code_field.currentText()
        code_field = None if code in ("", NO_CODE) else code

        def job(_store: Store, _progress: object) -> Any:
            return boundaries.preview_boundaries(
                target, name_field=name, layer=layer, code_field=code_field
            )

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda result: self._on_preview_done(generation, result),
            on_error=lambda exc: self._on_read_failed(generation, exc),
        )

    def _clear_preview(self, status: str) -> None:
        self.preview_result = None
        self.plan = None
        self.preview.setRowCount(0)
        self.missing.setRowCount(0)
        self._choices = []
        self.missing.setVisible(False)
        self.missing_label.setVisible(False)
        self.import_button.setEnabled(False)
        self.error.setText("")
        self.status.setText(status)

    def _on_preview_done(self, generation: int, result: Any) -> None:
        if generation != self._generation:
            return
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
        self._request_plan(generation, result)

    def _request_plan(self, generation: int, layer: Any) -> None:
        code = self.code_field.currentText()
        match_codes = code not in ("", NO_CODE)

        def job(store: Store, _progress: object) -> Any:
            return boundaries.plan_import(
                store, layer.shapes, match_codes=match_codes, name_variants=layer.name_variants
            )

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda plan: self._on_plan_done(generation, plan),
            on_error=lambda exc: self._on_read_failed(generation, exc),
        )

    def _on_plan_done(self, generation: int, plan: Any) -> None:
        if generation != self._generation or not isValid(self.missing):
            return  # a newer preview, or the dialog was closed while the plan was worked out
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

    def _on_read_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.status.setText("")
        self.error.setText(str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")
        self.import_button.setEnabled(False)

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
        self.status.setText("Imported. Areas the file holds kept everything attached to them.")
        self.report.setPlainText("\n".join(result.lines()))
        self.report.setVisible(True)
        self.preview.setVisible(False)
        self.preview_label.setVisible(False)
        self.missing.setVisible(False)
        self.missing_label.setVisible(False)
        for widget in (self.path, self.browse, self.layer, self.name_field, self.code_field):
            widget.setEnabled(False)
        self.close_button.setText("Close")
        self.import_button.setVisible(False)
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(f"Imported {plural(len(result.areas), 'area')}")

    def _on_import_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        self.error.setText(
            (str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")
            + "\nNothing was changed."
        )
        self.import_button.setEnabled(
            self.preview_result is not None
            and self.plan is not None
            and self.ctx.can(Permission.ADMIN)
        )


def open_import_boundaries_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import boundaries (modal)."""
    run_modal(ImportBoundariesDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_boundaries_dialog(ctx, None)
