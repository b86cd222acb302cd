"""Table models for the Audit and Review tabs: thin adapters over service read models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from socmap.ui.models.rows_model import Column, RowsTableModel


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _column(key: str, header: str, getter: Callable[[Any], Any]) -> Column[Any]:
    """A column whose tooltip repeats the (possibly cut-off) cell text."""
    return Column(header, getter, tooltip=lambda r: _text(getter(r)), key=key)


AUDIT_COLUMNS: tuple[Column[Any], ...] = (
    _column("id", "#", lambda r: r.id),
    _column("ts", "Time (UTC)", lambda r: r.ts[:19].replace("T", " ")),
    _column("actor", "Person", lambda r: r.actor),
    _column("action", "Action", lambda r: r.action),
    _column("record", "Record", lambda r: f"{r.entity} {r.entity_id}".strip()),
    _column("summary", "Summary", lambda r: r.summary),
)

REVIEW_COLUMNS: tuple[Column[Any], ...] = (
    _column("entity", "Record", lambda r: r.entity),
    _column("id", "Id", lambda r: r.id),
    _column("label", "Name / item", lambda r: r.label),
    _column("due", "Review due", lambda r: r.due_text),
    _column("group", "Group", lambda r: r.group),
    _column("rationale", "Rationale for holding", lambda r: r.rationale),
)


class AuditTableModel(RowsTableModel[Any]):
    """Audit rows, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(AUDIT_COLUMNS, parent=parent)


class ReviewQueueModel(RowsTableModel[Any]):
    """Records due for review, most overdue first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(REVIEW_COLUMNS, parent=parent)
