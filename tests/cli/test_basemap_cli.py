"""socmap basemap add/list/briefings/remove (issue 16): grids, the briefing choice, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socmap.cli import main
from tests.geo_fixtures import db_fingerprint


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from socmap.store.db import open_store

    path = tmp_path / "force.db"
    open_store(path).close()
    return path


def _list(db: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["basemap", "list", "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_os_maps_api_in_british_national_grid_kept_out_of_briefings(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://api.os.uk/maps/raster/v1/wmts?key=KEY"
    assert (
        main(
            [
                "basemap",
                "add",
                "wmts",
                url,
                "--db",
                str(db),
                "--layer",
                "Road_27700",
                "--grid",
                "EPSG:27700",
                "--attribution",
                "Contains OS data © Crown copyright and database right",
            ]
        )
        == 0
    )
    assert "WMTS (British National Grid), layer Road_27700" in capsys.readouterr().out
    zxy = "https://api.os.uk/maps/raster/v1/zxy/Outdoor_27700/{z}/{x}/{y}.png?key=KEY"
    assert main(["basemap", "add", "xyz", zxy, "--db", str(db), "--grid", "bng"]) == 0
    [wmts, xyz] = _list(db, capsys)
    assert (wmts["grid"], wmts["in_briefings"], xyz["grid"]) == ("EPSG:27700", True, "EPSG:27700")
    assert main(["basemap", "briefings", str(wmts["id"]), "no", "--db", str(db)]) == 0
    assert "left out of briefings" in capsys.readouterr().out
    assert [x["in_briefings"] for x in _list(db, capsys)] == [False, True]
    assert main(["basemap", "remove", str(xyz["id"]), "--db", str(db)]) == 0
    assert [x["name"] for x in _list(db, capsys)] == ["Road_27700"]


def test_refusals_are_one_line_and_change_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = db_fingerprint(db)
    cases = [
        (["xyz", "https://t.example/{z}/{x}/{y}.png", "--grid", "EPSG:4326"], "grid: "),
        (["mbtiles", str(tmp_path / "none.mbtiles")], "source: "),
        (["xyz", "https://t.example/{z}/{x}/{y}.png", "--matrix-set", "x"], "matrix_set: "),
    ]
    for args, start in cases:
        capsys.readouterr()
        assert main(["basemap", "add", *args, "--db", str(db)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and start in err[0], err
    assert main(["basemap", "briefings", "99", "yes", "--db", str(db)]) == 3
    assert db_fingerprint(db) == before
