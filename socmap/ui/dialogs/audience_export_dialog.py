"""Export a file for one audience: format, audience (the briefing's chooser), area, file.

One dialog for the spreadsheet tables (register, due list, compliance, what works) and the i2
chart of the partner graph. The export itself is the exporter's (``export.report_tables``,
``export.register_table``, ``export.anx``): it applies the handling policy for the audience
chosen, marks the file and audits it through the one output writer. It runs on the writer lane.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import briefing
from socmap.services.session import Store
from socmap.ui.context import UiContext

ALL_AREAS = "All areas"
AUDIENCE_NOTES = {
    "internal": "Everything socmap holds, with names.",
    "neighbourhood": "Groups and people by reference only; what the handling policy withholds "
    "from neighbourhood teams is left out.",
    "partner": "Groups and people by reference only; only what the handling policy lets "
    "partners see (no OFFICIAL-SENSITIVE group record).",
}

#: (what is exported, arguments: store, audience, format, path, area) -> result
ExportFn = Callable[[Store, str, str, Path, str | None], Any]


@dataclass(frozen=True)
class ExportKind:
    """One export the dialog can run."""

    title: str
    file_stem: str
    formats: tuple[tuple[str, str], ...]  # (suffix, label)
    run: ExportFn
    done: Callable[[Any], str]  # the status line for the result
    by_area: bool = False
    #: counts only (per area, per tactic): every audience gets the same figures, no group named
    aggregate: bool = False


def _table(kind: str) -> ExportFn:
    def run(store: Store, audience: str, fmt: str, path: Path, area: str | None) -> Any:
        if kind == "register":
            from socmap.export.register_table import write_register

            return write_register(store, fmt=fmt, audience=audience, path=path)
        from socmap.export.report_tables import write_report

        return write_report(store, kind, fmt=fmt, audience=audience, path=path, area=area)

    return run


def _table_done(result: Any) -> str:
    withheld = f", {plural(result.left_out, 'group')} withheld" if result.left_out else ""
    return (
        f"Wrote {result.path.name}: {plural(result.rows, 'row')}{withheld}; marked {result.marking}"
    )


def _partner_anx(store: Store, audience: str, fmt: str, path: Path, area: str | None) -> Any:
    from socmap.export.anx import write_anx

    return write_anx(store, scope="partners", audience=audience, path=path)


def _anx_done(result: Any) -> str:
    return (
        f"Wrote {result.path.name}: {plural(result.entities, 'entity')}, "
        f"{plural(result.links, 'link')} ({result.left_out} left out); marked {result.marking}"
    )


SPREADSHEET = (("xlsx", "Excel workbook (.xlsx)"), ("csv", "CSV (.csv)"))
KINDS: dict[str, ExportKind] = {
    "register": ExportKind("OCG register", "ocg-register", SPREADSHEET, _table("register"),
                           _table_done),
    "due": ExportKind("Re-assessment due list", "due-list", SPREADSHEET, _table("due"),
                      _table_done, by_area=True),
    "compliance": ExportKind("Compliance figures", "compliance", SPREADSHEET,
                             _table("compliance"), _table_done, by_area=True, aggregate=True),
    "what-works": ExportKind("What works table", "what-works", SPREADSHEET, _table("what-works"),
                             _table_done, by_area=True, aggregate=True),
    "partners-anx": ExportKind("Partner graph as an i2 chart", "partner-graph",
                               (("anx", "i2 Analyst's Notebook chart (.anx)"),), _partner_anx,
                               _anx_done),
}  # fmt: skip


class AudienceExportDialog(QDialog):
    """Choose the format, audience, area and file; Export writes it in the background."""

    def __init__(
        self,
        ctx: UiContext,
        kind: str,
        parent: QWidget | None = None,
        *,
        area: str | None = None,
        areas: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = KINDS[kind]
        self.result_: Any = None
        self.setWindowTitle(f"Export {self.kind.title.lower()}")
        self.setObjectName(f"export_{kind}")
        self.setMinimumWidth(560)
        self.format = QComboBox(objectName="format")
        for fmt, label in self.kind.formats:
            self.format.addItem(label, fmt)
        self.audience = QComboBox(objectName="audience")
        for key, label in briefing.AUDIENCE_LABELS.items():
            self.audience.addItem(label, key)
        self.area = QComboBox(objectName="area")
        self.area.addItem(ALL_AREAS, None)
        for name in areas:
            self.area.addItem(name, name)
        if area:
            self.area.setCurrentText(area)
        self.file = QLineEdit(objectName="file")
        self.file.setText(str(Path.home() / f"{self.kind.file_stem}.{self.kind.formats[0][0]}"))
        browse = QPushButton("Browse…", objectName="browse")
        browse.clicked.connect(self._on_browse_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        if len(self.kind.formats) > 1:
            form.addRow("Format", self.format)
        form.addRow("Audience", self.audience)
        if self.kind.by_area:
            form.addRow("Lead area", self.area)
        form.addRow("File", file_row)
        self.note = QLabel(objectName="note", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setObjectName("export")
        self.buttons.accepted.connect(self._on_export_clicked)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.note)
        lay.addWidget(self.error)
        lay.addWidget(
            QLabel(
                "The file is marked (the highest marking of what it holds) and the export is "
                "recorded on the audit trail with the file's SHA-256.",
                wordWrap=True,
            )
        )
        lay.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.audience.currentIndexChanged.connect(self._on_audience_changed)
        self._on_audience_changed()
        if not ctx.can(Permission.EXPORT):
            self.export_button.setEnabled(False)
            self.error.setText("Your role may not export; ask an administrator.")

    def _on_format_changed(self) -> None:
        fmt = str(self.format.currentData())
        self.file.setText(str(Path(self.file.text() or self.kind.file_stem).with_suffix("." + fmt)))

    def _on_audience_changed(self) -> None:
        if self.kind.aggregate:
            self.note.setText(
                "Counts only: every audience gets the same figures and no group is named."
            )
        else:
            self.note.setText(AUDIENCE_NOTES[str(self.audience.currentData())])

    def _on_browse_clicked(self) -> None:
        fmt = str(self.format.currentData())
        name, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.kind.title.lower()}", self.file.text(), f"{fmt.upper()} (*.{fmt})"
        )
        if name:
            self.file.setText(name)

    def _on_export_clicked(self) -> None:
        path = Path(self.file.text()).expanduser()
        fmt = str(self.format.currentData())
        named = path.suffix.lower().lstrip(".")
        if named in {f for f, _label in self.kind.formats}:
            fmt = named  # the file name chosen decides (as the CLI's suffix does)
            self.format.setCurrentIndex(self.format.findData(named))
        audience = str(self.audience.currentData())
        area = self.area.currentData() if self.kind.by_area else None
        run = self.kind.run
        self.export_button.setEnabled(False)
        self.error.setText("")

        def job(store: Store, _progress: Any) -> Any:
            return run(store, audience, fmt, path, area)

        self.ctx.tasks.run(
            job,
            write=True,
            on_done=self._on_done,
            on_error=self._on_error,
            title=f"Writing the {self.kind.title.lower()}…",
            parent=self,
        )

    def _on_done(self, result: Any) -> None:
        self.result_ = result
        self.ctx.bus.status_message.emit(self.kind.done(result))
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self.export_button.setEnabled(self.ctx.can(Permission.EXPORT))
        self.error.setText(str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")


def open_audience_export_dialog(
    ctx: UiContext, parent: QWidget | None, kind: str, *, area: str | None = None
) -> AudienceExportDialog:
    """Show the export dialog for ``kind`` (window-modal, non-blocking) and return it."""
    areas = briefing.area_names(ctx.store) if KINDS[kind].by_area else []
    dialog = AudienceExportDialog(ctx, kind, parent, area=area, areas=areas)
    dialog.open()
    return dialog


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    AudienceExportDialog(ctx, "due", None, areas=briefing.area_names(ctx.store)).exec()
