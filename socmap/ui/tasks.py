"""TaskRunner: long work off the UI thread, with progress, cancel and one writer lane.

A task is a plain function ``fn(store, progress) -> result`` (Orange's ``run(..., state)``).
It runs on a QThreadPool worker with its *own* SQLite connection (connections are thread-bound).
Writes go through a one-thread pool so they are serialised; reads run in parallel.
Heavy igraph calls hold the GIL for their whole duration: run those in a subprocess from the
task function (see graph/engine.py), not directly here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from socmap.domain.errors import Cancelled
from socmap.services.session import Store

TaskFn = Callable[[Store, Any], Any]


class _Signals(QObject):
    progressed = Signal(int, int)
    status_changed = Signal(str)
    finished = Signal(object)
    failed = Signal(object)


class TaskProgress:
    """The progress object handed to a task: thread-safe, emits Qt signals."""

    def __init__(self, signals: _Signals) -> None:
        self._signals = signals
        self._cancel = threading.Event()

    def advance(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``."""
        self._signals.progressed.emit(done, total)

    def status(self, text: str) -> None:
        """Report the current step."""
        self._signals.status_changed.emit(text)

    @property
    def cancelled(self) -> bool:
        """True once the user pressed Cancel."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self._cancel.set()


class Task(QRunnable):
    """One queued function call."""

    def __init__(self, store: Store, fn: TaskFn) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _Signals()
        self.progress = TaskProgress(self.signals)
        self._store = store
        self._fn = fn

    def run(self) -> None:
        """Open a connection for this thread, call the function, report the outcome."""
        own: Store | None = None
        try:
            own = self._store.reopen() if self._store.path is not None else self._store
            result = self._fn(own, self.progress)
        except BaseException as exc:  # reported to the UI thread, never lost
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)
        finally:
            if own is not None and own is not self._store:
                own.close()


class TaskRunner(QObject):
    """Starts tasks and keeps them alive until they report back."""

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._readers = QThreadPool(self)
        self._live: set[Task] = set()

    def run(
        self,
        fn: TaskFn,
        *,
        write: bool,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        title: str = "",
        parent: QWidget | None = None,
    ) -> Task:
        """Queue ``fn``; with ``title`` a cancellable progress dialog is shown over ``parent``."""
        task = Task(self.store, fn)
        self._live.add(task)
        dialog: QProgressDialog | None = None
        if title:
            dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            dialog.setWindowTitle("socmap")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.canceled.connect(task.progress.cancel)

            def _progressed(done: int, total: int) -> None:
                dialog.setMaximum(max(total, 1))
                dialog.setValue(min(done, max(total, 1)))

            task.signals.progressed.connect(_progressed)
            task.signals.status_changed.connect(dialog.setLabelText)

        def _finish(result: Any) -> None:
            self._live.discard(task)
            if dialog is not None:
                dialog.close()
            on_done(result)

        def _fail(exc: BaseException) -> None:
            self._live.discard(task)
            if dialog is not None:
                dialog.close()
            if on_error is not None:
                on_error(exc)
            elif not isinstance(exc, Cancelled):
                raise exc

        task.signals.finished.connect(_finish)
        task.signals.failed.connect(_fail)
        if self.store.path is None:
            task.run()  # an in-memory database cannot be shared with another thread
        else:
            (self._writer if write else self._readers).start(task)
        return task

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for queued tasks (used at shutdown and in tests)."""
        return self._writer.waitForDone(msecs) and self._readers.waitForDone(msecs)
