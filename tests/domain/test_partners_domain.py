"""Partner and disruption domain rules."""

from __future__ import annotations

import datetime as dt

import pytest

from socmap.domain.disruptions import (
    Disruption,
    add_months,
    approve,
    follow_up_dates,
    reject,
    validate_disruption,
)
from socmap.domain.errors import ValidationError
from socmap.domain.partners import (
    Contact,
    Lro,
    Partner,
    PartnerLink,
    PartnershipStructure,
    isa_status,
    isa_warning,
    meeting_overdue,
    validate_link,
    validate_lro,
    validate_partner,
    validate_structure,
)

TODAY = dt.date(2026, 11, 1)


def test_partner_type_and_contact_role_are_checked() -> None:
    with pytest.raises(ValidationError) as info:
        validate_partner(Partner(name="X", partner_type="aliens"))
    assert info.value.field == "partner_type"
    with pytest.raises(ValidationError) as info:
        validate_partner(Partner(name="X", partner_type="hmrc", contacts=(Contact("boss", "A"),)))
    assert info.value.field == "contacts"
    with pytest.raises(ValidationError) as info:
        validate_partner(Partner(name="  ", partner_type="hmrc"))
    assert info.value.field == "name"
    with pytest.raises(ValidationError) as info:
        validate_partner(Partner(name="X", partner_type="hmrc", isa_expires=TODAY))
    assert info.value.field == "isa_reference"


def test_isa_status_and_warning() -> None:
    assert isa_status(None, "", TODAY) == "none"
    assert isa_status(None, "ISA-1", TODAY) == "valid"
    assert isa_status(TODAY - dt.timedelta(days=1), "ISA-1", TODAY) == "expired"
    assert isa_status(TODAY + dt.timedelta(days=30), "ISA-1", TODAY) == "expiring"
    assert isa_status(TODAY + dt.timedelta(days=30), "ISA-1", TODAY, warn_days=10) == "valid"
    p = Partner("HMRC", "hmrc", isa_reference="ISA-1", isa_expires=TODAY + dt.timedelta(days=12))
    assert "expires in 12 days" in isa_warning(p, TODAY)
    assert isa_warning(p, TODAY, warn_days=5) == ""


def test_structure_rules() -> None:
    s = validate_structure(
        PartnershipStructure(1, " Board ", cadence="quarterly", member_ids=(3, 1, 3)), today=TODAY
    )
    assert s.name == "Board" and s.member_ids == (1, 3)
    with pytest.raises(ValidationError) as info:
        validate_structure(PartnershipStructure(1, "B", cadence="hourly"), today=TODAY)
    assert info.value.field == "cadence"
    with pytest.raises(ValidationError) as info:
        validate_structure(
            PartnershipStructure(1, "B", last_meeting=TODAY + dt.timedelta(days=1)), today=TODAY
        )
    assert info.value.field == "last_meeting"
    assert meeting_overdue(PartnershipStructure(1, "B"), TODAY)
    assert not meeting_overdue(
        PartnershipStructure(1, "B", last_meeting=TODAY - dt.timedelta(days=30)), TODAY
    )


def test_link_and_lro_rules() -> None:
    with pytest.raises(ValidationError) as info:
        validate_link(PartnerLink(1, 1, "best_friend"))
    assert info.value.field == "relation"
    with pytest.raises(ValidationError) as info:
        validate_lro(Lro(1, "partner", "Jo Bloggs"))
    assert info.value.field == "partner_id"
    assert validate_lro(Lro(1, "police", " DI  Smith ")).name == "DI Smith"


def _d(**kw: object) -> Disruption:
    base: dict[str, object] = {
        "ocg_id": 1,
        "occurred_on": dt.date(2026, 5, 1),
        "strand": "pursue",
        "tactic": "arrest_charge",
        "level": "moderate",
        "rationale": "two principals charged",
    }
    base.update(kw)
    return Disruption(**base)  # type: ignore[arg-type]


def test_disruption_validation_names_fields() -> None:
    ok = validate_disruption(_d(strand="Pursue"), today=TODAY)
    assert ok.strand == "pursue" and ok.tactic_area == "crime"
    for field, kw in [
        ("tactic", {"tactic": "witchcraft"}),
        ("strand", {"strand": "ponder"}),
        ("level", {"level": "huge"}),
        ("rationale", {"rationale": " "}),
        ("occurred_on", {"occurred_on": TODAY + dt.timedelta(days=1)}),
        ("tactic_area", {"tactic_area": "travel"}),
    ]:
        with pytest.raises(ValidationError) as info:
            validate_disruption(_d(**kw), today=TODAY)
        assert info.value.field == field


def test_disruption_after_archive_is_refused() -> None:
    with pytest.raises(ValidationError, match="archived on 2026-04-01") as info:
        validate_disruption(
            _d(), today=TODAY, ocg_status="archived", ocg_archived_on=dt.date(2026, 4, 1)
        )
    assert info.value.field == "occurred_on"
    # on or before the archive date is fine
    validate_disruption(
        _d(occurred_on=dt.date(2026, 4, 1)),
        today=TODAY,
        ocg_status="archived",
        ocg_archived_on=dt.date(2026, 4, 1),
    )


def test_major_needs_a_second_different_approver() -> None:
    d = validate_disruption(_d(level="major"), today=TODAY)
    first = approve(d, approver="di.one", on=TODAY)
    assert first.status == "pending" and first.needs_second_approver
    with pytest.raises(ValidationError) as info:
        approve(first, approver="di.one", on=TODAY)
    assert info.value.field == "second_approver"
    second = approve(first, approver="supt.two", on=TODAY)
    assert second.status == "approved" and second.second_approver == "supt.two"
    with pytest.raises(ValidationError):
        approve(second, approver="x", on=TODAY)


def test_other_levels_need_one_approver_and_reject() -> None:
    d = validate_disruption(_d(level="minor"), today=TODAY)
    assert approve(d, approver="a", on=TODAY).status == "approved"
    r = reject(d, approver="a", on=TODAY)
    assert r.status == "rejected"
    with pytest.raises(ValidationError):
        approve(r, approver="b", on=TODAY)


def test_follow_ups_at_3_6_12_months() -> None:
    assert follow_up_dates(dt.date(2026, 1, 31)) == (
        dt.date(2026, 4, 30),
        dt.date(2026, 7, 31),
        dt.date(2027, 1, 31),
    )
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
