"""The MoPI review queue: police.uk open data never enters it; a cut queue says how long it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from socmap.domain.groups import Nominal
from socmap.services import boundaries, register, review
from socmap.services.intel_import import import_intel
from tests.geo_fixtures import two_squares

TODAY = dt.date(2026, 11, 1)
POLICE_UK = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context\n"
)


def _police_uk(path: Path, n: int) -> Path:
    rows = [
        f"c{i},2018-06,West Mercia Police,West Mercia Police,-2.45,52.1,On or near A Road,E01,"
        f"X 001A,Drugs,Under investigation,\n"
        for i in range(n)
    ]
    path.write_text(POLICE_UK + "".join(rows), encoding="utf-8")
    return path


def test_police_uk_crimes_are_not_queued_for_review(store: Any, tmp_path: Path) -> None:
    boundaries.import_boundaries(store, two_squares(tmp_path / "sq.geojson"), name_field="name")
    n, _ = register.create_nominal(store, Nominal(surname="Ashby", forenames="Test"))
    report, _ = import_intel(store, _police_uk(tmp_path / "2018-06-west-mercia-street.csv", 30))
    assert "never queued for MoPI review" in report.lines()[0]
    graded = tmp_path / "log.csv"
    graded.write_text(
        "date,type,grading_scheme,grade,handling,text,easting,northing\n"
        "2018-05-01,drugs supply,3x5x2,1B,P,seen at the garage,395000,255000\n",
        encoding="utf-8",
    )
    import_intel(store, graded)
    queue = review.review_queue(store, as_of=TODAY)
    # the graded police report of 2018 is due (6 years on); the 30 public crimes are not
    assert sorted(i.entity for i in queue) == ["intel", "nominal"]
    assert queue.total == 2 and not queue.cut
    assert review.queue_counts(store, as_of=TODAY) == {"nominal": 1, "intel": 1}
    assert n.id in [i.id for i in queue if i.entity == "nominal"]


def test_a_cut_queue_knows_how_many_are_due(store: Any) -> None:
    for i in range(7):
        register.create_nominal(store, Nominal(surname=f"Person{i}", forenames="Test"))
    queue = review.review_queue(store, as_of=TODAY, limit=3)
    assert len(queue) == 3 and queue.total == 7 and queue.cut and queue.left_out == 4
