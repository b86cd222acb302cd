"""QUndoCommand adapter over services.commands: every edit is undoable and announced on the bus."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from socmap.domain.errors import SocmapError
from socmap.services.commands import Command
from socmap.services.session import Store
from socmap.ui.bus import AppSignals


class UndoableCommand(QUndoCommand):
    """Runs a domain command's do/undo and emits ``changes_applied``.

    ``push()`` calls ``redo()`` at once on the GUI thread, so commands must be short edits.
    A failure is kept in ``error`` and the command marks itself obsolete, so the stack drops it.
    """

    def __init__(
        self, command: Command, store: Store, bus: AppSignals, initiator: object = None
    ) -> None:
        super().__init__(command.label)
        self.command = command
        self.store = store
        self.bus = bus
        self.initiator = initiator
        self.error: SocmapError | None = None

    def redo(self) -> None:
        """Do (or redo) the edit."""
        try:
            changes = self.command.do(self.store)
        except SocmapError as exc:
            self.error = exc
            self.setObsolete(True)
            return
        self.bus.changes_applied.emit(changes, self.initiator)

    def undo(self) -> None:
        """Undo the edit."""
        try:
            changes = self.command.undo(self.store)
        except SocmapError as exc:
            self.error = exc
            self.bus.status_message.emit(f"Could not undo: {exc}")
            return
        self.bus.changes_applied.emit(changes, self.initiator)
