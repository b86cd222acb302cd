from __future__ import annotations

import datetime as dt

import pytest

from socmap.domain.errors import ValidationError
from socmap.domain.grading import parse_grading
from socmap.domain.groups import (
    ExternalRef,
    Location,
    Membership,
    Nominal,
    Ocg,
    check_transition,
    validate_location,
    validate_membership,
    validate_nominal,
    validate_ocg,
)
from socmap.domain.ids import AreaId, GroupId, NominalId
from socmap.domain.vocab import Marking, Status, highest_marking, parse_marking

TODAY = dt.date(2026, 11, 1)


def active(**kw: object) -> Ocg:
    base = {
        "name": "Riverside crew",
        "status": Status.ACTIVE,
        "primary_market": "drugs",
        "lead_area_id": AreaId(1),
        "lro": "DI Test",
    }
    base.update(kw)
    return Ocg(**base)  # type: ignore[arg-type]


def test_valid_ocg_is_normalised() -> None:
    ocg = validate_ocg(
        active(
            name="  Riverside   crew ",
            aliases=("RC", "rc", " "),
            secondary_markets=("drugs", "fraud"),
            references=(ExternalRef("OCGM URN", "12345678"), ExternalRef("OCGM URN", "12345678")),
        ),
        today=TODAY,
    )
    assert ocg.name == "Riverside crew"
    assert ocg.aliases == ("RC",)
    assert ocg.secondary_markets == ("fraud",)  # primary is not repeated
    assert len(ocg.references) == 1
    assert ocg.markets == ("drugs", "fraud")
    assert ocg.marking is Marking.OFFICIAL_SENSITIVE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"primary_market": "knitting"}, "primary_market"),
        ({"primary_market": None}, "primary_market"),
        ({"lead_area_id": None}, "lead_area"),
        ({"lro": ""}, "lro"),
        ({"identified_on": dt.date(2030, 1, 1)}, "identified_on"),
        ({"archived_on": dt.date(2026, 1, 1)}, "archived_on"),
        ({"marking": "SECRET"}, "marking"),
        ({"secondary_markets": ("drugs", "badmarket")}, "secondary_markets"),
        ({"name": "x" * 500}, "name"),
    ],
)
def test_invalid_ocg_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_ocg(active(**change), today=TODAY)
    assert info.value.field == field
    assert info.value.reason


def test_trigger_needs_little() -> None:
    assert validate_ocg(Ocg(name="Emerging group"), today=TODAY).status is Status.TRIGGER


def test_status_transitions() -> None:
    check_transition(Status.TRIGGER, Status.ACTIVE)
    check_transition(Status.ARCHIVED, Status.ACTIVE)
    with pytest.raises(ValidationError, match="cannot move from active to trigger"):
        check_transition(Status.ACTIVE, Status.TRIGGER)


def test_nominal_validation() -> None:
    n = validate_nominal(
        Nominal(surname=" Smith ", forenames="Jo", flags=("firearms",)), today=TODAY
    )
    assert n.surname == "Smith"
    assert n.full_name == "SMITH, Jo"
    with pytest.raises(ValidationError, match="date_of_birth"):
        validate_nominal(Nominal(surname="A", date_of_birth=dt.date(2027, 1, 1)), today=TODAY)
    with pytest.raises(ValidationError, match="flags"):
        validate_nominal(Nominal(surname="A", flags=("tall",)), today=TODAY)


def test_membership_start_in_the_future_is_refused() -> None:
    today = dt.date(2026, 12, 6)
    ahead = Membership(GroupId(1), NominalId(2), "principal", start=dt.date(2031, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="in the future") as info:
        validate_membership(ahead, today=today)
    assert info.value.field == "start"
    on_the_day = Membership(GroupId(1), NominalId(2), "principal", start=today)  # type: ignore[arg-type]
    assert validate_membership(on_the_day, today=today).start == today


def test_membership_dates_and_role() -> None:
    m = Membership(GroupId(1), NominalId(2), "principal", start=dt.date(2024, 1, 2))  # type: ignore[arg-type]
    assert validate_membership(m).role.value == "principal"
    with pytest.raises(ValidationError) as info:
        validate_membership(Membership(GroupId(1), NominalId(2), "boss"))  # type: ignore[arg-type]
    assert info.value.field == "role"
    with pytest.raises(ValidationError, match="before it starts"):
        validate_membership(
            Membership(
                GroupId(1),
                NominalId(2),
                "peripheral",
                start=dt.date(2024, 2, 1),  # type: ignore[arg-type]
                end=dt.date(2024, 1, 1),
            )
        )


def test_location_must_be_in_british_national_grid() -> None:
    ok = validate_location(Location(GroupId(1), "base", 385000, 255000))
    assert ok.kind == "base"
    with pytest.raises(ValidationError) as info:
        validate_location(Location(GroupId(1), "base", -2.2, 52.1e7))
    assert info.value.field == "northing"
    with pytest.raises(ValidationError) as info:
        validate_location(Location(GroupId(1), "castle", 385000, 255000))
    assert info.value.field == "kind"


def test_markings() -> None:
    assert parse_marking("official sensitive") is Marking.OFFICIAL_SENSITIVE
    with pytest.raises(ValidationError, match="must not be held"):
        parse_marking("TOP SECRET")
    with pytest.raises(ValidationError, match="unknown marking"):
        parse_marking("RESTRICTED")
    assert highest_marking(["OFFICIAL", "OFFICIAL-SENSITIVE"]) is Marking.OFFICIAL_SENSITIVE
    assert highest_marking([]) is Marking.OFFICIAL


def test_grading_is_stored_as_recorded() -> None:
    g = parse_grading("3x5x2", "1b", "p")
    assert (g.grade, g.handling) == ("1B", "P")
    legacy = parse_grading("5x5x5", "B2", "4")
    assert legacy.grade == "B2"
    with pytest.raises(ValidationError, match="not a 3x5x2 grade"):
        parse_grading("3x5x2", "B2", "P")
    with pytest.raises(ValidationError, match="conditions"):
        parse_grading("3x5x2", "2C", "C")
    with pytest.raises(ValidationError, match="unknown grading scheme"):
        parse_grading("4x4", "1A", "P")
