"""Controlled vocabularies from the domain brief (sections 1, 2, 6).

Keys are stable lower-case identifiers stored in the database; labels are for people.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """OCG lifecycle: a trigger report becomes a draft, then an active, then an archived group."""

    TRIGGER = "trigger"
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


#: Allowed lifecycle moves. Reactivation of an archived group is allowed (brief section 3).
STATUS_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.TRIGGER: frozenset({Status.DRAFT, Status.ACTIVE, Status.ARCHIVED}),
    Status.DRAFT: frozenset({Status.TRIGGER, Status.ACTIVE, Status.ARCHIVED}),
    Status.ACTIVE: frozenset({Status.ARCHIVED}),
    Status.ARCHIVED: frozenset({Status.ACTIVE}),
}

#: The eight OCGM markets (criminal activity), brief section 2.1.
MARKETS: dict[str, str] = {
    "violence": "Violence",
    "drugs": "Drugs",
    "fraud": "Fraud & financial crime",
    "theft": "Organised theft",
    "commodities": "Commodity importation, counterfeiting & illegal supply",
    "sexual": "Sexual offences",
    "immigration": "Organised immigration crime",
    "environmental": "Environmental crime",
}

#: Secondary enablers that may be recorded beside markets (Scottish practice, brief 2.1).
ENABLERS: dict[str, str] = {
    "money_laundering": "Money laundering",
    "violence": "Violence",
    "corruption": "Corruption",
    "firearms": "Firearms",
}


class Role(StrEnum):
    """OCGM member roles (brief 2.4)."""

    PRINCIPAL = "principal"
    SIGNIFICANT = "significant"
    PERIPHERAL = "peripheral"


#: Extra tags a membership may carry beside its role (brief 2.4).
MEMBER_TAGS: dict[str, str] = {
    "facilitator": "Facilitator / enabler",
    "money_launderer": "Money launderer",
    "corrupt_insider": "Corrupt insider",
    "runner": "Runner",
    "supplier": "Supplier",
    "enforcer": "Enforcer",
}

#: Flags that may be recorded on a nominal.
NOMINAL_FLAGS: dict[str, str] = {
    "firearms": "Access to firearms",
    "violence": "Serious violence",
    "weapons": "Weapons (non-firearm)",
    "county_lines": "County lines",
    "drugs_supply": "Drugs supply",
    "in_custody": "In custody",
    "foreign_national": "Foreign national",
}

#: Kinds of OCG location.
LOCATION_KINDS: dict[str, str] = {
    "base": "Base / home address",
    "stash": "Stash house",
    "trading_site": "Trading / dealing site",
    "business": "Business premises",
    "cuckooed": "Cuckooed address",
    "meeting": "Meeting place",
    "storage": "Storage / lock-up",
    "other": "Other",
}


class Marking(StrEnum):
    """Government Security Classifications socmap may hold (brief 6.2).

    socmap is an OFFICIAL(-SENSITIVE) system: SECRET and above are refused.
    """

    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"


DEFAULT_MARKING = Marking.OFFICIAL_SENSITIVE

#: Markings socmap must refuse to hold, with the reason.
REFUSED_MARKINGS = ("SECRET", "TOP SECRET")
#: Markings of the scheme replaced on 2 April 2014 (brief 6.2): refused with a re-marking hint.
PRE_2014_MARKINGS = ("UNCLASSIFIED", "PROTECT", "RESTRICTED", "CONFIDENTIAL")


def marking_rank(marking: str) -> int:
    """Order markings so that an export can carry the highest of what it contains."""
    return {Marking.OFFICIAL: 0, Marking.OFFICIAL_SENSITIVE: 1}[Marking(marking)]


def highest_marking(markings: list[str] | tuple[str, ...]) -> Marking:
    """The highest of ``markings`` (OFFICIAL when there is none)."""
    if not markings:
        return Marking.OFFICIAL
    return Marking(max(markings, key=marking_rank))


def parse_marking(value: str, *, field: str = "marking") -> Marking:
    """Parse a protective marking, refusing SECRET and above with an explanation."""
    from socmap.domain.errors import ValidationError

    text = " ".join(value.replace("_", "-").upper().split())
    # "SECRET" anywhere (TOP_SECRET, TOP-SECRET, UK SECRET, SECRET//UK EYES...) is refused.
    if any(r.replace(" ", "") in text.replace(" ", "").replace("-", "") for r in REFUSED_MARKINGS):
        raise ValidationError(
            field,
            f"'{value}' material must not be held in socmap, an OFFICIAL(-SENSITIVE) system; "
            "hold it on an accredited SECRET system and record only a reference here",
        )
    text = text.replace("OFFICIAL SENSITIVE", "OFFICIAL-SENSITIVE")
    try:
        return Marking(text)
    except ValueError:
        if text.split(" ")[0].rstrip(":") in PRE_2014_MARKINGS:
            raise ValidationError(
                field,
                f"unknown marking '{value}': a pre-2014 protective marking; re-mark it under the "
                "Government Security Classifications (OFFICIAL or OFFICIAL-SENSITIVE here; "
                "SECRET material must not be held in socmap)",
            ) from None
        allowed = ", ".join(m.value for m in Marking)
        raise ValidationError(field, f"unknown marking '{value}' (use one of: {allowed})") from None
