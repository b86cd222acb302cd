"""Typed identifiers: a GroupId can never be passed where a NominalId is expected."""

from typing import NewType

AreaId = NewType("AreaId", int)
GroupId = NewType("GroupId", int)
NominalId = NewType("NominalId", int)
MembershipId = NewType("MembershipId", int)
LocationId = NewType("LocationId", int)
IntelId = NewType("IntelId", int)
PartnerId = NewType("PartnerId", int)
DisruptionId = NewType("DisruptionId", int)
AssessmentId = NewType("AssessmentId", int)


def format_ocg_ref(ocg_id: int) -> str:
    """The reference shown on every screen and document: ``OCG-0012``."""
    return f"OCG-{int(ocg_id):04d}"


def parse_ocg_ref(text: str | int) -> GroupId:
    """A group id from its reference (``OCG-0012``, ``ocg-12``, ``OCG12``) or its number (``12``).

    Raises ValueError with a message a person can act on; callers turn it into their own error.
    """
    if isinstance(text, int):
        value = text
    else:
        s = str(text).strip().upper().replace(" ", "")
        if s.startswith("OCG"):
            s = s[3:].lstrip("-_")
        if not s.isdigit():
            raise ValueError(
                f"{text!r} is not a group reference (use the reference shown on screen, "
                "e.g. OCG-0012, or its number, 12)"
            )
        value = int(s)
    if value <= 0:
        raise ValueError(f"{text!r} is not a group reference (numbers start at 1)")
    return GroupId(value)
