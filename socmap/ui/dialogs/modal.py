"""Showing a dialog modally and releasing it afterwards."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog


def run_modal(dialog: QDialog) -> int:
    """Show ``dialog`` modally (blocking), schedule its deletion and return its result code."""
    result = dialog.exec()
    dialog.deleteLater()
    return result
