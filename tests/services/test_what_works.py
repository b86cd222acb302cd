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


def hand_maximum(body: dict) -> float:  # type: ignore[type-arg]
    """A scheme's top total worked out by hand from its configuration document."""
    sections = {sec["key"]: sec for sec in body["sections"]}

    def level_sum(key: str) -> float:
        sec = sections[key]
        return sum(f.get("weight", 1) * sec["max"] for f in sec["factors"].values())

    if body["scheme"] == "ocgm":
        flags = sum(f["weight"] for f in sections["flags"]["factors"].values())
        return level_sum("markets") + level_sum("capability") + flags
    scope = max(next(iter(sections["scope"]["factors"].values()))["choices"].values())
    vuln = max(next(iter(sections["vulnerability"]["factors"].values()))["choices"].values())
    return level_sum("harm") * scope * vuln * level_sum("likelihood")


def add_maxima_table(con: sqlite3.Connection) -> None:
    """A temp table of each configuration's maximum, for the independent SQL below."""
    con.execute("CREATE TEMP TABLE maxima (config_id INTEGER PRIMARY KEY, mx REAL)")
    for cid, body in con.execute(
        "SELECT id, body FROM scoring_configs WHERE kind IN ('ocgm', 'morile')"
    ).fetchall():
        con.execute("INSERT INTO maxima VALUES (?, ?)", [cid, hand_maximum(json.loads(body))])


def add_more_assessments(path: Path, seed: int = 3) -> None:
    """Extra approved (and draft) assessments in both schemes, so most disruptions are scored."""
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    configs = dict(
        con.execute("SELECT kind, id FROM scoring_configs WHERE kind IN ('ocgm', 'morile')")
    )
    maxima = {"ocgm": 117.0, "morile": 300.0}
    rows = []
    for (oid,) in con.execute("SELECT DISTINCT ocg_id FROM disruptions ORDER BY ocg_id"):
        day = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randint(0, 60))
        while day < dt.date(2026, 11, 1):
            scheme = "ocgm" if rng.random() < 0.75 else "morile"
            status = "approved" if rng.random() < 0.85 else "draft"
            total = round(rng.uniform(0.2, 0.9) * maxima[scheme], 1)
            rows.append((oid, scheme, configs[scheme], total, day.isoformat(), status))
            day += dt.timedelta(days=rng.randint(60, 120))
    con.executemany(
        "INSERT INTO assessments (ocg_id, scheme, config_id, config_version, breakdown, total,"
        " band, assessor, assessed_on, status) VALUES (?, ?, ?, 1, '{}', ?, '3C', 'test', ?, ?)",
        [(o, sc, c, t, d, st) for o, sc, c, t, d, st in rows],
    )
    con.commit()
    con.close()


INDEPENDENT = """
SELECT d.strand, d.tactic, COUNT(*),
       AVG(a2.total / m2.mx - a1.total / m1.mx)
FROM disruptions d
JOIN assessments a1 ON a1.id = (
    SELECT id FROM assessments WHERE ocg_id = d.ocg_id AND status = 'approved'
    AND assessed_on <= d.occurred_on ORDER BY assessed_on DESC, id DESC LIMIT 1)
JOIN assessments a2 ON a2.id = (
    SELECT id FROM assessments WHERE ocg_id = d.ocg_id AND status = 'approved'
    AND scheme = a1.scheme AND assessed_on > d.occurred_on ORDER BY assessed_on, id LIMIT 1)
JOIN maxima m1 ON m1.config_id = a1.config_id
JOIN maxima m2 ON m2.config_id = a2.config_id
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
    add_maxima_table(con)
    if True:
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


def test_summary_matches_independent_computation(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = summary_json(demo_path, capsys)
    assert set(rows[0]) >= {"tactic", "strand", "count", "levels", "mean_score_change", "n_scored"}
    expected = independent(demo_path)
    check(rows, expected)


def test_summary_with_more_assessments(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_more_assessments(demo_path)
    rows = summary_json(demo_path, capsys)
    expected = independent(demo_path)
    assert sum(e["n_scored"] for e in expected.values()) > 100  # type: ignore[misc]
    check(rows, expected)


def test_summary_for_one_area(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_more_assessments(demo_path)
    con = sqlite3.connect(demo_path)
    area_id = con.execute("SELECT id FROM areas WHERE name = 'Shropshire'").fetchone()[0]
    con.close()
    rows = summary_json(demo_path, capsys, "--area", "shropshire")
    check(rows, independent(demo_path, area_id))


def test_scheme_maximum_matches_the_configuration(demo_store) -> None:  # type: ignore[no-untyped-def]
    for cid, body in demo_store.conn.execute(
        "SELECT id, body FROM scoring_configs WHERE kind IN ('ocgm', 'morile')"
    ).fetchall():
        assert disruptions.scheme_maximum(demo_store, cid) == pytest.approx(
            hand_maximum(json.loads(body))
        )
    assert disruptions.scheme_maximum(demo_store, 99999) is None


def test_without_an_assessments_table_nothing_is_scored(store) -> None:  # type: ignore[no-untyped-def]
    from socmap.store import disruptions as rows

    store.conn.execute("ALTER TABLE assessments RENAME TO assessments_gone")
    assert rows.approved_assessment_rows(store) == []
    assert disruptions.approved_assessments(store) == []


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


def test_log_shows_the_assessments_either_side(demo_store) -> None:  # type: ignore[no-untyped-def]
    log = disruptions.disruption_log(demo_store, today=dt.date(2026, 11, 1))
    scored = [r for r in log if r.score_change]
    assert scored
    assert all("of maximum on" in r.score_detail for r in scored)
    assert all("no approved assessments" in r.score_detail for r in log if not r.score_change)
