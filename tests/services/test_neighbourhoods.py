"""Neighbourhoods inside areas (issue 16): import, names per area, assignment, re-import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from socmap.cli import main
from socmap.domain.errors import ImportFailed, NotFoundError, ValidationError
from socmap.domain.groups import Location, Ocg
from socmap.services import neighbourhoods as nbs
from socmap.services import register
from socmap.services.boundaries import import_boundaries
from socmap.store import neighbourhoods as nb_store
from tests.geo_fixtures import db_fingerprint, feature, square, two_squares, write_geojson


def _quarters(path: Path, *, names: tuple[str, ...] = ("NW", "NE", "SW", "SE")) -> Path:
    """Each 10 km area of ``two_squares`` split into two 5 km-wide halves (four wards)."""
    boxes = [(390000, 250000), (395000, 250000), (400000, 250000), (405000, 250000)]
    feats = []
    for (x, y), name in zip(boxes, names, strict=True):
        ring = [[x, y], [x + 5000, y], [x + 5000, y + 10000], [x, y + 10000], [x, y]]
        feats.append(feature({"ward": name}, {"type": "Polygon", "coordinates": [ring]}))
    return write_geojson(path, feats)


@pytest.fixture
def two_area_store(store, tmp_path: Path):  # type: ignore[no-untyped-def]
    import_boundaries(store, two_squares(tmp_path / "areas.geojson"), name_field="name")
    return store


def test_same_name_in_two_areas_stays_two_neighbourhoods(two_area_store, tmp_path: Path) -> None:
    path = _quarters(tmp_path / "wards.geojson", names=("Abbey", "Central", "Abbey", "Central"))
    result, _ = nbs.import_neighbourhoods(two_area_store, path, name_field="ward")
    found = {(n.area, n.name): n.area_km2 for n in nbs.neighbourhoods(two_area_store)}
    assert found == {
        ("East", "Abbey"): pytest.approx(50.0),
        ("East", "Central"): pytest.approx(50.0),
        ("West", "Abbey"): pytest.approx(50.0),
        ("West", "Central"): pytest.approx(50.0),
    }
    assert result.neighbourhoods == 4
    with pytest.raises(ValidationError, match=r"East/Abbey.*West/Abbey"):
        nbs.resolve(two_area_store, "Abbey")
    assert nbs.resolve(two_area_store, "west/abbey").area == "West"
    with pytest.raises(NotFoundError):
        nbs.resolve(two_area_store, "Nowhere")


def test_same_name_twice_inside_one_area_is_one_dissolved_neighbourhood(
    two_area_store, tmp_path: Path
) -> None:
    path = _quarters(tmp_path / "wards.geojson", names=("Abbey", "Abbey", "X", "Y"))
    nbs.import_neighbourhoods(two_area_store, path, name_field="ward")
    west = [n for n in nbs.neighbourhoods(two_area_store) if n.area == "West"]
    assert [(n.name, round(n.area_km2)) for n in west] == [("Abbey", 100)]


def test_a_straddling_feature_goes_to_the_area_holding_most_and_is_reported(
    two_area_store, tmp_path: Path
) -> None:
    ring = [[396000, 250000], [402000, 250000], [402000, 255000], [396000, 255000]]
    path = write_geojson(
        tmp_path / "w.geojson",
        [feature({"ward": "Bridge"}, {"type": "Polygon", "coordinates": [[*ring, ring[0]]]})],
    )
    result, _ = nbs.import_neighbourhoods(two_area_store, path, name_field="ward")
    (only,) = nbs.neighbourhoods(two_area_store)
    assert only.area == "West"
    assert any("Bridge" in s and "West 67%" in s and "East 33%" in s for s in result.straddling)
    assert any("straddle" in line for line in result.lines())


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_nameless_feature_is_refused_by_row_and_nothing_changes(
    tmp_path: Path, blank: object
) -> None:
    from socmap.store.db import open_store

    db = tmp_path / "f.db"
    s = open_store(db)
    import_boundaries(s, two_squares(tmp_path / "areas.geojson"), name_field="name")
    s.close()
    before = db_fingerprint(db)
    feats = [
        feature({"ward": "A"}, {"type": "Polygon", "coordinates": square(390000, 250000, 5000)}),
        feature({"ward": blank}, {"type": "Polygon", "coordinates": square(395000, 250000, 5000)}),
        feature({"ward": blank}, {"type": "Polygon", "coordinates": square(400000, 250000, 5000)}),
    ]
    path = write_geojson(tmp_path / "w.geojson", feats)
    s = open_store(db)
    with pytest.raises(ImportFailed, match=r"row 2, field 'ward'.*no name"):
        nbs.import_neighbourhoods(s, path, name_field="ward")
    s.close()
    assert db_fingerprint(db) == before


def test_outside_every_area_is_refused(two_area_store, tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "w.geojson",
        [feature({"ward": "Far"}, {"type": "Polygon", "coordinates": square(100000, 100000, 10)})],
    )
    with pytest.raises(ImportFailed, match=r"row 1.*outside every area"):
        nbs.import_neighbourhoods(two_area_store, path, name_field="ward")


def test_every_located_table_is_covered() -> None:
    """Discovers the schema's located tables: every one must get a neighbourhood."""
    from socmap.store.db import open_store

    s = open_store(":memory:")
    located = {
        t
        for (t,) in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if {"area_id"} <= {r[1] for r in s.conn.execute(f'PRAGMA table_info("{t}")')}
        and {r[1] for r in s.conn.execute(f'PRAGMA table_info("{t}")')}
        & {"easting", "address_x", "x"}
    }
    s.close()
    assert located == set(nb_store.LOCATED)


def test_rows_get_their_neighbourhood_on_every_write_and_keep_it_on_reimport(
    two_area_store, tmp_path: Path
) -> None:
    store = two_area_store
    path = _quarters(tmp_path / "wards.geojson")
    nbs.import_neighbourhoods(store, path, name_field="ward")
    ids = {n.name: n.id for n in nbs.neighbourhoods(store)}
    ocg, _ = register.create_ocg(store, Ocg(name="Crew"))
    assert ocg.id is not None
    loc, _ = register.add_location(store, Location(ocg.id, "base", 406000.0, 251000.0))
    assert nbs.neighbourhood_of(store, "locations", loc.id or 0) == ids["SE"]
    assert nbs.ocg_ids_in(store, ids["SE"]) == {ocg.id}
    # re-import with the same (area, name): same ids, work stays attached
    nbs.import_neighbourhoods(store, path, name_field="ward")
    assert {n.name: n.id for n in nbs.neighbourhoods(store)} == ids
    assert nbs.neighbourhood_of(store, "locations", loc.id or 0) == ids["SE"]
    # a ward dropped from the file: the location stays (no cascade), its reference clears
    nbs.import_neighbourhoods(
        store,
        _quarters(tmp_path / "w2.geojson", names=("NW", "NE", "SW", "Other")),
        name_field="ward",
    )
    assert store.conn.execute("SELECT COUNT(*) FROM locations").fetchone()[0] == 1
    new_ids = {n.name: n.id for n in nbs.neighbourhoods(store)}
    assert new_ids["NW"] == ids["NW"] and "SE" not in new_ids
    assert nbs.neighbourhood_of(store, "locations", loc.id or 0) == new_ids["Other"]


def test_no_cascade_from_neighbourhoods_into_work() -> None:
    """Every foreign key into neighbourhoods is ON DELETE SET NULL (discovered, not listed)."""
    from socmap.store.db import open_store

    s = open_store(":memory:")
    found = []
    for (t,) in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for fk in s.conn.execute(f'PRAGMA foreign_key_list("{t}")'):
            if fk[2] == "neighbourhoods":
                found.append((t, fk[6]))
    s.close()
    assert found and all(action == "SET NULL" for _t, action in found)


@pytest.mark.shared_data
def test_real_wards_into_real_areas(shared_data: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from socmap.store.db import open_store

    db = tmp_path / "f.db"
    open_store(db).close()
    lad = shared_data / "west-mercia-lad.geojson"
    assert main(["areas", "import", str(lad), "--db", str(db), "--name-field", "lpa_name"]) == 0
    wards = shared_data / "west-mercia-wards-2013.geojson"
    argv = ["neighbourhoods", "import", str(wards), "--db", str(db), "--name-field", "ward_name"]
    assert main(argv) == 0
    assert "imported 257 neighbourhood(s)" in capsys.readouterr().out
    assert main(["neighbourhoods", "list", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 257 and all(set(r) == {"name", "area", "area_km2"} for r in rows)
    for name in ("Abbey", "Central", "Hagley", "Bowbrook", "West"):
        assert len({r["area"] for r in rows if r["name"] == name}) == 2, name
    per_area: dict[str, float] = {}
    for r in rows:
        per_area[r["area"]] = per_area.get(r["area"], 0.0) + r["area_km2"]
    assert per_area["Telford & Wrekin"] == pytest.approx(290.3, rel=0.002)
    assert per_area["North Worcestershire"] == pytest.approx(466.7, rel=0.002)
    conn = sqlite3.connect(db)
    assert (
        conn.execute("SELECT COUNT(*) FROM neighbourhoods WHERE area_id IS NULL").fetchone()[0] == 0
    )
    conn.close()


def test_imported_intelligence_and_moved_rows_get_their_neighbourhood(
    two_area_store, tmp_path: Path
) -> None:
    from socmap.services.intel_import import import_intel

    store = two_area_store
    nbs.import_neighbourhoods(store, _quarters(tmp_path / "wards.geojson"), name_field="ward")
    ids = {n.name: n.id for n in nbs.neighbourhoods(store)}
    csv = tmp_path / "intel.csv"
    csv.write_text(
        "date,type,easting,northing\n"
        "2026-01-02,Drugs,391000,251000\n"
        "2026-01-03,Drugs,409000,259000\n"
        "2026-01-04,Drugs,100000,100000\n",
        encoding="utf-8",
    )
    import_intel(store, csv)
    got = dict(store.conn.execute("SELECT northing, neighbourhood_id FROM intel").fetchall())
    assert got == {251000.0: ids["NW"], 259000.0: ids["SE"], 100000.0: None}
    # a row that moves loses its old neighbourhood (schema trigger) and sync gives the new one
    with store.atomic():
        store.conn.execute("UPDATE intel SET easting = 396000 WHERE northing = 251000")
    assert store.conn.execute(
        "SELECT neighbourhood_id FROM intel WHERE northing = 251000"
    ).fetchone() == (None,)
    with store.atomic():
        nbs.sync(store)
    assert store.conn.execute(
        "SELECT neighbourhood_id FROM intel WHERE northing = 251000"
    ).fetchone() == (ids["NE"],)


def test_demo_rows_all_have_their_neighbourhood(demo_store) -> None:  # type: ignore[no-untyped-def]
    """The demo's real wards: every located row inside a ward carries it (discovered tables)."""
    for table in nb_store.LOCATED:
        ids, x, y, area = nb_store.located_rows(demo_store, table)
        want = nbs.assign_points(nbs._indexes(demo_store), x, y, area)
        have = dict(
            demo_store.conn.execute(f'SELECT id, COALESCE(neighbourhood_id, 0) FROM "{table}"')
        )
        assert [have[int(i)] for i in ids] == want.tolist(), table
        assert (want != 0).sum() >= 0.9 * len(ids), table


def test_areas_reimport_keeps_neighbourhoods_and_their_rows(two_area_store, tmp_path: Path) -> None:
    store = two_area_store
    nbs.import_neighbourhoods(store, _quarters(tmp_path / "wards.geojson"), name_field="ward")
    before = {n.id: (n.area, n.name) for n in nbs.neighbourhoods(store)}
    ocg, _ = register.create_ocg(store, Ocg(name="Crew"))
    loc, _ = register.add_location(store, Location(ocg.id, "base", 406000.0, 251000.0))  # type: ignore[arg-type]
    # the same two areas again, renamed: neighbourhoods follow their outlines, ids kept
    import_boundaries(
        store,
        two_squares(tmp_path / "again.geojson", names=("Westshire", "Eastshire")),
        name_field="name",
        renames={"West": "Westshire", "East": "Eastshire"},  # a renamed area keeps its work
    )
    after = {n.id: (n.area, n.name) for n in nbs.neighbourhoods(store)}
    assert set(after) == set(before)
    assert {a for a, _n in after.values()} == {"Westshire", "Eastshire"}
    assert after[nbs.neighbourhood_of(store, "locations", loc.id or 0) or 0] == ("Eastshire", "SE")


def test_retiring_an_area_keeps_its_neighbourhoods_with_it(two_area_store, tmp_path: Path) -> None:
    """A retired area keeps its neighbourhoods (its history); none is detached or moved into a
    neighbouring area, while the current areas' neighbourhoods are re-derived."""
    store = two_area_store
    nbs.import_neighbourhoods(store, _quarters(tmp_path / "wards.geojson"), name_field="ward")
    before = {n.id: (n.area, n.name) for n in nbs.neighbourhoods(store)}
    # West grows over East's SW ward and part of SE; East is no longer in the file
    ring = [[390000, 250000], [407000, 250000], [407000, 260000], [390000, 260000]]
    path = write_geojson(
        tmp_path / "west_only.geojson",
        [feature({"name": "West"}, {"type": "Polygon", "coordinates": [[*ring, ring[0]]]})],
    )
    import_boundaries(store, path, name_field="name", retire=["East"])
    after = {n.id: (n.area, n.name) for n in nbs.neighbourhoods(store)}
    assert after == before
    assert all(n.area_id is not None for n in nbs.neighbourhoods(store))


def test_cli_ocg_list_by_neighbourhood(demo_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from socmap.store.db import open_store

    s = open_store(demo_path)
    nb = nbs.resolve(s, "Edgmond")
    inside = nbs.ocg_ids_in(s, nb.id)
    s.close()
    argv = ["ocg", "list", "--db", str(demo_path), "--json", "--neighbourhood"]
    assert main([*argv, "Telford & Wrekin/Edgmond"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["id"] for r in rows} == inside
    assert main([*argv, "Nowhere at all"]) == 3
    assert "no neighbourhood called 'Nowhere at all'" in capsys.readouterr().err
