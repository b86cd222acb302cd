"""Re-assessment rules (domain brief section 3): when is a group due, and is it overdue?

Next due = the last approved *full review* + the interval for its band (default 90 days, per-band
overrides). A re-calculation of old ratings under a new configuration does not move the clock
unless its assessor marked it as a full review. The date is brought forward by triggers
(principal arrested or charged, a major disruption, new firearms or serious-violence intelligence,
a merger or split) that the review cannot have taken into account: a trigger *recorded* after the
review was approved, whatever its event date, or an event dated after the assessment. Each such
trigger makes the group due ``trigger_days[kind]`` after the event (never later than the
interval would). A group never assessed is due a first assessment ``first_assessment_days``
after it was mapped (default 28), or sooner on a trigger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from socmap.domain.errors import ValidationError
from socmap.domain.text import plural

#: Events that bring a re-assessment forward, with labels for people.
TRIGGER_KINDS: dict[str, str] = {
    "principal_arrested": "Principal arrested or charged",
    "major_disruption": "Major disruption recorded",
    "firearms_intel": "New firearms intelligence",
    "serious_violence_intel": "New serious-violence intelligence",
    "merger_split": "Merger or split",
}


class DueState(StrEnum):
    """Where a group stands against its schedule."""

    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NEVER_ASSESSED = "never_assessed"


STATE_LABELS: dict[DueState, str] = {
    DueState.OK: "In date",
    DueState.DUE_SOON: "Due soon",
    DueState.OVERDUE: "Overdue",
    DueState.NEVER_ASSESSED: "Never assessed",
}


@dataclass(frozen=True)
class Trigger:
    """An event recorded against a group that brings its assessment forward."""

    kind: str
    on: dt.date
    note: str = ""
    #: when it was recorded (UTC); None for rows from before socmap kept the time
    recorded_at: dt.datetime | None = None

    def counts_after(self, *, assessed_on: dt.date, approved_at: dt.datetime | None) -> bool:
        """Could a review assessed on ``assessed_on`` and approved at ``approved_at`` have missed
        this trigger? True when the event is dated after the assessment, or the trigger was
        recorded at or after the approval (a tie counts: the safe side)."""
        if self.on > assessed_on:
            return True
        if self.recorded_at is None or approved_at is None:
            return False
        return self.recorded_at >= approved_at


@dataclass(frozen=True)
class SchedulePolicy:
    """Intervals and windows (configuration, versioned in the database)."""

    default_interval_days: int = 90
    band_interval_days: Mapping[str, int] = field(default_factory=dict)
    due_soon_days: int = 14
    first_assessment_days: int = 28
    trigger_days: Mapping[str, int] = field(default_factory=dict)
    default_scheme: str = "ocgm"
    version: int = 1

    def interval_for(self, band: str | None) -> int:
        """Days between assessments for ``band``."""
        if band and band in self.band_interval_days:
            return int(self.band_interval_days[band])
        return self.default_interval_days

    def trigger_delay(self, kind: str) -> int:
        """Days after a trigger by which the group must be re-assessed."""
        return int(self.trigger_days.get(kind, 14))


def _days(value: Any, *, field: str, low: int = 1, high: int = 3650) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(field, f"must be a whole number of days {low}-{high}, not {value!r}")
    return value


def parse_schedule(doc: Mapping[str, Any], *, version: int = 1) -> SchedulePolicy:
    """A :class:`SchedulePolicy` from its configuration document.

    Raises:
        ValidationError: naming the field (``band_interval_days.1A``...) and why.
    """
    if not isinstance(doc, Mapping):
        raise ValidationError("schedule", "must be a JSON object")
    bands = doc.get("band_interval_days", {}) or {}
    if not isinstance(bands, Mapping):
        raise ValidationError("band_interval_days", "must map band labels to days")
    triggers = doc.get("trigger_days", {}) or {}
    if not isinstance(triggers, Mapping):
        raise ValidationError("trigger_days", "must map trigger kinds to days")
    for kind in triggers:
        if kind not in TRIGGER_KINDS:
            raise ValidationError(f"trigger_days.{kind}", "unknown trigger kind")
    default_interval = _days(doc.get("default_interval_days", 90), field="default_interval_days")
    due_soon = _days(doc.get("due_soon_days", 14), field="due_soon_days", low=0)
    if due_soon >= default_interval:
        raise ValidationError(
            "due_soon_days",
            f"must be shorter than the default interval ({plural(default_interval, 'day')})",
        )
    return SchedulePolicy(
        default_interval_days=default_interval,
        band_interval_days={
            str(b): _days(d, field=f"band_interval_days.{b}") for b, d in bands.items()
        },
        due_soon_days=due_soon,
        first_assessment_days=_days(
            doc.get("first_assessment_days", 28), field="first_assessment_days"
        ),
        trigger_days={k: _days(v, field=f"trigger_days.{k}", low=0) for k, v in triggers.items()},
        default_scheme=str(doc.get("default_scheme", "ocgm")),
        version=version,
    )


def validate_trigger(kind: str, on: dt.date, *, today: dt.date | None = None) -> Trigger:
    """Check a trigger's kind and date (not in the future)."""
    if kind not in TRIGGER_KINDS:
        raise ValidationError("kind", f"unknown trigger '{kind}' (use {', '.join(TRIGGER_KINDS)})")
    if today is not None and on > today:
        raise ValidationError("on", f"{on.isoformat()} is in the future")
    return Trigger(kind, on)


def open_triggers(
    triggers: Iterable[Trigger],
    *,
    last_approved: dt.date | None,
    approved_at: dt.datetime | None = None,
) -> list[Trigger]:
    """The triggers the last approved full review cannot have taken into account (all of them
    when the group was never reviewed)."""
    if last_approved is None:
        return list(triggers)
    return [
        t for t in triggers if t.counts_after(assessed_on=last_approved, approved_at=approved_at)
    ]


def trigger_due(policy: SchedulePolicy, trigger: Trigger) -> dt.date:
    """The date a trigger alone makes the group due."""
    return trigger.on + dt.timedelta(days=policy.trigger_delay(trigger.kind))


def next_due(
    *,
    policy: SchedulePolicy,
    last_approved: dt.date | None,
    band: str | None,
    mapped_on: dt.date | None,
    triggers: Iterable[Trigger] = (),
    approved_at: dt.datetime | None = None,
) -> dt.date | None:
    """The date the next assessment is due (None: never assessed and no mapping date).

    ``last_approved`` is the assessment date of the last approved full review and
    ``approved_at`` the moment it was approved (see :meth:`Trigger.counts_after`).
    """
    if last_approved is not None:
        due: dt.date | None = last_approved + dt.timedelta(days=policy.interval_for(band))
    else:
        due = (
            mapped_on + dt.timedelta(days=policy.first_assessment_days)
            if mapped_on is not None
            else None
        )
    for t in open_triggers(triggers, last_approved=last_approved, approved_at=approved_at):
        forced = trigger_due(policy, t)
        due = forced if due is None else min(due, forced)
    return due


def due_state(
    *, policy: SchedulePolicy, due: dt.date | None, assessed: bool, today: dt.date
) -> DueState:
    """``ok``, ``due_soon``, ``overdue`` or ``never_assessed`` on ``today``."""
    if not assessed:
        return DueState.NEVER_ASSESSED
    if due is None:
        return DueState.OK
    if today > due:
        return DueState.OVERDUE
    if (due - today).days <= policy.due_soon_days:
        return DueState.DUE_SOON
    return DueState.OK


def is_overdue(*, due: dt.date | None, today: dt.date) -> bool:
    """True when ``due`` has passed."""
    return due is not None and today > due


def is_compliant(state: DueState) -> bool:
    """A group counts as compliant when it holds an approved assessment within its interval."""
    return state in (DueState.OK, DueState.DUE_SOON)
