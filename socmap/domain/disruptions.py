"""Disruptions: 4P strand, tactic, claimed level, approval and follow-up (brief sections 4.4, 5).

Approval: a claim is ``pending`` until approved. A Major claim needs two different approvers
(brief 5: "second approver for Major"); after the first it stays pending.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from socmap.domain.errors import ValidationError
from socmap.domain.limits import check_length
from socmap.domain.vocab import parse_marking

#: The 4Ps (brief 4.4).
STRANDS: dict[str, str] = {
    "pursue": "Pursue",
    "prevent": "Prevent",
    "protect": "Protect",
    "prepare": "Prepare",
}

#: Home Office tactic areas (brief 5).
TACTIC_AREAS: dict[str, str] = {
    "lifestyle": "Lifestyle",
    "behaviour": "Behaviour",
    "vehicles": "Vehicles",
    "travel": "Travel",
    "business": "Business",
    "crime": "Crime",
}

#: Tactics (brief 5 default record), key -> (label, tactic area).
TACTICS: dict[str, tuple[str, str]] = {
    "arrest_charge": ("Arrest / charge", "crime"),
    "drugs_seizure": ("Seizure of drugs", "crime"),
    "firearms_seizure": ("Seizure of firearms", "crime"),
    "cash_seizure": ("Seizure of cash", "lifestyle"),
    "poca_confiscation": ("POCA confiscation", "lifestyle"),
    "scpo": ("Serious Crime Prevention Order", "behaviour"),
    "closure_order": ("Closure order", "behaviour"),
    "safeguarding_referral": ("Safeguarding referral", "behaviour"),
    "tenancy_action": ("Tenancy action", "lifestyle"),
    "benefit_action": ("Benefit action", "lifestyle"),
    "licence_action": ("Licence action", "business"),
    "tax_action": ("Tax action", "business"),
    "immigration_action": ("Immigration action", "travel"),
    "travel_restriction": ("Travel restriction / port stop", "travel"),
    "vehicle_seizure": ("Vehicle seizure", "vehicles"),
    "vehicle_disruption": ("Vehicle / driving offences", "vehicles"),
}

#: Claimed levels on the national scale (brief 5), most effective first.
LEVELS: dict[str, str] = {
    "major": "Major",
    "moderate": "Moderate",
    "minor": "Minor",
    "none": "None",
    "negative": "Negative",
}

STATUSES = ("pending", "approved", "rejected")

#: Follow-up checks after a disruption, in months (brief 5).
FOLLOW_UP_MONTHS = (3, 6, 12)


@dataclass(frozen=True)
class Disruption:
    """A recorded disruption claim against one OCG."""

    ocg_id: int
    occurred_on: dt.date
    strand: str
    tactic: str
    level: str
    rationale: str
    tactic_area: str = ""
    lead_agency: str = "Police"
    lead_partner_id: int | None = None
    partner_ids: tuple[int, ...] = ()
    nominal_ids: tuple[int, ...] = ()
    lessons: str = ""
    status: str = "pending"
    recorded_by: str = ""
    approver: str = ""
    approved_on: dt.date | None = None
    second_approver: str = ""
    second_approved_on: dt.date | None = None
    marking: str = "OFFICIAL-SENSITIVE"
    id: int | None = None

    @property
    def follow_ups(self) -> tuple[dt.date, ...]:
        """Follow-up dates at 3, 6 and 12 months."""
        return follow_up_dates(self.occurred_on)

    @property
    def needs_second_approver(self) -> bool:
        """True for a Major claim that has its first approval but not the second."""
        return self.level == "major" and bool(self.approver) and not self.second_approver


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_dates(day: dt.date) -> tuple[dt.date, ...]:
    """The follow-up dates of a disruption on ``day``."""
    return tuple(add_months(day, m) for m in FOLLOW_UP_MONTHS)


def _choice(field: str, value: str, allowed: Mapping[str, object], what: str) -> str:
    key = (value or "").strip().lower()
    if key not in allowed:
        raise ValidationError(field, f"unknown {what} '{value}' (use one of: {', '.join(allowed)})")
    return key


def validate_disruption(
    d: Disruption,
    *,
    today: dt.date,
    ocg_status: str | None = None,
    ocg_archived_on: dt.date | None = None,
) -> Disruption:
    """A cleaned disruption, or ValidationError naming the field.

    Args:
        ocg_status, ocg_archived_on: the OCG's state, to refuse a disruption dated after
            the group was archived.
    """
    strand = _choice("strand", d.strand, STRANDS, "4P strand")
    tactic = _choice("tactic", d.tactic, TACTICS, "tactic")
    area = TACTICS[tactic][1]
    if d.tactic_area and d.tactic_area.strip().lower() != area:
        raise ValidationError(
            "tactic_area",
            f"tactic '{tactic}' belongs to tactic area '{area}', not '{d.tactic_area}'",
        )
    level = _choice("level", d.level, LEVELS, "disruption level")
    if d.occurred_on > today:
        raise ValidationError("occurred_on", "a disruption cannot be dated in the future")
    if ocg_archived_on is not None and ocg_status == "archived" and d.occurred_on > ocg_archived_on:
        raise ValidationError(
            "occurred_on",
            f"the OCG was archived on {ocg_archived_on.isoformat()}; a disruption cannot be "
            "dated after that (reactivate the group first)",
        )
    rationale = (d.rationale or "").strip()
    if not rationale:
        raise ValidationError("rationale", "say why this level is claimed")
    check_length("rationale", rationale)
    lead = " ".join((d.lead_agency or "").split())
    if not lead:
        raise ValidationError("lead_agency", "name the lead agency")
    return dataclasses.replace(
        d,
        strand=strand,
        tactic=tactic,
        tactic_area=area,
        level=level,
        rationale=rationale,
        lead_agency=lead,
        partner_ids=tuple(sorted(set(d.partner_ids))),
        nominal_ids=tuple(sorted(set(d.nominal_ids))),
        lessons=(d.lessons or "").strip(),
        marking=parse_marking(d.marking).value,
    )


def approve(d: Disruption, *, approver: str, on: dt.date) -> Disruption:
    """The disruption after ``approver``'s approval.

    A Major claim needs a second, different approver; after the first approval it stays pending.
    """
    if d.status == "approved":
        raise ValidationError("status", "this disruption is already approved")
    if d.status == "rejected":
        raise ValidationError("status", "a rejected disruption cannot be approved; record it again")
    if not approver:
        raise ValidationError("approver", "an approver must be named")
    if d.level != "major":
        return dataclasses.replace(d, approver=approver, approved_on=on, status="approved")
    if not d.approver:
        return dataclasses.replace(d, approver=approver, approved_on=on, status="pending")
    if approver == d.approver:
        raise ValidationError(
            "second_approver",
            f"a Major disruption needs a second approver other than {d.approver}",
        )
    return dataclasses.replace(
        d, second_approver=approver, second_approved_on=on, status="approved"
    )


def reject(d: Disruption, *, approver: str, on: dt.date) -> Disruption:
    """The disruption after its claim was refused by ``approver``."""
    if d.status != "pending":
        raise ValidationError(
            "status", f"only a pending claim can be rejected (this is {d.status})"
        )
    return dataclasses.replace(
        d, status="rejected", approver=d.approver or approver, approved_on=on
    )
