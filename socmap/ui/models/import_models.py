"""The import wizard's preview table: a thin adapter over ``spec_import.preview_rows``."""

from __future__ import annotations

from PySide6.QtCore import QObject

from socmap.services.spec_import import PreviewRow
from socmap.ui.models.rows_model import Column, RowsTableModel

ACTION_COLOURS = {"refused": "#b91c1c", "update": "#1d4ed8", "same person": "#7c3aed"}

PREVIEW_COLUMNS: tuple[Column[PreviewRow], ...] = (
    Column("Row", lambda r: r.ref, key="row"),
    Column("Record", lambda r: r.type, key="type"),
    Column(
        "Action", lambda r: r.action, colour=lambda r: ACTION_COLOURS.get(r.action), key="action"
    ),
    Column("Key", lambda r: r.key, key="key"),
    Column("Values", lambda r: r.values, tooltip=lambda r: r.values, key="values"),
    Column(
        "Problems",
        lambda r: " | ".join(r.problems),
        colour=lambda r: "#b91c1c" if r.problems else None,
        tooltip=lambda r: "\n".join(r.problems) or None,
        key="problems",
    ),
)


class ImportPreviewModel(RowsTableModel[PreviewRow]):
    """The records of the first rows as they would be imported, refused values named."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(PREVIEW_COLUMNS, lambda r: (r.ref, r.type), parent)
