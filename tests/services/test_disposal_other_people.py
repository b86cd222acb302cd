"""Disposal scrubs the person's names, never another person's (QA: disposing Natalie Zebley
turned OCG-0044's LRO "DI Ryan Zebley" into "DI Ryan [name withheld]")."""

from __future__ import annotations

from typing import Any

import pytest

from socmap.domain.groups import Nominal, Ocg
from socmap.services import register, review
from socmap.services.redaction import NAME, Redactor

PERSON = (53, "Zebley", "Natalie", '["Nat Z"]', "12 Quarry Road")


@pytest.mark.parametrize(
    "text",
    [
        "DI Ryan Zebley",
        "Lead: DI Ryan Zebley.",
        "DS Zebley attended",
        "met Ryan Zebley at the station",
        "OIC is Det Sgt Ryan Zebley",
    ],
)
def test_another_persons_name_is_left_alone(text: str) -> None:
    r = Redactor.for_person(PERSON, surname_alone=True, forenames_alone=True)
    assert r.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Natalie Zebley was seen", f"{NAME} was seen"),
        ("ZEBLEY, Natalie was seen", f"{NAME} was seen"),
        ("N Zebley was seen", f"{NAME} was seen"),
        ("Zebley was seen", f"{NAME} was seen"),
        ("seen with Zebley today", f"seen with {NAME} today"),
        ("Zebley's car", f"{NAME}'s car"),
        ("the Zebleys moved", f"the {NAME} moved"),
        ("Ms Zebley moved", f"Ms {NAME} moved"),
        ("Saw Natalie today. Zebley left", f"Saw {NAME} today. {NAME} left"),
        ("DI Ryan Zebley met Zebley", f"DI Ryan Zebley met {NAME}"),
        ("Nat Z at 12 Quarry Rd", "[alias withheld] at [address withheld]"),
    ],
)
def test_every_spelling_of_the_person_goes(text: str, expected: str) -> None:
    r = Redactor.for_person(PERSON, surname_alone=True, forenames_alone=True)
    assert r.redact(text) == expected


def test_disposal_leaves_an_officer_sharing_the_surname(store: Any) -> None:
    ocg, _ = register.create_ocg(store, Ocg(name="Harbour crew", lro="DI Ryan Zebley"))
    n, _ = register.create_nominal(
        store,
        Nominal(surname="Zebley", forenames="Natalie", notes="Zebley reported by DI Ryan Zebley"),
    )
    other, _ = register.create_nominal(
        store, Nominal(surname="Quorrel", notes="Natalie Zebley's friend; Zebley visits often")
    )
    review.dispose(store, "nominal", int(n.id), rationale="no continuing policing purpose")  # type: ignore[arg-type]
    assert register.groups.get_ocg(store, int(ocg.id)).lro == "DI Ryan Zebley"  # type: ignore[arg-type]
    notes = register.groups.get_nominal(store, int(other.id)).notes  # type: ignore[arg-type]
    assert notes == f"{NAME}'s friend; {NAME} visits often"
