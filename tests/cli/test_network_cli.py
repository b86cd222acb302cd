"""socmap network ... and socmap atrisk ... as a new user would run them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main

AS_OF = "2026-11-01"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def _busy_group(db: Path) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    (oid,) = con.execute(
        "SELECT m.ocg_id FROM memberships m JOIN ocgs o ON o.id = m.ocg_id"
        " WHERE o.status = 'active' AND m.\"end\" IS NULL"
        " GROUP BY m.ocg_id ORDER BY COUNT(*) DESC, m.ocg_id LIMIT 1"
    ).fetchone()
    con.close()
    return int(oid)


def test_keyplayers_and_whatif_agree(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_path)
    oid = _busy_group(demo_path)
    rows = run_json(
        capsys, "network", "keyplayers", "--db", db, "--ocg", str(oid), "--as-of", AS_OF, "--json"
    )
    assert isinstance(rows, list) and len(rows) >= 4
    for r in rows:
        assert {
            "person_id",
            "name",
            "role",
            "degree",
            "betweenness",
            "eigenvector",
            "explanation",
        } <= set(r)
        assert r["role"] in ("principal", "significant", "peripheral")
    top = rows[0]
    assert "would split" in top["explanation"]
    said = int(re.search(r"into (\d+)", top["explanation"]).group(1))  # type: ignore[union-attr]
    result = run_json(
        capsys,
        "network",
        "whatif",
        "--db",
        db,
        "--ocg",
        str(oid),
        "--as-of",
        AS_OF,
        "--remove",
        str(top["person_id"]),
        "--json",
    )
    assert result["parts_after"] == said > result["parts_before"]  # type: ignore[index]
    cut = re.search(r"cut off: (.*?)(?: and \d+ more)?\.", top["explanation"]).group(1).split("; ")  # type: ignore[union-attr]
    small_parts = {p["name"] for part in result["after"][1:] for p in part}  # type: ignore[index]
    assert set(cut) <= small_parts


def test_atrisk_list_never_members(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_path)
    rows = run_json(capsys, "atrisk", "list", "--db", db, "--json")
    assert isinstance(rows, list) and rows
    for r in rows:
        assert {"person_id", "name", "indicators", "reason", "interventions", "review_date"} <= set(
            r
        )
    herefordshire = run_json(
        capsys, "atrisk", "list", "--db", db, "--area", "herefordshire", "--json"
    )
    assert 0 < len(herefordshire) < len(rows)  # type: ignore[arg-type]
    assert {r["area"] for r in herefordshire} == {"Herefordshire"}  # type: ignore[index]
    ids = {r["person_id"] for r in rows}  # type: ignore[union-attr]
    # not in the register's members
    import sqlite3

    con = sqlite3.connect(demo_path)
    assert not ids & {r[0] for r in con.execute("SELECT nominal_id FROM memberships")}
    exploiters = [e for r in rows for e in r["exploited_by"]]  # type: ignore[union-attr, index]
    oid = int(exploiters[0]["ocgs"][0].split("-")[1])
    con.close()
    # not among key players
    players = run_json(
        capsys, "network", "keyplayers", "--db", db, "--ocg", str(oid), "--as-of", AS_OF, "--json"
    )
    assert not ids & {p["person_id"] for p in players}  # type: ignore[union-attr]
    # in the network export only as "at_risk"
    out = demo_path.parent / "net.graphml"
    assert (
        main(["network", "export", "--db", db, "--ocg", str(oid), "--as-of", AS_OF, "-o", str(out)])
        == 0
    )
    capsys.readouterr()
    import networkx as nx

    g = nx.read_graphml(out)
    kinds = {int(n): d["kind"] for n, d in g.nodes(data=True)}
    assert any(kinds.get(i) == "at_risk" for i in ids)
    assert all(kinds[i] == "at_risk" for i in ids if i in kinds)
    # the register counts
    regs = run_json(capsys, "ocg", "list", "--db", db, "--json")
    con = sqlite3.connect(demo_path)
    for r in regs:  # type: ignore[union-attr]
        (n,) = con.execute(
            "SELECT COUNT(*) FROM memberships WHERE ocg_id = ? AND nominal_id IN (SELECT nominal_id FROM at_risk)",
            [r["id"]],
        ).fetchone()
        assert n == 0
    con.close()
    assert (
        main(["atrisk", "list", "--db", db, "--area", "Atlantis"]) == 3
    )  # an unknown area is not found (issue 13: one rule for every --area)
    assert "no area called" in capsys.readouterr().err


def test_export_graphml_is_marked_and_audited(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = demo_path.parent / "n.graphml"
    oid = _busy_group(demo_path)
    assert (
        main(
            [
                "network",
                "export",
                "--db",
                str(demo_path),
                "--ocg",
                str(oid),
                "--format",
                "graphml",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "OFFICIAL-SENSITIVE" in capsys.readouterr().out
    root = ET.parse(out).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {(k.get("for"), k.get("attr.name")) for k in root.findall("g:key", ns)}
    assert ("node", "kind") in keys and ("edge", "relation") in keys
    assert ("edge", "type") not in keys
    assert "OFFICIAL-SENSITIVE" in out.read_text()
    import sqlite3

    con = sqlite3.connect(demo_path)
    rows = con.execute(
        "SELECT action, entity, entity_id FROM audit WHERE action = 'export'"
    ).fetchall()
    con.close()
    assert rows == [("export", "network", str(oid))]


def test_export_needs_permission(
    demo_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    os_account: Any,
) -> None:
    from socmap.store.db import open_store
    from tests.conftest import act_as

    s = open_store(demo_path)
    act_as(s, "viewer.test", "viewer")
    s.close()
    os_account("viewer.test")
    out = demo_path.parent / "x.graphml"
    assert main(["network", "export", "--db", str(demo_path), "--ocg", "1", "-o", str(out)]) == 5
    assert "may not export" in capsys.readouterr().err
    assert not out.exists()


def test_candidates_and_proposals(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(demo_path)
    found = run_json(capsys, "network", "candidates", "--db", db, "--as-of", AS_OF, "--json")
    assert isinstance(found, list) and found
    assert {"people", "links", "evidence", "area"} <= set(found[0])
    props = run_json(capsys, "atrisk", "proposals", "--db", db, "--as-of", AS_OF, "--json")
    assert props and "reason" in props[0]  # type: ignore[index]
    assert (
        main(
            ["network", "compare", "--db", db, "--ocg", "1", "--from", "2026-01-01", "--to", AS_OF]
        )
        == 0
    )
    assert main(["network", "keyplayers", "--db", db, "--ocg", "99999"]) == 3
    assert "no group" in capsys.readouterr().err


def test_export_png_and_svg(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    oid = _busy_group(demo_path)
    for fmt in ("png", "svg"):
        out = demo_path.parent / f"n.{fmt}"
        args = ["network", "export", "--db", str(demo_path), "--ocg", str(oid), "--format", fmt]
        assert main([*args, "--as-of", AS_OF, "-o", str(out)]) == 0
        assert out.stat().st_size > 1000
    svg = (demo_path.parent / "n.svg").read_text()
    assert svg.count(">OFFICIAL-SENSITIVE<") >= 2 or svg.count("OFFICIAL-SENSITIVE") >= 3
    from PySide6.QtGui import QImage

    assert QImage(str(demo_path.parent / "n.png")).text("Classification") == "OFFICIAL-SENSITIVE"
    missing = demo_path.parent / "nowhere" / "x.png"
    assert (
        main(
            [
                "network",
                "export",
                "--db",
                str(demo_path),
                "--ocg",
                str(oid),
                "--format",
                "png",
                "-o",
                str(missing),
            ]
        )
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
    import sqlite3

    con = sqlite3.connect(demo_path)
    (n,) = con.execute("SELECT COUNT(*) FROM audit WHERE action = 'export'").fetchone()
    con.close()
    assert n == 2
