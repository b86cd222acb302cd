"""Handling policy: what each audience may see, and the marking an export carries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from socmap.domain.errors import ValidationError
from socmap.domain.grading import Grading, parse_grading
from socmap.domain.vocab import Marking
from socmap.services.handling import (
    CONDITIONS_NOTE,
    Audience,
    audience_version,
    check_graded_input,
    export_marking,
    highest_marking_of,
    may_share,
)


def g(scheme: str, grade: str, handling: str, cond: str = "") -> Grading:
    return parse_grading(scheme, grade, handling, cond)


@pytest.mark.parametrize(
    ("grading", "neighbourhood", "partner"),
    [
        (g("3x5x2", "1A", "P"), True, True),
        (g("3x5x2", "2C", "C", "not to the subject"), True, True),
        (g("3x5x2", "1E", "P"), False, False),  # suspected false
        (g("5x5x5", "B2", "1"), True, False),  # law enforcement and prosecutors
        (g("5x5x5", "B2", "2"), True, True),  # UK non-prosecuting parties
        (g("5x5x5", "A1", "3"), True, False),
        (g("5x5x5", "A1", "4"), True, False),  # originating agency: the force itself
        (g("5x5x5", "A1", "5"), False, False),  # no further dissemination
        (g("5x5x5", "C5", "2"), False, False),  # suspected false or malicious
        (None, True, False),  # ungraded intelligence
    ],
)
def test_audiences(grading: Grading | None, neighbourhood: bool, partner: bool) -> None:
    assert may_share(audience="internal", grading=grading).allowed
    assert may_share(audience=Audience.NEIGHBOURHOOD, grading=grading).allowed is neighbourhood
    assert may_share(audience="partner", grading=grading).allowed is partner


def test_c_items_travel_with_a_conditions_note_not_the_free_text() -> None:
    """The conditions are free text (they may name a source or a subject): partner and
    neighbourhood versions say that conditions apply, and where to ask, never the text."""
    for audience in ("partner", "neighbourhood"):
        d = may_share(audience=audience, grading=g("3x5x2", "2B", "C", "do not act without DS"))
        assert d.allowed and d.conditions == CONDITIONS_NOTE
        assert "DS" not in d.conditions


def test_non_intelligence_records_to_partners_only_at_official() -> None:
    assert may_share(audience="partner", marking="OFFICIAL", is_intelligence=False).allowed
    assert not may_share(
        audience="partner", marking="OFFICIAL-SENSITIVE", is_intelligence=False
    ).allowed


def test_legacy_grades_are_kept_as_recorded() -> None:
    legacy = g("5x5x5", "b2", " 4 ")
    assert (legacy.scheme, legacy.grade, legacy.handling) == ("5x5x5", "B2", "4")


@dataclass
class Item:
    marking: str
    grading: Grading | None


def test_audience_version_leaves_out_and_marks_by_what_is_kept() -> None:
    items = [
        Item("OFFICIAL", g("3x5x2", "1A", "P")),
        Item("OFFICIAL-SENSITIVE", g("5x5x5", "A1", "5")),
        Item("OFFICIAL", g("3x5x2", "2B", "C", "police only until charge")),
    ]
    v = audience_version(
        items,
        audience="neighbourhood",
        marking_of=lambda i: i.marking,
        grading_of=lambda i: i.grading,
    )
    assert len(v.kept) == 2 and v.left_out == 1
    assert v.conditions == (CONDITIONS_NOTE,)  # the note, never the free text
    assert v.marking is Marking.OFFICIAL_SENSITIVE  # never below the default


def test_export_marking_rules() -> None:
    assert export_marking([]) is Marking.OFFICIAL_SENSITIVE
    assert export_marking(["OFFICIAL"]) is Marking.OFFICIAL_SENSITIVE
    with pytest.raises(ValidationError, match="needs a recorded reason"):
        export_marking(["OFFICIAL"], requested="OFFICIAL")
    assert export_marking(["OFFICIAL"], requested="OFFICIAL", lowering_reason="open source") is (
        Marking.OFFICIAL
    )
    with pytest.raises(ValidationError, match="contains OFFICIAL-SENSITIVE"):
        export_marking(["OFFICIAL-SENSITIVE"], requested="OFFICIAL", lowering_reason="x")
    assert highest_marking_of([Item("OFFICIAL", None), Item("OFFICIAL-SENSITIVE", None)]) is (
        Marking.OFFICIAL_SENSITIVE
    )


@pytest.mark.parametrize("marking", ["SECRET", "secret", "TOP SECRET", "Top_Secret - UK EYES"])
def test_secret_input_is_refused_with_an_explanation(marking: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_graded_input(scheme="3x5x2", grade="1A", handling="P", marking=marking)
    assert info.value.field == "marking" and "accredited SECRET system" in info.value.reason
    with pytest.raises(ValidationError):
        may_share(audience="internal", marking=marking)


def test_graded_input() -> None:
    assert check_graded_input(scheme="", grade=None, handling=" ").grading is None
    got = check_graded_input(scheme="3x5x2", grade="1 b", handling="p", marking="official")
    assert got.grading == Grading("3x5x2", "1B", "P") and got.marking is Marking.OFFICIAL
    with pytest.raises(ValidationError, match="needs the conditions"):
        check_graded_input(scheme="3x5x2", grade="1B", handling="C")
    with pytest.raises(ValidationError, match="unknown audience"):
        may_share(audience="press")
