"""Settings → Force name… sets the name briefing titles carry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socmap.services import force
from socmap.services.session import open_store
from socmap.ui.dialogs.force_dialog import ForceNameDialog
from socmap.ui.main_window import MainWindow


def test_settings_menu_sets_the_force_name(qtbot: Any, demo_path: Path) -> None:
    store = open_store(demo_path)
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    action = next(a for a in win.settings_menu.actions() if a.objectName() == "force_name")
    assert action.isEnabled()
    dialog = ForceNameDialog(win.ctx, win)
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "West Mercia (demo)"
    dialog.name.setText("x")
    assert "force name" in dialog.error.text()
    dialog.name.setText("Mercia Police")
    assert dialog.error.text() == ""
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    assert force.force_name(store) == "Mercia Police"
