"""Settings → Force name: the name briefing and profile titles carry (supervisors and admins)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from socmap.domain.changes import Changes
from socmap.domain.errors import SocmapError
from socmap.services import force
from socmap.ui.context import UiContext
from socmap.ui.dialogs.modal import ok_cancel, run_modal


class ForceNameDialog(QDialog):
    """Edit the force's name; saved in the database (one audited write) on OK."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Force name")
        self.name = QLineEdit(force.force_name(ctx.store), objectName="force_name")
        self.name.setPlaceholderText("e.g. West Mercia Police")
        self.name.setMaxLength(force.FORCE_NAME_MAX)
        self.error = QLabel("", objectName="force_name_error", wordWrap=True)
        self.error.setStyleSheet("color:#b91c1c;")
        form = QFormLayout()
        form.addRow("Force name", self.name)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Shown in the title of every briefing map and local profile made from this "
                "database.",
                wordWrap=True,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, self.save))
        self.name.textChanged.connect(self._on_name_text_changed)

    def _on_name_text_changed(self, text: str) -> None:
        try:
            force.check_force_name(text)
        except SocmapError as exc:
            self.error.setText(str(exc))
        else:
            self.error.setText("")

    def save(self) -> None:
        """Save the name on the writer lane; close when saved, say why when refused."""
        text = self.name.text()

        def work(store: Any, _progress: Any) -> Changes:
            return force.set_force_name(store, text)[1]

        self.ctx.tasks.run(work, write=True, on_done=self._on_saved, on_error=self._on_failed)

    def _on_saved(self, changes: Changes) -> None:
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(f"Force name set to '{self.name.text().strip()}'")
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.error.setText(str(exc))


def open_force_name_dialog(ctx: UiContext, parent: QWidget | None = None) -> None:
    """Show the force name dialog modally."""
    run_modal(ForceNameDialog(ctx, parent))
