"""Place names (issue 16): preview, import with progress, guessed and refused fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socmap.domain.errors import ImportFailed
from socmap.services import places
from socmap.store import audit

pytestmark = pytest.mark.shared_data


class _Progress:
    def __init__(self) -> None:
        self.steps: list[tuple[int, int]] = []
        self.texts: list[str] = []
        self.cancelled = False

    def advance(self, done: int, total: int) -> None:
        self.steps.append((done, total))

    def status(self, text: str) -> None:
        self.texts.append(text)


def _os_names_like(shared_data: Path, target: Path) -> Path:
    """The GeoNames places with OS Open Names-like LOCAL_TYPE and a population for some."""
    doc = json.loads((shared_data / "west-mercia-places-geonames.geojson").read_text())
    for i, f in enumerate(doc["features"]):
        p = f["properties"]
        p["LOCAL_TYPE"] = {"Shrewsbury": "City", "Telford": "Town"}.get(p["name"], "Village")
        p["population"] = 76_000 if p["name"] == "Shrewsbury" else (2_000 if i % 2 else None)
    target.write_text(json.dumps(doc))
    return target


def test_preview_ranks_places_as_the_map_will(shared_data: Path, tmp_path: Path) -> None:
    path = _os_names_like(shared_data, tmp_path / "names.geojson")
    preview = places.preview_places(path, name_field="name")
    assert preview.kind_field == "LOCAL_TYPE" and preview.population_field == "population"
    assert len(preview.rows) == 346
    assert preview.rows[0][:3] == ("Shrewsbury", "City", 76_000)
    assert preview.rows[0][3] == 3  # 76,000 people: a town by population
    assert "Labels sized by 'LOCAL_TYPE' and 'population'" in preview.lines()[1]
    plain = places.preview_places(path, name_field="name", kind_field="", population_field="")
    assert plain.kind_field is None and plain.population_field is None
    assert {r[3] for r in plain.rows} == {2}
    assert "every place drawn alike" in plain.lines()[1]


def test_import_reports_progress_and_is_audited(store, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    progress = _Progress()
    result, _ = places.import_places(
        store,
        shared_data / "west-mercia-places-geonames.geojson",
        name_field="name",
        attribution="Contains data from GeoNames (geonames.org), CC BY 4.0",
        progress=progress,
    )
    assert result.places == 346 == len(places.places(store))
    assert progress.steps == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert progress.texts[0].startswith("Reading") and progress.texts[-1].startswith("Writing")
    [row] = audit.rows(store, entity="places")
    assert "346 places" in row.summary


def test_a_nameless_place_is_refused_by_row_and_field(
    store, shared_data: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((shared_data / "west-mercia-places-geonames.geojson").read_text())
    doc["features"][2]["properties"]["name"] = "  "
    bad = tmp_path / "places.geojson"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ImportFailed) as caught:
        places.import_places(store, bad, name_field="name")
    assert str(caught.value) == f"{bad}, row 3, field 'name': the feature has no name"
    assert places.places(store) == []
    assert audit.rows(store, entity="places") == []
