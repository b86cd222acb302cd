"""Edit -> Merge two records of a person, and the register's 'Merge duplicate…' (issue 15)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack

from socmap.domain.groups import Membership, Nominal
from socmap.domain.ids import GroupId, NominalId
from socmap.domain.vocab import Role
from socmap.services import register
from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.merge_nominals_dialog import MergeNominalsDialog
from socmap.ui.tasks import TaskRunner


@pytest.fixture
def ctx(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "force.db")
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)
    store.close()


def _people(ctx: UiContext) -> tuple[int, int, int]:
    from socmap.domain.groups import Ocg

    g, _ = register.create_ocg(ctx.store, Ocg(name="Kelly network"))
    keep, _ = register.create_nominal(ctx.store, Nominal(surname="Kelly", forenames="Sean"))
    drop, _ = register.create_nominal(ctx.store, Nominal(surname="Kelly", forenames="Shaun"))
    for n, role in ((keep, Role.PERIPHERAL), (drop, Role.PRINCIPAL)):
        register.add_membership(
            ctx.store,
            Membership(ocg_id=GroupId(int(g.id or 0)), nominal_id=NominalId(int(n.id or 0)),
                       role=role),
        )  # fmt: skip
    return int(keep.id or 0), int(drop.id or 0), int(g.id or 0)


def test_merge_two_records_of_one_man(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    keep, drop, ocg = _people(ctx)
    dialog = MergeNominalsDialog(ctx, name="KELLY, Sean")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.keep_list.currentItem().data(256) == keep  # the member's own record
    dialog.choose(keep, drop)
    assert f"NOM-{drop:04d} will be folded into NOM-{keep:04d}" in dialog.summary.text()
    assert "1 row in memberships" in dialog.summary.text()
    assert dialog.merge_button.isEnabled()
    folder = os.environ.get("SOCMAP_SCREENSHOTS")
    if folder:
        dialog.grab().save(str(Path(folder) / "merge_nominals.png"))
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=10_000):
        dialog.merge_button.click()
    assert dialog.result_.kept.id == keep
    conn = sqlite3.connect(ctx.store.path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM nominals WHERE id = ?", [drop]).fetchone() == (0,)
        assert conn.execute(
            "SELECT nominal_id, role FROM memberships WHERE ocg_id = ?", [ocg]
        ).fetchall() == [(keep, "principal")]
    finally:
        conn.close()


def test_the_same_record_twice_cannot_be_merged(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    keep, _drop, _ocg = _people(ctx)
    dialog = MergeNominalsDialog(ctx, name="KELLY, Sean")
    qtbot.addWidget(dialog)
    dialog.choose(keep, keep)
    assert not dialog.merge_button.isEnabled()
    assert "cannot be merged with itself" in dialog.error.text()


def test_register_detail_offers_merge_duplicate(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    from socmap.ui.main_window import MainWindow

    store = open_store(demo_path)
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    names = [a.text().replace("&", "") for a in win.edit_menu.actions()]
    assert "Merge two records of a person…" in names
    detail = win.register.detail
    qtbot.waitUntil(lambda: win.register.model.rowCount() > 0, timeout=10_000)
    for row in range(win.register.model.rowCount()):  # a group with members
        win.register.table.selectRow(row)
        if detail.members.rowCount():
            break
    qtbot.waitUntil(lambda: detail.members.rowCount() > 0, timeout=10_000)
    detail.members.selectRow(0)
    name = detail.members.item(0, 0).text()
    detail.merge_member_button.click()
    dialog = win.findChild(MergeNominalsDialog, "merge_nominals")
    assert dialog is not None
    assert dialog.keep_search.text() == name.split(",")[0]
    assert dialog.keep_list.currentItem().text().endswith(name) or name in (
        dialog.keep_list.currentItem().text()
    )
