"""Merging two nominal records of the same person (issue 15, item 3: "the register can merge").

The tables that refer to a nominal are DISCOVERED from the live schema (every foreign key to
``nominals``): the set-up puts a row pointing at the dropped record in each of them, and a new
table with a nominal foreign key fails ``test_setup_covers_every_table_with_a_nominal_key``
until it is given one here, so the merge is proved for it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main
from socmap.domain.errors import PermissionDenied, ValidationError
from socmap.domain.groups import Membership, Nominal, Ocg, merged_membership
from socmap.domain.ids import GroupId, NominalId
from socmap.domain.vocab import Role
from socmap.services import register
from socmap.store import audit, dialect, groups
from tests.conftest import act_as

#: Rows the set-up writes per scenario and table (``{keep}``, ``{drop}``, ``{other}``, ``{ocg}``,
#: ``{disruption}`` are filled in). A person is never both a member and at risk (the schema's
#: triggers), so the dropped record is a member in one scenario and at risk in the other; between
#: them every table with a nominal foreign key gets a row.
ROWS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "member": {
        "associations": [
            # the two records linked to each other: a self-link once merged (folded)
            {"nominal_a": "{keep}", "nominal_b": "{drop}", "kind": "associate"},
            {"nominal_a": "{drop}", "nominal_b": "{other}", "kind": "family", "source": "IR-1",
             "grading_scheme": "3x5x2", "grade": "1B", "handling": "P"},
        ],
        "exploitation": [{"at_risk_nominal_id": "{other}", "exploiter_nominal_id": "{drop}"}],
        "disruption_nominals": [
            {"disruption_id": "{disruption}", "nominal_id": "{keep}"},
            {"disruption_id": "{disruption}", "nominal_id": "{drop}"},  # both named: folded
        ],
        # memberships are written through the register (below)
    },
    "at_risk": {
        "at_risk": [
            {"nominal_id": "{keep}", "risk_level": "high", "rationale": "kept entry",
             "review_date": "2026-12-01"},
            {"nominal_id": "{drop}", "risk_level": "low", "rationale": "dropped entry",
             "review_date": "2026-12-15"},
        ],
        "at_risk_indicators": [{"nominal_id": "{drop}", "indicator": "missing_episodes",
                                "observed_on": "2026-09-01"}],
        "at_risk_proposals": [{"nominal_id": "{drop}", "proposed_on": "2026-09-02",
                               "reason": "r", "decision": "accepted", "decided_by": "ds.test"}],
        "interventions": [{"nominal_id": "{drop}", "kind": "referral", "lead_partner": "Council",
                           "start": "2026-09-03"}],
        "exploitation": [{"at_risk_nominal_id": "{drop}", "exploiter_nominal_id": "{other}"}],
    },
}  # fmt: skip
SCENARIOS = tuple(ROWS)


def nominal_foreign_keys(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """(table, column) of every foreign key to ``nominals``, read from the schema here."""
    out = set()
    for t in dialect.user_tables(conn):
        for fk in dialect.foreign_key_list(conn, t):
            if fk[2] == "nominals":
                out.add((t, fk[3]))
    return out


def _insert(store: Any, table: str, row: dict[str, Any], ids: dict[str, int]) -> None:
    values = {k: (ids[v[1:-1]] if isinstance(v, str) and v[1:-1] in ids else v)
              for k, v in row.items()}  # fmt: skip
    cols = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    with store.atomic():
        store.conn.execute(
            f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(values.values())
        )


def _people(store: Any, scenario: str) -> dict[str, int]:
    """KELLY, Sean (kept) and KELLEY, Shaun (the same man, dropped), with everything recorded."""
    g1, _ = register.create_ocg(store, Ocg(name="Kelly network"))
    g2, _ = register.create_ocg(store, Ocg(name="Quarry lads"))
    keep, _ = register.create_nominal(
        store, Nominal(surname="Kelly", forenames="Sean", aliases=("Seany",))
    )
    drop, _ = register.create_nominal(
        store,
        Nominal(surname="Kelley", forenames="Shaun", date_of_birth=dt.date(1984, 5, 2),
                aliases=("Big S",), notes="from the 2019 tracker"),
    )  # fmt: skip
    other, _ = register.create_nominal(store, Nominal(surname="Bryce", forenames="Ann"))
    ids = {"keep": int(keep.id or 0), "drop": int(drop.id or 0), "other": int(other.id or 0),
           "ocg": int(g1.id or 0), "ocg2": int(g2.id or 0)}  # fmt: skip

    def member(nominal: str, ocg: str, role: Role, **kw: Any) -> None:
        register.add_membership(
            store,
            Membership(ocg_id=GroupId(ids[ocg]), nominal_id=NominalId(ids[nominal]), role=role,
                       **kw),
        )  # fmt: skip

    if scenario == "member":
        # both records are current members of the same group: a conflict
        member("keep", "ocg", Role.PERIPHERAL, start=dt.date(2023, 1, 1), tags=("runner",))
        member("drop", "ocg", Role.SIGNIFICANT, start=dt.date(2021, 6, 1), tags=("enforcer",))
        member("drop", "ocg2", Role.PRINCIPAL, start=dt.date(2022, 1, 1))
    with store.atomic():
        cur = store.conn.execute(
            "INSERT INTO disruptions (ocg_id, occurred_on, strand, tactic_area, tactic, level, "
            "rationale, lead_agency, status) VALUES (?, '2026-09-10', 'pursue', 'a', 'arrest', "
            "'minor', 'r', 'Police', 'pending')",
            [ids["ocg"]],
        )
    ids["disruption"] = int(cur.lastrowid or 0)
    for table, rows in ROWS[scenario].items():
        for row in rows:
            _insert(store, table, row, ids)
    for table, row in (
        ("review_decisions", {"entity": "nominal", "entity_id": "{drop}", "decided_on":
                              "2026-01-05", "decided_by": "sup", "decision": "retain",
                              "review_group": 2, "rationale": "active"}),
        ("import_keys", {"system": "tracker", "kind": "nominal", "key": "P1001",
                         "record_id": "{drop}"}),
    ):  # fmt: skip
        _insert(store, table, row, ids)
    ids["scenario"] = SCENARIOS.index(scenario)
    return ids


@pytest.fixture
def people(store: Any) -> dict[str, int]:
    """The member scenario."""
    return _people(store, "member")


def test_setup_covers_every_table_with_a_nominal_key() -> None:
    from socmap.store.db import open_store

    covered: set[tuple[str, str]] = set()
    found: set[tuple[str, str]] = set()
    for scenario in SCENARIOS:
        s = open_store(":memory:")
        try:
            ids = _people(s, scenario)
            found = nominal_foreign_keys(s.conn)
            covered |= {
                (t, c)
                for t, c in found
                if s.conn.execute(f'SELECT 1 FROM "{t}" WHERE "{c}" = ?', [ids["drop"]]).fetchone()
            }
        finally:
            s.close()
    assert len(found) >= 10
    missing = sorted(f"{t}.{c}" for t, c in found - covered)
    assert not missing, f"give the dropped record a row in {missing} in ROWS above"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_nothing_points_at_the_dropped_id_after_a_merge(store: Any, scenario: str) -> None:
    ids = _people(store, scenario)
    keep, drop = ids["keep"], ids["drop"]
    register.merge_nominals(store, keep=keep, drop=drop)
    for table, column in sorted(nominal_foreign_keys(store.conn)):
        left = store.conn.execute(
            f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?', [drop]
        ).fetchone()[0]
        assert left == 0, f"{table}.{column} still points at the dropped nominal"
    assert not store.conn.execute(
        "SELECT 1 FROM review_decisions WHERE entity = 'nominal' AND entity_id = ?", [drop]
    ).fetchone()
    if not store.on_server:  # a server checks every foreign key as it writes
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert not groups.nominal_exists(store, drop)
    if scenario == "at_risk":
        # one at-risk entry per person: the kept record's entry stands
        assert store.conn.execute(
            "SELECT rationale FROM at_risk WHERE nominal_id = ?", [keep]
        ).fetchall() == [("kept entry",)]
        assert (
            store.conn.execute(
                "SELECT COUNT(*) FROM interventions WHERE nominal_id = ?", [keep]
            ).fetchone()[0]
            == 1
        )


def test_a_member_and_a_person_at_risk_are_not_merged(store: Any) -> None:
    ids = _people(store, "at_risk")
    register.add_membership(
        store,
        Membership(ocg_id=GroupId(ids["ocg"]), nominal_id=NominalId(ids["other"]),
                   role=Role.PERIPHERAL),
    )  # fmt: skip
    dump = list(store.conn.iterdump())
    with pytest.raises(ValidationError, match="never holds one person as both"):
        register.merge_nominals(store, keep=ids["other"], drop=ids["drop"])
    assert list(store.conn.iterdump()) == dump


def test_merge_moves_everything_and_nothing_points_at_the_dropped_id(
    store: Any, people: dict[str, int]
) -> None:
    keep, drop = people["keep"], people["drop"]
    before_audit = audit.count(store)
    result, changes = register.merge_nominals(store, keep=keep, drop=drop)

    # nothing anywhere still refers to the dropped record (schema-discovered)
    for table, column in sorted(nominal_foreign_keys(store.conn)):
        left = store.conn.execute(
            f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?', [drop]
        ).fetchone()[0]
        assert left == 0, f"{table}.{column} still points at the dropped nominal"
    assert not store.conn.execute(
        "SELECT 1 FROM review_decisions WHERE entity = 'nominal' AND entity_id = ?", [drop]
    ).fetchone()
    assert (
        store.conn.execute("SELECT record_id FROM import_keys WHERE key = 'P1001'").fetchone()[0]
        == keep
    )
    assert not groups.nominal_exists(store, drop)
    if not store.on_server:  # a server checks every foreign key as it writes
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []

    # the conflict (both current members of the Kelly network): one membership, stronger role
    ms = sorted(groups.memberships_of_nominal(store, keep), key=lambda m: m.ocg_id)
    assert [(m.ocg_id, m.role, m.start, m.end) for m in ms] == [
        (people["ocg"], Role.SIGNIFICANT, dt.date(2021, 6, 1), None),
        (people["ocg2"], Role.PRINCIPAL, dt.date(2022, 1, 1), None),
    ]
    assert set(ms[0].tags) == {"runner", "enforcer"}
    assert result.merged_memberships == (people["ocg"],)
    # the self-link and the duplicate disruption row fold into the kept record's own
    assert result.moved["associations.nominal_a"] == {"moved": 1, "folded": 0}
    assert result.moved["associations.nominal_b"] == {"moved": 0, "folded": 1}
    assert result.moved["disruption_nominals.nominal_id"] == {"moved": 0, "folded": 1}
    assert store.conn.execute(
        "SELECT nominal_a, nominal_b, grade FROM associations"
    ).fetchall() == [(keep, people["other"], "1B")]
    # the kept record learns the other spelling, the date of birth and the notes
    kept = groups.get_nominal(store, keep)
    assert kept.aliases == ("Seany", "KELLEY, Shaun", "Big S")
    assert kept.date_of_birth == dt.date(1984, 5, 2)
    assert "2019 tracker" in kept.notes

    # one audit row holding both records and every row that referred to the dropped one
    assert audit.count(store) == before_audit + 1
    row = audit.rows(store, entity="nominal", limit=1)[0]
    text = json.dumps(row, default=str)
    assert f"merged nominal {drop} into nominal {keep}" in text
    assert "IR-1" in text and "Kelley" in text
    assert changes.touches("nominal", "membership")


def test_a_refused_merge_changes_nothing(store: Any, people: dict[str, int]) -> None:
    act_as(store, "analyst.two", "analyst")
    dump = list(store.conn.iterdump())
    with pytest.raises(ValidationError):
        register.merge_nominals(store, keep=people["keep"], drop=people["keep"])
    with pytest.raises(Exception, match="nominal"):
        register.merge_nominals(store, keep=people["keep"], drop=99999)
    store.actor = "nobody.registered"  # not registered: a viewer
    with pytest.raises(PermissionDenied):
        register.merge_nominals(store, keep=people["keep"], drop=people["drop"])
    assert list(store.conn.iterdump()) == dump


def test_a_failure_midway_rolls_everything_back(
    store: Any, people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = list(store.conn.iterdump())

    def broken(*_a: Any, **_k: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(groups, "delete_nominal", broken)
    with pytest.raises(sqlite3.OperationalError):
        register.merge_nominals(store, keep=people["keep"], drop=people["drop"])
    assert list(store.conn.iterdump()) == dump


def test_merged_membership_is_deterministic() -> None:
    a = Membership(ocg_id=GroupId(1), nominal_id=NominalId(1), role=Role.PERIPHERAL, id=None,
                   start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1))  # fmt: skip
    b = dataclasses.replace(a, role=Role.PRINCIPAL, start=None, end=None)
    assert merged_membership(a, b) == dataclasses.replace(a, role=Role.PRINCIPAL, end=None)
    assert merged_membership(a, b).role == merged_membership(b, a).role


def test_cli_nominal_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "force.db"
    assert main(["init", "--db", str(db)]) == 0
    assert main(["ocg", "add", "--db", str(db), "--name", "Kelly network"]) == 0
    for name in ("KELLY, Sean", "KELLEY, Shaun"):
        assert main(["member", "add", "--db", str(db), "--ocg", "OCG-0001", "--name", name,
                     "--role", "peripheral"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["nominal", "merge", "--db", str(db), "NOM-0001", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dropped_id"] == 2 and out["merged_memberships"] == ["OCG-0001"]
    assert "KELLEY, Shaun" in out["kept"]["aliases"]
    assert main(["nominal", "merge", "--db", str(db), "1", "2"]) == 3
    assert "nominal" in capsys.readouterr().err
