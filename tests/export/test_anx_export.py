"""i2 Analyst's Notebook charts: well-formed ANX, grades as recorded, audiences, round trip."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main
from socmap.domain.groups import Location, Membership, Nominal, Ocg
from socmap.domain.ids import GroupId, NominalId
from socmap.domain.network import Association, OcgLink
from socmap.domain.vocab import Role
from socmap.services import anx, links, register
from socmap.services.handling import CONDITIONS_NOTE
from socmap.store import audit
from socmap.store.db import Store, open_store

NAMES = ("KELLY", "BRYCE", "OKAFOR")


def _build(store: Store) -> None:
    o, _ = register.create_ocg(store, Ocg(name="Kelly network", primary_market="drugs"))
    rival, _ = register.create_ocg(store, Ocg(name="Eastside crew"))
    ids = []
    for (surname, fore, dob), role in zip(
        [("Kelly", "Sean", "1984-05-02"), ("Bryce", "Ann", None), ("Okafor", "Tom", None)],
        [Role.PRINCIPAL, Role.SIGNIFICANT, Role.PERIPHERAL],
        strict=True,
    ):
        _m, n, _ = register.add_member(
            store,
            Membership(ocg_id=GroupId(o.id or 0), nominal_id=NominalId(0), role=role),
            new_nominal=Nominal(
                surname=surname,
                forenames=fore,
                date_of_birth=dt.date.fromisoformat(dob) if dob else None,
            ),
        )
        assert n is not None
        ids.append(int(n.id or 0))
    links.add_association(
        store,
        Association(ids[0], ids[1], "family", source="INT/0001", grading_scheme="3x5x2",
                    grade="1B", handling="C", handling_conditions="Police use only"),
    )  # fmt: skip
    links.add_association(
        store,
        Association(ids[0], ids[2], "financial", source="INT/0002", grading_scheme="5x5x5",
                    grade="B2", handling="5"),
    )  # fmt: skip
    links.add_association(
        store,
        Association(ids[1], ids[2], "co-offender", source="INT/0003", grading_scheme="3x5x2",
                    grade="2A", handling="P"),
    )  # fmt: skip
    links.add_ocg_link(
        store,
        OcgLink(o.id or 0, rival.id or 0, "rival", source="INT/9", grading_scheme="5x5x5",
                grade="A1", handling="2"),
    )  # fmt: skip
    register.add_location(
        store,
        Location(ocg_id=GroupId(o.id or 0), kind="stash", easting=350000.0, northing=312000.0,
                 label="lock-up"),
    )  # fmt: skip


@pytest.fixture
def force(tmp_path: Path) -> Path:
    path = tmp_path / "force.db"
    s = open_store(path)
    _build(s)
    s.close()
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _export(
    capsys: pytest.CaptureFixture[str], db: Path, out: Path, audience: str, *scope: str
) -> Path:
    code, _, err = run(
        capsys, "export", "anx", "--db", str(db), *scope, "--audience", audience, "-o", str(out)
    )
    assert code == 0, err
    return out


def test_chart_is_well_formed_with_grades_marking_and_coordinates(
    force: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _export(capsys, force, tmp_path / "net.anx", "internal", "--ocg", "OCG-0001")
    root = ET.parse(path).getroot()
    assert root.tag == "Chart"
    items = root.find("ChartItemCollection")
    assert items is not None
    entities = [i for i in items if i.find("End/Entity") is not None]
    link_items = [i for i in items if i.find("Link") is not None]
    types = sorted(i.find("End/Entity/Icon/IconStyle").get("Type") for i in entities)  # type: ignore[union-attr]
    assert types == ["Location", "OCG", "Person", "Person", "Person"]
    idents = {i.find("End/Entity").get("Identity") for i in entities}  # type: ignore[union-attr]
    assert {"OCG-0001", "NOM-0001"} <= idents
    props = {p.get("Name"): p.get("Value") for p in root.iter("CustomProperty")}
    assert props["Protective marking"] == "OFFICIAL-SENSITIVE"
    fields = {f.get("Type"): f.get("Field") for f in root.iter("Field")}
    assert fields["SummaryFieldSubject"] == "OFFICIAL-SENSITIVE"
    assert "OFFICIAL-SENSITIVE" in fields["SummaryFieldTitle"]
    # the location can be mapped: Latitude/Longitude with i2's semantic types
    attrs = {a.get("AttributeClass"): a.get("Value") for a in root.iter("Attribute")}
    assert 52.0 < float(attrs["Latitude"]) < 53.5 and -3.5 < float(attrs["Longitude"]) < -1.5
    lat_class = next(c for c in root.iter("AttributeClass") if c.get("Name") == "Latitude")
    assert lat_class.get("SemanticTypeGuid")
    # grades read back exactly as recorded, in their own scheme, with sources and conditions
    chart = anx.read_anx(path)
    cards = {(c.source_ref, c.scheme, c.grade, c.handling, c.conditions) for c in
             anx.iter_grades(chart.links)}  # fmt: skip
    assert ("INT/0001", "3x5x2", "1B", "C", "Police use only") in cards
    assert ("INT/0002", "5x5x5", "B2", "5", "") in cards
    link_types = sorted(i.find("Link/LinkStyle").get("Type") for i in link_items)  # type: ignore[union-attr]
    assert link_types.count("Member of") == 3
    assert {"Family", "Financial", "Co-offender", "Uses location"} <= set(link_types)
    # the export is on the audit trail with the file's SHA-256
    s = open_store(force)
    row = audit.rows(s, entity="anx", limit=1)[0]
    s.close()
    extra = json.loads(row.payload)
    assert extra["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert extra["audience"] == "internal"


@pytest.mark.parametrize("audience", ["neighbourhood", "partner"])
def test_outside_audiences_see_references_only_and_what_handling_allows(
    force: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], audience: str
) -> None:
    path = _export(capsys, force, tmp_path / f"{audience}.anx", audience, "--ocg", "1")
    text = path.read_bytes().decode("utf-16")
    for name in (*NAMES, "Sean", "Kelly network", "1984-05-02", "lock-up"):
        assert name not in text, name
    chart = anx.read_anx(path)
    grades = {c.grade for c in anx.iter_grades(chart.links)}
    assert "B2" not in grades  # 5x5x5 handling 5: no further dissemination
    if audience == "neighbourhood":
        assert "1B" in grades  # 3x5x2 C travels with a note that conditions apply...
        assert any(CONDITIONS_NOTE in (p.get("Value") or "") for p in
                   ET.parse(path).getroot().iter("CustomProperty"))  # fmt: skip
        assert "Police use only" not in text  # ...not the conditions' free text (not cleared)
    assert {e.label for e in chart.entities if e.type == "Person"} <= {
        "NOM-0001",
        "NOM-0002",
        "NOM-0003",
    }


def _signature(chart: anx.Chart) -> tuple[Any, ...]:
    label = {e.identity: e.label for e in chart.entities}
    ents = sorted((e.type, e.label) for e in chart.entities if e.type != anx.LOCATION)
    places = sorted(
        (round(float(e.attributes["Latitude"]), 4), round(float(e.attributes["Longitude"]), 4))
        for e in chart.entities
        if e.type == anx.LOCATION
    )
    lks = sorted(
        (
            *sorted((label[x.source], label[x.target])),
            x.type,
            x.label,
            tuple((c.scheme, c.grade, c.handling, c.source_ref) for c in x.cards),
        )
        for x in chart.links
        if x.type != anx.USES_LOCATION
    )
    return ents, places, lks


@pytest.mark.parametrize("scope", [("--ocg", "OCG-0001"), ("--between-groups",)])
def test_round_trip_into_an_empty_database_gives_the_same_chart(
    force: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], scope: tuple[str, ...]
) -> None:
    first = _export(capsys, force, tmp_path / "a.anx", "internal", *scope)
    empty = tmp_path / "empty.db"
    assert run(capsys, "init", "--db", str(empty))[0] == 0
    code, out, err = run(capsys, "import", str(first), "--db", str(empty), "--dry-run")
    assert code == 0, err
    assert "dry run" in out
    s = open_store(empty)
    assert not register_names(s)
    s.close()
    code, out, err = run(capsys, "import", str(first), "--db", str(empty))
    assert code == 0, err
    second = _export(capsys, empty, tmp_path / "b.anx", "internal", *scope)
    assert _signature(anx.read_anx(first)) == _signature(anx.read_anx(second))
    # the same file twice is refused, and nothing changes
    code, _, err = run(capsys, "import", str(first), "--db", str(empty))
    assert code == 7 and "imported before" in err and err.count("\n") == 1


def register_names(store: Store) -> list[str]:
    from socmap.services import queries

    return [r.name for r in queries.register(store, with_schedule=False)]


def test_a_file_that_is_not_a_chart_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    run(capsys, "init", "--db", str(db))
    bad = tmp_path / "bad.anx"
    bad.write_text("<Chart><ChartItemCollection><ChartItem>", encoding="utf-8")
    code, _, err = run(capsys, "import", str(bad), "--db", str(db))
    assert code == 7 and "bad.anx" in err and "well-formed" in err and err.count("\n") == 1
    other = tmp_path / "other.anx"
    other.write_text("<Graph/>", encoding="utf-8")
    code, _, err = run(capsys, "import", str(other), "--db", str(db))
    assert code == 7 and "not an i2 chart" in err


def test_partner_graph_chart(
    force: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from socmap.domain.partners import Partner, PartnerLink
    from socmap.services import partners

    s = open_store(force)
    p, _ = partners.create_partner(s, Partner(name="Shropshire Council", partner_type="council_community",
                                              marking="OFFICIAL"))  # fmt: skip
    partners.link_partner(s, PartnerLink(p.id or 0, 1, "enforcement_lever"))
    s.close()
    chart = anx.read_anx(_export(capsys, force, tmp_path / "p.anx", "partner", "--partners"))
    assert {e.type for e in chart.entities} == {anx.PARTNER, anx.GROUP}
    assert [x.type for x in chart.links] == ["Enforcement lever"]
    assert "Kelly network" not in {e.label for e in chart.entities}
