from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from socmap.services import queries
from socmap.services.session import open_store
from socmap.store import audit
from socmap.ui.dialogs.ocg_dialog import OcgDialog
from socmap.ui.main_window import MainWindow
from socmap.ui.models.register_model import RegisterTableModel, column_index
from socmap.ui.models.rows_model import ROW_ROLE


@pytest.fixture
def window(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.register.model.rowCount() > 0, timeout=10_000)
    return win


def when_dialog_opens(qtbot, action: Callable[[object], None]) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` on the modal dialog as soon as it is shown."""

    def poke() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poke)
            return
        action(dialog)

    QTimer.singleShot(0, poke)


def test_model_passes_qt_model_tester(qtmodeltester, demo_store) -> None:  # type: ignore[no-untyped-def]
    model = RegisterTableModel()
    model.set_rows(queries.register(demo_store))
    qtmodeltester.check(model)


def test_register_shows_active_groups_and_filters(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = window.register
    active = sum(1 for r in queries.register(window.ctx.store) if r.status == "active")
    assert view.proxy.rowCount() == active  # opens on active groups
    assert f"{active} of" in view.count_label.text()
    view.area.setCurrentIndex(view.area.findText("Shropshire"))
    # groups led from Shropshire and groups operating there (issue 13)
    shown = [view.proxy.index(r, 0).data(ROW_ROLE) for r in range(view.proxy.rowCount())]
    assert all(r.operates_in("Shropshire") for r in shown)
    assert any(r.lead_area != "Shropshire" for r in shown)
    name = view.proxy.index(0, 1).data()
    qtbot.keyClicks(view.search, name)
    assert view.proxy.rowCount() >= 1
    assert view.proxy.index(0, 1).data() == name
    view.search.clear()
    qtbot.keyClicks(view.search, "no such group anywhere")
    assert view.proxy.rowCount() == 0


def test_selecting_shows_members_and_announces(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = window.register
    ocg_id = int(view.proxy.index(2, 0).data().split("-")[1])
    with qtbot.waitSignal(window.ctx.bus.ocg_selected) as blocker:
        view.table.selectRow(2)
    assert blocker.args == [ocg_id]
    views = audit.rows(window.ctx.store, entity="ocg", entity_id=str(ocg_id), action="view")
    assert len(views) == 1  # opening the record is on record
    detail = queries.ocg_detail(window.ctx.store, ocg_id)
    assert view.detail.members.rowCount() == len(detail.members)
    assert detail.ocg.name in view.detail.title.text()
    assert view.detail.banner.text() == "OFFICIAL-SENSITIVE"


def test_edit_is_audited_and_undo_restores(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = window.register
    view.table.selectRow(0)
    ocg_id = view.selected_ocg_id()
    old = queries.get_ocg(window.ctx.store, ocg_id)
    audit_before = audit.count(window.ctx.store)

    def edit(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.lro.selectAll()
        qtbot.keyClicks(dialog.lro, "DCI New Officer")
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )

    when_dialog_opens(qtbot, edit)
    qtbot.mouseClick(view.detail.edit_button, Qt.MouseButton.LeftButton)
    assert queries.get_ocg(window.ctx.store, ocg_id).lro == "DCI New Officer"
    assert audit.count(window.ctx.store) == audit_before + 1
    qtbot.waitUntil(lambda: "DCI New Officer" in view.detail.facts.text())

    window.actions_.undo.trigger()
    assert queries.get_ocg(window.ctx.store, ocg_id).lro == old.lro
    assert audit.count(window.ctx.store) == audit_before + 2
    assert audit.rows(window.ctx.store, entity="ocg")[0].action == "undo update"
    window.actions_.redo.trigger()
    assert queries.get_ocg(window.ctx.store, ocg_id).lro == "DCI New Officer"


def test_dialog_explains_problems_next_to_the_field(qtbot, demo_store) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QUndoStack

    from socmap.ui.bus import AppSignals
    from socmap.ui.context import UiContext
    from socmap.ui.tasks import TaskRunner

    ctx = UiContext(demo_store, AppSignals(), TaskRunner(demo_store), QUndoStack())
    dialog = OcgDialog(ctx, queries.get_ocg(demo_store, 5))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.lro.clear()
    assert not ok.isEnabled()
    assert dialog.errors["lro"].isVisibleTo(dialog)
    assert "Lead Responsible Officer" in dialog.errors["lro"].text()
    qtbot.keyClicks(dialog.lro, "DI Back Again")
    assert ok.isEnabled()
    dialog.name.clear()
    assert "required" in dialog.errors["name"].text()
    assert not ok.isEnabled()


def test_new_ocg_and_undo_removes_it(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    before = len(queries.register(window.ctx.store))

    def fill(dialog) -> None:  # type: ignore[no-untyped-def]
        qtbot.keyClicks(dialog.name, "Canal Street trigger")
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )

    when_dialog_opens(qtbot, fill)
    window.actions_.new_ocg.trigger()
    rows = queries.register(window.ctx.store)
    assert len(rows) == before + 1
    assert rows[-1].name == "Canal Street trigger"
    assert rows[-1].status == "trigger"
    window.actions_.undo.trigger()
    assert len(queries.register(window.ctx.store)) == before


def test_viewer_cannot_edit(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import act_as

    store = act_as(open_store(demo_path), "viewer.test", "viewer")
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    assert not win.actions_.new_ocg.isEnabled()
    assert not win.register.detail.edit_button.isEnabled()
    qtbot.waitUntil(lambda: "viewer" in win.user_label.text(), timeout=10_000)


def test_screenshot_command(tmp_path: Path, demo_path: Path) -> None:
    from PySide6.QtGui import QImage

    from socmap.main import main

    target = tmp_path / "s.png"
    assert main(["gui", "--db", str(demo_path), "--screenshot", str(target)]) == 0
    image = QImage(str(target))
    assert image.width() >= 1200
    assert not image.isNull()


def test_screenshot_of_a_large_file_waits_for_its_integrity_check(
    tmp_path: Path, demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file is read-only until its deferred check passes: the screenshot's audited write
    waits for the check rather than being refused."""
    from socmap.main import main
    from socmap.store import integrity

    monkeypatch.setattr(integrity, "DEFER_ABOVE_BYTES", 0)
    # the check would start by itself later than the screenshot is taken
    monkeypatch.setattr(MainWindow, "PRELOAD_AFTER_MS", 600_000)
    monkeypatch.setattr(MainWindow, "INTEGRITY_START_MS", 600_000)
    target = tmp_path / "s.png"
    assert main(["gui", "--db", str(demo_path), "--screenshot", str(target)]) == 0
    assert target.exists()


def test_screenshot_file_name_is_only_in_the_erasable_payload(
    tmp_path: Path, demo_path: Path
) -> None:
    """A file name can name a person; the hash-chained summary must never hold it."""
    from socmap.main import main
    from socmap.store import audit
    from socmap.store.db import open_store

    target = tmp_path / "Ann_Jones_watch.png"
    assert main(["gui", "--db", str(demo_path), "--screenshot", str(target)]) == 0
    s = open_store(demo_path)
    try:
        row = audit.rows(s, action="export", limit=1)[0]
    finally:
        s.close()
    assert row.entity == "screenshot"
    assert "Ann_Jones" not in row.summary
    assert "Ann_Jones_watch.png" in (row.payload or "")


def test_register_shows_and_filters_cross_border_groups(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = window.register
    rows = queries.register(window.ctx.store)
    crossing = [r for r in rows if r.status == "active" and r.cross_border]
    assert crossing, "the demo has active cross-border groups"
    col = column_index("cross_border")
    ops = column_index("areas_of_operation")
    assert view.model.headerData(col, Qt.Orientation.Horizontal) == "Cross-border"
    view.cross_border.setChecked(True)
    assert view.proxy.rowCount() == len(crossing)
    for r in range(view.proxy.rowCount()):
        assert view.proxy.index(r, col).data() == "Yes"
        row = view.proxy.index(r, 0).data(ROW_ROLE)
        assert view.proxy.index(r, ops).data() == row.operation_label
        assert "," in row.operation_label or "outside the force" in row.operation_label


def test_register_filters_by_neighbourhood(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: the demo's wards; only groups with a location in the chosen ward remain."""
    from socmap.services import neighbourhoods
    from socmap.ui.models.register_model import ID_ROLE

    view = window.register
    view.status.setCurrentIndex(0)  # all statuses
    view.area.setCurrentIndex(view.area.findText("Telford & Wrekin"))
    assert view.neighbourhood.count() == 1 + 33  # Telford and Wrekin's wards
    view.neighbourhood.setCurrentIndex(view.neighbourhood.findText("Edgmond"))
    nb = neighbourhoods.resolve(window.ctx.store, "Edgmond")
    inside = neighbourhoods.ocg_ids_in(window.ctx.store, nb.id)
    expected = {
        r.id
        for r in queries.register(window.ctx.store)
        if r.operates_in("Telford & Wrekin") and r.id in inside
    }
    shown = {int(view.proxy.index(r, 0).data(ID_ROLE)) for r in range(view.proxy.rowCount())}
    assert expected and shown == expected
    view.neighbourhood.setCurrentIndex(0)
    assert view.proxy.rowCount() > len(expected)
