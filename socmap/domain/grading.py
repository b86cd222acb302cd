"""Intelligence grading (brief 6.1): 3x5x2 (current) and 5x5x5 (legacy), stored as recorded.

There is no official mapping between the two schemes, so socmap never converts one to the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from socmap.domain.errors import ValidationError

SOURCE_3X5X2 = {"1": "Reliable", "2": "Untested", "3": "Not reliable"}
INTEL_3X5X2 = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source, corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known to the source",
    "E": "Suspected to be false",
}
HANDLING_3X5X2 = {"P": "Lawful sharing permitted", "C": "Sharing permitted with conditions"}

SOURCE_5X5X5 = {
    "A": "Always reliable",
    "B": "Mostly reliable",
    "C": "Sometimes reliable",
    "D": "Unreliable",
    "E": "Untested source",
}
INTEL_5X5X5 = {
    "1": "Known to be true without reservation",
    "2": "Known personally to source but not to officer",
    "3": "Not known personally to source but corroborated",
    "4": "Cannot be judged",
    "5": "Suspected to be false or malicious",
}
HANDLING_5X5X5 = {
    "1": "May be disseminated to other law enforcement and prosecuting agencies",
    "2": "May be disseminated to UK non-prosecuting parties",
    "3": "May be disseminated to non-EEA law enforcement (conditions apply)",
    "4": "Only within the originating agency",
    "5": "No further dissemination: refer to the originator",
}

SCHEMES = ("3x5x2", "5x5x5")


@dataclass(frozen=True)
class Grading:
    """A grade exactly as recorded: scheme, the source/intelligence grade and the handling code."""

    scheme: str
    grade: str
    handling: str
    conditions: str = ""

    @property
    def label(self) -> str:
        """Compact form, e.g. ``1B P`` or ``B2 4``."""
        return f"{self.grade} {self.handling}".strip()


def parse_grading(
    scheme: str, grade: str, handling: str, conditions: str = "", *, field: str = "grading"
) -> Grading:
    """Validate a grade in its own scheme; raise ValidationError naming ``field`` otherwise.

    3x5x2: grade is source 1-3 then intelligence A-E (``"1B"``), handling P or C (C needs
    conditions). 5x5x5: grade is source A-E then intelligence 1-5 (``"B2"``), handling 1-5.
    """
    scheme = (scheme or "").strip().lower()
    grade = (grade or "").strip().upper().replace(" ", "")
    handling = (handling or "").strip().upper()
    if scheme == "3x5x2":
        if len(grade) != 2 or grade[0] not in SOURCE_3X5X2 or grade[1] not in INTEL_3X5X2:
            raise ValidationError(
                field, f"'{grade}' is not a 3x5x2 grade (source 1-3 then intelligence A-E, e.g. 1B)"
            )
        if handling not in HANDLING_3X5X2:
            raise ValidationError(field, f"'{handling}' is not a 3x5x2 handling code (P or C)")
        if handling == "C" and not conditions.strip():
            raise ValidationError(field, "handling code C needs the conditions to be recorded")
    elif scheme == "5x5x5":
        if len(grade) != 2 or grade[0] not in SOURCE_5X5X5 or grade[1] not in INTEL_5X5X5:
            raise ValidationError(
                field, f"'{grade}' is not a 5x5x5 grade (source A-E then intelligence 1-5, e.g. B2)"
            )
        if handling not in HANDLING_5X5X5:
            raise ValidationError(field, f"'{handling}' is not a 5x5x5 handling code (1-5)")
    else:
        raise ValidationError(field, f"unknown grading scheme '{scheme}' (use 3x5x2 or 5x5x5)")
    return Grading(scheme, grade, handling, conditions.strip())
