"""UiContext: what every view and dialog is given (store handle, bus, tasks, undo stack)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget

from socmap.domain.errors import ConflictError, SocmapError
from socmap.domain.roles import Permission
from socmap.services import auth
from socmap.services.commands import Command
from socmap.services.session import Store
from socmap.ui.bus import AppSignals
from socmap.ui.tasks import TaskRunner
from socmap.ui.undo import UndoableCommand


@dataclass
class UiContext:
    """Shared by the main window and everything inside it."""

    store: Store
    bus: AppSignals
    tasks: TaskRunner
    undo_stack: QUndoStack
    #: data read before the window existed (the register's rows, read while the window's
    #: modules were imported): taken once by the view that would otherwise load it
    prefetched: dict[str, Any] = field(default_factory=dict)

    def take_prefetched(self, key: str) -> Any:
        """The data prefetched under ``key`` (then forgotten), or None."""
        return self.prefetched.pop(key, None)

    def execute(
        self,
        command: Command,
        *,
        initiator: object = None,
        parent: QWidget | None = None,
        on_conflict: Callable[[ConflictError], bool] | None = None,
    ) -> bool:
        """Run an undoable edit; on failure explain it to the user and return False.

        ``on_conflict``: someone else saved the record first; it resolves that (the conflict
        dialog) and returns whether something was saved.
        """
        undoable = UndoableCommand(command, self.store, self.bus, initiator)
        self.undo_stack.push(undoable)
        if isinstance(undoable.error, ConflictError) and on_conflict is not None:
            return on_conflict(undoable.error)
        if undoable.error is not None:
            if parent is not None:
                QMessageBox.warning(parent, "socmap", str(undoable.error))
            else:
                self.bus.status_message.emit(str(undoable.error))
            return False
        return True

    def report_error(self, parent: QWidget | None, exc: BaseException) -> None:
        """Show a user-caused error plainly (no traceback)."""
        text = str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}"
        QMessageBox.warning(parent, "socmap", text)

    def can(self, permission: Permission) -> bool:
        """True when the current account may do ``permission`` (to hide or disable actions)."""
        return auth.can(self.store, permission)
