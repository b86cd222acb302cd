"""What the File -> Import dialogs for a layer file share (boundaries, neighbourhoods, place names).

The file row (path, Browse…), the layer list read on a worker, the status and error lines, the
report shown after the import, and the Import and Cancel buttons; requests are numbered so a
result that arrives after a newer request is never shown. A dialog adds its field pickers and
preview, and says what its preview and import do (:meth:`LayerImportDialog._on_layer_changed`,
:meth:`~LayerImportDialog._clear_preview`, :meth:`~LayerImportDialog._on_import_clicked`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError
from socmap.services import boundaries
from socmap.services.session import Store
from socmap.ui.context import UiContext


def error_text(exc: BaseException) -> str:
    """A user's error as it is; anything else said to be unexpected."""
    return str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}"


def import_buttons(
    dialog: QDialog, on_import: Callable[[], None]
) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """An import dialog's buttons: Import (off until a preview allows it) and Cancel (Close
    after the import)."""
    buttons = QDialogButtonBox(objectName="buttons")
    import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
    import_button.setObjectName("import")
    import_button.setEnabled(False)
    close_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(on_import)
    buttons.rejected.connect(dialog.reject)
    return buttons, import_button, close_button


class LayerImportDialog(QDialog):
    """Choose a layer file and one of its layers; a subclass previews and imports it."""

    #: the Browse… dialog's title and filter
    FILE_TITLE = "Layer file"
    FILE_FILTER = "Layers (*.gpkg *.geojson *.json *.shp);;All files (*)"
    #: the first layer whose geometry type contains this is chosen ("olygon", "oint")
    PREFERRED_GEOMETRY = ""

    def __init__(
        self, ctx: UiContext, parent: QWidget | None, *, title: str, size: tuple[int, int]
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        boundaries.load_geo_libraries()  # on this thread, before any task reads a layer
        self.setWindowTitle(title)
        self.resize(*size)
        self._generation = 0
        self._loaded_path = ""
        self._layers: list[Any] = []
        self.preview_result: Any = None
        self.result_report: Any = None

        self.path = QLineEdit(objectName="path", placeholderText="GeoPackage, GeoJSON or Shapefile")
        self.browse = QPushButton("Browse…", objectName="browse")
        self.layer = QComboBox(objectName="layer")
        self.status = QLabel(objectName="status", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.report = QPlainTextEdit(objectName="report", readOnly=True)
        self.report.setVisible(False)
        self.buttons, self.import_button, self.close_button = import_buttons(
            self, self._on_import_clicked
        )
        self.browse.clicked.connect(self._on_browse_clicked)
        self.path.editingFinished.connect(self._on_path_edited)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)

    def file_row(self) -> QHBoxLayout:
        """The path and Browse… side by side, for the dialog's form."""
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        return row

    # ------------------------------------------------------------------------- choosing

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.FILE_TITLE, "", self.FILE_FILTER)
        if chosen:
            self.set_path(chosen)

    def _on_path_edited(self) -> None:
        text = self.path.text().strip()
        if text and text != self._loaded_path:  # editingFinished also fires on losing focus
            self.set_path(text)

    def set_path(self, path: str | Path) -> None:
        """Choose a file: list its layers (on a worker) and preview the preferred one."""
        self.path.setText(str(path))
        self._loaded_path = str(path)
        self._clear_preview("Reading the file…")
        self._layers = []
        self.layer.blockSignals(True)
        self.layer.clear()
        self.layer.blockSignals(False)
        target = Path(path)

        def job(_store: Store, _progress: object) -> list[Any]:
            return boundaries.layers_of(target)

        self.read(job, self._on_layers_read)

    def read(self, job: Any, on_done: Any) -> int:
        """Run the read ``job`` on a worker as the newest request; ``on_done(result)`` only if no
        newer request was made meanwhile (a failure likewise). Returns the request's number."""
        self._generation += 1
        generation = self._generation

        def done(result: Any) -> None:
            if generation == self._generation and isValid(self):
                on_done(result)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=done,
            on_error=lambda exc: self._on_read_failed(generation, exc),
        )
        return generation

    def is_current(self, generation: int) -> bool:
        """True when request ``generation`` is still the newest (and the dialog is open)."""
        return generation == self._generation and isValid(self)

    def _on_layers_read(self, layers: list[Any]) -> None:
        self._layers = layers
        self.layer.blockSignals(True)
        for info in layers:
            self.layer.addItem(f"{info.name} ({info.geometry_type}, {info.features})", info.name)
        wanted = [
            i for i, info in enumerate(layers) if self.PREFERRED_GEOMETRY in info.geometry_type
        ]
        self.layer.setCurrentIndex(wanted[0] if wanted else 0)
        self.layer.blockSignals(False)
        self._on_layer_changed()

    def layer_fields(self) -> list[str] | None:
        """The fields of the chosen layer (None before one is chosen)."""
        i = self.layer.currentIndex()
        if i < 0 or i >= len(self._layers):
            return None
        return list(self._layers[i].fields)

    def _on_read_failed(self, generation: int, exc: BaseException) -> None:
        if not self.is_current(generation):
            return
        self.status.setText("")
        self.error.setText(error_text(exc))
        self.import_button.setEnabled(False)

    # ------------------------------------------------------------------------- importing

    def finish_import(
        self,
        changes: Changes,
        *,
        status: str,
        message: str,
        hide: Iterable[QWidget],
        disable: Iterable[QWidget],
    ) -> None:
        """The import is done: show its report instead of the preview, freeze the choices,
        offer Close, and tell the other views what changed."""
        self.status.setText(status)
        self.report.setPlainText("\n".join(self.result_report.lines()))
        self.report.setVisible(True)
        for widget in hide:
            widget.setVisible(False)
        for widget in (self.path, self.browse, self.layer, *disable):
            widget.setEnabled(False)
        self.close_button.setText("Close")
        self.import_button.setVisible(False)
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(message)

    def import_failed(self, exc: BaseException, *, ready: bool) -> None:
        """Say why the import failed and that nothing changed; Import again if ``ready``."""
        if not isValid(self.error):
            return
        self.status.setText("")
        self.error.setText(error_text(exc) + "\nNothing was changed.")
        self.import_button.setEnabled(ready)

    # ------------------------------------------------------------------------- subclasses

    def _clear_preview(self, status: str) -> None:
        """Forget the preview (a new file, layer or field) and say ``status``; a dialog with
        more to forget (its preview table, a plan) extends this."""
        self.preview_result = None
        self.import_button.setEnabled(False)
        self.error.setText("")
        self.status.setText(status)

    #: a dialog's own steps, connected above: fill its field pickers for the chosen layer and
    #: ask for a preview; import what was previewed, as one write task
    _on_layer_changed: Callable[[], None]
    _on_import_clicked: Callable[[], None]
