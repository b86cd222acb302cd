"""No lost updates between two editors on the server: a versioned row is written only while it
still holds the version the editor read (compare and set), so the second of two concurrent
saves over the same version is a conflict, never a silent overwrite.

Found by the server load benchmark: on PostgreSQL (READ COMMITTED) two saves could both pass
the "is it still version N?" read, and the second UPDATE, after waiting for the first's row
lock, overwrote it (both reported version N+1 saved).
"""

from __future__ import annotations

import ast
import dataclasses
import re
import threading
import time
from pathlib import Path

import pytest

from socmap.domain.errors import ConflictError
from socmap.domain.groups import Nominal, Ocg
from socmap.services import register
from socmap.store import groups
from socmap.store.db import open_store

STORE = Path(__file__).resolve().parents[2] / "socmap" / "store"
#: Versioned tables whose editors carry no version (last save wins, each on the audit trail with
#: what it replaced), and why. Making one optimistic means its domain record carries the version.
NOT_OPTIMISTIC: dict[str, str] = {}
_UPDATE = re.compile(r"\bUPDATE\s+\"?(\w+)\"?\s+SET\b(.*)", re.IGNORECASE | re.DOTALL)


def _sql_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_every_versioned_update_is_compare_and_set() -> None:
    """Discovers every UPDATE in the store that sets a ``version`` column: its WHERE must name
    the version read (``version = ?``)."""
    found, unsafe = [], []
    tables: set[str] = set()
    for path in sorted(STORE.glob("*.py")):
        if path.name in {"migrations.py", "pg_schema.py"}:
            continue
        for line, text in _sql_literals(path):
            match = _UPDATE.search(text)
            if not match:
                continue
            body = match.group(2)
            parts = re.split(r"\bWHERE\b", body, maxsplit=1, flags=re.IGNORECASE)
            sets, where = parts[0], parts[1] if len(parts) > 1 else ""
            if not re.search(r"(^|[\s,])version\s*=", sets):
                continue
            found.append(f"{path.name}:{line}")
            tables.add(match.group(1))
            if match.group(1) in NOT_OPTIMISTIC:
                continue
            if not re.search(r"\bversion\s*=\s*\?", where):
                unsafe.append(f"{path.name}:{line} UPDATE {match.group(1)}")
    assert found, "no versioned UPDATE found: the discovery is broken"
    # the discovery sees the records people edit side by side
    assert {"ocgs", "nominals", "partners", "profiles", "at_risk"} <= tables
    assert not unsafe, f"versioned UPDATEs that can overwrite a newer save: {unsafe}"


@pytest.mark.parametrize("kind", ["ocg", "nominal"])
def test_two_concurrent_saves_over_one_version_one_conflicts(server_url: str, kind: str) -> None:
    first, second = open_store(server_url), open_store(server_url)
    if kind == "ocg":
        record, _ = register.create_ocg(first, Ocg(name="Race crew"))
        update = groups.update_ocg
        table = "ocgs"
    else:
        record, _ = register.create_nominal(first, Nominal(surname="Race", forenames="Ann"))
        update = groups.update_nominal
        table = "nominals"
    base = record.version
    outcome: list[object] = []

    def second_editor() -> None:
        try:
            with second.atomic():
                update(second, dataclasses.replace(record, notes="second"), expected_version=base)
            outcome.append("saved")
        except ConflictError as exc:
            outcome.append(exc)

    try:
        with first.atomic():
            update(first, dataclasses.replace(record, notes="first"), expected_version=base)
            thread = threading.Thread(target=second_editor)
            thread.start()
            time.sleep(0.5)  # the second has read version `base` and waits for the row lock
        thread.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
        row = first.conn.execute(
            f"SELECT notes, version FROM {table} WHERE id = ?", [record.id]
        ).fetchone()
        assert tuple(row) == ("first", base + 1)  # the first save stands, nothing overwrote it
    finally:
        first.close()
        second.close()
