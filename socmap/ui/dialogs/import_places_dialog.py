"""File -> Import -> Place names: the gazetteer drawn on maps and briefings (issue 16).

Pick a point layer (GeoPackage, GeoJSON, Shapefile; any CRS), its name field and, where it has
them, the place type and population fields that size the labels; the preview lists the places
as the map will rank them. Reading and previewing run as read tasks, the import as one write
task with a progress dialog (``services.places``): it replaces every place name in one audited
transaction, or changes nothing.
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
from shiboken6 import isValid

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import boundaries, places
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import run_modal

FILE_FILTER = "Point layers (*.gpkg *.geojson *.json *.shp);;All files (*)"
GUESS = "(guess)"
NONE = "(none)"
NOT_ADMIN = "Only an administrator can replace the map's place names."
PREVIEW_ROWS = 500


def guess_place_name_field(fields: list[str]) -> str | None:
    """The field most likely to hold place names (``name``, then any name-like field)."""
    lowered = [f.casefold() for f in fields]
    for wanted in ("name", "name1", "placename", "place_name"):
        if wanted in lowered:
            return fields[lowered.index(wanted)]
    return next((f for f, low in zip(fields, lowered, strict=True) if "name" in low), None) or (
        fields[0] if fields else None
    )


class ImportPlacesDialog(QDialog):
    """Choose a point layer of place names, preview how they rank, and import them."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        boundaries.load_geo_libraries()  # on this thread, before any task reads a layer
        self.setWindowTitle("Import place names")
        self.resize(700, 640)
        self._generation = 0
        self._loaded_path = ""
        self._layers: list[Any] = []
        self.preview_result: places.PlacesPreview | None = None
        self.result_report: places.PlacesImport | None = None

        self.path = QLineEdit(objectName="path", placeholderText="GeoPackage, GeoJSON or Shapefile")
        self.browse = QPushButton("Browse…", objectName="browse")
        self.layer = QComboBox(objectName="layer")
        self.name_field = QComboBox(objectName="name_field")
        self.kind_field = QComboBox(objectName="kind_field")
        self.kind_field.setToolTip("city, town, village, hamlet… (OS Open Names, OSM, GeoNames)")
        self.population_field = QComboBox(objectName="population_field")
        self.attribution = QLineEdit(
            objectName="attribution",
            placeholderText="e.g. Contains data from GeoNames (geonames.org), CC BY 4.0",
        )
        self.preview = QTableWidget(0, 4, objectName="preview")
        self.preview.setHorizontalHeaderLabels(["Place", "Type", "Population", "Label size"])
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.preview.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.preview.setWordWrap(False)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.status = QLabel(objectName="status", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.report = QPlainTextEdit(objectName="report", readOnly=True, visible=False)

        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Layer", self.layer)
        form.addRow("Name field", self.name_field)
        form.addRow("Place type field", self.kind_field)
        form.addRow("Population field", self.population_field)
        form.addRow("Attribution", self.attribution)

        self.buttons = QDialogButtonBox(objectName="buttons")
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setObjectName("import")
        self.import_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_import_clicked)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        self.preview_label = QLabel("Place names this file will give, most important first:")
        lay.addWidget(self.preview_label)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.error)
        lay.addWidget(self.report, 1)
        lay.addWidget(
            QLabel(
                "Importing replaces every place name on the force's maps and briefings. Labels "
                "are placed so that they never overlap: the most important first.",
                wordWrap=True,
            )
        )
        lay.addWidget(self.buttons)

        if not ctx.can(Permission.ADMIN):
            self.error.setText(NOT_ADMIN)

        self.browse.clicked.connect(self._on_browse_clicked)
        self.path.editingFinished.connect(self._on_path_edited)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        for combo in (self.name_field, self.kind_field, self.population_field):
            combo.currentIndexChanged.connect(self._request_preview)

    # ------------------------------------------------------------------------- choosing

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Place names", "", FILE_FILTER)
        if chosen:
            self.set_path(chosen)

    def _on_path_edited(self) -> None:
        text = self.path.text().strip()
        if text and text != self._loaded_path:
            self.set_path(text)

    def set_path(self, path: str | Path) -> None:
        """Choose a file: list its layers (on a worker) and preview the first point layer."""
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
        if generation != self._generation or not isValid(self.layer):
            return
        self._layers = layers
        self.layer.blockSignals(True)
        for info in layers:
            self.layer.addItem(f"{info.name} ({info.geometry_type}, {info.features})", info.name)
        points = [i for i, info in enumerate(layers) if "oint" in info.geometry_type]
        self.layer.setCurrentIndex(points[0] if points else 0)
        self.layer.blockSignals(False)
        self._on_layer_changed()

    def _on_layer_changed(self) -> None:
        i = self.layer.currentIndex()
        if i < 0 or i >= len(self._layers):
            return
        fields = list(self._layers[i].fields)
        combos = (self.name_field, self.kind_field, self.population_field)
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
        self.name_field.addItems(fields)
        guess = guess_place_name_field(fields)
        if guess is not None:
            self.name_field.setCurrentText(guess)
        for combo in (self.kind_field, self.population_field):
            combo.addItem(GUESS, None)
            combo.addItem(NONE, "")
            for f in fields:
                combo.addItem(f, f)
        for combo in combos:
            combo.blockSignals(False)
        self._request_preview()

    def _fields(self) -> tuple[Path, str, Any, str | None, str | None]:
        """File, name field, layer, and the type and population fields (None: guessed,
        "": none)."""
        return (
            Path(self.path.text().strip()),
            self.name_field.currentText(),
            self.layer.currentData(),
            self.kind_field.currentData(),
            self.population_field.currentData(),
        )

    def _request_preview(self) -> None:
        if not self.name_field.currentText() or not self.path.text().strip():
            return
        self._clear_preview("Reading the places…")
        self._generation += 1
        generation = self._generation
        target, name, layer, kind, pop = self._fields()

        def job(_store: Store, _progress: object) -> places.PlacesPreview:
            return places.preview_places(
                target, name_field=name, layer=layer, kind_field=kind, population_field=pop
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
        self.error.setText("" if self.ctx.can(Permission.ADMIN) else NOT_ADMIN)
        self.status.setText(status)

    def _on_preview_done(self, generation: int, result: places.PlacesPreview) -> None:
        if generation != self._generation or not isValid(self.preview):
            return
        self.preview_result = result
        shown = result.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(shown))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, (name, kind, pop, rank) in enumerate(shown):
            self.preview.setItem(row, 0, QTableWidgetItem(name))
            self.preview.setItem(row, 1, QTableWidgetItem(kind))
            cell = QTableWidgetItem(f"{pop:,}" if pop else "")
            cell.setTextAlignment(right)
            self.preview.setItem(row, 2, cell)
            self.preview.setItem(row, 3, QTableWidgetItem(places.RANK_NAMES[rank]))
        lines = result.lines()
        if len(result.rows) > PREVIEW_ROWS:
            lines.append(f"The first {PREVIEW_ROWS} are listed.")
        self.status.setText("\n".join(lines))
        self.import_button.setEnabled(self.ctx.can(Permission.ADMIN))

    def _on_read_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or not isValid(self.error):
            return
        self.status.setText("")
        self.error.setText(str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")
        self.import_button.setEnabled(False)

    # ------------------------------------------------------------------------- importing

    def _on_import_clicked(self) -> None:
        result = self.preview_result
        if result is None:
            return
        target, name, layer, _kind, _pop = self._fields()
        attribution = self.attribution.text().strip()
        self.import_button.setEnabled(False)
        self.error.setText("")
        self.status.setText("Importing…")

        def job(store: Store, progress: Any) -> Any:
            return places.import_places(
                store,
                target,
                name_field=name,
                layer=layer,
                kind_field=result.kind_field or "",  # as previewed: nothing guessed again
                population_field=result.population_field or "",
                attribution=attribution,
                progress=progress,
            )

        self.ctx.tasks.run(
            job,
            write=True,
            on_done=self._on_import_done,
            on_error=self._on_import_failed,
            title="Importing place names…",
            parent=self,
        )

    def _on_import_done(self, outcome: Any) -> None:
        result, changes = outcome
        if not isValid(self.report):
            return
        self.result_report = result
        self.status.setText("Imported. The map's place names were replaced.")
        self.report.setPlainText("\n".join(result.lines()))
        self.report.setVisible(True)
        self.preview.setVisible(False)
        self.preview_label.setVisible(False)
        for widget in (
            self.path,
            self.browse,
            self.layer,
            self.name_field,
            self.kind_field,
            self.population_field,
            self.attribution,
        ):
            widget.setEnabled(False)
        self.close_button.setText("Close")
        self.import_button.setVisible(False)
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(f"Imported {plural(result.places, 'place name')}")

    def _on_import_failed(self, exc: BaseException) -> None:
        if not isValid(self.error):
            return
        self.status.setText("")
        self.error.setText(
            (str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")
            + "\nNothing was changed."
        )
        self.import_button.setEnabled(
            self.preview_result is not None and self.ctx.can(Permission.ADMIN)
        )


def open_import_places_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import -> Place names (modal)."""
    run_modal(ImportPlacesDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_places_dialog(ctx, None)
