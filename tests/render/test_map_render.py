"""The map renderer draws into a QImage: fills, markers, density or points, layers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from socmap.render.map import (
    BACKGROUND,
    POINTS_LIMIT,
    MapRenderer,
    MapViewState,
    marker_colour,
    threat_colour,
)
from socmap.services.map_data import (
    AreaShape,
    IntelLayer,
    MapData,
    OcgInfo,
    OcgMarkers,
    ThreatShading,
)

# pytest-qt's QApplication, so that a bare QGuiApplication never blocks later widget tests
pytestmark = pytest.mark.usefixtures("qapp")


def make_data(intel_xy: np.ndarray | None = None, *, archived: bool = False) -> MapData:
    """Two squares side by side (ids 1 and 2); one active marker at (2500, 2500) in area 1."""
    sq1 = np.array([[0, 0], [5000, 0], [5000, 5000], [0, 5000], [0, 0]], dtype=float)
    sq2 = sq1 + np.array([5000.0, 0.0])
    areas = (
        AreaShape(1, "West", (sq1,), (0, 0, 5000, 5000), (2500, 4000), 25.0),
        AreaShape(2, "East", (sq2,), (5000, 0, 10000, 5000), (7500, 4000), 25.0),
    )
    threat = ThreatShading(
        "Active OCGs", ("0", "1–2", "3–4"), {1: 2, 2: 0}, {1: "3", 2: "0"}, "count"
    )
    ocgs = {
        7: OcgInfo(7, "Test crew", "active", ("drugs",), 1, "2025-01-01", 4, "OFFICIAL-SENSITIVE"),
        8: OcgInfo(8, "Old firm", "archived", ("fraud",), 2, "2015-01-01", 2, "OFFICIAL-SENSITIVE"),
    }
    n = 2 if archived else 1
    markers = OcgMarkers(
        location_id=np.arange(1, n + 1),
        ocg_id=np.array([7, 8][:n]),
        x=np.array([2500.0, 7500.0][:n]),
        y=np.array([2500.0, 2500.0][:n]),
        area_id=np.array([1, 2][:n]),
        kind=np.zeros(n, dtype=np.int16),
        kinds=("base",),
        active=np.array([True, False][:n]),
        style=np.array([0, 1][:n], dtype=np.int16),
        styles=(("drugs", None), ("fraud", None)),
    )
    xy = intel_xy if intel_xy is not None else np.zeros((0, 2))
    order = np.argsort(xy[:, 0]) if len(xy) else np.zeros(0, dtype=int)
    intel = IntelLayer(
        xy[order, 0], xy[order, 1], np.zeros(len(xy), dtype=np.int16), ("Drugs supply",)
    )
    return MapData(
        areas,
        threat,
        ocgs,
        markers,
        intel,
        (0, 0, 10000, 5000),
        "Test outlines",
        "Test force",
        "2026-01-01",
    )


def render(data: MapData, state: MapViewState) -> QImage:
    img = QImage(state.size[0], state.size[1], QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    MapRenderer(data).render(p, state)
    p.end()
    return img


def near(c1: QColor, c2: QColor, tol: int = 12) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(c1.getRgb()[:3], c2.getRgb()[:3], strict=True))


def plain(state: MapViewState, *layers: str) -> MapViewState:
    return replace(
        state, layers=frozenset(layers), legend=False, furniture=False, attribution=False
    )


def test_state_maps_both_ways_and_zooms_about_the_anchor() -> None:
    s = MapViewState((5000.0, 2500.0), 10.0, (1000, 500))
    assert s.to_map(500, 250) == (5000.0, 2500.0)
    sx, sy = s.to_screen(6000.0, 3000.0)
    assert (float(sx), float(sy)) == (600.0, 200.0)  # y grows north, pixels grow down
    z = s.zoomed(2.0, (600, 200))
    assert z.scale == 5.0
    assert z.to_map(600, 200) == pytest.approx((6000.0, 3000.0))
    p = s.panned(10, 0)
    assert p.centre == (4900.0, 2500.0)
    fit = MapViewState.fit((0, 0, 10000, 5000), (1000, 500), margin=0)
    assert fit.scale == 10.0 and fit.centre == (5000.0, 2500.0)


def test_areas_are_filled_by_threat_class() -> None:
    data = make_data()
    state = plain(MapViewState.fit(data.extent, (400, 200), margin=0.05), "areas")
    img = render(data, state)
    west = img.pixelColor(*[int(v) for v in state.to_screen(1000, 1000)])
    east = img.pixelColor(*[int(v) for v in state.to_screen(9000, 1000)])
    assert near(west, threat_colour(2, 3))
    assert near(east, threat_colour(0, 3))
    assert near(img.pixelColor(1, 1), BACKGROUND)  # outside every area
    off = render(data, plain(state))
    assert near(off.pixelColor(*[int(v) for v in state.to_screen(1000, 1000)]), BACKGROUND)


def test_markers_are_drawn_where_expected_and_layers_hide_them() -> None:
    data = make_data(archived=True)
    state = plain(MapViewState.fit(data.extent, (400, 200), margin=0.05), "ocgs")
    x, y = (round(float(v)) for v in state.to_screen(2500, 2500))
    img = render(data, state)
    assert near(img.pixelColor(x, y), marker_colour("drugs"), tol=20)
    ax, ay = (round(float(v)) for v in state.to_screen(7500, 2500))
    assert near(img.pixelColor(ax, ay), BACKGROUND)  # archived hidden by default
    shown = render(data, replace(state, layers=frozenset({"ocgs", "archived"})))
    assert near(shown.pixelColor(ax, ay), QColor(110, 110, 110), tol=20)
    hidden = render(data, plain(state))
    assert near(hidden.pixelColor(x, y), BACKGROUND)


def test_marker_colour_takes_a_band() -> None:
    order = ("C", "B", "A")
    assert marker_colour("drugs", "A", order) != marker_colour("drugs", "C", order)
    assert marker_colour("drugs", "A", order) != marker_colour("drugs")
    assert marker_colour("drugs") != marker_colour("fraud")


def test_hit_tests_find_the_marker_and_the_area() -> None:
    data = make_data()
    r = MapRenderer(data)
    state = MapViewState.fit(data.extent, (400, 200))
    x, y = (float(v) for v in state.to_screen(2500, 2500))
    assert r.marker_at(state, x + 3, y - 2) == 0
    assert r.marker_at(state, x + 40, y) is None
    assert r.area_at(1000, 1000) == 1
    assert r.area_at(9000, 1000) == 2
    assert r.area_at(-50, 1000) is None


def test_intel_is_a_density_surface_when_zoomed_out_and_points_when_zoomed_in() -> None:
    rng = np.random.default_rng(1)
    xy = np.column_stack([rng.normal(2500, 300, 30_000), rng.normal(2500, 300, 30_000)])
    data = make_data(xy)
    r = MapRenderer(data)
    out = plain(MapViewState.fit(data.extent, (400, 200)), "intel")
    assert r.intel_mode(out) == "density"
    zoomed = out.zoomed(60, tuple(float(v) for v in out.to_screen(100, 100)))  # type: ignore[arg-type]
    assert r.intel_mode(zoomed) == "points"
    _lo, _hi, mask = r.intel_in_view(zoomed)
    assert int(mask.sum()) <= POINTS_LIMIT
    img = render(data, out)
    cx, cy = (int(v) for v in out.to_screen(2500, 2500))
    assert img.pixelColor(cx, cy) != BACKGROUND  # the hot spot is coloured
    assert near(img.pixelColor(5, 5), BACKGROUND)  # no reports, no colour
    # the hot spot is darker than its fringe
    fx, fy = (int(v) for v in out.to_screen(2500 + 900, 2500))
    assert img.pixelColor(cx, cy).lightness() < img.pixelColor(fx, fy).lightness()


def test_legend_lists_threat_classes_and_markets() -> None:
    data = make_data()
    r = MapRenderer(data)
    state = MapViewState.fit(data.extent, (400, 200))
    sections = dict(r.legend_entries(state))
    assert [e[0] for e in sections["Active OCGs"]] == ["3–4", "1–2", "0"]  # highest first
    assert any("Drugs" in e[0] for e in sections["OCG locations (primary market)"])


def test_selected_ocg_is_ringed() -> None:
    data = make_data()
    state = plain(MapViewState.fit(data.extent, (400, 200)), "ocgs")
    x, y = (float(v) for v in state.to_screen(2500, 2500))
    before = render(data, state)
    after = render(data, replace(state, selected_ocg=7))
    changed = sum(
        before.pixelColor(int(x + dx), int(y)) != after.pixelColor(int(x + dx), int(y))
        for dx in range(5, 16)
    )
    assert changed > 0


def test_a_sampled_layer_is_only_ever_a_density_surface() -> None:
    xy = np.array([[2500.0, 2500.0], [2600.0, 2600.0]])
    data = make_data(xy)
    sampled = replace(data, intel=replace(data.intel, reports=50_000))
    state = MapViewState.fit(data.extent, (400, 200))
    assert MapRenderer(data).intel_mode(state) == "points"
    assert MapRenderer(sampled).intel_mode(state) == "density"
