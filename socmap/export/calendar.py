"""The re-assessment calendar as an iCalendar file: one all-day event per active OCG on its due
date (first-assessment date for never-assessed groups), each with a reminder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import icalendar

from socmap.domain.roles import Permission
from socmap.domain.schedule import STATE_LABELS
from socmap.domain.vocab import DEFAULT_MARKING
from socmap.services import reassessment, scoring
from socmap.services.auth import require
from socmap.services.handling import export_marking
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.services.session import Store

#: Days before the due date that the reminder fires.
REMINDER_DAYS = 7


@dataclass(frozen=True)
class CalendarResult:
    """What was written."""

    path: Path
    events: int
    sha256: str


def build_calendar(
    report: reassessment.ScheduleReport, *, marking: str = DEFAULT_MARKING, scope: str = "all areas"
) -> icalendar.Calendar:
    """The calendar for a schedule report (no file, no audit)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//socmap//re-assessment calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"[{marking}] OCG re-assessments ({scope})")
    cal.add("x-socmap-marking", marking)
    stamp = dt.datetime.combine(report.today, dt.time(0, 0), tzinfo=dt.UTC)
    for r in report.rows:
        due = r.due or report.today
        ev = icalendar.Event()
        ev.add("uid", f"ocg-{r.ocg_id}-reassessment@socmap")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", due)
        ev.add("dtend", due + dt.timedelta(days=1))
        first = r.last_assessed is None
        what = "First assessment" if first else "Re-assessment"
        band = f" (band {r.band})" if r.band else ""
        ev.add("summary", f"[{marking}] {what} due: {r.ref} {r.name}{band}")
        lines = [
            f"Protective marking: {marking}",
            f"{r.ref} {r.name}",
            f"Lead area: {r.area or 'none'}",
            f"State on {report.today.isoformat()}: {STATE_LABELS[r.state]}",
            f"Last approved assessment: {r.last_assessed.isoformat() if r.last_assessed else 'never'}",
        ]
        if r.triggers:
            lines.append("Brought forward by: " + ", ".join(r.triggers))
        lines.append(f"Protective marking: {marking}")
        ev.add("description", "\n".join(lines))
        ev.add("class", "CONFIDENTIAL")
        ev.add("categories", ["OCG re-assessment", r.area or "no lead area"])
        ev.add("transp", "TRANSPARENT")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{what} due in {REMINDER_DAYS} days: {r.ref}")
        alarm.add("trigger", dt.timedelta(days=-REMINDER_DAYS))
        ev.add_component(alarm)
        cal.add_component(ev)
    return cal


def export_calendar(
    store: Store,
    path: Path,
    *,
    area: str | None = None,
    today: dt.date | None = None,
    marking: str | None = None,
    marking_reason: str = "",
) -> CalendarResult:
    """Write the .ics for every active OCG (or those led in ``area``) and audit the export."""
    require(store, Permission.EXPORT, action="export the re-assessment calendar")
    # the export rule: lowering below OFFICIAL-SENSITIVE needs a recorded reason
    mark = export_marking([], requested=marking, lowering_reason=marking_reason)
    report = reassessment.schedule(store, today=today, area=area)
    data = build_calendar(report, marking=mark.value, scope=area or "all areas").to_ical()

    def record(w: Written) -> str:
        scoring.record_export(
            store,
            kind="calendar",
            path=str(w.path),
            items=len(report.rows),
            sha256=w.sha256,
            marking=mark.value,
            scope=area or "all areas",
            marking_reason=marking_reason,
        )
        return w.sha256

    path = check_target(store, path)
    format_for(path, None, ("ics",), default="ics")  # a calendar is named .ics (or nothing)
    digest = write_file(store, path, lambda tmp: tmp.write_bytes(data), record)
    return CalendarResult(path, len(report.rows), digest)
