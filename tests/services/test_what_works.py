"""The "what works" figures match an independent computation straight from the database."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from pathlib import Path

import pytest

from socmap.cli import main
from socmap.services import disruptions

#: The columns this feature assumes the scoring feature's table has (see store/disruptions.py).
FAKE_ASSESSMENTS = """
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY, ocg_id INTEGER, scheme TEXT, total REAL, max_total REAL,
    status TEXT, assessed_on TEXT
)
"""


def add_fake_assessments(path: Path, seed: int = 3) -> None:
    """Approved and draft assessments in two schemes, on distinct dates per OCG."""
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.execute(FAKE_ASSESSMENTS)
    rows = []
    for (oid,) in con.execute("SELECT DISTINCT ocg_id FROM disruptions ORDER BY ocg_id"):
        day = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randint(0, 60))
        while day < dt.date(2026, 11, 1):
            scheme, mx = ("ocgm", 100.0) if rng.random() < 0.75 else ("morile", 500.0)
            status = "approved" if rng.random() < 0.85 else "draft"
            rows.append(
                (oid, scheme, round(rng.uniform(0.2, 0.9) * mx, 1), mx, status, day.isoformat())
            )
            day += dt.timedelta(days=rng.randint(60, 120))
    con.executemany(
        "INSERT INTO assessments (ocg_id, scheme, total, max_total, status, assessed_on)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.commit()
    con.close()


INDEPENDENT = """
SELECT d.strand, d.tactic, COUNT(*),
       AVG(a2.total * 1.0 / a2.max_total - a1.total * 1.0 / a1.max_total)
FROM disruptions d
JOIN assessments a1 ON a1.id = (
    SELECT id FROM assessments WHERE ocg_id = d.ocg_id AND status = 'approved'
    AND assessed_on <= d.occurred_on ORDER BY assessed_on DESC LIMIT 1)
JOIN assessments a2 ON a2.id = (
    SELECT id FROM assessments WHERE ocg_id = d.ocg_id AND status = 'approved'
    AND scheme = a1.scheme AND assessed_on > d.occurred_on ORDER BY assessed_on LIMIT 1)
JOIN ocgs o ON o.id = d.ocg_id
WHERE d.status = 'approved' AND (? IS NULL OR o.lead_area_id = ?)
GROUP BY d.strand, d.tactic
"""


def independent(path: Path, area_id: int | None = None) -> dict[tuple[str, str], dict[str, object]]:
    con = sqlite3.connect(path)
    out: dict[tuple[str, str], dict[str, object]] = {}
    for strand, tactic, level, n in con.execute(
        "SELECT d.strand, d.tactic, d.level, COUNT(*) FROM disruptions d JOIN ocgs o"
        " ON o.id = d.ocg_id WHERE d.status = 'approved' AND (? IS NULL OR o.lead_area_id = ?)"
        " GROUP BY 1, 2, 3",
        [area_id, area_id],
    ):
        row = out.setdefault(
            (strand, tactic), {"count": 0, "levels": {}, "n_scored": 0, "mean": None}
        )
        row["count"] += n  # type: ignore[operator]
        row["levels"][level] = n  # type: ignore[index]
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'assessments'").fetchone():
        for strand, tactic, n, mean in con.execute(INDEPENDENT, [area_id, area_id]):
            out[(strand, tactic)]["n_scored"] = n
            out[(strand, tactic)]["mean"] = mean
    con.close()
    return out


def summary_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:  # type: ignore[type-arg]
    code = main(["disruptions", "summary", "--db", str(path), "--json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def check(rows: list[dict], expected: dict) -> None:  # type: ignore[type-arg]
    got = {(r["strand"], r["tactic"]): r for r in rows if r["count"]}
    assert set(got) == set(expected)
    for key, exp in expected.items():
        r = got[key]
        assert r["count"] == exp["count"]
        assert {k: v for k, v in r["levels"].items() if v} == exp["levels"]
        assert r["n_scored"] == exp["n_scored"]
        if exp["mean"] is None:
            assert r["mean_score_change"] is None
        else:
            assert r["mean_score_change"] == pytest.approx(exp["mean"], abs=1e-5)


def test_summary_without_assessments_has_no_means(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = summary_json(demo_path, capsys)
    assert rows and all(r["n_scored"] == 0 and r["mean_score_change"] is None for r in rows)
    check(rows, independent(demo_path))
    assert set(rows[0]) >= {"tactic", "strand", "count", "levels", "mean_score_change", "n_scored"}


def test_summary_matches_independent_computation(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_fake_assessments(demo_path)
    rows = summary_json(demo_path, capsys)
    expected = independent(demo_path)
    assert sum(e["n_scored"] for e in expected.values()) > 50  # type: ignore[misc]
    check(rows, expected)


def test_summary_for_one_area(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_fake_assessments(demo_path)
    con = sqlite3.connect(demo_path)
    area_id = con.execute("SELECT id FROM areas WHERE name = 'Shropshire'").fetchone()[0]
    con.close()
    rows = summary_json(demo_path, capsys, "--area", "shropshire")
    check(rows, independent(demo_path, area_id))


def test_score_change_compares_the_same_scheme_only() -> None:
    from socmap.domain.disruptions import Disruption

    d = Disruption(1, dt.date(2026, 3, 1), "pursue", "arrest_charge", "major", "r", id=1)
    a = [
        (1, "ocgm", 60.0, 100.0, dt.date(2026, 1, 1)),
        (1, "morile", 100.0, 500.0, dt.date(2026, 4, 1)),  # other scheme: skipped
        (1, "ocgm", 45.0, 100.0, dt.date(2026, 6, 1)),
    ]
    change = disruptions.score_changes([d], a)[1]
    assert change.change == pytest.approx(-0.15)
    assert disruptions.score_changes([d], a[:2]) == {}
    assert disruptions.describe_mean(-0.15, 1) == "-15.0 pts (n=1), a single case"
    assert disruptions.describe_mean(None, 0) == "no scored cases"
