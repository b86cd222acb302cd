"""Partner agencies, their contacts and sharing agreements, SOC partnership structures and links.

Vocabularies follow the domain brief, section 4.3 (partner types) and 1 (LRO).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.domain.vocab import parse_marking

#: Partner agency types (brief 4.3), key -> label.
PARTNER_TYPES: dict[str, str] = {
    "council_community": "Council: community safety, housing, social care, education",
    "council_regulatory": "Council: trading standards, licensing, environmental health",
    "health": "Health (A&E, drug treatment, mental/public health)",
    "dwp": "DWP",
    "hmrc": "HMRC",
    "border_force": "Border Force / Immigration Enforcement",
    "probation": "Probation, prisons, youth justice",
    "fire": "Fire & rescue",
    "environment_agency": "Environment Agency",
    "dvla": "DVLA",
    "glaa": "GLAA",
    "nca_rocu": "NCA, ROCU, other forces, BTP",
    "voluntary": "Voluntary sector",
    "business": "Businesses, banks",
}

#: Short labels for legends and tables.
PARTNER_TYPE_SHORT: dict[str, str] = {
    "council_community": "Council (community)",
    "council_regulatory": "Council (regulatory)",
    "health": "Health",
    "dwp": "DWP",
    "hmrc": "HMRC",
    "border_force": "Border Force / IE",
    "probation": "Probation / prisons",
    "fire": "Fire & rescue",
    "environment_agency": "Environment Agency",
    "dvla": "DVLA",
    "glaa": "GLAA",
    "nca_rocu": "NCA / ROCU / forces",
    "voluntary": "Voluntary sector",
    "business": "Business / banks",
}

#: Typed partner <-> OCG links (brief 4.3).
LINK_RELATIONS: dict[str, str] = {
    "intelligence_source": "Intelligence source",
    "enforcement_lever": "Enforcement lever",
    "safeguarding_lead": "Safeguarding lead",
    "action_owner": "Action owner",
}

#: Roles a partner contact can hold.
CONTACT_ROLES: dict[str, str] = {
    "spoc": "Single point of contact",
    "manager": "Manager",
    "analyst": "Analyst / data lead",
    "safeguarding": "Safeguarding lead",
    "legal": "Legal / information governance",
    "operational": "Operational lead",
}

#: Kinds of local partnership structure with responsibility for SOC (brief 4.1).
STRUCTURE_KINDS: dict[str, str] = {
    "board": "Organised crime partnership board",
    "socjag": "SOC Joint Advisory Group",
    "csp_subgroup": "CSP SOC sub-group",
    "group": "Other partnership group",
}

#: Meeting cadences and their interval in days.
CADENCES: dict[str, int] = {
    "monthly": 31,
    "six-weekly": 42,
    "bi-monthly": 62,
    "quarterly": 92,
    "six-monthly": 183,
}

#: Lead Responsible Officer kinds (brief 1: police or partner staff).
LRO_KINDS = ("police", "partner")

#: Default warning period before a sharing agreement expires.
ISA_WARN_DAYS = 60


@dataclass(frozen=True)
class Contact:
    """A named contact at a partner agency, by role."""

    role: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class Partner:
    """A partner agency with the areas it serves and its information-sharing agreement."""

    name: str
    partner_type: str
    area_ids: tuple[int, ...] = ()
    contacts: tuple[Contact, ...] = ()
    isa_reference: str = ""
    isa_expires: dt.date | None = None
    notes: str = ""
    marking: str = "OFFICIAL-SENSITIVE"
    id: int | None = None
    version: int = 1


@dataclass(frozen=True)
class PartnershipStructure:
    """The local structure responsible for SOC in one area (board or group)."""

    area_id: int
    name: str
    kind: str = "board"
    chair: str = ""
    member_ids: tuple[int, ...] = ()
    cadence: str = "quarterly"
    last_meeting: dt.date | None = None
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True)
class PartnerLink:
    """A typed link between a partner agency and an OCG."""

    partner_id: int
    ocg_id: int
    relation: str
    since: dt.date | None = None
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Lro:
    """An OCG's Lead Responsible Officer: police or partner staff (then ``partner_id``)."""

    ocg_id: int
    kind: str
    name: str
    partner_id: int | None = None


def _choice(field: str, value: str, allowed: dict[str, str] | tuple[str, ...], what: str) -> str:
    key = (value or "").strip()
    if key not in allowed:
        raise ValidationError(field, f"unknown {what} '{value}' (use one of: {', '.join(allowed)})")
    return key


def validate_partner(p: Partner) -> Partner:
    """A cleaned partner, or ValidationError naming the field."""
    name = " ".join((p.name or "").split())
    if not name:
        raise ValidationError("name", "a partner agency needs a name")
    if len(name) > 200:
        raise ValidationError("name", "at most 200 characters")
    ptype = _choice("partner_type", p.partner_type, PARTNER_TYPES, "partner type")
    contacts = []
    for c in p.contacts:
        _choice("contacts", c.role, CONTACT_ROLES, "contact role")
        if not c.name.strip():
            raise ValidationError("contacts", f"a {c.role} contact needs a name")
        contacts.append(Contact(c.role, c.name.strip(), c.detail.strip()))
    ref = (p.isa_reference or "").strip()
    if p.isa_expires is not None and not ref:
        raise ValidationError("isa_reference", "an agreement with an expiry date needs a reference")
    return dataclasses.replace(
        p,
        name=name,
        partner_type=ptype,
        contacts=tuple(contacts),
        isa_reference=ref,
        area_ids=tuple(sorted(set(p.area_ids))),
        marking=parse_marking(p.marking).value,
    )


def isa_status(
    expires: dt.date | None, reference: str, today: dt.date, *, warn_days: int = ISA_WARN_DAYS
) -> str:
    """``none`` (no agreement), ``expired``, ``expiring`` (within ``warn_days``) or ``valid``."""
    if not reference:
        return "none"
    if expires is None:
        return "valid"
    if expires < today:
        return "expired"
    if (expires - today).days <= warn_days:
        return "expiring"
    return "valid"


def isa_warning(p: Partner, today: dt.date, *, warn_days: int = ISA_WARN_DAYS) -> str:
    """A sentence for the user when the agreement is expired or expires within ``warn_days``."""
    status = isa_status(p.isa_expires, p.isa_reference, today, warn_days=warn_days)
    if status == "expired" and p.isa_expires:
        return f"{p.name}: agreement {p.isa_reference} expired on {p.isa_expires.isoformat()}"
    if status == "expiring" and p.isa_expires:
        days = (p.isa_expires - today).days
        return f"{p.name}: agreement {p.isa_reference} expires in {plural(days, 'day')} ({p.isa_expires.isoformat()})"
    return ""


def validate_structure(
    s: PartnershipStructure, *, today: dt.date | None = None
) -> PartnershipStructure:
    """A cleaned partnership structure, or ValidationError naming the field."""
    name = " ".join((s.name or "").split())
    if not name:
        raise ValidationError("name", "a partnership structure needs a name")
    kind = _choice("kind", s.kind, STRUCTURE_KINDS, "structure kind")
    cadence = _choice("cadence", s.cadence, tuple(CADENCES), "meeting cadence")
    today = today or dt.date.today()
    if s.last_meeting is not None and s.last_meeting > today:
        raise ValidationError("last_meeting", "the last meeting cannot be in the future")
    return dataclasses.replace(
        s,
        name=name,
        kind=kind,
        cadence=cadence,
        chair=(s.chair or "").strip(),
        member_ids=tuple(sorted(set(s.member_ids))),
    )


def meeting_overdue(s: PartnershipStructure, today: dt.date) -> bool:
    """True when no meeting is recorded or the last one is older than the cadence allows."""
    if s.last_meeting is None:
        return True
    return (today - s.last_meeting).days > CADENCES.get(s.cadence, 92) + 14


def validate_link(link: PartnerLink, *, today: dt.date | None = None) -> PartnerLink:
    """A cleaned partner <-> OCG link, or ValidationError naming the field."""
    relation = _choice("relation", link.relation, LINK_RELATIONS, "link type")
    if link.since is not None and link.since > (today or dt.date.today()):
        raise ValidationError("since", "a link cannot start in the future")
    return dataclasses.replace(link, relation=relation, notes=(link.notes or "").strip())


def validate_lro(lro: Lro) -> Lro:
    """A cleaned LRO record, or ValidationError naming the field."""
    kind = _choice("kind", lro.kind, LRO_KINDS, "LRO kind")
    name = " ".join((lro.name or "").split())
    if not name:
        raise ValidationError("name", "the Lead Responsible Officer needs a name")
    if kind == "partner" and lro.partner_id is None:
        raise ValidationError("partner_id", "a partner LRO must name the partner agency")
    if kind == "police" and lro.partner_id is not None:
        raise ValidationError("partner_id", "a police LRO has no partner agency")
    return dataclasses.replace(lro, kind=kind, name=name)
