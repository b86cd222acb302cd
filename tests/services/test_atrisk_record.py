"""atrisk.record_person_at_risk: person, record, indicators and exploitation in one transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from socmap.domain.errors import PermissionDenied, ValidationError
from socmap.domain.groups import Membership, Nominal, Ocg
from socmap.domain.network import AtRiskPerson, Exploitation, Indicator
from socmap.domain.vocab import Role
from socmap.services import atrisk, register
from socmap.store import audit
from tests.conftest import act_as

TABLES = ("nominals", "at_risk", "at_risk_indicators", "exploitation", "audit")


def counts(store) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES)


@pytest.fixture
def member(store):  # type: ignore[no-untyped-def]
    ocg, _ = register.create_ocg(store, Ocg(name="Crew"))
    n, _ = register.create_nominal(store, Nominal(surname="Boss"))
    register.add_membership(store, Membership(ocg_id=ocg.id, nominal_id=n.id, role=Role.PRINCIPAL))  # type: ignore[arg-type]
    return n.id


def _record(pid: int = 0) -> AtRiskPerson:
    return AtRiskPerson(pid, "high", "missing from care", dt.date.today() + dt.timedelta(days=30))


def test_new_person_with_indicator_and_exploiter(store, member) -> None:  # type: ignore[no-untyped-def]
    before = audit.count(store)
    stored, changes = atrisk.record_person_at_risk(
        store,
        _record(),
        new_person=Nominal(surname="Kemp", forenames="Ava"),
        indicators=(Indicator(0, "cuckooing", dt.date(2026, 1, 2)),),
        exploiter=Exploitation(0, member, source="IR 1", grade="1B", handling="P"),
    )
    assert stored.nominal_id and stored.nominal_id != member
    assert changes.touches("at_risk") and changes.touches("nominal")
    assert audit.count(store) == before + 4  # nominal, record, indicator, exploitation
    row = next(r for r in atrisk.at_risk_rows(store) if r.person_id == stored.nominal_id)
    assert [p for p, _n, _o in row.exploited_by] == [member]


def test_a_refusal_anywhere_writes_nothing(store, member) -> None:  # type: ignore[no-untyped-def]
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        atrisk.record_person_at_risk(
            store,
            _record(),
            new_person=Nominal(surname="Kemp"),
            exploiter=Exploitation(0, member, source="IR 1", grade="9Z", handling="P"),
        )
    assert err.value.field == "grading"
    assert counts(store) == before  # the new nominal was rolled back too


def test_member_is_refused(store, member) -> None:  # type: ignore[no-untyped-def]
    before = counts(store)
    with pytest.raises(ValidationError, match="a member cannot also be recorded"):
        atrisk.record_person_at_risk(store, _record(member))
    with pytest.raises(ValidationError, match="member of OCG-"):
        atrisk.check_can_be_at_risk(store, member)
    assert counts(store) == before


def test_viewer_cannot_record(store) -> None:  # type: ignore[no-untyped-def]
    act_as(store, "viewer1", "viewer")
    before = counts(store)
    with pytest.raises(PermissionDenied):
        atrisk.record_person_at_risk(store, _record(), new_person=Nominal(surname="Kemp"))
    assert counts(store) == before
