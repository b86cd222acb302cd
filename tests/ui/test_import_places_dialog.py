"""File -> Import -> Place names, driven like a user would (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog

from socmap.services import places
from socmap.services.session import open_store
from socmap.store import audit
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.import_places_dialog import ImportPlacesDialog
from socmap.ui.tasks import TaskRunner

pytestmark = pytest.mark.shared_data


@pytest.fixture
def ctx(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)
    store.close()


def _dialog(qtbot, ctx, path: Path, monkeypatch) -> ImportPlacesDialog:  # type: ignore[no-untyped-def]
    dialog = ImportPlacesDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    return dialog


def _stored(path: Path) -> tuple[list[places.Place], list[str]]:
    store = open_store(path)
    try:
        return places.places(store), [r.summary for r in audit.rows(store, entity="places")]
    finally:
        store.close()


def test_import_the_geonames_places(qtbot, ctx, shared_data: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before, audited = _stored(ctx.store.path)
    assert len(before) == 346  # the demo ships its generalised copy; the import replaces it
    geonames = shared_data / "west-mercia-places-geonames.geojson"
    dialog = _dialog(qtbot, ctx, geonames, monkeypatch)
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 346, timeout=30_000)
    assert dialog.name_field.currentText() == "name"
    assert "346 place names in layer" in dialog.status.text()
    assert "every place drawn alike" in dialog.status.text()
    dialog.attribution.setText("Contains data from GeoNames (geonames.org), CC BY 4.0")
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=60_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report.isVisible(), timeout=10_000)
    assert "imported 346 place name(s)" in dialog.report.toPlainText()
    assert "attribution: Contains data from GeoNames" in dialog.report.toPlainText()
    after, audited_after = _stored(ctx.store.path)
    assert len(after) == 346 and len(audited_after) == len(audited) + 1
    assert "west-mercia-places-geonames.geojson" in audited_after[0]


def test_place_types_size_the_labels(
    qtbot, ctx, shared_data: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((shared_data / "west-mercia-places-geonames.geojson").read_text())
    for f in doc["features"]:
        p = f["properties"]
        p["place"] = {"Shrewsbury": "town", "Hereford": "city"}.get(p["name"], "village")
    path = tmp_path / "osm-places.geojson"
    path.write_text(json.dumps(doc))
    dialog = _dialog(qtbot, ctx, path, monkeypatch)
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 346, timeout=30_000)
    assert dialog.kind_field.currentText() == "(guess)"
    assert "Labels sized by 'place'" in dialog.status.text()
    assert [dialog.preview.item(r, 0).text() for r in range(2)] == ["Hereford", "Shrewsbury"]
    assert dialog.preview.item(0, 3).text() == "city"
    # "(none)": every place alike, and the import is told so (nothing guessed behind its back)
    dialog.kind_field.setCurrentText("(none)")
    qtbot.waitUntil(
        lambda: dialog.preview_result is not None and dialog.preview_result.kind_field is None,
        timeout=30_000,
    )
    assert "every place drawn alike" in dialog.status.text()
    dialog.kind_field.setCurrentText("place")
    qtbot.waitUntil(
        lambda: dialog.preview_result is not None and dialog.preview_result.kind_field == "place",
        timeout=30_000,
    )
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=60_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    stored, _ = _stored(ctx.store.path)
    assert stored[0].name == "Hereford" and stored[0].rank == 4


def test_a_nameless_place_is_one_line_and_changes_nothing(
    qtbot, ctx, shared_data: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((shared_data / "west-mercia-places-geonames.geojson").read_text())
    doc["features"][40]["properties"]["name"] = None
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps(doc))
    before = _stored(ctx.store.path)
    dialog = _dialog(qtbot, ctx, path, monkeypatch)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=30_000)
    assert dialog.error.text() == f"{path}, row 41, field 'name': the feature has no name"
    assert "\n" not in dialog.error.text()
    assert not dialog.import_button.isEnabled() and dialog.preview.rowCount() == 0
    assert _stored(ctx.store.path) == before
