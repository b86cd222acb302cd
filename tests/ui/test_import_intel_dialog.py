"""File -> Import intelligence, driven like a user would (issue 3)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog

from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.import_intel_dialog import ImportIntelDialog
from socmap.ui.tasks import TaskRunner
from tests.conftest import act_as


@pytest.fixture
def ctx(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)
    store.close()


def _dialog(qtbot, ctx) -> ImportIntelDialog:  # type: ignore[no-untyped-def]
    dialog = ImportIntelDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _intel_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM intel").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.shared_data
def test_import_police_uk_drugs_and_weapons(qtbot, ctx, shared_data: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = _intel_count(ctx.store.path)
    dialog = _dialog(qtbot, ctx)
    crimes = shared_data / "west-mercia-crimes-2018-06-partial.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(crimes), ""))
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.categories.count() == 14, timeout=10_000)
    assert "9,536 rows of police.uk crimes" in dialog.summary.text()
    assert sorted(dialog.checked_categories()) == ["Drugs", "Possession of weapons"]
    # tick robbery too, like a user would
    robbery = next(
        dialog.categories.item(i)
        for i in range(dialog.categories.count())
        if dialog.categories.item(i).text().startswith("Robbery")
    )
    robbery.setCheckState(Qt.CheckState.Checked)
    shots = os.environ.get("SOCMAP_SCREENSHOTS")
    if shots:
        dialog.grab().save(str(Path(shots) / "import_intel_preview.png"))
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report.isVisible(), timeout=10_000)
    assert "imported 261 of 9,536 rows" in dialog.report.toPlainText()
    assert _intel_count(ctx.store.path) == before + 161 + 66 + 34
    if shots:
        dialog.grab().save(str(Path(shots) / "import_intel_report.png"))


def test_a_secret_row_refuses_the_file(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "log.csv"
    src.write_text(
        "date,type,grade,handling,easting,northing,marking\n"
        "2026-10-01,drugs supply,1B,P,380000,260000,\n"
        "2026-10-02,drugs supply,1B,P,380000,260000,SECRET\n",
        encoding="utf-8",
    )
    before = _intel_count(ctx.store.path)
    dialog = _dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.path, str(src))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.categories.count() == 1, timeout=10_000)
    assert dialog.checked_categories() == ["drugs supply"]
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Nothing was imported" in dialog.error.text(), timeout=10_000)
    assert "row 3" in dialog.error.text() and "marking" in dialog.error.text()
    assert _intel_count(ctx.store.path) == before


def test_wrong_encoding_is_explained_and_can_be_chosen(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "log.csv"
    src.write_bytes(
        "date,type,easting,northing\n2026-10-01,caf\u00e9,380000,260000\n".encode("cp1252")
    )
    dialog = _dialog(qtbot, ctx)
    dialog.set_path(src)
    qtbot.waitUntil(lambda: "not utf-8 text" in dialog.error.text(), timeout=10_000)
    assert not dialog.import_button.isEnabled()
    dialog.encoding.setCurrentText("cp1252")
    qtbot.waitUntil(lambda: dialog.categories.count() == 1, timeout=10_000)
    assert dialog.categories.item(0).text() == "caf\u00e9 (1)"
    assert dialog.import_button.isEnabled()


def test_viewer_cannot_import(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    act_as(ctx.store, "viewer.test", "viewer")
    src = tmp_path / "log.csv"
    src.write_text("date,type,easting,northing\n2026-10-01,x,380000,260000\n", encoding="utf-8")
    dialog = _dialog(qtbot, ctx)
    dialog.set_path(src)
    qtbot.waitUntil(lambda: dialog.categories.count() == 1, timeout=10_000)
    assert not dialog.import_button.isEnabled()
    assert "cannot import" in dialog.error.text()
