"""File -> Import boundaries, driven like a user would (issue 3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog

from socmap.services import boundaries, queries
from socmap.services.session import open_store
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.import_boundaries_dialog import (
    NO_CODE,
    RETIRE,
    ImportBoundariesDialog,
    guess_name_field,
)
from socmap.ui.tasks import TaskRunner
from tests.conftest import act_as
from tests.geo_fixtures import feature, square, two_squares, write_geojson


@pytest.fixture
def ctx(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)  # deliver the last task signals before the connection closes
    store.close()


def _dialog(qtbot, ctx) -> ImportBoundariesDialog:  # type: ignore[no-untyped-def]
    dialog = ImportBoundariesDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@pytest.mark.shared_data
def test_import_real_districts_as_lpas(
    qtbot, ctx, shared_data: Path, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx)
    lad = shared_data / "west-mercia-lad.geojson"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(lad), ""))
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 5, timeout=10_000)
    assert dialog.name_field.currentText() == "lpa_name"
    assert dialog.code_field.currentText() == "lad_code"
    shown = {dialog.preview.item(r, 0).text(): dialog.preview.item(r, 1).text() for r in range(5)}
    assert shown["Herefordshire"] == "2,179.73"
    assert shown["North Worcestershire"] == "466.67"
    assert "EPSG:4326" in dialog.status.text()
    # choosing the district name field previews nine areas instead
    dialog.name_field.setCurrentText("lad_name")
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 9, timeout=10_000)
    dialog.name_field.setCurrentText("lpa_name")
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 5, timeout=10_000)
    qtbot.keyClicks(dialog.attribution, "Contains ONS data (OGL v3)")
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=10_000)  # the plan is worked out
    assert "kept 5 areas" in dialog.status.text()
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report.isVisible(), timeout=10_000)
    text = dialog.report.toPlainText()
    assert "Herefordshire: 2,179.73 km2" in text
    assert "attribution: Contains ONS data (OGL v3)" in text
    assert "outside every area" in text
    check = open_store(ctx.store.path)
    try:
        summaries = boundaries.area_summaries(check)
    finally:
        check.close()
    assert [round(s.area_km2, 2) for s in summaries][:2] == [2179.73, 3197.38]
    assert {s.attribution for s in summaries} == {"Contains ONS data (OGL v3)"}
    dialog.grab().save(str(tmp_path / "import_boundaries.png"))
    shots = os.environ.get("SOCMAP_SCREENSHOTS")
    if shots:
        dialog.grab().save(str(Path(shots) / "import_boundaries_report.png"))


def test_repairs_are_shown_before_import(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bowtie = [
        [[390000, 250000], [400000, 260000], [400000, 250000], [390000, 260000], [390000, 250000]]
    ]
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            feature(
                {"NAME": "Ok"}, {"type": "Polygon", "coordinates": square(380000, 250000, 5000)}
            ),
            feature({"NAME": "Bowtie"}, {"type": "Polygon", "coordinates": bowtie}),
        ],
    )
    dialog = _dialog(qtbot, ctx)
    dialog.set_path(path)
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 2, timeout=10_000)
    assert "1 invalid feature(s) will be repaired" in dialog.status.text()
    assert "feature 2 (Bowtie)" in dialog.status.text()
    # the demo's five areas are not in this file: Import waits for a choice for each
    qtbot.waitUntil(lambda: dialog.missing.rowCount() == 5, timeout=10_000)
    assert not dialog.import_button.isEnabled()
    for combo in dialog._choices:
        combo.setCurrentText(RETIRE)
    assert dialog.import_button.isEnabled()


def test_missing_areas_are_renamed_or_retired_and_the_report_shown(
    qtbot, ctx, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 11: the dialog offers the CLI's choices; the work attached to areas is kept."""
    import json

    from socmap.paths import demo_boundaries
    from socmap.services import profiles

    doc = json.loads(demo_boundaries().read_text("utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["name"] != "Telford & Wrekin"]
    for f in doc["features"]:
        if f["properties"]["name"] == "Shropshire":
            f["properties"]["name"] = "Salop"
    path = tmp_path / "new.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ids = {a.name: a.id for a in queries.area_list(ctx.store)}
    dialog = _dialog(qtbot, ctx)
    dialog.set_path(path)
    # the code field is guessed (lad_codes): Shropshire's code is Salop's, so it carries over
    qtbot.waitUntil(lambda: dialog.missing.rowCount() == 1, timeout=10_000)
    assert "renamed: 'Shropshire' -> 'Salop' (same code)" in dialog.status.text()
    dialog.code_field.setCurrentText(NO_CODE)  # by name only: two areas are missing
    qtbot.waitUntil(lambda: dialog.missing.rowCount() == 2, timeout=10_000)
    rows = {dialog.missing.item(r, 0).text(): r for r in range(2)}
    assert "1 local profile" in dialog.missing.item(rows["Telford & Wrekin"], 1).text()
    assert "kept 3 areas" in dialog.status.text() and "new area: Salop" in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    assert "not in this file" in dialog.error.text()
    dialog._choices[rows["Shropshire"]].setCurrentText("Rename to 'Salop' (carry everything over)")
    dialog._choices[rows["Telford & Wrekin"]].setCurrentText(RETIRE)
    assert dialog.choices() == (["Shropshire=Salop"], ["Telford & Wrekin"])
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report.isVisible(), timeout=10_000)
    text = dialog.report.toPlainText()
    assert "renamed: 'Shropshire' -> 'Salop' (--rename)" in text
    assert "retired (kept with its history): Telford & Wrekin" in text
    check = open_store(ctx.store.path)
    try:
        assert {a.name: a.id for a in queries.area_list(check)}["Salop"] == ids["Shropshire"]
        assert profiles.handling(check, ids["Telford & Wrekin"]) is not None
    finally:
        check.close()


def test_points_layer_is_refused_and_nothing_can_be_imported(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_geojson(
        tmp_path / "points.geojson",
        [feature({"name": "P"}, {"type": "Point", "coordinates": [390000, 250000]})],
    )
    areas_before = [a.name for a in queries.area_list(ctx.store)]
    dialog = _dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.path, str(path))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not area outlines" in dialog.error.text(), timeout=10_000)
    assert "points.geojson" in dialog.error.text()
    assert not dialog.import_button.isEnabled()
    assert [a.name for a in queries.area_list(ctx.store)] == areas_before


def test_unreadable_file_shows_the_reason(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = two_squares(tmp_path / "cut.geojson")
    path.write_bytes(path.read_bytes()[:120])
    dialog = _dialog(qtbot, ctx)
    dialog.set_path(path)
    qtbot.waitUntil(lambda: "cut.geojson" in dialog.error.text(), timeout=10_000)
    assert not dialog.import_button.isEnabled()


def test_viewer_sees_the_preview_but_cannot_import(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    act_as(ctx.store, "viewer.test", "viewer")
    dialog = _dialog(qtbot, ctx)
    dialog.set_path(two_squares(tmp_path / "b.geojson"))
    qtbot.waitUntil(lambda: dialog.preview.rowCount() == 2, timeout=10_000)
    assert not dialog.import_button.isEnabled()
    assert "administrator" in dialog.error.text()


def test_guess_name_field() -> None:
    assert guess_name_field(["lad_code", "lad_name", "lpa_name"]) == "lpa_name"
    assert guess_name_field(["LAD23CD", "LAD23NM"]) == "LAD23NM"
    assert guess_name_field(["id", "Name"]) == "Name"
    assert guess_name_field([]) is None
