from __future__ import annotations

import datetime as dt

import pytest

from socmap.domain.errors import ValidationError
from socmap.domain.schedule import (
    DueState,
    SchedulePolicy,
    Trigger,
    due_state,
    next_due,
    parse_schedule,
    validate_trigger,
)

D = dt.date
POLICY = SchedulePolicy(
    default_interval_days=90,
    band_interval_days={"1A": 45},
    due_soon_days=14,
    first_assessment_days=28,
    trigger_days={"firearms_intel": 7},
)


def test_interval_per_band() -> None:
    assert next_due(policy=POLICY, last_approved=D(2026, 1, 1), band="2B", mapped_on=None) == D(
        2026, 4, 1
    )
    assert next_due(policy=POLICY, last_approved=D(2026, 1, 1), band="1A", mapped_on=None) == D(
        2026, 2, 15
    )


def test_first_assessment_after_mapping_and_triggers_bring_forward() -> None:
    assert next_due(policy=POLICY, last_approved=None, band=None, mapped_on=D(2026, 3, 1)) == D(
        2026, 3, 29
    )
    trig = [Trigger("firearms_intel", D(2026, 1, 10)), Trigger("merger_split", D(2025, 12, 1))]
    # the December trigger predates the assessment and is ignored; the January one forces +7
    assert next_due(
        policy=POLICY, last_approved=D(2026, 1, 1), band="2B", mapped_on=None, triggers=trig
    ) == D(2026, 1, 17)


def test_states() -> None:
    due = D(2026, 5, 1)
    assert due_state(policy=POLICY, due=due, assessed=True, today=D(2026, 4, 1)) == DueState.OK
    assert (
        due_state(policy=POLICY, due=due, assessed=True, today=D(2026, 4, 17)) == DueState.DUE_SOON
    )
    assert (
        due_state(policy=POLICY, due=due, assessed=True, today=D(2026, 5, 1)) == DueState.DUE_SOON
    )
    assert due_state(policy=POLICY, due=due, assessed=True, today=D(2026, 5, 2)) == DueState.OVERDUE
    assert (
        due_state(policy=POLICY, due=due, assessed=False, today=D(2026, 4, 1))
        == DueState.NEVER_ASSESSED
    )


def test_parse_schedule_refuses_bad_values() -> None:
    with pytest.raises(ValidationError) as err:
        parse_schedule({"band_interval_days": {"1A": 0}})
    assert err.value.field == "band_interval_days.1A"
    with pytest.raises(ValidationError) as err:
        parse_schedule({"trigger_days": {"sunspots": 3}})
    assert err.value.field == "trigger_days.sunspots"
    with pytest.raises(ValidationError):
        validate_trigger("sunspots", D(2026, 1, 1))
    with pytest.raises(ValidationError):
        validate_trigger("merger_split", D(2030, 1, 1), today=D(2026, 1, 1))
