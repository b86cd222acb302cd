"""The "Record a person at risk" and "Add association" dialogs driven as a user would (offscreen)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from socmap.domain.groups import Membership, Nominal, Ocg
from socmap.domain.vocab import Role
from socmap.services import atrisk, register
from socmap.store import audit
from socmap.store import network as net
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.association_dialog import AssociationDialog, OcgLinkDialog
from socmap.ui.dialogs.atrisk_dialog import AtRiskDialog
from socmap.ui.tasks import TaskRunner
from socmap.ui.views.atrisk_view import AtRiskView
from socmap.ui.views.network_view import NetworkView


@pytest.fixture
def ctx(store):  # type: ignore[no-untyped-def]
    """A group (HARROW principal, IBBOTSON peripheral) and an outsider JARVIS, in memory."""
    ocg, _ = register.create_ocg(store, Ocg(name="Test crew"))
    for surname, role in (("Harrow", Role.PRINCIPAL), ("Ibbotson", Role.PERIPHERAL)):
        n, _ = register.create_nominal(store, Nominal(surname=surname, forenames="Sam"))
        register.add_membership(store, Membership(ocg_id=ocg.id, nominal_id=n.id, role=role))  # type: ignore[arg-type]
    register.create_nominal(store, Nominal(surname="Jarvis", forenames="Lee"))
    register.create_ocg(store, Ocg(name="Other crew"))
    c = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield c
    c.tasks.wait()


def _ok(dialog):  # type: ignore[no-untyped-def]
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def _tick(qtbot, box) -> None:  # type: ignore[no-untyped-def]
    """Click a check box on its indicator (the widget may be wider than its text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))
    assert box.isChecked()


def _pick(qtbot, picker, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(picker.search, text)
    assert picker.matches.count() == 1


def _id(store, surname: str) -> int:  # type: ignore[no-untyped-def]
    return int(
        store.conn.execute("SELECT id FROM nominals WHERE surname = ?", [surname]).fetchone()[0]
    )


def test_record_existing_person_at_risk_with_indicator_and_exploiter(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    store = ctx.store
    dialog = AtRiskDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    emitted: list[object] = []
    ctx.bus.changes_applied.connect(lambda ch, _i: emitted.append(ch))
    assert not _ok(dialog).isEnabled()  # nobody chosen yet
    _pick(qtbot, dialog.person, "Jarv")
    assert "rationale" in dialog.rationale_error.text()
    qtbot.keyClicks(dialog.rationale, "Seen running packages for older males")
    qtbot.keyClicks(dialog.source, "school liaison officer")
    dialog.check_indicator("multiple_phones", QDate(2026, 10, 3))
    dialog.factors.item(0).setCheckState(Qt.CheckState.Checked)
    _tick(qtbot, dialog.exploited)
    assert not _ok(dialog).isEnabled()  # exploiter not chosen
    _pick(qtbot, dialog.exploiter, "Harrow")
    assert dialog.exploiter_error.text() == ""
    assert _ok(dialog).isEnabled(), dialog.findChildren(object)
    before = audit.count(store)
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)

    pid = _id(store, "Jarvis")
    rec = net.get_at_risk(store, pid)
    assert rec is not None and rec.risk_level == "medium"
    assert rec.vulnerability_factors == ("criminal_justice",)
    inds = [i for i in net.indicators(store) if i.nominal_id == pid]
    assert [(i.indicator, i.observed_on) for i in inds] == [
        ("multiple_phones", dt.date(2026, 10, 3))
    ]
    row = next(r for r in atrisk.at_risk_rows(store) if r.person_id == pid)
    assert [p for p, _n, _o in row.exploited_by] == [_id(store, "Harrow")]
    assert audit.count(store) == before + 3  # record, indicator, exploitation
    assert audit.rows(store, entity="at_risk")[0].entity_id == str(pid)
    assert emitted and emitted[0].touches("at_risk")  # type: ignore[attr-defined]


def test_record_new_person_at_risk(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    dialog = AtRiskDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _tick(qtbot, dialog.new_person)
    assert "surname" in dialog.person_error.text()
    qtbot.keyClicks(dialog.surname, "Kemp")
    qtbot.keyClicks(dialog.forenames, "Ava")
    dialog.dob.setDate(QDate(2010, 4, 2))
    dialog.risk.setCurrentIndex(dialog.risk.findData("high"))
    qtbot.keyClicks(dialog.rationale, "Missing from care three times")
    before = audit.count(ctx.store)
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    pid = _id(ctx.store, "Kemp")
    rec = net.get_at_risk(ctx.store, pid)
    assert rec is not None and rec.risk_level == "high"
    assert audit.count(ctx.store) == before + 2  # nominal + at-risk record
    assert dialog.saved is not None


def test_member_cannot_be_recorded_at_risk(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    dialog = AtRiskDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _pick(qtbot, dialog.person, "Ibbot")
    qtbot.keyClicks(dialog.rationale, "Looks young")
    shown = dialog.person_error.text()
    assert "is recorded as a member of OCG-" in shown
    assert "a member cannot also be recorded as a person at risk" in shown
    assert not _ok(dialog).isEnabled()
    before = audit.count(ctx.store)
    dialog._save()  # even if OK were pressed, the service refuses and nothing is written
    assert "a member cannot also be recorded" in dialog.person_error.text()
    assert audit.count(ctx.store) == before
    assert net.get_at_risk(ctx.store, _id(ctx.store, "Ibbotson")) is None


def test_record_button_needs_edit(qtbot, ctx, store) -> None:  # type: ignore[no-untyped-def]
    view = AtRiskView(ctx)
    qtbot.addWidget(view)
    assert view.record_button.isEnabled()
    ctx.tasks.wait()
    from tests.conftest import act_as

    act_as(store, "viewer1", "viewer")
    viewer_view = AtRiskView(ctx)
    qtbot.addWidget(viewer_view)
    assert not viewer_view.record_button.isEnabled()
    ctx.tasks.wait()


def _fill_association(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    """Second person, type, source and a C grading with its conditions, checking the errors."""
    assert not _ok(dialog).isEnabled()
    assert dialog.source_error.text()  # source is required
    _pick(qtbot, dialog.person_b, "Jarv")
    dialog.kind.setCurrentIndex(dialog.kind.findData("co-offender"))
    qtbot.keyClicks(dialog.source, "IR 2026/114")
    assert dialog.source_error.text() == ""
    _tick(qtbot, dialog.end_known)
    dialog.start.setDate(QDate(2026, 5, 1))
    dialog.end.setDate(QDate(2026, 4, 1))
    assert "before it starts" in dialog.dates_error.text()
    assert not _ok(dialog).isEnabled()
    dialog.end.setDate(QDate(2026, 9, 1))
    dialog.grading.handling.setCurrentIndex(dialog.grading.handling.findData("C"))
    assert "conditions" in dialog.grading_error.text()
    assert not _ok(dialog).isEnabled()
    qtbot.keyClicks(dialog.grading.conditions, "not to be shared outside the force")
    assert dialog.grading_error.text() == ""
    assert _ok(dialog).isEnabled()


def test_add_association(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    store = ctx.store
    dialog = AssociationDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    _pick(qtbot, dialog.person_a, "Harrow")
    _fill_association(qtbot, dialog)
    before = audit.count(store)
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    (a,) = net.associations_of(store, _id(store, "Jarvis"))
    assert (a.nominal_a, a.nominal_b, a.kind) == (
        _id(store, "Harrow"),
        _id(store, "Jarvis"),
        "co-offender",
    )
    assert (a.start, a.end) == (dt.date(2026, 5, 1), dt.date(2026, 9, 1))
    assert (a.grade, a.handling, a.handling_conditions) == (
        "2B",
        "C",
        "not to be shared outside the force",
    )
    assert audit.count(store) == before + 1
    assert audit.rows(store, entity="association")[0].entity_id == str(a.id)


def test_same_person_twice_is_refused(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    dialog = AssociationDialog(ctx)
    qtbot.addWidget(dialog)
    _pick(qtbot, dialog.person_a, "Jarv")
    _pick(qtbot, dialog.person_b, "Jarv")
    qtbot.keyClicks(dialog.source, "IR 1")
    assert "cannot be linked to themselves" in dialog.b_error.text()
    assert not _ok(dialog).isEnabled()


def test_network_tab_opens_association_with_the_selected_person(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    store = ctx.store
    view = NetworkView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    harrow = _id(store, "Harrow")
    view.select_person(harrow)
    seen: list[str] = []

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AssociationDialog)
        seen.append(dialog.person_a.matches.currentItem().text())
        assert dialog.person_a.nominal_id() == harrow
        _fill_association(qtbot, dialog)
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, drive)
    qtbot.mouseClick(view.add_association_button, Qt.MouseButton.LeftButton)
    assert seen and "HARROW" in seen[0]
    assert [a.nominal_a for a in net.associations_of(store, _id(store, "Jarvis"))] == [harrow]
    ctx.tasks.wait()


def test_link_two_groups_from_the_network_tab(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    store = ctx.store
    view = NetworkView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    shown = view.state.ocg_id
    assert shown is not None

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, OcgLinkDialog)
        assert dialog.ocg_a.currentData() == shown
        assert not _ok(dialog).isEnabled()
        dialog.ocg_b.setCurrentIndex(dialog.ocg_b.findData(shown))
        assert "cannot be linked to itself" in dialog.b_error.text()
        other = next(
            dialog.ocg_b.itemData(i)
            for i in range(1, dialog.ocg_b.count())
            if dialog.ocg_b.itemData(i) != shown
        )
        dialog.ocg_b.setCurrentIndex(dialog.ocg_b.findData(other))
        dialog.kind.setCurrentIndex(dialog.kind.findData("rival"))
        qtbot.keyClicks(dialog.source, "IR 2026/200")
        assert _ok(dialog).isEnabled()
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)

    before = audit.count(store)
    QTimer.singleShot(0, drive)
    qtbot.mouseClick(view.link_groups_button, Qt.MouseButton.LeftButton)
    (link,) = net.ocg_links(store)
    assert link.ocg_a == shown and link.kind == "rival" and link.grade == "2B"
    assert audit.count(store) == before + 1
    assert audit.rows(store, entity="ocg_link")[0].entity_id == str(link.id)
    ctx.tasks.wait()


def test_link_buttons_need_edit(qtbot, ctx, store) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import act_as

    act_as(store, "viewer1", "viewer")
    view = NetworkView(ctx)
    qtbot.addWidget(view)
    assert not view.add_association_button.isEnabled()
    assert not view.link_groups_button.isEnabled()
    ctx.tasks.wait()
