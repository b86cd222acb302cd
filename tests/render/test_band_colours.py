"""Band colours are fixed per band across every map, legend and export (issue 13 point 4)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from socmap.domain.scoring import parse_policy
from socmap.paths import resources_dir
from socmap.render import chart
from socmap.render.bands import NO_BAND_FILL, band_colour, band_fill
from socmap.render.map import MapRenderer, MapViewState, marker_colour

pytestmark = pytest.mark.usefixtures("qapp")


def grid() -> tuple[str, ...]:
    """Every band the shipped configurations can give, highest first."""
    out: list[str] = []
    for scheme in ("ocgm", "morile"):
        doc = json.loads((resources_dir() / "scoring" / f"{scheme}.json").read_text("utf-8"))
        out.extend(b for b in parse_policy(doc).bands if b not in out)
    return tuple(out)


def close(a: QColor, b: QColor, tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_each_band_keeps_its_colour_whichever_bands_are_present() -> None:
    bands = grid()
    full = tuple(reversed(bands))
    for band in bands:
        ref = band_colour(band, full)
        for size in (1, 2):
            for present in itertools.combinations(bands, size):
                order = tuple(sorted(set(present) | {band}, reverse=True))
                assert band_colour(band, order) == ref, (band, order)
                assert band_fill(band, order) == band_fill(band, full)
    colours = {band_colour(b).name() for b in bands}
    assert len(colours) == len(bands)  # one colour per band
    for b in bands:  # no band looks like "none recorded"
        assert not close(band_fill(b), QColor(NO_BAND_FILL), tol=20), b


def test_every_band_colour_user_agrees() -> None:
    from socmap.ui.models import register_model

    for b in grid():
        assert chart.band_colour(b) == band_colour(b)  # schedule, dialog, history chart
        assert marker_colour("drugs", b) == band_colour(b)  # map markers and their legend
        col = next(c for c in register_model.COLUMNS if c.key == "band")
        row: Any = type("R", (), {"band": b})()
        assert col.background(row) == band_fill(b)  # register rows


def _rate_2b(store: Any, oid: int) -> None:
    from socmap.services import scoring
    from tests.conftest import act_as
    from tests.services.test_scoring import rated

    act_as(store, "analyst.one", "analyst")
    a, _ = scoring.create_assessment(
        store,
        ocg_id=oid,
        scheme="ocgm",
        ratings=rated(
            markets__violence=3,
            markets__drugs=2,
            capability__cash_flow=3,
            capability__geographic_scope=3,
        ),
        on=dt.date(2026, 3, 1),
        submit=True,
    )
    assert a.band == "2B"
    act_as(store, "ds.two", "supervisor")
    scoring.approve_assessment(store, a.id, on=dt.date(2026, 3, 1))


def test_a_force_whose_areas_all_hold_2b_shows_2b(store: Any) -> None:
    from socmap.services.map_data import load_map_data
    from tests.services.test_scoring import new_group

    _rate_2b(store, new_group(store))
    data = load_map_data(store)
    assert data.threat.kind == "band"
    state = MapViewState.fit(data.extent, (300, 300), margin=0.1)
    state = MapViewState(
        state.centre,
        state.scale,
        state.size,
        layers=frozenset({"areas"}),
        legend=False,
        furniture=False,
        attribution=False,
    )
    img = QImage(300, 300, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    MapRenderer(data).render(p, state)
    p.end()
    x, y = (int(v) for v in state.to_screen(500.0, 500.0))
    seen = img.pixelColor(x, y)
    assert close(seen, band_fill("2B"))
    assert not close(seen, QColor(NO_BAND_FILL), tol=20)
    legend = dict(MapRenderer(data).legend_entries(MapViewState.fit(data.extent, (300, 300))))
    (entry,) = [e for e in legend[data.threat.title] if e[0] == "2B"]
    assert entry[1] == band_fill("2B")
