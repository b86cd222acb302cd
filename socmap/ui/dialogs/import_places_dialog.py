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
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import places
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.layer_import import LayerImportDialog
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


class ImportPlacesDialog(LayerImportDialog):
    """Choose a point layer of place names, preview how they rank, and import them."""

    FILE_TITLE = "Place names"
    FILE_FILTER = FILE_FILTER
    PREFERRED_GEOMETRY = "oint"

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent, title="Import place names", size=(700, 640))
        self.preview_result: places.PlacesPreview | None = None
        self.result_report: places.PlacesImport | None = None
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

        form = QFormLayout()
        form.addRow("File", self.file_row())
        form.addRow("Layer", self.layer)
        form.addRow("Name field", self.name_field)
        form.addRow("Place type field", self.kind_field)
        form.addRow("Population field", self.population_field)
        form.addRow("Attribution", self.attribution)

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

        for combo in (self.name_field, self.kind_field, self.population_field):
            combo.currentIndexChanged.connect(self._request_preview)

    # ------------------------------------------------------------------------- choosing

    def _on_layer_changed(self) -> None:
        fields = self.layer_fields()
        if fields is None:
            return
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
        target, name, layer, kind, pop = self._fields()

        def job(_store: Store, _progress: object) -> places.PlacesPreview:
            return places.preview_places(
                target, name_field=name, layer=layer, kind_field=kind, population_field=pop
            )

        self.read(job, self._on_preview_done)

    def _clear_preview(self, status: str) -> None:
        super()._clear_preview(status)
        self.preview.setRowCount(0)
        if not self.ctx.can(Permission.ADMIN):
            self.error.setText(NOT_ADMIN)

    def _on_preview_done(self, result: places.PlacesPreview) -> None:
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
        self.finish_import(
            changes,
            status="Imported. The map's place names were replaced.",
            message=f"Imported {plural(result.places, 'place name')}",
            hide=(self.preview, self.preview_label),
            disable=(self.name_field, self.kind_field, self.population_field, self.attribution),
        )

    def _on_import_failed(self, exc: BaseException) -> None:
        self.import_failed(
            exc, ready=self.preview_result is not None and self.ctx.can(Permission.ADMIN)
        )


def open_import_places_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import -> Place names (modal)."""
    run_modal(ImportPlacesDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_places_dialog(ctx, None)
