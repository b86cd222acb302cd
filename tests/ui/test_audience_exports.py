"""The app's exports with the audience chooser: the due list and compliance from the dashboard,
what works from the Disruptions tab, the register and the rest from File -> Export, and the
partner graph as an i2 chart from the Partners tab (issue 15). Files are read back."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from socmap.services import queries
from socmap.services.session import open_store
from socmap.ui.dialogs.audience_export_dialog import KINDS, AudienceExportDialog
from socmap.ui.main_window import MainWindow
from socmap.ui.views.dashboard_view import DashboardView
from socmap.ui.views.disruptions_view import DisruptionsView
from socmap.ui.views.partners_view import PartnersView
from tests.conftest import act_as


@pytest.fixture
def window(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    act_as(store, "sup.one", "supervisor")
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    return win


def _run(qtbot, dialog: AudienceExportDialog, audience: str, target: Path) -> Any:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.audience.setCurrentIndex(dialog.audience.findData(audience))
    dialog.file.setText(str(target))
    folder = os.environ.get("SOCMAP_SCREENSHOTS")
    if folder:
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.adjustSize()
        dialog.grab().save(str(Path(folder) / f"{dialog.objectName()}.png"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result_ is not None or bool(dialog.error.text()), timeout=20_000)
    assert dialog.result_ is not None, dialog.error.text()
    return dialog.result_


def _names(store: Any) -> set[str]:
    return {r.name for r in queries.register(store, with_schedule=False)}


def test_dashboard_exports_the_due_list_for_partners(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view: DashboardView = window.open_tab(DashboardView)
    action = next(a for a in view.export_menu.actions() if a.objectName() == "export_due")
    assert view.export_button.isEnabled()
    action.trigger()
    dialog = window.findChild(AudienceExportDialog, "export_due")
    assert dialog is not None
    result = _run(qtbot, dialog, "partner", tmp_path / "due.xlsx")
    wb = load_workbook(result.path)
    ws = wb.active
    assert wb.properties.subject == result.marking == "OFFICIAL-SENSITIVE"
    assert ws.oddHeader.center.text.startswith("OFFICIAL-SENSITIVE")
    cells = {c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str)}
    assert not _names(window.ctx.store) & cells
    assert result.left_out > 0  # the demo's OFFICIAL-SENSITIVE groups stay with the police


def test_what_works_and_compliance_reach_their_views(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view: DisruptionsView = window.open_tab(DisruptionsView)
    assert view.works_export_button.isEnabled()
    view.works_export_button.click()
    dialog = window.findChild(AudienceExportDialog, "export_what-works")
    result = _run(qtbot, dialog, "internal", tmp_path / "works.csv")
    assert result.path.read_text(encoding="utf-8-sig").startswith("OFFICIAL-SENSITIVE")
    # File -> Export offers every table and the partner chart
    texts = [a.text() for a in window.export_menu.actions()]
    for needle in ("register", "due list", "ompliance", "hat works", "i2 chart"):
        assert any(needle in t.replace("&", "") for t in texts), (needle, texts)


def test_partner_view_exports_an_i2_chart_for_the_audience(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view: PartnersView = window.open_tab(PartnersView)
    action = next(a for a in view.export_menu.actions() if a.objectName() == "export_anx")
    assert action.text() == "i2 chart (ANX)…"
    action.trigger()
    dialog = window.findChild(AudienceExportDialog, "export_partners-anx")
    assert dialog.format.count() == 1 and dialog.file.text().endswith(".anx")
    result = _run(qtbot, dialog, "partner", tmp_path / "partners.anx")
    root = ET.parse(result.path).getroot()  # well-formed XML
    assert root.tag == "Chart"
    assert root.find("ChartItemCollection") is not None
    text = result.path.read_bytes().decode("utf-16")  # i2 charts are UTF-16
    assert result.marking in text
    leaked = {n for n in _names(window.ctx.store) if len(n) > 3 and n in text}
    assert not leaked  # groups by reference only outside the intelligence function


def test_a_refused_target_is_explained_in_the_dialog(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = AudienceExportDialog(window.ctx, "register", window)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(window.ctx.store.path))  # the open database itself
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=10_000)
    assert "is the open database" in dialog.error.text()
    assert dialog.export_button.isEnabled()


def test_viewer_cannot_export(qtbot, viewer_demo_store) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QUndoStack

    from socmap.ui.bus import AppSignals
    from socmap.ui.context import UiContext
    from socmap.ui.tasks import TaskRunner

    ctx = UiContext(viewer_demo_store, AppSignals(), TaskRunner(viewer_demo_store), QUndoStack())
    for kind in KINDS:
        dialog = AudienceExportDialog(ctx, kind)
        qtbot.addWidget(dialog)
        assert not dialog.export_button.isEnabled()
        assert "may not export" in dialog.error.text()
