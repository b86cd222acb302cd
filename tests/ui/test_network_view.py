"""The Network and At risk tabs driven as a user would (offscreen)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPointF, Qt
from PySide6.QtWidgets import QApplication

from socmap.services import atrisk
from socmap.services.session import open_store
from socmap.ui.main_window import MainWindow
from socmap.ui.models.network_models import AtRiskModel, KeyPlayersModel, ProposalsModel
from socmap.ui.views.atrisk_view import AtRiskView
from socmap.ui.views.network_view import NetworkView

AS_OF = QDate(2026, 11, 1)
#: screenshots go here when SOCMAP_SCREENSHOT_DIR is set (docs/screenshots holds the last ones)
SHOTS = Path(os.environ.get("SOCMAP_SCREENSHOT_DIR", tempfile.gettempdir()))


def _busiest(store) -> int:  # type: ignore[no-untyped-def]
    import datetime as dt

    from socmap.services import network as sn

    best = None
    data = sn.load(store)
    for oid, (_n, status, _l) in sorted(data.ocgs.items()):
        if status != "active":
            continue
        kp = sn.key_players(store, oid, as_of=dt.date(2026, 11, 1), data=data)
        if kp and "only link between the principal/significant members" in kp[0].explanation:
            m = int(re.search(r"and (\d+) peripheral", kp[0].explanation).group(1))  # type: ignore[union-attr]
            if best is None or m > best[0]:
                best = (m, oid)
    assert best is not None
    return best[1]


@pytest.fixture
def window(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    win.resize(1600, 1000)
    win.show()
    return win


def _tab(win, cls):  # type: ignore[no-untyped-def]
    """Show the tab and let its first loads land."""
    view = win.open_tab(cls)
    for _ in range(3):
        win.ctx.tasks.wait(20_000)
        QApplication.processEvents()
    return view


def test_network_tab_tells_the_story(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view: NetworkView = _tab(window, NetworkView)
    oid = _busiest(window.ctx.store if hasattr(window, "ctx") else view.ctx.store)
    view.as_of.setDate(AS_OF)
    view.select_ocg(oid)
    qtbot.waitUntil(
        lambda: view.result is not None and view.result.state.ocg_id == oid, timeout=15_000
    )
    assert view.players_model.rowCount() >= 5
    top = view.players_model.rows[0]
    assert "only link" in view.explanation.text()
    # click the top key player on the canvas
    view.pages.setCurrentIndex(0)
    qtbot.waitUntil(lambda: view.canvas.node_position(str(top.person_id)) is not None)
    pt = view.canvas.node_position(str(top.person_id))
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=QPointF(pt).toPoint())
    assert view.selected == top.person_id
    assert top.name in view.person_label.text()
    # what-if: remove them; the after picture splits as the explanation says
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    said = int(re.search(r"into (\d+)", top.explanation).group(1))  # type: ignore[union-attr]
    assert view.last_whatif.parts_after == said
    assert f"into {said}" in view.whatif_label.text()
    shown_after = {n.id for n in view.after_canvas.scene.nodes}
    assert str(top.person_id) not in shown_after
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "network-whatif.png"))
    # and a link: cutting one of the top player's links
    qtbot.mouseClick(view.reset_button, Qt.MouseButton.LeftButton)
    assert view.last_whatif.parts_after == view.last_whatif.parts_before
    assert view.link_combo.count() == top.degree
    qtbot.mouseClick(view.remove_link_button, Qt.MouseButton.LeftButton)
    assert view.last_whatif.removed_links and "link" in view.whatif_label.text()
    qtbot.mouseClick(view.reset_button, Qt.MouseButton.LeftButton)
    view.pages.setCurrentIndex(0)
    window.grab().save(str(SHOTS / "network-tab.png"))
    # open the record
    with qtbot.waitSignal(view.ctx.bus.open_ocg_requested, timeout=2000) as sig:
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert sig.args == [oid]
    # people at risk are drawn as at risk, never as members
    at_risk = {r.person_id for r in atrisk.at_risk_rows(view.ctx.store)}
    for node in view.canvas.scene.nodes:
        if int(node.id) in at_risk:
            assert node.kind == "at_risk"


def test_network_follows_selection_and_exports(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view: NetworkView = _tab(window, NetworkView)
    view.as_of.setDate(AS_OF)
    oid = view.ocg_combo.itemData(3)
    view.ctx.bus.ocg_selected.emit(oid)
    qtbot.waitUntil(
        lambda: view.result is not None and view.result.state.ocg_id == oid, timeout=15_000
    )
    assert view.ocg_combo.currentData() == oid
    # filters redraw without moving the people already drawn
    before = dict(view.result.positions)
    view.steps.setValue(0)
    qtbot.waitUntil(lambda: view.result.state.steps == 0, timeout=15_000)
    for n, p in view.result.positions.items():
        assert before.get(n, p) == p
    view.role_combo.setCurrentIndex(view.role_combo.findData("peripheral"))
    qtbot.waitUntil(lambda: view.result.state.role == "peripheral", timeout=15_000)
    members = [d for _n, d in view.result.graph.nodes(data=True) if d["kind"] == "member"]
    assert members and {d["role"] for d in members} == {"peripheral"}
    out = tmp_path / "net.svg"
    view.export_to(out, "svg")
    qtbot.waitUntil(out.exists, timeout=15_000)
    view.ctx.tasks.wait()
    text = out.read_text()
    assert "OFFICIAL-SENSITIVE" in text
    # Export -> i2 chart: the same group's network as an ANX file
    labels = [a.text() for a in view.export_button.menu().actions()]
    assert any("i2 chart" in t for t in labels)
    chart = tmp_path / "net.anx"
    view.export_to(chart, "anx")
    qtbot.waitUntil(chart.exists, timeout=15_000)
    view.ctx.tasks.wait()
    import xml.etree.ElementTree as ET

    root = ET.parse(chart).getroot()
    assert root.tag == "Chart" and root.find("ChartItemCollection/ChartItem/End/Entity") is not None
    assert f"OCG-{oid:04d}" in chart.read_bytes().decode("utf-16")


def test_emerging_groups_go_to_the_trigger_queue(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view: NetworkView = _tab(window, NetworkView)
    view.side.setCurrentIndex(2)
    qtbot.mouseClick(view.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.candidate_list.count() > 0, timeout=60_000)
    assert "recorded links" in view.candidate_label.text()
    before = view.ocg_combo.count()
    qtbot.mouseClick(view.trigger_button, Qt.MouseButton.LeftButton)
    assert "trigger queue" in view.candidate_label.text()
    qtbot.waitUntil(lambda: view.ocg_combo.count() == before + 1, timeout=10_000)


def test_at_risk_tab(qtbot, window, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    view: AtRiskView = _tab(window, AtRiskView)
    qtbot.waitUntil(
        lambda: view.model.rowCount() > 0 and view.prop_model.rowCount() > 1, timeout=15_000
    )
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.prop_model)
    # one area
    view.area_combo.setCurrentIndex(view.area_combo.findText("Herefordshire"))
    qtbot.waitUntil(lambda: "Herefordshire" in view.summary.text(), timeout=15_000)
    assert {r.area for r in view.model.rows} == {"Herefordshire"}
    # add an intervention to the first person
    view.table.selectRow(0)
    person = view.current_row()
    assert person is not None and person.name in view.details.toHtml()
    n_before = len(person.interventions)
    view.kind_combo.setCurrentIndex(view.kind_combo.findData("mentoring"))
    qtbot.keyClicks(view.partner_edit, "Youth diversion charity")
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(
            r.person_id == person.person_id and len(r.interventions) == n_before + 1
            for r in view.model.rows
        ),
        timeout=15_000,
    )
    # decline needs a reason; then accept another
    view.area_combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: view.prop_model.rowCount() > 1, timeout=15_000)
    view.prop_table.selectRow(0)
    declined = view.current_proposal()
    assert declined is not None and declined.reason == view.reason.text()
    qtbot.keyClicks(view.note_edit, "already open to the youth justice service")
    qtbot.mouseClick(view.decline_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: declined.nominal_id not in {p.nominal_id for p in view.prop_model.rows},
        timeout=15_000,
    )
    view.prop_table.selectRow(0)
    accepted = view.current_proposal()
    qtbot.mouseClick(view.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: accepted.nominal_id in {r.person_id for r in view.model.rows}, timeout=15_000
    )
    # undo takes the decision back
    view.ctx.undo_stack.undo()
    qtbot.waitUntil(
        lambda: accepted.nominal_id not in {r.person_id for r in view.model.rows}, timeout=15_000
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "at-risk-tab.png"))


def test_key_players_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from socmap.graph import metrics as gm
    from socmap.graph import network as gn

    data = gn.NetworkData(
        people={1: ("A", None, None), 2: ("B", None, None), 3: ("C", None, None)},
        ocgs={9: ("X", "active", None)},
        memberships=[
            (9, 1, "principal", None, None),
            (9, 2, "significant", None, None),
            (9, 3, "peripheral", None, None),
        ],
        associations=[
            (1, 1, 2, "family", None, None, "3x5x2", "1A", "P"),
            (2, 2, 3, "associate", None, None, "3x5x2", "1A", "P"),
        ],
    )
    model = KeyPlayersModel()
    model.set_rows(gm.key_players(gn.member_graph(data, 9, as_of=dt.date(2026, 1, 1))))
    qtmodeltester.check(model)
    assert model.rows[0].name == "B"
    assert isinstance(AtRiskModel().rowCount(), int) and ProposalsModel().rowCount() == 0


def test_tabs_on_an_empty_database(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "empty.db")
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    net: NetworkView = _tab(win, NetworkView)
    assert net.ocg_combo.count() == 0 and net.result is None
    qtbot.mouseClick(net.remove_top_button, Qt.MouseButton.LeftButton)  # nothing to remove
    risk: AtRiskView = _tab(win, AtRiskView)
    qtbot.waitUntil(lambda: risk.data is not None, timeout=10_000)
    assert risk.model.rowCount() == 0 and "0 people at risk" in risk.summary.text()


def test_an_older_request_is_never_shown(qtbot, window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A slow earlier request that finishes after a quick later one is dropped."""
    import threading
    import time

    from socmap.ui.views import network_view as nv

    view: NetworkView = _tab(window, NetworkView)
    view.as_of.setDate(AS_OF)
    qtbot.waitUntil(lambda: view.result is not None, timeout=15_000)
    view.ctx.tasks.wait()
    real = nv.offload.run_in_process
    slow_done = threading.Event()

    def run_in_process(store, target, state, *args, **kwargs):  # type: ignore[no-untyped-def]
        if state.steps == 2:  # the older request: slow
            time.sleep(1.5)
            try:
                return real(store, target, state, *args, **kwargs)
            finally:
                slow_done.set()
        return real(store, target, state, *args, **kwargs)

    monkeypatch.setattr(nv.offload, "run_in_process", run_in_process)
    view.steps.setValue(2)  # slow
    view.steps.setValue(0)  # quick, and newer
    qtbot.waitUntil(lambda: view.result.state.steps == 0, timeout=15_000)
    qtbot.waitUntil(slow_done.is_set, timeout=15_000)
    view.ctx.tasks.wait()
    qtbot.wait(200)  # let the slow result's signal reach the view
    assert view.result.state.steps == 0
    assert view.steps.value() == 0
