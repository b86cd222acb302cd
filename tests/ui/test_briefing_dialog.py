"""The briefing export dialog: runs the export through ctx.tasks; viewers cannot export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from socmap.services.session import open_store
from socmap.store import audit
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.briefing_dialog import ALL_AREAS, open_briefing_dialog
from socmap.ui.tasks import TaskRunner
from tests.conftest import act_as


def make_ctx(path: Path) -> UiContext:
    store = open_store(path)
    return UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())


def test_dialog_exports_an_atlas(qtbot, demo_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx(demo_path)
    dialog = open_briefing_dialog(ctx)
    qtbot.addWidget(dialog)
    dialog.area.setCurrentIndex(dialog.area.findText(ALL_AREAS))
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    dialog.audience.setCurrentIndex(dialog.audience.findData("partner"))
    assert "one page per area" in dialog.note.text()
    target = tmp_path / "atlas.pdf"
    dialog.file.setText(str(target))
    messages: list[str] = []
    ctx.bus.status_message.connect(messages.append)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=20_000)
    assert target.exists() and dialog.result_.pages == 5
    assert messages and "atlas.pdf" in messages[-1]
    assert len(audit.rows(ctx.store, action="export")) == 1
    ctx.tasks.wait()
    ctx.store.close()


def test_dialog_shows_a_lowered_marking_needs_a_reason(
    qtbot, demo_path: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx(demo_path)
    errors: list[BaseException] = []
    monkeypatch.setattr(ctx, "report_error", lambda parent, exc: errors.append(exc))
    dialog = open_briefing_dialog(ctx)
    qtbot.addWidget(dialog)
    dialog.marking.setCurrentIndex(dialog.marking.findData("OFFICIAL"))
    assert dialog.reason.isEnabled()
    dialog.file.setText(str(tmp_path / "x.pdf"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "needs a reason" in dialog.note.text()
    assert dialog.export_button.isEnabled() and not (tmp_path / "x.pdf").exists()
    ctx.tasks.wait()
    ctx.store.close()


def test_viewer_cannot_export(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx(demo_path)
    act_as(ctx.store, "viewer.test", "viewer")
    dialog = open_briefing_dialog(ctx)
    qtbot.addWidget(dialog)
    assert not dialog.export_button.isEnabled()
    assert "may not export" in dialog.note.text()
    ctx.store.close()


def test_dialog_refuses_the_open_database_as_its_file(qtbot, demo_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    ctx = make_ctx(demo_path)
    errors: list[BaseException] = []
    monkeypatch.setattr(ctx, "report_error", lambda parent, exc: errors.append(exc))
    before = list(sqlite3.connect(demo_path).iterdump())
    dialog = open_briefing_dialog(ctx)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    dialog.file.setText(str(demo_path))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "open database" in dialog.note.text(), timeout=10_000)
    assert dialog.export_button.isEnabled() and dialog.result_ is None
    ctx.tasks.wait()
    ctx.store.close()
    assert list(sqlite3.connect(demo_path).iterdump()) == before


def test_dialog_exports_a_neighbourhood_and_a_neighbourhood_atlas(
    qtbot, demo_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: the demo's wards as neighbourhoods of the chosen area."""
    from socmap.ui.dialogs.briefing_dialog import WHOLE_ATLAS

    ctx = make_ctx(demo_path)
    dialog = open_briefing_dialog(ctx)
    qtbot.addWidget(dialog)
    dialog.area.setCurrentIndex(dialog.area.findText(ALL_AREAS))
    assert not dialog.neighbourhood.isEnabled()
    dialog.area.setCurrentIndex(dialog.area.findText("Telford & Wrekin"))
    assert dialog.neighbourhood.isEnabled() and dialog.neighbourhood.count() == 2 + 33
    dialog.neighbourhood.setCurrentIndex(dialog.neighbourhood.findText("Edgmond"))
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    target = tmp_path / "edgmond.png"
    dialog.file.setText(str(target))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=30_000)
    assert target.exists() and dialog.result_.areas == ("Edgmond (Telford & Wrekin)",)
    ctx.tasks.wait()
    dialog2 = open_briefing_dialog(ctx)
    qtbot.addWidget(dialog2)
    dialog2.area.setCurrentIndex(dialog2.area.findText("Telford & Wrekin"))
    dialog2.neighbourhood.setCurrentIndex(dialog2.neighbourhood.findText(WHOLE_ATLAS))
    assert "one page each" in dialog2.note.text()
    ctx.tasks.wait()
    ctx.store.close()
