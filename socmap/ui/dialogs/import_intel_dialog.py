"""File -> Import intelligence: a CSV (graded reports or police.uk crimes) or a point layer.

The file is read on a read task to show what it holds (recognised columns, categories with
counts, ticked to choose what to import); the import runs as a write task, all or nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import boundaries, intel_import, offload
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.layer_import import import_buttons
from socmap.ui.dialogs.modal import run_modal

FILE_FILTER = "Intelligence files (*.csv *.gpkg *.geojson *.json *.shp);;CSV (*.csv);;All files (*)"
ENCODINGS = ("utf-8", "cp1252", "latin-1")
#: police.uk crime types ticked by default: proxies for organised-crime activity.
SOC_PROXIES = ("Drugs", "Possession of weapons")


def import_task(
    store: Store,
    progress: Any,
    path: Path,
    *,
    encoding: str = "utf-8",
    only: list[str] | None = None,
) -> Any:
    """The import as a write task: in a worker process (parsing, reprojecting and assigning
    tens of thousands of rows in Python would hold the GIL and stall the window)."""
    return offload.run_in_process(
        store,
        "socmap.services.intel_import:import_intel",
        path,
        write=True,
        progress=progress,
        encoding=encoding,
        only=list(only or []),
    )


class ImportIntelDialog(QDialog):
    """Choose an intelligence file, see what it holds, tick categories, import."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        boundaries.load_geo_libraries()
        self.setWindowTitle("Import intelligence")
        self.resize(600, 560)
        self._generation = 0
        self._loaded = ("", "")
        self.preview_result: Any = None
        self.result_report: Any = None

        self.path = QLineEdit(objectName="path", placeholderText="CSV or point layer")
        self.browse = QPushButton("Browse…", objectName="browse")
        self.encoding = QComboBox(objectName="encoding")
        self.encoding.addItems(ENCODINGS)
        self.summary = QLabel(objectName="summary", wordWrap=True)
        self.categories = QListWidget(objectName="categories")
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.report = QPlainTextEdit(objectName="report", readOnly=True)
        self.report.setVisible(False)

        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("File", file_row)
        form.addRow("Encoding", self.encoding)
        self.buttons, self.import_button, self.close_button = import_buttons(
            self, self._on_import_clicked
        )

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        self.categories_label = QLabel("Categories to import:")
        lay.addWidget(self.categories_label)
        lay.addWidget(self.categories, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.report, 1)
        lay.addWidget(
            QLabel(
                "The whole file is imported in one batch or not at all: a bad row is named "
                "and nothing is written. Rows marked SECRET are refused.",
                wordWrap=True,
            )
        )
        lay.addWidget(self.buttons)
        if not ctx.can(Permission.EDIT):
            self.error.setText("Your role cannot import intelligence.")

        self.browse.clicked.connect(self._on_browse_clicked)
        self.path.editingFinished.connect(self._on_path_edited)
        self.encoding.currentIndexChanged.connect(lambda _i: self._on_path_edited())
        self.categories.itemChanged.connect(self._update_import_enabled)

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Intelligence file", "", FILE_FILTER)
        if chosen:
            self.path.setText(chosen)
            self._on_path_edited()

    def _on_path_edited(self) -> None:
        key = (self.path.text().strip(), self.encoding.currentText())
        if key[0] and key != self._loaded:  # editingFinished also fires on losing focus
            self.set_path(key[0])

    def set_path(self, path: str | Path) -> None:
        """Choose a file and read what it holds on a worker."""
        self.path.setText(str(path))
        encoding = self.encoding.currentText()
        self._loaded = (str(path), encoding)
        self.preview_result = None
        self.categories.clear()
        self.error.setText("")
        self.summary.setText("Reading the file…")
        self.import_button.setEnabled(False)
        self._generation += 1
        generation = self._generation
        target = Path(path)

        def job(_store: Store, progress: Any) -> Any:
            return intel_import.preview_intel(target, encoding=encoding, progress=progress)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda result: self._on_preview_done(generation, result),
            on_error=lambda exc: self._on_preview_failed(generation, exc),
        )

    def _on_preview_done(self, generation: int, result: Any) -> None:
        if generation != self._generation:
            return
        self.preview_result = result
        kind = "police.uk crimes (no grading)" if result.police_uk else "intelligence reports"
        columns = ", ".join(f"{k}: {v}" for k, v in result.columns.items()) or "none"
        self.summary.setText(
            f"{plural(result.rows, 'row')} of {kind}; coordinates from {result.coordinates}; "
            f"columns recognised: {columns}."
        )
        self.categories.blockSignals(True)
        proxies = {c.casefold() for c in SOC_PROXIES}
        any_proxy = result.police_uk and any(c.casefold() in proxies for c in result.categories)
        for category, n in result.categories.items():
            item = QListWidgetItem(f"{category or '(no category)'} ({n:,})")
            item.setData(Qt.ItemDataRole.UserRole, category)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = category.casefold() in proxies if any_proxy else True
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.categories.addItem(item)
        self.categories.blockSignals(False)
        self._update_import_enabled()

    def _on_preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.summary.setText("")
        self.error.setText(str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")
        self.import_button.setEnabled(False)

    def checked_categories(self) -> list[str]:
        """The categories ticked for import."""
        out = []
        for i in range(self.categories.count()):
            item = self.categories.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _update_import_enabled(self) -> None:
        allowed = self.ctx.can(Permission.EDIT)
        if not allowed:
            self.error.setText("Your role cannot import intelligence.")
        self.import_button.setEnabled(
            self.preview_result is not None and bool(self.checked_categories()) and allowed
        )

    def _on_import_clicked(self) -> None:
        if self.preview_result is None:
            return
        target = Path(self.path.text().strip())
        encoding = self.encoding.currentText()
        checked = self.checked_categories()
        only = [] if len(checked) == self.categories.count() else checked
        self.import_button.setEnabled(False)
        self.summary.setText("Importing…")

        def job(store: Store, progress: Any) -> Any:
            return import_task(store, progress, target, encoding=encoding, only=only)

        self.ctx.tasks.run(
            job,
            write=True,
            on_done=self._on_import_done,
            on_error=self._on_import_failed,
            title="Importing intelligence…",
            parent=self,
        )

    def _on_import_done(self, outcome: Any) -> None:
        report, changes = outcome
        self.result_report = report
        self.summary.setText("Imported.")
        self.report.setPlainText("\n".join(report.lines()))
        self.report.setVisible(True)
        self.categories.setVisible(False)
        self.categories_label.setVisible(False)
        for widget in (self.path, self.browse, self.encoding):
            widget.setEnabled(False)
        self.import_button.setVisible(False)
        self.close_button.setText("Close")
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(
            f"Imported {plural(report.imported, 'intelligence point')}"
        )

    def _on_import_failed(self, exc: BaseException) -> None:
        self.summary.setText("")
        self.error.setText(
            (str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")
            + "\nNothing was imported."
        )
        self._update_import_enabled()


def open_import_intel_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import intelligence (modal)."""
    run_modal(ImportIntelDialog(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_intel_dialog(ctx, None)
