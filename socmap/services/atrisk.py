"""People at risk of being drawn into organised crime, and prevention with partners (brief 7).

A person at risk is a potential victim and is never a member of a group: every write here checks
the memberships (and the register's membership service checks the reverse). Proposals are
computed, explained and decided by a person; the decision is recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import deque
from dataclasses import dataclass

from socmap.domain.changes import Changes
from socmap.domain.errors import ConflictError, NotFoundError, ValidationError
from socmap.domain.groups import Nominal
from socmap.domain.network import (
    INDICATORS,
    INTERVENTION_KINDS,
    RISK_LEVELS,
    AtRiskPerson,
    Exploitation,
    Indicator,
    Intervention,
    validate_at_risk,
    validate_exploitation,
    validate_indicator,
    validate_intervention,
)
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.graph import network as gn
from socmap.services.auth import require
from socmap.services.register import as_record, create_nominal
from socmap.store import audit, groups
from socmap.store import network as net
from socmap.store.db import Store, unit_of_work


def _person(store: Store, nominal_id: int, field: str = "nominal_id") -> None:
    if not groups.nominal_exists(store, nominal_id):
        raise ValidationError(field, f"there is no person with id {nominal_id}")


def _not_member(store: Store, nominal_id: int) -> None:
    ocgs = net.memberships_of_nominal(store, nominal_id)
    if ocgs:
        raise ValidationError(
            "nominal_id",
            f"person {nominal_id} is recorded as a member of "
            + ", ".join(f"OCG-{o:04d}" for o in ocgs)
            + "; a member cannot also be recorded as a person at risk (correct the membership first)",
        )


def check_can_be_at_risk(store: Store, nominal_id: int) -> None:
    """Raise the refusal :func:`create_at_risk` would give for this person (member, already at risk)."""
    _person(store, nominal_id)
    _not_member(store, nominal_id)
    if net.is_at_risk(store, nominal_id):
        raise ValidationError("nominal_id", f"person {nominal_id} already has an at-risk record")


def check_not_at_risk(store: Store, nominal_id: int) -> None:
    """Raise ValidationError when the person is at risk (so may never be made a member)."""
    if net.is_at_risk(store, nominal_id):
        raise ValidationError(
            "nominal_id",
            f"person {nominal_id} is recorded as a person at risk (a potential victim) and "
            "cannot be recorded as a member of a group",
        )


# ------------------------------------------------------------------------------------ records


@unit_of_work
def create_at_risk(store: Store, record: AtRiskPerson) -> tuple[AtRiskPerson, Changes]:
    """Record a person as at risk of being drawn into organised crime."""
    require(store, Permission.EDIT, action="record people at risk")
    record = validate_at_risk(
        dataclasses.replace(record, opened_on=record.opened_on or dt.date.today())
    )
    _person(store, record.nominal_id)
    _not_member(store, record.nominal_id)
    if net.is_at_risk(store, record.nominal_id):
        raise ConflictError(f"person {record.nominal_id} already has an at-risk record")
    with store.atomic():
        stored = net.insert_at_risk(store, record)
        audit.record(
            store,
            action="create",
            entity="at_risk",
            entity_id=record.nominal_id,
            summary=f"person at risk recorded ({stored.risk_level})",
            after=as_record(stored),
        )
    return stored, Changes.of("at_risk", record.nominal_id)


@unit_of_work
def record_person_at_risk(
    store: Store,
    record: AtRiskPerson,
    *,
    new_person: Nominal | None = None,
    indicators: tuple[Indicator, ...] = (),
    exploiter: Exploitation | None = None,
) -> tuple[AtRiskPerson, Changes]:
    """Record a person at risk with their indicators and an optional "exploited by" link.

    With ``new_person`` the nominal is created first; all of it is one transaction (a refusal
    anywhere writes nothing). ``record``, ``indicators`` and ``exploiter`` then use the new id.
    """
    require(store, Permission.EDIT, action="record people at risk")
    changes = Changes()
    with store.atomic():
        if new_person is not None:
            person, made = create_nominal(store, new_person)
            changes = changes | made
            pid = int(person.id or 0)
            record = dataclasses.replace(record, nominal_id=pid)
            indicators = tuple(dataclasses.replace(i, nominal_id=pid) for i in indicators)
            if exploiter is not None:
                exploiter = dataclasses.replace(exploiter, at_risk_nominal_id=pid)
        stored, made = create_at_risk(store, record)
        changes = changes | made
        for ind in indicators:
            changes = changes | record_indicator(store, ind)[1]
        if exploiter is not None:
            changes = changes | add_exploitation(store, exploiter)[1]
    return stored, changes


@unit_of_work
def update_at_risk(store: Store, record: AtRiskPerson) -> tuple[AtRiskPerson, Changes]:
    """Save a reviewed record (risk level, rationale, factors, owner, review date, closure)."""
    require(store, Permission.EDIT, action="edit people at risk")
    record = validate_at_risk(record)
    with store.atomic():
        before = net.get_at_risk(store, record.nominal_id)
        if before is None:
            raise NotFoundError(f"person {record.nominal_id} has no at-risk record")
        # the version the editor read; a record built without one is read and written here,
        # in one transaction
        expected = record.version if record.version is not None else int(before.version or 0)
        stored = net.update_at_risk(store, record, expected_version=expected)
        audit.record(
            store,
            action="update",
            entity="at_risk",
            entity_id=record.nominal_id,
            summary=f"person at risk reviewed ({stored.risk_level})",
            before=as_record(before),
            after=as_record(stored),
        )
    return stored, Changes.of("at_risk", record.nominal_id)


@unit_of_work
def record_indicator(
    store: Store, indicator: Indicator, *, today: dt.date | None = None
) -> tuple[Indicator, Changes]:
    """Record a dated indicator for a person who is not a member of any group."""
    require(store, Permission.EDIT, action="record indicators")
    indicator = validate_indicator(indicator, today=today or dt.date.today())
    _person(store, indicator.nominal_id)
    _not_member(store, indicator.nominal_id)
    with store.atomic():
        new_id = net.last_indicator_id(store) + 1
        stored = dataclasses.replace(indicator, id=new_id)
        net.insert_indicators(store, [stored])
        audit.record(
            store,
            action="create",
            entity="at_risk_indicator",
            entity_id=new_id,
            summary=f"indicator recorded: {stored.indicator}",
            after=as_record(stored),
        )
    return stored, Changes.of("at_risk", indicator.nominal_id)


@unit_of_work
def add_exploitation(store: Store, link: Exploitation) -> tuple[Exploitation, Changes]:
    """Record that a person at risk is exploited by a member of a group."""
    require(store, Permission.EDIT, action="record exploitation")
    link = validate_exploitation(link)
    _person(store, link.at_risk_nominal_id, "at_risk")
    _person(store, link.exploiter_nominal_id, "exploiter")
    if not net.is_at_risk(store, link.at_risk_nominal_id):
        raise ValidationError(
            "at_risk", f"person {link.at_risk_nominal_id} has no at-risk record; create one first"
        )
    if not net.memberships_of_nominal(store, link.exploiter_nominal_id):
        raise ValidationError(
            "exploiter", f"person {link.exploiter_nominal_id} is not a member of any group"
        )
    with store.atomic():
        (new_id,) = net.insert_exploitations(store, [link])
        stored = dataclasses.replace(link, id=new_id)
        audit.record(
            store,
            action="create",
            entity="exploitation",
            entity_id=new_id,
            summary="'exploited by' link recorded",
            after=as_record(stored),
        )
    return stored, Changes.of("at_risk", link.at_risk_nominal_id) | Changes.of("association")


@unit_of_work
def add_intervention(store: Store, iv: Intervention) -> tuple[Intervention, Changes]:
    """Record prevention work with a partner for a person at risk."""
    require(store, Permission.EDIT, action="record interventions")
    iv = validate_intervention(iv)
    if not net.is_at_risk(store, iv.nominal_id):
        raise ValidationError("nominal_id", f"person {iv.nominal_id} has no at-risk record")
    with store.atomic():
        (new_id,) = net.insert_interventions(store, [iv])
        stored = dataclasses.replace(iv, id=new_id)
        audit.record(
            store,
            action="create",
            entity="intervention",
            entity_id=new_id,
            summary=f"intervention recorded: {stored.kind} led by {stored.lead_partner}",
            after=as_record(stored),
        )
    return stored, Changes.of("intervention", new_id) | Changes.of("at_risk", iv.nominal_id)


@unit_of_work
def update_intervention(store: Store, iv: Intervention) -> tuple[Intervention, Changes]:
    """Save an intervention's end, outcome, review date or notes."""
    require(store, Permission.EDIT, action="edit interventions")
    iv = validate_intervention(iv)
    with store.atomic():
        before = net.get_intervention(store, iv.id or 0)
        stored = net.update_intervention(store, iv)
        audit.record(
            store,
            action="update",
            entity="intervention",
            entity_id=iv.id or "",
            summary=f"intervention updated (outcome: {stored.outcome or 'not yet known'})",
            before=as_record(before),
            after=as_record(stored),
        )
    return stored, Changes.of("intervention", iv.id or 0) | Changes.of("at_risk", iv.nominal_id)


# ---------------------------------------------------------------------------------- proposals


@dataclass(frozen=True)
class Proposal:
    """Someone socmap suggests reviewing as a person at risk, with why."""

    nominal_id: int
    name: str
    area: str
    indicators: tuple[tuple[str, dt.date], ...]
    steps: int
    near_member: int
    near_member_name: str
    near_member_role: str
    near_ocg: int
    reason: str


def proposals(store: Store, *, max_steps: int = 2, as_of: dt.date | None = None) -> list[Proposal]:
    """People with indicators within ``max_steps`` links of a principal or significant member.

    Left out: members, people already at risk, and people whose proposal was decided after
    their latest indicator (a new indicator brings them back).
    """
    if max_steps < 1 or max_steps > 4:
        raise ValidationError("steps", "choose between 1 and 4 steps")
    as_of = as_of or dt.date.today()
    from socmap.services.network import load

    data = load(store)
    _by_ocg, by_person = gn.current_roles(data, as_of)
    ever_member = {p for _o, p, _r, _s, _e in data.memberships}
    inds: dict[int, list[tuple[str, dt.date]]] = {}
    for i in net.indicators(store):
        if i.observed_on <= as_of:
            inds.setdefault(i.nominal_id, []).append((i.indicator, i.observed_on))
    decided: dict[int, dt.date] = {}
    for _id, pid, proposed_on, _reason, _dec, _by, _note in net.decisions(store):
        decided[pid] = max(decided.get(pid, dt.date.min), dt.date.fromisoformat(proposed_on))
    wanted = {
        p
        for p, items in inds.items()
        if p not in data.at_risk
        and p not in ever_member
        and not (p in decided and max(d for _k, d in items) <= decided[p])
    }
    if not wanted:
        return []
    g = gn.adjacency(data, as_of=as_of)
    leaders = {
        p: min(((r, o) for o, r in theirs.items()), key=lambda x: gn.ROLE_RANK.get(x[0], 9))
        for p, theirs in by_person.items()
        if any(r in ("principal", "significant") for r in theirs.values())
    }
    out = []
    for pid in sorted(wanted):
        if pid not in g:
            continue
        hit = _nearest(g, pid, set(leaders), max_steps)
        if hit is None:
            continue
        member, dist = hit
        role, ocg = leaders[member]
        name, area, _dob = data.people[pid]
        items = tuple(sorted(inds[pid], key=lambda x: x[1]))
        labels = "; ".join(f"{INDICATORS.get(k, k).lower()} ({d.isoformat()})" for k, d in items)
        reason = (
            f"{plural(len(items), 'indicator')} recorded ({labels}) and "
            f"{plural(dist, 'link')} from {data.people[member][0]}, a {role} "
            f"member of OCG-{ocg:04d} {data.ocgs[ocg][0]}."
        )
        out.append(
            Proposal(
                nominal_id=pid,
                name=name,
                area=data.area_names.get(area, "") if area is not None else "",
                indicators=items,
                steps=dist,
                near_member=member,
                near_member_name=data.people[member][0],
                near_member_role=role,
                near_ocg=ocg,
                reason=reason,
            )
        )
    out.sort(key=lambda p: (p.steps, -len(p.indicators), p.nominal_id))
    return out


def _nearest(g: gn.Adjacency, start: int, targets: set[int], limit: int) -> tuple[int, int] | None:
    seen = {start}
    q = deque([(start, 0)])
    found: list[tuple[int, int]] = []
    while q:
        node, dist = q.popleft()
        if found and dist >= found[0][1]:
            break
        if dist >= limit:
            continue
        for nb in sorted(g.get(node, {})):
            if nb in seen:
                continue
            seen.add(nb)
            if nb in targets:
                found.append((nb, dist + 1))
            q.append((nb, dist + 1))
    return min(found, key=lambda x: (x[1], x[0])) if found else None


@unit_of_work
def decide_proposal(
    store: Store,
    proposal: Proposal,
    *,
    accept: bool,
    note: str = "",
    risk_level: str = "medium",
    review_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Changes:
    """Record a person's decision on a proposal; accepting creates the at-risk record."""
    require(store, Permission.EDIT, action="decide on people at risk")
    today = today or dt.date.today()
    note = note.strip()
    if not accept and not note:
        raise ValidationError("note", "say why the proposal is declined")
    record = None
    if accept:
        record = validate_at_risk(
            AtRiskPerson(
                nominal_id=proposal.nominal_id,
                risk_level=risk_level,
                rationale=proposal.reason + (f" Reviewer: {note}" if note else ""),
                review_date=review_date or today + dt.timedelta(days=90),
                opened_on=today,
                owner=store.actor,
            )
        )
        _not_member(store, proposal.nominal_id)
        if net.is_at_risk(store, proposal.nominal_id):
            raise ConflictError(f"person {proposal.nominal_id} already has an at-risk record")
    with store.atomic():
        pid = net.insert_decision(
            store,
            nominal_id=proposal.nominal_id,
            proposed_on=today,
            reason=proposal.reason,
            decision="accepted" if accept else "declined",
            decided_by=store.actor,
            note=note,
        )
        if record is not None:
            net.insert_at_risk(store, record)
        audit.record(
            store,
            action="accept" if accept else "decline",
            entity="at_risk_proposal",
            entity_id=pid,
            summary=f"proposal for a person at risk {'accepted' if accept else 'declined'}",
            after={"nominal_id": proposal.nominal_id, "reason": proposal.reason, "note": note},
        )
    return Changes.of("at_risk", proposal.nominal_id)


# ----------------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class AtRiskRow:
    """One person at risk as lists and the CLI show them."""

    person_id: int
    name: str
    area_id: int | None
    area: str
    risk_level: str
    indicators: tuple[tuple[str, dt.date], ...]
    factors: tuple[str, ...]
    reason: str
    exploited_by: tuple[tuple[int, str, tuple[int, ...]], ...]
    interventions: tuple[Intervention, ...]
    review_date: dt.date
    review_overdue: bool
    owner: str


def at_risk_rows(
    store: Store, *, area: str | None = None, today: dt.date | None = None
) -> list[AtRiskRow]:
    """Every open person-at-risk record (optionally in one area by name), highest risk first."""
    today = today or dt.date.today()
    area_id = None
    if area:
        area_id = net.area_id_by_name(store, area)
        if area_id is None:
            raise ValidationError("area", f"there is no area called '{area}'")
    records = [r for r in net.at_risk_records(store) if r.closed_on is None]
    ids = {r.nominal_id for r in records}
    exploits = [e for e in net.exploitations(store) if e.at_risk_nominal_id in ids]
    people = {
        int(i): (s, f, a)
        for i, s, f, _d, a in net.nominal_rows(
            store, ids | {e.exploiter_nominal_id for e in exploits}
        )
    }
    names = net.area_names(store)
    member_of: dict[int, list[int]] = {}
    for o, p, _r, _s, end in net.membership_rows(store):
        if end is None or end >= today.isoformat():
            member_of.setdefault(p, []).append(o)
    inds: dict[int, list[tuple[str, dt.date]]] = {}
    for i in net.indicators(store):
        if i.nominal_id in ids:
            inds.setdefault(i.nominal_id, []).append((i.indicator, i.observed_on))
    ivs: dict[int, list[Intervention]] = {}
    for iv in net.interventions(store):
        if iv.nominal_id in ids:
            ivs.setdefault(iv.nominal_id, []).append(iv)
    by: dict[int, list[tuple[int, str, tuple[int, ...]]]] = {}
    for e in exploits:
        s, f, _a = people.get(e.exploiter_nominal_id, ("?", "", None))
        by.setdefault(e.at_risk_nominal_id, []).append(
            (
                e.exploiter_nominal_id,
                f"{s.upper()}, {f}" if f else s.upper(),
                tuple(sorted(member_of.get(e.exploiter_nominal_id, []))),
            )
        )
    out = []
    for r in records:
        s, f, a = people.get(r.nominal_id, ("?", "", None))
        if area_id is not None and a != area_id:
            continue
        out.append(
            AtRiskRow(
                person_id=r.nominal_id,
                name=f"{s.upper()}, {f}" if f else s.upper(),
                area_id=a,
                area=names.get(a, "") if a is not None else "",
                risk_level=r.risk_level,
                indicators=tuple(inds.get(r.nominal_id, [])),
                factors=r.vulnerability_factors,
                reason=r.rationale,
                exploited_by=tuple(by.get(r.nominal_id, [])),
                interventions=tuple(ivs.get(r.nominal_id, [])),
                review_date=r.review_date,
                review_overdue=r.review_date < today,
                owner=r.owner,
            )
        )
    rank = {"high": 0, "medium": 1, "low": 2}
    out.sort(key=lambda x: (rank.get(x.risk_level, 9), x.review_date, x.person_id))
    return out


def at_risk_json(rows: list[AtRiskRow]) -> list[dict[str, object]]:
    """People at risk as JSON-ready objects (``socmap atrisk list --json``)."""
    return [
        {
            "person_id": r.person_id,
            "name": r.name,
            "area": r.area,
            "risk_level": r.risk_level,
            "indicators": [
                {"indicator": k, "label": INDICATORS.get(k, k), "observed_on": d.isoformat()}
                for k, d in r.indicators
            ],
            "vulnerability_factors": list(r.factors),
            "reason": r.reason,
            "exploited_by": [
                {"person_id": p, "name": n, "ocgs": [f"OCG-{o:04d}" for o in os]}
                for p, n, os in r.exploited_by
            ],
            "interventions": [
                {
                    "id": iv.id,
                    "kind": iv.kind,
                    "label": INTERVENTION_KINDS.get(iv.kind, iv.kind),
                    "lead_partner": iv.lead_partner,
                    "start": iv.start.isoformat(),
                    "end": iv.end.isoformat() if iv.end else None,
                    "outcome": iv.outcome,
                    "review_date": iv.review_date.isoformat() if iv.review_date else None,
                }
                for iv in r.interventions
            ],
            "review_date": r.review_date.isoformat(),
            "review_overdue": r.review_overdue,
        }
        for r in rows
    ]


@dataclass(frozen=True)
class AreaVulnerability:
    """The vulnerability section of an area's local profile: people at risk and prevention.

    ``people`` are the open records (highest risk first); counts are over those people.
    ``exploiting_ocgs`` maps OCG id -> number of people at risk its members exploit.
    """

    area_id: int
    area: str
    people: tuple[AtRiskRow, ...]
    by_risk: dict[str, int]
    indicators: dict[str, int]
    factors: dict[str, int]
    interventions_by_kind: dict[str, int]
    interventions_open: int
    without_intervention: int
    reviews_overdue: int
    exploiting_ocgs: dict[int, int]
    summary: str


def area_vulnerability(
    store: Store, area_id: int, *, today: dt.date | None = None
) -> AreaVulnerability:
    """People at risk and interventions in one area, for the local profile's vulnerability section."""
    names = net.area_names(store)
    if area_id not in names:
        raise NotFoundError(f"there is no area with id {area_id}")
    today = today or dt.date.today()
    rows = [r for r in at_risk_rows(store, today=today) if r.area_id == area_id]
    by_risk = {k: sum(1 for r in rows if r.risk_level == k) for k in RISK_LEVELS}
    inds: dict[str, int] = {}
    factors: dict[str, int] = {}
    kinds: dict[str, int] = {}
    ocgs: dict[int, int] = {}
    open_ivs = 0
    for r in rows:
        for k in {k for k, _d in r.indicators}:
            inds[k] = inds.get(k, 0) + 1
        for f in r.factors:
            factors[f] = factors.get(f, 0) + 1
        for iv in r.interventions:
            kinds[iv.kind] = kinds.get(iv.kind, 0) + 1
            if iv.end is None or iv.end >= today:
                open_ivs += 1
        for o in {o for _p, _n, os in r.exploited_by for o in os}:
            ocgs[o] = ocgs.get(o, 0) + 1
    without = sum(1 for r in rows if not r.interventions)
    overdue = sum(1 for r in rows if r.review_overdue)
    area = names[area_id]
    top = sorted(inds.items(), key=lambda kv: -kv[1])[:3]
    summary = (
        f"{plural(len(rows), 'person')} at risk in {area} ({by_risk['high']} high, {by_risk['medium']} "
        f"medium, {by_risk['low']} low); {plural(open_ivs, 'intervention')} open with partners; "
        f"{without} without any intervention; {plural(overdue, 'review')} overdue."
        + (
            " Most common indicators: "
            + ", ".join(f"{INDICATORS.get(k, k).lower()} ({n})" for k, n in top)
            + "."
            if top
            else ""
        )
    )
    return AreaVulnerability(
        area_id=area_id,
        area=area,
        people=tuple(rows),
        by_risk=by_risk,
        indicators=dict(sorted(inds.items(), key=lambda kv: -kv[1])),
        factors=dict(sorted(factors.items(), key=lambda kv: -kv[1])),
        interventions_by_kind=kinds,
        interventions_open=open_ivs,
        without_intervention=without,
        reviews_overdue=overdue,
        exploiting_ocgs=ocgs,
        summary=summary,
    )


@unit_of_work
def remove_intervention(store: Store, intervention_id: int) -> Changes:
    """Remove an intervention recorded by mistake (undo of :func:`add_intervention`)."""
    require(store, Permission.EDIT, action="remove interventions")
    with store.atomic():
        before = net.get_intervention(store, intervention_id)
        net.delete_intervention(store, intervention_id)
        audit.record(
            store,
            action="undo create",
            entity="intervention",
            entity_id=intervention_id,
            summary="intervention removed",
            before=as_record(before),
        )
    return Changes.of("intervention", intervention_id) | Changes.of("at_risk", before.nominal_id)


@unit_of_work
def undo_decision(store: Store, nominal_id: int) -> Changes:
    """Take back the latest decision on a person's proposal (and the record an accept created)."""
    require(store, Permission.EDIT, action="decide on people at risk")
    with store.atomic():
        rows = [r for r in net.decisions(store) if r[1] == nominal_id]
        if not rows:
            raise NotFoundError(f"no decision recorded for person {nominal_id}")
        last = rows[-1]
        if last[4] == "accepted":
            if any(i.nominal_id == nominal_id for i in net.interventions(store)):
                raise ValidationError(
                    "decision", "interventions have been recorded since; close the record instead"
                )
            net.delete_at_risk(store, nominal_id)
        net.delete_decision(store, last[0])
        audit.record(
            store,
            action="undo " + ("accept" if last[4] == "accepted" else "decline"),
            entity="at_risk_proposal",
            entity_id=last[0],
            summary="proposal decision taken back",
            before={"nominal_id": nominal_id, "decision": last[4]},
        )
    return Changes.of("at_risk", nominal_id)


@dataclass(frozen=True)
class Overview:
    """What the At risk tab shows: people at risk, proposals and a summary."""

    rows: list[AtRiskRow]
    proposals: list[Proposal]
    summary: str


def overview(
    store: Store,
    area_id: int | None,
    area: str | None,
    steps: int,
    *,
    progress: object = None,
) -> Overview:
    """People at risk (in one area, or all), proposals within ``steps`` links and a summary."""
    rows = at_risk_rows(store, area=area)
    props = proposals(store, max_steps=steps)
    if area_id is not None:
        props = [p for p in props if p.area == area]
        summary = area_vulnerability(store, area_id).summary
    else:
        overdue = sum(1 for r in rows if r.review_overdue)
        without = sum(1 for r in rows if not r.interventions)
        summary = (
            f"{plural(len(rows), 'person')} at risk across the force; {without} without any intervention; "
            f"{plural(overdue, 'review')} overdue."
        )
    return Overview(rows, props, summary)
