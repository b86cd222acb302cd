from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.errors import Cancelled, PermissionDenied, ValidationError
from socmap.domain.groups import Ocg
from socmap.domain.vocab import Status
from socmap.services import reassessment, register, scoring
from tests.conftest import DEMO_AS_OF, act_as

AS_OF = dt.date.fromisoformat(DEMO_AS_OF)

INDEPENDENT_COMPLIANCE = """
WITH cfg AS (SELECT body FROM scoring_configs WHERE kind = 'schedule'
             ORDER BY version DESC LIMIT 1),
band AS (
  SELECT a.ocg_id, a.band FROM assessments a
  WHERE a.status = 'approved' AND NOT EXISTS (
    SELECT 1 FROM assessments b WHERE b.ocg_id = a.ocg_id AND b.status = 'approved'
      AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id)))),
last AS (
  SELECT a.ocg_id, a.assessed_on AS d,
         COALESCE(a.decided_at, a.decided_on || 'T00:00:00+00:00') AS at
  FROM assessments a
  WHERE a.status = 'approved' AND a.review = 'full' AND NOT EXISTS (
    SELECT 1 FROM assessments b WHERE b.ocg_id = a.ocg_id AND b.status = 'approved'
      AND b.review = 'full'
      AND (b.assessed_on > a.assessed_on OR (b.assessed_on = a.assessed_on AND b.id > a.id)))),
due AS (
  SELECT l.ocg_id,
    MIN(date(l.d, '+' || COALESCE(json_extract(cfg.body, '$.band_interval_days."' || band.band
                                   || '"'), json_extract(cfg.body, '$.default_interval_days'))
             || ' days'),
        COALESCE((SELECT MIN(date(t.on_date, '+' || COALESCE(
                     json_extract(cfg.body, '$.trigger_days.' || t.kind), 14) || ' days'))
                  FROM schedule_triggers t WHERE t.ocg_id = l.ocg_id
                    AND (t.on_date > l.d OR julianday(t.recorded_at) >= julianday(l.at))),
                 '9999-12-31')) AS due
  FROM last l JOIN band ON band.ocg_id = l.ocg_id, cfg)
SELECT ar.name, COUNT(o.id), SUM(CASE WHEN due.due >= :today THEN 1 ELSE 0 END)
FROM ocgs o JOIN areas ar ON ar.id = o.lead_area_id
LEFT JOIN due ON due.ocg_id = o.id
WHERE o.status = 'active'
GROUP BY ar.name ORDER BY ar.name
"""


def rated(scheme: str = "ocgm", **given: Any) -> dict[str, Any]:
    """Every factor of the shipped ``scheme`` rated at its lowest (None / no / the first choice),
    then ``given`` (``markets__drugs=3`` for ``markets.drugs``): a submittable assessment."""
    import json

    from socmap.domain.scoring import parse_policy
    from socmap.paths import resources_dir

    policy = parse_policy(
        json.loads((resources_dir() / "scoring" / f"{scheme}.json").read_text("utf-8"))
    )
    out: dict[str, Any] = {}
    for f in policy.factors:
        if f.kind == "flag":
            out[f.key] = False
        elif f.kind == "choice":
            out[f.key] = f.choices[0][0]
        else:
            out[f.key] = f.min_level
    out.update({k.replace("__", "."): v for k, v in given.items()})
    return out


def counts(store: Any) -> tuple[int, int, int, int]:
    q = store.conn.execute
    return (
        q("SELECT COUNT(*) FROM assessments").fetchone()[0],
        q("SELECT COUNT(*) FROM audit").fetchone()[0],
        q("SELECT COUNT(*) FROM scoring_configs").fetchone()[0],
        q("SELECT COUNT(*) FROM schedule_triggers").fetchone()[0],
    )


def new_group(store: Any, name: str = "Test crew", status: Status = Status.ACTIVE) -> int:
    """An active group led in a one-square test area (created on first use)."""
    import shapely

    from socmap.store import areas

    area = areas.area_id_by_name(store, "Testshire")
    if area is None:
        with store.atomic():
            area = areas.insert_area(
                store,
                name="Testshire",
                code="T1",
                geom_wkb=shapely.to_wkb(shapely.box(0, 0, 1000, 1000)),
                bounds=(0, 0, 1000, 1000),
                area_km2=1.0,
            )
    ocg, _ = register.create_ocg(
        store,
        Ocg(
            name=name,
            status=status,
            identified_on=dt.date(2026, 1, 5),
            lro="DI Test",
            primary_market="drugs",
            lead_area_id=area,
        ),
    )
    assert ocg.id is not None
    return ocg.id


def test_compliance_matches_an_independent_sql_count(demo_store: Any, request: Any) -> None:
    """On a server, the independent count runs on the file the server's register was
    imported from: the service on PostgreSQL must agree with SQLite's own arithmetic."""
    import sqlite3

    report = reassessment.schedule(demo_store, today=AS_OF)
    source = (
        sqlite3.connect(request.getfixturevalue("demo_template"))
        if demo_store.on_server
        else demo_store.conn
    )
    expected = [
        (name, active, compliant)
        for name, active, compliant in source.execute(
            INDEPENDENT_COMPLIANCE, {"today": AS_OF.isoformat()}
        )
    ]
    got = [(c.area, c.active, c.compliant) for c in report.compliance]
    assert got == expected
    active = demo_store.conn.execute("SELECT COUNT(*) FROM ocgs WHERE status='active'").fetchone()[
        0
    ]
    assert len(report.rows) == active
    # the demo is a force that needs this tool: some overdue, some never assessed, some emerging
    states = {r.state.value for r in report.rows}
    assert {"ok", "due_soon", "overdue", "never_assessed"} <= states
    assert any(r.status == "trigger" for r in report.emerging)
    assert (
        min(c.percent for c in report.compliance) < 60 < max(c.percent for c in report.compliance)
    )
    assert scoring.pending_approvals(demo_store)


def test_supervisor_approves_and_due_date_moves(store: Any) -> None:
    oid = new_group(store)
    act_as(store, "analyst.one", "analyst")
    a, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings=rated(markets__drugs=3), on=dt.date(2026, 2, 1)
    )
    assert a.status == "draft" and a.band == "3C"
    before = reassessment.schedule(store, today=dt.date(2026, 6, 1)).rows[0]
    assert before.state.value == "never_assessed"
    scoring.submit_assessment(store, a.id)
    with pytest.raises(PermissionDenied):  # an analyst may not approve at all
        scoring.approve_assessment(store, a.id)
    act_as(store, "ds.two", "supervisor")
    approved, _ = scoring.approve_assessment(store, a.id, on=dt.date(2026, 2, 3))
    assert approved.status == "approved" and approved.approver == "ds.two"
    after = reassessment.schedule(store, today=dt.date(2026, 6, 1)).rows[0]
    assert after.last_assessed == dt.date(2026, 2, 1) and after.due == dt.date(2026, 5, 2)
    assert after.state.value == "overdue"
    assert scoring.current_bands(store) == {oid: "3C"}
    # a fresh approved assessment moves the due date on
    act_as(store, "analyst.one", "analyst")
    b, _ = scoring.create_assessment(
        store,
        ocg_id=oid,
        scheme="ocgm",
        ratings=rated(markets__drugs=3),
        on=dt.date(2026, 5, 20),
        submit=True,
    )
    act_as(store, "ds.two", "supervisor")
    scoring.approve_assessment(store, b.id, on=dt.date(2026, 5, 21))
    moved = reassessment.schedule(store, today=dt.date(2026, 6, 1)).rows[0]
    assert moved.due == dt.date(2026, 8, 18) and moved.state.value == "ok"


def test_assessor_cannot_approve_their_own(store: Any) -> None:
    oid = new_group(store)
    act_as(store, "ds.self", "supervisor")
    a, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings=rated(markets__fraud=2), submit=True
    )
    before = counts(store)
    with pytest.raises(PermissionDenied, match="cannot approve"):
        scoring.approve_assessment(store, a.id)
    with pytest.raises(PermissionDenied, match="cannot return"):
        scoring.return_assessment(store, a.id, reason="looks wrong")
    assert counts(store) == before
    assert scoring.get_assessment(store, a.id).status == "submitted"
    assert "own" in (scoring.can_decide(store, a) or "")


def test_return_needs_a_reason_and_is_final(store: Any) -> None:
    oid = new_group(store)
    act_as(store, "analyst.one", "analyst")
    a, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="morile", ratings=rated("morile"), submit=True
    )
    act_as(store, "ds.two", "supervisor")
    with pytest.raises(ValidationError) as err:
        scoring.return_assessment(store, a.id, reason="  ")
    assert err.value.field == "reason"
    r, _ = scoring.return_assessment(store, a.id, reason="rate the harm dimensions")
    assert r.status == "returned" and r.return_reason == "rate the harm dimensions"
    with pytest.raises(ValidationError):
        scoring.approve_assessment(store, a.id)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ratings": {"markets.drugs": 7}}, "markets.drugs"),
        ({"ratings": {"markets.ketamine": 1}}, "markets.ketamine"),
        ({"ratings": {}, "scheme": "oasys"}, "scheme"),
    ],
)
def test_bad_assessments_write_nothing(store: Any, kwargs: dict[str, Any], field: str) -> None:
    oid = new_group(store)
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        scoring.create_assessment(store, ocg_id=oid, **{"scheme": "ocgm", **kwargs})
    assert err.value.field == field
    assert counts(store) == before


def test_archived_groups_cannot_be_scored_and_leave_compliance(store: Any) -> None:
    oid = new_group(store)
    keep = new_group(store, "Other crew")
    act_as(store, "ds.two", "supervisor")
    with pytest.raises(ValidationError, match="rationale"):
        scoring.archive_ocg(store, ocg_id=oid, rationale="gone")
    scoring.archive_ocg(store, ocg_id=oid, rationale="dismantled after Op. Example convictions")
    before = counts(store)
    with pytest.raises(ValidationError, match="archived"):
        scoring.create_assessment(store, ocg_id=oid, scheme="ocgm", ratings={})
    assert counts(store) == before
    report = reassessment.schedule(store, today=dt.date(2026, 6, 1))
    assert [r.ocg_id for r in report.rows] == [keep]
    assert sum(c.active for c in report.compliance) == 1
    scoring.reactivate_ocg(store, ocg_id=oid, rationale="new intelligence of renewed supply")
    assert len(reassessment.schedule(store, today=dt.date(2026, 6, 1)).rows) == 2
    assert [h[0] for h in scoring.lifecycle_history(store, oid)] == ["archive", "reactivate"]


def test_triggers_bring_the_due_date_forward(store: Any) -> None:
    oid = new_group(store)
    scoring.record_trigger(store, ocg_id=oid, kind="firearms_intel", on=dt.date(2026, 1, 10))
    row = reassessment.schedule(store, today=dt.date(2026, 1, 12)).rows[0]
    assert row.due == dt.date(2026, 1, 17)  # 7 days instead of 28 after mapping
    assert row.triggers == ("firearms_intel",)
    before = counts(store)
    with pytest.raises(ValidationError):
        scoring.record_trigger(store, ocg_id=oid, kind="weather", on=dt.date(2026, 1, 10))
    assert counts(store) == before


def test_weight_change_new_version_and_rescore_drafts(demo_store: Any) -> None:
    version, body = scoring.config_document(demo_store, "ocgm")
    drugs_groups = {
        a.ocg_id
        for a in [scoring.get_assessment(demo_store, i) for i in _latest_ids(demo_store)]
        if a.scheme == "ocgm"
        and any(ln.key == "markets.drugs" and ln.rating for ln in a.breakdown.lines)
    }
    new_version, _ = scoring.save_config(
        demo_store, kind="ocgm", body=scoring.with_weight(body, "markets.drugs", 9), note="test"
    )
    assert new_version == version + 1
    assert [v[0] for v in scoring.config_history(demo_store, "ocgm")][:2] == [new_version, version]
    approved_before = demo_store.conn.execute(
        "SELECT COUNT(*) FROM assessments WHERE status='approved'"
    ).fetchone()[0]
    summary = scoring.rescore_all(demo_store, today=AS_OF)
    assert summary.created > 50 and summary.band_changes
    assert summary.config_versions["ocgm"] == new_version
    # bands only move for groups rated on drugs (the weight that changed), and only upward
    for c in summary.band_changes:
        assert c.ocg_id in drugs_groups
        assert c.after[0] <= c.before[0] and c.total_after > c.total_before
    assert (
        demo_store.conn.execute(
            "SELECT COUNT(*) FROM assessments WHERE status='approved'"
        ).fetchone()[0]
        == approved_before
    )  # nothing approved silently
    drafts = [a for a in scoring.drafts(demo_store) if a.source == "rescore"]
    assert len(drafts) == summary.created
    assert {a.config_version for a in drafts if a.scheme == "ocgm"} == {new_version}
    # past assessments keep their configuration version
    assert (
        demo_store.conn.execute(
            "SELECT COUNT(*) FROM assessments WHERE status='approved' AND config_version=?",
            [new_version],
        ).fetchone()[0]
        == 0
    )
    # run again: nothing new (already pending under the current configuration)
    again = scoring.rescore_all(demo_store, today=AS_OF)
    assert again.created == 0 and again.already_pending == summary.created + summary.already_pending


def _latest_ids(store: Any) -> list[int]:
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT MAX(id) FROM assessments WHERE status='approved' GROUP BY ocg_id"
        )
    ]


def test_overlapping_thresholds_config_writes_nothing(store: Any) -> None:
    _v, body = scoring.config_document(store, "ocgm")
    body["axes"]["letter"]["thresholds"][2]["from"] = 20  # A from 20 while B runs to 22
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        scoring.save_config(store, kind="ocgm", body=body)
    assert err.value.field == "axes.letter.thresholds"
    assert counts(store) == before


def test_rescore_cancelled_leaves_nothing(demo_store: Any) -> None:
    class CancelLater:
        calls = 0

        def advance(self, done: int, total: int) -> None:
            self.calls += 1

        def status(self, text: str) -> None:
            pass

        @property
        def cancelled(self) -> bool:
            return self.calls >= 1

    before = counts(demo_store)
    with pytest.raises(Cancelled):
        scoring.rescore_all(demo_store, CancelLater(), today=AS_OF)
    assert counts(demo_store) == before


def test_compare_two_assessments(store: Any) -> None:
    oid = new_group(store)
    a, _ = scoring.create_assessment(
        store, ocg_id=oid, scheme="ocgm", ratings={"markets.drugs": 1}, on=dt.date(2026, 2, 1)
    )
    b, _ = scoring.create_assessment(
        store,
        ocg_id=oid,
        scheme="ocgm",
        ratings={"markets.drugs": 3, "flags.firearms": True},
        on=dt.date(2026, 5, 1),
    )
    c = scoring.compare_assessments(store, b.id, a.id)
    assert (c.before.id, c.after.id) == (a.id, b.id)
    assert {m.key: m.delta for m in c.moves} == {"markets.drugs": 4.0, "flags.firearms": 8.0}
    assert c.total_delta == 12 and c.band_changed


def test_viewer_refused_for_every_mutating_service(store: Any, tmp_path: Path) -> None:
    from socmap.export.calendar import export_calendar

    oid = new_group(store)
    a, _ = scoring.create_assessment(store, ocg_id=oid, scheme="ocgm", ratings=rated(), submit=True)
    d, _ = scoring.create_assessment(store, ocg_id=oid, scheme="ocgm", ratings=rated())
    _v, body = scoring.config_document(store, "ocgm")
    act_as(store, "viewer.test", "viewer")
    before = counts(store)
    calls = [
        lambda: scoring.create_assessment(store, ocg_id=oid, scheme="ocgm", ratings={}),
        lambda: scoring.submit_assessment(store, d.id),
        lambda: scoring.approve_assessment(store, a.id),
        lambda: scoring.return_assessment(store, a.id, reason="no"),
        lambda: scoring.record_trigger(store, ocg_id=oid, kind="merger_split"),
        lambda: scoring.rescore_all(store),
        lambda: scoring.save_config(
            store, kind="ocgm", body=scoring.with_weight(body, "markets.drugs", 5)
        ),
        lambda: scoring.archive_ocg(store, ocg_id=oid, rationale="a long enough rationale"),
        lambda: scoring.reactivate_ocg(store, ocg_id=oid, rationale="a long enough rationale"),
        lambda: export_calendar(store, tmp_path / "x.ics"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert counts(store) == before
    assert not (tmp_path / "x.ics").exists()
