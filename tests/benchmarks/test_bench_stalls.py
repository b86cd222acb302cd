"""No frozen frames at national scale (issue 17.2): the event loop's worst gap during real work.

In the same process as the work, a 5 ms QTimer heartbeat (pytest-qt style) records the longest
gap between its beats while the main window, on a private copy of the national demo, does:

- a map pan/zoom: 40 pans and zooms of the Map tab's canvas at 1920x1080, each painted
  (``repaint``) before the next, as a user dragging and scrolling sees them;
- the network view of the largest group (by members): chosen in the Network tab, computed on a
  worker and shown (members, key players, the group picture);
- a re-score of every active group (the dashboard's task: a write task with a progress dialog);
- an intelligence import with progress (95,000 police.uk rows, the shared West Mercia file
  repeated with fresh ids) through the import dialog's task.

Target: no frozen frame longer than 100 ms (issue 17.2). A frame budget is absolute by nature
(a user sees 100 ms on any machine), so it stays absolute, but it is judged against a baseline
measured in the same run: the heartbeat's worst gap with the event loop idle for a second. What
is asserted is the stall socmap adds, ``worst - idle <= 100 ms``; when the idle loop alone
exceeds 30 ms the machine is too loaded to measure anything, and the tests skip, printing what
they measured (in CI, where ``SOCMAP_BENCH_STRICT=1``, they fail instead). Where a bare library
does the irreducible part of the same work, a ratio is asserted too: the map's median frame
against painting the same visible geometry (area fills, outlines, neighbourhood lines,
intelligence points) with plain QPainter calls. Also printed: the UI thread's own CPU time in
its busiest gap (work done on the UI thread rather than waiting for the GIL or the CPU).

``SOCMAP_BENCH_SCALE=force`` runs them on the small demo instead of the national one (for
development: the national build takes minutes and both cores). None is marked ``xfail``: all
four meet the target at national scale. Measured on a quiet machine after issue 17's third round (every
view reads in the engine's worker process; full garbage collections between tasks), three runs:
map pan/zoom 45-77 ms over the idle loop, the largest group's network 10-29 ms, a re-score
33-89 ms, the import 44-62 ms, all asserted.

The idle baseline is measured once the window has finished starting: measured earlier, it
timed the other tabs' modules importing in the background (86-246 ms), so every stall
benchmark skipped as "machine too loaded".
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.benchmarks.conftest import copy_db, judge_stall
from tests.conftest import SHARED_DATA, act_as

#: the map's median pan/zoom frame at most this multiple of painting the same geometry bare
MAP_FRAME_RATIO = 4.0
TIMEOUT_MS = 240_000
#: the UI thread's own CPU time in the longest gap of the last measurement (load-independent)
LAST_CPU = [0.0]


def _wait(done: Callable[[], bool]) -> None:
    """Run the event loop until ``done()`` (checked every 5 ms), at most TIMEOUT_MS."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(5)
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    poll.start()
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    if not done():
        loop.exec()
    poll.stop()
    assert done(), "timed out"


class Heartbeat:
    """A 5 ms timer on the UI thread; ``worst`` is the longest gap between beats seen."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.worst = 0.0
        self.worst_cpu = 0.0
        self.beats = 0
        self._last = 0.0
        self._last_cpu = 0.0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.worst = max(self.worst, now - self._last)
        self.worst_cpu = max(self.worst_cpu, cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu
        self.beats += 1

    def measure(self, start: Callable[[], None], done: Callable[[], bool]) -> float:
        """Start the work, pump the event loop until ``done()``, return the worst gap (s)."""
        self.worst, self.worst_cpu, self.beats = 0.0, 0.0, 0
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self.timer.start()
        start()
        _wait(done)
        self.timer.stop()
        LAST_CPU[0] = self.worst_cpu
        return self.worst


@pytest.fixture(scope="module")
def bench_db(request: pytest.FixtureRequest) -> Path:
    """The national demo, or the small one with ``SOCMAP_BENCH_SCALE=force``."""
    if os.environ.get("SOCMAP_BENCH_SCALE", "national") == "force":
        return Path(request.getfixturevalue("demo_template"))
    return Path(request.getfixturevalue("national_db"))


@pytest.fixture(scope="module")
def window(bench_db: Path, tmp_path_factory: pytest.TempPathFactory, qapp):  # type: ignore[no-untyped-def]
    from socmap.app import open_main_window

    db = copy_db(bench_db, tmp_path_factory.mktemp("stalls") / "bench.db")
    win = open_main_window(db, remember_layout=False)
    if win.integrity is not None:  # a large file is read-only until its deferred check passes
        assert win.integrity.wait(TIMEOUT_MS / 1000) and win.integrity.passed
    act_as(win.ctx.store, "bench.analyst", "analyst")
    win.resize(1920, 1080)
    win.show()
    yield win
    win.close()


def _settle(window: Any) -> None:
    """Let the tab's own loading finish and its results reach the UI (not what is measured)."""
    window.ctx.tasks.wait(TIMEOUT_MS)
    end = time.perf_counter() + 0.5
    _wait(lambda: time.perf_counter() >= end)


def _tab(window: Any, title: str) -> Any:
    view = window.view(title)
    window.tabs.setCurrentWidget(window._slots[title])
    _settle(window)
    return view


def _report(what: str, worst: float, idle: float) -> None:
    """Judge one measurement (:func:`tests.benchmarks.conftest.judge_stall`), with the UI
    thread's own CPU time in its busiest gap."""
    judge_stall(
        what,
        worst,
        idle,
        detail=f"; the UI thread's own CPU time in its busiest gap {LAST_CPU[0] * 1e3:.0f} ms",
    )


@pytest.fixture(scope="module")
def idle_gap(window: Any) -> float:
    """The idle loop's worst gap: the machine's share of every gap measured here. Measured once
    the window has finished starting (the register's rows and due dates shown, the other tabs'
    modules imported in the background): start-up's own stalls are the start-up benchmark's."""
    _settle(window)  # the register's first load is over
    _wait(lambda: window.preload is not None and not window.preload.is_alive())
    _settle(window)
    hb = Heartbeat()
    end = time.perf_counter() + 1.0
    return hb.measure(lambda: None, lambda: time.perf_counter() >= end)


def test_map_pan_and_zoom(window: Any, idle_gap: float) -> None:
    view = _tab(window, "Map")
    _wait(lambda: view.canvas.renderer is not None)
    canvas = view.canvas
    canvas.fit()
    _settle(window)
    steps = [0]
    states: list[Any] = []
    frames: list[float] = []

    def step() -> None:
        k = steps[0]
        if k % 2:
            canvas.pan(37, -23)
        else:  # zoom in for the first half, out again for the second
            canvas.zoom(1.25 if k < 20 else 1 / 1.25)
        states.append(canvas.state)
        start = time.perf_counter()
        canvas.repaint()
        frames.append(time.perf_counter() - start)
        steps[0] += 1

    from PySide6.QtCore import QTimer

    driver = QTimer()
    driver.setInterval(16)
    driver.timeout.connect(step)
    worst = Heartbeat().measure(driver.start, lambda: steps[0] >= 40)
    driver.stop()
    bare = _bare_frames(canvas, states)
    frames.sort()
    ratio = frames[len(frames) // 2] / bare
    print(
        f"\nmap pan/zoom frames: median {frames[len(frames) // 2] * 1e3:.1f} ms, slowest "
        f"{frames[-1] * 1e3:.1f} ms; the same geometry painted bare {bare * 1e3:.1f} ms "
        f"(median): {ratio:.1f}x (limit {MAP_FRAME_RATIO}x)"
    )
    _report("map pan/zoom, 40 frames at 1920x1080", worst, idle_gap)
    assert ratio <= MAP_FRAME_RATIO


def _bare_frames(canvas: Any, states: list[Any]) -> float:
    """Median time to paint each state's visible geometry with plain QPainter calls into a
    1920x1080 image: the area fills and outlines, the neighbourhood lines and the intelligence
    points in view (what a map frame cannot do without; no labels, markers or furniture)."""
    import numpy as np
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    renderer = canvas.renderer
    intel = renderer.data.intel
    image = QImage(1920, 1080, QImage.Format.Format_ARGB32_Premultiplied)
    times = []
    for state in states:
        start = time.perf_counter()
        painter = QPainter(image)
        painter.fillRect(image.rect(), QColor("#e9eef2"))
        painter.setTransform(state.transform())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#d9a066"))
        for path in renderer._paths.values():
            painter.drawPath(path)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(QColor(80, 90, 100), 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for path in renderer._paths.values():
            painter.drawPath(path)
        painter.drawPath(renderer._nb_merged)
        painter.resetTransform()
        if len(intel):
            lo, hi, mask = renderer.intel_in_view(state)
            sx, sy = state.to_screen(intel.x[lo:hi][mask], intel.y[lo:hi][mask])
            painter.setPen(QPen(QColor(90, 40, 120), 2.6))
            painter.drawPointsNp(np.ascontiguousarray(sx), np.ascontiguousarray(sy))
        painter.end()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def test_network_of_the_largest_group(window: Any, idle_gap: float) -> None:
    view = _tab(window, "Network")
    largest, members = window.ctx.store.conn.execute(
        "SELECT ocg_id, COUNT(*) FROM memberships GROUP BY ocg_id ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()
    _wait(lambda: view.ocg_combo.findData(largest) >= 0)
    _wait(lambda: view.result is not None)
    _settle(window)

    def shown() -> bool:
        return view.result is not None and view.result.state.ocg_id == largest

    worst = Heartbeat().measure(lambda: view.select_ocg(largest), shown)
    _report(
        f"network view of the largest group (OCG-{largest:04d}, {members} members)", worst, idle_gap
    )


def _run_task(window: Any, job: Any, title: str) -> float:
    outcome: list[object] = []
    worst = Heartbeat().measure(
        lambda: window.ctx.tasks.run(
            job,
            write=True,
            on_done=outcome.append,
            on_error=outcome.append,
            title=title,
            parent=window,
        ),
        lambda: bool(outcome),
    )
    assert not isinstance(outcome[0], BaseException), outcome[0]
    return worst


def test_rescore_all(window: Any, idle_gap: float) -> None:
    from socmap.ui.views.dashboard_view import rescore_task

    _tab(window, "Dashboard")
    worst = _run_task(window, rescore_task, "Re-scoring…")  # the app's own task
    _report("re-score of every active group (write task, progress dialog)", worst, idle_gap)


# quiet machine: 44-62 ms over the idle loop (130 ms while the re-score's follow-up refreshes
# read in threads of the window's process; they read in the engine's worker now)
def test_intel_import_with_progress(window: Any, idle_gap: float, tmp_path: Path) -> None:
    from socmap.ui.dialogs.import_intel_dialog import import_task

    source = SHARED_DATA / "west-mercia-crimes-2018-06-partial.csv"
    if not source.exists():
        pytest.skip("needs ../shared/data")
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    big = tmp_path / "crimes.csv"
    with big.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for copy in range(10):
            for r in rows:
                out.writerow([f"{r[0]}-{copy}", f"{r[1]}{copy}", *r[2:]])
    n = 10 * len(rows)
    worst = _run_task(
        window,
        lambda store, progress: import_task(store, progress, big),  # the dialog's own task
        "Importing intelligence…",
    )
    _report(f"intelligence import of {n:,} police.uk rows (write task, progress)", worst, idle_gap)
