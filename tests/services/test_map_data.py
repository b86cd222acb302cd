"""The map's read model: areas, threat shading, markers and intelligence, by audience."""

from __future__ import annotations

import numpy as np
import pytest

from socmap.domain.errors import ValidationError
from socmap.services import map_data
from socmap.services.map_data import (
    ActiveOcgCount,
    HighestBand,
    count_classes,
    intel_allowed,
    load_map_data,
)
from socmap.store import map_rows


def test_loads_areas_threat_markers_and_intel(demo_store) -> None:  # type: ignore[no-untyped-def]
    data = load_map_data(demo_store, metric=ActiveOcgCount())
    conn = demo_store.conn
    assert {a.name for a in data.areas} == {r[0] for r in conn.execute("SELECT name FROM areas")}
    for a in data.areas:
        assert a.rings and all(r.shape[1] == 2 for r in a.rings)
        minx, miny, maxx, maxy = a.bounds
        assert minx <= a.label_xy[0] <= maxx and miny <= a.label_xy[1] <= maxy
    # threat: active OCGs whose lead area it is
    expected = dict(
        conn.execute(
            "SELECT lead_area_id, COUNT(*) FROM ocgs WHERE status='active' GROUP BY lead_area_id"
        ).fetchall()
    )
    assert data.threat.kind == "count"
    for a in data.areas:
        cls = data.threat.area_class[a.id]
        label = data.threat.labels[cls]
        lo, _, hi = label.partition("–")
        assert int(lo) <= expected.get(a.id, 0) <= int(hi or lo)
        assert data.threat.area_text[a.id].startswith(f"{expected.get(a.id, 0)} active")
    # one marker per location, each with its OCG
    n_loc = conn.execute("SELECT COUNT(*) FROM locations").fetchone()[0]
    assert len(data.markers) == n_loc
    k = 5
    loc = conn.execute(
        "SELECT ocg_id, easting, northing FROM locations WHERE id = ?",
        [int(data.markers.location_id[k])],
    ).fetchone()
    assert (int(data.markers.ocg_id[k]), data.markers.x[k], data.markers.y[k]) == loc
    archived = {r[0] for r in conn.execute("SELECT id FROM ocgs WHERE status='archived'")}
    assert set(data.markers.ocg_id[~data.markers.active].tolist()) <= archived
    # intelligence: numpy arrays sorted by x
    n_intel = conn.execute("SELECT COUNT(*) FROM intel WHERE easting IS NOT NULL").fetchone()[0]
    assert len(data.intel) == n_intel
    assert np.all(np.diff(data.intel.x) >= 0)
    assert data.intel.category.max() < len(data.intel.categories)
    # every record type counts (issue 13); the demo has memberships starting after its as-of
    assert data.latest_date == map_rows.latest_record_date(demo_store)
    assert data.latest_date >= "2026-11-01"


def test_partner_data_drops_restricted_intel_and_home_addresses(demo_store) -> None:  # type: ignore[no-untyped-def]
    internal = load_map_data(demo_store)
    partner = load_map_data(demo_store, audience="partner")
    neighbourhood = load_map_data(demo_store, audience="neighbourhood")
    allowed = sum(
        intel_allowed(s or "", g or "", h or "", "partner", m) * n
        for s, g, h, m, n in demo_store.conn.execute(
            "SELECT grading_scheme, grade, handling, marking, COUNT(*) FROM intel"
            " WHERE easting IS NOT NULL GROUP BY 1, 2, 3, 4"
        )
    )
    assert len(partner.intel) == allowed < len(neighbourhood.intel) <= len(internal.intel)
    kinds = {partner.markers.kinds[int(k)] for k in partner.markers.kind}
    assert "base" not in kinds
    assert "base" in {internal.markers.kinds[int(k)] for k in internal.markers.kind}


def test_area_filter_keeps_only_that_area(demo_store) -> None:  # type: ignore[no-untyped-def]
    aid = demo_store.conn.execute("SELECT id FROM areas WHERE name='Shropshire'").fetchone()[0]
    data = load_map_data(demo_store, area_id=aid)
    assert set(data.markers.area_id.tolist()) == {aid}
    n = demo_store.conn.execute("SELECT COUNT(*) FROM intel WHERE area_id=?", [aid]).fetchone()[0]
    assert len(data.intel) == n
    assert len(data.areas) == 5  # neighbours stay on the map for context


@pytest.mark.parametrize(
    ("scheme", "grade", "handling", "audience", "ok"),
    [
        ("3x5x2", "1B", "P", "partner", True),
        ("3x5x2", "1B", "C", "partner", True),  # shared with the conditions note
        ("3x5x2", "1B", "C", "neighbourhood", True),
        ("3x5x2", "1E", "P", "partner", False),  # suspected false
        ("5x5x5", "B5", "2", "partner", False),  # suspected false
        ("5x5x5", "B2", "1", "partner", False),  # law enforcement only
        ("", "", "", "neighbourhood", True),  # ungraded (police.uk): police need to know
        ("5x5x5", "B2", "2", "partner", True),
        ("5x5x5", "B2", "3", "partner", False),
        ("5x5x5", "B2", "5", "partner", False),
        ("5x5x5", "B2", "5", "neighbourhood", False),
        ("5x5x5", "B2", "4", "neighbourhood", True),
        ("5x5x5", "B23", "", "partner", False),  # legacy: handling as a third character
        ("5x5x5", "B22", "", "partner", True),
        ("5x5x5", "B21", "", "partner", False),
        ("", "", "", "partner", False),  # ungraded: not for sharing
        ("", "", "", "internal", True),
    ],
)
def test_intel_handling_by_audience(
    scheme: str, grade: str, handling: str, audience: str, ok: bool
) -> None:
    assert intel_allowed(scheme, grade, handling, audience) is ok


def test_unknown_audience_is_refused(demo_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="audience"):
        load_map_data(demo_store, audience="press")


def test_count_classes_cover_every_count() -> None:
    assert count_classes(0) == [(0, 0)]
    for top in (1, 3, 4, 17, 250):
        classes = count_classes(top)
        assert classes[0] == (0, 0)
        covered = [v for lo, hi in classes for v in range(lo, hi + 1)]
        assert covered[: top + 1] == list(range(top + 1))
        assert len(classes) <= 5


def test_approved_bands_shade_by_highest_band(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import scoring

    bands = scoring.current_bands(demo_store)
    assert bands, "the demo approves some assessments"
    data = load_map_data(demo_store)
    assert data.threat.kind == "band"
    assert data.band_order[-1] == "1A" and data.band_order[0] == max(data.band_order)
    lead = dict(
        demo_store.conn.execute(
            "SELECT id, lead_area_id FROM ocgs WHERE status='active'"
        ).fetchall()
    )
    for a in data.areas:
        mine = [bands[o] for o, area in lead.items() if area == a.id and o in bands]
        cls = data.threat.area_class[a.id]
        if mine:
            assert data.threat.labels[cls] == min(mine)  # "1A" sorts first: the highest
        else:
            assert cls == -1
    oid = next(iter(bands))
    assert data.ocgs[oid].band == bands[oid] and data.ocgs[oid].category == bands[oid]


def test_band_source_switches_the_shading_and_marker_category(demo_store) -> None:  # type: ignore[no-untyped-def]
    active = [r[0] for r in demo_store.conn.execute("SELECT id FROM ocgs WHERE status='active'")]
    bands = {oid: ("A" if i % 3 == 0 else "C") for i, oid in enumerate(active)}
    map_data.set_band_source(lambda store: bands, order=("C", "B", "A"))
    try:
        assert isinstance(map_data.default_metric(), HighestBand)
        data = load_map_data(demo_store)
        assert data.threat.kind == "band"
        assert data.threat.labels == ("C", "B", "A")
        assert set(data.threat.area_class.values()) <= {0, 2, -1}
        assert data.ocgs[active[0]].band == "A" and data.ocgs[active[0]].category == "A"
        assert ("A", "A") in data.markers.styles
    finally:
        map_data.set_band_source(None)
    assert isinstance(map_data.default_metric(), ActiveOcgCount)
    assert isinstance(map_data.default_metric(demo_store), HighestBand)  # approved assessments


def test_briefing_ranks_by_band_when_bands_exist(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import briefing

    plain = briefing.briefing_content(demo_store, area_name="Shropshire", audience="internal")
    keys = [(r.band or "9", -r.members) for r in plain.rows]
    assert keys == sorted(keys)  # approved bands first (1A highest), then current members
    last = plain.rows[-1].ref
    bands = {int(last.split("-")[1]): "A"}
    map_data.set_band_source(lambda store: bands, order=("C", "B", "A"))
    try:
        banded = briefing.briefing_content(demo_store, area_name="Shropshire", audience="internal")
    finally:
        map_data.set_band_source(None)
    assert banded.rows[0].ref == last and banded.rows[0].band == "A"


def test_lean_load_samples_big_layers_but_counts_every_report(demo_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    aid = demo_store.conn.execute("SELECT id FROM areas WHERE name='Shropshire'").fetchone()[0]
    n = demo_store.conn.execute("SELECT COUNT(*) FROM intel WHERE area_id=?", [aid]).fetchone()[0]
    full = load_map_data(demo_store, area_id=aid, categories=False)
    assert len(full.intel) == full.intel.report_count == n and not full.intel.sampled
    monkeypatch.setattr(map_data, "SAMPLE_ABOVE", 100)
    monkeypatch.setattr(map_data, "SAMPLE_TARGET", 100)
    sample = load_map_data(demo_store, area_id=aid, categories=False)
    assert sample.intel.sampled and sample.intel.report_count == n
    assert 0 < len(sample.intel) < n // 2
    assert set(zip(sample.intel.x.tolist(), sample.intel.y.tolist(), strict=True)) <= set(
        zip(full.intel.x.tolist(), full.intel.y.tolist(), strict=True)
    )
    assert sample.latest_date == full.latest_date
