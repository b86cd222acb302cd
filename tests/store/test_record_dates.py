"""'Data current to' counts every record type: discovered from the schema, not listed."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from typing import Any

from socmap.store import dialect, map_rows

#: Date columns that are not the date something happened: dates ahead, birth dates, workflow
#: and system times.
NOT_RECORD_DATES = {
    ("nominals", "date_of_birth"),
    ("nominals", "review_due"),
    ("intel", "review_due"),
    ("at_risk", "review_date"),
    ("interventions", "review_date"),
    ("profiles", "review_date"),
    ("profiles", "data_from"),
    ("profiles", "data_to"),
    ("partners", "isa_expires"),
    ("assessments", "decided_on"),
    ("assessments", "based_on"),
    ("profile_section_versions", "based_on"),
    ("disruptions", "approved_on"),
    ("disruptions", "second_approved_on"),
    ("review_decisions", "decided_on"),
    ("review_decisions", "next_review"),
    ("at_risk_proposals", "proposed_on"),
    ("users", "added_on"),
    ("areas", "retired_on"),  # when a boundary left the current set: not intelligence
}
DATE_SUFFIXES = ("_on", "_date", "_due", "_expires", "_from", "_to", "start", "end", "since")


def _date_columns(store: Any) -> set[tuple[str, str]]:
    found = set()
    tables = [t for t in dialect.user_tables(store.conn) if not t.startswith("_")]
    for table in tables:
        for row in dialect.table_info(store.conn, table):
            name = row[1]
            if name.endswith(DATE_SUFFIXES) or name in ("start", "end", "since"):
                found.add((table, name))
    return found


def test_every_record_date_column_counts(store: Any) -> None:
    columns = _date_columns(store)
    assert ("disruptions", "occurred_on") in columns
    missing = columns - set(map_rows.RECORD_DATES) - NOT_RECORD_DATES
    assert not missing, f"date columns neither counted nor excluded: {sorted(missing)}"
    assert set(map_rows.RECORD_DATES) <= columns


def test_a_later_disruption_moves_data_current_to(demo_store: Any) -> None:
    before = map_rows.latest_record_date(demo_store)
    assert before is not None
    later = "2027-01-15"
    with demo_store.atomic():
        demo_store.conn.execute("UPDATE disruptions SET occurred_on = ? WHERE id = 1", [later])
    on = dt.date(2027, 2, 1)  # the day the product is produced
    assert map_rows.latest_record_date(demo_store, today=on) == later
    assert map_rows.latest_record_date(demo_store, with_intel=False, today=on) == later


def test_data_current_to_is_never_in_the_future(demo_store: Any) -> None:
    """A date ahead (on any record type) never makes the data 'current to' the future."""
    today = dt.date.today()
    ahead = (today + dt.timedelta(days=400)).isoformat()
    with demo_store.atomic():
        for table, column in map_rows.RECORD_DATES:
            # an immutable record (an assessment) keeps its date (a savepoint: the refusal
            # leaves the transaction usable on both engines)
            with contextlib.suppress(sqlite3.IntegrityError), demo_store.atomic():
                demo_store.conn.execute(f'UPDATE "{table}" SET "{column}" = ?', [ahead])
    latest = map_rows.latest_record_date(demo_store)
    assert latest is None or latest <= today.isoformat()
    assert (map_rows.latest_record_date(demo_store, today=today + dt.timedelta(days=500))) == ahead
