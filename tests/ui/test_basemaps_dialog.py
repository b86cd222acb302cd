"""Settings -> Basemaps, driven like an administrator would (issue 16)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog

from socmap.services import basemaps
from socmap.services.session import open_store
from socmap.store import audit
from socmap.ui.bus import AppSignals
from socmap.ui.context import UiContext
from socmap.ui.dialogs.basemaps_dialog import BasemapsDialog
from socmap.ui.tasks import TaskRunner
from tests.conftest import act_as


@pytest.fixture
def ctx(qtbot, demo_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(demo_path)
    context = UiContext(store, AppSignals(), TaskRunner(store), QUndoStack())
    yield context
    context.tasks.wait()
    qtbot.wait(20)
    store.close()


def _roads_gpkg(path: Path) -> Path:
    """An OS OpenMap Local-like GeoPackage over Telford: Road (by CLASSIFICATION) and Woodland."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString, box

    xs = np.arange(360000, 380000, 1000)
    ys = np.arange(300000, 320000, 1000)
    lines, kinds = [], []
    for i, x in enumerate(xs):
        for y in ys:
            lines.append(LineString([(x, y), (x + 1000, y + 150)]))
            kinds.append("Motorway" if i == 7 else "A Road" if i % 5 == 0 else "Local Street")
    gpd.GeoDataFrame({"CLASSIFICATION": kinds}, geometry=lines, crs=27700).to_file(
        path, layer="Road", driver="GPKG"
    )
    woods = [box(x + 200, y + 200, x + 700, y + 600) for x in xs[::3] for y in ys[::3]]
    gpd.GeoDataFrame({"id": range(len(woods))}, geometry=woods, crs=27700).to_file(
        path, layer="Woodland", driver="GPKG"
    )
    return path


def _mbtiles(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB)"
    )
    conn.commit()
    conn.close()
    return path


def _layers(path: Path) -> list[basemaps.BasemapLayer]:
    store = open_store(path)
    try:
        return basemaps.load_layers(store)
    finally:
        store.close()


def _dialog(qtbot, ctx) -> BasemapsDialog:  # type: ignore[no-untyped-def]
    dialog = BasemapsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.status.text() != "", timeout=10_000)
    return dialog


def _add(qtbot, ctx, dialog: BasemapsDialog, count: int) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=30_000):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == count, timeout=10_000)


def test_add_tick_and_remove_basemaps(qtbot, ctx, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gpkg = _roads_gpkg(tmp_path / "openmap-local.gpkg")
    mb = _mbtiles(tmp_path / "county.mbtiles")
    dialog = _dialog(qtbot, ctx)
    assert dialog.table.rowCount() == 0
    assert "No basemap layers" in dialog.status.text()

    # a vector file: its layers are listed, Woodland first then Road on top
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(gpkg), ""))
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.layer.count() == 2, timeout=20_000)
    assert not dialog.grid.isVisible() and dialog.vector_style.isVisible()
    dialog.layer.setCurrentText("Woodland")
    _add(qtbot, ctx, dialog, 1)
    dialog.set_source(str(gpkg))
    qtbot.waitUntil(lambda: dialog.layer.count() == 2, timeout=20_000)
    dialog.layer.setCurrentText("Road")
    dialog.attribution.setText("Contains OS data © Crown copyright and database right")
    _add(qtbot, ctx, dialog, 2)

    # the OS Maps API in British National Grid, on screen only
    dialog.kind.setCurrentIndex(dialog.kind.findData("wmts"))
    assert dialog.grid.isVisible() and dialog.matrix_set.isVisible()
    assert not dialog.browse.isVisible() and not dialog.vector_style.isVisible()
    dialog.source.setText("https://api.os.uk/maps/raster/v1/wmts?key=KEY")
    dialog.layer.setCurrentText("Road_27700")
    dialog.grid.setCurrentIndex(dialog.grid.findData("EPSG:27700"))
    dialog.name.setText("OS Road")
    dialog.in_briefings.setChecked(False)
    _add(qtbot, ctx, dialog, 3)

    # an MBTiles file for briefings offline
    dialog.kind.setCurrentIndex(dialog.kind.findData("mbtiles"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(mb), ""))
    qtbot.mouseClick(dialog.browse, Qt.MouseButton.LeftButton)
    dialog.in_briefings.setChecked(True)
    _add(qtbot, ctx, dialog, 4)

    layers = _layers(ctx.store.path)
    assert [(x.name, x.kind, x.layer) for x in layers] == [
        ("Woodland", "vector", "Woodland"),
        ("Road", "vector", "Road"),
        ("OS Road", "wmts", "Road_27700"),
        ("county", "mbtiles", ""),
    ]
    assert [x.in_briefings for x in layers] == [True, True, False, True]
    assert layers[2].is_bng and layers[1].attribution.startswith("Contains OS data")
    assert [dialog.table.item(r, 1).text() for r in range(4)] == [x.name for x in layers]
    assert "British National Grid" in dialog.table.item(2, 2).text()
    assert dialog.table.item(2, 0).checkState() == Qt.CheckState.Unchecked

    # untick the woodland for briefings: one audited write
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=30_000):
        dialog.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: not dialog._busy, timeout=10_000)
    assert [x.name for x in _layers(ctx.store.path) if x.in_briefings] == ["Road", "county"]

    # remove the WMTS
    dialog.table.selectRow(2)
    assert dialog.remove_button.isEnabled()
    with qtbot.waitSignal(ctx.bus.changes_applied, timeout=30_000):
        qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=10_000)
    assert [x.name for x in _layers(ctx.store.path)] == ["Woodland", "Road", "county"]

    check = open_store(ctx.store.path)
    try:
        actions = [r.action for r in audit.rows(check, entity="basemap")]
    finally:
        check.close()
    assert actions == ["delete", "update", "create", "create", "create", "create"]


def test_a_refused_layer_is_one_line_and_changes_nothing(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, ctx)
    dialog.kind.setCurrentIndex(dialog.kind.findData("xyz"))
    dialog.source.setText("https://tiles.example/tiles.png")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=10_000)
    first, *rest = dialog.error.text().split("\n")
    assert first == "source: an XYZ URL needs {z}, {x} and {y} in it"
    assert rest == ["Nothing was changed."]
    assert _layers(ctx.store.path) == []
    qtbot.waitUntil(lambda: dialog.add_button.isEnabled(), timeout=10_000)


def test_only_an_administrator_changes_basemaps(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    act_as(ctx.store, "viewer.test", "viewer")
    dialog = _dialog(qtbot, ctx)
    assert not dialog.add_button.isEnabled() and not dialog.remove_button.isEnabled()
    assert "administrator" in dialog.error.text()


def test_reached_from_the_menus(qtbot, demo_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from socmap.ui.dialogs import basemaps_dialog, import_places_dialog
    from socmap.ui.dialogs.import_places_dialog import ImportPlacesDialog
    from socmap.ui.main_window import MainWindow

    shown: list[object] = []
    for module in (basemaps_dialog, import_places_dialog):
        monkeypatch.setattr(module, "run_modal", lambda dialog: shown.append(dialog) or 0)
    store = open_store(demo_path)
    win = MainWindow(store, remember_layout=False)
    qtbot.addWidget(win)
    settings = {a.objectName(): a for a in win.settings_menu.actions()}
    imports = {a.objectName(): a for a in win.import_menu.actions()}
    assert settings["basemaps"].isEnabled() and imports["place_names"].isEnabled()
    settings["basemaps"].trigger()
    imports["place_names"].trigger()
    assert [type(d) for d in shown] == [BasemapsDialog, ImportPlacesDialog]
    for dialog in shown:
        qtbot.addWidget(dialog)
    win.ctx.tasks.wait()
    qtbot.wait(20)
