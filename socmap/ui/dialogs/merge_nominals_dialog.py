"""Edit -> Merge two records of a person: find both, see what moves, merge (never silently).

The merge is ``services.register.merge_nominals`` (one transaction, audited with both records);
it runs on the writer lane. What it would move is read first (``merge_preview``) and shown, with
the reason when the two records cannot be merged.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socmap.domain.errors import SocmapError
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services import queries, register
from socmap.services.session import Store
from socmap.ui.context import UiContext
from socmap.ui.widgets.tables import add_cut_item


class MergeNominalsDialog(QDialog):
    """Choose the record to keep and the duplicate to fold into it."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Merge two records of a person")
        self.setObjectName("merge_nominals")
        self.setMinimumWidth(640)
        self.result_: Any = None
        self.keep_search = QLineEdit(objectName="keep_search", placeholderText="Name to keep")
        self.drop_search = QLineEdit(objectName="drop_search", placeholderText="Duplicate")
        self.keep_list = QListWidget(objectName="keep_list")
        self.drop_list = QListWidget(objectName="drop_list")
        self.summary = QLabel(objectName="summary", wordWrap=True)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setObjectName("merge")
        self.merge_button.setEnabled(False)
        self.buttons.accepted.connect(self._on_merge_clicked)
        self.buttons.rejected.connect(self.reject)
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Keep</b> this record"), 0, 0)
        grid.addWidget(QLabel("<b>Fold in</b> this duplicate"), 0, 1)
        grid.addWidget(self.keep_search, 1, 0)
        grid.addWidget(self.drop_search, 1, 1)
        grid.addWidget(self.keep_list, 2, 0)
        grid.addWidget(self.drop_list, 2, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(grid, 1)
        lay.addWidget(self.summary)
        lay.addWidget(self.error)
        lay.addWidget(
            QLabel(
                "Everything recorded against the duplicate (memberships, links, at-risk "
                "entries, disruptions, reviews) moves to the kept record and its name becomes "
                "an alias. One transaction, audited with both records; it is not undone by "
                "Undo.",
                wordWrap=True,
            )
        )
        lay.addWidget(self.buttons)
        self.keep_search.textChanged.connect(lambda t: self._search(t, self.keep_list))
        self.drop_search.textChanged.connect(lambda t: self._search(t, self.drop_list))
        self.keep_list.currentRowChanged.connect(lambda _r: self._preview())
        self.drop_list.currentRowChanged.connect(lambda _r: self._preview())
        if name:  # "SURNAME, Forenames" of a member: both lists search the surname
            surname = name.split(",")[0].strip()
            self.keep_search.setText(surname)
            self.drop_search.setText(surname)
            for i in range(self.keep_list.count()):
                if self.keep_list.item(i).text().split("  ", 1)[-1].startswith(name):
                    self.keep_list.setCurrentRow(i)
                    break
        if not ctx.can(Permission.EDIT):
            self.error.setText("Your role cannot merge records.")

    def _search(self, text: str, into: QListWidget) -> None:
        into.clear()
        if len(text.strip()) >= 2:
            found = queries.find_nominals(self.ctx.store, text, limit=30)
            for nid, label in found:
                item = QListWidgetItem(f"NOM-{nid:04d}  {label}")
                item.setData(Qt.ItemDataRole.UserRole, nid)
                into.addItem(item)
            add_cut_item(into, found, "match", "type more of the name")
        self._preview()

    @staticmethod
    def _chosen(lst: QListWidget) -> int | None:
        item = lst.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return int(value) if value is not None else None

    def choose(self, keep: int, drop: int) -> None:
        """Select both records by id (they must be listed)."""
        for lst, want in ((self.keep_list, keep), (self.drop_list, drop)):
            for i in range(lst.count()):
                if lst.item(i).data(Qt.ItemDataRole.UserRole) == want:
                    lst.setCurrentRow(i)

    def _preview(self) -> None:
        keep, drop = self._chosen(self.keep_list), self._chosen(self.drop_list)
        self.merge_button.setEnabled(False)
        self.summary.setText("")
        if keep is None or drop is None:
            return
        try:
            counts, refusal = register.merge_preview(self.ctx.store, keep=keep, drop=drop)
        except SocmapError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText(refusal or ("" if self.ctx.can(Permission.EDIT)
                                       else "Your role cannot merge records."))  # fmt: skip
        moved = ", ".join(f"{plural(n, 'row')} in {k.split('.')[0]}" for k, n in counts.items())
        self.summary.setText(
            f"NOM-{drop:04d} will be folded into NOM-{keep:04d}: "
            + (moved or "nothing refers to it")
        )
        self.merge_button.setEnabled(not refusal and self.ctx.can(Permission.EDIT))

    def _on_merge_clicked(self) -> None:
        keep, drop = self._chosen(self.keep_list), self._chosen(self.drop_list)
        if keep is None or drop is None:
            return
        self.merge_button.setEnabled(False)

        def job(store: Store, _progress: Any) -> Any:
            return register.merge_nominals(store, keep=keep, drop=drop)

        self.ctx.tasks.run(job, write=True, on_done=self._on_done, on_error=self._on_error)

    def _on_done(self, outcome: Any) -> None:
        result, changes = outcome
        self.result_ = result
        self.ctx.bus.changes_applied.emit(changes, self)
        self.ctx.bus.status_message.emit(
            f"Merged NOM-{result.dropped_id:04d} into NOM-{result.kept.id:04d}"
        )
        self.accept()

    def _on_error(self, exc: BaseException) -> None:
        self._preview()
        self.error.setText(str(exc) if isinstance(exc, SocmapError) else f"Unexpected error: {exc}")


def open_merge_nominals_dialog(
    ctx: UiContext, parent: QWidget | None, *, name: str = ""
) -> MergeNominalsDialog:
    """Show the merge dialog (window-modal, non-blocking) and return it."""
    dialog = MergeNominalsDialog(ctx, parent, name=name)
    dialog.open()
    return dialog


if __name__ == "__main__":  # pragma: no cover - manual preview
    from socmap.ui.preview import preview_context

    app, ctx = preview_context()
    MergeNominalsDialog(ctx, None).exec()
