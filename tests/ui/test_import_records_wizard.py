"""File -> Import -> Records from a spreadsheet, driven like a user would (issue 15).

The workbook is in the shape forces keep: messy headers, mixed date formats, the role and
"current" columns in the force's own words, and the same man spelt two ways without an ID.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QWizard

from socmap.services import import_spec, spec_import
from socmap.services.progress import NullProgress
from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.import_records_wizard import (
    NOT_IMPORTED,
    ImportRecordsWizard,
    format_values,
    parse_values,
)
from socmap.ui.tasks import TaskRunner

GROUPS = [
    ["  Group URN ", "OCG name", "STATUS", "Main Market:", "Date Identified"],
    ["WM/0101", "Kelly network", "New", "drugs", dt.datetime(2024, 2, 3)],
    ["WM/0102", "Eastside crew", "Under review", "theft", "05/03/2024"],
    ["WM/0103", "Quarry lads", "New", "fraud", "07-Apr-24"],
]
MEMBERS = [
    ["Group URN", "Person No.", "Surname", "Forename(s)", "D.O.B", "Role", "Current?"],
    ["WM/0101", "P1001", "KELLY", "Sean", dt.datetime(1984, 5, 2), "Principal Member", "Y"],
    ["WM/0101", "", "O'Brien", "Sean", "02/01/1990", "Significant Member", "Y"],
    ["WM/0102", "P1003", "Bryce", "Ann", "1991-07-30", "Principal Member", "Y"],
    ["WM/0102", "", "OBRIEN", "Shaun", "02/01/1990", "Peripheral Member", "N"],
    ["WM/0103", "P1005", "Hale", "Dean", "14/11/1979", "Peripheral Member", "Y"],
]
VALUES = (
    "role: Principal Member = principal\n"
    "role: Significant Member = significant\n"
    "role: Peripheral Member = peripheral\n"
    "status: New = trigger\n"
    "status: Under review = draft\n"
    "current: Y = yes\n"
    "current: N = no\n"
)
TABLES = ("ocgs", "nominals", "memberships", "import_keys", "audit")


def _book(path: Path, members: list[list[Any]] = MEMBERS) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "OCG List"
    for r in GROUPS:
        ws.append(r)
    sheet = wb.create_sheet("Members")
    for r in members:
        sheet.append(r)
    wb.save(path)
    return path


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


@pytest.fixture
def ctx(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "force.db")  # a file: the tasks run on worker threads
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)
    store.close()


def _shot(widget: Any, name: str) -> None:
    folder = os.environ.get("SOCMAP_SCREENSHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / name))


def _map_by_hand(qtbot, wizard: ImportRecordsWizard) -> None:  # type: ignore[no-untyped-def]
    """Build the mapping as a user would: tick records, fix the columns the guess missed."""
    page = wizard.mapping_page
    page.sheet.setCurrentText("OCG List")
    page.types["group"].click()
    # the guesses from the force's headers
    assert page.combo("group", "name").currentText() == "OCG name"
    assert page.combo("group", "primary_market").currentText() == "Main Market:"
    assert page.combo("group", "identified_on").currentText() == "Date Identified"
    page.combo("group", "key").setCurrentText("Group URN")
    page.combo("group", "status").setCurrentText("STATUS")
    page.sheet.setCurrentText("Members")
    page.types["nominal"].click()
    page.types["membership"].click()
    assert page.combo("nominal", "surname").currentText() == "Surname"
    assert page.combo("nominal", "forenames").currentText() == "Forename(s)"
    assert page.combo("membership", "group").currentText() == "Group URN"
    assert page.combo("membership", "role").currentText() == "Role"
    page.combo("nominal", "key").setCurrentText("Person No.")
    page.combo("nominal", "date_of_birth").setCurrentText("D.O.B")
    page.combo("membership", "current").setCurrentText("Current?")
    page.date_formats.setText("%d/%m/%Y, %d-%b-%y")
    page.values.setPlainText(VALUES)


def test_wizard_maps_previews_and_imports_a_force_spreadsheet(
    qtbot, ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    book = _book(tmp_path / "ocg tracker.xlsx")
    wizard = ImportRecordsWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(book), ""))
    qtbot.mouseClick(wizard.file_page.browse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10_000)
    assert "OCG List: 5 columns; Members: 7 columns" in wizard.file_page.summary.text()
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    assert not wizard.mapping_page.isComplete()  # nothing ticked yet
    _map_by_hand(qtbot, wizard)
    assert wizard.mapping_page.isComplete(), wizard.mapping_page.error.text()
    _shot(wizard, "import_records_mapping.png")

    # save the spec: the CLI reads the same file
    spec_file = tmp_path / "tracker-spec.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(spec_file), ""))
    qtbot.mouseClick(wizard.mapping_page.save_button, Qt.MouseButton.LeftButton)
    saved = json.loads(spec_file.read_text(encoding="utf-8"))
    assert saved["sheets"]["Members"][0] == {
        "type": "nominal",
        "key": "Person No.",
        "columns": {
            "surname": "Surname",
            "forenames": "Forename(s)",
            "date_of_birth": "D.O.B",
        },
    }
    assert import_spec.load_spec(spec_file) == wizard.spec

    wizard.next()
    page = wizard.preview_page
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=10_000)
    assert not wizard.plan.problems, wizard.plan.problems
    assert "group: 3 to create" in page.summary.text()
    assert "nominal: 5 to create" in page.summary.text()
    assert page.model.rowCount() == 3 + 5 * 2
    # the duplicate man is proposed, not merged: one tickable candidate
    assert page.candidates.count() == 1
    assert page.candidates.item(0).text().startswith("Members:5 OBRIEN, Shaun is row Members:3")
    assert page.isComplete()
    _shot(wizard, "import_records_preview.png")

    before = _counts(ctx.store.path)
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.imported
    after = _counts(ctx.store.path)
    assert after["ocgs"] == before["ocgs"] + 3
    assert after["nominals"] == before["nominals"] + 5  # not merged silently
    assert after["memberships"] == before["memberships"] + 5
    assert after["audit"] > before["audit"]
    assert "imported (SHA-256" in page.report.toPlainText()
    assert wizard.buttonText(QWizard.WizardButton.FinishButton) == "Close"
    _shot(wizard, "import_records_done.png")


def test_refused_values_are_named_per_row_like_the_cli(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = [*MEMBERS, ["WM/0999", "P1009", "Ward", "Lee", "31/02/1990", "Boss", "Y"]]
    book = _book(tmp_path / "tracker.xlsx", bad)
    wizard = ImportRecordsWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_path(book)
    qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10_000)
    wizard.next()
    _map_by_hand(qtbot, wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=10_000)
    problems = wizard.preview_page.problems.toPlainText().splitlines()
    # the CLI's own one-line messages: file, sheet, row, column
    assert (
        "tracker.xlsx, sheet Members, row 7, column 'D.O.B': '31/02/1990' is not a date"
        in (problems[0])
    )
    assert any("row 7, column 'Group URN': no group with key or reference 'WM/0999'" in p
               for p in problems)  # fmt: skip
    qtbot.wait(50)
    _shot(wizard, "import_records_refused.png")
    refused = [r for r in wizard.preview_page.model.rows if r.action == "refused"]
    assert {r.ref for r in refused} == {"Members:7"}
    assert not wizard.preview_page.isComplete()
    before = _counts(ctx.store.path)
    wizard.accept()  # nothing happens while values are refused
    ctx.tasks.wait()
    assert _counts(ctx.store.path) == before and not wizard.imported


def test_loaded_spec_and_a_file_changed_before_import_leaves_the_database_alone(
    qtbot, ctx, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    book = _book(tmp_path / "tracker.xlsx")
    # build and save a spec headlessly from the same model the wizard uses
    spec = import_spec.spec_from_dict(
        {
            "system": "tracker",
            "date_formats": ["%d/%m/%Y", "%d-%b-%y"],
            "values": parse_values(VALUES),
            "sheets": {
                "ocg list": [{"type": "group", "key": "Group URN",
                              "columns": {"name": "OCG Name", "status": "Status"}}],
                "MEMBERS": [{"type": "nominal", "key": "Person No.",
                             "columns": {"surname": "Surname", "forenames": "Forename(s)"}},
                            {"type": "membership",
                             "columns": {"group": "Group URN", "role": "Role"}}],
            },
        }
    )  # fmt: skip
    spec_file = import_spec.save_spec(spec, tmp_path / "spec.json")
    wizard = ImportRecordsWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_path(book)
    qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10_000)
    wizard.next()
    assert wizard.load_spec(spec_file)
    assert wizard.mapping_page.sheet.currentText() == "OCG List"  # matched ignoring case
    assert wizard.mapping_page.combo("group", "name").currentText() == "OCG Name"
    assert "role: principal member = principal" in wizard.mapping_page.values.toPlainText()
    assert wizard.mapping_page.combo("group", "status").currentText() != NOT_IMPORTED
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=10_000)
    assert not wizard.plan.problems
    # the file is edited after the preview: the import re-reads it and refuses, all or nothing
    _book(book, [*MEMBERS, ["WM/0101", "P1010", "", "Nobody", "", "Principal Member", "Y"]])
    before = _counts(ctx.store.path)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    qtbot.waitUntil(
        lambda: "Nothing was imported" in wizard.preview_page.error.text(), timeout=20_000
    )
    assert "row 7" in wizard.preview_page.error.text()
    assert _counts(ctx.store.path) == before
    assert not wizard.imported


def test_cancelling_the_import_rolls_everything_back(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = _book(tmp_path / "tracker.xlsx")
    spec = import_spec.spec_from_dict(
        {
            "values": parse_values(VALUES),
            "date_formats": ["%d/%m/%Y", "%d-%b-%y"],
            "sheets": {
                "OCG List": [{"type": "group", "key": "Group URN", "columns": {"name": "OCG name"}}],
                "Members": [{"type": "nominal", "columns": {"surname": "Surname"}},
                            {"type": "membership", "columns": {"group": "Group URN",
                                                               "role": "Role"}}],
            },
        }
    )  # fmt: skip

    class CancelsMidway(NullProgress):
        def __init__(self) -> None:
            self.calls = 0

        @property
        def cancelled(self) -> bool:
            self.calls += 1
            return self.calls > 6  # after the groups and some people are written

    before = _counts(ctx.store.path)
    progress = CancelsMidway()
    with pytest.raises(spec_import.Cancelled):
        spec_import.import_file(ctx.store, book, spec=spec, progress=progress)
    assert progress.calls > 6
    assert _counts(ctx.store.path) == before


def test_value_mappings_round_trip() -> None:
    values = parse_values(VALUES)
    assert values["current"] == {"Y": True, "N": False}
    assert parse_values(format_values(values)) == values
    with pytest.raises(ValueError, match="line 1"):
        parse_values("role Principal Member principal")


def test_a_long_sheet_says_how_many_records_the_preview_leaves_out(
    qtbot, ctx, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    members = [MEMBERS[0]] + [
        ["WM/0101", f"P{2000 + i}", f"Surname{i}", "Lee", "01/01/1990", "Peripheral Member", "Y"]
        for i in range(150)
    ]
    book = _book(tmp_path / "long.xlsx", members)
    wizard = ImportRecordsWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_path(book)
    qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10_000)
    wizard.next()
    _map_by_hand(qtbot, wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=10_000)
    page = wizard.preview_page
    total = 3 + 150 * 2
    assert page.model.rowCount() == 200 and page.model.total == total
    assert page.cut_note.isVisible()
    assert "showing 200 of 303 records" in page.cut_note.text()
    page.cut_note.button.click()
    assert page.model.rowCount() == total
    assert not page.cut_note.isVisible()


def test_an_edited_copy_updates_instead_of_duplicating(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def run_wizard(book: Path, spec_file: Path | None) -> ImportRecordsWizard:
        wizard = ImportRecordsWizard(ctx)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.set_path(book)
        qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10_000)
        wizard.next()
        if spec_file is None:
            _map_by_hand(qtbot, wizard)
            assert wizard.save_spec(tmp_path / "spec.json")
        else:
            assert wizard.load_spec(spec_file)
        wizard.next()
        qtbot.waitUntil(lambda: wizard.plan is not None, timeout=10_000)
        return wizard

    first = run_wizard(_book(tmp_path / "tracker.xlsx"), None)
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        first.button(QWizard.WizardButton.FinishButton).click()
    after_first = _counts(ctx.store.path)
    # next month's copy, another file name: Ann Bryce promoted, one new member
    edited = [list(r) for r in MEMBERS]
    edited[3][5] = "Significant Member"
    edited.append(["WM/0103", "P1006", "Ward", "Lee", "01/02/1995", "Peripheral Member", "Y"])
    second = run_wizard(_book(tmp_path / "tracker 2026-12.xlsx", edited), tmp_path / "spec.json")
    counts = second.plan.counts()
    assert counts["group"] == {"unchanged": 3}
    assert counts["nominal"].get("create") == 3  # the new man and the two without an ID again
    # ... who are proposed as the people already known, for the analyst to tick, never merged
    assert {c.row for c in second.plan.candidates} == {"Members:3", "Members:5"}
    assert second.preview_page.candidates.count() >= 2
    assert counts["membership"].get("update") == 1
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        second.button(QWizard.WizardButton.FinishButton).click()
    after = _counts(ctx.store.path)
    assert after["ocgs"] == after_first["ocgs"]
    assert after["memberships"] >= after_first["memberships"] + 1


def test_ticking_a_candidate_records_the_same_person_once(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = ImportRecordsWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_path(_book(tmp_path / "tracker.xlsx"))
    qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10_000)
    wizard.next()
    _map_by_hand(qtbot, wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.plan is not None, timeout=10_000)
    page = wizard.preview_page
    page.candidates.item(0).setCheckState(Qt.CheckState.Checked)  # "yes, the same man"
    qtbot.waitUntil(
        lambda: wizard.plan is not None and "same person" in wizard.plan.counts()["nominal"],
        timeout=10_000,
    )
    assert wizard.plan.counts()["nominal"] == {"create": 4, "same person": 1}
    assert page.accepted_matches() == {"Members:5": "Members:3"}
    before = _counts(ctx.store.path)
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    after = _counts(ctx.store.path)
    assert after["nominals"] == before["nominals"] + 4
    # the same man in two groups: two memberships of one person
    conn = sqlite3.connect(ctx.store.path)
    try:
        rows = conn.execute(
            "SELECT n.surname, COUNT(*) FROM memberships m JOIN nominals n ON n.id = m.nominal_id "
            "WHERE n.surname = 'O''Brien' GROUP BY n.id"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("O'Brien", 2)]
