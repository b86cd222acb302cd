"""When the window's cyclic garbage collections run: young ones as usual, full ones when idle.

A full collection walks every object the collector tracks, holding the GIL: at national scale
20-120 ms each. A load that allocates hundreds of thousands of rows set off one after another
(ten in the second the map's points loaded, six while the disruptions tab loaded), each a
frozen frame wherever it fell, since a worker's allocation triggers one as readily as the UI
thread's. While a window is open (:class:`IdleCollector`):

- the young generations are collected automatically, as usual (cheap: they hold only what was
  made since the last one); the oldest never is;
- between tasks, what has survived is frozen (``gc.freeze``: it is still freed by reference
  counting the moment nothing refers to it, but no collection walks it); a freeze costs
  microseconds, where walking a freshly loaded tab's rows cost 80-100 ms;
- after ``DEEP_QUIET_S`` with no task running and the mouse still, at most every ``DEEP_S``,
  everything is thawed and collected once, so cycles that became garbage are reclaimed;
- while tasks run without a pause, the objects made since the last freeze are collected after
  ``MAX_DEFERRED`` young collections, so memory held by cycles stays bounded; between tasks a
  freeze is always chosen over a walk (a walk there took 60 ms of an idle second in CI).

Closing the window restores the interpreter's thresholds and thaws what was frozen.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication

#: how often the collector looks (ms)
TICK_MS = 1000
#: a collection of everything, frozen objects included, at most this often (s)...
DEEP_S = 600.0
#: ...and only after this long with no task running and the mouse still (s)
DEEP_QUIET_S = 10.0
#: young (generation 1) collections allowed between two full ones, even while busy
MAX_DEFERRED = 200
#: the oldest generation's threshold while a window is open: never reached (see above)
NEVER = 1_000_000


class IdleCollector(QObject):
    """Runs the oldest generation's collections between tasks (see the module's docstring)."""

    def __init__(self, busy: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._busy = busy
        self._saved = gc.get_threshold()
        self._last_deep = time.monotonic()
        self._quiet_since = time.monotonic()
        self._cursor: tuple[int, int] | None = None
        self._young_base = 0
        #: (kind, seconds) of what was done here, newest last ("freeze", "recent" or "deep")
        self.history: list[tuple[str, float]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._active = False

    def start(self) -> None:
        """Take over the oldest generation's collections."""
        if self._active:
            return
        self._active = True
        young, middle, _oldest = self._saved
        gc.set_threshold(young, middle, NEVER)
        self._young_base = gc.get_count()[2]
        self._timer.start()

    def stop(self) -> None:
        """Give the collector back its own thresholds and thaw what was frozen here."""
        if not self._active:
            return
        self._active = False
        self._timer.stop()
        gc.set_threshold(*self._saved)
        gc.unfreeze()

    def _user_active(self) -> bool:
        """True when the mouse moved since the last tick or a button is held."""
        cursor = QCursor.pos()
        here = (cursor.x(), cursor.y())
        moved, self._cursor = self._cursor is not None and here != self._cursor, here
        return moved or QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton

    def tick(self) -> None:
        """Freeze, collect or do nothing, as the module's docstring says."""
        if not self._active:
            return
        now = time.monotonic()
        busy = self._busy()
        if busy or self._user_active():
            self._quiet_since = now
        if not busy:  # between tasks: freezing what survived is the cheap way, always
            if now - self._quiet_since >= DEEP_QUIET_S and now - self._last_deep >= DEEP_S:
                self.collect(deep=True)
            else:
                self._note("freeze", self._freeze)
        else:
            young = gc.get_count()[2]
            if young < self._young_base:  # a full collection ran elsewhere (gc.collect())
                self._young_base = 0
            if young - self._young_base >= MAX_DEFERRED:
                self.collect()

    def _freeze(self) -> None:
        gc.freeze()
        # young collections are counted from here: what they kept is frozen now
        self._young_base = gc.get_count()[2]

    def collect(self, *, deep: bool = False) -> float:
        """A full collection now: of what is not frozen, or (``deep``) of everything; then
        freeze what survives. Returns the seconds it took."""

        def run() -> None:
            if deep:
                gc.unfreeze()
                self._last_deep = time.monotonic()
            gc.collect()
            self._freeze()

        return self._note("deep" if deep else "recent", run)

    def _note(self, kind: str, action: Callable[[], None]) -> float:
        start = time.perf_counter()
        action()
        took = time.perf_counter() - start
        self.history.append((kind, took))
        del self.history[:-50]
        return took
