"""Working together in the app: others' saves appear by themselves; a clash of saves is shown
and resolved, never a silent overwrite; the status bar names the database and the login."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from socmap.domain.groups import Ocg
from socmap.services import queries, register
from socmap.services.session import Store, open_store
from socmap.store import audit, users
from socmap.ui.dialogs.conflict_dialog import ConflictDialog
from socmap.ui.dialogs.ocg_dialog import OcgDialog
from socmap.ui.main_window import MainWindow

OTHER = "ds.jones"


def other_analyst(request: pytest.FixtureRequest, kind: str) -> tuple[Store, Store]:
    """(the app's store, another analyst's store) on one register: a file or a server."""
    if kind == "server":
        from tests.engines import grant_role, with_login

        url = request.getfixturevalue("server_url")
        mine = open_store(url)
        grant_role(url, OTHER, "analyst")
        theirs = open_store(with_login(url, OTHER))
    else:
        path: Path = request.getfixturevalue("demo_path")
        mine = open_store(path)
        with mine.atomic():
            users.set_role(mine, OTHER, "analyst")
        theirs = open_store(path, actor=OTHER)
    request.addfinalizer(theirs.close)
    return mine, theirs


def open_window(qtbot, store: Store, *, closed_by_test: bool = False) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(store, remember_layout=False)
    if not closed_by_test:
        qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.watcher.listening.is_set, timeout=10_000)
    return win


def some_group(win: MainWindow, theirs: Store) -> Ocg:
    """A group both can see (the demo's first; on the empty server register, a new one)."""
    rows = queries.register(win.ctx.store)
    if rows:
        return queries.get_ocg(win.ctx.store, rows[0].id)
    made, _ = register.create_ocg(win.ctx.store, Ocg(name="Canal Street", lro="DI Smith"))
    return made


def names_shown(win: MainWindow) -> set[str]:
    model = win.register.model
    return {model.row_at(r).name for r in range(model.rowCount())}


@pytest.mark.parametrize("kind", ["file", "server"])
def test_another_analysts_rename_appears_within_two_seconds(qtbot, request, kind) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = other_analyst(request, kind)
    win = open_window(qtbot, mine)
    group = some_group(win, theirs)
    win.register.reload()
    qtbot.waitUntil(lambda: group.name in names_shown(win), timeout=10_000)
    audit_rows = audit.count(mine)

    start = time.monotonic()
    register.update_ocg(theirs, dataclasses.replace(group, name="Renamed Elsewhere"))
    qtbot.waitUntil(lambda: "Renamed Elsewhere" in names_shown(win), timeout=2000)
    assert time.monotonic() - start < 2.0
    qtbot.waitUntil(lambda: OTHER in win.statusBar().currentMessage(), timeout=2000)
    assert audit.count(mine) == audit_rows + 1  # the refresh itself wrote nothing


def test_own_edits_are_not_echoed_back(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, open_store(demo_path))
    heard: list[object] = []
    win.ctx.bus.changes_applied.connect(lambda _c, initiator: heard.append(initiator))
    group = queries.get_ocg(win.ctx.store, queries.register(win.ctx.store)[0].id)
    register.update_ocg(win.ctx.store, dataclasses.replace(group, notes="my own note"))
    qtbot.wait(1000)
    assert win.watcher not in heard


def test_closing_the_window_stops_the_watcher(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, open_store(demo_path), closed_by_test=True)
    watcher = win.watcher
    assert watcher.running
    win.close()
    assert not watcher.running


def when_shown(qtbot, cls: type, action: Callable[[object], None]) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` on the modal ``cls`` dialog as soon as it is shown."""

    def poke() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, cls) or not dialog.isVisible():
            QTimer.singleShot(20, poke)
            return
        action(dialog)

    QTimer.singleShot(0, poke)


@pytest.mark.parametrize("kind", ["file", "server"])
def test_a_conflicting_save_shows_their_changes_and_merges(qtbot, request, kind, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mine_store, theirs = other_analyst(request, kind)
    win = open_window(qtbot, mine_store)
    group = some_group(win, theirs)
    view = win.register
    win.register.reload()
    qtbot.waitUntil(lambda: view.select_ocg(int(group.id or 0)), timeout=10_000)
    seen: dict[str, object] = {}

    def edit(dialog: OcgDialog) -> None:
        dialog.name.selectAll()
        qtbot.keyClicks(dialog.name, "Mine Crew")
        dialog.notes.setPlainText("seen at the docks")
        # meanwhile, another analyst saves the same group
        saved = queries.get_ocg(theirs, int(group.id or 0))
        register.update_ocg(theirs, dataclasses.replace(saved, name="Their Crew", lro="DI Jones"))
        when_shown(qtbot, ConflictDialog, resolve)
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )

    def resolve(dialog: ConflictDialog) -> None:
        table = dialog.table
        rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
        seen["fields"] = set(rows)
        name_row = rows["Name"]
        seen["name"] = (table.item(name_row, 1).text(), table.item(name_row, 2).text())
        seen["by"] = table.item(rows["LRO"], 3).text()
        seen["when"] = table.item(rows["LRO"], 4).text()
        seen["defaults"] = {f: box.currentText() for f, box in dialog.picks.items()}
        dialog.grab().save(str(tmp_path / "conflict.png"))
        seen["png"] = tmp_path / "conflict.png"
        dialog.picks["name"].setCurrentIndex(dialog.picks["name"].findText("Theirs"))
        qtbot.mouseClick(dialog.merge, Qt.MouseButton.LeftButton)

    when_shown(qtbot, OcgDialog, edit)
    view.edit_selected()
    assert seen["fields"] == {"Name", "LRO", "Notes"}
    assert seen["name"] == ("Mine Crew", "Their Crew")
    assert seen["by"] == OTHER and str(seen["when"]).endswith("UTC")
    assert seen["defaults"] == {"name": "Mine", "lro": "Theirs", "notes": "Mine"}
    saved = queries.get_ocg(mine_store, int(group.id or 0))
    # their name (picked), their LRO (only they changed it), my notes (only I did)
    assert (saved.name, saved.lro, saved.notes) == ("Their Crew", "DI Jones", "seen at the docks")
    assert (
        audit.rows(mine_store, entity="ocg", entity_id=str(group.id))[0].actor == mine_store.actor
    )
    if kind == "file":
        import shutil

        shutil.copy(seen["png"], "/tmp/socmap-conflict-dialog.png")  # type: ignore[arg-type]


@pytest.mark.parametrize("choice", ["keep_mine", "take_theirs"])
def test_keep_mine_or_take_theirs(qtbot, request, choice) -> None:  # type: ignore[no-untyped-def]
    mine_store, theirs = other_analyst(request, "file")
    win = open_window(qtbot, mine_store)
    group = some_group(win, theirs)
    view = win.register
    qtbot.waitUntil(lambda: view.select_ocg(int(group.id or 0)), timeout=10_000)

    def edit(dialog: OcgDialog) -> None:
        dialog.name.selectAll()
        qtbot.keyClicks(dialog.name, "Mine Crew")
        saved = queries.get_ocg(theirs, int(group.id or 0))
        register.update_ocg(theirs, dataclasses.replace(saved, lro="DI Jones"))
        when_shown(
            qtbot,
            ConflictDialog,
            lambda d: qtbot.mouseClick(getattr(d, choice), Qt.MouseButton.LeftButton),
        )
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )

    when_shown(qtbot, OcgDialog, edit)
    view.edit_selected()
    saved = queries.get_ocg(mine_store, int(group.id or 0))
    if choice == "keep_mine":  # mine saved whole, over theirs, knowingly
        assert (saved.name, saved.lro) == ("Mine Crew", group.lro)
    else:
        assert (saved.name, saved.lro) == (group.name, "DI Jones")
        qtbot.waitUntil(lambda: "not saved" in win.statusBar().currentMessage(), timeout=2000)


def test_status_bar_names_the_file_and_the_os_account(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, open_store(demo_path))
    assert win.db_label.text() == f"File: {demo_path}"
    qtbot.waitUntil(lambda: "admin" in win.user_label.text(), timeout=10_000)
    assert win.user_label.text() == "analyst.test · admin (OS account)"
    win.statusBar().grab().save("/tmp/socmap-status-file.png")


def test_status_bar_names_the_server_and_the_login_never_a_password(qtbot, server_url) -> None:  # type: ignore[no-untyped-def]
    from psycopg.conninfo import conninfo_to_dict

    from tests.pg import _params, _to_url

    with_secret = _to_url({**_params(server_url), "password": "s3cret-word"})
    win = open_window(qtbot, open_store(with_secret))  # the test server trusts loopback logins
    database = str(conninfo_to_dict(server_url)["dbname"])
    qtbot.waitUntil(lambda: "admin" in win.user_label.text(), timeout=10_000)
    texts = [win.db_label.text(), win.user_label.text(), win.windowTitle(), win.db_label.toolTip()]
    assert win.db_label.text().startswith("Server: postgresql://")
    assert database in win.db_label.text()
    assert win.user_label.text() == "analyst.test · admin (PostgreSQL login)"
    assert not any("s3cret" in t for t in texts)
    assert "unavailable" not in win.counts_label.text()  # the counts are read on a server too
    win.statusBar().grab().save("/tmp/socmap-status-server.png")


def test_the_form_saves_an_untouched_group_unchanged(qtbot, demo_store) -> None:  # type: ignore[no-untyped-def]
    """No invented change for the conflict dialog to show: the secondary markets keep their
    order and a group with no identification date keeps none."""
    from PySide6.QtGui import QUndoStack

    from socmap.ui.bus import AppSignals
    from socmap.ui.context import UiContext
    from socmap.ui.tasks import TaskRunner

    ctx = UiContext(demo_store, AppSignals(), TaskRunner(demo_store), QUndoStack())
    group = next(
        g
        for g in (queries.get_ocg(demo_store, r.id) for r in queries.register(demo_store))
        if len(g.secondary_markets) > 1
    )
    group = dataclasses.replace(group, secondary_markets=group.secondary_markets[::-1])
    undated = dataclasses.replace(group, identified_on=None)
    for ocg in (group, undated):
        dialog = OcgDialog(ctx, ocg)
        qtbot.addWidget(dialog)
        assert dialog.result_ocg() == ocg


def test_a_rename_by_another_process_on_the_same_file_appears(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The embedded case for real: another socmap process (the CLI, as another OS account)
    writes the same file on the same workstation."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    store = open_store(demo_path)
    with store.atomic():
        users.set_role(store, OTHER, "analyst")
    win = open_window(qtbot, store)
    group = queries.register(store)[0]
    qtbot.waitUntil(lambda: group.name in names_shown(win), timeout=10_000)
    done = subprocess.run(
        [
            sys.executable,
            str(repo / "tests" / "run_as.py"),
            OTHER,
            "-m",
            "socmap",
            "ocg",
            "edit",
            "--db",
            str(demo_path),
            "--ocg",
            str(group.id),
            "--name",
            "Renamed By Another Process",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo,
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: "Renamed By Another Process" in names_shown(win), timeout=2000)
    qtbot.waitUntil(lambda: OTHER in win.statusBar().currentMessage(), timeout=2000)
