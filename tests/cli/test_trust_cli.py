"""The trust commands, run in-process as a new user would type them."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main
from socmap.domain.groups import Nominal
from socmap.services import register
from socmap.store.db import open_store


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    s = open_store(path)
    register.create_nominal(s, Nominal(surname="Clitest", forenames="Ann"))
    s.close()
    return path


def test_users_add_list_set_role(db: Path, capsys: Any) -> None:
    assert run(capsys, "users", "add", "bob", "--role", "viewer", "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "users", "list", "--db", str(db), "--json")
    assert code == 0
    assert {(u["account"], u["role"]) for u in json.loads(out)} == {
        ("analyst.test", "admin"),
        ("bob", "viewer"),
    }
    assert run(capsys, "users", "set-role", "bob", "analyst", "--db", str(db))[0] == 0
    code, _, err = run(capsys, "users", "set-role", "analyst.test", "viewer", "--db", str(db))
    assert code == 2 and "last admin" in err
    code, _, err = run(capsys, "users", "add", "x", "--role", "root", "--db", str(db))
    assert code == 2 and "unknown role 'root'" in err
    assert run(capsys, "users", "remove", "bob", "--db", str(db))[0] == 0


def test_viewer_is_refused_on_the_command_line(
    db: Path, capsys: Any, monkeypatch: Any, os_account: Any
) -> None:
    run(capsys, "users", "add", "vic", "--role", "viewer", "--db", str(db))
    os_account("vic")
    code, _, err = run(capsys, "users", "add", "eve", "--role", "admin", "--db", str(db))
    assert code == 5 and "'vic' (viewer) may not add accounts" in err
    code, _, err = run(
        capsys,
        "review",
        "decide",
        "nominal",
        "1",
        "dispose",
        "--rationale",
        "no longer needed here",
        "--db",
        str(db),
    )
    assert code == 5


def test_audit_verify_head_list_export(db: Path, tmp_path: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "audit", "verify", "--db", str(db))
    assert code == 0 and "intact" in out
    code, head, _ = run(capsys, "audit", "head", "--db", str(db))
    head = head.strip()
    assert code == 0 and head.startswith("2:")
    assert run(capsys, "audit", "verify", "--db", str(db), "--head", head)[0] == 0
    code, out, _ = run(capsys, "audit", "list", "--db", str(db), "--record", "nominal:1", "--json")
    assert code == 0 and [r["action"] for r in json.loads(out)] == ["create"]
    target = tmp_path / "extract.csv"
    code, out, _ = run(capsys, "audit", "export", "--db", str(db), "-o", str(target))
    assert code == 0 and "wrote 2 audit rows" in out
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == ["OFFICIAL-SENSITIVE"] and rows[-1] == ["OFFICIAL-SENSITIVE"]
    assert rows[1][:4] == ["id", "time (UTC)", "person", "action"]
    assert "Clitest" not in target.read_text(encoding="utf-8")  # no values unless asked
    code, out, _ = run(capsys, "audit", "list", "--db", str(db), "--action", "export")
    assert "audit extract of 2 rows" in out
    code, _, err = run(capsys, "audit", "list", "--db", str(db), "--since", "yesterday")
    assert code == 2 and "since" in err


def test_audit_verify_fails_naming_the_row(db: Path, capsys: Any) -> None:
    con = sqlite3.connect(db)
    con.executescript("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'x' WHERE id = 2")
    con.close()
    code, out, _ = run(capsys, "audit", "verify", "--db", str(db))
    assert code == 1 and "row 2" in out


def test_demo_verifies_and_fails_after_any_single_row_change(demo_path: Path, capsys: Any) -> None:
    assert run(capsys, "audit", "verify", "--db", str(demo_path))[0] == 0
    con = sqlite3.connect(demo_path)
    n = con.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    con.close()
    for row in range(1, n + 1):
        copy = demo_path.with_name(f"copy{row}.db")
        src, dst = sqlite3.connect(demo_path), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.executescript(
            "DROP TRIGGER audit_no_update;"
            f"UPDATE audit SET summary = summary || '.' WHERE id = {row}"
        )
        dst.close()
        code, out, _ = run(capsys, "audit", "verify", "--db", str(copy))
        assert code == 1 and f"row {row}:" in out


def test_review_queue_and_decide(db: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "review", "queue", "--db", str(db), "--json")
    assert code == 0 and [(i["entity"], i["id"]) for i in json.loads(out)] == [("nominal", 1)]
    code, _, err = run(
        capsys,
        "review",
        "decide",
        "nominal",
        "1",
        "retain",
        "--rationale",
        "active in a mapped group",
        "--db",
        str(db),
    )
    assert code == 2 and "next review date" in err
    code, out, _ = run(
        capsys,
        "review",
        "decide",
        "nominal",
        "1",
        "retain",
        "--until",
        "2099-01-01",
        "--rationale",
        "active in a mapped group",
        "--db",
        str(db),
    )
    assert code == 2  # more than ten years ahead
    code, out, _ = run(
        capsys,
        "review",
        "decide",
        "nominal",
        "1",
        "dispose",
        "--rationale",
        "no continuing policing purpose",
        "--db",
        str(db),
    )
    assert code == 0 and "disposed of" in out
    assert b"Clitest" not in db.read_bytes()
    assert run(capsys, "review", "queue", "--db", str(db))[0] == 0
    assert run(capsys, "review", "compact", "--db", str(db))[0] == 0


def test_backup_and_restore(db: Path, tmp_path: Path, capsys: Any) -> None:
    out_file = tmp_path / "backup.db"
    code, out, _ = run(capsys, "backup", "--db", str(db), "-o", str(out_file))
    assert code == 0 and "checked" in out
    code, out, _ = run(capsys, "restore", "--db", str(db), str(out_file), "--check-only")
    assert code == 0 and "whole socmap database" in out
    code, out, _ = run(capsys, "restore", "--db", str(db), str(out_file))
    assert code == 0 and "kept at" in out
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    before = db.read_bytes()
    code, _, err = run(capsys, "restore", "--db", str(db), str(garbage))
    assert code == 6 and "backup refused" in err and "nothing was changed" in err
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "case",
    [
        "summary changed",
        "row deleted",
        "row inserted in the middle",
        "rows reordered",
        "last row deleted",
        "values changed",
    ],
)
def test_verify_command_names_the_row_for_each_kind_of_tampering(
    tmp_path: Path, capsys: Any, case: str
) -> None:
    import importlib.util

    from socmap.domain.groups import Ocg

    # the same tampering cases as the store-level tests (loaded by path: tests is no package)
    spec = importlib.util.spec_from_file_location(
        "audit_tamper_cases", Path(__file__).parents[1] / "store" / "test_audit_tamper.py"
    )
    assert spec is not None and spec.loader is not None
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)

    path = tmp_path / "t.db"
    s = open_store(path)
    for i in range(4):
        register.create_ocg(s, Ocg(name=f"Group {i}"))
    for i in range(3):
        register.create_nominal(s, Nominal(surname=f"Person{i}"))
    s.close()
    assert run(capsys, "audit", "verify", "--db", str(path))[0] == 0
    sql, bad_row = cases.CASES[case]
    cases.shell(path, sql)
    code, out, _ = run(capsys, "audit", "verify", "--db", str(path))
    assert code == 1 and f"broken at row {bad_row}:" in out
