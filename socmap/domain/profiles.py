"""SOC local profiles (brief section 4): sections, narrative versions, actions, completeness.

A profile belongs to one policing area. Its *handling* block (marking, owner, partners
consulted, data period, review date) is structured; its narrative sections are written by
analysts, each saved as a new version (every version kept); its data sections are filled live
from the database when the profile is viewed or exported. Completeness is a pure function of
these records, so the dashboard, the CLI and the report always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.domain.vocab import DEFAULT_MARKING, Marking

TEXT_MAX = 100_000
NAME_MAX = 160

#: Default review cycle (brief 4.2: annual, and on major change).
DEFAULT_REVIEW_DAYS = 365
#: A narrative section older than this (days) is not current.
DEFAULT_SECTION_MAX_AGE_DAYS = 365


@dataclass(frozen=True)
class SectionSpec:
    """One section of a profile as the brief lists it (4.2)."""

    key: str
    number: int
    title: str
    narrative: bool
    prompt: str


#: The profile's sections in order. ``handling`` is structured; the rest take narrative text.
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "handling",
        1,
        "Handling",
        False,
        "Marking, owner, partners consulted, data period and review date.",
    ),
    SectionSpec(
        "key_judgements",
        2,
        "Key judgements",
        True,
        "The few things the partnership board must know, each with its confidence.",
    ),
    SectionSpec(
        "threat",
        3,
        "Threat",
        True,
        "OCGs by band and market, principals, cross-border links, county lines.",
    ),
    SectionSpec(
        "vulnerability",
        4,
        "Vulnerability",
        True,
        "Exploited people, cuckooed addresses, places and business sectors exploited.",
    ),
    SectionSpec(
        "risk",
        5,
        "Risk and priorities",
        True,
        "What matters most in this area and why; the partnership's priorities.",
    ),
    SectionSpec(
        "partner_data",
        6,
        "Partner data and gaps",
        True,
        "Which partners supplied what, and what is still missing.",
    ),
    SectionSpec(
        "action_plan",
        7,
        "4P action plan",
        True,
        "Pursue, Prevent, Protect, Prepare: the plan in outline; actions are listed below.",
    ),
    SectionSpec(
        "intel_gaps",
        8,
        "Intelligence gaps",
        True,
        "What we do not know, and how partners could help close each gap.",
    ),
)
SECTION_BY_KEY: dict[str, SectionSpec] = {s.key: s for s in SECTIONS}
NARRATIVE_KEYS: tuple[str, ...] = tuple(s.key for s in SECTIONS if s.narrative)


class Strand(StrEnum):
    """The 4Ps (brief 4.4)."""

    PURSUE = "pursue"
    PREVENT = "prevent"
    PROTECT = "protect"
    PREPARE = "prepare"


class ActionStatus(StrEnum):
    """Where a 4P action stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: "Planned",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
}


class Audience(StrEnum):
    """Who a profile report is for: the force (internal) or the partnership board (partner)."""

    INTERNAL = "internal"
    PARTNER = "partner"


@dataclass(frozen=True)
class PartnerType:
    """A kind of partner agency a complete profile expects data from."""

    key: str
    label: str


#: The default expected partner types (brief 4.3 table, as the issue lists them).
DEFAULT_PARTNER_TYPES: tuple[PartnerType, ...] = (
    PartnerType("council_csp_housing", "Council community safety and housing"),
    PartnerType("social_care", "Children's and adult social care"),
    PartnerType("health", "Health"),
    PartnerType("probation", "Probation"),
    PartnerType("fire_rescue", "Fire and rescue"),
    PartnerType("trading_standards", "Trading standards / licensing"),
    PartnerType("dwp_hmrc", "DWP or HMRC"),
    PartnerType("rocu", "Regional organised crime unit"),
)


#: The partner register's agency types (domain.partners.PARTNER_TYPES) -> the expected
#: profile partner type they count as, by default.
REGISTER_TYPE_TO_PROFILE_TYPE: dict[str, str] = {
    "council_community": "council_csp_housing",
    "council_regulatory": "trading_standards",
    "health": "health",
    "dwp": "dwp_hmrc",
    "hmrc": "dwp_hmrc",
    "probation": "probation",
    "fire": "fire_rescue",
    "nca_rocu": "rocu",
}


@dataclass(frozen=True)
class Handling:
    """Section 1: how the profile is handled."""

    area_id: int
    marking: Marking = DEFAULT_MARKING
    owner: str = ""
    partners_consulted: tuple[str, ...] = ()
    data_from: dt.date | None = None
    data_to: dt.date | None = None
    review_date: dt.date | None = None
    version: int = 0
    updated_by: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class SectionVersion:
    """One saved version of a narrative section (every version is kept)."""

    area_id: int
    section: str
    version: int
    html: str
    text: str
    owner: str
    sources: str
    author: str
    saved_at: str
    based_on: int = 0
    #: The version of someone else's that this one was saved over without having seen it.
    conflict_with: int = 0

    @property
    def saved_on(self) -> dt.date:
        """The date part of ``saved_at``."""
        return dt.date.fromisoformat(self.saved_at[:10])


@dataclass(frozen=True)
class SaveResult:
    """What saving a narrative section did.

    ``conflict`` is True when the editor started from an older version than the newest one,
    which someone else saved: both versions are kept and the editor is warned.
    """

    version: SectionVersion
    conflict: bool = False
    other: SectionVersion | None = None


@dataclass(frozen=True)
class Contribution:
    """Which partner supplied which data, when, under which information sharing agreement."""

    area_id: int
    partner_name: str
    partner_type: str
    data_supplied: str
    supplied_on: dt.date
    isa_ref: str = ""
    id: int | None = None
    partner_id: int | None = None


@dataclass(frozen=True)
class ActionItem:
    """One item of the area's 4P action plan."""

    area_id: int
    action: str
    strand: Strand
    owner: str = ""
    partner: str = ""
    due: dt.date | None = None
    measure: str = ""
    status: ActionStatus = ActionStatus.PLANNED
    linked_ocgs: tuple[int, ...] = ()
    id: int | None = None
    version: int = 0

    def overdue(self, today: dt.date) -> bool:
        """Due before ``today`` and neither done nor cancelled."""
        return (
            self.due is not None
            and self.due < today
            and self.status not in (ActionStatus.DONE, ActionStatus.CANCELLED)
        )


@dataclass(frozen=True)
class ProfileRules:
    """Configurable completeness rules (stored in the database)."""

    partner_types: tuple[PartnerType, ...] = DEFAULT_PARTNER_TYPES
    section_max_age_days: int = DEFAULT_SECTION_MAX_AGE_DAYS
    review_days: int = DEFAULT_REVIEW_DAYS


@dataclass(frozen=True)
class Completeness:
    """How complete an area's profile is: a percentage and what is missing, in words."""

    area: str
    done: int
    total: int
    missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def percent(self) -> int:
        """0-100, rounded down so that only a profile with nothing missing shows 100."""
        return (100 * self.done) // self.total if self.total else 0

    @property
    def complete(self) -> bool:
        """Nothing missing."""
        return not self.missing


# --------------------------------------------------------------------------------- rules


def completeness(
    *,
    area: str,
    handling: Handling | None,
    sections: dict[str, SectionVersion],
    actions: list[ActionItem] | tuple[ActionItem, ...],
    contributed_types: set[str] | frozenset[str],
    rules: ProfileRules,
    today: dt.date,
) -> Completeness:
    """Check a profile against the rules; each check is one item of the percentage.

    Items: handling filled in; each narrative section written, current and free of an
    unresolved conflict; at least one 4P action; each expected partner type contributed;
    the profile within its review date.
    """
    missing: list[str] = []
    total = 0

    total += 1
    gaps = []
    if handling is None:
        gaps.append("not started")
    else:
        if not handling.owner:
            gaps.append("no owner")
        if not handling.partners_consulted:
            gaps.append("no partners consulted")
        if handling.data_from is None or handling.data_to is None:
            gaps.append("no data period")
    if gaps:
        missing.append(f"Handling: {', '.join(gaps)}")

    for key in NARRATIVE_KEYS:
        total += 1
        title = SECTION_BY_KEY[key].title
        sv = sections.get(key)
        if sv is None or not sv.text.strip():
            missing.append(f"{title}: not written")
        elif (today - sv.saved_on).days > rules.section_max_age_days:
            missing.append(f"{title}: out of date (last updated {sv.saved_on.isoformat()})")
        elif sv.conflict_with:
            missing.append(f"{title}: conflicting versions to reconcile")

    total += 1
    if not actions:
        missing.append("4P action plan: no action items recorded")

    for pt in rules.partner_types:
        total += 1
        if pt.key not in contributed_types:
            missing.append(f"Partner data: {pt.label} has not contributed")

    total += 1
    if handling is None or handling.review_date is None:
        missing.append("Review date: not set")
    elif handling.review_date < today:
        missing.append(f"Review date: passed on {handling.review_date.isoformat()}")

    return Completeness(area=area, done=total - len(missing), total=total, missing=tuple(missing))


# ---------------------------------------------------------------------------- validation


def clean_text(value: str, *, field: str, required: bool = False, limit: int = NAME_MAX) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    text = " ".join(value.split()) if limit <= NAME_MAX else value.strip()
    if required and not text:
        raise ValidationError(field, "is required")
    if len(text) > limit:
        raise ValidationError(
            field, f"is {plural(len(text), 'character')} long; the limit is {limit}"
        )
    return text


def validate_handling(h: Handling) -> Handling:
    """Normalise handling; the data period must run forwards."""
    from dataclasses import replace

    from socmap.domain.vocab import parse_marking

    marking = parse_marking(str(h.marking), field="marking")
    partners = tuple(
        p for p in (clean_text(x, field="partners_consulted") for x in h.partners_consulted) if p
    )
    if h.data_from and h.data_to and h.data_from > h.data_to:
        raise ValidationError("data_period", "the period ends before it starts")
    return replace(
        h, marking=marking, owner=clean_text(h.owner, field="owner"), partners_consulted=partners
    )


def validate_section_key(section: str) -> str:
    """The key of a narrative section, or ValidationError."""
    if section not in NARRATIVE_KEYS:
        raise ValidationError(
            "section",
            f"'{section}' is not a narrative section (use one of: {', '.join(NARRATIVE_KEYS)})",
        )
    return section


def validate_contribution(c: Contribution, *, known_types: set[str] | None = None) -> Contribution:
    """Normalise a partner contribution."""
    from dataclasses import replace

    name = clean_text(c.partner_name, field="partner_name", required=True)
    ptype = clean_text(c.partner_type, field="partner_type", required=True)
    if known_types is not None and ptype not in known_types:
        raise ValidationError("partner_type", f"unknown partner type '{ptype}'")
    data = clean_text(c.data_supplied, field="data_supplied", required=True, limit=2000)
    if not isinstance(c.supplied_on, dt.date):
        raise ValidationError("supplied_on", "a date is required")
    return replace(
        c,
        partner_name=name,
        partner_type=ptype,
        data_supplied=data,
        isa_ref=clean_text(c.isa_ref, field="isa_ref"),
    )


def validate_action(a: ActionItem) -> ActionItem:
    """Normalise a 4P action item."""
    from dataclasses import replace

    try:
        strand = Strand(a.strand)
    except ValueError:
        raise ValidationError("strand", f"'{a.strand}' is not one of the 4Ps") from None
    try:
        status = ActionStatus(a.status)
    except ValueError:
        raise ValidationError("status", f"unknown status '{a.status}'") from None
    return replace(
        a,
        action=clean_text(a.action, field="action", required=True, limit=2000),
        strand=strand,
        status=status,
        owner=clean_text(a.owner, field="owner"),
        partner=clean_text(a.partner, field="partner"),
        measure=clean_text(a.measure, field="measure", limit=2000),
        linked_ocgs=tuple(sorted({int(x) for x in a.linked_ocgs})),
    )


def validate_partner_types(
    types: list[PartnerType] | tuple[PartnerType, ...],
) -> tuple[PartnerType, ...]:
    """A non-empty list of distinct partner types with keys and labels."""
    out: list[PartnerType] = []
    seen: set[str] = set()
    for t in types:
        key = clean_text(t.key, field="partner_types", required=True).lower().replace(" ", "_")
        label = clean_text(t.label, field="partner_types", required=True)
        if key in seen:
            raise ValidationError("partner_types", f"'{key}' is listed twice")
        seen.add(key)
        out.append(PartnerType(key, label))
    return tuple(out)
