"""ChangeWatcher: other analysts' saves reach every open view, without a manual reload.

One thread of its own (not a pool worker: it waits for as long as the window is open) opens a
change feed on the window's database (``services.collab.watch``: LISTEN on a server, a poll of
SQLite's ``data_version`` on a file) and waits on it. Each batch of changes crosses to the GUI
thread as a queued signal and is announced on the bus as ``changes_applied(changes, watcher)``,
exactly as a local edit is, so each view refreshes what it shows. The app's own writes never
come back this way (the feed leaves them out). :meth:`stop` ends the thread within a fraction of
a second and closes its connection; the main window calls it when it closes.
"""

from __future__ import annotations

import contextlib
import threading

from PySide6.QtCore import QObject, Signal, SignalInstance

from socmap.services import collab
from socmap.services.session import Store
from socmap.ui.bus import AppSignals

#: How long one wait on the feed lasts before the thread checks whether it should stop.
WAIT_SECONDS = 0.25
#: After the feed failed (server gone), how long before it is opened again.
RETRY_SECONDS = 5.0


class ChangeWatcher(QObject):
    """Announces other people's committed changes on the bus (started and stopped by the
    main window)."""

    #: A batch of remote changes (emitted on the watcher thread, delivered on the GUI thread).
    remote_changed = Signal(object)
    #: The feed failed or came back (text for the status bar).
    feed_trouble = Signal(str)

    def __init__(self, store: Store, bus: AppSignals, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.bus = bus
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Set once the feed is open and waiting (tests wait for it).
        self.listening = threading.Event()
        self.remote_changed.connect(self._on_remote_changed)
        self.feed_trouble.connect(self.bus.status_message)

    @property
    def running(self) -> bool:
        """True while the watcher thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start watching (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="socmap-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching and wait for the thread to end (its connection closed)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        failed = False
        while not self._stop.is_set():
            try:
                feed = collab.watch(self.store)
            except Exception as exc:  # the server is unreachable: say so once, try again
                if not failed:
                    self._emit(self.feed_trouble, f"Live updates paused: {exc}")
                failed = True
                self._stop.wait(RETRY_SECONDS)
                continue
            if failed:
                self._emit(self.feed_trouble, "Live updates resumed")
                failed = False
            self.listening.set()
            try:
                while not self._stop.is_set():
                    for change in feed.wait(WAIT_SECONDS):
                        self._emit(self.remote_changed, change)
            except Exception as exc:
                self._emit(self.feed_trouble, f"Live updates paused: {exc}")
                failed = True
                self._stop.wait(RETRY_SECONDS)
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):  # already gone with its server
                    feed.close()

    def _emit(self, signal: SignalInstance, value: object) -> None:
        if self._stop.is_set():
            return
        try:
            signal.emit(value)
        except RuntimeError:  # the window (and this object) was deleted: nobody listens
            self._stop.set()

    def _on_remote_changed(self, change: collab.RemoteChange) -> None:
        if self._stop.is_set():
            return
        self.bus.changes_applied.emit(change.changes, self)
        if not change.quiet:
            self.bus.status_message.emit(change.describe())
