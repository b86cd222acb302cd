"""The Partners and Disruptions tabs, driven as a user would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from socmap.domain.disruptions import Disruption
from socmap.services import disruptions, partners
from socmap.services.session import open_store
from socmap.ui.main_window import MainWindow
from socmap.ui.models.partner_models import (
    DISRUPTION_COLUMNS,
    PARTNER_COLUMNS,
    STRUCTURE_COLUMNS,
    WHAT_WORKS_COLUMNS,
    RowsTableModel,
)
from socmap.ui.views.disruptions_view import DisruptionsView
from socmap.ui.views.partners_view import PartnersView
from tests.conftest import act_as

TODAY = dt.date(2026, 11, 1)


def test_models_pass_qt_model_tester(qtmodeltester, demo_store) -> None:  # type: ignore[no-untyped-def]
    for columns, rows in (
        (PARTNER_COLUMNS, partners.partner_register(demo_store, today=TODAY)),
        (STRUCTURE_COLUMNS, partners.area_partnerships(demo_store, today=TODAY)),
        (DISRUPTION_COLUMNS, disruptions.disruption_log(demo_store, today=TODAY)),
        (WHAT_WORKS_COLUMNS, disruptions.what_works(demo_store)),
    ):
        model: RowsTableModel[object] = RowsTableModel(columns, lambda r: id(r))
        model.set_rows(rows)
        assert model.rowCount() > 0
        qtmodeltester.check(model)


@pytest.fixture
def window(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    act_as(store, "sup.one", "supervisor")
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    return win


def tab(win, cls):  # type: ignore[no-untyped-def]
    return win.open_tab(cls)


def test_partners_tab_shows_register_gaps_and_graph(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view: PartnersView = tab(window, PartnersView)
    qtbot.waitUntil(lambda: view.partner_model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: len(view.canvas.scene.nodes) > 0, timeout=10_000)
    assert "sharing agreements expired or expiring" in view.isa_label.text()
    gaps = [view.structure_model.index(r, 1).data() for r in range(view.structure_model.rowCount())]
    assert gaps.count("GAP: none recorded") == 2
    kinds = {n.kind for n in view.canvas.scene.nodes}
    assert kinds >= {"area", "partner", "ocg", "structure"}
    assert sum(1 for n in view.canvas.scene.nodes if n.kind == "area") == 5
    assert any(n.highlighted for n in view.canvas.scene.nodes)
    assert "no SOC partnership structure" in view.gap_label.text()
    # filter by area: one area left, and nodes that stay keep their place
    before = {n.id: (n.x, n.y) for n in view.canvas.scene.nodes}
    with qtbot.waitSignal(view.graph_drawn, timeout=10_000):
        view.area.setCurrentIndex(view.area.findText("Shropshire"))
    areas = [n for n in view.canvas.scene.nodes if n.kind == "area"]
    assert [a.label for a in areas] == ["Shropshire"]
    assert all(before[n.id] == (n.x, n.y) for n in view.canvas.scene.nodes if n.id in before)
    # partner type filter
    with qtbot.waitSignal(view.graph_drawn, timeout=10_000):
        view.partner_type.setCurrentIndex(view.partner_type.findData("hmrc"))
    types = {n.id for n in view.canvas.scene.nodes if n.kind == "partner"}
    assert len(types) == 1
    assert all(
        view.partner_proxy.index(r, 1).data() == "HMRC"
        for r in range(view.partner_proxy.rowCount())
    )


def test_clicking_nodes_opens_records(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view: PartnersView = tab(window, PartnersView)
    qtbot.waitUntil(lambda: len(view.canvas.scene.nodes) > 0, timeout=10_000)
    with qtbot.waitSignal(view.graph_drawn, timeout=10_000):
        view.area.setCurrentIndex(view.area.findText("Herefordshire"))
    partner = next(n for n in view.canvas.scene.nodes if n.kind == "partner")
    p = view.canvas.node_position(partner.id)
    assert p is not None
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=p.toPoint())
    assert view.selected_partner_id() == int(partner.id.split(":")[1])
    ocg = next(n for n in view.canvas.scene.nodes if n.kind == "ocg")
    p = view.canvas.node_position(ocg.id)
    assert p is not None
    with qtbot.waitSignal(window.ctx.bus.open_ocg_requested) as blocker:
        qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=p.toPoint())
    assert blocker.args == [int(ocg.id.split(":")[1])]
    assert window.tabs.currentWidget().materialise() is window.register
    # the register's rows, read while it was behind the Partners tab, fill it once it shows
    qtbot.waitUntil(
        lambda: window.register.selected_ocg_id() == int(ocg.id.split(":")[1]), timeout=5_000
    )


def _disruptions(qtbot, window) -> DisruptionsView:  # type: ignore[no-untyped-def]
    view: DisruptionsView = tab(window, DisruptionsView)
    # the log first, the "what works" table in the next frame
    qtbot.waitUntil(
        lambda: view.log_model.rowCount() > 0 and view.works_model.rowCount() > 0, timeout=10_000
    )
    return view


def test_the_outcome_graph_is_read_only_when_its_page_is_shown(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Opening the log reads no graph; showing the graph's page draws it: OCGs and their
    disruptions, clickable; a reload while the page is shown draws it again."""
    view = _disruptions(qtbot, window)
    view.ctx.tasks.wait()
    assert view._graph is None and not view.graph_canvas.scene.nodes
    with qtbot.waitSignal(view.graph_loaded, timeout=30_000):
        view.tabs.setCurrentWidget(view._graph_page)
    ocgs = [n for n in view.graph_canvas.scene.nodes if n.id.startswith("ocg:")]
    assert ocgs and view._graph.number_of_nodes() == len(view.graph_canvas.scene.nodes)
    with qtbot.waitSignal(view.graph_loaded, timeout=30_000):
        view.reload()


def test_record_dialog_shows_errors_beside_fields(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = _disruptions(qtbot, window)
    before = view.log_model.rowCount()
    dialog = view.record()
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no rationale
    assert dialog.isVisible()
    assert "say why" in dialog.error_text("rationale")
    assert dialog.error_text("tactic") == ""
    assert view.log_model.rowCount() == before
    # an archived group and a date after its archiving
    archived = next(
        i for i in range(dialog.ocg.count()) if dialog.ocg.itemText(i).endswith("[archived]")
    )
    dialog.ocg.setCurrentIndex(archived)
    qtbot.keyClicks(dialog.rationale, "two principals charged")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "archived" in dialog.error_text("occurred_on")
    assert dialog.error_text("rationale") == ""
    # a good one
    active = next(
        i for i in range(dialog.ocg.count()) if dialog.ocg.itemText(i).endswith("[active]")
    )
    dialog.ocg.setCurrentIndex(active)
    dialog.tactic.setCurrentIndex(dialog.tactic.findData("scpo"))
    dialog.strand.setCurrentIndex(dialog.strand.findData("prevent"))
    if dialog.nominals.count():
        dialog.nominals.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert dialog.result_disruption is not None
    qtbot.waitUntil(lambda: view.log_model.rowCount() == before + 1, timeout=10_000)
    row = view.log_model.row_for_id(dialog.result_disruption.id)
    assert row is not None
    assert view.log_model.index(row, 4).data() == "Serious Crime Prevention Order"
    assert view.log_model.index(row, 8).data() == "pending"


def test_major_needs_second_approver_in_the_gui(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = _disruptions(qtbot, window)
    store = window.ctx.store
    ocg = int(store.conn.execute("SELECT id FROM ocgs WHERE status='active'").fetchone()[0])
    d, changes = disruptions.record_disruption(
        store,
        Disruption(ocg, TODAY, "pursue", "poca_confiscation", "major", "assets confiscated"),
        today=TODAY,
    )
    window.ctx.bus.changes_applied.emit(changes, None)
    qtbot.waitUntil(lambda: view.log_model.row_for_id(d.id) is not None, timeout=10_000)
    view.select_disruption(d.id or 0)
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    assert "second approver" in view.message.text()
    qtbot.waitUntil(
        lambda: (
            "awaiting second approver"
            in (view.log_model.index(view.log_model.row_for_id(d.id) or 0, 9).data() or "")
        ),
        timeout=10_000,
    )
    view.select_disruption(d.id or 0)
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)  # same person again
    assert "other than sup.one" in view.message.text()
    act_as(store, "sup.two", "supervisor")
    view.select_disruption(d.id or 0)
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    assert "approved" in view.message.text()
    assert disruptions.get_disruption(store, d.id or 0).status == "approved"


def test_timeline_and_what_works(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = _disruptions(qtbot, window)
    assert view.works_model.rowCount() > 5
    cells = [view.works_model.index(r, 6).data() for r in range(view.works_model.rowCount())]
    assert any("(n=" in c for c in cells)  # every mean carries its number of cases
    assert all("(n=" in c or c == "no scored cases" for c in cells)
    assert "have approved assessments before and after" in view.works_note.text()
    # timeline of one OCG from the log
    view.table.selectRow(0)
    qtbot.mouseClick(view.timeline_button, Qt.MouseButton.LeftButton)
    assert view.tabs.currentIndex() == 1
    qtbot.waitUntil(
        lambda: view.timeline.data is not None and view.timeline.data.title.startswith("OCG-"),
        timeout=10_000,
    )
    data = view.timeline.data
    assert data is not None
    assert data.events
    # clicking a marker takes you to it in the log
    ev = data.events[0]
    pos = view.timeline.marker_position(ev.id)
    assert pos is not None
    qtbot.mouseClick(
        view.timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(pos.x()), round(pos.y()))
    )
    assert view.tabs.currentIndex() == 0
    assert view.selected_id() == ev.id


def test_viewer_cannot_record_or_approve(qtbot, viewer_demo_store) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(viewer_demo_store, remember_layout=False)
    qtbot.addWidget(win)
    view: DisruptionsView = tab(win, DisruptionsView)
    assert not view.record_button.isEnabled()
    assert not view.approve_button.isEnabled()


def _partners_view(qtbot, window) -> PartnersView:  # type: ignore[no-untyped-def]
    view: PartnersView = tab(window, PartnersView)
    qtbot.waitUntil(lambda: view.partner_model.rowCount() > 0, timeout=10_000)
    return view


def test_add_partner_form_validates_then_saves(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = _partners_view(qtbot, window)
    before = view.partner_model.rowCount()
    dialog = view.add_partner()
    qtbot.addWidget(dialog)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # no name
    assert dialog.isVisible() and "needs a name" in dialog.error_text("name")
    qtbot.keyClicks(dialog.name, "Test Housing Association")
    qtbot.keyClicks(dialog.contacts, "boss, Jo Bloggs")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert "unknown contact role" in dialog.error_text("contacts")
    assert dialog.error_text("name") == ""
    dialog.contacts.clear()
    qtbot.keyClicks(dialog.contacts, "spoc, Jo Bloggs, 01234 567890")
    dialog.areas.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(dialog.isa_reference, "ISA-TEST-1")
    dialog.has_expiry.setChecked(True)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: view.partner_model.rowCount() == before + 1, timeout=10_000)
    names = [view.partner_model.row_at(r).name for r in range(view.partner_model.rowCount())]
    assert "Test Housing Association" in names


def test_link_lro_and_structure_forms(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = _partners_view(qtbot, window)
    store = window.ctx.store
    links_before = store.conn.execute("SELECT COUNT(*) FROM partner_ocg_links").fetchone()[0]
    view.partner_table.selectRow(0)
    dialog = view.link_partner()
    qtbot.addWidget(dialog)
    dialog.relation.setCurrentIndex(dialog.relation.findData("safeguarding_lead"))
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible(), dialog.general_error.text()
    assert (
        store.conn.execute("SELECT COUNT(*) FROM partner_ocg_links").fetchone()[0]
        == links_before + 1
    )

    lro = view.set_lro()
    qtbot.addWidget(lro)
    lro.kind.setCurrentIndex(lro.kind.findData("partner"))
    qtbot.mouseClick(
        lro.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert "needs a name" in lro.error_text("name")
    qtbot.keyClicks(lro.name, "Jo Bloggs, housing lead")
    qtbot.mouseClick(
        lro.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert not lro.isVisible()

    # the gap row for an area without a structure opens an empty form for that area
    gap_row = next(
        r
        for r in range(view.structure_model.rowCount())
        if view.structure_model.row_at(r).structure is None
    )
    area = view.structure_model.row_at(gap_row).area
    view.structure_table.selectRow(gap_row)
    form = view.edit_structure()
    assert form is not None
    qtbot.addWidget(form)
    assert form.area.currentText() == area
    qtbot.keyClicks(form.name, f"{area} SOC Board")
    form.members.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(
        form.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert not form.isVisible(), form.general_error.text()
    qtbot.waitUntil(
        lambda: all(
            view.structure_model.row_at(r).structure is not None
            for r in range(view.structure_model.rowCount())
            if view.structure_model.row_at(r).area == area
        ),
        timeout=10_000,
    )


def test_viewer_cannot_edit_partners(qtbot, viewer_demo_store) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(viewer_demo_store, remember_layout=False)
    qtbot.addWidget(win)
    view: PartnersView = tab(win, PartnersView)
    assert not view.add_partner_button.isEnabled()
    assert not view.link_button.isEnabled()
    assert not view.structure_button.isEnabled()


def test_links_of_selected_partner_and_unlink(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = _partners_view(qtbot, window)
    store = window.ctx.store
    busy = next(
        r
        for r in range(view.partner_proxy.rowCount())
        if int(view.partner_proxy.index(r, 4).data()) > 0
    )
    view.partner_table.selectRow(busy)
    pid = view.selected_partner_id()
    n = int(view.partner_proxy.index(busy, 4).data())
    assert view.links_list.count() == n
    assert view.links_list.item(0).text().startswith("OCG-")
    view.links_list.setCurrentRow(0)
    qtbot.mouseClick(view.unlink_button, Qt.MouseButton.LeftButton)
    count = store.conn.execute(
        "SELECT COUNT(*) FROM partner_ocg_links WHERE partner_id = ?", [pid]
    ).fetchone()[0]
    assert count == n - 1
    qtbot.waitUntil(lambda: view.links_list.count() == max(n - 1, 1), timeout=10_000)
