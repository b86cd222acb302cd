"""Console progress for long headless commands (a bar on stderr when it is a terminal)."""

from __future__ import annotations

import sys
import time


class ConsoleProgress:
    """Writes a one-line progress bar to stderr; quiet when stderr is not a terminal."""

    def __init__(self, label: str = "", *, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._text = ""
        self._last = 0.0

    def advance(self, done: int, total: int) -> None:
        """Redraw the bar (at most ten times a second)."""
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        frac = done / total if total else 1.0
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {frac:4.0%} {self._text[:40]:<40}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def status(self, text: str) -> None:
        """Remember the current step's description."""
        self._text = text

    @property
    def cancelled(self) -> bool:
        """Ctrl-C raises KeyboardInterrupt instead; never cancelled here."""
        return False
