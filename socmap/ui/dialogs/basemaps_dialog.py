"""Settings -> Basemaps: the basemap layers drawn under the threat layers (issue 16).

Lists the configured layers (bottom first) with a tick for the ones briefings and other exports
draw; adds a vector file (GeoPackage, Shapefile, GeoJSON), an XYZ or WMTS tile service (Web
Mercator or British National Grid) or an MBTiles file; removes one. Every write is one audited
service call (``services.basemaps``) on the writer lane; reading a file's layers runs as a read
task, so the dialog never waits on GDAL or the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
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
from socmap.services import basemaps, boundaries
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import run_modal

#: (kind, label) in the order the kind picker offers them
KIND_LABELS = (
    ("vector", "Vector file (GeoPackage, Shapefile, GeoJSON)"),
    ("xyz", "XYZ tile service"),
    ("wmts", "WMTS tile service"),
    ("mbtiles", "MBTiles file"),
)
GRID_LABELS = (("", "Web Mercator"), ("EPSG:27700", "British National Grid (EPSG:27700)"))
STYLE_LABELS = {
    "auto": "From the layer's name",
    "roads": "Roads (by class)",
    "water": "Water",
    "builtup": "Built-up areas",
    "woodland": "Woodland",
    "rail": "Rail",
    "other": "Other lines and outlines",
}
VECTOR_FILTER = "Vector files (*.gpkg *.geojson *.json *.shp);;All files (*)"
MBTILES_FILTER = "MBTiles (*.mbtiles);;All files (*)"
COLUMNS = ("Briefings", "Name", "Source", "Attribution")
NOT_ADMIN = "Only an administrator can change the basemaps."


class BasemapsDialog(QDialog):
    """List, add and remove basemap layers, and choose the ones briefings draw."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        boundaries.load_geo_libraries()  # on this thread, before any task reads a layer
        self.setWindowTitle("Basemaps")
        self.resize(820, 640)
        self.layers: list[basemaps.BasemapLayer] = []
        self._generation = 0
        self._busy = False
        admin = ctx.can(Permission.ADMIN)

        self.table = QTableWidget(0, len(COLUMNS), objectName="layers")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.table.setWordWrap(False)
        self.remove_button = QPushButton("Remove", objectName="remove", enabled=False)

        # --- adding a layer
        self.kind = QComboBox(objectName="kind")
        for kind, label in KIND_LABELS:
            self.kind.addItem(label, kind)
        self.source = QLineEdit(objectName="source")
        self.browse = QPushButton("Browse…", objectName="browse")
        self.layer = QComboBox(objectName="layer", editable=True)
        self.vector_style = QComboBox(objectName="vector_style")
        for style in basemaps.STYLES:
            self.vector_style.addItem(STYLE_LABELS.get(style, style), style)
        self.grid = QComboBox(objectName="grid")
        for grid, label in GRID_LABELS:
            self.grid.addItem(label, grid)
        self.matrix_set = QLineEdit(
            objectName="matrix_set", placeholderText="GoogleMapsCompatible, or EPSG:27700"
        )
        self.name = QLineEdit(objectName="name", placeholderText="default: the layer's name")
        self.attribution = QLineEdit(
            objectName="attribution",
            placeholderText="e.g. Contains OS data © Crown copyright and database right",
        )
        self.in_briefings = QCheckBox(
            "Draw in briefings and other exports", objectName="in_briefings", checked=True
        )
        self.add_button = QPushButton("Add layer", objectName="add")

        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.browse)
        self.form = QFormLayout()
        self.form.addRow("Kind", self.kind)
        self.form.addRow("File or URL", source_row)
        self.form.addRow("Layer", self.layer)
        self.form.addRow("Style", self.vector_style)
        self.form.addRow("Tile grid", self.grid)
        self.form.addRow("Tile matrix set", self.matrix_set)
        self.form.addRow("Name", self.name)
        self.form.addRow("Attribution", self.attribution)
        self.form.addRow("", self.in_briefings)
        add_box = QGroupBox("Add a layer (on top of the others)", objectName="add_box")
        add_lay = QVBoxLayout(add_box)
        add_lay.addLayout(self.form)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        add_lay.addLayout(add_row)

        self.status = QLabel(objectName="status", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, objectName="buttons")
        buttons.rejected.connect(self.reject)

        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_button)
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                "Drawn bottom first under the threat layers, on screen and (ticked) in "
                "briefings, atlases and profiles. Each layer's attribution is printed on the map.",
                wordWrap=True,
            )
        )
        lay.addWidget(self.table, 1)
        lay.addLayout(remove_row)
        lay.addWidget(add_box)
        lay.addWidget(self.status)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.source.editingFinished.connect(self._on_source_edited)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemChanged.connect(self._on_item_changed)
        self._on_kind_changed()
        if not admin:
            self.error.setText(NOT_ADMIN)
            for widget in (self.add_button, self.browse, self.kind, self.source):
                widget.setEnabled(False)
        self.reload()

    # ------------------------------------------------------------------------- the list

    def reload(self) -> None:
        """Read the configured layers (on a worker) and show them."""

        def job(store: Store, _progress: object) -> list[basemaps.BasemapLayer]:
            return basemaps.load_layers(store)

        self.ctx.tasks.run(job, write=False, on_done=self._on_layers_loaded, on_error=self._fail)

    def _on_layers_loaded(self, layers: list[basemaps.BasemapLayer]) -> None:
        if not isValid(self.table):
            return
        self.layers = list(layers)
        admin = self.ctx.can(Permission.ADMIN)
        self.table.blockSignals(True)
        self.table.setRowCount(len(layers))
        for row, layer in enumerate(layers):
            tick = QTableWidgetItem()
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if admin:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            tick.setFlags(flags)
            tick.setCheckState(
                Qt.CheckState.Checked if layer.in_briefings else Qt.CheckState.Unchecked
            )
            tick.setToolTip("Drawn in briefings and other exports")
            self.table.setItem(row, 0, tick)
            self.table.setItem(row, 1, QTableWidgetItem(layer.name))
            source = QTableWidgetItem(layer.describe())
            source.setToolTip(layer.describe())
            self.table.setItem(row, 2, source)
            attribution = QTableWidgetItem(layer.attribution)
            attribution.setToolTip(layer.attribution)
            self.table.setItem(row, 3, attribution)
        self.table.blockSignals(False)
        self.table.resizeRowsToContents()
        self.table.setColumnWidth(3, 200)
        self.status.setText(
            f"{plural(len(layers), 'basemap layer')}."
            if layers
            else "No basemap layers: maps draw on a plain background."
        )
        self._update_buttons()

    def selected_layer(self) -> basemaps.BasemapLayer | None:
        """The layer selected in the list, if any."""
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.layers[min(rows)] if rows and min(rows) < len(self.layers) else None

    def _update_buttons(self) -> None:
        admin = self.ctx.can(Permission.ADMIN)
        self.remove_button.setEnabled(
            admin and not self._busy and self.selected_layer() is not None
        )
        self.add_button.setEnabled(admin and not self._busy)

    # ------------------------------------------------------------------------- adding

    def _kind(self) -> str:
        return str(self.kind.currentData())

    def _on_kind_changed(self) -> None:
        kind = self._kind()
        tiles = kind in ("xyz", "wmts")
        self.browse.setVisible(not tiles)
        self.source.setPlaceholderText(
            {
                "vector": "a GeoPackage, Shapefile or GeoJSON file",
                "xyz": "https://host/{z}/{x}/{y}.png",
                "wmts": "https://host/wmts?key=… (the KVP endpoint)",
                "mbtiles": "an .mbtiles file",
            }[kind]
        )
        for widget, shown in (
            (self.layer, kind in ("vector", "wmts")),
            (self.vector_style, kind == "vector"),
            (self.grid, tiles),
            (self.matrix_set, kind == "wmts"),
        ):
            self.form.setRowVisible(widget, shown)
        if kind != "vector":
            self.layer.clear()

    def _on_browse_clicked(self) -> None:
        kind = self._kind()
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Basemap file",
            "",
            VECTOR_FILTER if kind == "vector" else MBTILES_FILTER,
        )
        if chosen:
            self.set_source(chosen)

    def _on_source_edited(self) -> None:
        if self._kind() == "vector":
            self.set_source(self.source.text().strip())

    def set_source(self, source: str) -> None:
        """Choose a file or URL; a vector file's layers are listed (on a worker)."""
        self.source.setText(source)
        self.error.setText("")
        if self._kind() != "vector" or not source:
            return
        self._generation += 1
        generation = self._generation
        self.layer.clear()
        self.status.setText("Reading the file's layers…")
        target = Path(source)

        def job(_store: Store, _progress: object) -> list[Any]:
            return boundaries.layers_of(target)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda infos: self._on_file_layers(generation, infos),
            on_error=lambda exc: self._fail(exc) if generation == self._generation else None,
        )

    def _on_file_layers(self, generation: int, infos: list[Any]) -> None:
        if generation != self._generation or not isValid(self.layer):
            return
        self.layer.clear()
        for info in infos:
            self.layer.addItem(info.name)
            style = basemaps.style_for_layer(info.name)
            self.layer.setItemData(
                self.layer.count() - 1,
                f"{info.geometry_type}, {plural(info.features, 'feature')}; drawn as "
                f"{STYLE_LABELS.get(style, style).lower()}",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.status.setText(f"{plural(len(infos), 'layer')} in the file.")

    def _on_add_clicked(self) -> None:
        kind = self._kind()
        source = self.source.text().strip()
        if not source:
            self.error.setText("Give a file or a URL.")
            return
        options = {
            "name": self.name.text().strip(),
            "layer": self.layer.currentText().strip() if kind in ("vector", "wmts") else "",
            "style": str(self.vector_style.currentData()) if kind == "vector" else "auto",
            "attribution": self.attribution.text().strip(),
            "grid": str(self.grid.currentData()) if kind in ("xyz", "wmts") else "",
            "matrix_set": self.matrix_set.text().strip() if kind == "wmts" else "",
            "in_briefings": self.in_briefings.isChecked(),
        }

        def job(store: Store, _progress: object) -> Any:
            return basemaps.add_basemap(store, kind, source, **options)  # type: ignore[arg-type]

        self._run_write(job, self._on_added, "Adding the layer…")

    def _on_added(self, outcome: Any) -> None:
        layer, changes = outcome
        for widget in (self.source, self.name, self.attribution, self.matrix_set):
            widget.clear()
        self.layer.clear()
        self._written(changes, f"Added basemap layer '{layer.name}'")

    # ------------------------------------------------------------------------- changing

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0 or item.row() >= len(self.layers):
            return
        layer = self.layers[item.row()]
        on = item.checkState() == Qt.CheckState.Checked
        if on == layer.in_briefings:
            return

        def job(store: Store, _progress: object) -> Any:
            return basemaps.set_in_briefings(store, layer.id, on)

        self._run_write(
            job,
            lambda changes: self._written(
                changes,
                f"Basemap layer '{layer.name}' "
                + ("drawn in briefings" if on else "left out of briefings"),
            ),
            "Saving…",
        )

    def _on_remove_clicked(self) -> None:
        layer = self.selected_layer()
        if layer is None:
            return

        def job(store: Store, _progress: object) -> Any:
            return basemaps.remove_basemap(store, layer.id)

        self._run_write(
            job,
            lambda changes: self._written(changes, f"Removed basemap layer '{layer.name}'"),
            "Removing the layer…",
        )

    def _run_write(self, job: Any, on_done: Any, status: str) -> None:
        self._busy = True
        self._update_buttons()
        self.error.setText("")
        self.status.setText(status)
        self.ctx.tasks.run(job, write=True, on_done=on_done, on_error=self._on_write_failed)

    def _written(self, changes: Any, message: str) -> None:
        self._busy = False
        if not isValid(self.table):
            return
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(message)
        self.reload()
        self.status.setText(message + ".")

    def _on_write_failed(self, exc: BaseException) -> None:
        self._busy = False
        if not isValid(self.table):
            return
        self._fail(exc, changed=False)
        self.reload()  # a refused tick goes back to what the database holds

    def _fail(self, exc: BaseException, *, changed: bool | None = None) -> None:
        if not isValid(self.error):
            return
        text = str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}"
        self.error.setText(text + ("\nNothing was changed." if changed is False else ""))
        self.status.setText("")
        self._update_buttons()


def open_basemaps_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show Settings -> Basemaps (modal)."""
    run_modal(BasemapsDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_basemaps_dialog(ctx, None)
