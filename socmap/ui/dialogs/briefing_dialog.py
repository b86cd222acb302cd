"""Export a briefing map: area (or all, as an atlas), format, audience, marking and file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.roles import Permission
from socmap.domain.vocab import Marking
from socmap.export.briefing import FORMATS, ExportResult, export_briefing
from socmap.services import briefing
from socmap.services.session import Store
from socmap.ui.context import UiContext

ALL_AREAS = "All areas (one page per area)"
WHOLE_ATLAS = "All its neighbourhoods (one page each)"
ATLAS = "*"


class BriefingDialog(QDialog):
    """The export form; the export itself runs on the writer lane through ``ctx.tasks``."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Export briefing map")
        self.result_: ExportResult | None = None
        self.area = QComboBox(objectName="area")
        self.area.addItem(ALL_AREAS, None)
        for name in briefing.area_names(ctx.store):
            self.area.addItem(name, name)
        if self.area.count() > 1:
            self.area.setCurrentIndex(1)
        # a neighbourhood of the area, or an atlas of all of them (issue 16)
        self.neighbourhood = QComboBox(objectName="neighbourhood")
        self._fill_neighbourhoods()
        self.format = QComboBox(objectName="format")
        for fmt, label in zip(FORMATS, ("PDF document", "PNG image", "SVG drawing"), strict=True):
            self.format.addItem(label, fmt)
        self.audience = QComboBox(objectName="audience")
        for key, label in briefing.AUDIENCE_LABELS.items():
            self.audience.addItem(label, key)
        self.audience.setCurrentIndex(1)  # neighbourhood: the usual reader
        self.marking = QComboBox(objectName="marking")
        for m in (Marking.OFFICIAL_SENSITIVE, Marking.OFFICIAL):
            self.marking.addItem(m.value, m.value)
        self.reason = QLineEdit(objectName="reason", placeholderText="why the marking is lowered")
        self.reason.setEnabled(False)
        self.file = QLineEdit(objectName="file")
        self.file.setText(str(Path.home() / "briefing.pdf"))
        browse = QPushButton("Browse…", objectName="browse")
        browse.clicked.connect(self._on_browse_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Area", self.area)
        form.addRow("Neighbourhood", self.neighbourhood)
        form.addRow("Format", self.format)
        form.addRow("Audience", self.audience)
        form.addRow("Protective marking", self.marking)
        form.addRow("Reason for lower marking", self.reason)
        form.addRow("File", file_row)
        self.note = QLabel(objectName="note", wordWrap=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Cancel, objectName="buttons"
        )
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setObjectName("export")
        self.buttons.accepted.connect(self._on_export_clicked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.area.currentIndexChanged.connect(self._fill_neighbourhoods)
        self.area.currentIndexChanged.connect(self._on_format_changed)
        self.neighbourhood.currentIndexChanged.connect(self._on_format_changed)
        self.audience.currentIndexChanged.connect(self._on_format_changed)
        self.marking.currentIndexChanged.connect(self._on_marking_changed)
        if not ctx.can(Permission.EXPORT):
            self.export_button.setEnabled(False)
            self.note.setText("Your role may not export briefings; ask an administrator.")
        else:
            self._on_format_changed()

    def _fill_neighbourhoods(self) -> None:
        from socmap.services import neighbourhoods

        area = self.area.currentData()
        found = neighbourhoods.in_area(self.ctx.store, area) if area else []
        self.neighbourhood.blockSignals(True)
        self.neighbourhood.clear()
        self.neighbourhood.addItem("The whole area", None)
        if found:
            self.neighbourhood.addItem(WHOLE_ATLAS, ATLAS)
        for n in found:
            self.neighbourhood.addItem(n.name, n.label)
        self.neighbourhood.setEnabled(bool(found))
        self.neighbourhood.blockSignals(False)

    def _on_marking_changed(self) -> None:
        self.reason.setEnabled(self.marking.currentData() != Marking.OFFICIAL_SENSITIVE.value)

    def _on_format_changed(self) -> None:
        fmt = self.format.currentData()
        path = Path(self.file.text() or "briefing")
        self.file.setText(str(path.with_suffix("." + fmt)))
        notes = []
        if self.area.currentData() is None:
            notes.append(
                "All areas: a PDF holds one page per area; PNG and SVG write one file per area."
            )
        elif self.neighbourhood.currentData() == ATLAS:
            notes.append(
                "Every neighbourhood of the area: a PDF holds one page each; PNG and SVG write "
                "one file each."
            )
        if self.audience.currentData() != "internal":
            notes.append(
                "Names, addresses and intelligence whose handling restricts it are left out."
            )
        self.note.setText(" ".join(notes))

    def _on_browse_clicked(self) -> None:
        fmt = self.format.currentData()
        name, _ = QFileDialog.getSaveFileName(
            self, "Save briefing", self.file.text(), f"{fmt.upper()} (*.{fmt})"
        )
        if name:
            self.file.setText(name)

    def _on_export_clicked(self) -> None:
        path = Path(self.file.text()).expanduser()
        area = self.area.currentData()
        neighbourhood = self.neighbourhood.currentData()
        fmt = self.format.currentData()
        audience = self.audience.currentData()
        marking = self.marking.currentData()
        reason = self.reason.text()

        def run(store: Store, progress: Any) -> ExportResult:
            chosen = None
            if neighbourhood == ATLAS:
                chosen = briefing.neighbourhood_labels(store, area)
            elif neighbourhood:
                chosen = [neighbourhood]
            return export_briefing(
                store,
                output=path,
                fmt=fmt,
                audience=audience,
                areas=[area] if area else None,
                marking=marking,
                marking_reason=reason,
                progress=progress,
                neighbourhoods=chosen,
            )

        self.export_button.setEnabled(False)
        self.ctx.tasks.run(
            run,
            write=True,
            on_done=self._on_done,
            on_error=self._on_error,
            title="Writing the briefing…",
            parent=self,
        )

    def _on_done(self, result: ExportResult) -> None:
        self.result_ = result
        files = ", ".join(p.name for p in result.files)
        self.ctx.bus.status_message.emit(f"Briefing written: {files}")
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.note.setText(str(exc))
        self.ctx.report_error(self, exc)


def open_briefing_dialog(ctx: UiContext, parent: QWidget | None = None) -> BriefingDialog:
    """Show the export dialog (window-modal, non-blocking) and return it."""
    dialog = BriefingDialog(ctx, parent)
    dialog.open()
    return dialog


if __name__ == "__main__":  # pragma: no cover - manual check with a database file
    import sys

    from socmap.ui.preview import preview_context

    app, ctx = preview_context(sys.argv[1])
    dialog = BriefingDialog(ctx)
    dialog.show()
    app.exec()
