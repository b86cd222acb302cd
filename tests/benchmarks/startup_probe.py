"""Run as a script: time socmap's start-up the way a user sees it, and the event loop's stalls.

``startup_probe.py bare`` imports the five libraries and exits: the baseline.
``startup_probe.py app DB [--all-tabs]`` opens the main window on DB and reports, as JSON on
stdout, the seconds from process start until the register shows rows (``usable``), and the
worst gap between heartbeats of a 5 ms timer (``worst_stall``) from the window's first frame
until the rows are shown. With ``--all-tabs``: the worst gap while start-up settles (the due
dates, the other tabs' modules imported in the background), the idle loop's worst gap for a
second after that (``idle_stall``: the machine's share of every gap, the stall benchmarks'
baseline), and the worst gap while every tab is opened in turn and loads, then opened once more
(what arrived for a tab behind another is applied then). Wall times are measured from the
interpreter's start (``time.perf_counter`` at the top of this file, before any import), so both
modes count the same interpreter start-up.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB): VmHWM, the high-water mark of its own memory
    map. Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries that across ``execve``, so a
    probe started by a large pytest process reported the parent's size (1.6 GB in CI against
    about 400 MB measured here)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def bare() -> dict[str, float]:
    import geopandas  # noqa: F401
    import networkx  # noqa: F401
    import shapely  # noqa: F401
    import sqlite_utils  # noqa: F401
    from PySide6 import QtWidgets  # noqa: F401

    return {"imported": time.perf_counter() - T0}


#: the idle loop is measured this long, once start-up has settled (ms)
IDLE_MS = 1000


def app(db: str, all_tabs: bool) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from socmap.app import open_main_window

    qapp = QApplication(sys.argv[:1])
    window = open_main_window(Path(db), remember_layout=False)  # as `socmap gui --db DB` does
    window.resize(1920, 1080)
    window.show()
    shown = time.perf_counter() - T0
    beat = QElapsedTimer()
    beat.start()
    gaps = {"startup": 0.0, "settling": 0.0, "idle": 0.0, "tabs": 0.0, "closing": 0.0}
    phase = ["startup"]
    marks: dict[str, float] = {"shown": shown}

    per_tab: dict[str, float] = {}

    def heartbeat() -> None:
        gap = beat.restart() / 1000
        gaps[phase[0]] = max(gaps[phase[0]], gap)
        if phase[0] == "tabs":
            title = window.tabs.tabText(window.tabs.currentIndex())
            if tab_index[0] >= window.tabs.count():  # the second round
                title += " (again)"
            per_tab[title] = max(per_tab.get(title, 0.0), gap)

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(heartbeat)
    timer.start()
    tab_index = [0]  # the register is tab 0

    def next_tab() -> None:
        # every tab for 1.5 s, then each again for 0.5 s: a tab's data that arrived while it
        # was behind another is applied on its next show, and that frame is measured too
        tab_index[0] += 1
        count = window.tabs.count()
        if tab_index[0] < 2 * count:
            window.tabs.setCurrentIndex(tab_index[0] % count)
            QTimer.singleShot(1500 if tab_index[0] < count else 500, next_tab)
        else:
            QTimer.singleShot(500, finish)

    def finish() -> None:
        phase[0] = "closing"  # closing is not opening a tab (its time is tested on its own)
        marks["rss_mb"] = peak_rss_mb()
        window.close()
        qapp.quit()

    def wait_for_preload() -> None:
        # the other tabs' modules import in the background once the register shows (what a
        # user looking at the register for a moment gets); then the idle loop is measured for
        # a second (the machine's share of every gap: the baseline), and every tab is opened
        if window.preload is None or window.preload.is_alive() or window.ctx.tasks.busy:
            QTimer.singleShot(10, wait_for_preload)
        else:
            marks["preloaded"] = time.perf_counter() - T0
            phase[0] = "idle"
            beat.restart()
            QTimer.singleShot(IDLE_MS, start_tabs)

    def start_tabs() -> None:
        phase[0] = "tabs"
        next_tab()

    def poll() -> None:
        if "usable" in marks:
            return
        if window.register.proxy.rowCount() > 0:
            marks["usable"] = time.perf_counter() - T0
            if all_tabs:
                phase[0] = "settling"  # the register's due dates, the background imports
                QTimer.singleShot(0, wait_for_preload)
            else:
                QTimer.singleShot(300, finish)
        else:
            QTimer.singleShot(2, poll)

    QTimer.singleShot(0, poll)
    QTimer.singleShot(120_000, finish)  # never hang a benchmark
    qapp.exec()
    return {
        **marks,
        "worst_stall": gaps["startup"],
        "worst_stall_settling": gaps["settling"],
        "idle_stall": gaps["idle"],
        "worst_stall_tabs": gaps["tabs"],
        "stall_by_tab": per_tab,  # type: ignore[dict-item]
    }


if __name__ == "__main__":
    out = bare() if sys.argv[1] == "bare" else app(sys.argv[2], "--all-tabs" in sys.argv)
    print(json.dumps(out))
