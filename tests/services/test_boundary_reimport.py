"""Re-importing boundaries keeps everyone's work (issue 11).

An import matches areas by name (and code), keeps their ids and all that hangs on them, and only
replaces geometry. An area the file no longer holds refuses the import until --rename or --retire
says what becomes of it; retired areas keep their history. Near-duplicate names and overlaps are
reported.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.errors import ImportFailed, ValidationError
from socmap.paths import demo_boundaries
from socmap.services import audit_trail, boundaries, profiles, queries
from socmap.store.db import open_store
from tests.geo_fixtures import db_fingerprint, feature, square, two_squares, write_geojson

#: The analysts' work that hangs on areas in the demo (176 rows on the seed-7 demo).
WORK_TABLES = (
    "profiles",
    "profile_section_versions",
    "profile_contributions",
    "profile_actions",
    "partner_areas",
    "partnership_structures",
    "structure_members",
)


def _work(store) -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    return {
        t: sorted(store.conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
        for t in WORK_TABLES
    }


def _area_ids(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(store.conn.execute("SELECT name, id FROM areas").fetchall())


def _demo_file(
    tmp_path: Path, *, drop: tuple[str, ...] = (), rename: dict[str, str] | None = None
) -> Path:
    doc = json.loads(demo_boundaries().read_text("utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["name"] not in drop]
    for f in doc["features"]:
        f["properties"]["name"] = (rename or {}).get(
            f["properties"]["name"], f["properties"]["name"]
        )
    path = tmp_path / "new-boundaries.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _chain_ok(store) -> None:  # type: ignore[no-untyped-def]
    assert audit_trail.verify(store) is None


@pytest.mark.parametrize("code_field", [None, "lad_codes"])
def test_reimporting_the_same_boundaries_keeps_every_attached_row_and_area_id(
    demo_store, code_field: str | None
) -> None:  # type: ignore[no-untyped-def]
    work, ids = _work(demo_store), _area_ids(demo_store)
    assert sum(len(v) for v in work.values()) == 176
    result, _ = boundaries.import_boundaries(
        demo_store, demo_boundaries(), name_field="name", code_field=code_field
    )
    assert _work(demo_store) == work
    assert _area_ids(demo_store) == ids
    text = "\n".join(result.lines())
    assert "kept 5 areas" in text and "added 0, retired 0" in text
    assert "no areas overlap" in text
    _chain_ok(demo_store)


def test_a_file_missing_an_area_is_refused_listing_what_is_attached(
    demo_path: Path, tmp_path: Path
) -> None:
    path = _demo_file(tmp_path, drop=("Telford & Wrekin",))
    before = db_fingerprint(demo_path)
    store = open_store(demo_path)
    try:
        with pytest.raises(ImportFailed) as err:
            boundaries.import_boundaries(store, path, name_field="name")
        _chain_ok(store)
    finally:
        store.close()
    msg = str(err.value)
    assert "Telford & Wrekin (1 local profile" in msg
    for words in ("profile section version", "4P action", "partner-area link", "OCG lead area"):
        assert words in msg
    assert "--rename OLD=NEW" in msg and "--retire OLD" in msg
    assert "Herefordshire" not in msg
    assert db_fingerprint(demo_path) == before


def test_rename_carries_the_area_and_its_work_over(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    work, ids = _work(demo_store), _area_ids(demo_store)
    path = _demo_file(tmp_path, rename={"Shropshire": "North Shropshire"})
    result, _ = boundaries.import_boundaries(
        demo_store, path, name_field="name", renames=["Shropshire=North Shropshire"]
    )
    after = _area_ids(demo_store)
    assert after["North Shropshire"] == ids["Shropshire"] and "Shropshire" not in after
    assert _work(demo_store) == work
    assert "renamed: 'Shropshire' -> 'North Shropshire' (--rename)" in "\n".join(result.lines())
    assert profiles.find_area(demo_store, "North Shropshire").id == ids["Shropshire"]
    _chain_ok(demo_store)


def test_retired_area_keeps_its_history_and_leaves_current_views(
    demo_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from socmap.domain.errors import NotFoundError
    from socmap.services import briefing, partners
    from socmap.store import map_rows

    work, ids = _work(demo_store), _area_ids(demo_store)
    gone = ids["Telford & Wrekin"]
    sections_before = profiles.sections(demo_store, gone)
    assert sections_before
    from socmap.store import bulk

    with demo_store.atomic():  # an address known only by its area, set by hand
        bulk.insert_rows(demo_store, "nominals", ("surname", "area_id"), [("Byhand", gone)])
    path = _demo_file(tmp_path, drop=("Telford & Wrekin",))
    result, _ = boundaries.import_boundaries(
        demo_store, path, name_field="name", retire=["Telford & Wrekin"]
    )
    # kept, with everything attached
    assert _area_ids(demo_store) == ids
    assert _work(demo_store) == work
    retired = boundaries.area_summaries(demo_store, retired=True)
    assert [(r.id, r.name) for r in retired] == [(gone, "Telford & Wrekin")]
    assert retired[0].retired_on
    # readable
    assert profiles.find_area(demo_store, "telford & wrekin").id == gone
    assert profiles.sections(demo_store, gone) == sections_before
    assert profiles.handling(demo_store, gone) is not None
    # out of current lists, the map, the dashboard, partner tables and point assignment
    assert gone not in {a.id for a in queries.area_list(demo_store)}
    assert gone not in {a.id for a in profiles.area_list(demo_store)}
    assert gone not in {s.area_id for s in profiles.force_status(demo_store)}
    assert gone not in {r[0] for r in map_rows.area_geometries(demo_store)}
    assert gone not in {r.area_id for r in partners.area_partnerships(demo_store)}
    assert "Telford & Wrekin" not in briefing.area_names(demo_store)  # no atlas page
    with pytest.raises(NotFoundError):
        briefing.briefing_content(demo_store, area_name="Telford & Wrekin", audience="internal")
    for table in ("locations", "intel"):
        n = demo_store.conn.execute(
            f"SELECT COUNT(*) FROM {table} WHERE area_id = ?", [gone]
        ).fetchone()[0]
        assert n == 0
    lines = "\n".join(result.lines())
    assert "retired (kept with its history): Telford & Wrekin (1 local profile" in lines
    assert "led from a retired area" in lines
    assert "1 record (nominals or intelligence) without coordinates are in a retired" in lines
    assert demo_store.conn.execute(
        "SELECT area_id FROM nominals WHERE surname = 'Byhand'"
    ).fetchone() == (gone,)
    # a later file that holds the name again brings the same area back
    again, _ = boundaries.import_boundaries(demo_store, demo_boundaries(), name_field="name")
    assert _area_ids(demo_store) == ids
    assert boundaries.area_summaries(demo_store, retired=True) == []
    assert "reinstated a retired area: Telford & Wrekin" in "\n".join(again.lines())
    _chain_ok(demo_store)


@pytest.mark.parametrize(
    ("renames", "retire", "field"),
    [
        (["Nowhere=Herefordshire"], [], "--rename"),
        (["Shropshire=Not In File"], [], "--rename"),
        (["Shropshire"], [], "--rename"),
        (["Shropshire=Herefordshire"], [], "--rename"),
        ([], ["Nowhere"], "--retire"),
        ([], ["Herefordshire"], "--retire"),
    ],
)
def test_bad_rename_or_retire_is_refused_unchanged(
    demo_path: Path, tmp_path: Path, renames: list[str], retire: list[str], field: str
) -> None:
    path = _demo_file(tmp_path, drop=("Shropshire",))
    before = db_fingerprint(demo_path)
    store = open_store(demo_path)
    try:
        with pytest.raises(ValidationError) as err:
            boundaries.import_boundaries(
                store, path, name_field="name", renames=renames, retire=retire
            )
    finally:
        store.close()
    assert err.value.field == field
    assert db_fingerprint(demo_path) == before


def test_codes_match_first_and_the_file_names_the_area(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def squares(path: Path, names: tuple[str, str]) -> Path:
        return write_geojson(
            path,
            [
                feature(
                    {"name": names[0], "code": "E1"},
                    {"type": "Polygon", "coordinates": square(390000, 250000, 10000)},
                ),
                feature(
                    {"name": names[1], "code": "E2"},
                    {"type": "Polygon", "coordinates": square(400000, 250000, 10000)},
                ),
            ],
        )

    boundaries.import_boundaries(
        store,
        squares(tmp_path / "a.geojson", ("West", "East")),
        name_field="name",
        code_field="code",
    )
    ids = _area_ids(store)
    # the names swap: by code, each area keeps its id and takes the file's name
    result, _ = boundaries.import_boundaries(
        store,
        squares(tmp_path / "b.geojson", ("Westside", "West")),
        name_field="name",
        code_field="code",
    )
    assert _area_ids(store) == {"Westside": ids["West"], "West": ids["East"]}
    assert "renamed: 'East' -> 'West' (same code)" in "\n".join(result.lines())


def test_names_differing_only_by_case_or_spaces_are_reported(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    boundaries.import_boundaries(store, two_squares(tmp_path / "a.geojson"), name_field="name")
    ids = _area_ids(store)
    path = write_geojson(
        tmp_path / "b.geojson",
        [
            feature(
                {"name": "west "}, {"type": "Polygon", "coordinates": square(390000, 250000, 5000)}
            ),
            feature(
                {"name": "WEST"}, {"type": "Polygon", "coordinates": square(395000, 250000, 5000)}
            ),
            feature(
                {"name": "East"}, {"type": "Polygon", "coordinates": square(400000, 250000, 10000)}
            ),
        ],
    )
    result, _ = boundaries.import_boundaries(store, path, name_field="name")
    text = "\n".join(result.lines())
    assert "dissolved into one area 'west': 'WEST', 'west '" in text
    assert "'west' in the file differs from the area 'West' only by case or spaces" in text
    assert _area_ids(store) == ids  # matched, not added; the area keeps its name


def test_overlaps_beyond_a_sliver_are_reported(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_geojson(
        tmp_path / "o.geojson",
        [
            feature(
                {"name": "A"}, {"type": "Polygon", "coordinates": square(390000, 250000, 10000)}
            ),
            feature(
                {"name": "B"}, {"type": "Polygon", "coordinates": square(398000, 250000, 10000)}
            ),
            # 0.5 m strip along C's edge with A's neighbour: a sliver, not reported
            feature(
                {"name": "C"}, {"type": "Polygon", "coordinates": square(407999.5, 250000, 10000)}
            ),
        ],
    )
    result, _ = boundaries.import_boundaries(store, path, name_field="name")
    text = "\n".join(result.lines())
    assert "1 pair of areas overlap by more than a sliver" in text
    assert "'A' and 'B' overlap by 20.00 km2 (20.0% of the smaller)" in text
    assert "'C'" not in text.split("overlap by more than a sliver")[1]


def test_demo_database_left_behind_verifies(demo_path: Path, tmp_path: Path) -> None:
    store = open_store(demo_path)
    try:
        boundaries.import_boundaries(
            store,
            _demo_file(tmp_path, drop=("Telford & Wrekin",), rename={"Shropshire": "Salop"}),
            name_field="name",
            renames={"Shropshire": "Salop"},
            retire=["Telford & Wrekin"],
        )
    finally:
        store.close()
    conn = sqlite3.connect(demo_path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    store = open_store(demo_path)
    try:
        _chain_ok(store)
    finally:
        store.close()


def test_an_ocg_led_from_a_retired_area_can_still_be_edited(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from socmap.services import register

    gone = _area_ids(demo_store)["Telford & Wrekin"]
    boundaries.import_boundaries(
        demo_store,
        _demo_file(tmp_path, drop=("Telford & Wrekin",)),
        name_field="name",
        retire=["Telford & Wrekin"],
    )
    led = next(r.id for r in queries.register(demo_store) if r.lead_area == "Telford & Wrekin")
    ocg = queries.get_ocg(demo_store, led)
    saved, _ = register.update_ocg(demo_store, dataclasses.replace(ocg, notes="still here"))
    assert saved.lead_area_id == gone
    other = next(r.id for r in queries.register(demo_store) if r.lead_area == "Herefordshire")
    with pytest.raises(ValidationError):
        register.update_ocg(
            demo_store, dataclasses.replace(queries.get_ocg(demo_store, other), lead_area_id=gone)
        )
