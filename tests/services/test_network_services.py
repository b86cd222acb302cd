"""Associations, OCG links, people at risk and interventions: rules, permissions, audit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from socmap.domain.errors import ConflictError, PermissionDenied, ValidationError
from socmap.domain.groups import Membership, Nominal, Ocg
from socmap.domain.network import (
    Association,
    AtRiskPerson,
    Exploitation,
    Indicator,
    Intervention,
    OcgLink,
)
from socmap.domain.vocab import Role
from socmap.export.network import export_network_image
from socmap.services import atrisk, links, queries, register
from socmap.services import network as sn
from socmap.store import audit
from socmap.store import network as net
from tests.conftest import act_as

AS_OF = dt.date(2026, 11, 1)
TABLES = (
    "associations",
    "ocg_links",
    "at_risk",
    "at_risk_indicators",
    "exploitation",
    "interventions",
    "at_risk_proposals",
    "memberships",
    "audit",
)


def counts(store) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES)


@pytest.fixture
def small(store):  # type: ignore[no-untyped-def]
    """A group (principal 1, significant 2, peripheral 3) and an outsider 4, in memory."""
    ocg, _ = register.create_ocg(store, Ocg(name="Test crew"))
    people = [register.create_nominal(store, Nominal(surname=s))[0] for s in "ABCD"]
    for n, role in zip(
        people[:3], (Role.PRINCIPAL, Role.SIGNIFICANT, Role.PERIPHERAL), strict=True
    ):
        register.add_membership(store, Membership(ocg_id=ocg.id, nominal_id=n.id, role=role))  # type: ignore[arg-type]
    return store, ocg.id, [p.id for p in people]


def assoc(a: int, b: int, **kw: object) -> Association:
    base: dict[str, object] = {
        "nominal_a": a,
        "nominal_b": b,
        "kind": "associate",
        "source": "intelligence report",
        "grade": "1B",
        "handling": "P",
    }
    base.update(kw)
    return Association(**base)  # type: ignore[arg-type]


def test_association_is_recorded_and_audited(small) -> None:  # type: ignore[no-untyped-def]
    store, _o, (a, b, _c, _d) = small
    before = audit.count(store)
    stored, changes = links.add_association(store, assoc(a, b, kind="Co-offender"))
    assert stored.kind == "co-offender" and stored.grade == "1B"
    assert changes.touches("association")
    assert audit.count(store) == before + 1
    row = audit.rows(store, entity="association")[0]
    assert "A" not in row.summary.split()  # no personal data in the summary


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nominal_b": 999}, "nominal_b"),
        ({"grade": "9Z"}, "grading"),
        ({"grading_scheme": "4x4x4"}, "grading"),
        ({"handling": "C"}, "grading"),  # C needs conditions
        ({"start": dt.date(2026, 5, 1), "end": dt.date(2026, 4, 1)}, "end"),
        ({"kind": "neighbour"}, "kind"),
        ({"source": " "}, "source"),
    ],
)
def test_bad_associations_write_nothing(small, change, field) -> None:  # type: ignore[no-untyped-def]
    store, _o, (a, b, _c, _d) = small
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        links.add_association(store, assoc(a, b, **change))
    assert err.value.field == field
    assert str(err.value)
    assert counts(store) == before


def test_ocg_links(small) -> None:  # type: ignore[no-untyped-def]
    store, oid, _p = small
    other, _ = register.create_ocg(store, Ocg(name="Suppliers"))
    link, _ = links.add_ocg_link(
        store,
        OcgLink(
            ocg_a=other.id, ocg_b=oid, kind="supplier", source="telephony", grade="2B", handling="P"
        ),  # type: ignore[arg-type]
    )
    g = sn.group_links(store)
    assert g[other.id][oid]["relation"] == "supplier"
    before = counts(store)
    with pytest.raises(ValidationError, match="no group"):
        links.add_ocg_link(
            store, OcgLink(ocg_a=oid, ocg_b=999, kind="rival", source="x", grade="1A", handling="P")
        )
    with pytest.raises(ValidationError):
        links.add_ocg_link(
            store,
            OcgLink(ocg_a=oid, ocg_b=other.id, kind="rival", source="x", grade="X", handling="P"),
        )  # type: ignore[arg-type]
    assert counts(store) == before
    links.remove_ocg_link(store, link.id or 0)
    assert not sn.group_links(store).has_edge(other.id, oid)


def record(pid: int, **kw: object) -> AtRiskPerson:
    base: dict[str, object] = {
        "nominal_id": pid,
        "risk_level": "high",
        "rationale": "missing episodes and a controlling older associate",
        "review_date": AS_OF + dt.timedelta(days=90),
        "opened_on": AS_OF,
    }
    base.update(kw)
    return AtRiskPerson(**base)  # type: ignore[arg-type]


def test_an_at_risk_review_saved_over_a_newer_one_is_a_conflict_never_lost(small) -> None:  # type: ignore[no-untyped-def]
    """Two people review the same record: the second save, made over the version both read, is
    refused and the first one's review stands (compare and set, on both engines)."""
    store, _oid, (_a, _b, _c, d) = small
    atrisk.create_at_risk(store, record(d))
    read = net.get_at_risk(store, d)
    assert read is not None and read.version is not None
    first, _ = atrisk.update_at_risk(store, dataclasses.replace(read, risk_level="medium"))
    assert first.version == read.version + 1
    with pytest.raises(ConflictError, match="changed by someone else"):
        atrisk.update_at_risk(store, dataclasses.replace(read, risk_level="low", owner="late"))
    kept = net.get_at_risk(store, d)
    assert kept is not None and kept.risk_level == "medium" and kept.owner == ""
    # a record built without a version is read and written in one transaction: it saves
    again, _ = atrisk.update_at_risk(store, record(d, risk_level="low"))
    assert again.risk_level == "low" and again.version == first.version + 1


def test_person_at_risk_is_never_a_member(small) -> None:  # type: ignore[no-untyped-def]
    store, oid, (_a, _b, c, d) = small
    atrisk.create_at_risk(store, record(d, vulnerability_factors=("care", "isolation")))
    before = counts(store)
    with pytest.raises(ValidationError, match="person at risk") as err:
        register.add_membership(store, Membership(ocg_id=oid, nominal_id=d, role=Role.PERIPHERAL))  # type: ignore[arg-type]
    assert err.value.field == "nominal_id"
    assert counts(store) == before
    # and the reverse: a member cannot be recorded as at risk
    with pytest.raises(ValidationError, match="member"):
        atrisk.create_at_risk(store, record(c))
    with pytest.raises(ConflictError):
        atrisk.create_at_risk(store, record(d))
    assert counts(store) == before
    # the database refuses it too, whatever writes
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO memberships (ocg_id, nominal_id, role) VALUES (?, ?, 'peripheral')",
            [oid, d],
        )
    # the exploitation link brings them into the network as at risk, never as a member
    atrisk.add_exploitation(
        store,
        Exploitation(
            at_risk_nominal_id=d,
            exploiter_nominal_id=c,
            source="referral",
            grade="1B",
            handling="P",
        ),
    )
    g = sn.ocg_network(store, oid, steps=1)
    assert g.nodes[d]["kind"] == "at_risk"
    assert g[d][c]["relation"] == "exploited_by"
    assert d not in {k.person_id for k in sn.key_players(store, oid)}
    assert queries.register(store)[0].members == 3
    assert d not in {m.nominal_id for m, _n in queries.ocg_detail(store, oid).members}


def test_bad_at_risk_records(small) -> None:  # type: ignore[no-untyped-def]
    store, _o, (_a, _b, _c, d) = small
    before = counts(store)
    for bad, field in (
        (record(d, risk_level="extreme"), "risk_level"),
        (record(d, rationale=""), "rationale"),
        (record(d, review_date=AS_OF - dt.timedelta(days=1)), "review_date"),
        (record(d, vulnerability_factors=("bad luck",)), "vulnerability_factors"),
        (record(999), "nominal_id"),
    ):
        with pytest.raises(ValidationError) as err:
            atrisk.create_at_risk(store, bad)
        assert err.value.field == field
    with pytest.raises(ValidationError, match="member"):
        atrisk.record_indicator(
            store, Indicator(nominal_id=1, indicator="missing_episodes", observed_on=AS_OF)
        )
    with pytest.raises(ValidationError, match="indicator"):
        atrisk.record_indicator(
            store, Indicator(nominal_id=d, indicator="wears hoodies", observed_on=AS_OF)
        )
    with pytest.raises(ValidationError, match="at-risk record"):
        atrisk.add_intervention(
            store,
            Intervention(nominal_id=d, kind="mentoring", lead_partner="Youth service", start=AS_OF),
        )
    assert counts(store) == before


def test_interventions_and_area_view(demo_store) -> None:  # type: ignore[no-untyped-def]
    rows = atrisk.at_risk_rows(demo_store, today=AS_OF)
    assert rows
    pid = rows[0].person_id
    iv, _ = atrisk.add_intervention(
        demo_store,
        Intervention(
            nominal_id=pid, kind="nrm", lead_partner="Single Competent Authority", start=AS_OF
        ),
    )
    with pytest.raises(ValidationError, match="before it starts"):
        atrisk.add_intervention(
            demo_store,
            Intervention(
                nominal_id=pid,
                kind="nrm",
                lead_partner="SCA",
                start=AS_OF,
                end=AS_OF - dt.timedelta(days=3),
            ),
        )
    import dataclasses

    atrisk.update_intervention(demo_store, dataclasses.replace(iv, outcome="engaged"))
    area = rows[0].area_id
    v = atrisk.area_vulnerability(demo_store, area, today=AS_OF)
    assert pid in {p.person_id for p in v.people}
    assert v.interventions_by_kind["nrm"] >= 1
    assert sum(v.by_risk.values()) == len(v.people)
    assert v.area in v.summary
    # none of the people at risk is a member anywhere
    members = {r[0] for r in demo_store.conn.execute("SELECT nominal_id FROM memberships")}
    assert not members & {p.person_id for p in v.people}


def test_proposals_are_explained_and_decided(demo_store) -> None:  # type: ignore[no-untyped-def]
    found = atrisk.proposals(demo_store, max_steps=2, as_of=AS_OF)
    assert found
    p = found[0]
    assert "indicator" in p.reason and f"OCG-{p.near_ocg:04d}" in p.reason
    assert p.steps <= 2
    with pytest.raises(ValidationError, match="why"):
        atrisk.decide_proposal(demo_store, p, accept=False)
    atrisk.decide_proposal(
        demo_store, found[1], accept=False, note="known to youth service", today=AS_OF
    )
    atrisk.decide_proposal(demo_store, p, accept=True, risk_level="high", today=AS_OF)
    after = {x.nominal_id for x in atrisk.proposals(demo_store, max_steps=2, as_of=AS_OF)}
    assert p.nominal_id not in after and found[1].nominal_id not in after
    assert p.nominal_id in {r.person_id for r in atrisk.at_risk_rows(demo_store, today=AS_OF)}
    decided = demo_store.conn.execute(
        "SELECT decision FROM at_risk_proposals ORDER BY id"
    ).fetchall()
    assert [d[0] for d in decided] == ["declined", "accepted"]
    # fewer steps, fewer (or equal) proposals
    assert len(atrisk.proposals(demo_store, max_steps=1, as_of=AS_OF)) <= len(after) + 2


def test_every_mutating_service_refuses_a_viewer(small) -> None:  # type: ignore[no-untyped-def]
    store, oid, (a, b, c, d) = small
    atrisk.create_at_risk(store, record(d))
    act_as(store, "viewer.test", "viewer")
    before = counts(store)
    calls = [
        lambda: links.add_association(store, assoc(a, b)),
        lambda: links.remove_association(store, 1),
        lambda: links.add_ocg_link(
            store,
            OcgLink(ocg_a=oid, ocg_b=oid + 1, kind="rival", source="x", grade="1A", handling="P"),
        ),
        lambda: links.remove_ocg_link(store, 1),
        lambda: atrisk.create_at_risk(store, record(b)),
        lambda: atrisk.update_at_risk(store, record(d)),
        lambda: atrisk.record_indicator(
            store, Indicator(nominal_id=d, indicator="weapons", observed_on=AS_OF)
        ),
        lambda: atrisk.add_exploitation(
            store,
            Exploitation(
                at_risk_nominal_id=d, exploiter_nominal_id=c, source="x", grade="1A", handling="P"
            ),
        ),
        lambda: atrisk.add_intervention(
            store, Intervention(nominal_id=d, kind="nrm", lead_partner="x", start=AS_OF)
        ),
        lambda: atrisk.update_intervention(
            store, Intervention(id=1, nominal_id=d, kind="nrm", lead_partner="x", start=AS_OF)
        ),
        lambda: sn.write_graphml(store, oid, __import__("pathlib").Path("/nonexistent/x.graphml")),
        lambda: atrisk.remove_intervention(store, 1),
        lambda: atrisk.undo_decision(store, d),
        lambda: sn.record_export(
            store, oid, Path("x.png"), "png", 1, "OFFICIAL-SENSITIVE", sha256="0" * 64
        ),
        lambda: export_network_image(store, oid, Path("/nonexistent/x.png")),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert counts(store) == before


def test_viewer_cannot_decide_proposals(viewer_demo_store) -> None:  # type: ignore[no-untyped-def]
    store = viewer_demo_store
    act_as(store, "analyst.test", "analyst")
    p = atrisk.proposals(store, as_of=AS_OF)[0]
    act_as(store, "viewer.test", "viewer")
    before = counts(store)
    with pytest.raises(PermissionDenied):
        atrisk.decide_proposal(store, p, accept=True)
    with pytest.raises(PermissionDenied):
        sn.create_trigger_from_candidate(store, sn.candidates(store, as_of=AS_OF)[0])
    assert counts(store) == before


def test_candidates_become_triggers(demo_store) -> None:  # type: ignore[no-untyped-def]
    found = sn.candidates(demo_store, as_of=AS_OF)
    assert found
    c = found[0]
    at_risk = {r.person_id for r in atrisk.at_risk_rows(demo_store, today=AS_OF)}
    assert not at_risk & set(c.people)
    assert len(c.people) >= 4 and c.links >= len(c.people)
    ocg, _ = sn.create_trigger_from_candidate(demo_store, c)
    assert ocg.status == "trigger"
    assert c.evidence in ocg.notes


def test_commands_undo_their_writes(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services.network_commands import AddIntervention, DecideProposal

    pid = atrisk.at_risk_rows(demo_store, today=AS_OF)[0].person_id
    cmd = AddIntervention(
        Intervention(nominal_id=pid, kind="early_help", lead_partner="Early help team", start=AS_OF)
    )
    n = len(atrisk.at_risk_rows(demo_store, today=AS_OF)[0].interventions)
    cmd.do(demo_store)
    assert len(atrisk.at_risk_rows(demo_store, today=AS_OF)[0].interventions) == n + 1
    cmd.undo(demo_store)
    assert len(atrisk.at_risk_rows(demo_store, today=AS_OF)[0].interventions) == n
    p = atrisk.proposals(demo_store, as_of=AS_OF)[0]
    decide = DecideProposal(p, accept=True, risk_level="low")
    decide.do(demo_store)
    assert any(r.person_id == p.nominal_id for r in atrisk.at_risk_rows(demo_store, today=AS_OF))
    decide.undo(demo_store)
    assert not any(
        r.person_id == p.nominal_id for r in atrisk.at_risk_rows(demo_store, today=AS_OF)
    )
    actions = [r.action for r in audit.rows(demo_store, entity="at_risk_proposal")]
    assert "accept" in actions and "undo accept" in actions


def test_what_if_and_compare_errors(small) -> None:  # type: ignore[no-untyped-def]
    store, oid, (_a, _b, _c, d) = small
    with pytest.raises(ValidationError, match="not a current member"):
        sn.what_if(store, oid, remove_people=(d,))
    with pytest.raises(ValidationError):
        sn.compare(store, oid, AS_OF, AS_OF - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="steps"):
        sn.ocg_network(store, oid, steps=9)
