"""Scoring, approval, re-scoring, the re-assessment schedule and compliance per area.

Writes check the acting account's permission, validate through the domain, write in one
transaction with their audit row and return :class:`Changes`. Public entry points other features
call: :func:`record_trigger` (e.g. when a major disruption is approved) and
:func:`current_bands` (map, briefing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from socmap.domain.changes import Changes
from socmap.domain.errors import NotFoundError, PermissionDenied, ValidationError
from socmap.domain.groups import check_transition
from socmap.domain.ids import format_ocg_ref
from socmap.domain.limits import check_length
from socmap.domain.roles import Permission
from socmap.domain.schedule import (
    TRIGGER_KINDS,
    Trigger,
    parse_schedule,
    trigger_due,
    validate_trigger,
)
from socmap.domain.scoring import (
    SCHEMES,
    Assessment,
    FactorMove,
    Rating,
    ScoreBreakdown,
    ScoringPolicy,
    breakdown_from_json,
    breakdown_to_json,
    check_assessment_transition,
    check_policy,
    check_submittable,
    compare,
    parse_policy,
    score,
    unknown_factor,
)
from socmap.domain.text import plural
from socmap.domain.vocab import Status
from socmap.services import register
from socmap.services.auth import require
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.services.reassessment import due_of, load_schedule
from socmap.store import audit, groups
from socmap.store import scoring as rows
from socmap.store.db import Store, unit_of_work

CONFIG_KINDS = ("ocgm", "morile", "schedule")


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _ref(ocg_id: int) -> str:
    return f"OCG-{ocg_id:04d}"


# ---------------------------------------------------------------------------- configuration


def load_policy(
    store: Store, scheme: str, *, config_id: int | None = None
) -> tuple[ScoringPolicy, int]:
    """The scheme's current policy (or the version ``config_id``) and its config row id."""
    if scheme not in SCHEMES:
        raise ValidationError("scheme", f"unknown scheme '{scheme}' (use {', '.join(SCHEMES)})")
    row = rows.config_by_id(store, config_id) if config_id else rows.latest_config(store, scheme)
    return parse_policy(row.body, version=row.version), row.id


def config_document(store: Store, kind: str) -> tuple[int, dict[str, Any]]:
    """(version, body) of the current configuration ``kind`` (for the editor)."""
    if kind not in CONFIG_KINDS:
        raise ValidationError("kind", f"unknown configuration '{kind}'")
    row = rows.latest_config(store, kind)
    return row.version, row.body


def config_history(store: Store, kind: str) -> list[tuple[int, str, str, str]]:
    """(version, created_by, created_at, note) of every version of ``kind``, newest first."""
    return [
        (r.version, r.created_by, r.created_at, r.note) for r in rows.config_versions(store, kind)
    ]


@unit_of_work
def save_config(
    store: Store, *, kind: str, body: Mapping[str, Any], note: str = ""
) -> tuple[int, Changes]:
    """Store an edited configuration as a new version (admins only); returns the version.

    Raises:
        ValidationError: the document is inconsistent (overlapping thresholds, a negative
            weight, ...); nothing is written.
    """
    require(store, Permission.ADMIN, action="change scoring configuration")
    if kind not in CONFIG_KINDS:
        raise ValidationError("kind", f"unknown configuration '{kind}'")
    doc = json.loads(json.dumps(body))  # a plain, detached copy
    if kind == "schedule":
        parse_schedule(doc)
    else:
        policy = parse_policy(doc)
        if policy.scheme != kind:
            raise ValidationError("scheme", f"a {kind} configuration must say scheme '{kind}'")
        check_policy(policy)
    with store.atomic():
        before = rows.latest_config(store, kind)
        if json.dumps(before.body, sort_keys=True) == json.dumps(doc, sort_keys=True):
            raise ValidationError("config", "nothing changed; no new version was made")
        stored = rows.insert_config(store, kind=kind, body=doc, note=note.strip())
        audit.record(
            store,
            action="config",
            entity="scoring_config",
            entity_id=f"{kind}:{stored.version}",
            summary=f"{kind} configuration version {stored.version} (was {before.version})",
            before=before.body,
            after=doc,
            extra={"note": note.strip()},
        )
    return stored.version, Changes.of("scoring_config")


def with_weight(body: Mapping[str, Any], factor_key: str, weight: float) -> dict[str, Any]:
    """A copy of a scheme document with one factor's weight changed (``markets.drugs``)."""
    doc = json.loads(json.dumps(body))
    section, _, name = factor_key.partition(".")
    for sec in doc.get("sections", []):
        if sec.get("key") == section and name in sec.get("factors", {}):
            sec["factors"][name]["weight"] = weight
            return doc
    known = [
        f"{sec.get('key')}.{name}"
        for sec in doc.get("sections", [])
        for name in sec.get("factors", {})
    ]
    raise ValidationError(factor_key, unknown_factor(str(doc.get("scheme", "")), known, factor_key))


# ------------------------------------------------------------------------------ assessments


def preview(
    store: Store, *, scheme: str, ratings: Mapping[str, Rating | int | str | bool]
) -> ScoreBreakdown:
    """Score ``ratings`` under the current configuration without writing (live dialog total)."""
    policy, _ = load_policy(store, scheme)
    return score(policy, ratings)


def _check_scorable(store: Store, ocg_id: int) -> str:
    name, status = rows.ocg_status(store, ocg_id)
    if status == Status.ARCHIVED:
        raise ValidationError("ocg", f"{_ref(ocg_id)} is archived; reactivate it before scoring it")
    return name


@unit_of_work
def create_assessment(
    store: Store,
    *,
    ocg_id: int,
    scheme: str,
    ratings: Mapping[str, Rating | int | str | bool],
    on: dt.date | None = None,
    submit: bool = False,
) -> tuple[Assessment, Changes]:
    """Score a group under the current configuration as a draft (or submitted) assessment.

    Factors left out are "not known" (see :func:`socmap.domain.scoring.score`); a draft may
    hold them, a submitted assessment may not leave a required factor unrated.

    Raises:
        ValidationError: unknown factor, rating out of range, archived group, future date,
            submitting with a required factor not known.
    """
    require(store, Permission.EDIT, action="score OCGs")
    _check_scorable(store, ocg_id)
    policy, config_id = load_policy(store, scheme)
    breakdown = score(policy, ratings)
    if submit:
        check_submittable(policy, breakdown)
    day = _today(on)
    if day > dt.date.today():
        raise ValidationError("assessed_on", f"{day.isoformat()} is in the future")
    with store.atomic():
        aid = rows.insert_assessment(
            store,
            (
                ocg_id,
                scheme,
                config_id,
                policy.version,
                json.dumps(breakdown_to_json(breakdown)),
                breakdown.total,
                breakdown.band,
                store.actor,
                day.isoformat(),
                "manual",
                None,
                "submitted" if submit else "draft",
                None,
                None,
                "",
            ),
        )
        audit.record(
            store,
            action="create",
            entity="assessment",
            entity_id=aid,
            summary=f"{scheme} assessment {aid} of {_ref(ocg_id)}: {breakdown.total:g} "
            f"(band {breakdown.band}), {'submitted' if submit else 'draft'}",
            after=breakdown_to_json(breakdown),
        )
        stored = rows.get_assessment(store, aid)
    return stored, Changes.of("assessment", aid) | Changes.of("ocg", ocg_id)


@unit_of_work
def submit_assessment(
    store: Store, assessment_id: int, *, full_review: bool = False
) -> tuple[Assessment, Changes]:
    """Send a draft for approval.

    ``full_review`` marks a re-calculation (old ratings re-scored under a new configuration) as
    reviewed in full by its assessor: once approved it restarts the re-assessment clock, as a
    new assessment does. Without it, approving a re-calculation changes the band only.
    """
    require(store, Permission.EDIT, action="submit assessments")
    with store.atomic():
        a = rows.get_assessment(store, assessment_id)
        check_assessment_transition(a.status, "submitted")
        policy, _ = load_policy(store, a.scheme, config_id=a.config_id)
        check_submittable(policy, a.breakdown)
        if full_review and a.is_recalculation:
            if a.assessor != store.actor:
                raise PermissionDenied(
                    f"only the assessor ('{a.assessor}') may mark assessment {assessment_id} "
                    "as a full review"
                )
            rows.mark_full_review(store, assessment_id)
        rows.set_workflow(store, assessment_id, status="submitted")
        stored = rows.get_assessment(store, assessment_id)
        audit.record(
            store,
            action="submit",
            entity="assessment",
            entity_id=assessment_id,
            summary=f"assessment {assessment_id} of {_ref(a.ocg_id)} submitted "
            f"({stored.kind_label})",
        )
    return stored, Changes.of("assessment", assessment_id) | Changes.of("ocg", a.ocg_id)


def can_decide(store: Store, a: Assessment) -> str | None:
    """Why the acting account may not approve or return ``a`` (None when it may)."""
    from socmap.services.auth import can

    if not can(store, Permission.APPROVE):
        return "only a supervisor may approve or return assessments"
    if a.assessor == store.actor:
        return "an assessor cannot approve or return their own assessment; ask another supervisor"
    if a.status != "submitted":
        return f"the assessment is {a.status}, not awaiting a decision"
    return None


@unit_of_work
def _decide(
    store: Store, assessment_id: int, *, status: str, on: dt.date | None, reason: str
) -> tuple[Assessment, Changes]:
    verb = "approve" if status == "approved" else "return"
    require(store, Permission.APPROVE, action=f"{verb} assessments")
    with store.atomic():
        a = rows.get_assessment(store, assessment_id)
        if a.assessor == store.actor:
            raise PermissionDenied(
                f"'{store.actor}' assessed {_ref(a.ocg_id)} in assessment {assessment_id} and "
                f"cannot {verb} it; another supervisor must decide"
            )
        check_assessment_transition(a.status, status)
        if status == "approved":
            _check_scorable(store, a.ocg_id)
        day = _today(on)
        if day < a.assessed_on:
            raise ValidationError("decided_on", "cannot be before the assessment date")
        rows.set_workflow(
            store,
            assessment_id,
            status=status,
            approver=store.actor,
            decided_on=day,
            return_reason=reason,
        )
        clock = ""
        if status == "approved":
            clock = (
                "; re-assessment clock not restarted (a re-calculation, not a full review)"
                if a.is_recalculation
                else "; re-assessment clock restarted"
            )
            due = due_of(store, a.ocg_id)
            clock += f", next due {_iso(due)}"
        audit.record(
            store,
            action=verb,
            entity="assessment",
            entity_id=assessment_id,
            summary=f"assessment {assessment_id} of {_ref(a.ocg_id)} {status} "
            f"(band {a.band}, {a.kind_label}){clock}",
            extra={"reason": reason} if reason else None,
        )
        stored = rows.get_assessment(store, assessment_id)
    return stored, Changes.of("assessment", assessment_id) | Changes.of("ocg", a.ocg_id)


def approve_assessment(
    store: Store, assessment_id: int, *, on: dt.date | None = None
) -> tuple[Assessment, Changes]:
    """Approve a submitted assessment (a supervisor other than its assessor)."""
    return _decide(store, assessment_id, status="approved", on=on, reason="")


def return_assessment(
    store: Store, assessment_id: int, *, reason: str, on: dt.date | None = None
) -> tuple[Assessment, Changes]:
    """Send a submitted assessment back to its assessor with a reason."""
    require(store, Permission.APPROVE, action="return assessments")  # before looking at input
    if not reason.strip():
        raise ValidationError("reason", "say why the assessment is returned")
    return _decide(store, assessment_id, status="returned", on=on, reason=reason.strip())


def get_assessment(store: Store, assessment_id: int) -> Assessment:
    """One assessment."""
    return rows.get_assessment(store, assessment_id)


def history(store: Store, ocg_id: int) -> list[Assessment]:
    """Every assessment of a group, oldest first (all states)."""
    return rows.assessments_of(store, ocg_id)


def pending_approvals(store: Store) -> list[Assessment]:
    """Assessments awaiting a supervisor's decision, oldest first."""
    return rows.assessments_with_status(store, ["submitted"])


def drafts(store: Store) -> list[Assessment]:
    """Draft assessments not yet submitted, oldest first."""
    return rows.assessments_with_status(store, ["draft"])


def band_grid(store: Store) -> tuple[str, ...]:
    """Every band the current configurations can give (both schemes), highest first."""
    out: list[str] = []
    for scheme in SCHEMES:
        try:
            policy, _ = load_policy(store, scheme)
        except (NotFoundError, ValidationError):
            continue
        out.extend(b for b in policy.bands if b not in out)
    return tuple(out)


def current_bands(
    store: Store, approved: dict[int, tuple[int, dt.date, str, float, str]] | None = None
) -> dict[int, str]:
    """ocg id -> band of its latest approved assessment (groups never approved are absent).

    ``approved``: ``store.scoring.latest_approved`` when the caller has already read it.
    """
    if approved is None:
        approved = rows.latest_approved(store)
    return {oid: v[2] for oid, v in approved.items()}


@dataclass(frozen=True)
class Comparison:
    """Two assessments of one group side by side."""

    before: Assessment
    after: Assessment
    moves: list[FactorMove]

    @property
    def total_delta(self) -> float:
        """Change in total score."""
        return round(self.after.total - self.before.total, 2)

    @property
    def band_changed(self) -> bool:
        """True when the band differs."""
        return self.before.band != self.after.band


def compare_assessments(store: Store, first_id: int, second_id: int) -> Comparison:
    """Which factors moved, and by how much, between two assessments (older one first)."""
    a, b = rows.get_assessment(store, first_id), rows.get_assessment(store, second_id)
    if a.ocg_id != b.ocg_id:
        raise ValidationError("assessment", "both assessments must be of the same group")
    if (b.assessed_on, b.id) < (a.assessed_on, a.id):
        a, b = b, a
    return Comparison(a, b, compare(a.breakdown, b.breakdown))


# --------------------------------------------------------------------------------- triggers


@dataclass(frozen=True)
class TriggerOutcome:
    """What recording a trigger did to the group's re-assessment date."""

    ocg_id: int
    kind: str
    on: dt.date
    trigger_due: dt.date
    due_before: dt.date | None
    due_after: dt.date | None
    scheduled: bool

    @property
    def moved(self) -> bool:
        """True when the re-assessment is now due earlier than before."""
        return self.due_after is not None and (
            self.due_before is None or self.due_after < self.due_before
        )

    @property
    def message(self) -> str:
        """One line for people: the new due date, or why it did not move."""
        return due_change_message(
            self.due_before, self.due_after, scheduled=self.scheduled, asked=self.trigger_due
        )


def due_change_message(
    before: dt.date | None,
    after: dt.date | None,
    *,
    scheduled: bool = True,
    asked: dt.date | None = None,
) -> str:
    """``re-assessment brought forward: now due ... (was ...)``, or why it did not move."""
    if not scheduled:
        return "re-assessment not brought forward: the group is archived and off the schedule"
    if after is not None and (before is None or after < before):
        was = f" (was {before.isoformat()})" if before else ""
        return f"re-assessment brought forward: now due {after.isoformat()}{was}"
    why = f", no later than the {asked.isoformat()} this trigger asks for" if asked else ""
    return f"re-assessment not brought forward: already due {_iso(before)}{why}"


def _iso(d: dt.date | None) -> str:
    return d.isoformat() if d else "-"


@unit_of_work
def record_trigger(
    store: Store, *, ocg_id: int, kind: str, on: dt.date | None = None, note: str = ""
) -> tuple[TriggerOutcome, Changes]:
    """Record an event that brings a group's re-assessment forward.

    ``kind`` is one of :data:`socmap.domain.schedule.TRIGGER_KINDS` (principal_arrested,
    major_disruption, firearms_intel, serious_violence_intel, merger_split). A trigger recorded
    after the last approval counts whatever its event date. Runs in the caller's transaction
    when there is one (a savepoint), so other features can call it inside theirs.

    Returns:
        What happened to the due date (the audit row says the same), and the changes.
    """
    require(store, Permission.EDIT, action="record re-assessment triggers")
    day = _today(on)
    validate_trigger(kind, day, today=dt.date.today())
    if not groups.ocg_exists(store, ocg_id):
        raise NotFoundError(f"there is no group {format_ocg_ref(ocg_id)}")
    policy = load_schedule(store)
    with store.atomic():
        before = due_of(store, ocg_id)
        _name, status = rows.ocg_status(store, ocg_id)
        tid = rows.insert_trigger(store, ocg_id=ocg_id, kind=kind, on=day, note=note.strip())
        after = due_of(store, ocg_id)
        outcome = TriggerOutcome(
            ocg_id=ocg_id,
            kind=kind,
            on=day,
            trigger_due=trigger_due(policy, Trigger(kind, day)),
            due_before=before,
            due_after=after,
            scheduled=status != Status.ARCHIVED,
        )
        audit.record(
            store,
            action="trigger",
            entity="ocg",
            entity_id=ocg_id,
            summary=f"{_ref(ocg_id)}: {TRIGGER_KINDS[kind]} on {day.isoformat()}; "
            + outcome.message,
            after={
                "trigger_id": tid,
                "kind": kind,
                "on": day.isoformat(),
                "note": note,
                "due_before": _iso(before),
                "due_after": _iso(after),
            },
        )
    return outcome, Changes.of("ocg", ocg_id) | Changes.of("schedule")


# --------------------------------------------------------------------------------- rescore


@dataclass(frozen=True)
class BandChange:
    """A group whose re-scored band differs from its approved band."""

    ocg_id: int
    name: str
    before: str
    after: str
    total_before: float
    total_after: float


@dataclass(frozen=True)
class RescoreSummary:
    """What a re-scoring run did."""

    created: int
    unchanged_band: int
    band_changes: list[BandChange]
    never_assessed: int
    already_pending: int
    failed: list[tuple[int, str]]
    config_versions: dict[str, int]


def rescore_all(
    store: Store, progress: Progress | None = None, *, today: dt.date | None = None
) -> RescoreSummary:
    """Re-score every active group's latest approved ratings under the current configuration.

    Each becomes a new *draft* re-calculation awaiting approval; nothing is approved, and
    approving one changes the group's band but not its re-assessment date (nobody reviewed the
    ratings) unless its assessor submits it as a full review. Groups never
    assessed, and groups already holding a pending draft under the current configuration, are
    skipped. One transaction: cancelling leaves nothing behind. One audit row for the batch.
    """
    require(store, Permission.EDIT, action="re-score OCGs")
    progress = progress or NullProgress()
    day = _today(today)
    progress.status("Loading configuration and assessments")
    policies = {s: load_policy(store, s) for s in SCHEMES}
    active = rows.schedule_sources(store, ["active"])
    latest = rows.latest_approved_breakdowns(store)
    new_rows: list[tuple[Any, ...]] = []
    changes: list[BandChange] = []
    failed: list[tuple[int, str]] = []
    never = pending_skip = unchanged = 0
    keys_by_scheme = {s: {f.key for f in p.factors} for s, (p, _cid) in policies.items()}
    pending_by_config = {
        s: rows.pending_counts(store, config_id=cid) for s, (_p, cid) in policies.items()
    }
    total = len(active)
    for i, s in enumerate(active):
        if i % 250 == 0:
            progress.advance(i, total)
            check_cancelled(progress)
        got = latest.get(s.id)
        if got is None:
            never += 1
            continue
        aid, text = got
        old = breakdown_from_json(json.loads(text))
        policy, config_id = policies[old.scheme]
        if pending_by_config[old.scheme].get(s.id):
            pending_skip += 1
            continue
        try:
            # a factor the new configuration dropped (e.g. the infiltration flag) is left out;
            # one it added is "not known" until someone rates it
            known = keys_by_scheme[old.scheme]
            new = score(policy, {k: r for k, r in old.ratings().items() if k in known})
        except ValidationError as exc:
            failed.append((s.id, str(exc)))
            continue
        new_rows.append(
            (
                s.id,
                old.scheme,
                config_id,
                policy.version,
                json.dumps(breakdown_to_json(new)),
                new.total,
                new.band,
                store.actor,
                day.isoformat(),
                "rescore",
                aid,
                "draft",
                None,
                None,
                "",
            )
        )
        if new.band != old.band:
            changes.append(BandChange(s.id, s.name, old.band, new.band, old.total, new.total))
        else:
            unchanged += 1
    check_cancelled(progress)
    progress.status(f"Writing {plural(len(new_rows), 'draft assessment')}")
    digest = hashlib.sha256(json.dumps(new_rows, default=str).encode()).hexdigest()
    with store.atomic():
        written = rows.insert_assessments(store, new_rows)
        check_cancelled(progress)
        audit.record(
            store,
            action="rescore",
            entity="assessment",
            summary=f"re-calculated {plural(written, 'active OCG')} as draft re-calculations "
            "under "
            + ", ".join(f"{k} v{p.version}" for k, (p, _c) in policies.items())
            + f"; {plural(len(changes), 'band change')}; approving one does not restart the "
            "re-assessment clock unless its assessor marks it a full review",
            after={"band_changes": [dataclasses.asdict(c) for c in changes]},
            extra={
                "source": "rescore_all",
                "counts": {
                    "created": written,
                    "never_assessed": never,
                    "already_pending": pending_skip,
                    "failed": len(failed),
                },
                "sha256": digest,
            },
        )
    progress.advance(total, total)
    return RescoreSummary(
        created=written,
        unchanged_band=unchanged,
        band_changes=changes,
        never_assessed=never,
        already_pending=pending_skip,
        failed=failed,
        config_versions={k: p.version for k, (p, _c) in policies.items()},
    )


# ------------------------------------------------------------------------------- archiving


@unit_of_work
def _lifecycle(
    store: Store, *, ocg_id: int, action: str, rationale: str, on: dt.date | None
) -> Changes:
    require(store, Permission.APPROVE, action=f"{action} OCGs (a supervisor decides)")
    if len(rationale.strip()) < 10:
        raise ValidationError(
            "rationale", f"say why the group is {action}d (10 characters or more)"
        )
    check_length("rationale", rationale.strip())
    day = _today(on)
    with store.atomic():
        before = groups.get_ocg(store, ocg_id)
        target = Status.ARCHIVED if action == "archive" else Status.ACTIVE
        if before.status == target:
            raise ValidationError("status", f"{before.display_id} is already {target.value}")
        if action == "reactivate" and before.status != Status.ARCHIVED:
            raise ValidationError("status", f"{before.display_id} is not archived")
        check_transition(before.status, target)
        after = dataclasses.replace(
            before, status=target, archived_on=day if action == "archive" else None
        )
        groups.update_ocg(store, after, expected_version=before.version)
        rows.insert_lifecycle(
            store, ocg_id=ocg_id, action=action, on=day, rationale=rationale.strip()
        )
        audit.record(
            store,
            action=action,
            entity="ocg",
            entity_id=ocg_id,
            summary=f"{action} {before.display_id} ({before.status.value} -> {target.value})",
            before={"status": before.status.value},
            after={"status": target.value, "on": day.isoformat()},
            extra={"rationale": rationale.strip()},
        )
    return Changes.of("ocg", ocg_id) | Changes.of("schedule")


def archive_ocg(store: Store, *, ocg_id: int, rationale: str, on: dt.date | None = None) -> Changes:
    """Archive a group (supervisor, with a rationale); it keeps its history and leaves compliance."""
    return _lifecycle(store, ocg_id=ocg_id, action="archive", rationale=rationale, on=on)


def reactivate_ocg(
    store: Store, *, ocg_id: int, rationale: str, on: dt.date | None = None
) -> Changes:
    """Make an archived group active again (supervisor, with a rationale)."""
    return _lifecycle(store, ocg_id=ocg_id, action="reactivate", rationale=rationale, on=on)


def set_status(
    store: Store, *, ocg_id: int, status: str, rationale: str = "", on: dt.date | None = None
) -> Changes:
    """Move a group along its lifecycle (trigger -> draft -> active -> archived, reactivation).

    Archiving and reactivating are a supervisor's decision with a rationale (as in the register's
    archive and reactivate actions); the other moves are an analyst's edit of the group, checked
    like the edit form (an active group needs a primary market, a lead area and an LRO).
    """
    require(store, Permission.EDIT, action="change an OCG's status")
    try:
        target = Status(str(status).strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise ValidationError("status", f"unknown status '{status}' (allowed: {allowed})") from None
    before = groups.get_ocg(store, ocg_id)
    if target is Status.ARCHIVED:
        return archive_ocg(store, ocg_id=ocg_id, rationale=rationale, on=on)
    if before.status is Status.ARCHIVED and target is Status.ACTIVE:
        return reactivate_ocg(store, ocg_id=ocg_id, rationale=rationale, on=on)
    if before.status == target:
        raise ValidationError("status", f"{before.display_id} is already {target.value}")
    return register.update_ocg(
        store, dataclasses.replace(before, status=target), action="set status"
    )[1] | Changes.of("schedule")


def lifecycle_history(store: Store, ocg_id: int) -> list[tuple[str, str, str, str]]:
    """(action, date, rationale, decided_by) archive/reactivation decisions for a group."""
    return rows.lifecycle_of(store, ocg_id)


# ------------------------------------------------------------------------------------ export


def record_export(
    store: Store,
    *,
    kind: str,
    path: str,
    items: int,
    sha256: str,
    marking: str,
    scope: str,
    marking_reason: str = "",
) -> None:
    """Write the audit row for a schedule export (Permission.EXPORT checked by the caller)."""
    require(store, Permission.EXPORT, action="export")
    audit.record(
        store,
        action="export",
        entity="schedule",
        entity_id=kind,
        summary=f"exported {kind} ({plural(items, 'event')}, {scope}) marked {marking}",
        extra={
            "path": path,
            "sha256": sha256,
            "items": items,
            "marking": marking,
            "marking_reason": marking_reason,
        },
    )
