"""Input limits shared by every service that takes free text or dates from people and files.

One place for the rules, so that an import, a form and the CLI refuse the same things.
"""

from __future__ import annotations

import datetime as dt

from socmap.domain.errors import ValidationError
from socmap.domain.text import plural

#: Longest rationale kept on record (review decisions, archiving, disruption levels, ratings).
RATIONALE_MAX = 2000
#: Earliest date socmap accepts for something that happened (intelligence, crimes).
EARLIEST_DATE = dt.date(1900, 1, 1)
#: How far ahead of today a reported date may be (time zones, a report filed after midnight).
FUTURE_SLACK = dt.timedelta(days=1)


def check_length(field: str, text: str, limit: int = RATIONALE_MAX) -> str:
    """``text`` unchanged when at most ``limit`` characters; ValidationError naming ``field``."""
    if len(text) > limit:
        raise ValidationError(
            field, f"is {plural(len(text), 'character')} long; the limit is {limit:,}"
        )
    return text


def date_problem(day: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why ``day`` cannot be when something happened (in the future, before 1900); else None."""
    today = today or dt.date.today()
    if day < EARLIEST_DATE:
        return f"{day.isoformat()} is before {EARLIEST_DATE.year}; check the year"
    if day > today + FUTURE_SLACK:
        return f"{day.isoformat()} is in the future (today is {today.isoformat()})"
    return None
