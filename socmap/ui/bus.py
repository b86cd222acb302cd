"""AppSignals: the one hub through which views learn that data changed or a record was selected."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    """Application-wide notifications.

    ``changes_applied(changes, initiator)``: a write finished; ``changes`` is a domain
    ``Changes``, ``initiator`` the object that started it (views skip their own changes).
    ``ocg_selected(ocg_id)``: the user selected an OCG anywhere (register, map, graph).
    ``open_ocg_requested(ocg_id)``: show the OCG's record (switch to the register and select it).
    """

    changes_applied = Signal(object, object)
    ocg_selected = Signal(int)
    open_ocg_requested = Signal(int)
    status_message = Signal(str)
