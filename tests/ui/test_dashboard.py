from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QUndoStack
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from socmap.render.chart import ChartPoint, ScoreHistoryState, draw_score_history
from socmap.services import reassessment, scoring
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.assessment_dialog import AssessmentDialog
from socmap.ui.dialogs.score_history_dialog import ScoreHistoryDialog
from socmap.ui.dialogs.scoring_config_dialog import ScoringConfigDialog
from socmap.ui.models.schedule_model import (
    DUE_COLUMNS,
    EMERGING_COLUMNS,
    RowsTableModel,
    pending_columns,
)
from socmap.ui.tasks import TaskRunner
from socmap.ui.views.dashboard_view import DashboardView, run_rescore
from tests.conftest import act_as


def make_ctx(store: Any) -> UiContext:
    return UiContext(
        store=store, bus=AppSignals(), tasks=TaskRunner(store), undo_stack=QUndoStack()
    )


@pytest.fixture
def dashboard(qtbot, demo_store):  # type: ignore[no-untyped-def]
    act_as(demo_store, "ds.ravenscombe", "supervisor")
    ctx = make_ctx(demo_store)
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.resize(1500, 900)
    view.show()
    qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
    return view


def test_models_pass_qt_model_tester(qtmodeltester, demo_store) -> None:  # type: ignore[no-untyped-def]
    report = reassessment.schedule(demo_store)
    for columns, rows in ((DUE_COLUMNS, report.rows), (EMERGING_COLUMNS, report.emerging)):
        model: RowsTableModel[Any] = RowsTableModel(columns, lambda r: r.ocg_id)
        model.set_rows(rows)
        qtmodeltester.check(model)
    pending: RowsTableModel[Any] = RowsTableModel(pending_columns({}), lambda a: a.ocg_id)
    pending.set_rows(scoring.pending_approvals(demo_store))
    qtmodeltester.check(pending)


def test_dashboard_shows_compliance_and_opens_records(qtbot, dashboard) -> None:  # type: ignore[no-untyped-def]
    report = dashboard.report
    shown = {c.area: c.summary() for c in dashboard.cards if c.isVisible()}
    assert set(shown) == {c.area for c in report.compliance}
    for c in report.compliance:
        assert f"{c.percent:.0f}% compliant" in shown[c.area]
        assert f"{c.compliant} of {c.active} active in date" in shown[c.area]
        assert f"{c.overdue} overdue · {c.never_assessed} never assessed" in shown[c.area]
    assert dashboard.overdue_proxy.rowCount() == len(report.overdue) > 0
    assert dashboard.emerging_proxy.rowCount() == len(report.emerging) > 0
    assert "overdue" in dashboard.headline.text()
    # most overdue first
    first = dashboard.overdue_proxy.index(0, 0).data()
    assert first == report.overdue[0].ref
    # one click on a reference opens the record
    index = dashboard.overdue_proxy.index(0, 0)
    rect = dashboard.overdue.visualRect(index)
    with qtbot.waitSignal(dashboard.ctx.bus.open_ocg_requested) as blocker:
        qtbot.mouseClick(dashboard.overdue.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [report.overdue[0].ocg_id]
    # clicking an area card filters the lists to that area
    card = next(c for c in dashboard.cards if c.area == "Telford & Wrekin")
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    areas = {
        dashboard.overdue_proxy.index(r, 2).data()
        for r in range(dashboard.overdue_proxy.rowCount())
    }
    assert areas == {"Telford & Wrekin"}
    assert "Telford & Wrekin" in dashboard.overdue_box.title()


def select_pending(qtbot, view, assessment_id: int) -> None:  # type: ignore[no-untyped-def]
    for r in range(view.pending_proxy.rowCount()):
        src = view.pending_proxy.mapToSource(view.pending_proxy.index(r, 0)).row()
        if view.pending_model.rows[src].id == assessment_id:
            rect = view.approvals.visualRect(view.pending_proxy.index(r, 1))
            qtbot.mouseClick(
                view.approvals.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
            )
            return
    raise AssertionError(f"assessment {assessment_id} not in the queue")


def test_supervisor_approves_in_the_gui(qtbot, dashboard) -> None:  # type: ignore[no-untyped-def]
    target = next(a for a in dashboard.pending if a.assessor != "ds.ravenscombe")
    select_pending(qtbot, dashboard, target.id)
    assert dashboard.approve_button.isEnabled()
    messages: list[str] = []
    dashboard.ctx.bus.status_message.connect(messages.append)
    qtbot.mouseClick(dashboard.approve_button, Qt.MouseButton.LeftButton)
    assert scoring.get_assessment(dashboard.ctx.store, target.id).status == "approved"
    due = reassessment.due_of(dashboard.ctx.store, target.ocg_id)
    assert any(
        "re-assessment clock restarted" in m and f"next due {due.isoformat()}" in m
        for m in messages
    )
    qtbot.waitUntil(lambda: all(a.id != target.id for a in dashboard.pending), timeout=10_000)


def test_supervisor_returns_with_a_reason(qtbot, dashboard, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    target = next(a for a in dashboard.pending if a.assessor != "ds.ravenscombe")
    select_pending(qtbot, dashboard, target.id)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("rate the cash flow", True))
    qtbot.mouseClick(dashboard.return_button, Qt.MouseButton.LeftButton)
    back = scoring.get_assessment(dashboard.ctx.store, target.id)
    assert back.status == "returned" and back.return_reason == "rate the cash flow"


def test_viewer_sees_but_cannot_act(qtbot, viewer_demo_store) -> None:  # type: ignore[no-untyped-def]
    view = DashboardView(make_ctx(viewer_demo_store))
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
    assert view.overdue_proxy.rowCount() > 0
    for b in (view.score_button, view.rescore_button, view.config_button):
        assert not b.isEnabled()
    select_pending(qtbot, view, view.pending[0].id)
    assert not view.approve_button.isEnabled()
    assert "supervisor" in view.decision_note.text()


def test_assessor_cannot_approve_own_in_the_gui(qtbot, dashboard) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_scoring import rated

    store = dashboard.ctx.store
    oid = dashboard.report.rows[0].ocg_id
    own, changes = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings=rated(markets__drugs=2), submit=True
    )
    dashboard.ctx.bus.changes_applied.emit(changes, None)
    qtbot.waitUntil(lambda: any(a.id == own.id for a in dashboard.pending), timeout=10_000)
    select_pending(qtbot, dashboard, own.id)
    assert not dashboard.approve_button.isEnabled()
    assert not dashboard.return_button.isEnabled()
    assert "own" in dashboard.decision_note.text()
    assert scoring.get_assessment(store, own.id).status == "submitted"


def test_assessment_dialog_live_total_and_submit(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    from tests.services.test_scoring import new_group

    oid = new_group(store)
    ctx = make_ctx(store)
    dialog = AssessmentDialog(ctx, oid)
    qtbot.addWidget(dialog)
    assert "band" in dialog.total.text() and "3C" in dialog.total.text()
    # nothing rated yet: every factor says "not known", never its lowest level
    assert all(c.currentText() == "not known" for c in dialog.controls.values())
    assert "Not known: 20 factors" in dialog.unrated.text()
    assert "lower bound" in dialog.unrated.text()
    assert not dialog.submit_button.isEnabled()
    combo = dialog.controls["markets.drugs"]
    combo.setCurrentIndex(combo.findData(3))
    dialog.set_rating("flags.firearms", True)
    qtbot.keyClicks(dialog.reasons["markets.drugs"], "test purchases")
    assert ">14<" in dialog.total.text() and "2C" in dialog.total.text()  # 3x2 + 8 = 14
    assert not dialog.submit_button.isEnabled()  # required factors still not known
    assert "Violence" in dialog.submit_button.toolTip()
    qtbot.mouseClick(dialog.rest_button, Qt.MouseButton.LeftButton)
    assert dialog.controls["markets.violence"].currentText().endswith("None")
    assert dialog.controls["flags.corruption"].currentText() == "no"
    assert dialog.unrated.text() == "" and dialog.submit_button.isEnabled()
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    saved = scoring.get_assessment(store, dialog.saved_id)
    assert saved.status == "submitted" and saved.total == 14 and saved.band == "2C"
    line = next(ln for ln in saved.breakdown.lines if ln.key == "markets.drugs")
    assert line.rationale == "test purchases"
    assert not saved.breakdown.not_known


def test_history_dialog_compares_and_chart_renders(qtbot, demo_store) -> None:  # type: ignore[no-untyped-def]
    oid = max(
        reassessment.schedule(demo_store).rows,
        key=lambda r: len(scoring.history(demo_store, r.ocg_id)),
    ).ocg_id
    dialog = ScoreHistoryDialog(make_ctx(demo_store), oid)
    qtbot.addWidget(dialog)
    items = scoring.history(demo_store, oid)
    assert dialog.table.rowCount() == len(items) >= 3
    c = dialog.comparison
    assert (c.before.id, c.after.id) == (items[-2].id, items[-1].id)
    assert dialog.moves.rowCount() == len(c.moves)
    image = QImage(800, 300, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    draw_score_history(painter, QRectF(0, 0, 800, 300), dialog.chart.state)
    painter.end()
    assert len(dialog.chart.state.points) >= 3
    assert image.pixelColor(400, 150).isValid()


def test_chart_draws_band_colours() -> None:
    state = ScoreHistoryState(
        "t",
        (
            ChartPoint(dt.date(2026, 1, 1), 10, "3C", True),
            ChartPoint(dt.date(2026, 4, 1), 40, "1A", True),
        ),
    )
    image = QImage(600, 300, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    draw_score_history(painter, QRectF(0, 0, 600, 300), state)
    painter.end()
    colours = {image.pixelColor(x, y).name() for x in range(0, 600, 2) for y in range(0, 300, 2)}
    from socmap.render.bands import band_colour

    assert band_colour("1A").name() in colours and band_colour("3C").name() in colours


def test_config_editor_makes_a_new_version(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    ctx = make_ctx(store)
    dialog = ScoringConfigDialog(ctx)
    qtbot.addWidget(dialog)
    editor = dialog.editors["ocgm"]
    editor.weights["markets.drugs"].setValue(5.0)
    qtbot.keyClicks(dialog.note, "drugs weighted up")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.saved == {"ocgm": 2}
    version, body = scoring.config_document(store, "ocgm")
    assert version == 2 and body["sections"][0]["factors"]["drugs"]["weight"] == 5.0


def test_config_editor_refuses_bad_thresholds(qtbot, store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    dialog = ScoringConfigDialog(make_ctx(store))
    qtbot.addWidget(dialog)
    dialog.editors["ocgm"].froms[("tier", 2)].setValue(5)  # tier 1 from 5, below tier 2's 12
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert warned and "axes.tier.thresholds" in warned[0]
    assert scoring.config_document(store, "ocgm")[0] == 1


def test_config_editor_disabled_for_analysts(qtbot, store) -> None:  # type: ignore[no-untyped-def]
    act_as(store, "analyst.x", "analyst")
    dialog = ScoringConfigDialog(make_ctx(store))
    qtbot.addWidget(dialog)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()


def test_rescore_runs_in_background(qtbot, dashboard, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    before = len(scoring.drafts(dashboard.ctx.store))
    run_rescore(dashboard.ctx, dashboard)
    qtbot.waitUntil(lambda: bool(shown), timeout=20_000)
    assert "draft assessments created" in shown[0]
    assert len(scoring.drafts(dashboard.ctx.store)) > before


def test_showing_the_dashboard_reads_nothing_on_the_ui_thread(qtbot, demo_store) -> None:  # type: ignore[no-untyped-def]
    """Names of groups the schedule leaves out (archived ones with a pending assessment) came
    from the whole register query run on the UI thread (0.6 s nationally); they are read with
    the rest on the worker now."""
    act_as(demo_store, "ds.ravenscombe", "supervisor")
    pending = scoring.pending_approvals(demo_store)
    assert pending
    archived = pending[0].ocg_id
    with demo_store.atomic():
        demo_store.conn.execute("UPDATE ocgs SET status = 'archived' WHERE id = ?", [archived])
    name = demo_store.conn.execute("SELECT name FROM ocgs WHERE id = ?", [archived]).fetchone()[0]
    ctx = make_ctx(demo_store)
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    on_ui_thread: list[str] = []
    real_show = view._show

    def traced(result):  # type: ignore[no-untyped-def]
        demo_store.conn.set_trace_callback(on_ui_thread.append)
        try:
            real_show(result)
        finally:
            demo_store.conn.set_trace_callback(None)

    view._show = traced  # type: ignore[method-assign]
    view.reload()
    qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
    ctx.tasks.wait()
    qtbot.wait(50)
    assert [s for s in on_ui_thread if "FROM ocgs" in s or "from ocgs" in s] == []
    texts = {
        str(view.pending_model.data(view.pending_model.index(r, c)))
        for r in range(view.pending_model.rowCount())
        for c in range(view.pending_model.columnCount())
    }
    assert any(name in t for t in texts)


def test_an_area_card_wraps_its_counts_on_a_narrow_card(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A painted card (no rich-text labels) moves a count that does not fit to the next line,
    never leaving the separator at a line's end, and grows to hold it."""
    from PySide6.QtGui import QFontMetricsF

    from socmap.services.reassessment import AreaCompliance
    from socmap.ui.widgets.area_cards import ComplianceCard

    card = ComplianceCard()
    qtbot.addWidget(card)
    card.set_area(AreaCompliance("North Worcestershire", 9810, 3130, 6110, 5700, 1140))
    inner = card.minimumWidth() - 2 * card.MARGIN  # as narrow as the card can be
    wide, narrow = card._wrapped(400), card._wrapped(inner)
    assert [len(line) for line in wide] == [1, 3, 1]
    assert [[t for t, _c, _b in line] for line in narrow][1:3] == [
        ["6110 overdue"],
        ["5700 never assessed"],
    ]
    for line in narrow:
        width = sum(
            QFontMetricsF(card._bold if bold else card._text).horizontalAdvance(t)
            for t, _c, bold in line
        )
        assert width <= inner
    assert card.heightForWidth(card.minimumWidth()) > card.heightForWidth(400)
    assert card.accessibleName().splitlines()[:2] == ["North Worcestershire", "32% compliant"]
