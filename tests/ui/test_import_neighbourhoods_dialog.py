"""File -> Import -> Neighbourhoods, driven like a user would (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog

from socmap.services import neighbourhoods
from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.import_neighbourhoods_dialog import ImportNeighbourhoodsDialog
from socmap.ui.tasks import TaskRunner


@pytest.fixture
def ctx(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)
    store.close()


@pytest.mark.shared_data
def test_import_real_wards_into_the_demo(qtbot, ctx, shared_data: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = ImportNeighbourhoodsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    wards = shared_data / "west-mercia-wards-2013.geojson"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(wards), ""))
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    dialog.name_field.setCurrentText("ward_name")
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 257, timeout=30_000)
    areas = {dialog.preview.item(r, 0).text() for r in range(257)}
    assert len(areas) == 5
    abbey = [
        dialog.preview.item(r, 0).text()
        for r in range(257)
        if dialog.preview.item(r, 1).text() == "Abbey"
    ]
    assert sorted(abbey) == ["North Worcestershire", "Shropshire"]
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=60_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report.isVisible(), timeout=10_000)
    assert "imported 257 neighbourhood(s)" in dialog.report.toPlainText()
    check = open_store(ctx.store.path)
    try:
        assert len(neighbourhoods.neighbourhoods(check)) == 257
    finally:
        check.close()
