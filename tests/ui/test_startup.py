"""Start-up and shutdown: only the register loads at start; closing with loads in flight is clean."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from socmap.services.session import open_store
from socmap.ui.main_window import MainWindow
from socmap.ui.tabs import TABS, LazyTab
from socmap.ui.tasks import TaskRunner

HERE = Path(__file__).resolve().parent
QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def test_only_the_register_is_made_at_start(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(open_store(demo_path), remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    slots = [win.tabs.widget(i) for i in range(win.tabs.count())]
    assert all(isinstance(s, LazyTab) for s in slots)
    assert [s.title for s in slots if s.made] == ["Register"]
    assert list(win.views) == ["Register"]
    # every tab is made the first time it is shown, once
    for i, (title, _spec) in enumerate(TABS):
        win.tabs.setCurrentIndex(i)
        assert slots[i].made and title in win.views
        assert win.view(title) is win.views[title]
    win.ctx.tasks.wait(20_000)


def test_closing_with_loads_in_flight_is_quiet_and_quick(demo_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(HERE / "close_while_loading.py"), str(demo_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [
        line for line in proc.stderr.splitlines() if line.strip() and not line.startswith(QT_NOISE)
    ]
    assert proc.returncode == 0, proc.stderr
    assert errors == []
    assert float(proc.stdout.strip().splitlines()[-1]) < 1.0


def test_a_task_outliving_its_window_reports_nothing(qtbot, tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QWidget

    store = open_store(tmp_path / "t.db")
    owner = QWidget()
    runner = TaskRunner(store, owner)
    started, release = threading.Event(), threading.Event()
    seen: list[object] = []
    results: list[object] = []

    def job(_own, progress):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(10)
        for k in range(20):
            progress.advance(k, 20)  # after shutdown: silently dropped
        seen.append(progress.cancelled)
        return "late"

    runner.run(job, write=False, on_done=results.append, on_error=results.append)
    assert started.wait(10)
    runner.shutdown(read_msecs=0)
    release.set()
    deadline = time.monotonic() + 10
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.wait(10_000)
    owner.deleteLater()
    qtbot.wait(50)
    assert seen == [True]  # the task was told to stop
    assert results == []  # and no callback ran for a closed window
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err and "Traceback" not in err
    store.close()


def test_a_large_file_is_read_only_until_its_check_passes(  # type: ignore[no-untyped-def]
    qtbot, demo_path: Path, monkeypatch
) -> None:
    from socmap.services.session import open_for_window, pending_check
    from socmap.store import integrity

    monkeypatch.setattr(integrity, "DEFER_ABOVE_BYTES", 0)  # the demo counts as large
    win = MainWindow(open_for_window(demo_path), remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    check = pending_check(win.ctx.store)
    assert check is not None and win.integrity is check
    assert win.integrity_label.isVisible()
    assert "Read-only" in win.integrity_label.text()
    # the check starts once the register has rows, and the label goes when it passes
    qtbot.waitUntil(lambda: check.passed, timeout=30_000)
    qtbot.waitUntil(lambda: not win.integrity_label.isVisible(), timeout=5_000)
    assert "Integrity check passed" in win.statusBar().currentMessage()
    win.ctx.tasks.wait(20_000)


def test_a_large_file_failing_its_check_is_refused_and_the_window_closes(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from socmap.services.session import open_for_window
    from socmap.store import integrity
    from tests.store.test_integrity_deferred import _damaged_data_page

    monkeypatch.setattr(integrity, "DEFER_ABOVE_BYTES", 0)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    path = _damaged_data_page(tmp_path / "bad.db")
    win = MainWindow(open_for_window(path), remember_layout=False)
    closed: list[bool] = []
    win.destroyed.connect(lambda: closed.append(True))  # closing deletes the window
    win.show()
    assert win.integrity is not None
    win.integrity.start()
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert "failed SQLite's integrity check" in shown[0] and "it was not changed" in shown[0]
    qtbot.waitUntil(lambda: bool(closed), timeout=5_000)


def test_start_up_does_not_import_pandas() -> None:
    """sqlite-utils would import pandas (0.2 s) for nothing; the window's modules do not need it."""
    code = (
        "import sys\n"
        "import socmap.services.session, socmap.ui.main_window\n"
        "import sqlite_utils.db\n"
        "assert 'pandas' not in sys.modules, 'pandas imported at start-up'\n"
        "assert sqlite_utils.db.pd is None\n"
        "import pandas\n"  # and pandas still works for whoever needs it later
        "print(pandas.Timestamp('2026-01-01').year)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=HERE.parents[1],
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "2026"


def test_the_other_tabs_import_only_after_the_rows_are_painted(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An import in a thread holds the GIL: started with the rows, it froze their first paint."""
    win = MainWindow(open_store(demo_path), remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.register.rows_loaded, timeout=20_000):
        pass
    assert win.preload is None  # not in the same turn of the event loop as the rows
    qtbot.waitUntil(lambda: win.preload is not None, timeout=5_000)
    win.preload.join(60)
    win.ctx.tasks.wait(20_000)


def test_the_other_tabs_import_only_once_no_task_is_running(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A paint beside an import in a thread took 5-10 times as long (both want the GIL): the
    imports wait while a task runs (the register's due dates are one) and one look after."""
    win = MainWindow(open_store(demo_path), remember_layout=False)
    qtbot.addWidget(win)
    release = threading.Event()
    win.register.rows_loaded.connect(
        lambda _n: win.ctx.tasks.run(
            lambda _s, _p: release.wait(30), write=False, on_done=lambda _r: None
        )
    )
    win.show()
    with qtbot.waitSignal(win.register.rows_loaded, timeout=20_000):
        pass
    qtbot.wait(4 * MainWindow.PRELOAD_AFTER_MS)
    assert win.preload is None and win.ctx.tasks.busy
    release.set()
    qtbot.waitUntil(lambda: not win.ctx.tasks.busy, timeout=10_000)
    assert win.preload is None  # not in the turn the task reported back in
    qtbot.waitUntil(lambda: win.preload is not None, timeout=5_000)
    win.preload.join(60)
    win.ctx.tasks.wait(20_000)


def test_the_window_shortens_the_gil_switch_interval(qtbot, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    from socmap.app import UI_SWITCH_INTERVAL_S, open_main_window

    before = sys.getswitchinterval()
    try:
        win = open_main_window(demo_path, remember_layout=False)
        qtbot.addWidget(win)
        assert sys.getswitchinterval() == UI_SWITCH_INTERVAL_S <= 0.001
        win.ctx.tasks.wait(20_000)
    finally:
        sys.setswitchinterval(before)


def test_table_cells_reuse_their_brushes_and_fonts() -> None:
    """Making a QBrush costs ~30 us in PySide6; a paint asks for thousands of them."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor

    from socmap.ui.models.rows_model import Column, RowsTableModel

    model = RowsTableModel(
        [
            Column("a", str, colour=lambda r: QColor("#b91c1c"), bold=True),
            Column("b", str, background=lambda r: "#fef3c7"),
        ]
    )
    model.set_rows([1, 2, 3])
    fg = [model.data(model.index(r, 0), Qt.ItemDataRole.ForegroundRole) for r in range(3)]
    bg = [model.data(model.index(r, 1), Qt.ItemDataRole.BackgroundRole) for r in range(3)]
    fonts = [model.data(model.index(r, 0), Qt.ItemDataRole.FontRole) for r in range(3)]
    assert fg[0].color() == QColor("#b91c1c") and bg[0].color() == QColor("#fef3c7")
    assert fonts[0].bold()
    assert all(b is fg[0] for b in fg) and all(b is bg[0] for b in bg)
    assert all(f is fonts[0] for f in fonts)


def test_the_register_rows_are_read_while_the_window_modules_import(  # type: ignore[no-untyped-def]
    qtbot, demo_path: Path, monkeypatch
) -> None:
    """The first rows come from the thread that opened the file, read while the UI thread
    imported the window's modules, without their re-assessment state (the schedule is a third
    of the query); the engine's worker process then fills that in, in place: the same rows,
    selection kept."""
    from socmap.app import open_main_window
    from socmap.services import offload, queries

    before = sys.getswitchinterval()
    calls: list[tuple[str, bool]] = []
    real = queries.register

    def spy(store, **kw):  # type: ignore[no-untyped-def]
        calls.append((threading.current_thread().name, kw.get("with_schedule", True)))
        return real(store, **kw)

    monkeypatch.setattr(queries, "register", spy)
    offloaded: list[str] = []
    real_offload = offload.run_in_process

    def offload_spy(store, target, *args, **kw):  # type: ignore[no-untyped-def]
        offloaded.append(target)
        return real_offload(store, target, *args, **kw)

    monkeypatch.setattr(offload, "run_in_process", offload_spy)
    try:
        win = open_main_window(demo_path, remember_layout=False)
        qtbot.addWidget(win)
        with qtbot.waitSignal(win.register.schedule_loaded, timeout=20_000):
            win.show()
            qtbot.waitUntil(lambda: win.register.proxy.rowCount() > 0, timeout=10_000)
            first = win.register.model.rows[0].id
            win.register.select_ocg(first)
        win.ctx.tasks.wait(20_000)
        assert calls == [("socmap-open", False)]  # the full read is in another process:
        assert "socmap.services.queries:register" in offloaded
        full = {r.id: r for r in real(win.ctx.store)}
        shown = win.register.model.rows
        assert len(shown) == len(full)
        assert all(r == full[r.id] for r in shown)  # due dates filled in
        assert any(r.due_state is not None for r in shown)
        assert win.register.selected_ocg_id() == first  # in place: the selection is kept
    finally:
        sys.setswitchinterval(before)


def test_start_up_objects_are_frozen_out_of_the_collector_until_the_window_closes(  # type: ignore[no-untyped-def]
    qtbot, demo_path: Path
) -> None:
    """A full cyclic collection over ~100,000 start-up objects took 0.17-0.2 s with the GIL held;
    once the register shows, they are frozen (gc.freeze) and a collection scans only newer ones."""
    import gc

    gc.unfreeze()
    win = MainWindow(open_store(demo_path), remember_layout=False)
    win.show()
    with qtbot.waitSignal(win.register.rows_loaded, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: win.preload is not None and not win.preload.is_alive(), timeout=60_000)
    frozen = gc.get_freeze_count()
    assert frozen > 10_000
    assert len(gc.get_objects()) < frozen
    win.ctx.tasks.wait(20_000)
    win.close()
    assert gc.get_freeze_count() == 0  # collectable again once the window has gone


def test_a_record_opened_while_the_check_runs_opens_once_its_view_is_recorded(  # type: ignore[no-untyped-def]
    qtbot, demo_path: Path, monkeypatch
) -> None:
    """Opening a group records the view, a write, and writes on the UI thread are refused while
    a large file's check runs: the pane said "Select a group" with the row selected. Now the
    view is recorded on the writer lane, which waits for the check, and the record shows then
    (never before its view is on the audit trail)."""
    from socmap.services.session import open_for_window, pending_check
    from socmap.store import audit, integrity

    monkeypatch.setattr(integrity, "DEFER_ABOVE_BYTES", 0)  # the demo counts as large
    release = threading.Event()
    run = integrity.IntegrityCheck._run

    def held_run(self: integrity.IntegrityCheck) -> None:
        release.wait(30)
        run(self)

    monkeypatch.setattr(integrity.IntegrityCheck, "_run", held_run)
    win = MainWindow(open_for_window(demo_path), remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    view = win.register
    qtbot.waitUntil(lambda: view.proxy.rowCount() > 0, timeout=10_000)
    check = pending_check(win.ctx.store)
    assert check is not None and not check.done
    view.table.selectRow(0)
    ocg_id = view.selected_ocg_id()
    assert ocg_id is not None
    qtbot.wait(200)
    assert view.detail.ocg_id is None and "integrity check" in view.detail.empty.text()
    views = audit.rows(win.ctx.store, entity="ocg", entity_id=str(ocg_id), action="view")
    assert views == []  # nothing shown, nothing recorded yet
    release.set()
    qtbot.waitUntil(lambda: view.detail.ocg_id == ocg_id, timeout=30_000)
    views = audit.rows(win.ctx.store, entity="ocg", entity_id=str(ocg_id), action="view")
    assert len(views) == 1
    assert view.detail.empty.text() == view.detail.EMPTY_TEXT
    win.ctx.tasks.wait(20_000)
