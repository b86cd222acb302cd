"""File -> Import boundaries: pick a file, its layer and name field, preview the areas, import.

Reading and previewing run as read tasks and the import as a write task (``ctx.tasks.run``), so
the UI thread never waits on GDAL or the database.
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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import boundaries
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import run_modal

FILE_FILTER = "Boundary files (*.gpkg *.geojson *.json *.shp);;All files (*)"
NO_CODE = "(none)"


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
        self.resize(640, 560)
        self._generation = 0
        self._loaded_path = ""
        self._layers: list[Any] = []
        self.preview_result: Any = None
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
            "Importing replaces every area in the database. Areas with the same name keep their "
            "OCGs; every location, address and intelligence point is assigned again.",
            wordWrap=True,
        )
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        self.preview_label = QLabel("Areas this file will give:")
        lay.addWidget(self.preview_label)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.status)
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
        self.preview.setRowCount(0)
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
        self.import_button.setEnabled(self.ctx.can(Permission.ADMIN))
        if not self.ctx.can(Permission.ADMIN):
            self.error.setText("Only an administrator can replace the force's areas.")

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
        self.status.setText("Imported. The areas were replaced.")
        self.report.setPlainText("\n".join(result.lines()))
        self.report.setVisible(True)
        self.preview.setVisible(False)
        self.preview_label.setVisible(False)
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
        self.import_button.setEnabled(self.preview_result is not None)


def open_import_boundaries_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import boundaries (modal)."""
    run_modal(ImportBoundariesDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_boundaries_dialog(ctx, None)
