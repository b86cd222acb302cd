"""MoPI review and disposal (brief 6.3): a review queue, recorded decisions, real deletion.

Each nominal and intelligence item has a review date, a review group (1 certain public
protection matters, 2 other sexual/violent/serious, 3 the rest) and a recorded rationale for
holding it. A supervisor reviews what is due and decides:

* **retain**: a new review date and the rationale, recorded as a decision and on the trail;
* **dispose**: the record and everything personal about it is deleted for real: its row, its
  memberships and links, the before/after values of every audit row about it (replaced by the
  tombstone; the chain still verifies) and the rationale of earlier decisions on it. The file is
  then vacuumed with ``secure_delete`` on and the WAL truncated, so no copy is left in it. What
  stays is a tombstone: a ``dispose`` audit row and decision naming only the record's id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from socmap.domain import limits
from socmap.domain.changes import Changes
from socmap.domain.errors import StoreError, ValidationError
from socmap.domain.roles import Permission
from socmap.domain.text import Page, plural
from socmap.services import redaction
from socmap.services.auth import require
from socmap.store import audit, review
from socmap.store.db import Store, unit_of_work

RATIONALE_MIN = 10
RATIONALE_MAX = limits.RATIONALE_MAX
#: No review date further ahead than this (group 1's review cycle, brief 6.3).
MAX_REVIEW_YEARS = 10
ERASED_RATIONALE = "[erased when the record was disposed of]"
GROUPS = {
    1: "Certain public protection matters (review about every 10 years)",
    2: "Other sexual, violent or serious offending (10-year clear period)",
    3: "All other records (6-year clear period)",
}
#: Payload keys under which other audit rows refer to a reviewed record (erased at disposal),
#: besides the names of foreign-key columns that point at its table (found in the schema).
REFERRING_KEYS: dict[str, tuple[str, ...]] = {
    "nominal": ("nominal_id", "nominal_a", "nominal_b", "person_id"),
    "intel": ("intel_id",),
}


class ReviewItem(NamedTuple):
    """One record in the review queue."""

    entity: str
    id: int
    label: str
    due: str | None
    group: int
    rationale: str
    marking: str

    @property
    def due_text(self) -> str:
        """The due date, or why there is none."""
        return self.due or "no review date recorded"


def parse_entity(value: str) -> str:
    """``nominal`` or ``intel``; ValidationError otherwise."""
    text = str(value).strip().lower()
    if text not in review.REVIEWED:
        raise ValidationError("record", f"unknown record kind '{value}' (use nominal or intel)")
    return text


def parse_group(value: int | str) -> int:
    """Review group 1, 2 or 3; ValidationError otherwise."""
    try:
        group = int(str(value).strip())
    except ValueError:
        group = 0
    if group not in GROUPS:
        raise ValidationError("group", f"'{value}' is not a review group (use 1, 2 or 3)")
    return group


def check_rationale(text: str, *, forbidden: list[str] | tuple[str, ...] = ()) -> str:
    """A rationale: required, 10-2000 characters, no control characters, naming nobody given."""
    if not isinstance(text, str):
        raise ValidationError("rationale", f"expected text, got {type(text).__name__}")
    clean = " ".join(text.split())
    if len(clean) < RATIONALE_MIN:
        raise ValidationError(
            "rationale", f"say why (at least {RATIONALE_MIN} characters); it is kept on record"
        )
    if len(clean) > RATIONALE_MAX:
        raise ValidationError(
            "rationale", f"is {plural(len(clean), 'character')} long; the limit is {RATIONALE_MAX}"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in clean):
        raise ValidationError("rationale", "contains control characters")
    folded = clean.casefold()
    for name in forbidden:
        if name.casefold() in folded:
            raise ValidationError(
                "rationale",
                "must not name the person: a disposal rationale is kept after the record is gone",
            )
    return clean


def review_queue(
    store: Store, *, as_of: dt.date | None = None, limit: int = 500
) -> Page[ReviewItem]:
    """The first ``limit`` records due for review by ``as_of`` (default today), most overdue
    first; the page's ``total`` is how many are due in all.

    Public open data (police.uk crimes) is not police information and never enters the queue.
    """
    require(store, Permission.VIEW, action="see the review queue")
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    as_of = as_of or dt.date.today()
    rows = [ReviewItem(*r) for r in review.queue_rows(store, as_of=as_of, limit=limit)]
    total = len(rows)
    if total >= limit:
        total = sum(review.queue_count(store, as_of=as_of).values())
    return Page(rows, total)


def queue_counts(store: Store, *, as_of: dt.date | None = None) -> dict[str, int]:
    """How many records are due for review by ``as_of``, per kind."""
    require(store, Permission.VIEW, action="see the review queue")
    return review.queue_count(store, as_of=as_of or dt.date.today())


def queue_and_counts(
    store: Store, as_of: dt.date | None = None, limit: int = 500
) -> tuple[Page[ReviewItem], dict[str, int]]:
    """What the Review tab shows: :func:`review_queue` and :func:`queue_counts` together."""
    return review_queue(store, as_of=as_of, limit=limit), queue_counts(store, as_of=as_of)


@unit_of_work
def retain(
    store: Store,
    entity: str,
    entity_id: int,
    *,
    next_review: dt.date,
    rationale: str,
    group: int | str | None = None,
    today: dt.date | None = None,
) -> Changes:
    """Record a decision to keep a record: its next review date, group and rationale."""
    require(store, Permission.APPROVE, action="record review decisions")
    kind = parse_entity(entity)
    today = today or dt.date.today()
    _due, old_group, _old = review.review_state(store, kind, entity_id)
    grp = parse_group(group) if group is not None else old_group
    if not isinstance(next_review, dt.date):
        raise ValidationError("next_review", "must be a date")
    if next_review <= today:
        raise ValidationError("next_review", "must be after today")
    if next_review > today.replace(year=today.year + MAX_REVIEW_YEARS, day=min(today.day, 28)):
        raise ValidationError(
            "next_review", f"must be within {MAX_REVIEW_YEARS} years (review again by then)"
        )
    text = check_rationale(rationale)
    with store.atomic():
        review.set_review(store, kind, entity_id, due=next_review, group=grp, rationale=text)
        decision_id = review.insert_decision(
            store,
            entity=kind,
            entity_id=entity_id,
            decided_on=today,
            decided_by=store.actor,
            decision="retain",
            group=grp,
            next_review=next_review,
            rationale=text,
        )
        audit.record(
            store,
            action="review",
            entity=kind,
            entity_id=entity_id,
            summary=f"review: retain {kind} {entity_id} until {next_review.isoformat()} "
            f"(group {grp})",
            after={"next_review": next_review.isoformat(), "group": grp, "rationale": text},
            extra={"decision_id": decision_id},
        )
    return Changes.of(kind, entity_id) | Changes.of("review")


@dataclass(frozen=True)
class DisposalReport:
    """What a disposal removed, and whether the file holds no old copy of it any more."""

    entity: str
    entity_id: int
    deleted: dict[str, int]
    payloads_erased: int
    compacted: bool


@unit_of_work
def dispose(
    store: Store,
    entity: str,
    entity_id: int,
    *,
    rationale: str,
    today: dt.date | None = None,
) -> tuple[DisposalReport, Changes]:
    """Delete a record and everything personal about it for real; leave a tombstone.

    Returns ``compacted=False`` when another connection kept the WAL from being truncated (the
    old copies then go at the next ``socmap review compact`` or when the app closes).
    """
    require(store, Permission.APPROVE, action="dispose of records")
    kind = parse_entity(entity)
    today = today or dt.date.today()
    _due, group, _old = review.review_state(store, kind, entity_id)
    text = check_rationale(rationale, forbidden=review.personal_strings(store, kind, entity_id))
    person = _person_redactor(store, kind, entity_id)
    previous = review.set_secure_delete(store, True)
    try:
        with store.atomic():
            keys = tuple(
                dict.fromkeys(
                    [
                        *REFERRING_KEYS[kind],
                        *(c for _t, c, _r in review.referencing_columns(store, kind)),
                    ]
                )
            )
            ids = audit.payload_ids_referring(store, entity=kind, entity_id=entity_id, keys=keys)
            scrubbed: dict[str, int] = {}
            if person is not None:
                # free text anywhere that mentions the person (narratives and every stored
                # version of them, notes, intelligence text, imported file names), and every
                # audit payload that does: erased, listed in the dispose row
                ids = sorted(set(ids) | set(review.payload_ids_mentioning(store, person.mentions)))
            deleted = review.delete_record(store, kind, entity_id)
            if person is not None:
                scrubbed = review.scrub_free_text(store, person.mentions, person.redact)
            review.erase_decision_rationales(store, kind, entity_id, ERASED_RATIONALE)
            erased = audit.erase_payloads(store, ids)
            decision_id = review.insert_decision(
                store,
                entity=kind,
                entity_id=entity_id,
                decided_on=today,
                decided_by=store.actor,
                decision="dispose",
                group=group,
                next_review=None,
                rationale=text,
            )
            audit.record(
                store,
                action="dispose",
                entity=kind,
                entity_id=entity_id,
                summary=f"review: disposed of {kind} {entity_id} "
                f"({plural(sum(deleted.values()), 'row')} deleted, {plural(erased, 'audit value')} "
                f"erased, {plural(sum(scrubbed.values()), 'free-text value')} redacted)",
                extra={
                    "erased_audit_ids": ids,
                    "deleted": deleted,
                    "redacted": scrubbed,
                    "rationale": text,
                    "decision_id": decision_id,
                },
            )
        try:
            compacted = review.compact(store)
        except StoreError as exc:
            raise StoreError(
                f"{kind} {entity_id} was disposed of (that is saved and on the trail), but the "
                f"file could not be compacted afterwards: {exc}. Old copies of its values may "
                "remain in the file until 'socmap review compact' succeeds"
            ) from None
    finally:
        review.set_secure_delete(store, bool(previous))
    report = DisposalReport(kind, entity_id, deleted, erased, compacted)
    return report, Changes.of(kind, entity_id) | Changes.of("review") | Changes.of("ocg")


def _person_redactor(store: Store, kind: str, entity_id: int) -> redaction.Redactor | None:
    """A redactor for one nominal's every spelling: the full name in any order, aliases,
    address; the surname or forenames alone only where nobody else shares them (a relative's
    name in a note stays)."""
    if kind != "nominal":
        return None
    ident = review.identity_of(store, entity_id)
    if ident is None:
        return None
    shared_surname, shared_forenames = review.names_shared(store, entity_id)
    return redaction.Redactor.for_person(
        ident, surname_alone=not shared_surname, forenames_alone=not shared_forenames
    )


def compact_file(store: Store) -> bool:
    """Vacuum the file and truncate its WAL (after a disposal that could not); True when done."""
    require(store, Permission.APPROVE, action="compact the database")
    previous = review.set_secure_delete(store, True)
    try:
        return review.compact(store)
    finally:
        review.set_secure_delete(store, bool(previous))


def decisions(store: Store, entity: str, entity_id: int) -> list[tuple[object, ...]]:
    """A record's review decisions, oldest first."""
    require(store, Permission.VIEW, action="see review decisions")
    return review.decisions(store, parse_entity(entity), entity_id)


DEMO_RATIONALES = (
    "Active member of a mapped OCG; intelligence current and corroborated",
    "Subject of a live investigation; retain until its outcome is recorded",
    "Linked to county lines activity in the last two years",
    "Associate of principal members; continuing policing purpose",
    "Prison release due; risk of resuming offending",
)


def demo_step(ctx: Any, progress: Any) -> None:
    """Demo: review dates, groups and rationales for the demo's nominals; some intel overdue.

    Uses its own seeded generator so the steps after it see the same random stream as before.
    """
    import random

    progress.status("Setting review dates")
    rng = random.Random(f"review-{ctx.seed}")
    rows = []
    for nid in ctx.nominal_ids:
        r = rng.random()
        group = 1 if r < 0.03 else 2 if r < 0.25 else 3
        overdue = rng.random() < 0.05
        days = rng.randint(-120, -1) if overdue else rng.randint(30, 6 * 365)
        due = ctx.as_of + dt.timedelta(days=days)
        rows.append((due.isoformat(), group, rng.choice(DEMO_RATIONALES), nid))
    review.set_reviews_bulk(ctx.store, "nominal", rows)
    review.mark_intel_due(
        ctx.store,
        every=97,
        as_of=ctx.as_of,
        rationale="Intelligence reported by a source since deactivated; check it is still needed",
    )
