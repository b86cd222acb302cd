"""File -> Import -> Neighbourhoods: the boundary import dialog for neighbourhoods (issue 16).

Same file, layer and field pickers as the area import; the preview lists each neighbourhood
with the area that holds most of it, and reports features that straddle two areas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem, QWidget

from socmap.domain.roles import Permission
from socmap.services import neighbourhoods
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.dialogs.import_boundaries_dialog import NO_CODE, ImportBoundariesDialog
from socmap.ui.dialogs.modal import run_modal


class ImportNeighbourhoodsDialog(ImportBoundariesDialog):
    """Choose a neighbourhood file, preview the neighbourhoods per area, and import them."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle("Import neighbourhoods")
        self.preview.setColumnCount(3)
        self.preview.setHorizontalHeaderLabels(["Area", "Neighbourhood", "km²"])
        self.preview_label.setText("Neighbourhoods this file will give:")

    def _choice(self) -> tuple[Path, str, Any, str | None]:
        code = self.code_field.currentText()
        return (
            Path(self.path.text().strip()),
            self.name_field.currentText(),
            self.layer.currentData(),
            None if code in ("", NO_CODE) else code,
        )

    def _request_preview(self) -> None:
        if not self.name_field.currentText() or not self.path.text().strip():
            return
        self._clear_preview("Checking the outlines and matching them to the areas…")
        target, name, layer, code_field = self._choice()

        def job(store: Store, _progress: object) -> Any:
            return neighbourhoods.preview_neighbourhoods(
                store, target, name_field=name, layer=layer, code_field=code_field
            )

        self.read(job, self._on_preview_done)

    def _on_preview_done(self, result: Any) -> None:
        self.preview_result = result
        self.preview.setRowCount(len(result.rows))
        for row, (area, name, km2) in enumerate(result.rows):
            self.preview.setItem(row, 0, QTableWidgetItem(area))
            self.preview.setItem(row, 1, QTableWidgetItem(name))
            cell = QTableWidgetItem(f"{km2:,.2f}")
            cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.preview.setItem(row, 2, cell)
        lines = [
            f"{len(result.rows)} neighbourhood(s) from {result.features} feature(s), "
            f"{result.source_crs} → British National Grid."
        ]
        if result.straddling:
            lines.append(f"{len(result.straddling)} feature(s) straddle two areas:")
            lines += list(result.straddling)
        if result.repairs:
            lines.append(f"{len(result.repairs)} invalid feature(s) will be repaired:")
            lines += list(result.repairs)
        self.status.setText("\n".join(lines))
        self.import_button.setEnabled(self.ctx.can(Permission.ADMIN))

    def _on_import_clicked(self) -> None:
        if self.preview_result is None:
            return
        target, name, layer, code_field = self._choice()
        attribution = self.attribution.text().strip()
        self.import_button.setEnabled(False)
        self.status.setText("Importing…")

        def job(store: Store, progress: Any) -> Any:
            return neighbourhoods.import_neighbourhoods(
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
            title="Importing neighbourhoods and assigning every location…",
            parent=self,
        )

    def _on_import_done(self, outcome: Any) -> None:
        result, changes = outcome
        self.result_report = result
        self.finish_import(
            changes,
            status="Imported. The neighbourhoods were replaced.",
            message=f"Imported {result.neighbourhoods} neighbourhoods",
            hide=(self.preview, self.preview_label),
            disable=(self.name_field, self.code_field),
        )


def open_import_neighbourhoods_dialog(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import -> Neighbourhoods (modal)."""
    run_modal(ImportNeighbourhoodsDialog(ctx, parent))
