"""Manual previews: show one view or dialog outside the main window (``python -m ...``)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.tasks import TaskRunner


def preview_context(path: str | Path = ":memory:") -> tuple[QApplication, UiContext]:
    """A QApplication and a UiContext over the database at ``path`` (in memory by default)."""
    app = QApplication(sys.argv)
    store = open_store(path)
    return app, UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
