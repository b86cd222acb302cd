"""Records from the command line: the analyst's story end to end on an empty database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main
from socmap.store import audit
from socmap.store.db import open_store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


def ok_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    return json.loads(ok(capsys, *args, "--json"))


def _due(capsys: pytest.CaptureFixture[str], db: str, ref: str) -> str:
    rows = ok_json(capsys, "due", "--db", db)["ocgs"]
    return next(r["due"] for r in rows if r["ref"] == ref)


def _required_factors(db: str) -> list[str]:
    """The OCGM factors an assessment must rate before it can be submitted."""
    from socmap.services import scoring
    from socmap.store.db import open_store

    store = open_store(db)
    try:
        policy, _ = scoring.load_policy(store, "ocgm")
    finally:
        store.close()
    return [f.key for f in policy.factors if f.required and f.kind == "level"]


@pytest.mark.parametrize("kind", ["file", "server"])
def test_analyst_story_from_the_cli_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    shared_data: Path,
    os_account: Any,
    kind: str,
    request: pytest.FixtureRequest,
) -> None:
    """The whole story on a new file, and on a new server register where who acts is the
    PostgreSQL login (``--db`` names it) and the database itself checks every approval."""
    if kind == "server":
        from tests.pg import pg_login

        url = request.getfixturevalue("pg_url")  # an empty database, as its owner
        out = ok(capsys, "server", "init", url, "--admin", "ana.lyst")
        assert "ana.lyst is a socmap admin" in out

        def as_(who: str) -> str:
            return pg_login(url, who)
    else:
        path = str(tmp_path / "force.db")
        os_account("ana.lyst")
        out = ok(capsys, "init", "--db", path)
        assert "ana.lyst" in out and "administrator" in out

        def as_(who: str) -> str:
            os_account(who)
            return path

    db = as_("ana.lyst")
    # the README's boundary example, as written
    ok(
        capsys,
        "areas",
        "import",
        str(shared_data / "west-mercia-lad.geojson"),
        "--db",
        db,
        "--name-field",
        "lpa_name",
        "--attribution",
        "Contains ONS data © Crown copyright and database right (OGL v3)",
    )
    ok(capsys, "users", "add", "sup.one", "--role", "supervisor", "--db", db)
    ok(capsys, "users", "add", "sup.two", "--role", "supervisor", "--db", db)

    group = ok_json(
        capsys,
        "ocg",
        "add",
        "--db",
        db,
        "--name",
        "Kelly network",
        "--lead-area",
        "Herefordshire",
        "--market",
        "drugs",
    )
    ref = group["ref"]
    assert ref == "OCG-0001" and group["id"] == 1 and group["status"] == "trigger"
    # the same validation and message as the edit form
    code, _, err = run(capsys, "ocg", "set-status", "--db", db, "--ocg", ref, "--status", "active")
    assert code != 0 and "Lead Responsible Officer" in err and err.count("\n") == 1
    ok(capsys, "ocg", "edit", "--db", db, "--ocg", ref, "--lro", "DI Morgan")
    assert (
        ok_json(capsys, "ocg", "set-status", "--db", db, "--ocg", "1", "--status", "active")[
            "status"
        ]
        == "active"
    )

    principal = ok_json(
        capsys,
        "member",
        "add",
        "--db",
        db,
        "--ocg",
        ref,
        "--name",
        "KELLY, Sean",
        "--role",
        "principal",
        "--born",
        "1984-05-02",
    )
    assert principal["nominal"]["surname"] == "KELLY" and principal["role"] == "principal"
    ok(capsys, "member", "add", "--db", db, "--ocg", ref, "--name", "BRYCE, Ann", "--role",
       "peripheral")  # fmt: skip
    ended = ok_json(capsys, "member", "end", "--db", db, "--ocg", ref, "--nominal", "2")
    assert ended["end"] == dt.date.today().isoformat()
    # cross-border: one location in Herefordshire (lat/lon), one in Shropshire (BNG)
    here = ok_json(
        capsys, "location", "add", "--db", db, "--ocg", ref, "--kind", "base",
        "--lon", "-2.716", "--lat", "52.056", "--label", "flat",
    )  # fmt: skip
    assert here["area"] == "Herefordshire" and here["source_crs"] == "EPSG:4326"
    there = ok_json(
        capsys, "location", "add", "--db", db, "--ocg", ref, "--kind", "stash",
        "--easting", "350000", "--northing", "312000",
    )  # fmt: skip
    assert there["area"] == "Shropshire"
    extra = ok_json(
        capsys, "location", "add", "--db", db, "--ocg", ref, "--kind", "meeting",
        "--easting", "350100", "--northing", "312000",
    )  # fmt: skip
    ok(capsys, "location", "remove", "--db", db, "--location", str(extra["id"]))

    partner = ok_json(
        capsys, "partner", "add", "--db", db, "--name", "Herefordshire Council",
        "--type", "council_community", "--areas", "Herefordshire,Shropshire",
    )  # fmt: skip
    assert len(partner["area_ids"]) == 2
    ok(capsys, "partner", "edit", "--db", db, "--partner", "Herefordshire Council",
       "--isa-reference", "ISA-77")  # fmt: skip
    ok(capsys, "partner", "link", "--db", db, "--partner", str(partner["id"]), "--ocg", ref,
       "--relation", "enforcement_lever")  # fmt: skip

    # score yesterday, submit, approve as another account
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    # every required factor rated (an assessment with one "not known" cannot be submitted)
    ratings = dict.fromkeys(_required_factors(db), "0")
    ratings |= {"markets.drugs": "3", "capability.geographic_scope": "2"}
    a = ok_json(
        capsys, "assess", "create", "--db", db, "--ocg", ref, "--on", yesterday,
        *[arg for k, v in ratings.items() for arg in ("--rating", f"{k}={v}")],
    )  # fmt: skip
    ok(capsys, "assess", "submit", "--db", db, str(a["id"]))
    db = as_("sup.one")
    ok(capsys, "assess", "approve", "--db", db, str(a["id"]))
    due_before = _due(capsys, db, ref)

    db = as_("ana.lyst")
    d = ok_json(
        capsys, "disruptions", "record", "--db", db, "--ocg", ref, "--strand", "pursue",
        "--tactic", "drugs_seizure", "--level", "major", "--partner", "Herefordshire Council",
        "--rationale", "2 kg of cocaine seized at the stash",
    )  # fmt: skip
    assert d["status"] == "pending"
    db = as_("sup.one")
    first = ok_json(capsys, "disruptions", "approve", "--db", db, str(d["id"]))
    assert first["status"] == "pending"
    code, _, err = run(capsys, "disruptions", "approve", "--db", db, str(d["id"]))
    assert code != 0 and "second approver" in err
    db = as_("sup.two")
    assert ok_json(capsys, "disruptions", "approve", "--db", db, str(d["id"]))["status"] == (
        "approved"
    )
    assert _due(capsys, db, ref) < due_before

    db = as_("ana.lyst")
    text = tmp_path / "threat.txt"
    text.write_text("The Kelly network supplies cocaine\nacross the border.\n\nSecond para.")
    saved = ok_json(
        capsys, "profile", "section", "set", "--db", db, "--area", "Herefordshire",
        "--section", "threat", "--file", str(text),
    )  # fmt: skip
    assert saved["version"] == 1
    ok(capsys, "export", "briefing", "--db", db, "--area", "Herefordshire", "--format", "pdf",
       "--audience", "neighbourhood", "-o", str(tmp_path / "b.pdf"))  # fmt: skip
    ok(capsys, "export", "profile", "--db", db, "--area", "Herefordshire", "--format", "pdf",
       "--audience", "partner", "-o", str(tmp_path / "p.pdf"))  # fmt: skip
    assert (tmp_path / "b.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "p.pdf").read_bytes()[:5] == b"%PDF-"

    store = open_store(db)
    try:
        rows = audit.rows(store, limit=500)
    finally:
        store.close()
    seen = {(r.action, r.entity) for r in rows}
    for expected in [
        ("create", "ocg"),
        ("set status", "ocg"),
        ("create", "membership"),
        ("update", "membership"),
        ("create", "location"),
        ("delete", "location"),
        ("create", "partner"),
        ("update", "partner"),
        ("create", "partner_link"),
        ("create", "disruption"),
        ("approve", "disruption"),
    ]:
        assert expected in seen, expected


def test_record_commands_refuse_a_viewer_and_change_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], os_account: Any
) -> None:
    db = str(tmp_path / "f.db")
    os_account("admin.one")
    ok(capsys, "init", "--db", db)
    ok(capsys, "ocg", "add", "--db", db, "--name", "Alpha")
    os_account("nobody")
    code, _, err = run(capsys, "ocg", "add", "--db", db, "--name", "Beta")
    assert code != 0 and "may not add OCGs" in err
    code, _, err = run(capsys, "member", "add", "--db", db, "--ocg", "OCG-0001", "--name",
                       "X, Y", "--role", "principal")  # fmt: skip
    assert code != 0 and "may not" in err
    os_account("admin.one")
    listing = ok_json(capsys, "ocg", "list", "--db", db)
    assert [o["name"] for o in listing] == ["Alpha"]


def test_init_refuses_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "f.db"
    ok(capsys, "init", "--db", str(db))
    code, _, err = run(capsys, "init", "--db", str(db))
    assert code != 0 and "already exists" in err


def test_bad_values_are_named_like_the_dialogs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.db")
    ok(capsys, "init", "--db", db)
    ok(capsys, "ocg", "add", "--db", db, "--name", "Alpha")
    for args, needle in [
        (["ocg", "add", "--name", "B", "--market", "cheese"], "unknown market 'cheese'"),
        (["member", "add", "--ocg", "1", "--name", "A, B", "--role", "boss"], "unknown role"),
        (["member", "add", "--ocg", "1", "--name", "A, B", "--role", "principal", "--start",
          "2131-01-01"], "in the future"),
        (["location", "add", "--ocg", "1", "--kind", "base", "--lon", "200", "--lat", "1"],
         "out of range"),
        (["location", "add", "--ocg", "OCG-0009", "--kind", "base", "--easting", "1",
          "--northing", "1"], "no group OCG-0009"),
        (["disruptions", "record", "--ocg", "1", "--strand", "pursue", "--tactic", "x",
          "--level", "major"], "unknown tactic"),
        (["partner", "link", "--partner", "Nobody", "--ocg", "1", "--relation", "x"],
         "no partner agency called 'Nobody'"),
    ]:  # fmt: skip
        code, out, err = run(capsys, *args, "--db", db)
        assert code != 0, args
        assert needle in err, (args, err)
        assert err.count("\n") == 1 and out == ""
