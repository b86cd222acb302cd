"""Neighbourhood briefings on the real public data (issue 16): the neighbourhood fills the map,
with its name, its neighbours' names and the place names inside it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import shapely

from socmap.cli import main
from socmap.domain.groups import Location, Ocg, Status

pytestmark = pytest.mark.shared_data


def _label_point(shared: Path, ward: str, lad: str) -> tuple[float, float]:
    doc = json.loads((shared / "west-mercia-wards-2013.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:
        p = f["properties"]
        if p["ward_name"] == ward and p["lad_name"] == lad:
            return float(p["label_easting"]), float(p["label_northing"])
    raise AssertionError(ward)


@pytest.fixture(scope="module")
def briefing_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared LAD areas, wards and GeoNames places, and two groups in Shrewsbury."""
    from socmap.services import neighbourhoods, places, register
    from socmap.services.boundaries import import_boundaries
    from socmap.store import areas
    from socmap.store.db import open_store
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / "west-mercia-wards-2013.geojson").exists():
        pytest.skip("shared data not available")
    path = tmp_path_factory.mktemp("nb") / "force.db"
    store = open_store(path)
    import_boundaries(
        store,
        SHARED_DATA / "west-mercia-lad.geojson",
        name_field="lpa_name",
        attribution="Contains ONS data (OGL v3)",
    )
    neighbourhoods.import_neighbourhoods(
        store,
        SHARED_DATA / "west-mercia-wards-2013.geojson",
        name_field="ward_name",
        attribution="Contains OS data © Crown copyright and database right 2014",
    )
    places.import_places(
        store,
        SHARED_DATA / "west-mercia-places-geonames.geojson",
        name_field="name",
        attribution="Contains data from GeoNames (geonames.org), CC BY 4.0.",
    )
    shropshire = areas.area_id_by_name(store, "Shropshire")
    for name, market in (("Abbey crew", "drugs"), ("Quarry crew", "theft")):
        ocg, _ = register.create_ocg(
            store,
            Ocg(
                name=name,
                status=Status.ACTIVE,
                primary_market=market,
                lead_area_id=shropshire,
                lro="DI Test",
                identified_on=dt.date(2025, 1, 1),
            ),
        )
        x, y = _label_point(SHARED_DATA, "Abbey", "Shropshire")
        register.add_location(store, Location(ocg.id, "base", x + 10, y + 10))  # type: ignore[arg-type]
    x, y = _label_point(SHARED_DATA, "Quarry and Coton Hill", "Shropshire")
    register.add_location(store, Location(ocg.id, "storage", x, y))  # type: ignore[arg-type]
    store.close()
    return path


def test_groups_of_a_neighbourhood_are_those_with_a_location_in_it(briefing_db: Path) -> None:
    from socmap.services.briefing import neighbourhood_briefing_content
    from socmap.store.db import open_store

    store = open_store(briefing_db)
    content = neighbourhood_briefing_content(
        store, neighbourhood="shropshire/abbey", audience="neighbourhood"
    )
    assert content.title == "Organised crime briefing: Abbey (Shropshire)"
    assert content.total_groups == 2 and all(r.name is None for r in content.rows)
    assert any("(Quarry and Coton Hill)" in r.locations for r in content.rows)
    assert len(content.map_data.markers) == 2
    other = neighbourhood_briefing_content(store, neighbourhood="Tern", audience="internal")
    assert other.total_groups == 0 and len(other.map_data.markers) == 0
    store.close()


@pytest.mark.parametrize(
    ("which", "min_places"),
    [("Tern", 4), ("Church Stretton and Craven Arms", 2), ("Shropshire/Abbey", 0)],
)
def test_neighbourhood_fills_the_map_and_is_named_with_neighbours_and_places(
    briefing_db: Path, which: str, min_places: int
) -> None:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from socmap.export.briefing import draw_briefing_map
    from socmap.services import neighbourhoods as nbs
    from socmap.services.briefing import neighbourhood_briefing_content
    from socmap.store.db import open_store

    store = open_store(briefing_db)
    content = neighbourhood_briefing_content(store, neighbourhood=which, audience="partner")
    nb = nbs.resolve(store, which)
    img = QImage(1000, 900, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0xFFFFFFFF)
    painter = QPainter(img)
    renderer, state = draw_briefing_map(painter, QRectF(0, 0, 1000, 900), content, 160.0)
    painter.end()
    # the neighbourhood fills most of the map: its box spans >= 60 % of the limiting side
    minx, miny, maxx, maxy = state.bounds()
    frac = max(
        (nb.bounds[2] - nb.bounds[0]) / (maxx - minx), (nb.bounds[3] - nb.bounds[1]) / (maxy - miny)
    )
    assert frac >= 0.6
    assert (
        minx <= nb.bounds[0]
        and maxx >= nb.bounds[2]
        and miny <= nb.bounds[1]
        and maxy >= nb.bounds[3]
    )
    drawn = renderer.drawn_labels
    names = [t for k, t, _r in drawn if k == "neighbourhood"]
    assert names[0] == nb.name  # drawn first, never dropped
    # neighbours named: wards that touch Abbey and are in view
    rows = {r.id: r for r in nbs.neighbourhoods(store)}
    from socmap.store import neighbourhoods as nb_store

    geoms = {r.id: shapely.from_wkb(r.geom_wkb) for r in nb_store.neighbourhood_rows(store)}
    touching = {rows[i].name for i, g in geoms.items() if i != nb.id and g.intersects(geoms[nb.id])}
    assert len(set(names[1:]) & touching) >= 3
    # place names inside the neighbourhood are drawn
    places_in = {
        p.name for p in content.map_data.places if geoms[nb.id].contains(shapely.Point(p.x, p.y))
    }
    drawn_places = {t for k, t, _r in drawn if k == "place"}
    assert len(places_in) >= min_places and places_in <= drawn_places
    # no two labels collide
    rects = [r for _k, _t, r in drawn]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b)
    store.close()


def test_cli_neighbourhood_png_and_area_atlas(
    briefing_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PySide6.QtGui import QImage

    out = tmp_path / "abbey.png"
    argv = ["export", "briefing", "--db", str(briefing_db), "--audience", "neighbourhood"]
    assert main([*argv, "--neighbourhood", "Abbey", "-o", str(out)]) == 2
    assert "Shropshire/Abbey" in capsys.readouterr().err  # ambiguous: both named
    assert main([*argv, "--neighbourhood", "Shropshire/Abbey", "-o", str(out)]) == 0
    assert QImage(str(out)).text("Protective marking") == "OFFICIAL-SENSITIVE"
    atlas = tmp_path / "telford.pdf"
    assert main([*argv, "--area", "Telford & Wrekin", "--by-neighbourhood", "-o", str(atlas)]) == 0
    assert "wrote" in capsys.readouterr().out
    from pypdf import PdfReader

    assert len(PdfReader(atlas).pages) == 33
    assert main([*argv, "--all", "--by-neighbourhood", "-o", str(atlas)]) == 2
