"""A view reads its data in the engine's worker process, never in a thread of the window's.

A reader thread running a query holds the GIL in slices, and every call Qt makes into Python
while the window paints waits for one: a 1920x1080 register repaint took 38 ms alone and
200-400 ms beside a Python thread. So a tab's loads go through ``TaskRunner.read``.

The rule is discovered, not listed: every SQL statement any thread of the window's process runs
is traced while every tab (and every page of a tab) opens and loads, and a statement run by a
thread other than the UI thread fails the test, naming the tab and the code that ran it. A new
tab, page or load is covered without editing this test.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QTabWidget

from socmap.services.session import open_store
from socmap.store.db import Store
from socmap.ui.main_window import MainWindow
from socmap.ui.tabs import TABS


def _where() -> str:
    """The innermost socmap frames that ran the statement."""
    frames = [f for f in traceback.extract_stack() if "/socmap/" in f.filename]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in frames[-4:][::-1])


class Trace:
    """(tab, thread, where) of every statement a thread other than the UI thread runs on a
    connection a task opened (``Store.reopen``)."""

    def __init__(self) -> None:
        self.tab = "start-up"
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, _sql: str) -> None:
        thread = threading.current_thread()
        # the change watcher polls one PRAGMA (data_version, no rows) a second: not a view's read
        if thread is not threading.main_thread() and thread.name != "socmap-watcher":
            self.seen.add((self.tab, thread.name, _where()))


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch) -> Trace:
    trace = Trace()
    real = Store.reopen

    def reopen(self: Store) -> Store:
        other = real(self)
        other.conn.set_trace_callback(trace)
        return other

    monkeypatch.setattr(Store, "reopen", reopen)
    return trace


def _pages(widget: Any) -> list[tuple[QTabWidget, int]]:
    """Every page of every tab widget inside ``widget`` (a tab's own sub-tabs)."""
    return [(tw, i) for tw in widget.findChildren(QTabWidget) for i in range(tw.count())]


def test_every_tab_reads_its_data_in_the_engine_process(  # type: ignore[no-untyped-def]
    qtbot, demo_path: Path, traced: Trace
) -> None:
    win = MainWindow(open_store(demo_path), remember_layout=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.register.proxy.rowCount() > 0, timeout=20_000)
    win.ctx.tasks.wait(30_000)
    traced.seen.clear()  # the register's first rows come from the thread that opened the file
    for title, _spec in TABS:
        traced.tab = title
        win.tabs.setCurrentWidget(win._slots[title])
        view = win.view(title)
        win.ctx.tasks.wait(30_000)
        qtbot.wait(50)  # a load started by a load's results
        win.ctx.tasks.wait(30_000)
        for tabs, index in _pages(view):
            tabs.setCurrentIndex(index)
            win.ctx.tasks.wait(30_000)
            qtbot.wait(20)
            win.ctx.tasks.wait(30_000)
    offenders = sorted(traced.seen)
    assert not offenders, "views read on a thread of the window's process:\n" + "\n".join(
        f"{t} [{th}]: {where}" for t, th, where in offenders
    )
