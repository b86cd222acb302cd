"""TaskRunner: long work off the UI thread, with progress, cancel and one writer lane.

A task is a plain function ``fn(store, progress) -> result`` (Orange's ``run(..., state)``).
It runs on a QThreadPool worker with its *own* SQLite connection (connections are thread-bound).
Writes go through a one-thread pool so they are serialised; reads run in parallel.
Heavy igraph calls hold the GIL for their whole duration: run those in a subprocess from the
task function (see graph/engine.py), not directly here. A view reads its data with
:meth:`TaskRunner.read`, which runs the service function in the engine's worker process.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from socmap.domain.errors import Cancelled
from socmap.services.session import Store

TaskFn = Callable[[Store, Any], Any]

#: delay of :func:`next_frame` (ms): any timer runs after the paint the current turn asked for
NEXT_FRAME_MS = 1


def next_frame(receiver: QObject, fn: Callable[[], None]) -> None:
    """Call ``fn`` once the window has painted what this turn of the event loop changed.

    A zero-delay call is posted, and Qt handles it in the same pass as the paint request the
    current turn posted: the two make one frozen frame (the Dashboard's lists and its summary,
    108 ms at national scale). A timer runs after that pass. Nothing is called once
    ``receiver`` is deleted.
    """
    QTimer.singleShot(NEXT_FRAME_MS, receiver, fn)


class _AfterPaint(QObject):
    """Calls ``fn`` once: after ``widget``'s next paint, or after ``latest_ms`` if it is not
    painted by then (a window not shown)."""

    def __init__(self, widget: QWidget, fn: Callable[[], object], latest_ms: int) -> None:
        super().__init__(widget)
        self._widget = widget
        self._fn: Callable[[], object] | None = fn
        widget.installEventFilter(self)
        QTimer.singleShot(latest_ms, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            next_frame(self, self._fire)  # a timer: runs once this paint is done
        return False

    def _fire(self) -> None:
        if self._fn is not None:
            fn, self._fn = self._fn, None
            self._widget.removeEventFilter(self)
            self.deleteLater()
            fn()


def after_paint(
    widget: QWidget, fn: Callable[[], object], *, latest_ms: int = 1000, delay_ms: int = 0
) -> None:
    """Call ``fn`` once ``widget`` has painted (what the current turn changed), at the latest
    after ``latest_ms``: for work that would slow a first paint it does not need, such as
    starting the engine's workers (forking a 270 MB process holds up the window's paint).
    With ``delay_ms`` it is called that long after the paint (or the latest time)."""
    if delay_ms:
        _AfterPaint(widget, lambda: QTimer.singleShot(delay_ms, widget, fn), latest_ms)
    else:
        _AfterPaint(widget, fn, latest_ms)


class _WhenShown(QObject):
    """Calls held for ``widget`` until it is next shown, in the order they arrived."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.setObjectName("socmap-when-shown")
        self._widget = widget
        self.calls: list[Callable[[], None]] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and watched is self._widget and self.calls:
            next_frame(self, self._run)  # the tab is painted as it was first, then filled
        return False

    def _run(self) -> None:
        calls, self.calls = self.calls, []
        for fn in calls:
            fn()


def on_screen(widget: QWidget) -> bool:
    """False only for a widget hidden inside a window that is on screen (a tab behind another);
    a widget with no window on screen (a test's, a screenshot's) counts as shown."""
    return widget.isVisible() or not widget.window().isVisible()


def when_shown(widget: QWidget, fn: Callable[[], None]) -> None:
    """Call ``fn`` now if ``widget`` is :func:`on_screen`; else when it is next shown.

    For a tab's data that arrives while the tab is behind another: applying it then (setting
    16,000 rows into a proxy, 35-50 ms) froze the frame of the tab the user was looking at.
    Held, it is applied in the frame after the tab's next show (:func:`next_frame`): the show
    paints the tab as it was, then the data fills it, two frames of the tab the user asked for
    (applied before the show's paint, the two made one frame of 70-90 ms at national scale).
    Calls held for a widget run in the order they arrived; none runs once ``widget`` is deleted.
    """
    if on_screen(widget):
        fn()
        return
    holder = widget.findChild(
        _WhenShown, "socmap-when-shown", Qt.FindChildOption.FindDirectChildrenOnly
    )
    (holder or _WhenShown(widget)).calls.append(fn)


class _Signals(QObject):
    progressed = Signal(int, int)
    status_changed = Signal(str)
    finished = Signal(object)
    failed = Signal(object)


class TaskProgress:
    """The progress object handed to a task: thread-safe, emits Qt signals.

    Once :meth:`detach` is called (the window that asked is closing) it reports nothing more
    and says the task is cancelled, so a task that is still running winds down quietly.
    """

    def __init__(self, signals: _Signals) -> None:
        self._signals = signals
        self._cancel = threading.Event()
        self._detached = threading.Event()

    def emit(self, signal_name: str, *args: object) -> None:
        """Emit one of the task's signals unless the receiver has gone."""
        if self._detached.is_set():
            return
        try:
            getattr(self._signals, signal_name).emit(*args)
        except RuntimeError:  # the Qt object was deleted under us (window closed): nobody listens
            self._detached.set()

    def advance(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``."""
        self.emit("progressed", done, total)

    def status(self, text: str) -> None:
        """Report the current step."""
        self.emit("status_changed", text)

    def detach(self) -> None:
        """Stop reporting and ask the task to stop: its result is no longer wanted."""
        self._detached.set()
        self._cancel.set()

    @property
    def detached(self) -> bool:
        """True once nobody waits for this task's result."""
        return self._detached.is_set()

    @property
    def cancelled(self) -> bool:
        """True once the user pressed Cancel."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self._cancel.set()


def _read_in_process(
    target: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    then: Callable[[Any], Any] | None,
    store: Store,
    progress: Any,
) -> Any:
    from socmap.services import offload

    result = offload.run_in_process(store, target, *args, write=False, progress=progress, **kwargs)
    return result if then is None else then(result)


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
            self.progress.emit("failed", exc)
        else:
            self.progress.emit("finished", result)
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
        self._closing = False

    def run(
        self,
        fn: TaskFn,
        *,
        write: bool,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        title: str = "",
        parent: QWidget | None = None,
        view: QWidget | None = None,
    ) -> Task:
        """Queue ``fn``; with ``title`` a cancellable progress dialog is shown over ``parent``.

        With ``view`` (the tab whose data this is) the outcome is delivered :func:`when_shown`:
        a result that arrives while the tab is behind another waits for the tab's next show.
        """
        task = Task(self.store, fn)
        if self._closing:  # the window is closing: nothing new starts
            task.progress.detach()
            return task
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

        # a view's own method is not called once the view is gone (a lambda checks for itself)
        owner = getattr(on_done, "__self__", None)

        def _deliver(fn: Callable[[], None]) -> None:
            if view is None:
                fn()
            elif isValid(view):
                when_shown(view, lambda: fn() if _wanted() else None)

        def _wanted() -> bool:
            # posted before shutdown, delivered after: nobody wants it now
            return not self._closing and (not isinstance(owner, QObject) or isValid(owner))

        def _finish(result: Any) -> None:
            self._live.discard(task)
            if dialog is not None:
                dialog.close()
            if _wanted():
                _deliver(lambda: on_done(result))

        def _fail(exc: BaseException) -> None:
            self._live.discard(task)
            if dialog is not None:
                dialog.close()
            if not _wanted():
                return
            if on_error is not None:
                _deliver(lambda: on_error(exc))
            elif not isinstance(exc, Cancelled):
                raise exc

        task.signals.finished.connect(_finish)
        task.signals.failed.connect(_fail)
        if self.store.path is None:
            task.run()  # an in-memory database cannot be shared with another thread
        else:
            (self._writer if write else self._readers).start(task)
        return task

    def read(
        self,
        target: str,
        *args: Any,
        view: QWidget | None,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        then: Callable[[Any], Any] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Read with ``target`` (``"socmap.services.module:function"``, called as
        ``function(store, *args, **kwargs)``) in the engine's worker process, then
        ``on_done(result)`` here; ``then(result)`` first, on the reader thread, for what needs this
        process (e.g. a model's sort keys).

        How a view loads its data. A reader thread running the query itself holds the GIL in
        5 ms slices, and every call Qt makes into Python while the window paints waits for one:
        a register repaint took 38 ms alone and 200-400 ms beside a Python thread. Here the
        thread only waits on a pipe. Arguments and the result must pickle; cancelling (a closing
        window) stops the worker at once.

        ``view`` is the tab the data is for (see :meth:`run`), ``None`` only for what is always
        on screen (the status bar); it is required so that no view's read forgets it.
        """
        return self.run(
            functools.partial(_read_in_process, target, args, kwargs, then),
            write=False,
            on_done=on_done,
            on_error=on_error,
            view=view,
        )

    @property
    def busy(self) -> bool:
        """True while a task started here has not yet reported back."""
        return bool(self._live)

    def shutdown(self, *, write_msecs: int = 30_000, read_msecs: int = 500) -> None:
        """The window is closing: drop every pending result and let running work wind down.

        Reads are cancelled and their results ignored (no callback reaches a closed view);
        a write already running is given time to commit (it is one transaction either way).
        """
        self._closing = True
        for task in list(self._live):
            task.progress.detach()
            for signal in (task.signals.finished, task.signals.failed):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect()
        self._live.clear()
        self._readers.clear()  # queued, not yet started: never run
        self._writer.waitForDone(write_msecs)
        self._readers.waitForDone(read_msecs)

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for queued tasks (used at shutdown and in tests)."""
        return self._writer.waitForDone(msecs) and self._readers.waitForDone(msecs)
