"""The Audit and Review tabs, driven as a person would (offscreen)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QMessageBox

from socmap.domain.groups import Nominal, Ocg
from socmap.services import register
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.tasks import TaskRunner
from socmap.ui.views.audit_view import AuditView
from socmap.ui.views.review_view import ReviewView
from tests.conftest import act_as

#: Screenshots go here when set (to look at the tabs), else to the test's temporary folder.
SHOTS_ENV = "SOCMAP_SCREENSHOTS"


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_ctx(store: Any) -> UiContext:
    return UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())


@pytest.fixture
def filled(store: Any) -> Any:
    register.create_ocg(store, Ocg(name="Harbour crew"))
    for surname in ("Ashby", "Brammer", "Corley"):
        register.create_nominal(store, Nominal(surname=surname, forenames="Test"))
    return store


def _cells(view: Any, column: int) -> list[str]:
    m = view.proxy
    return [m.index(r, column).data() for r in range(m.rowCount())]


def test_audit_models_pass_the_model_tester(qtmodeltester: Any, filled: Any, qtbot: Any) -> None:
    view = AuditView(make_ctx(filled))
    qtbot.addWidget(view)
    qtmodeltester.check(view.model)
    review_view = ReviewView(make_ctx(filled))
    qtbot.addWidget(review_view)
    qtmodeltester.check(review_view.model)


def test_audit_tab_filters_verifies_and_exports(
    filled: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    view = AuditView(make_ctx(filled))
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    assert view.status.text() == "5 rows"
    view.kind.setCurrentText("nominal")
    qtbot.keyClicks(view.record_id, "2")
    qtbot.keyClick(view.record_id, Qt.Key.Key_Return)
    assert _cells(view, 4) == ["nominal 2"]
    view.table.selectRow(0)
    assert "Brammer" in view.values.toPlainText()
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    view.action.setCurrentText("create")
    view.person.setCurrentText("analyst.test")
    view.since_on.setChecked(True)
    view.since.setDate(QDate.currentDate())
    qtbot.mouseClick(view.filter_button, Qt.MouseButton.LeftButton)
    assert len(_cells(view, 0)) == 5
    view.until_on.setChecked(True)
    view.until.setDate(QDate.currentDate().addDays(-1))
    view.since_on.setChecked(False)
    qtbot.mouseClick(view.filter_button, Qt.MouseButton.LeftButton)
    assert _cells(view, 0) == []

    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert view.chain_label.text().startswith("Chain intact")

    target = tmp_path / "extract.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert target.exists() and "Exported 5 rows" in view.status.text()
    assert target.read_text(encoding="utf-8").startswith("OFFICIAL-SENSITIVE")
    assert _cells(view, 3)[0] == "export"  # the export is on the trail, shown at once
    assert view.grab().save(str(_shots(tmp_path) / "audit_tab.png"))


def test_audit_tab_for_a_viewer(filled: Any, qtbot: Any) -> None:
    act_as(filled, "vera", "viewer")
    view = AuditView(make_ctx(filled))
    qtbot.addWidget(view)
    view.show()
    assert view.denied.isVisible() and not view.table.isEnabled()
    assert not view.export_button.isEnabled()
    assert "supervisor or admin" in view.export_button.toolTip()
    assert view.model.rowCount() == 0
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    assert view.chain_label.text().startswith("Chain intact")


def test_review_tab_retain_and_dispose(
    filled: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    ctx = make_ctx(filled)
    view = ReviewView(ctx)
    qtbot.addWidget(view)
    view.resize(1000, 650)
    view.show()
    assert view.model.rowCount() == 3
    assert "3 nominals" in view.summary.text()
    view.table.selectRow(0)
    assert "ASHBY" in view.selected.text()
    view.next_review.setDate(QDate.currentDate().addYears(2))
    view.group.setCurrentIndex(1)
    qtbot.keyClicks(view.rationale, "still active in a mapped group")
    with qtbot.waitSignal(ctx.bus.changes_applied):
        qtbot.mouseClick(view.decide_button, Qt.MouseButton.LeftButton)
    assert [view.proxy.index(r, 2).data() for r in range(view.proxy.rowCount())] == [
        "BRAMMER, Test",
        "CORLEY, Test",
    ]
    assert view.grab().save(str(_shots(tmp_path) / "review_tab.png"))

    view.table.selectRow(0)
    view.dispose_radio.setChecked(True)
    assert not view.next_review.isEnabled()
    qtbot.keyClicks(view.rationale, "no continuing policing purpose")
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.decide_button, Qt.MouseButton.LeftButton)
    assert [view.proxy.index(r, 2).data() for r in range(view.proxy.rowCount())] == ["CORLEY, Test"]
    assert (
        filled.conn.execute("SELECT COUNT(*) FROM nominals WHERE surname = 'Brammer'").fetchone()[0]
        == 0
    )


def test_review_errors_are_explained_and_viewers_cannot_decide(
    filled: Any, qtbot: Any, monkeypatch: Any
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))
    view = ReviewView(make_ctx(filled))
    qtbot.addWidget(view)
    view.table.selectRow(0)
    qtbot.keyClicks(view.rationale, "short")
    qtbot.mouseClick(view.decide_button, Qt.MouseButton.LeftButton)
    assert shown and shown[-1].startswith("rationale:")
    act_as(filled, "vera", "viewer")
    viewer_view = ReviewView(make_ctx(filled))
    qtbot.addWidget(viewer_view)
    assert not viewer_view.decide_button.isEnabled()
    assert viewer_view.model.rowCount() == 3  # the queue itself may be seen
    assert dt.date.today()  # (queue as of today)


def test_review_tab_says_when_the_queue_is_cut_and_shows_all(
    filled: Any, qtbot: Any, monkeypatch: Any
) -> None:
    from socmap.ui.views import review_view

    monkeypatch.setattr(review_view, "QUEUE_LIMIT", 2)
    view = ReviewView(make_ctx(filled))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert view.cut_note.isVisible()
    assert "Showing 2 of 3 records due for review" in view.cut_note.label.text()
    qtbot.mouseClick(view.cut_note.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    assert not view.cut_note.isVisible()
