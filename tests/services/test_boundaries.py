"""Replacing areas from a file: transactional, re-matching, reporting, permissions (issue 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from socmap.domain.errors import ImportFailed, PermissionDenied
from socmap.paths import demo_boundaries
from socmap.services import boundaries, queries
from socmap.services.geography import all_ocg_geographies, ocg_geography
from socmap.store.db import open_store
from tests.conftest import act_as
from tests.geo_fixtures import LPA_KM2, db_fingerprint, feature, square, two_squares, write_geojson


def _audit_rows(store) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return store.conn.execute("SELECT action, entity, summary FROM audit ORDER BY id").fetchall()


def test_import_replaces_areas_and_audits(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = two_squares(tmp_path / "b.geojson")
    result, changes = boundaries.import_boundaries(
        store, path, name_field="name", attribution="Test licence"
    )
    assert [a.name for a in queries.area_list(store)] == ["East", "West"]
    summaries = boundaries.area_summaries(store)
    assert [(s.name, round(s.area_km2, 3)) for s in summaries] == [("West", 100.0), ("East", 100.0)]
    assert all(s.attribution == "Test licence" for s in summaries)
    assert not changes.empty
    action, entity, summary = _audit_rows(store)[-1]
    assert (action, entity) == ("import", "areas")
    assert "b.geojson" in summary
    assert any("attribution: Test licence" in line for line in result.lines())


@pytest.mark.shared_data
def test_demo_import_real_lpas_matches_lead_areas_and_reports(
    demo_store, shared_data: Path
) -> None:  # type: ignore[no-untyped-def]
    before = {r.id: r.lead_area for r in queries.register(demo_store)}
    result, _ = boundaries.import_boundaries(
        demo_store, shared_data / "west-mercia-lad.geojson", name_field="lpa_name"
    )
    after = {r.id: r.lead_area for r in queries.register(demo_store)}
    assert after == before  # same five names: every lead area re-matched
    assert {n: round(k, 2) for n, k in result.areas} == LPA_KM2
    rep = result.reassigned
    assert rep.lead_area_lost == ()
    assert rep.locations_total > 0 and rep.intel_total > 0
    # the demo's points were scattered over simplified outlines: some fall outside the real ones
    assert 0 < rep.intel_outside < rep.intel_total
    text = "\n".join(result.lines())
    assert "outside every area" in text


def test_lead_areas_that_vanish_are_reported(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with_lead = [r for r in queries.register(demo_store) if r.lead_area == "Shropshire"]
    assert with_lead
    path = two_squares(tmp_path / "b.geojson", names=("Herefordshire", "Elsewhere"))
    gone = ["Shropshire", "Telford & Wrekin", "North Worcestershire", "South Worcestershire"]
    result, _ = boundaries.import_boundaries(demo_store, path, name_field="name", retire=gone)
    lost = result.reassigned.lead_area_lost
    assert {oid for oid, _name, old in lost if old == "Shropshire"} == {r.id for r in with_lead}
    assert all(old != "Herefordshire" for _o, _n, old in lost)
    assert any("led from a retired area" in line for line in result.lines())
    # the lead area is kept (a retired area), not emptied
    assert {
        r.lead_area for r in queries.register(demo_store) if r.id in {w.id for w in with_lead}
    } == {"Shropshire"}
    assert result.reassigned.anything_unassigned


@pytest.mark.parametrize(
    "breakage",
    ["points", "no_crs", "unknown_crs", "wrong_field", "truncated", "no_polygon"],
)
def test_broken_files_leave_the_database_identical(
    demo_path: Path, tmp_path: Path, breakage: str
) -> None:
    path = two_squares(tmp_path / "b.geojson")
    name_field = "name"
    if breakage == "points":
        write_geojson(path, [feature({"name": "P"}, {"type": "Point", "coordinates": [1, 2]})])
    elif breakage == "no_crs":
        path.write_text(path.read_text().replace('"crs"', '"nocrs"'))
    elif breakage == "unknown_crs":
        path.write_text(path.read_text().replace("EPSG::27700", "EPSG::99999"))
    elif breakage == "wrong_field":
        name_field = "lpa_name"
    elif breakage == "truncated":
        path.write_bytes(path.read_bytes()[:150])
    elif breakage == "no_polygon":
        write_geojson(
            path,
            [
                feature(
                    {"name": "A"}, {"type": "Polygon", "coordinates": square(390000, 250000, 10)}
                ),
                feature({"name": "B"}, {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
            ],
        )
    before = db_fingerprint(demo_path)
    bytes_before = demo_path.read_bytes()
    store = open_store(demo_path)
    try:
        with pytest.raises(ImportFailed) as err:
            boundaries.import_boundaries(store, path, name_field=name_field)
    finally:
        store.close()
    assert "b.geojson" in str(err.value)
    assert db_fingerprint(demo_path) == before
    assert demo_path.read_bytes() == bytes_before


def test_failure_inside_the_transaction_rolls_everything_back(
    demo_store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    areas_before = [a.name for a in queries.area_list(demo_store)]
    audit_before = len(_audit_rows(demo_store))

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(boundaries, "reassign_all", boom)
    with pytest.raises(RuntimeError):
        boundaries.import_boundaries(demo_store, demo_boundaries(), name_field="name")
    assert [a.name for a in queries.area_list(demo_store)] == areas_before
    assert len(_audit_rows(demo_store)) == audit_before


def test_viewer_may_not_import_boundaries(viewer_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    audit_before = _audit_rows(viewer_store)
    with pytest.raises(PermissionDenied):
        boundaries.import_boundaries(
            viewer_store, two_squares(tmp_path / "b.geojson"), name_field="name"
        )
    assert queries.area_list(viewer_store) == []
    assert _audit_rows(viewer_store) == audit_before


def test_analyst_may_not_replace_areas(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    act_as(store, "analyst.two", "analyst")
    with pytest.raises(PermissionDenied):
        boundaries.import_boundaries(store, two_squares(tmp_path / "b.geojson"), name_field="name")


def test_areas_of_operation_follow_locations(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import register

    geos = all_ocg_geographies(demo_store)
    assert geos
    some = next(g for g in geos.values() if g.areas)
    assert ocg_geography(demo_store, some.ocg_id) == some
    assert some.cross_border == (len(some.areas) > 1 or some.outside > 0)
    # add a location far outside the force: the group becomes cross-border at once
    detail = queries.ocg_detail(demo_store, some.ocg_id)
    loc = detail.locations[0]
    import dataclasses

    far = dataclasses.replace(loc, id=None, easting=100000.0, northing=100000.0, area_id=None)
    register.add_location(demo_store, far)
    now = ocg_geography(demo_store, some.ocg_id)
    assert now.outside == some.outside + 1
    assert now.cross_border and now.outside_force
    assert "outside the force" in now.label


def test_no_locations_means_no_areas(store) -> None:  # type: ignore[no-untyped-def]
    g = ocg_geography(store, 12345)
    assert g.areas == () and not g.cross_border
    assert g.label == "no located activity"


def test_rows_without_coordinates_keep_their_area_by_name(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from socmap.store import bulk

    boundaries.import_boundaries(store, two_squares(tmp_path / "a.geojson"), name_field="name")
    west = next(s.id for s in boundaries.area_summaries(store) if s.name == "West")
    with store.atomic():
        bulk.insert_rows(store, "nominals", ("surname", "area_id"), [("Nowhere", west)])
        bulk.insert_rows(
            store,
            "nominals",
            ("surname", "address_x", "address_y"),
            [("Located", 405000.0, 255000.0)],
        )
    # the same names again, from another file: the hand-set area follows its name
    path = two_squares(tmp_path / "b.geojson", names=("East", "West"))
    result, _ = boundaries.import_boundaries(store, path, name_field="name")
    names = {s.id: s.name for s in boundaries.area_summaries(store)}
    rows = dict(store.conn.execute("SELECT surname, area_id FROM nominals").fetchall())
    assert names[rows["Nowhere"]] == "West"
    assert (
        names[rows["Located"]] == "West"
    )  # the squares swapped names: (405000, 255000) is now "West"
    assert result.reassigned.nominals_total == 1


class _CancelWhenAssigning:
    """A progress that asks to stop once re-assignment has begun."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def advance(self, done: int, total: int) -> None:
        pass

    def status(self, text: str) -> None:
        self.seen.append(text)

    @property
    def cancelled(self) -> bool:
        return any("intelligence points" in s for s in self.seen)


def test_cancelling_while_reassigning_changes_nothing(demo_path: Path, tmp_path: Path) -> None:
    from socmap.domain.errors import Cancelled

    before = db_fingerprint(demo_path)
    store = open_store(demo_path)
    progress = _CancelWhenAssigning()
    try:
        with pytest.raises(Cancelled):
            boundaries.import_boundaries(
                store, demo_boundaries(), name_field="name", progress=progress
            )
    finally:
        store.close()
    assert any("OCG locations" in s for s in progress.seen)
    assert db_fingerprint(demo_path) == before
