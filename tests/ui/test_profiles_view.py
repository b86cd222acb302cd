from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack

from socmap.domain.profiles import ActionItem, Strand
from socmap.services import profiles
from socmap.services.session import open_store
from socmap.store import audit
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.models.profile_models import ActionsTableModel, ContributionsTableModel
from socmap.ui.tasks import TaskRunner
from socmap.ui.views.profiles_view import ProfilesView
from tests.conftest import act_as


def settle(qtbot, view: ProfilesView) -> None:  # type: ignore[no-untyped-def]
    """Wait for the profile's reads (on workers: never a query on the UI thread) to show."""
    qtbot.waitUntil(lambda: not view.loading, timeout=20_000)


def make_view(qtbot, store) -> ProfilesView:  # type: ignore[no-untyped-def]
    ctx = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    view = ProfilesView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    settle(qtbot, view)
    return view


@pytest.fixture
def view(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    v = make_view(qtbot, store)
    yield v
    v.ctx.tasks.wait()
    store.close()


def test_models_pass_qt_model_tester(qtmodeltester, demo_store) -> None:  # type: ignore[no-untyped-def]
    area = profiles.find_area(demo_store, "Telford & Wrekin").id
    cm = ContributionsTableModel()
    cm.set_rows(profiles.contributions(demo_store, area))
    assert cm.rowCount() == 7
    qtmodeltester.check(cm)
    am = ActionsTableModel()
    am.today = dt.date(2026, 11, 1)
    am.set_rows(profiles.actions(demo_store, area))
    assert am.rowCount() == 5
    qtmodeltester.check(am)


def test_dashboard_matches_status_json(view) -> None:  # type: ignore[no-untyped-def]
    expected = profiles.status_json(view.ctx.store)
    assert list(view.cards) == [e["area"] for e in expected]
    for e in expected:
        card = view.cards[str(e["area"])]
        assert card.percent.text() == f"{e['completeness_percent']}%"
        assert card.bar.fraction == pytest.approx(e["completeness_percent"] / 100)
        assert card.missing.toolTip().split("\n") == (e["missing"] or [""])
    assert view.headline.text() == "0 of 5 area profiles complete"


def test_open_area_from_its_card_and_see_overdue_actions(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    card = view.cards["Telford & Wrekin"]
    qtbot.mouseClick(card.open_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.area_combo.currentText() == "Telford & Wrekin"
    assert view.owner.text() == "DCI Helen Okafor"
    assert view.contrib_model.rowCount() == 7
    assert view.action_model.rowCount() == 5
    overdue = view.action_model.overdue_count()
    assert overdue >= 1
    assert f"{overdue} overdue" in view.overdue_label.text()
    status_col = 6
    texts = [view.action_model.index(r, status_col).data() for r in range(5)]
    assert sum("OVERDUE" in t for t in texts) == overdue


def test_write_a_section_and_it_counts(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    store = view.ctx.store
    view.open_area(profiles.find_area(store, "Herefordshire").id)
    settle(qtbot, view)
    view.pages.setCurrentIndex(1)
    view.section_list.setCurrentRow(0)  # key judgements
    assert view.section_state.text() == "Not yet written."
    qtbot.keyClicks(view.text, "Drugs supply dominates the county.")
    qtbot.keyClicks(view.section_owner, "Analyst Priya Kaur")
    qtbot.keyClicks(view.section_sources, "Force intelligence")
    before = view.cards["Herefordshire"].status.completeness.done
    qtbot.mouseClick(view.save_section_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.cards["Herefordshire"].status.completeness.done == before + 1
    assert "Version 1" in view.section_state.text()
    assert view.history.count() == 1
    saved = profiles.sections(store, view.area_id)["key_judgements"]
    assert saved.text == "Drugs supply dominates the county."
    assert "Drugs supply dominates" in saved.html
    assert view.conflict_banner.isHidden()


def test_saving_over_someone_elses_newer_version_warns_and_keeps_both(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    store = view.ctx.store
    area = profiles.find_area(store, "Telford & Wrekin").id
    view.open_area(area)
    settle(qtbot, view)
    view.pages.setCurrentIndex(1)
    view.section_list.setCurrentRow(1)  # threat, version 1 loaded
    # meanwhile a colleague saves version 2 from another workstation
    other = open_store(store.path)
    act_as(other, "analyst.colleague", "analyst")
    profiles.save_section(
        other,
        area_id=area,
        section="threat",
        html="",
        text="Colleague's text",
        owner="X",
        sources="Y",
        based_on=1,
    )
    other.close()
    view.text.clear()
    qtbot.keyClicks(view.text, "My edit")
    qtbot.mouseClick(view.save_section_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.conflict_banner.isVisible()
    assert "analyst.colleague" in view.conflict_banner.text()
    assert "Both versions are kept" in view.conflict_banner.text()
    history = profiles.section_history(store, area, "threat")
    assert [v.text for v in history[:2]] == ["My edit", "Colleague's text"]
    assert view.history.count() == 3
    assert "conflicts with v2" in view.history.item(0).text()


def test_add_contribution_and_action(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    store = view.ctx.store
    area = profiles.find_area(store, "South Worcestershire").id
    view.open_area(area)
    settle(qtbot, view)
    view.pages.setCurrentIndex(2)
    qtbot.keyClicks(view.c_partner, "Worcestershire Probation")
    view.c_type.setCurrentIndex(view.c_type.findData("probation"))
    qtbot.keyClicks(view.c_data, "nominals on licence")
    qtbot.keyClicks(view.c_isa, "ISA-SW-1")
    qtbot.mouseClick(view.c_add, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.contrib_model.rowCount() == 1
    assert view.contrib_model.index(0, 4).data() == "ISA-SW-1"
    assert not any(
        "Probation" in m for m in view.cards["South Worcestershire"].status.completeness.missing
    )

    view.pages.setCurrentIndex(3)
    qtbot.keyClicks(view.a_action, "Close the cuckooed flats")
    view.a_due.setDate(view.a_due.date().addDays(-400))
    qtbot.keyClicks(view.a_ocgs, "OCG-0007, 26")
    qtbot.mouseClick(view.a_add, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.action_model.rowCount() == 1
    a: ActionItem = view.action_model.row_at(0)
    assert a.linked_ocgs == (7, 26) and a.strand is Strand.PURSUE
    assert view.action_model.overdue_count() == 1
    view.action_table.selectRow(0)
    qtbot.mouseClick(view.a_done, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    assert view.action_model.overdue_count() == 0
    assert audit.rows(store, entity="profile_action")[0].action == "update"


def test_viewer_sees_but_cannot_edit_or_export(qtbot, viewer_demo_store) -> None:  # type: ignore[no-untyped-def]
    v = make_view(qtbot, viewer_demo_store)
    assert not v.save_section_button.isEnabled()
    assert not v.c_add.isEnabled()
    assert not v.a_add.isEnabled()
    assert not v.export_button.isEnabled()
    assert len(v.cards) == 5


def test_export_button_runs_a_task_and_writes_the_file(qtbot, view, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = view.ctx.store
    view.open_area(profiles.find_area(store, "Shropshire").id)
    settle(qtbot, view)
    target = tmp_path / "shropshire.pdf"
    view.choose_export_path = lambda fmt: target  # type: ignore[method-assign]
    view.export_audience.setCurrentIndex(1)
    with qtbot.waitSignal(view.export_finished, timeout=30_000) as blocker:
        qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.path == target and target.stat().st_size > 5_000
    assert result.audience == "partner"
    assert audit.rows(store, action="export")[0].entity == "profile"


def test_live_data_panel_loads_off_the_ui_thread(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    view.open_area(profiles.find_area(view.ctx.store, "Telford & Wrekin").id)
    settle(qtbot, view)
    view.pages.setCurrentIndex(1)
    with qtbot.waitSignal(
        view.live_loaded, timeout=20_000, check_params_cb=lambda k: k == "threat"
    ):
        view.section_list.setCurrentRow(1)  # threat
    text = view.live_view.toPlainText()
    assert "OCGs active in the area by band and market" in text
    assert "Principals" in text
    with qtbot.waitSignal(view.live_loaded, timeout=20_000):
        view.section_list.setCurrentRow(0)  # key judgements: no live data
    assert "no live data" in view.live_view.toPlainText()


def test_pick_a_partner_from_the_register(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    store = view.ctx.store
    view.open_area(profiles.find_area(store, "Herefordshire").id)
    settle(qtbot, view)
    view.pages.setCurrentIndex(2)
    idx = next(
        i for i in range(1, view.c_register.count()) if view.c_register.itemData(i)[2] == "health"
    )
    view.c_register.setCurrentIndex(idx)
    pid, name, _ptype, _isa = view.c_register.itemData(idx)
    assert view.c_partner.text() == name
    assert view.c_type.currentData() == "health"
    qtbot.keyClicks(view.c_data, "A&E assault data")
    qtbot.mouseClick(view.c_add, Qt.MouseButton.LeftButton)
    settle(qtbot, view)
    saved = profiles.contributions(store, view.area_id)
    assert [(c.partner_id, c.partner_type) for c in saved] == [(pid, "health")]
    assert view.contrib_model.index(0, 0).data() == f"{name} (register)"
