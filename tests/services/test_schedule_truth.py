"""What the schedule tells the analyst is true (issue 13 points 1 and 2).

A trigger recorded after an approval brings the re-assessment forward whatever the dates, and
the message (service, audit row) reports the new due date or why it did not move. A
re-calculation under a new configuration does not restart the clock unless its assessor marks it
as a full review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socmap.domain.schedule import SchedulePolicy, Trigger, next_due
from socmap.services import reassessment, scoring
from tests.conftest import act_as
from tests.services.test_scoring import new_group, rated

DAY = dt.date(2026, 3, 2)


def approved(store: Any, oid: int, on: dt.date, ratings: dict[str, Any] | None = None) -> int:
    act_as(store, "analyst.one", "analyst")
    a, _ = scoring.create_assessment(
        store,
        ocg_id=oid,
        scheme="ocgm",
        ratings=rated(**(ratings or {"markets__drugs": 2})),
        on=on,
        submit=True,
    )
    act_as(store, "ds.two", "supervisor")
    scoring.approve_assessment(store, a.id, on=on)
    return a.id


def last_audit(store: Any) -> str:
    return str(
        store.conn.execute("SELECT summary FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    )


def test_a_trigger_on_the_day_of_the_approval_brings_the_date_forward(store: Any) -> None:
    oid = new_group(store)
    approved(store, oid, DAY)
    due_before = reassessment.due_of(store, oid)
    assert due_before == DAY + dt.timedelta(days=90)
    act_as(store, "analyst.one", "analyst")
    outcome, _ = scoring.record_trigger(store, ocg_id=oid, kind="major_disruption", on=DAY)
    assert outcome.moved
    assert outcome.due_after == DAY + dt.timedelta(days=14) == reassessment.due_of(store, oid)
    assert f"now due {outcome.due_after.isoformat()}" in outcome.message
    assert f"was {due_before.isoformat()}" in outcome.message
    assert outcome.message in last_audit(store)
    row = reassessment.schedule(store, today=DAY).rows[0]
    assert row.due == outcome.due_after and row.triggers == ("major_disruption",)


def test_a_trigger_dated_before_the_approval_but_recorded_after_counts(store: Any) -> None:
    oid = new_group(store)
    approved(store, oid, DAY)
    act_as(store, "analyst.one", "analyst")
    outcome, _ = scoring.record_trigger(
        store, ocg_id=oid, kind="merger_split", on=DAY - dt.timedelta(days=5)
    )
    assert outcome.moved and outcome.due_after == DAY + dt.timedelta(days=23)


def test_a_trigger_that_moves_nothing_says_why(store: Any) -> None:
    oid = new_group(store)
    approved(store, oid, DAY)
    act_as(store, "analyst.one", "analyst")
    first, _ = scoring.record_trigger(store, ocg_id=oid, kind="firearms_intel", on=DAY)
    assert first.moved
    # a merger recorded the same day asks for 28 days: the group is already due in 7
    second, _ = scoring.record_trigger(store, ocg_id=oid, kind="merger_split", on=DAY)
    assert not second.moved and second.due_after == first.due_after
    assert "not brought forward" in second.message
    assert f"already due {first.due_after.isoformat()}" in second.message
    assert "brought forward: now" not in last_audit(store)
    assert second.message in last_audit(store)


def test_a_trigger_on_an_archived_group_says_it_is_off_the_schedule(store: Any) -> None:
    oid = new_group(store)
    act_as(store, "ds.two", "supervisor")
    scoring.archive_ocg(store, ocg_id=oid, rationale="dismantled after the trial ended")
    outcome, _ = scoring.record_trigger(store, ocg_id=oid, kind="firearms_intel", on=DAY)
    assert not outcome.moved and "archived" in outcome.message


def test_next_due_counts_a_trigger_recorded_after_the_approval_whatever_its_date() -> None:
    policy = SchedulePolicy(trigger_days={"major_disruption": 14})
    at = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    before = Trigger("major_disruption", DAY, recorded_at=at - dt.timedelta(hours=1))
    after = Trigger("major_disruption", DAY, recorded_at=at + dt.timedelta(seconds=1))
    kw: dict[str, Any] = {"policy": policy, "last_approved": DAY, "band": None, "mapped_on": None}
    assert next_due(**kw, triggers=[before], approved_at=at) == DAY + dt.timedelta(days=90)
    assert next_due(**kw, triggers=[after], approved_at=at) == DAY + dt.timedelta(days=14)


def test_approving_a_recalculation_does_not_restart_the_clock(store: Any) -> None:
    oid = new_group(store, "Recalculated crew")
    other = new_group(store, "Reviewed crew")
    old = DAY - dt.timedelta(days=80)
    approved(store, oid, old)
    approved(store, other, old)
    _v, body = scoring.config_document(store, "ocgm")
    act_as(store, "admin.one", "admin")
    scoring.save_config(store, kind="ocgm", body=scoring.with_weight(body, "markets.drugs", 9))
    summary = scoring.rescore_all(store, today=DAY)
    assert summary.created == 2
    drafts = {a.ocg_id: a for a in scoring.drafts(store)}
    assert all(a.is_recalculation for a in drafts.values())
    assert "re-calculation under ocgm v2" in drafts[oid].kind_label
    scoring.submit_assessment(store, drafts[oid].id)
    scoring.submit_assessment(store, drafts[other].id, full_review=True)
    act_as(store, "ds.two", "supervisor")
    scoring.approve_assessment(store, drafts[oid].id, on=DAY)
    assert "not restarted" in last_audit(store)
    scoring.approve_assessment(store, drafts[other].id, on=DAY)
    assert "clock restarted" in last_audit(store)
    rows = {r.ocg_id: r for r in reassessment.schedule(store, today=DAY).rows}
    assert rows[oid].band == drafts[oid].band  # the band moves ...
    assert rows[oid].last_assessed == old  # ... the clock does not
    assert rows[oid].due == old + dt.timedelta(
        days=reassessment.load_schedule(store).interval_for(rows[oid].band)
    )
    assert rows[other].last_assessed == DAY


def test_only_the_assessor_marks_a_recalculation_as_a_full_review(store: Any) -> None:
    import pytest

    from socmap.domain.errors import PermissionDenied

    oid = new_group(store)
    approved(store, oid, DAY - dt.timedelta(days=10))
    _v, body = scoring.config_document(store, "ocgm")
    act_as(store, "admin.one", "admin")
    scoring.save_config(store, kind="ocgm", body=scoring.with_weight(body, "markets.drugs", 9))
    scoring.rescore_all(store, today=DAY)
    (draft,) = scoring.drafts(store)
    act_as(store, "analyst.one", "analyst")
    with pytest.raises(PermissionDenied):
        scoring.submit_assessment(store, draft.id, full_review=True)
    assert scoring.get_assessment(store, draft.id).status == "draft"
