from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from socmap.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from socmap.domain.profiles import ActionItem, Audience, Contribution, Handling, PartnerType, Strand
from socmap.services import profile_data, profiles
from socmap.store import audit
from socmap.store import profiles as rows
from tests.conftest import act_as

TODAY = dt.date(2026, 11, 1)


def _area(store, name: str = "Herefordshire") -> int:  # type: ignore[no-untyped-def]
    return profiles.find_area(store, name).id


def test_demo_profiles_are_in_various_states(demo_store) -> None:  # type: ignore[no-untyped-def]
    by_area = {s.area: s for s in profiles.force_status(demo_store, today=TODAY)}
    assert len(by_area) == 5
    assert by_area["Herefordshire"].percent == 0
    assert 85 <= by_area["Telford & Wrekin"].percent < 100
    assert by_area["Telford & Wrekin"].completeness.missing == (
        "Partner data: DWP or HMRC has not contributed",
    )
    partial = [s for s in by_area.values() if 0 < s.percent < 85]
    assert len(partial) == 3
    assert profiles.summary_line(list(by_area.values())) == "0 of 5 area profiles complete"
    assert any("conflicting versions" in m for m in by_area["Shropshire"].completeness.missing)
    assert any(
        "Review date: passed" in m for m in by_area["North Worcestershire"].completeness.missing
    )


def test_status_json_shape(demo_store) -> None:  # type: ignore[no-untyped-def]
    out = profiles.status_json(demo_store, today=TODAY)
    assert [set(o) for o in out] == [{"area", "completeness_percent", "missing"}] * 5
    for o in out:
        assert 0 <= o["completeness_percent"] <= 100  # type: ignore[operator]


def test_unknown_area_is_a_clear_error(demo_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError) as e:
        profiles.find_area(demo_store, "Atlantis")
    assert "Atlantis" in str(e.value) and "Shropshire" in str(e.value)


def test_handling_defaults_review_a_year_ahead_and_detects_stale_edits(store) -> None:  # type: ignore[no-untyped-def]
    area_id = _add_area(store)
    h, changes = profiles.save_handling(
        store, Handling(area_id, owner="DCI A", data_to=TODAY), today=TODAY
    )
    assert h.review_date == TODAY + dt.timedelta(days=365)
    assert h.version == 1
    assert changes.touches("profile")
    with pytest.raises(ConflictError):
        profiles.save_handling(store, Handling(area_id, owner="DCI B", version=0))
    assert audit.rows(store, entity="profile")[0].action == "create"


def _add_area(store) -> int:  # type: ignore[no-untyped-def]
    import shapely

    from socmap.store import areas

    poly = shapely.box(300000, 250000, 310000, 260000)
    with store.atomic():
        return int(
            areas.insert_area(
                store,
                name="Testshire",
                code="T1",
                geom_wkb=shapely.to_wkb(poly),
                bounds=poly.bounds,
                area_km2=100.0,
            )
        )


def test_conflicting_save_keeps_both_versions(store) -> None:  # type: ignore[no-untyped-def]
    area_id = _add_area(store)
    first, _ = profiles.save_section(
        store,
        area_id=area_id,
        section="threat",
        html="",
        text="Mine v1",
        owner="A",
        sources="s",
        based_on=0,
    )
    assert not first.conflict and first.version.version == 1
    # another analyst opened v1 too and saves v2
    act_as(store, "analyst.other", "analyst")
    other, _ = profiles.save_section(
        store,
        area_id=area_id,
        section="threat",
        html="",
        text="Theirs v2",
        owner="B",
        sources="s",
        based_on=1,
    )
    assert not other.conflict
    # the first analyst, still on v1, saves: warned, and both kept
    store.actor = "analyst.test"
    mine, _ = profiles.save_section(
        store,
        area_id=area_id,
        section="threat",
        html="",
        text="Mine again",
        owner="A",
        sources="s",
        based_on=1,
    )
    assert mine.conflict
    assert mine.other is not None and mine.other.text == "Theirs v2"
    history = profiles.section_history(store, area_id, "threat")
    assert [v.text for v in history] == ["Mine again", "Theirs v2", "Mine v1"]
    assert history[0].conflict_with == 2
    c = profiles.area_completeness(store, area_id)
    assert "Threat: conflicting versions to reconcile" in c.missing
    # saving again from the newest version resolves it
    resolved, _ = profiles.save_section(
        store,
        area_id=area_id,
        section="threat",
        html="",
        text="Reconciled",
        owner="A",
        sources="s",
        based_on=3,
    )
    assert not resolved.conflict
    assert (
        "Threat: conflicting versions to reconcile"
        not in profiles.area_completeness(store, area_id).missing
    )


def test_own_newer_version_is_not_a_conflict(store) -> None:  # type: ignore[no-untyped-def]
    area_id = _add_area(store)
    for _ in range(2):
        result, _ = profiles.save_section(
            store,
            area_id=area_id,
            section="risk",
            html="",
            text="t",
            owner="",
            sources="",
            based_on=0,
        )
    assert not result.conflict
    assert result.version.version == 2


def test_unknown_section_and_partner_type_validation(store) -> None:  # type: ignore[no-untyped-def]
    area_id = _add_area(store)
    with pytest.raises(ValidationError) as e:
        profiles.save_section(
            store,
            area_id=area_id,
            section="handling",
            html="",
            text="x",
            owner="",
            sources="",
            based_on=0,
        )
    assert e.value.field == "section"
    with pytest.raises(ValidationError) as e:
        profiles.add_action(store, ActionItem(area_id, "x", Strand.PURSUE, linked_ocgs=(999,)))
    assert e.value.field == "linked_ocgs"


def test_partner_types_are_configurable(store) -> None:  # type: ignore[no-untyped-def]
    area_id = _add_area(store)
    assert len(profiles.rules(store).partner_types) == 8
    profiles.set_partner_types(store, [PartnerType("nca", "National Crime Agency")])
    c = profiles.area_completeness(store, area_id)
    assert "Partner data: National Crime Agency has not contributed" in c.missing
    assert not any("Probation" in m for m in c.missing)
    profiles.add_contribution(
        store, Contribution(area_id, "NCA", "nca", "threat assessment", TODAY, "ISA-1")
    )
    c = profiles.area_completeness(store, area_id)
    assert not any("National Crime Agency" in m for m in c.missing)


def _mutations(area_id: int) -> list[tuple[str, Callable[[object], object]]]:
    return [
        ("save_handling", lambda s: profiles.save_handling(s, Handling(area_id, owner="X"))),
        (
            "save_section",
            lambda s: profiles.save_section(
                s,
                area_id=area_id,
                section="threat",
                html="",
                text="x",
                owner="",
                sources="",
                based_on=0,
            ),
        ),
        (
            "add_contribution",
            lambda s: profiles.add_contribution(
                s, Contribution(area_id, "P", "health", "d", TODAY, "")
            ),
        ),
        ("remove_contribution", lambda s: profiles.remove_contribution(s, 1)),
        ("add_action", lambda s: profiles.add_action(s, ActionItem(area_id, "a", Strand.PURSUE))),
        (
            "update_action",
            lambda s: profiles.update_action(
                s, ActionItem(area_id, "b", Strand.PURSUE, id=1, version=1)
            ),
        ),
        ("set_partner_types", lambda s: profiles.set_partner_types(s, [PartnerType("a", "A")])),
    ]


@pytest.mark.parametrize("name", [m[0] for m in _mutations(0)])
def test_viewer_is_refused_every_mutation_and_nothing_is_written(store, name: str) -> None:  # type: ignore[no-untyped-def]
    area_id = _add_area(store)
    profiles.add_contribution(store, Contribution(area_id, "P", "health", "d", TODAY, ""))
    profiles.add_action(store, ActionItem(area_id, "a", Strand.PURSUE))
    act_as(store, "viewer.test", "viewer")
    fn = dict(_mutations(area_id))[name]
    before = audit.count(store)
    snapshot = (
        rows.get_handling(store, area_id),
        rows.latest_sections(store, area_id),
        rows.contributions(store, area_id),
        rows.actions(store, area_id),
        rows.rules(store),
    )
    with pytest.raises(PermissionDenied):
        fn(store)
    assert audit.count(store) == before
    assert snapshot == (
        rows.get_handling(store, area_id),
        rows.latest_sections(store, area_id),
        rows.contributions(store, area_id),
        rows.actions(store, area_id),
        rows.rules(store),
    )


def test_live_sections_say_plainly_what_is_not_installed(demo_store) -> None:  # type: ignore[no-untyped-def]
    area_id = _area(demo_store, "Telford & Wrekin")
    live = profile_data.live_sections(demo_store, area_id, today=TODAY)
    by_key = {s.key: s for s in live}
    assert by_key["ocgs"].available and by_key["ocgs"].tables[-1].rows
    assert by_key["principals"].tables[0].rows
    for s in live:
        if not s.available:
            assert s.paragraphs[0].startswith("not available: ")
            assert s.paragraphs[0].endswith("is not installed in this version")


def test_partner_audience_hides_identities_and_restricted_intel(demo_store) -> None:  # type: ignore[no-untyped-def]
    area_id = _area(demo_store, "Telford & Wrekin")
    internal = {s.key: s for s in profile_data.live_sections(demo_store, area_id, today=TODAY)}
    partner = {
        s.key: s
        for s in profile_data.live_sections(
            demo_store, area_id, audience=Audience.PARTNER, today=TODAY
        )
    }
    assert not partner["principals"].tables
    # the demo's OCG records are OFFICIAL-SENSITIVE: partners get counts, not a listing
    assert len(partner["ocgs"].tables) == len(internal["ocgs"].tables) - 1
    assert partner["ocgs"].tables[:2] == internal["ocgs"].tables[:2]
    assert "counted but not listed" in " ".join(partner["ocgs"].paragraphs)
    # an OCG whose record is marked OFFICIAL is listed, by reference only
    import dataclasses

    from socmap.domain.vocab import Marking
    from socmap.services import queries, register

    ocg_id = int(internal["ocgs"].tables[-1].rows[0][0][4:8])
    ocg = queries.get_ocg(demo_store, ocg_id)
    register.update_ocg(demo_store, dataclasses.replace(ocg, marking=Marking.OFFICIAL))
    again = {
        s.key: s
        for s in profile_data.live_sections(
            demo_store, area_id, audience=Audience.PARTNER, today=TODAY
        )
    }
    assert [r[0] for r in again["ocgs"].tables[-1].rows] == [f"OCG-{ocg_id:04d}"]
    n_internal = sum(int(r[1]) for r in internal["intelligence"].tables[0].rows)
    n_partner = sum(int(r[1]) for r in partner["intelligence"].tables[0].rows)
    assert n_partner < n_internal
    assert "handling codes" in " ".join(partner["intelligence"].paragraphs)


def test_redactor_removes_nominal_names(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.store import profile_data as q

    surname, forename = q.nominal_names(demo_store)[0]
    scrub = profile_data.redactor(demo_store)
    out = scrub(f"We think {forename} {surname} runs it; {surname.upper()} was seen.")
    assert surname.casefold() not in out.casefold()
    assert out.count("[name withheld]") == 2


def test_bands_overdue_and_county_lines_come_from_scoring(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import reassessment, scoring

    area_id = _area(demo_store, "Telford & Wrekin")
    by_key = {s.key: s for s in profile_data.live_sections(demo_store, area_id, today=TODAY)}
    bands = scoring.current_bands(demo_store)
    listing = by_key["ocgs"].tables[-1]
    for row in listing.rows:
        ocg_id = int(row[0][4:8])
        assert row[1] == bands.get(ocg_id, "-")
    assert by_key["overdue"].available
    report = reassessment.schedule(demo_store, today=TODAY)
    listed = (
        {int(r[0][4:8]) for r in by_key["overdue"].tables[0].rows}
        if by_key["overdue"].tables
        else set()
    )
    area_ocgs = {int(r[0][4:8]) for r in listing.rows}
    expected = {r.ocg_id for r in report.overdue if r.ocg_id in area_ocgs}
    assert expected <= listed
    assert by_key["county_lines"].available
    flagged = profile_data.scoring_flags(demo_store, sorted(area_ocgs), "county_lines")
    assert flagged, "the demo's assessments flag some of the area's groups for county lines"
    rows = {int(r[0][4:8]): r[1] for r in by_key["county_lines"].tables[0].rows}
    assert {i for i, v in rows.items() if v == "Yes"} == flagged
    assert "is not installed" not in " ".join(by_key["county_lines"].paragraphs)


def test_contribution_from_the_partner_register(demo_store) -> None:  # type: ignore[no-untyped-def]
    area_id = _area(demo_store, "Herefordshire")
    pid, name, ptype, isa = next(p for p in profiles.register_partners(demo_store) if p[2])
    c, _ = profiles.add_contribution(
        demo_store,
        Contribution(area_id, "", "", "exploitation referrals", TODAY, partner_id=pid),
    )
    assert (c.partner_id, c.partner_name, c.partner_type) == (pid, name, ptype)
    assert c.isa_ref == isa
    with pytest.raises(ValidationError) as e:
        profiles.add_contribution(
            demo_store, Contribution(area_id, "", "", "x", TODAY, partner_id=99999)
        )
    assert e.value.field == "partner_id"


def test_demo_contributions_link_to_the_register(demo_store) -> None:  # type: ignore[no-untyped-def]
    area_id = _area(demo_store, "Telford & Wrekin")
    linked = [c for c in profiles.contributions(demo_store, area_id) if c.partner_id]
    assert len(linked) >= 5
    live = {
        s.key: s
        for s in profile_data.live_sections(
            demo_store, area_id, today=TODAY, section="partner_data"
        )
    }
    register = live["partner_coverage"].tables[-1]
    assert register.caption == "Partners serving the area (partner register)"
    assert {c.partner_name for c in linked} <= {r[0] for r in register.rows}


def test_people_at_risk_counts_for_partners_and_names_internally(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import atrisk

    for area in profiles.area_list(demo_store):
        v = atrisk.area_vulnerability(demo_store, area.id, today=TODAY)
        if v.people:
            break
    else:
        pytest.skip("the demo has no people at risk")
    internal = profile_data.people_at_risk(
        demo_store, area.id, audience=Audience.INTERNAL, today=TODAY
    )
    partner = profile_data.people_at_risk(
        demo_store, area.id, audience=Audience.PARTNER, today=TODAY
    )
    assert internal.paragraphs[0] == v.summary == partner.paragraphs[0]
    people = internal.tables[-1]
    assert people.caption == "People at risk (internal version only)"
    assert {r[0] for r in people.rows} == {p.name for p in v.people[: len(people.rows)]}
    assert all(t.caption != people.caption for t in partner.tables)
    names = {p.name.split(",")[0].casefold() for p in v.people}
    text = " ".join(c for t in partner.tables for r in t.rows for c in r).casefold()
    assert not any(n in text for n in names)
