"""Dialog plumbing the dialogs share: OK/Cancel buttons, and showing one modally."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox


def ok_cancel(dialog: QDialog, on_ok: Callable[[], None] | None = None) -> QDialogButtonBox:
    """OK and Cancel buttons: OK runs ``on_ok`` (default: accept), Cancel rejects."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(on_ok or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def run_modal(dialog: QDialog) -> int:
    """Show ``dialog`` modally (blocking), schedule its deletion and return its result code."""
    result = dialog.exec()
    dialog.deleteLater()
    return result
