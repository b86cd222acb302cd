"""Links between people and groups, and people at risk of being drawn in (brief 2.4, 7).

People at risk are potential victims: they are never members of a group. Records are frozen
dataclasses; ``validate_*`` return a normalised copy or raise ValidationError naming the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from socmap.domain.errors import ValidationError
from socmap.domain.grading import Grading, parse_grading
from socmap.domain.text import plural

#: Person <-> person link types.
ASSOCIATION_KINDS: dict[str, str] = {
    "family": "Family",
    "associate": "Associate",
    "co-offender": "Co-offender",
    "financial": "Financial",
    "communications": "Communications",
    "romantic": "Partner / romantic",
    "employment": "Employment",
    "exploited_by": "Exploited by",
}

#: OCG <-> OCG link types; "merged" and "split" read from ``ocg_a`` to ``ocg_b``.
OCG_LINK_KINDS: dict[str, str] = {
    "supplier": "Supplies",
    "rival": "Rival",
    "merged": "Merged into",
    "split": "Split from",
    "associate": "Works with",
}

#: Indicators that someone is being drawn into organised crime (brief 7).
INDICATORS: dict[str, str] = {
    "missing_episodes": "Repeatedly missing or found out of area",
    "unexplained_money": "Unexplained money, clothes or phones",
    "multiple_phones": "Several handsets or heavy phone use",
    "older_associates": "Controlling older associates",
    "leaving_home": "Leaving home or care without explanation",
    "injuries": "Unexplained injuries",
    "weapons": "Carrying weapons",
    "gang_links": "Gang links or isolation from peers",
    "school_decline": "School decline or exclusion",
    "self_harm": "Self-harm or significant mood change",
    "travel_tickets": "Unusual train or coach tickets (county lines travel)",
    "cuckooing": "Home taken over: more visitors or cars, dealing, resident rarely seen",
}

#: Vulnerability factors (brief 7).
VULNERABILITY_FACTORS: dict[str, str] = {
    "criminal_justice": "Criminal-justice contact",
    "neglect_abuse": "Neglect or abuse",
    "isolation": "Isolation",
    "poverty": "Poverty",
    "homelessness": "Homelessness",
    "gang_links": "Gang links",
    "disability": "Disability or learning difficulty",
    "mental_health": "Mental ill-health",
    "substance_misuse": "Substance misuse",
    "care": "In or leaving care",
    "school_exclusion": "School exclusion",
    "immigration": "Insecure immigration status",
}

RISK_LEVELS: dict[str, str] = {"low": "Low", "medium": "Medium", "high": "High"}

#: Prevention with partners (brief 7).
INTERVENTION_KINDS: dict[str, str] = {
    "safeguarding_referral": "Safeguarding referral (MASH)",
    "early_help": "Early help",
    "mentoring": "Mentoring or youth diversion",
    "nrm": "National Referral Mechanism",
    "awareness": "Awareness campaign",
    "offender_management": "Lifetime offender management",
    "housing": "Housing support (cuckooing)",
    "education": "Education / school inclusion",
}

INTERVENTION_OUTCOMES: dict[str, str] = {
    "": "Not yet known",
    "engaged": "Engaged",
    "declined": "Declined to engage",
    "risk_reduced": "Risk reduced",
    "no_change": "No change",
    "escalated": "Escalated",
    "closed": "Closed",
}

PROPOSAL_DECISIONS = ("accepted", "declined")


@dataclass(frozen=True)
class Association:
    """A typed, dated, graded link between two people."""

    nominal_a: int
    nominal_b: int
    kind: str
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""
    grading_scheme: str = "3x5x2"
    grade: str = ""
    handling: str = ""
    handling_conditions: str = ""
    id: int | None = None

    @property
    def grading(self) -> Grading:
        """The grade as recorded."""
        return Grading(self.grading_scheme, self.grade, self.handling, self.handling_conditions)


@dataclass(frozen=True)
class OcgLink:
    """A typed, dated, graded link between two groups."""

    ocg_a: int
    ocg_b: int
    kind: str
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""
    grading_scheme: str = "3x5x2"
    grade: str = ""
    handling: str = ""
    handling_conditions: str = ""
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True)
class AtRiskPerson:
    """A person at risk of being drawn into organised crime (a potential victim, never a member)."""

    nominal_id: int
    risk_level: str
    rationale: str
    review_date: dt.date
    vulnerability_factors: tuple[str, ...] = ()
    owner: str = ""
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    id: int | None = None
    #: the stored version this record was read at (None: not read from the store); a save
    #: over a newer version is a conflict, never a silent overwrite
    version: int | None = None


@dataclass(frozen=True)
class Indicator:
    """One dated observation of an indicator for a person."""

    nominal_id: int
    indicator: str
    observed_on: dt.date
    source: str = ""
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Exploitation:
    """An "exploited by" link from a person at risk to an OCG member."""

    at_risk_nominal_id: int
    exploiter_nominal_id: int
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""
    grading_scheme: str = "3x5x2"
    grade: str = ""
    handling: str = ""
    handling_conditions: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Intervention:
    """Prevention work with a partner for a person at risk."""

    nominal_id: int
    kind: str
    lead_partner: str
    start: dt.date
    end: dt.date | None = None
    outcome: str = ""
    review_date: dt.date | None = None
    notes: str = ""
    id: int | None = None


def _text(value: str, *, field: str, required: bool = False, limit: int = 2000) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    text = value.strip()
    if required and not text:
        raise ValidationError(field, "is required")
    if len(text) > limit:
        raise ValidationError(
            field, f"is {plural(len(text), 'character')} long; the limit is {limit}"
        )
    return text


def _kind(value: str, allowed: dict[str, str], *, field: str) -> str:
    key = (value or "").strip().lower().replace(" ", "_")
    if key not in allowed and key.replace("_", "-") in allowed:
        key = key.replace("_", "-")
    if key not in allowed:
        raise ValidationError(field, f"unknown value '{value}' (allowed: {', '.join(allowed)})")
    return key


def check_dates(start: dt.date | None, end: dt.date | None, *, field: str = "end") -> None:
    """Raise ValidationError when a date range ends before it starts."""
    if start and end and end < start:
        raise ValidationError(
            field, f"ends on {end.isoformat()}, before it starts on {start.isoformat()}"
        )


_Graded = TypeVar("_Graded", Association, OcgLink, Exploitation)


def _with_grading(record: _Graded) -> _Graded:
    """The record with its grading checked and normalised by ``parse_grading`` (field "grading")."""
    g = parse_grading(
        record.grading_scheme,
        record.grade,
        record.handling,
        record.handling_conditions,
        field="grading",
    )
    return dataclasses.replace(
        record,
        grading_scheme=g.scheme,
        grade=g.grade,
        handling=g.handling,
        handling_conditions=g.conditions,
    )


def validate_association(a: Association) -> Association:
    """Normalise a person link or raise ValidationError."""
    if a.nominal_a == a.nominal_b:
        raise ValidationError("nominal_b", "a person cannot be linked to themselves")
    kind = _kind(a.kind, ASSOCIATION_KINDS, field="kind")
    check_dates(a.start, a.end)
    graded = _with_grading(a)
    return dataclasses.replace(
        graded,
        kind=kind,
        source=_text(a.source, field="source", required=True, limit=200),
    )


def validate_ocg_link(link: OcgLink) -> OcgLink:
    """Normalise a group link or raise ValidationError."""
    if link.ocg_a == link.ocg_b:
        raise ValidationError("ocg_b", "a group cannot be linked to itself")
    kind = _kind(link.kind, OCG_LINK_KINDS, field="kind")
    check_dates(link.start, link.end)
    graded = _with_grading(link)
    return dataclasses.replace(
        graded,
        kind=kind,
        source=_text(link.source, field="source", required=True, limit=200),
        notes=_text(link.notes, field="notes"),
    )


def validate_at_risk(p: AtRiskPerson) -> AtRiskPerson:
    """Normalise a person-at-risk record or raise ValidationError."""
    level = _kind(p.risk_level, RISK_LEVELS, field="risk_level")
    factors = tuple(
        dict.fromkeys(
            _kind(f, VULNERABILITY_FACTORS, field="vulnerability_factors")
            for f in p.vulnerability_factors
        )
    )
    if not isinstance(p.review_date, dt.date):
        raise ValidationError("review_date", "is required (when will this record be reviewed?)")
    check_dates(p.opened_on, p.review_date, field="review_date")
    check_dates(p.opened_on, p.closed_on, field="closed_on")
    return dataclasses.replace(
        p,
        risk_level=level,
        vulnerability_factors=factors,
        rationale=_text(p.rationale, field="rationale", required=True),
        owner=_text(p.owner, field="owner", limit=120),
    )


def validate_indicator(i: Indicator, *, today: dt.date | None = None) -> Indicator:
    """Normalise a dated indicator or raise ValidationError."""
    key = _kind(i.indicator, INDICATORS, field="indicator")
    if not isinstance(i.observed_on, dt.date):
        raise ValidationError("observed_on", "is required")
    if today and i.observed_on > today:
        raise ValidationError("observed_on", f"{i.observed_on.isoformat()} is in the future")
    return dataclasses.replace(
        i,
        indicator=key,
        source=_text(i.source, field="source", limit=200),
        notes=_text(i.notes, field="notes"),
    )


def validate_exploitation(e: Exploitation) -> Exploitation:
    """Normalise an "exploited by" link or raise ValidationError."""
    if e.at_risk_nominal_id == e.exploiter_nominal_id:
        raise ValidationError("exploiter", "a person cannot exploit themselves")
    check_dates(e.start, e.end)
    graded = _with_grading(e)
    return dataclasses.replace(
        graded,
        source=_text(e.source, field="source", required=True, limit=200),
    )


def validate_intervention(iv: Intervention) -> Intervention:
    """Normalise an intervention or raise ValidationError."""
    kind = _kind(iv.kind, INTERVENTION_KINDS, field="kind")
    outcome = (iv.outcome or "").strip().lower().replace(" ", "_")
    if outcome not in INTERVENTION_OUTCOMES:
        raise ValidationError(
            "outcome",
            f"unknown outcome '{iv.outcome}' (allowed: {', '.join(k for k in INTERVENTION_OUTCOMES if k)})",
        )
    check_dates(iv.start, iv.end)
    check_dates(iv.start, iv.review_date, field="review_date")
    return dataclasses.replace(
        iv,
        kind=kind,
        outcome=outcome,
        lead_partner=_text(iv.lead_partner, field="lead_partner", required=True, limit=200),
        notes=_text(iv.notes, field="notes"),
    )


def indicator_label(key: str) -> str:
    """Readable label of an indicator key."""
    return INDICATORS.get(key, key)
