"""Partner and disruption services: audited writes, rules that write nothing, permissions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from socmap.domain.disruptions import Disruption
from socmap.domain.errors import NotFoundError, PermissionDenied, ValidationError
from socmap.domain.partners import Contact, Lro, Partner, PartnerLink, PartnershipStructure
from socmap.services import disruptions, partners
from socmap.store import audit
from tests.conftest import act_as

TODAY = dt.date(2026, 11, 1)
TABLES = (
    "partners",
    "partner_contacts",
    "partner_areas",
    "partnership_structures",
    "structure_members",
    "partner_ocg_links",
    "ocg_lro",
    "disruptions",
    "disruption_partners",
    "disruption_nominals",
    "audit",
)


def counts(store) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES)


def an_active_ocg(store) -> int:  # type: ignore[no-untyped-def]
    return int(
        store.conn.execute("SELECT id FROM ocgs WHERE status='active' ORDER BY id").fetchone()[0]
    )


def a_disruption(ocg_id: int, **kw: object) -> Disruption:
    base: dict[str, object] = {
        "ocg_id": ocg_id,
        "occurred_on": dt.date(2026, 9, 1),
        "strand": "pursue",
        "tactic": "arrest_charge",
        "level": "moderate",
        "rationale": "principal charged with conspiracy to supply",
    }
    base.update(kw)
    return Disruption(**base)  # type: ignore[arg-type]


def test_create_partner_structure_link_lro_are_audited(demo_store) -> None:  # type: ignore[no-untyped-def]
    before = audit.count(demo_store)
    p, ch = partners.create_partner(
        demo_store,
        Partner(
            "Test Council Licensing",
            "council_regulatory",
            area_ids=(1, 2),
            contacts=(Contact("spoc", "Jo Test"),),
            isa_reference="ISA-T-1",
            isa_expires=TODAY + dt.timedelta(days=10),
        ),
    )
    assert ch.touches("partner") and p.id
    edited, _ = partners.update_partner(demo_store, dataclasses.replace(p, notes="edited"))
    assert edited.version == 2
    s, _ = partners.save_structure(
        demo_store, PartnershipStructure(1, "Test board", member_ids=(p.id,)), today=TODAY
    )
    ocg = an_active_ocg(demo_store)
    link, _ = partners.link_partner(demo_store, PartnerLink(p.id, ocg, "enforcement_lever"))
    partners.set_lro(demo_store, Lro(ocg, "partner", "Jo Test", p.id))
    partners.unlink_partner(demo_store, link.id or 0)
    assert audit.count(demo_store) == before + 6
    assert audit.verify_chain(demo_store) is None
    row = next(r for r in partners.partner_register(demo_store, today=TODAY) if r.id == p.id)
    assert row.isa_status == "expiring" and "expires in 10 days" in row.warning
    assert any(
        "Test Council Licensing" in w for w in partners.isa_warnings(demo_store, today=TODAY)
    )
    assert s.id is not None


def test_link_to_missing_records_writes_nothing(demo_store) -> None:  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    ocg = an_active_ocg(demo_store)
    with pytest.raises(ValidationError) as info:
        partners.link_partner(demo_store, PartnerLink(99999, ocg, "intelligence_source"))
    assert info.value.field == "partner_id"
    with pytest.raises(ValidationError) as info:
        partners.link_partner(demo_store, PartnerLink(1, 99999, "intelligence_source"))
    assert info.value.field == "ocg_id"
    with pytest.raises(ValidationError) as info:
        partners.save_structure(demo_store, PartnershipStructure(1, "B", member_ids=(99999,)))
    assert info.value.field == "member_ids"
    with pytest.raises(ValidationError) as info:
        partners.set_lro(demo_store, Lro(ocg, "partner", "Someone", 99999))
    assert info.value.field == "partner_id"
    with pytest.raises(ValidationError) as info:
        disruptions.record_disruption(
            demo_store, a_disruption(ocg, lead_partner_id=99999), today=TODAY
        )
    assert info.value.field == "lead_partner_id"
    with pytest.raises(ValidationError) as info:
        disruptions.record_disruption(
            demo_store, a_disruption(ocg, nominal_ids=(999999,)), today=TODAY
        )
    assert info.value.field == "nominal_ids"
    with pytest.raises(ValidationError) as info:
        disruptions.record_disruption(demo_store, a_disruption(999999), today=TODAY)
    assert info.value.field == "ocg_id"
    assert counts(demo_store) == before


def test_disruption_rules_write_nothing(demo_store) -> None:  # type: ignore[no-untyped-def]
    before = counts(demo_store)
    oid, archived_on = demo_store.conn.execute(
        "SELECT id, archived_on FROM ocgs WHERE status='archived' ORDER BY id"
    ).fetchone()
    late = dt.date.fromisoformat(archived_on) + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="archived") as info:
        disruptions.record_disruption(demo_store, a_disruption(oid, occurred_on=late), today=TODAY)
    assert info.value.field == "occurred_on"
    with pytest.raises(ValidationError) as info:
        disruptions.record_disruption(
            demo_store, a_disruption(an_active_ocg(demo_store), tactic="telepathy"), today=TODAY
        )
    assert info.value.field == "tactic"
    assert counts(demo_store) == before


def test_major_stays_pending_until_a_second_approver(demo_store) -> None:  # type: ignore[no-untyped-def]
    act_as(demo_store, "sup.one", "supervisor")
    d, _ = disruptions.record_disruption(
        demo_store, a_disruption(an_active_ocg(demo_store), level="major"), today=TODAY
    )
    assert d.status == "pending"
    first, _ = disruptions.approve_disruption(demo_store, d.id or 0, today=TODAY)
    assert first.status == "pending" and first.approver == "sup.one"
    with pytest.raises(ValidationError) as info:
        disruptions.approve_disruption(demo_store, d.id or 0, today=TODAY)
    assert info.value.field == "second_approver"
    assert disruptions.get_disruption(demo_store, d.id or 0).status == "pending"
    act_as(demo_store, "sup.two", "supervisor")
    second, _ = disruptions.approve_disruption(demo_store, d.id or 0, today=TODAY)
    assert second.status == "approved" and second.second_approver == "sup.two"
    log = disruptions.disruption_log(demo_store, today=TODAY)
    row = next(r for r in log if r.id == d.id)
    assert row.approvals == "sup.one + sup.two"


def test_major_disruption_brings_reassessment_forward(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import scoring

    calls: list[dict[str, object]] = []
    real = scoring.record_trigger

    def spy(store, **kw):  # type: ignore[no-untyped-def]
        calls.append(kw)
        return real(store, **kw)

    ocg = an_active_ocg(demo_store)

    def triggers() -> int:
        return demo_store.conn.execute(
            "SELECT COUNT(*) FROM schedule_triggers WHERE ocg_id = ? AND kind = 'major_disruption'",
            [ocg],
        ).fetchone()[0]

    before = triggers()
    scoring.record_trigger = spy
    try:
        disruptions.record_disruption(demo_store, a_disruption(ocg, level="minor"), today=TODAY)
        assert not calls  # only a Major claim brings the re-assessment forward
        _d, changes = disruptions.record_disruption(
            demo_store, a_disruption(ocg, level="major"), today=TODAY
        )
    finally:
        scoring.record_trigger = real
    assert calls and calls[0]["ocg_id"] == ocg and calls[0]["kind"] == "major_disruption"
    assert triggers() == before + 1
    assert changes.touches("schedule")


def test_viewer_is_refused_every_write(viewer_demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from socmap.export.graphs import export_graph

    store = viewer_demo_store
    before = counts(store)
    ocg = an_active_ocg(store)
    p = partners.partner_choices(store)[0][0]
    link_id = store.conn.execute("SELECT id FROM partner_ocg_links LIMIT 1").fetchone()[0]
    d_id = store.conn.execute("SELECT id FROM disruptions WHERE status='pending'").fetchone()[0]
    attempts = [
        lambda: partners.create_partner(store, Partner("V", "hmrc")),
        lambda: partners.update_partner(store, Partner("V", "hmrc", id=p)),
        lambda: partners.save_structure(store, PartnershipStructure(1, "B")),
        lambda: partners.link_partner(store, PartnerLink(p, ocg, "action_owner")),
        lambda: partners.unlink_partner(store, link_id),
        lambda: partners.set_lro(store, Lro(ocg, "police", "DI X")),
        lambda: disruptions.record_disruption(store, a_disruption(ocg), today=TODAY),
        lambda: disruptions.approve_disruption(store, d_id, today=TODAY),
        lambda: disruptions.reject_disruption(store, d_id, today=TODAY),
        lambda: export_graph(store, kind="partners", fmt="graphml", path=tmp_path / "g.graphml"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert counts(store) == before
    assert not (tmp_path / "g.graphml").exists()


def test_analyst_cannot_approve(demo_store) -> None:  # type: ignore[no-untyped-def]
    act_as(demo_store, "an.alyst", "analyst")
    d, _ = disruptions.record_disruption(
        demo_store, a_disruption(an_active_ocg(demo_store)), today=TODAY
    )
    with pytest.raises(PermissionDenied):
        disruptions.approve_disruption(demo_store, d.id or 0, today=TODAY)


def test_unknown_area_is_named(demo_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError, match="Narnia"):
        disruptions.what_works(demo_store, area="Narnia")


def test_area_partnerships_show_gaps(demo_store) -> None:  # type: ignore[no-untyped-def]
    rows = partners.area_partnerships(demo_store, today=TODAY)
    assert {r.area for r in rows} == {
        "Herefordshire",
        "Shropshire",
        "Telford & Wrekin",
        "North Worcestershire",
        "South Worcestershire",
    }
    gaps = {r.area for r in rows if r.structure is None}
    assert gaps == {"Telford & Wrekin", "South Worcestershire"}
