"""The Qt application that headless drawing needs (fonts, images, PDF and SVG writers)."""

from __future__ import annotations

import os

from PySide6.QtGui import QGuiApplication

_app: QGuiApplication | None = None


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new offscreen QGuiApplication for headless export.

    Exports draw into images, PDFs and SVGs, never onto a screen, so a process that has no Qt
    application yet (the CLI) starts one on the offscreen platform: it works on a server with
    no display. Inside the desktop app the running QApplication is used as it is.
    """
    global _app
    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QGuiApplication([])
        app = _app
    return app  # type: ignore[return-value]
