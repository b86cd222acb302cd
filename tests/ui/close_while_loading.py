"""Run as a script: open the app on a database, start every tab's load, close at once.

Prints the seconds from close() to the end of app.exec() on stdout; anything on stderr
(a worker signalling a deleted object, an exception in a slot) is the failure the test looks for.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from socmap.services.session import open_store
from socmap.ui.main_window import MainWindow


def main(path: str) -> int:
    app = QApplication(sys.argv[:1])
    window = MainWindow(open_store(path), remember_layout=False)
    window.show()
    for i in range(window.tabs.count()):  # every tab starts loading now
        window.tabs.setCurrentIndex(i)
    marks: dict[str, float] = {}

    def close() -> None:
        marks["close"] = time.perf_counter()
        window.close()
        app.quit()

    QTimer.singleShot(0, close)
    app.exec()
    print(f"{time.perf_counter() - marks['close']:.3f}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
