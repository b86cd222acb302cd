"""GUI composition root: QApplication, open (and migrate) the store, show the main window."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any


def _build_demo_with_progress(path: Path) -> None:
    """Build the demo database before the window opens, with a cancellable progress dialog."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from socmap.services.demo import ensure_demo_database

    class _Progress:
        def __init__(self) -> None:
            self.done, self.total, self.text, self._cancel = 0, 1, "", False

        def advance(self, done: int, total: int) -> None:
            self.done, self.total = done, total

        def status(self, text: str) -> None:
            self.text = text

        @property
        def cancelled(self) -> bool:
            return self._cancel

    progress = _Progress()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            ensure_demo_database(path, progress=progress)
        except BaseException as exc:  # reported below on the GUI thread
            errors.append(exc)

    dialog = QProgressDialog("Building the demo force…", "Cancel", 0, 100)
    dialog.setWindowTitle("socmap")
    dialog.setMinimumDuration(200)
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    loop = QEventLoop()
    timer = QTimer()

    def poll() -> None:
        if dialog.wasCanceled():
            progress._cancel = True
        dialog.setLabelText(progress.text or "Building the demo force…")
        dialog.setValue(int(100 * progress.done / max(progress.total, 1)))
        if not thread.is_alive():
            loop.quit()

    timer.timeout.connect(poll)
    timer.start(50)
    loop.exec()
    timer.stop()
    dialog.close()
    QApplication.processEvents()
    if errors:
        raise errors[0]


#: How long a Python thread may hold the GIL while another waits for it (CPython's default is
#: 5 ms). Qt calls into Python thousands of times per paint (a table's ``data()``), taking the
#: GIL each time: with a worker thread busy in Python, every call waited up to 5 ms, and one
#: paint of the register froze the window for 0.2-0.7 s. At 1 ms the waits are 5x shorter.
UI_SWITCH_INTERVAL_S = 0.001


def open_main_window(path: Path, *, remember_layout: bool = True) -> Any:
    """Open ``path`` and make the main window on it (a QApplication must exist).

    The file is opened, and the register's rows read, on a second thread while this one imports
    the window's modules (SQLite needs no GIL while it reads). A large
    file's integrity check (1.2 s on the national demo) runs after the window shows, with writes
    held until it passes (``socmap.store.integrity``); a small one is checked here, as the CLI
    checks every file.
    """
    from socmap.services.session import open_for_window

    sys.setswitchinterval(UI_SWITCH_INTERVAL_S)
    opened: list[object] = []
    prefetched: dict[str, object] = {}

    def open_into() -> None:
        try:
            store = open_for_window(path)
        except BaseException as exc:  # re-raised on the GUI thread
            opened.append(exc)
            return
        opened.append(store)
        try:  # the register's rows, read while the other thread imports (its SQL needs no GIL)
            from socmap.services import queries

            # without the schedule (a third of the query): the register fills it in next
            prefetched["register"] = queries.register(store, with_schedule=False)
        except Exception:  # the register then loads them itself, and reports why
            prefetched.clear()

    opener = threading.Thread(target=open_into, name="socmap-open", daemon=True)
    opener.start()
    from socmap.ui.main_window import MainWindow

    opener.join()
    if isinstance(opened[0], BaseException):
        raise opened[0]
    return MainWindow(
        opened[0],  # type: ignore[arg-type]
        remember_layout=remember_layout,
        prefetched=prefetched,
    )


def main(args: argparse.Namespace) -> int:
    """Open the desktop app as the parsed command line asks."""
    screenshot: Path | None = getattr(args, "screenshot", None)
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QMessageBox

    from socmap.domain.errors import SocmapError
    from socmap.paths import db_target, demo_db_path

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("socmap")
    app.setApplicationName("socmap")

    def fail(message: str, code: int) -> int:
        if screenshot is not None or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            print(f"socmap: {message}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "socmap", message)
        return code

    try:
        if getattr(args, "demo", False):
            path = demo_db_path()
            if not path.exists():
                _build_demo_with_progress(path)
        else:
            path = db_target(getattr(args, "db", None))  # type: ignore[assignment]
        if screenshot is not None:
            from socmap.services.output import check_target
            from socmap.services.session import open_store

            probe = open_store(path)
            try:
                screenshot = check_target(probe, screenshot)  # never over the database
            finally:
                probe.close()
        window = open_main_window(path, remember_layout=screenshot is None)
    except SocmapError as exc:
        return fail(str(exc), exc.exit_code)
    if screenshot is not None:
        return _screenshot(app, window, screenshot, getattr(args, "tab", None))
    window.show()
    return int(app.exec())


def _screenshot(app: object, window: object, target: Path, tab: str | None) -> int:
    """Render the main window offscreen to ``target`` once its data has loaded."""
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from socmap.ui.main_window import MainWindow
    from socmap.ui.views.register_view import RegisterView

    assert isinstance(window, MainWindow)
    window.resize(1920, 1080)
    window.show()
    if tab:
        titles = [window.tabs.tabText(i).casefold() for i in range(window.tabs.count())]
        if tab.casefold() not in titles:
            print(f"socmap: no tab called '{tab}' (tabs: {', '.join(titles)})", file=sys.stderr)
            return 2
        window.tabs.setCurrentIndex(titles.index(tab.casefold()))
    clock = QElapsedTimer()
    clock.start()
    while window.register.model.rowCount() == 0 and clock.elapsed() < 15_000:
        QApplication.processEvents()
        window.ctx.tasks.wait(50)
    if window.register.proxy.rowCount():
        first = window.register.proxy.index(0, 0)
        window.register.table.selectRow(first.row())
    clock.restart()  # the due dates and counts are asked for once the rows have painted
    while clock.elapsed() < 15_000 and (
        window.ctx.tasks.busy or clock.elapsed() < 3 * RegisterView.DUE_DATES_AFTER_MS
    ):
        QApplication.processEvents()
        window.ctx.tasks.wait(20)
    for _ in range(5):  # the results are shown; then the layouts they changed settle
        QApplication.processEvents()
    from socmap.domain.errors import SocmapError
    from socmap.services.output import Written, write_file
    from socmap.store import audit

    image = window.grab()
    store = window.ctx.store
    check = window.integrity  # a large file is read-only until its deferred check has passed
    if check is not None:
        check.wait()
        if check.error is not None:
            window.close()
            print(f"socmap: {check.error}", file=sys.stderr)
            return check.error.exit_code

    def write(tmp: Path) -> None:
        if not image.save(str(tmp), "PNG"):
            raise SocmapError(f"could not write {target}")

    def record(w: Written) -> None:
        audit.record(
            store,
            action="export",
            entity="screenshot",
            summary="screenshot of the app written (the file's name is in the recorded values)",
            extra={"file": str(w.path), "sha256": w.sha256},
        )

    try:
        write_file(store, target, write, record)
    except SocmapError as exc:
        print(f"socmap: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        window.close()
    print(f"wrote {target}")
    return 0
