"""Addresses are found however the street type is written (QA: "162 Forge Ave" passed)."""

from __future__ import annotations

import pytest

from socmap.services.redaction import STREET_TYPES, Redactor


def _redactor(address: str) -> Redactor:
    return Redactor([(21, "Quorrel", "Ada", "[]", address)], [])


@pytest.mark.parametrize("written", sorted(STREET_TYPES))
def test_every_street_type_spelling_is_found_both_ways(written: str) -> None:
    canon = STREET_TYPES[written]
    # the record says the full type, the text abbreviates it, and the other way round
    for recorded, text_type in ((canon.title(), written), (written.title(), canon)):
        r = _redactor(f"162 Forge {recorded}")
        text = f"Seen at 162 Forge {text_type.title()} on Friday."
        assert not r.clean(text), (recorded, text)
        assert r.mentions(text)
        assert "Forge" not in r.redact(text)


def test_qa_reproduction_ave() -> None:
    r = _redactor("162 Forge Avenue")
    assert r.redact("Seen at 162 Forge Ave on Friday.") == "Seen at [address withheld] on Friday."
    assert r.redact("Seen at 162 forge ave. on Friday.").count("[address withheld]") == 1


def test_house_number_and_street_name_without_type() -> None:
    r = _redactor("162 Forge Avenue")
    assert r.redact("Seen at 162 Forge on Friday.") == "Seen at [address withheld] on Friday."
    # a street name that is itself a street-type word still works
    r = _redactor("12 Park Road")
    assert not r.clean("outside 12 Park Rd")
    assert not r.clean("outside 12 Park")


def test_other_numbers_and_streets_stay() -> None:
    r = _redactor("162 Forge Avenue")
    assert r.clean("Seen at 163 Forge Ave on Friday.")
    assert r.clean("Seen at 162 Mill Ave on Friday.")


def test_for_person_address_abbreviated() -> None:
    r = Redactor.for_person(
        (21, "Quorrel", "Ada", "[]", "162 Forge Avenue"), surname_alone=True, forenames_alone=True
    )
    assert r.redact("visited 162 Forge Ave") == "visited [address withheld]"
