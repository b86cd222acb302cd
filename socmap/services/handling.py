"""Handling policy for exports: who may see an item, and what marking an export carries.

One module decides, so every export (briefings, profiles, partner packs, audit extracts) applies
the same rules:

* the audience: ``internal`` (socmap's own users in the force's intelligence function),
  ``neighbourhood`` (the force's neighbourhood and response teams: police, need to know) or
  ``partner`` (non-police partners: councils, health, housing, education);
* an item's grading (3x5x2 or legacy 5x5x5, as recorded) and protective marking.

Rules (brief 6.1, 6.2):

=============  ==============================================================================
internal       everything socmap holds (it holds nothing above OFFICIAL-SENSITIVE).
neighbourhood  3x5x2 P; C with its conditions attached. 5x5x5 handling 1-4 (4 is "originating
               agency only": the force itself). Not 5x5x5 handling 5 ("no further
               dissemination"). Not intelligence graded E (3x5x2) or 5 (5x5x5: suspected false).
               Ungraded items that are not intelligence (OCG records) pass.
partner        3x5x2 P; C with its conditions attached. 5x5x5 handling 2 only ("UK
               non-prosecuting parties"). Never ungraded intelligence, nor intelligence graded
               E / 5. Records that are not intelligence pass only at OFFICIAL; OFFICIAL-SENSITIVE
               records need a sharing agreement, so they are left out.
=============  ==============================================================================

An export carries the highest marking of what it contains, never lower than the default
(OFFICIAL-SENSITIVE) unless a reason for lowering it is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from socmap.domain.errors import ValidationError
from socmap.domain.grading import Grading, parse_grading
from socmap.domain.vocab import (
    DEFAULT_MARKING,
    Marking,
    highest_marking,
    marking_rank,
    parse_marking,
)

T = TypeVar("T")


class Audience(StrEnum):
    """Who an export version is for."""

    INTERNAL = "internal"
    NEIGHBOURHOOD = "neighbourhood"
    PARTNER = "partner"


def parse_audience(value: str) -> Audience:
    """An audience from text; ValidationError naming the allowed ones otherwise."""
    try:
        return Audience(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(a.value for a in Audience)
        raise ValidationError("audience", f"unknown audience '{value}' (use {allowed})") from None


@dataclass(frozen=True)
class ShareDecision:
    """Whether an item may go to an audience; ``conditions`` must travel with it when set."""

    allowed: bool
    reason: str
    conditions: str = ""


def _suspected_false(g: Grading) -> bool:
    return (g.scheme == "3x5x2" and g.grade[1:] == "E") or (
        g.scheme == "5x5x5" and g.grade[1:] == "5"
    )


def may_share(
    *,
    audience: Audience | str,
    marking: Marking | str = DEFAULT_MARKING,
    grading: Grading | None = None,
    is_intelligence: bool = True,
) -> ShareDecision:
    """Decide whether one item (graded or not) may appear in an export for ``audience``."""
    aud = parse_audience(str(audience))
    mark = parse_marking(str(marking))
    if aud is Audience.INTERNAL:
        return ShareDecision(True, "internal: everything socmap holds")
    if grading is None:
        if is_intelligence:
            if aud is Audience.PARTNER:
                return ShareDecision(False, "ungraded intelligence is never shared with partners")
            return ShareDecision(True, "ungraded intelligence: police need to know")
        if aud is Audience.PARTNER and mark is not Marking.OFFICIAL:
            return ShareDecision(False, f"{mark.value} records need a sharing agreement")
        return ShareDecision(True, f"{mark.value} record")
    if _suspected_false(grading):
        return ShareDecision(False, f"graded {grading.grade}: suspected false, not disseminated")
    if grading.scheme == "3x5x2":
        if grading.handling == "P":
            return ShareDecision(True, "3x5x2 P: lawful sharing permitted")
        return ShareDecision(True, "3x5x2 C: shared with its conditions", grading.conditions)
    code = grading.handling
    if aud is Audience.NEIGHBOURHOOD:
        if code in ("1", "2", "3", "4"):
            return ShareDecision(True, f"5x5x5 handling {code}: within the force")
        return ShareDecision(False, "5x5x5 handling 5: no further dissemination")
    if code == "2":
        return ShareDecision(True, "5x5x5 handling 2: UK non-prosecuting parties")
    return ShareDecision(False, f"5x5x5 handling {code}: not for non-police partners")


@dataclass(frozen=True)
class AudienceVersion:
    """What an export for one audience contains: kept items, what was left out, its marking."""

    kept: tuple[object, ...]
    left_out: int
    conditions: tuple[str, ...]
    marking: Marking


def audience_version(
    items: Iterable[T],
    *,
    audience: Audience | str,
    marking_of: Callable[[T], str],
    grading_of: Callable[[T], Grading | None],
    is_intelligence: bool = True,
) -> AudienceVersion:
    """Filter ``items`` for ``audience``; the export's marking is the highest of what is kept."""
    kept: list[T] = []
    conditions: list[str] = []
    left_out = 0
    for item in items:
        d = may_share(
            audience=audience,
            marking=marking_of(item),
            grading=grading_of(item),
            is_intelligence=is_intelligence,
        )
        if d.allowed:
            kept.append(item)
            if d.conditions and d.conditions not in conditions:
                conditions.append(d.conditions)
        else:
            left_out += 1
    return AudienceVersion(
        tuple(kept), left_out, tuple(conditions), export_marking([marking_of(i) for i in kept])
    )


def export_marking(
    contents: Iterable[str], *, requested: str | None = None, lowering_reason: str = ""
) -> Marking:
    """The marking an export must carry.

    The highest of ``contents`` and the default (OFFICIAL-SENSITIVE). ``requested`` may raise
    it, or lower it to what the contents allow, but lowering below the default needs a reason
    (which the caller records in the export's audit row).
    """
    content = highest_marking([str(parse_marking(str(m), field="contents")) for m in contents])
    if requested is None:
        return Marking(max(content, DEFAULT_MARKING, key=marking_rank))
    want = parse_marking(requested)
    if marking_rank(want) < marking_rank(content):
        raise ValidationError(
            "marking",
            f"the export contains {content.value} material; it cannot be marked {want.value}",
        )
    if marking_rank(want) < marking_rank(DEFAULT_MARKING) and not lowering_reason.strip():
        raise ValidationError(
            "marking", f"marking an export below {DEFAULT_MARKING.value} needs a recorded reason"
        )
    return want


def highest_marking_of(records: Iterable[object]) -> Marking:
    """The highest marking among records that have a ``marking`` attribute (OFFICIAL if none)."""
    return highest_marking([str(getattr(r, "marking", Marking.OFFICIAL)) for r in records])


@dataclass(frozen=True)
class GradedInput:
    """A graded item's handling fields, checked for import or edit."""

    grading: Grading | None
    marking: Marking


def check_graded_input(
    *,
    scheme: str | None,
    grade: str | None,
    handling: str | None,
    conditions: str = "",
    marking: str | None = None,
) -> GradedInput:
    """Check the grading and marking fields of intelligence or a link (import and edit paths).

    An item may be ungraded (all three grading fields empty); otherwise it must be a valid
    3x5x2 or 5x5x5 grade, stored as recorded. A marking of SECRET or above is refused with an
    explanation; an empty marking is the default OFFICIAL-SENSITIVE.
    """
    mark = parse_marking(marking) if marking and str(marking).strip() else DEFAULT_MARKING
    fields = [str(v or "").strip() for v in (scheme, grade, handling)]
    if not any(fields):
        return GradedInput(None, mark)
    return GradedInput(parse_grading(fields[0], fields[1], fields[2], str(conditions or "")), mark)
