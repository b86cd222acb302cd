from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socmap.main import main
from socmap.services import profiles
from socmap.store import audit
from socmap.store.db import open_store
from tests.conftest import act_as


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_json_lists_every_area(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "profile", "status", "--db", str(demo_path), "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 5
    for r in rows:
        assert set(r) == {"area", "completeness_percent", "missing"}
        assert isinstance(r["completeness_percent"], int)
        assert 0 <= r["completeness_percent"] <= 100
        assert all(isinstance(m, str) for m in r["missing"])
        assert (r["completeness_percent"] == 100) == (r["missing"] == [])
    store = open_store(demo_path)
    assert rows == profiles.status_json(store)
    store.close()


def test_status_text_has_the_headline(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profile", "status", "--db", str(demo_path), "--today", "2026-11-01")
    assert code == 0
    assert out.splitlines()[0] == "0 of 5 area profiles complete"
    assert "Telford & Wrekin" in out and "94%" in out


def test_export_profile_writes_a_file_and_an_audit_row(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "shropshire.docx"
    code, out, err = run(
        capsys,
        "export",
        "profile",
        "--db",
        str(demo_path),
        "--area",
        "shropshire",
        "--format",
        "docx",
        "--audience",
        "partner",
        "-o",
        str(out_file),
    )
    assert code == 0, err
    assert out_file.exists()
    assert "partner audience" in out and "OFFICIAL-SENSITIVE" in out
    store = open_store(demo_path)
    row = audit.rows(store, action="export")[0]
    store.close()
    assert row.entity == "profile" and "docx" in row.summary and "partner" in row.summary


def test_unknown_area_is_one_clear_line(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "export",
        "profile",
        "--db",
        str(demo_path),
        "--area",
        "Atlantis",
        "--format",
        "pdf",
        "--audience",
        "internal",
        "-o",
        str(tmp_path / "a.pdf"),
    )
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert "no area called 'Atlantis'" in err and "Shropshire" in err
    assert not (tmp_path / "a.pdf").exists()


def test_role_without_export_rights_is_refused(
    demo_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    os_account: Any,
) -> None:
    store = open_store(demo_path)
    act_as(store, "viewer.cli", "viewer")
    before = audit.count(store)
    store.close()
    os_account("viewer.cli")
    code, _out, err = run(
        capsys,
        "export",
        "profile",
        "--db",
        str(demo_path),
        "--area",
        "Shropshire",
        "--format",
        "pdf",
        "--audience",
        "internal",
        "-o",
        str(tmp_path / "v.pdf"),
    )
    assert code == 5
    assert "may not export" in err and err.count("\n") == 1
    assert not (tmp_path / "v.pdf").exists()
    store = open_store(demo_path)
    assert audit.count(store) == before
    store.close()


def test_partner_types_list_and_replace(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "profile", "partner-types", "--db", str(demo_path), "--json")
    assert code == 0
    assert len(json.loads(out)) == 8
    code, out, err = run(
        capsys,
        "profile",
        "partner-types",
        "--db",
        str(demo_path),
        "--json",
        "--set",
        "health=Health",
        "nca=National Crime Agency",
    )
    assert code == 0, err
    assert json.loads(out) == [
        {"key": "health", "label": "Health"},
        {"key": "nca", "label": "National Crime Agency"},
    ]
    code, out, _ = run(capsys, "profile", "status", "--db", str(demo_path), "--json")
    missing = [m for r in json.loads(out) for m in r["missing"]]
    assert any("National Crime Agency" in m for m in missing)
    assert not any("Probation" in m for m in missing)
    code, _out, err = run(
        capsys, "profile", "partner-types", "--db", str(demo_path), "--set", "oops"
    )
    assert code == 2 and "KEY=LABEL" in err
