"""A Major disruption recorded on the day of the last approval brings the re-assessment forward,
and the dialog says so with the new date (issue 13 point 1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDialogButtonBox

from socmap.services import reassessment, scoring
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.disruption_dialog import DisruptionDialog
from socmap.ui.tasks import TaskRunner
from tests.conftest import act_as
from tests.services.test_scoring import new_group, rated


def test_major_disruption_on_the_approval_day_reports_the_new_due_date(qtbot, store: Any) -> None:  # type: ignore[no-untyped-def]
    day = dt.date.today()
    oid = new_group(store)
    act_as(store, "analyst.one", "analyst")
    a, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings=rated(markets__drugs=2), on=day, submit=True
    )
    act_as(store, "ds.two", "supervisor")
    scoring.approve_assessment(store, a.id, on=day)
    was = reassessment.due_of(store, oid)
    act_as(store, "analyst.one", "analyst")
    ctx = UiContext(store=store, bus=AppSignals(), tasks=TaskRunner(store), undo_stack=QUndoStack())
    messages: list[str] = []
    ctx.bus.status_message.connect(messages.append)
    dialog = DisruptionDialog(ctx, ocg_id=oid, today=day)
    qtbot.addWidget(dialog)
    dialog.level.setCurrentIndex(dialog.level.findData("major"))
    assert "whether the due date moved" in dialog.approval_note.text()
    dialog.rationale.setPlainText("Principal and two significant members charged; lab closed.")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert dialog.result_disruption is not None, dialog.general_error.text()
    now_due = reassessment.due_of(store, oid)
    assert now_due == day + dt.timedelta(days=14) < was
    assert messages and messages[-1] == dialog.schedule_message
    assert f"now due {now_due.isoformat()} (was {was.isoformat()})" in messages[-1]
