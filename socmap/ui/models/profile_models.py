"""Table models for the Profiles tab: partner contributions and the 4P action plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from socmap.domain.profiles import ACTION_STATUS_LABELS, ActionItem, Contribution
from socmap.ui.models.rows_model import Column, RowsTableModel

OVERDUE_INK = QColor("#a01818")
OVERDUE_FILL = QColor("#fbe9e9")


def _col(key: str, header: str, getter: Callable[[Any], Any], **kw: Any) -> Column[Any]:
    return Column(header, getter, key=key, **kw)


class ContributionsTableModel(RowsTableModel[Contribution]):
    """Which partner supplied which data, when, under which ISA."""

    def __init__(self, parent: QObject | None = None) -> None:
        self.type_labels: dict[str, str] = {}
        super().__init__(self._columns(), lambda c: c.id, parent)

    def _columns(self) -> list[Column[Contribution]]:
        return [
            _col(
                "partner",
                "Partner",
                lambda c: c.partner_name + (" (register)" if c.partner_id else ""),
            ),
            _col("type", "Type", lambda c: self.type_labels.get(c.partner_type, c.partner_type)),
            _col("data", "Data supplied", lambda c: c.data_supplied),
            _col("supplied_on", "Supplied", lambda c: c.supplied_on.isoformat()),
            _col("isa", "Information sharing agreement", lambda c: c.isa_ref or "none recorded"),
        ]


class ActionsTableModel(RowsTableModel[ActionItem]):
    """The 4P action plan; overdue actions are flagged in red."""

    def __init__(self, parent: QObject | None = None) -> None:
        self.today = dt.date.today()
        super().__init__(
            self._columns(),
            lambda a: a.id,
            parent,
            row_colour=lambda a: OVERDUE_INK if a.overdue(self.today) else None,
        )

    def _overdue_fill(self, a: ActionItem) -> QColor | None:
        return OVERDUE_FILL if a.overdue(self.today) else None

    def _columns(self) -> list[Column[ActionItem]]:
        plain = [
            _col("strand", "4P", lambda a: a.strand.value.capitalize()),
            _col("action", "Action", lambda a: a.action),
            _col("owner", "Owner", lambda a: a.owner or "—"),
            _col("partner", "Partner", lambda a: a.partner or "—"),
            _col(
                "due",
                "Due",
                lambda a: a.due.isoformat() if a.due else "—",
            ),
            _col(
                "measure",
                "Measure of success",
                lambda a: a.measure or "—",
            ),
            _col(
                "status",
                "Status",
                lambda a: (
                    ACTION_STATUS_LABELS[a.status] + (" — OVERDUE" if a.overdue(self.today) else "")
                ),
            ),
            _col(
                "ocgs",
                "Linked OCGs",
                lambda a: ", ".join(f"OCG-{o:04d}" for o in a.linked_ocgs) or "—",
            ),
        ]
        # an overdue action is shaded across the whole row
        return [dataclasses.replace(c, background=self._overdue_fill) for c in plain]

    def overdue_count(self) -> int:
        """How many shown actions are overdue."""
        return sum(1 for a in self.rows if a.overdue(self.today))
