"""File -> Import -> Records from a spreadsheet: choose the file, map its columns, preview, import.

The mapping is an import specification (``services.import_spec``'s model: the same one
``socmap import FILE --spec SPEC.json`` reads), loaded from a file or built here and saved for
next time. The preview is the importer's own plan of the whole file, read on a read task: the
first records as they would be imported and every refused value with the CLI's one-line
message (file, sheet, row, column). Candidate matches for a person are shown for the user to
accept; nothing is merged silently. The import runs on the writer lane with progress and
Cancel, in one transaction: on any error or a cancel the database is left as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from socmap.domain.errors import Cancelled, SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import import_spec, spec_import
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.models.import_models import ImportPreviewModel
from socmap.ui.widgets.tables import CutNote

FILE_FILTER = (
    "Spreadsheets (*.xlsx *.xlsm *.csv);;Excel (*.xlsx *.xlsm);;CSV (*.csv);;All files (*)"
)
SPEC_FILTER = "Import specifications (*.json);;All files (*)"
NOT_IMPORTED = "(not imported)"
KEY_FIELD = "key"
PREVIEW_LIMIT = 200
_TRUE = {"yes", "true", "y"}
_FALSE = {"no", "false", "n"}


def _err(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}"


def parse_values(text: str) -> dict[str, dict[str, Any]]:
    """Value mappings typed as lines ``field: Text in the file = socmap value``.

    ``yes``/``true`` and ``no``/``false`` on the right become booleans (for ``current``).

    Raises:
        ValueError: a line that is not in that shape (its number named).
    """
    out: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fld, colon, rest = line.partition(":")
        src, eq, dst = rest.rpartition("=")
        if not colon or not eq or not fld.strip() or not src.strip():
            raise ValueError(f"value mappings, line {n}: write 'field: text = value'")
        value: Any = dst.strip()
        if value.casefold() in _TRUE:
            value = True
        elif value.casefold() in _FALSE:
            value = False
        out.setdefault(fld.strip(), {})[src.strip()] = value
    return out


def format_values(values: dict[str, dict[str, Any]]) -> str:
    """:func:`parse_values`' text for a specification's value mappings."""
    lines = []
    for fld, mapping in values.items():
        for src, dst in mapping.items():
            shown = ("yes" if dst else "no") if isinstance(dst, bool) else dst
            lines.append(f"{fld}: {src} = {shown}")
    return "\n".join(lines)


class FilePage(QWizardPage):
    """Step 1: the spreadsheet, read on a worker to list its sheets and headers."""

    def __init__(self, wizard: ImportRecordsWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Choose the spreadsheet")
        self.setSubTitle("An Excel workbook (.xlsx) or a CSV file with the force's own columns.")
        self.path = QLineEdit(objectName="path", placeholderText="FILE.xlsx or FILE.csv")
        self.browse = QPushButton("Browse…", objectName="browse")
        self.summary = QLabel(objectName="file_summary", wordWrap=True)
        self.error = QLabel(objectName="file_error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.summary)
        lay.addWidget(self.error)
        lay.addStretch(1)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.path.editingFinished.connect(self._on_path_edited)

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Spreadsheet", "", FILE_FILTER)
        if chosen:
            self.w.set_path(chosen)

    def _on_path_edited(self) -> None:
        text = self.path.text().strip()
        if text and text != str(self.w.source or ""):
            self.w.set_path(text)

    def isComplete(self) -> bool:
        """Next once the file's sheets have been read."""
        return bool(self.w.headers)


class MappingPage(QWizardPage):
    """Step 2: the specification: which records each sheet holds and which column fills what."""

    def __init__(self, wizard: ImportRecordsWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Map the columns")
        self.setSubTitle(
            "Tick the records each sheet holds and choose the column for each field "
            "(* required). The key column holds the force's stable identifier: re-importing an "
            "updated sheet then updates instead of duplicating."
        )
        self.load_button = QPushButton("Load specification…", objectName="load_spec")
        self.save_button = QPushButton("Save specification…", objectName="save_spec")
        self.system = QLineEdit(objectName="system")
        self.system.setToolTip(
            "Names the records system the sheet comes from; re-imports with the same name "
            "update the records their keys were imported as"
        )
        self.date_formats = QLineEdit(
            objectName="date_formats", placeholderText="%d/%m/%Y, %d-%b-%y"
        )
        self.sheet = QComboBox(objectName="sheet")
        self.types: dict[str, QCheckBox] = {}
        types_row = QHBoxLayout()
        for t in import_spec.RECORD_TYPES:
            box = QCheckBox(t, objectName=f"type_{t}")
            box.toggled.connect(lambda on, t=t: self._on_type_toggled(t, on))
            self.types[t] = box
            types_row.addWidget(box)
        types_row.addStretch(1)
        self.table = QTableWidget(0, 3, objectName="mapping")
        self.table.setHorizontalHeaderLabels(["Record", "Field", "Spreadsheet column"])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.values = QPlainTextEdit(objectName="values")
        self.values.setPlaceholderText("role: Principal Member = principal\ncurrent: Y = yes")
        self.values.setMaximumHeight(90)
        self.error = QLabel(objectName="mapping_error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")

        top = QHBoxLayout()
        top.addWidget(self.load_button)
        top.addWidget(self.save_button)
        top.addStretch(1)
        form = QFormLayout()
        form.addRow("Source system", self.system)
        form.addRow("Date formats", self.date_formats)
        form.addRow("Sheet", self.sheet)
        form.addRow("Records on each row", types_row)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(QLabel("Value mappings (field: text in the file = socmap value)"))
        lay.addWidget(self.values)
        lay.addWidget(self.error)

        self.sheet.currentTextChanged.connect(lambda _t: self.show_sheet())
        self.load_button.clicked.connect(self._on_load_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        for edit in (self.system, self.date_formats):
            edit.textChanged.connect(lambda _t: self.w.mapping_changed())
        self.values.textChanged.connect(self.w.mapping_changed)

    # -- showing the state -------------------------------------------------------------

    def initializePage(self) -> None:
        """Fill the sheet list from the file (keeping the mapping so far)."""
        self.sheet.blockSignals(True)
        self.sheet.clear()
        self.sheet.addItems(list(self.w.headers))
        self.sheet.blockSignals(False)
        if not self.system.text():
            self.system.setText(self.w.system or "spreadsheet")
        self.show_sheet()
        self.w.mapping_changed()

    def show_sheet(self) -> None:
        """The type boxes and mapping rows of the sheet chosen."""
        sheet = self.sheet.currentText()
        chosen = self.w.mapping.get(sheet, {})
        for t, box in self.types.items():
            box.blockSignals(True)
            box.setChecked(t in chosen)
            box.blockSignals(False)
        headers = self.w.headers.get(sheet, ())
        self.table.setRowCount(0)
        for t, rec in chosen.items():
            for fld in (KEY_FIELD, *import_spec.RECORD_TYPES[t]):
                r = self.table.rowCount()
                self.table.insertRow(r)
                self.table.setItem(r, 0, QTableWidgetItem(t))
                req = fld in import_spec.REQUIRED[t]
                self.table.setItem(r, 1, QTableWidgetItem(fld + (" *" if req else "")))
                for c in (0, 1):
                    item = self.table.item(r, c)
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                combo = QComboBox(objectName=f"map_{t}_{fld}")
                combo.addItems([NOT_IMPORTED, *[h for h in headers if h]])
                current = rec.get("key") if fld == KEY_FIELD else rec["columns"].get(fld)
                if current and combo.findText(current) < 0:
                    combo.addItem(current)  # a loaded spec's column the sheet spells differently
                combo.setCurrentText(current or NOT_IMPORTED)
                combo.currentTextChanged.connect(
                    lambda text, t=t, fld=fld: self._on_column_chosen(t, fld, text)
                )
                self.table.setCellWidget(r, 2, combo)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

    def combo(self, record_type: str, fld: str) -> QComboBox:
        """The column chooser for one field of the sheet shown (tests drive it)."""
        found = self.table.findChild(QComboBox, f"map_{record_type}_{fld}")
        if found is None:
            raise KeyError(f"{record_type}.{fld} is not shown")
        return found

    def show_spec(self, spec: import_spec.Spec) -> None:
        """Show a loaded specification."""
        for edit in (self.system, self.date_formats, self.values):
            edit.blockSignals(True)
        self.system.setText(spec.system)
        self.date_formats.setText(", ".join(spec.date_formats))
        self.values.setPlainText(format_values(spec.values))
        for edit in (self.system, self.date_formats, self.values):
            edit.blockSignals(False)
        self.show_sheet()
        self.w.mapping_changed()

    # -- edits -------------------------------------------------------------------------

    def _on_type_toggled(self, record_type: str, on: bool) -> None:
        sheet = self.sheet.currentText()
        recs = self.w.mapping.setdefault(sheet, {})
        if on:
            guessed = import_spec.guess_columns(record_type, self.w.headers.get(sheet, ()))
            recs[record_type] = {"key": None, "columns": guessed, "values": {}}
        else:
            recs.pop(record_type, None)
            if not recs:
                self.w.mapping.pop(sheet, None)
        self.show_sheet()
        self.w.mapping_changed()

    def _on_column_chosen(self, record_type: str, fld: str, text: str) -> None:
        rec = self.w.mapping[self.sheet.currentText()][record_type]
        column = None if text == NOT_IMPORTED else text
        if fld == KEY_FIELD:
            rec["key"] = column
        elif column is None:
            rec["columns"].pop(fld, None)
        else:
            rec["columns"][fld] = column
        self.w.mapping_changed()

    def _on_load_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import specification", "", SPEC_FILTER)
        if chosen:
            self.w.load_spec(Path(chosen))

    def _on_save_clicked(self) -> None:
        default = str(self.w.spec_path or (self.w.source or Path("spec")).with_suffix(".json"))
        chosen, _ = QFileDialog.getSaveFileName(self, "Save specification", default, SPEC_FILTER)
        if chosen:
            self.w.save_spec(Path(chosen))

    def isComplete(self) -> bool:
        """Next once the mapping is a valid specification."""
        return self.w.spec is not None


class PreviewPage(QWizardPage):
    """Step 3: the importer's plan of the whole file; Import runs it."""

    def __init__(self, wizard: ImportRecordsWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Preview and import")
        self.setSubTitle(
            "The whole file is imported in one transaction or not at all: every refused value "
            "is named below and nothing is written until none is left."
        )
        self.summary = QLabel(objectName="preview_summary", wordWrap=True)
        self.model = ImportPreviewModel(self)
        self.table = QTableView(objectName="preview", sortingEnabled=False)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.cut_note = CutNote(
            self.model, "record", self._show_more, how="press 'Show all' to list them"
        )
        self.candidates = QListWidget(objectName="candidates")
        self.candidates.setMaximumHeight(100)
        self.candidates_label = QLabel(
            "Possible matches with people already known (tick to record as the same person; "
            "unticked, a new person is recorded):",
            wordWrap=True,
        )
        self.problems = QPlainTextEdit(objectName="problems", readOnly=True)
        self.problems.setMaximumHeight(110)
        self.error = QLabel(objectName="preview_error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.report = QPlainTextEdit(objectName="report", readOnly=True)
        self.report.setVisible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.cut_note)
        lay.addWidget(self.candidates_label)
        lay.addWidget(self.candidates)
        lay.addWidget(QLabel("Refused values:"))
        lay.addWidget(self.problems)
        lay.addWidget(self.error)
        lay.addWidget(self.report)
        self.candidates.itemChanged.connect(lambda _i: self.w.refresh_preview())

    def initializePage(self) -> None:
        """Plan the import with the mapping chosen."""
        self.w.refresh_preview()

    def _show_more(self, limit: int) -> None:
        self.w.preview_limit = limit
        if self.w.plan is not None:
            self.model.set_rows(spec_import.preview_rows(self.w.plan, limit=limit))

    def accepted_matches(self) -> dict[str, str]:
        """``{Sheet:ROW: target}`` for the candidate matches ticked."""
        out = {}
        for i in range(self.candidates.count()):
            item = self.candidates.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                row, target = item.data(Qt.ItemDataRole.UserRole)
                out[row] = target
        return out

    def isComplete(self) -> bool:
        """Import once the plan has no refused value (and the account may edit)."""
        plan = self.w.plan
        return (
            self.w.imported
            or (plan is not None and not plan.problems and self.w.ctx.can(Permission.EDIT))
        ) and not self.w.importing


class ImportRecordsWizard(QWizard):
    """File -> Import -> Records from a spreadsheet."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import records")
        self.setObjectName("import_records")
        self.resize(900, 680)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.source: Path | None = None
        self.headers: dict[str, tuple[str, ...]] = {}
        #: {sheet: {record type: {"key": column|None, "columns": {field: column}, "values": {}}}}
        self.mapping: dict[str, dict[str, dict[str, Any]]] = {}
        #: names the source: keys are remembered per system, so an edited copy of the same
        #: tracker (under any file name) updates what the first import created
        self.system = "spreadsheet"
        self.spec: import_spec.Spec | None = None
        self.spec_path: Path | None = None
        self.plan: spec_import.SpecPlan | None = None
        self.import_result: spec_import.SpecImportResult | None = None
        self.imported = False
        self.importing = False
        self._generation = 0
        #: how many records the preview lists ('Show all' under it raises it)
        self.preview_limit = PREVIEW_LIMIT
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        for page in (self.file_page, self.mapping_page, self.preview_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Import")
        if not ctx.can(Permission.EDIT):
            self.file_page.error.setText("Your role cannot import records.")

    # -- the file ----------------------------------------------------------------------

    def set_path(self, path: str | Path) -> None:
        """Choose the spreadsheet and read its sheets and headers on a worker."""
        target = Path(path)
        self.file_page.path.setText(str(target))
        self.source = target
        self.headers = {}
        self.file_page.error.setText("")
        self.file_page.summary.setText("Reading the file…")
        self.file_page.completeChanged.emit()
        self._generation += 1
        generation = self._generation

        def job(_store: Store, _progress: Any) -> Any:
            return import_spec.sheet_headers(target)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda result: self._on_headers_done(generation, result),
            on_error=lambda exc: self._on_headers_failed(generation, exc),
        )

    def _on_headers_done(self, generation: int, headers: dict[str, tuple[str, ...]]) -> None:
        if generation != self._generation:
            return
        self.headers = headers
        self.file_page.summary.setText(
            "; ".join(
                f"{name}: {plural(len([h for h in hs if h]), 'column')}"
                for name, hs in headers.items()
            )
        )
        self.file_page.completeChanged.emit()

    def _on_headers_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.file_page.summary.setText("")
        self.file_page.error.setText(_err(exc))
        self.file_page.completeChanged.emit()

    # -- the specification -------------------------------------------------------------

    def load_spec(self, path: Path) -> bool:
        """Use a saved specification (its sheets matched to the file's, ignoring case)."""
        try:
            spec = import_spec.load_spec(path)
        except SocmapError as exc:
            self.mapping_page.error.setText(_err(exc))
            return False
        by_norm = {import_spec.normalise(s): s for s in self.headers}
        self.mapping = {}
        for sheet, recs in spec.sheets.items():
            name = by_norm.get(import_spec.normalise(sheet), sheet)
            if self.source is not None and self.source.suffix.lower() == ".csv":
                name = next(iter(self.headers), sheet)  # a CSV is the spec's one sheet
            self.mapping[name] = {
                r.type: {"key": r.key, "columns": dict(r.columns), "values": dict(r.values)}
                for r in recs
            }
        self.spec_path = path
        i = self.mapping_page.sheet.findText(next(iter(self.mapping), ""))
        if i >= 0:
            self.mapping_page.sheet.setCurrentIndex(i)
        self.mapping_page.show_spec(spec)
        return True

    def save_spec(self, path: Path) -> bool:
        """Save the mapping as a specification file for ``socmap import --spec`` and next time."""
        if self.spec is None:
            return False
        try:
            import_spec.save_spec(self.spec, path)
        except (SocmapError, OSError) as exc:
            self.mapping_page.error.setText(_err(exc))
            return False
        self.spec_path = path
        self.ctx.bus.status_message.emit(f"Saved the import specification to {path}")
        return True

    def spec_document(self) -> dict[str, Any]:
        """The mapping as a specification document (what :func:`save_spec` writes)."""
        page = self.mapping_page
        formats = [f.strip() for f in page.date_formats.text().split(",") if f.strip()]
        sheets: dict[str, list[dict[str, Any]]] = {}
        for sheet, recs in self.mapping.items():
            sheets[sheet] = [
                {
                    "type": t,
                    "columns": dict(r["columns"]),
                    **({"key": r["key"]} if r.get("key") else {}),
                    **({"values": r["values"]} if r.get("values") else {}),
                }
                for t, r in recs.items()
            ]
        return {
            "system": page.system.text().strip() or "spreadsheet",
            "date_formats": formats,
            "values": parse_values(page.values.toPlainText()),
            "sheets": sheets,
        }

    def mapping_changed(self) -> None:
        """Re-check the mapping as a specification; its problem is shown on the page."""
        self.spec = None
        self.plan = None
        try:
            if not self.mapping:
                raise ValueError("tick the records at least one sheet holds")
            self.spec = import_spec.spec_from_dict(self.spec_document(), name="the mapping")
            self.mapping_page.error.setText("")
        except (SocmapError, ValueError) as exc:
            self.mapping_page.error.setText(str(exc))
        self.mapping_page.save_button.setEnabled(self.spec is not None)
        self.mapping_page.completeChanged.emit()

    # -- the preview -------------------------------------------------------------------

    def refresh_preview(self) -> None:
        """Plan the import of the whole file on a read task (nothing is written)."""
        if self.spec is None or self.source is None or self.imported:
            return
        page = self.preview_page
        self.plan = None
        page.summary.setText("Reading the file and matching it with the register…")
        page.error.setText("")
        page.completeChanged.emit()
        self._generation += 1
        generation = self._generation
        spec, source, accept = self.spec, self.source, page.accepted_matches()

        def job(store: Store, _progress: Any) -> Any:
            return spec_import.plan(store, source, spec, accept=accept)

        self.ctx.tasks.run(
            job,
            write=False,
            on_done=lambda plan: self._on_plan_done(generation, plan, accept),
            on_error=lambda exc: self._on_plan_failed(generation, exc),
        )

    def _on_plan_done(
        self, generation: int, plan: spec_import.SpecPlan, accept: dict[str, str]
    ) -> None:
        if generation != self._generation:
            return
        page = self.preview_page
        self.plan = plan
        counts = plan.counts()
        lines = [
            f"{kind}: " + ", ".join(f"{n} to {a}" for a, n in sorted(c.items()))
            for kind, c in counts.items()
        ]
        page.summary.setText(
            f"{plan.path.name}: "
            + ("; ".join(lines) or "no records")
            + (f". {plural(len(plan.problems), 'refused value')}." if plan.problems else ".")
        )
        page.model.set_rows(spec_import.preview_rows(plan, limit=self.preview_limit))
        page.table.resizeColumnsToContents()
        values = page.model.column_index("values")
        page.table.setColumnWidth(values, min(page.table.columnWidth(values), 380))
        refused = next((i for i, r in enumerate(page.model.rows) if r.action == "refused"), None)
        if refused is not None:  # show the first refused record, not the top of the file
            index = page.model.index(refused, 0)
            QTimer.singleShot(
                0,
                lambda: page.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop),
            )
        page.problems.setPlainText("\n".join(p.text(plan.path) for p in plan.problems) or "none")
        page.candidates.blockSignals(True)
        page.candidates.clear()
        for c in plan.candidates:
            for match, target in zip(c.matches, c.targets, strict=False):
                item = QListWidgetItem(f"{c.row} {c.name} is {match}")
                item.setData(Qt.ItemDataRole.UserRole, (c.row, target))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                page.candidates.addItem(item)
        for row, target in accept.items():  # accepted: no longer a candidate, still listed
            item = QListWidgetItem(f"{row} recorded as the same person as {target}")
            item.setData(Qt.ItemDataRole.UserRole, (row, target))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            page.candidates.addItem(item)
        page.candidates.blockSignals(False)
        visible = page.candidates.count() > 0
        page.candidates.setVisible(visible)
        page.candidates_label.setVisible(visible)
        if not self.ctx.can(Permission.EDIT):
            page.error.setText("Your role cannot import records.")
        page.completeChanged.emit()

    def _on_plan_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.preview_page.summary.setText("")
        self.preview_page.error.setText(_err(exc))
        self.preview_page.completeChanged.emit()

    # -- the import --------------------------------------------------------------------

    def accept(self) -> None:
        """Import (the first press), close (once imported)."""
        if self.imported:
            super().accept()
            return
        if self.plan is None or self.plan.problems or self.importing:
            return
        self.start_import()

    def start_import(self) -> None:
        """Run the import on the writer lane with a cancellable progress dialog."""
        assert self.spec is not None and self.source is not None
        spec, source, spec_path = self.spec, self.source, self.spec_path
        accept = self.preview_page.accepted_matches()
        self.importing = True
        self.preview_page.completeChanged.emit()
        self.preview_page.error.setText("")

        def job(store: Store, progress: Any) -> Any:
            return spec_import.import_file(
                store, source, spec=spec, spec_path=spec_path, accept=accept, progress=progress
            )

        self.task = self.ctx.tasks.run(
            job,
            write=True,
            on_done=self._on_import_done,
            on_error=self._on_import_failed,
            title="Importing records…",
            parent=self,
        )

    def _on_import_done(self, result: spec_import.SpecImportResult) -> None:
        self.importing = False
        self.imported = True
        self.import_result = result
        page = self.preview_page
        page.report.setPlainText(
            "\n".join([*result.plan.lines(), f"imported (SHA-256 {result.sha256[:12]}…)"])
        )
        page.report.setVisible(True)
        page.candidates.setEnabled(False)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Close")
        page.completeChanged.emit()
        self.ctx.bus.changes_applied.emit(spec_import.changes_of(result.plan), self)
        n = sum(sum(c.values()) for c in result.plan.counts().values())
        self.ctx.bus.status_message.emit(
            f"Imported {plural(n, 'record')} from {result.plan.path.name}"
        )

    def _on_import_failed(self, exc: BaseException) -> None:
        self.importing = False
        page = self.preview_page
        self.refresh_preview()  # the file or the register may have changed: plan again
        if isinstance(exc, Cancelled):
            page.error.setText("Import cancelled. Nothing was imported.")
        else:
            page.error.setText(_err(exc) + "\nNothing was imported.")


def open_import_records_wizard(ctx: UiContext, parent: QWidget | None) -> None:
    """Show File -> Import -> Records from a spreadsheet (modal)."""
    from socmap.ui.dialogs.modal import run_modal

    run_modal(ImportRecordsWizard(ctx, parent))


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    open_import_records_wizard(ctx, None)
