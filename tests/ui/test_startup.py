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
