"""Handling policy for exports: who may see an item, and what marking an export carries.

One module decides, so every export (briefings, profiles, partner packs, audit extracts) applies
the same rules:

* the audience: ``internal`` (socmap's own users in the force's intelligence function),
  ``neighbourhood`` (the force's neighbourhood and response teams: police, need to know) or
  ``partner`` (non-police partners: councils, health, housing, education);
* an item's grading (3x5x2 or legacy 5x5x5, as recorded) and protective marking.

Rules (brief 6.1, 6.2). :func:`may_share` is the one function that decides, for every export,
map, list and preview; :func:`policy_table` writes its answers out (README "Handling policy"):

=============  ==============================================================================
internal       everything socmap holds (it holds nothing above OFFICIAL-SENSITIVE).
neighbourhood  3x5x2 P; C with a note that conditions apply (the conditions' text is free text
               and stays internal). 5x5x5 handling 1-4 (4 is "originating agency only": the
               force itself). Not 5x5x5 handling 5 ("no further dissemination"). Not
               intelligence assessed as suspected false (3x5x2 E, 5x5x5 intelligence grade 5).
               Ungraded intelligence (e.g. police.uk street crime, public open data) is shown:
               police, need to know. Records that are not intelligence (OCG records) pass.
partner        3x5x2 P; C with the conditions note. 5x5x5 handling 2 only ("UK
               non-prosecuting parties"). Never ungraded intelligence, nor suspected-false.
               Records that are not intelligence pass only at OFFICIAL; OFFICIAL-SENSITIVE
               records need a sharing agreement, so they are left out.
any            a grading that cannot be read is withheld from everyone but internal.
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


#: What a partner or neighbourhood version says instead of a C grade's conditions (free text).
CONDITIONS_NOTE = "handling conditions apply: ask the force intelligence bureau before acting on it"


class _Unreadable:
    """A recorded grading that cannot be read (withheld from every audience but internal)."""


UNREADABLE = _Unreadable()


def recorded_grading(
    scheme: str | None, grade: str | None, handling: str | None, conditions: str | None = ""
) -> Grading | _Unreadable | None:
    """The grading of a stored row: None when ungraded, :data:`UNREADABLE` when it cannot be read.

    Legacy 5x5x5 grades recorded with the handling code as a third character are read as such.
    """
    scheme, grade, code = (str(v or "").strip() for v in (scheme, grade, handling))
    if not (scheme or grade or code):
        return None
    if scheme.lower() == "5x5x5" and not code and len(grade) == 3:
        grade, code = grade[:2], grade[2]
    try:
        # a C grade without its conditions recorded is still a C grade for the policy
        return parse_grading(scheme, grade, code, str(conditions or "") or "(not recorded)")
    except ValidationError:
        return UNREADABLE


def may_share(
    *,
    audience: Audience | str,
    marking: Marking | str | None = DEFAULT_MARKING,
    grading: Grading | _Unreadable | None = None,
    is_intelligence: bool = True,
) -> ShareDecision:
    """Decide whether one item (graded or not) may appear in an export for ``audience``.

    The only place that decides (README "Handling policy"). ``grading`` is what
    :func:`recorded_grading` reads from a stored row; an empty marking is the default.
    """
    aud = parse_audience(str(audience))
    mark = parse_marking(str(marking)) if marking else DEFAULT_MARKING
    if aud is Audience.INTERNAL:
        return ShareDecision(True, "internal: everything socmap holds")
    if isinstance(grading, _Unreadable):
        return ShareDecision(False, "its grading cannot be read")
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
        return ShareDecision(True, "3x5x2 C: shared with its conditions", CONDITIONS_NOTE)
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


# ------------------------------------------------------------------------- the policy written out

#: Grade classes of the written-out table: (scheme, label, a grade in that class, handling codes).
_TABLE_CLASSES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("3x5x2", "A-D", "1B", ("P", "C")),
    ("3x5x2", "E (suspected false)", "1E", ("P", "C")),
    ("5x5x5", "1-4", "B2", ("1", "2", "3", "4", "5")),
    ("5x5x5", "5 (suspected false)", "B5", ("1", "2", "3", "4", "5")),
)


@dataclass(frozen=True)
class PolicyRow:
    """One row of the written-out policy: an item's kind and what each audience gets."""

    kind: str
    scheme: str
    grade: str
    handling: str
    marking: str
    shown: tuple[bool, ...]  # per Audience, in enum order


def policy_cases() -> list[tuple[PolicyRow, Grading | _Unreadable | None, bool]]:
    """Every case of the table with the grading and intelligence flag it is decided on."""
    cases: list[tuple[str, str, str, str, Grading | _Unreadable | None, bool]] = [
        ("intelligence", "ungraded (e.g. police.uk)", "-", "-", None, True),
        ("intelligence", "unreadable", "-", "-", UNREADABLE, True),
    ]
    for scheme, label, grade, codes in _TABLE_CLASSES:
        for code in codes:
            g = recorded_grading(scheme, grade, code, "conditions")
            cases.append(("intelligence", scheme, label, code, g, True))
    cases.append(("record (OCG, link)", "-", "-", "-", None, False))
    out = []
    for kind, scheme, label, code, g, intel in cases:
        for mark in Marking:
            shown = tuple(
                may_share(audience=a, marking=mark, grading=g, is_intelligence=intel).allowed
                for a in Audience
            )
            out.append((PolicyRow(kind, scheme, label, code, mark.value, shown), g, intel))
    return out


def policy_table() -> list[PolicyRow]:
    """The handling policy as a table: every (kind × scheme × grade × handling × marking)."""
    return [row for row, _g, _i in policy_cases()]


def policy_table_markdown() -> str:
    """:func:`policy_table` as the Markdown table the README carries (a test keeps them equal)."""
    head = ["item", "scheme", "grade", "handling", "marking", *(a.value for a in Audience)]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in policy_table():
        cells = [r.kind, r.scheme, r.grade, r.handling, r.marking]
        cells += ["shown" if ok else "withheld" for ok in r.shown]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
