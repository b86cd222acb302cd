"""Opening records: every view of a nominal's record is on the audit trail.

What counts as a view (decided here, documented in README):

* opening a nominal's record (name, date of birth, aliases, flags, notes, memberships, review
  state) is a view of that nominal: one ``view`` row on entity ``nominal``;
* opening an OCG's detail pane, which lists its members' names and roles, is a view of the OCG:
  one ``view`` row on entity ``ocg`` whose payload lists the nominal ids shown, so an auditor can
  still answer "who has seen this person listed" without a row per member;
* tables, the map, counts and searches that the app draws without a person opening a record are
  not recorded (they would bury the trail and say nothing about intent).

The same person opening the same record again within a minute is recorded once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from socmap.domain.changes import Changes
from socmap.domain.errors import NotFoundError
from socmap.domain.groups import Membership, Nominal
from socmap.domain.roles import Permission
from socmap.services.auth import require
from socmap.services.queries import OcgDetail, ocg_detail
from socmap.store import audit, groups, review
from socmap.store.db import Store, unit_of_work

#: A repeated view of the same record by the same person within this time is recorded once.
VIEW_REPEAT_WINDOW = dt.timedelta(seconds=60)

_EXISTS = {
    "nominal": groups.nominal_exists,
    "ocg": groups.ocg_exists,
}


@unit_of_work
def record_view(
    store: Store, entity: str, entity_id: int, *, shown_nominals: tuple[int, ...] = ()
) -> Changes:
    """Put a view of one record on the audit trail (the person must be allowed to view)."""
    require(store, Permission.VIEW, action="view records")
    exists = _EXISTS.get(entity)
    if exists is not None and not exists(store, entity_id):
        raise NotFoundError(f"there is no {entity} with id {entity_id}")
    with store.atomic():
        last = audit.rows(store, limit=1)
        if last:
            row = last[0]
            recent = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(row.ts)
            if (
                row.action == "view"
                and row.actor == store.actor
                and row.entity == entity
                and row.entity_id == str(entity_id)
                and recent < VIEW_REPEAT_WINDOW
            ):
                return Changes()
        extra = {"nominal_ids": sorted(set(shown_nominals))} if shown_nominals else None
        audit.record(
            store,
            action="view",
            entity=entity,
            entity_id=entity_id,
            summary=f"opened {entity} {entity_id}",
            extra=extra,
        )
    return Changes.of("audit")


@dataclass(frozen=True)
class NominalRecord:
    """A nominal's record as its pane shows it."""

    nominal: Nominal
    memberships: tuple[Membership, ...]
    review_due: str | None
    review_group: int
    retention_rationale: str


def open_nominal_record(store: Store, nominal_id: int) -> NominalRecord:
    """Read a nominal's record for a person and record the view."""
    nominal = groups.get_nominal(store, nominal_id)
    record_view(store, "nominal", nominal_id)
    due, group, rationale = review.review_state(store, "nominal", nominal_id)
    memberships = tuple(m for m in groups.memberships_of_nominal(store, nominal_id))
    return NominalRecord(nominal, memberships, due, group, rationale)


def open_ocg_detail(store: Store, ocg_id: int) -> OcgDetail:
    """The OCG's detail (members listed) for a person opening it; recorded as a view of the OCG."""
    detail = ocg_detail(store, ocg_id)
    record_view(
        store,
        "ocg",
        ocg_id,
        shown_nominals=tuple(int(n.id) for _, n in detail.members if n.id is not None),
    )
    return detail
