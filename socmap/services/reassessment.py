"""The re-assessment schedule: every group's due date, its state and compliance per area.

A group's due date is the interval for its band after its last full review, brought forward by
the triggers that review has not seen (``socmap.domain.schedule``); compliance per lead area is
the share of active groups not past theirs. Read by the Dashboard, the register's due dates, the
calendar and report exports, local profiles and ``socmap due``; :func:`due_of` is what scoring
and disruption recording compare before and after a change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from socmap.domain.errors import NotFoundError
from socmap.domain.ids import format_ocg_ref
from socmap.domain.schedule import (
    DueState,
    SchedulePolicy,
    Trigger,
    due_state,
    is_compliant,
    next_due,
    open_triggers,
    parse_schedule,
)
from socmap.domain.vocab import Status
from socmap.store import scoring as rows
from socmap.store.db import Store


def load_schedule(store: Store) -> SchedulePolicy:
    """The current schedule policy (intervals, windows, trigger delays)."""
    row = rows.latest_config(store, "schedule")
    return parse_schedule(row.body, version=row.version)


@dataclass(frozen=True)
class DueRow:
    """One group on the re-assessment schedule."""

    ocg_id: int
    name: str
    status: str
    area: str | None
    band: str | None
    last_assessed: dt.date | None
    due: dt.date | None
    state: DueState
    days_left: int | None
    triggers: tuple[str, ...]
    pending: int
    lro: str

    @property
    def ref(self) -> str:
        """``OCG-0042``."""
        return format_ocg_ref(self.ocg_id)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (``socmap due --json``)."""
        return {
            "ocg_id": self.ocg_id,
            "ref": self.ref,
            "name": self.name,
            "status": self.status,
            "area": self.area,
            "band": self.band,
            "last_assessed": self.last_assessed.isoformat() if self.last_assessed else None,
            "due": self.due.isoformat() if self.due else None,
            "state": self.state.value,
            "days_left": self.days_left,
            "triggers": list(self.triggers),
            "pending_assessments": self.pending,
        }


@dataclass(frozen=True)
class AreaCompliance:
    """Compliance in one lead area."""

    area: str
    active: int
    compliant: int
    overdue: int
    never_assessed: int
    due_soon: int

    @property
    def percent(self) -> float:
        """Share of active groups compliant, 0-100 (100 when there are none)."""
        return round(100.0 * self.compliant / self.active, 1) if self.active else 100.0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "area": self.area,
            "active": self.active,
            "compliant": self.compliant,
            "percent": self.percent,
            "overdue": self.overdue,
            "never_assessed": self.never_assessed,
            "due_soon": self.due_soon,
        }


@dataclass(frozen=True)
class ScheduleReport:
    """The schedule on one day: active groups, emerging groups, compliance per area."""

    today: dt.date
    rows: list[DueRow]
    emerging: list[DueRow]
    compliance: list[AreaCompliance]
    schedule_version: int

    def to_json(self) -> dict[str, Any]:
        """The ``socmap due --json`` document."""
        return {
            "as_of": self.today.isoformat(),
            "schedule_config_version": self.schedule_version,
            "ocgs": [r.to_json() for r in self.rows],
            "emerging": [r.to_json() for r in self.emerging],
            "compliance": [c.to_json() for c in self.compliance],
        }

    @property
    def overdue(self) -> list[DueRow]:
        """Active groups past their due date, most overdue first."""
        late = [r for r in self.rows if r.state == DueState.OVERDUE]
        return sorted(late, key=lambda r: (r.days_left or 0, r.ocg_id))


NO_AREA = "(no lead area)"


def schedule(
    store: Store,
    *,
    today: dt.date | None = None,
    area: str | None = None,
    approved: dict[int, tuple[int, dt.date, str, float, str]] | None = None,
) -> ScheduleReport:
    """Every active group's due date and state, the emerging groups, and compliance per area.

    Compliance per area = active groups led there holding an approved assessment whose due date
    (interval for its band, brought forward by triggers) has not passed; never-assessed groups
    count as not compliant. Archived groups are left out. ``approved`` is
    ``store.scoring.latest_approved`` when the caller has already read it (the register does).
    """
    day = today or dt.date.today()
    policy = load_schedule(store)
    if approved is None:
        approved = rows.latest_approved(store)
    reviews = rows.latest_full_reviews(store)
    triggers = rows.triggers_by_ocg(store)
    pending = rows.pending_counts(store)
    sources = rows.schedule_sources(store, ["active", "trigger", "draft"])
    if area is not None:
        wanted = area.casefold()
        known = {(s.area or NO_AREA).casefold() for s in sources}
        if wanted not in known and not _area_exists(store, area):
            raise NotFoundError(f"there is no area called '{area}'")
        sources = [s for s in sources if (s.area or NO_AREA).casefold() == wanted]
    active: list[DueRow] = []
    emerging: list[DueRow] = []
    for s in sources:
        last = approved.get(s.id)
        review = reviews.get(s.id)
        band = last[2] if last else None
        due, open_kinds = _due(policy, s, band, review, triggers.get(s.id, []))
        state = due_state(policy=policy, due=due, assessed=review is not None, today=day)
        row = DueRow(
            s.id,
            s.name,
            s.status,
            s.area,
            band,
            review.assessed_on if review else None,
            due,
            state,
            (due - day).days if due else None,
            open_kinds,
            pending.get(s.id, 0),
            s.lro,
        )
        if s.status == Status.ACTIVE:
            active.append(row)
        if review is None:
            emerging.append(row)
    emerging.sort(key=lambda r: (r.due or dt.date.max, r.ocg_id))
    return ScheduleReport(day, active, emerging, _compliance(active), policy.version)


def _due(
    policy: SchedulePolicy,
    source: rows.ScheduleSource,
    band: str | None,
    review: rows.FullReview | None,
    triggers: list[Trigger],
) -> tuple[dt.date | None, tuple[str, ...]]:
    """A group's due date and the kinds of the triggers its last full review has not seen."""
    last_on = review.assessed_on if review else None
    approved_at = review.approved_at if review else None
    due = next_due(
        policy=policy,
        last_approved=last_on,
        band=band,
        mapped_on=source.identified_on,
        triggers=triggers,
        approved_at=approved_at,
    )
    seen = open_triggers(triggers, last_approved=last_on, approved_at=approved_at)
    return due, tuple(t.kind for t in seen)


def due_of(store: Store, ocg_id: int) -> dt.date | None:
    """One group's re-assessment due date today (None: not scheduled, e.g. archived)."""
    found = [
        s for s in rows.schedule_sources(store, ["active", "trigger", "draft"]) if s.id == ocg_id
    ]
    if not found:
        return None
    policy = load_schedule(store)
    last = rows.latest_approved(store, ocg_id).get(ocg_id)
    review = rows.latest_full_reviews(store, ocg_id).get(ocg_id)
    trig = rows.triggers_by_ocg(store, ocg_id).get(ocg_id, [])
    return _due(policy, found[0], last[2] if last else None, review, trig)[0]


def _area_exists(store: Store, name: str) -> bool:
    from socmap.store import areas

    return any(a.name.casefold() == name.casefold() for a in areas.list_areas(store))


def _compliance(active: list[DueRow]) -> list[AreaCompliance]:
    by_area: dict[str, list[DueRow]] = {}
    for r in active:
        by_area.setdefault(r.area or NO_AREA, []).append(r)
    out = []
    for name in sorted(by_area):
        rs = by_area[name]
        out.append(
            AreaCompliance(
                name,
                len(rs),
                sum(1 for r in rs if is_compliant(r.state)),
                sum(1 for r in rs if r.state == DueState.OVERDUE),
                sum(1 for r in rs if r.state == DueState.NEVER_ASSESSED),
                sum(1 for r in rs if r.state == DueState.DUE_SOON),
            )
        )
    return out
