from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import icalendar
import pytest

from socmap import cli
from tests.conftest import DEMO_AS_OF


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def active_count(path: Path) -> int:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*) FROM ocgs WHERE status='active'").fetchone()[0]
    finally:
        con.close()


def test_due_json_lists_every_active_ocg_with_state(
    capsys: pytest.CaptureFixture[str], demo_path: Path
) -> None:
    code, out, err = run(capsys, "due", "--db", str(demo_path), "--json", "--as-of", DEMO_AS_OF)
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["ocgs"]) == active_count(demo_path)
    for row in doc["ocgs"]:
        assert {"ocg_id", "name", "area", "band", "last_assessed", "due", "state"} <= set(row)
        assert row["state"] in {"ok", "due_soon", "overdue", "never_assessed"}
    assert sum(c["active"] for c in doc["compliance"]) == len(doc["ocgs"])
    for c in doc["compliance"]:
        assert c["percent"] == round(100 * c["compliant"] / c["active"], 1)
    code, out, _ = run(capsys, "due", "--db", str(demo_path), "--json", "--area", "shropshire")
    assert {r["area"] for r in json.loads(out)["ocgs"]} == {"Shropshire"}
    code, out, _ = run(capsys, "due", "--db", str(demo_path))
    assert code == 0 and "Telford & Wrekin" in out and "Overdue" in out
    code, _, err = run(capsys, "due", "--db", str(demo_path), "--area", "Atlantis")
    assert code == 3 and "Atlantis" in err


def test_calendar_has_one_event_per_active_ocg(
    capsys: pytest.CaptureFixture[str], demo_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "due.ics"
    code, _out, err = run(
        capsys,
        "export",
        "calendar",
        "--db",
        str(demo_path),
        "-o",
        str(target),
        "--as-of",
        DEMO_AS_OF,
    )
    assert code == 0, err
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == active_count(demo_path)
    assert len({str(e["uid"]) for e in events}) == len(events)
    assert all(list(e.walk("VALARM")) for e in events)
    assert str(cal["x-socmap-marking"]) == "OFFICIAL-SENSITIVE"
    assert all("OFFICIAL-SENSITIVE" in str(e["summary"]) for e in events)
    import sqlite3

    con = sqlite3.connect(demo_path)
    rows = con.execute("SELECT summary FROM audit WHERE action='export'").fetchall()
    con.close()
    assert len(rows) == 1 and "calendar" in rows[0][0]


def test_weight_rescore_approve_round_trip(
    capsys: pytest.CaptureFixture[str],
    demo_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    os_account: Any,
) -> None:
    db = str(demo_path)
    # the demo's creator is the admin (the test account from conftest)
    code, out, err = run(
        capsys, "config", "set-weight", "--db", db, "--factor", "markets.drugs", "--weight", "9"
    )
    assert code == 0, err
    assert "version 2" in out
    code, out, err = run(capsys, "rescore", "--db", db, "--json", "--as-of", DEMO_AS_OF)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["created"] > 0 and summary["band_changes"]
    change, reviewed = summary["band_changes"][:2]
    code, out, _ = run(capsys, "due", "--db", db, "--json", "--as-of", DEMO_AS_OF)
    before = {r["ocg_id"]: r for r in json.loads(out)["ocgs"]}

    def draft_of(ocg_id: int) -> dict[str, Any]:
        _code, out, _ = run(capsys, "assess", "list", "--db", db, "--ocg", str(ocg_id), "--json")
        return [a for a in json.loads(out) if a["source"] == "rescore"][-1]

    draft = draft_of(change["ocg_id"])
    assert draft["band"] == change["after"] and draft["status"] == "draft"
    assert draft["review"] == "recalculation" and "re-calculation under ocgm v2" in draft["kind"]
    code, out, err = run(capsys, "assess", "submit", "--db", db, str(draft["id"]))
    assert code == 0, err
    assert "re-calculation" in out
    full = draft_of(reviewed["ocg_id"])
    code, out, err = run(capsys, "assess", "submit", "--db", db, str(full["id"]), "--full-review")
    assert code == 0, err
    assert "full review" in out
    # the admin ran the re-score, so it may not approve its own draft
    code, _, err = run(capsys, "assess", "approve", "--db", db, str(draft["id"]))
    assert code == 5 and "cannot approve" in err
    os_account("ds.ravenscombe")  # a demo supervisor
    code, out, err = run(capsys, "assess", "approve", "--db", db, str(draft["id"]))
    assert code == 0, err
    assert "re-assessment date unchanged" in out
    code, out, err = run(capsys, "assess", "approve", "--db", db, str(full["id"]))
    assert code == 0, err
    assert "clock restarted" in out
    code, out, _ = run(capsys, "due", "--db", db, "--json", "--as-of", DEMO_AS_OF)
    after = {r["ocg_id"]: r for r in json.loads(out)["ocgs"]}
    # a re-calculation nobody reviewed changes the band, not the clock
    row, old = after[change["ocg_id"]], before[change["ocg_id"]]
    assert row["band"] == change["after"]
    assert row["last_assessed"] == old["last_assessed"] != DEMO_AS_OF
    # one its assessor marked as a full review restarts it
    assert after[reviewed["ocg_id"]]["last_assessed"] == DEMO_AS_OF


def test_assess_create_and_bad_input(capsys: pytest.CaptureFixture[str], demo_path: Path) -> None:
    db = str(demo_path)
    code, out, err = run(
        capsys,
        "assess",
        "create",
        "--db",
        db,
        "--ocg",
        "5",
        "--rating",
        "markets.drugs=high",
        "--rating",
        "flags.firearms=yes",
        "--rationale",
        "markets.drugs=test purchases",
        "--json",
    )
    assert code == 0, err
    a: dict[str, Any] = json.loads(out)
    assert a["total"] == 14 and a["status"] == "draft"
    code, _, err = run(
        capsys, "assess", "create", "--db", db, "--ocg", "5", "--rating", "markets.drugs=9"
    )
    assert code == 2 and "markets.drugs" in err and "out of range" in err
    code, _, err = run(capsys, "assess", "create", "--db", db, "--ocg", "5", "--rating", "x.y=1")
    assert code == 2 and "unknown factor" in err
    code, out, _ = run(capsys, "assess", "list", "--db", db, "--ocg", "5", "--json")
    approved = [x["id"] for x in json.loads(out) if x["status"] == "approved"]
    if approved:
        code, out, err = run(
            capsys, "assess", "compare", "--db", db, str(approved[-1]), str(a["id"]), "--json"
        )
        assert code == 0, err
        assert json.loads(out)["after"] == a["id"]
    code, out, err = run(capsys, "assess", "factors", "--db", db)
    assert code == 0 and "markets.drugs" in out
    code, out, err = run(capsys, "config", "show", "--db", db, "--kind", "schedule")
    assert code == 0 and json.loads(out)["body"]["default_interval_days"] == 90


def test_trigger_reports_the_new_due_date_or_why_not(
    capsys: pytest.CaptureFixture[str], demo_path: Path
) -> None:
    db = str(demo_path)
    code, out, _ = run(capsys, "due", "--db", db, "--json")
    row = next(r for r in json.loads(out)["ocgs"] if r["last_assessed"] and not r["triggers"])
    ref = f"OCG-{row['ocg_id']:04d}"
    code, out, err = run(
        capsys, "ocg", "trigger", "--db", db, "--ocg", ref, "--kind", "firearms_intel",
        "--on", row["last_assessed"],
    )  # fmt: skip
    assert code == 0, err
    code, due_out, _ = run(capsys, "due", "--db", db, "--json")
    now = next(r for r in json.loads(due_out)["ocgs"] if r["ocg_id"] == row["ocg_id"])
    # dated the day of the last review, recorded after its approval: it counts
    assert now["triggers"] == ["firearms_intel"] and now["due"] < row["due"]
    assert f"now due {now['due']} (was {row['due']})" in out
    code, out, err = run(
        capsys, "ocg", "trigger", "--db", db, "--ocg", ref, "--kind", "merger_split",
        "--on", row["last_assessed"],
    )  # fmt: skip
    assert code == 0, err
    assert "not brought forward" in out and f"already due {now['due']}" in out
