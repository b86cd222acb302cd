"""Disruption use cases: record, approve, reject; and the read models behind "what works".

"What works" compares, for each disruption, the OCG's last approved assessment on or before the
disruption's date with its first approved assessment of the *same scheme* after it. The change
is expressed as a share of that scheme's maximum (after/max_after - before/max_before), so
schemes with different ranges are never mixed; a negative change means the assessed threat fell.
Assessments come from the scoring feature's table through ``store.disruptions``; without it,
every ``n_scored`` is 0 and every mean is None.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from socmap.domain.changes import Changes
from socmap.domain.disruptions import (
    LEVELS,
    STRANDS,
    TACTICS,
    Disruption,
    approve,
    reject,
    validate_disruption,
)
from socmap.domain.errors import NotFoundError, ValidationError
from socmap.domain.ids import format_ocg_ref
from socmap.domain.roles import Permission
from socmap.services.auth import require
from socmap.services.register import as_record
from socmap.store import audit
from socmap.store import disruptions as rows
from socmap.store import partners as partner_rows
from socmap.store.db import Store, unit_of_work


def _trigger_reassessment(store: Store, d: Disruption) -> bool:
    """Tell the scoring schedule (when present) that a Major disruption brings a re-score forward."""
    try:
        from socmap.services import scoring  # type: ignore[attr-defined]
    except ImportError:
        return False
    record_trigger = getattr(scoring, "record_trigger", None)
    if record_trigger is None:
        return False
    record_trigger(
        store,
        ocg_id=d.ocg_id,
        kind="major_disruption",
        on=d.occurred_on,
        note=f"Major disruption {d.id} ({TACTICS[d.tactic][0]}) recorded",
    )
    return True


@unit_of_work
def record_disruption(
    store: Store, disruption: Disruption, *, today: dt.date | None = None
) -> tuple[Disruption, Changes]:
    """Record a disruption claim (pending until approved).

    Raises:
        ValidationError: unknown OCG, tactic, strand or level; a date after the OCG was
            archived or in the future; a partner or nominal that does not exist.
    """
    require(store, Permission.EDIT, action="record disruptions")
    today = today or dt.date.today()
    state = rows.ocg_state(store, disruption.ocg_id)
    if state is None:
        raise ValidationError("ocg_id", f"there is no group {format_ocg_ref(disruption.ocg_id)}")
    d = validate_disruption(disruption, today=today, ocg_status=state[0], ocg_archived_on=state[1])
    partner_ids = set(d.partner_ids) | ({d.lead_partner_id} if d.lead_partner_id else set())
    missing = partner_ids - rows.existing_ids(store, "partners", sorted(partner_ids))
    if missing:
        field = "lead_partner_id" if d.lead_partner_id in missing else "partner_ids"
        raise ValidationError(field, f"there is no partner agency with id {min(missing)}")
    missing = set(d.nominal_ids) - rows.existing_ids(store, "nominals", d.nominal_ids)
    if missing:
        raise ValidationError("nominal_ids", f"there is no nominal with id {min(missing)}")
    d = dataclasses.replace(
        d,
        id=None,
        status="pending",
        recorded_by=store.actor,
        approver="",
        approved_on=None,
        second_approver="",
        second_approved_on=None,
    )
    with store.atomic():
        stored = rows.insert_disruption(store, d)
        audit.record(
            store,
            action="create",
            entity="disruption",
            entity_id=stored.id or "",
            summary=f"disruption {stored.id} recorded against OCG-{stored.ocg_id:04d}"
            f" ({stored.strand}, {stored.tactic}, claimed {stored.level})",
            after=as_record(stored),
        )
        triggered = stored.level == "major" and _trigger_reassessment(store, stored)
    changes = Changes.of("disruption", stored.id or 0) | Changes.of("ocg", stored.ocg_id)
    if triggered:
        changes = changes | Changes.of("schedule", stored.ocg_id)
    return stored, changes


@unit_of_work
def approve_disruption(
    store: Store, disruption_id: int, *, today: dt.date | None = None
) -> tuple[Disruption, Changes]:
    """Approve a claim as the acting account; a Major claim needs a second, different approver."""
    require(store, Permission.APPROVE, action="approve disruptions")
    today = today or dt.date.today()
    with store.atomic():
        before = rows.get_disruption(store, disruption_id)
        after = approve(before, approver=store.actor, on=today)
        rows.update_approval(store, after)
        step = (
            "first approval (awaiting second approver)" if after.status == "pending" else "approved"
        )
        audit.record(
            store,
            action="approve",
            entity="disruption",
            entity_id=disruption_id,
            summary=f"disruption {disruption_id}: {step}",
            before={"status": before.status, "approver": before.approver},
            after={
                "status": after.status,
                "approver": after.approver,
                "second_approver": after.second_approver,
            },
        )
    return after, Changes.of("disruption", disruption_id)


@unit_of_work
def reject_disruption(
    store: Store, disruption_id: int, *, today: dt.date | None = None, reason: str = ""
) -> tuple[Disruption, Changes]:
    """Refuse a pending claim; ``reason`` (why it was refused) goes on the audit trail."""
    require(store, Permission.APPROVE, action="reject disruption claims")
    today = today or dt.date.today()
    reason = " ".join((reason or "").split())
    with store.atomic():
        before = rows.get_disruption(store, disruption_id)
        after = reject(before, approver=store.actor, on=today)
        rows.update_approval(store, after)
        audit.record(
            store,
            action="reject",
            entity="disruption",
            entity_id=disruption_id,
            summary=f"disruption {disruption_id}: claim rejected",
            before={"status": before.status},
            after={"status": after.status},
            extra={"reason": reason} if reason else None,
        )
    return after, Changes.of("disruption", disruption_id)


# ------------------------------------------------------------------------------ score change

Assessment = tuple[int, str, float, float, dt.date]


def scheme_maximum(store: Store, config_id: int) -> float | None:
    """The highest total a scoring configuration can give (every factor at its top rating).

    Uses the scoring feature's configuration and pure scoring function; None when they are not
    available or the maximum is not positive.
    """
    try:
        from socmap.domain.scoring import parse_policy, score
        from socmap.store import scoring as scoring_rows
    except ImportError:  # the scoring feature is not installed
        return None
    try:
        row = scoring_rows.config_by_id(store, config_id)
    except Exception:  # an unknown config id: no maximum, so the case is not scored
        return None
    policy = parse_policy(row.body, version=row.version)
    top: dict[str, int | str | bool] = {}
    for f in policy.factors:
        if f.kind == "flag":
            top[f.key] = True
        elif f.kind == "choice":
            top[f.key] = max(f.choices, key=lambda c: c[1])[0]
        else:
            top[f.key] = f.max_level
    maximum = float(score(policy, top).total)
    return maximum if maximum > 0 else None


def approved_assessments(store: Store, *, ocg_ids: Sequence[int] | None = None) -> list[Assessment]:
    """(ocg_id, scheme, total, scheme maximum, assessed_on) of approved assessments.

    The maximum is the table's ``max_total`` when it has one, else worked out from the
    assessment's configuration version (once per version); rows without a maximum are left out.
    """
    maxima: dict[int, float | None] = {}
    out: list[Assessment] = []
    for oid, scheme, total, config_id, max_total, on in rows.approved_assessment_rows(
        store, ocg_ids=ocg_ids
    ):
        mx = max_total
        if mx is None and config_id is not None:
            if config_id not in maxima:
                maxima[config_id] = scheme_maximum(store, config_id)
            mx = maxima[config_id]
        if mx:
            out.append((oid, scheme, total, mx, on))
    return out


@dataclass(frozen=True)
class ScoreChange:
    """The approved assessments either side of a disruption (same scheme) and the change."""

    scheme: str
    before: float  # share of the scheme's maximum, 0..1
    before_on: dt.date
    after: float
    after_on: dt.date

    @property
    def change(self) -> float:
        """after - before, as a share of the scheme's maximum (negative: threat fell)."""
        return self.after - self.before


def score_changes(
    disruptions: Sequence[Disruption], assessments: Sequence[Assessment]
) -> dict[int, ScoreChange]:
    """For each disruption with approved assessments before and after it (same scheme)."""
    by_ocg: dict[int, list[Assessment]] = defaultdict(list)
    for a in assessments:
        by_ocg[a[0]].append(a)
    for lst in by_ocg.values():
        lst.sort(key=lambda a: a[4])
    out: dict[int, ScoreChange] = {}
    for d in disruptions:
        history = by_ocg.get(d.ocg_id)
        if not history or d.id is None:
            continue
        dates = [a[4] for a in history]
        k = bisect.bisect_right(dates, d.occurred_on)  # history[:k] are on or before the date
        if k == 0:
            continue
        before = history[k - 1]
        after = next((a for a in history[k:] if a[1] == before[1]), None)
        if after is None:
            continue
        out[d.id] = ScoreChange(
            scheme=before[1],
            before=before[2] / before[3],
            before_on=before[4],
            after=after[2] / after[3],
            after_on=after[4],
        )
    return out


@dataclass(frozen=True)
class WhatWorksRow:
    """One tactic within one 4P strand: how often used, levels claimed, mean score change."""

    tactic: str
    tactic_label: str
    tactic_area: str
    strand: str
    count: int
    levels: dict[str, int]
    mean_score_change: float | None
    n_scored: int
    pending: int = 0

    def as_json(self) -> dict[str, object]:
        """The row as the CLI prints it."""
        return {
            "tactic": self.tactic,
            "tactic_label": self.tactic_label,
            "tactic_area": self.tactic_area,
            "strand": self.strand,
            "count": self.count,
            "levels": self.levels,
            "mean_score_change": self.mean_score_change,
            "n_scored": self.n_scored,
            "pending": self.pending,
        }


def resolve_area(store: Store, area: str | int | None) -> int | None:
    """The id of an area given by name (case-insensitive) or id; None for no area.

    Raises:
        NotFoundError: no area has that name.
    """
    if area is None or area == "":
        return None
    if isinstance(area, int):
        return area
    for aid, name in partner_rows.area_rows(store, include_retired=True):
        if name.casefold() == area.strip().casefold():
            return int(aid)
    names = ", ".join(n for _a, n in partner_rows.area_rows(store))
    raise NotFoundError(f"there is no area called '{area}' (areas: {names})")


def what_works(store: Store, *, area: str | int | None = None) -> list[WhatWorksRow]:
    """The "what works" table over approved disruptions (optionally of one lead area's OCGs).

    ``count`` and ``levels`` count approved claims; ``pending`` counts claims awaiting approval;
    ``mean_score_change`` is the mean over the ``n_scored`` approved claims with assessments
    before and after (None when there are none).
    """
    area_id = resolve_area(store, area)
    all_d = rows.list_disruptions(store, area_id=area_id)
    approved = [d for d in all_d if d.status == "approved"]
    changes = score_changes(
        approved, approved_assessments(store, ocg_ids=sorted({d.ocg_id for d in approved}))
    )
    groups: dict[tuple[str, str], list[Disruption]] = defaultdict(list)
    pending: Counter[tuple[str, str]] = Counter()
    for d in all_d:
        if d.status == "approved":
            groups[(d.strand, d.tactic)].append(d)
        elif d.status == "pending":
            pending[(d.strand, d.tactic)] += 1
    out = []
    strand_order = list(STRANDS)
    tactic_order = list(TACTICS)
    keys = sorted(
        set(groups) | set(pending),
        key=lambda k: (strand_order.index(k[0]), tactic_order.index(k[1])),
    )
    for strand, tactic in keys:
        ds = groups.get((strand, tactic), [])
        level_counts = Counter(d.level for d in ds)
        scored = [changes[d.id].change for d in ds if d.id in changes]
        out.append(
            WhatWorksRow(
                tactic=tactic,
                tactic_label=TACTICS[tactic][0],
                tactic_area=TACTICS[tactic][1],
                strand=strand,
                count=len(ds),
                levels={lv: level_counts.get(lv, 0) for lv in LEVELS},
                mean_score_change=round(sum(scored) / len(scored), 6) if scored else None,
                n_scored=len(scored),
                pending=pending.get((strand, tactic), 0),
            )
        )
    return out


def describe_mean(change: float | None, n: int) -> str:
    """A mean score change as people should read it, always with the number of cases."""
    if change is None or n == 0:
        return "no scored cases"
    text = f"{change * 100:+.1f} pts (n={n})"
    return text + ", a single case" if n == 1 else text


# ---------------------------------------------------------------------------------- log rows


@dataclass(frozen=True)
class DisruptionRow:
    """One line of the disruption log."""

    id: int
    occurred_on: dt.date
    ocg_id: int
    ocg: str
    area: str
    strand: str
    tactic: str
    tactic_area: str
    level: str
    lead_agency: str
    status: str
    approvals: str
    follow_up: str
    score_change: str
    score_detail: str = ""


def disruption_log(
    store: Store,
    *,
    area: str | int | None = None,
    ocg_id: int | None = None,
    today: dt.date | None = None,
) -> list[DisruptionRow]:
    """The disruption log (newest first) with approval state, next follow-up and score change."""
    today = today or dt.date.today()
    area_id = resolve_area(store, area)
    ds = rows.list_disruptions(store, area_id=area_id, ocg_id=ocg_id)
    ocgs = {r[0]: r for r in partner_rows.ocg_rows(store)}
    areas = dict(partner_rows.area_rows(store, include_retired=True))
    changes = score_changes(ds, approved_assessments(store, ocg_ids=sorted({d.ocg_id for d in ds})))
    out = []
    for d in reversed(ds):
        o = ocgs.get(d.ocg_id)
        nxt = next((f for f in d.follow_ups if f >= today), None)
        if d.status == "approved":
            approvals = d.approver + (f" + {d.second_approver}" if d.second_approver else "")
        elif d.needs_second_approver:
            approvals = f"{d.approver}; awaiting second approver"
        elif d.status == "rejected":
            approvals = f"rejected by {d.approver}"
        else:
            approvals = "awaiting approval"
        sc = changes.get(d.id or 0)
        out.append(
            DisruptionRow(
                id=d.id or 0,
                occurred_on=d.occurred_on,
                ocg_id=d.ocg_id,
                ocg=f"OCG-{d.ocg_id:04d} {o[1]}" if o else f"OCG-{d.ocg_id:04d}",
                area=areas.get(o[3], "") if o and o[3] is not None else "",
                strand=STRANDS[d.strand],
                tactic=TACTICS[d.tactic][0],
                tactic_area=d.tactic_area.capitalize(),
                level=LEVELS[d.level],
                lead_agency=d.lead_agency,
                status=d.status,
                approvals=approvals,
                follow_up=nxt.isoformat() if nxt else "done",
                score_change=f"{sc.change * 100:+.1f} pts ({sc.scheme})" if sc else "",
                score_detail=(
                    f"{sc.scheme}: {sc.before:.0%} of maximum on {sc.before_on.isoformat()},"
                    f" {sc.after:.0%} on {sc.after_on.isoformat()} (approved assessments)"
                    if sc
                    else "no approved assessments of one scheme both before and after"
                ),
            )
        )
    return out


def get_disruption(store: Store, disruption_id: int) -> Disruption:
    """One disruption record."""
    return rows.get_disruption(store, disruption_id)


# ---------------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimelineEvent:
    """A disruption on the timeline."""

    id: int
    on: dt.date
    level: str
    label: str
    status: str


@dataclass
class TimelineData:
    """Disruptions and the score trend of one OCG or one area."""

    title: str
    start: dt.date
    end: dt.date
    events: list[TimelineEvent] = field(default_factory=list)
    #: scheme -> [(date, share of max)]
    scores: dict[str, list[tuple[dt.date, float]]] = field(default_factory=dict)


def tab_data(
    store: Store, area: str | int | None = None, today: dt.date | None = None
) -> tuple[list[DisruptionRow], list[WhatWorksRow]]:
    """What the Disruptions tab's log and "what works" pages show (optionally for one area)."""
    return disruption_log(store, area=area, today=today), what_works(store, area=area)


def timeline(
    store: Store,
    *,
    ocg_id: int | None = None,
    area: str | int | None = None,
    today: dt.date | None = None,
    years: int = 2,
) -> TimelineData:
    """Disruptions of one OCG (or of one area's OCGs, or all) against the score trend.

    For an OCG the trend is each approved assessment (one line per scheme); for an area, the
    mean share of the maximum per quarter over the area's OCGs, per scheme.
    """
    today = today or dt.date.today()
    start = dt.date(today.year - years, today.month, 1)
    area_id = resolve_area(store, area)
    ds = [
        d
        for d in rows.list_disruptions(store, ocg_id=ocg_id, area_id=area_id)
        if d.occurred_on >= start and d.status != "rejected"
    ]
    if ocg_id is not None:
        state = rows.ocg_state(store, ocg_id)
        if state is None:
            raise NotFoundError(f"there is no group {format_ocg_ref(ocg_id)}")
        name = next((r[1] for r in partner_rows.ocg_rows(store) if r[0] == ocg_id), "")
        title = f"OCG-{ocg_id:04d} {name}"
        ocg_ids: list[int] = [ocg_id]
    else:
        ocgs = partner_rows.ocg_rows(store)
        ocg_ids = [r[0] for r in ocgs if area_id is None or r[3] == area_id]
        title = (
            dict(partner_rows.area_rows(store, include_retired=True)).get(area_id, "")
            if area_id
            else "All areas"
        )
    data = TimelineData(title=title, start=start, end=today)
    data.events = [
        TimelineEvent(d.id or 0, d.occurred_on, d.level, TACTICS[d.tactic][0], d.status) for d in ds
    ]
    assessments = [a for a in approved_assessments(store, ocg_ids=ocg_ids) if a[4] >= start]
    if ocg_id is not None:
        for _o, scheme, total, mx, on in assessments:
            data.scores.setdefault(scheme, []).append((on, total / mx))
    else:
        buckets: dict[tuple[str, dt.date], list[float]] = defaultdict(list)
        for _o, scheme, total, mx, on in assessments:
            q = dt.date(on.year, (on.month - 1) // 3 * 3 + 1, 15)
            buckets[(scheme, q)].append(total / mx)
        for (scheme, q), vals in sorted(buckets.items()):
            data.scores.setdefault(scheme, []).append((q, sum(vals) / len(vals)))
    return data


# ---------------------------------------------------------------------------------- pickers


def ocg_choices(store: Store) -> list[tuple[int, str, str]]:
    """(id, "OCG-0001 name", status) of active and archived OCGs, for pickers."""
    return [
        (r[0], f"OCG-{r[0]:04d} {r[1]}", r[2])
        for r in partner_rows.ocg_rows(store)
        if r[2] in ("active", "archived", "draft")
    ]


def member_choices(store: Store, ocg_id: int) -> list[tuple[int, str]]:
    """(nominal id, "surname, forenames (role)") of an OCG's members, for pickers."""
    from socmap.store import groups

    return [
        (n.id or 0, f"{n.surname.upper()}, {n.forenames} ({m.role})")
        for m, n in groups.members_of(store, ocg_id)
    ]


def area_names(store: Store) -> list[tuple[int, str]]:
    """(id, name) of every area, by name."""
    return [(int(a), n) for a, n in partner_rows.area_rows(store)]
