"""Reading and exporting the audit trail: who may, and what an extract holds."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.errors import PermissionDenied, ValidationError
from socmap.domain.groups import Ocg
from socmap.services import audit_trail, register
from socmap.services.audit_trail import AuditFilter
from socmap.store import audit
from tests.conftest import act_as


def test_filters(store: Any) -> None:
    register.create_ocg(store, Ocg(name="One"))
    register.create_ocg(store, Ocg(name="Two"))
    today = dt.date.today()
    assert len(audit_trail.entries(store, AuditFilter(entity="ocg"))) == 2
    assert [
        r.entity_id for r in audit_trail.entries(store, AuditFilter(entity="ocg", entity_id="2"))
    ] == ["2"]
    assert len(audit_trail.entries(store, AuditFilter(since=today, until=today))) == 3
    assert audit_trail.entries(store, AuditFilter(until=today - dt.timedelta(days=1))) == []
    assert audit_trail.entries(store, AuditFilter(person="nobody")) == []
    assert audit_trail.people(store) == ["analyst.test"]
    assert audit_trail.actions(store) == ["create"]
    with pytest.raises(ValidationError, match="until"):
        audit_trail.entries(store, AuditFilter(since=today, until=today - dt.timedelta(days=1)))


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_reading_needs_a_supervisor(store: Any, role: str, tmp_path: Path) -> None:
    act_as(store, "someone", role)
    before = audit.count(store)
    with pytest.raises(PermissionDenied):
        audit_trail.entries(store, AuditFilter())
    with pytest.raises(PermissionDenied):
        audit_trail.export_extract(store, AuditFilter(), tmp_path / "x.csv")
    assert audit.count(store) == before and not (tmp_path / "x.csv").exists()
    assert audit_trail.verify(store) is None  # anyone may verify


def test_extract_defuses_formulas_and_carries_values_on_request(store: Any, tmp_path: Path) -> None:
    act_as(store, "=HYPERLINK(1)", "admin")  # an account name a spreadsheet would run
    register.create_ocg(store, Ocg(name="Formula crew"))
    out = tmp_path / "x.csv"
    n, _ = audit_trail.export_extract(store, AuditFilter(), out, include_payload=True)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert n == 2 and rows[1][-1] == "values"
    assert "'=HYPERLINK(1)" in [row[2] for row in rows if len(row) > 2]
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert any("Formula crew" in cell for row in rows for cell in row)
    row = audit.rows(store, limit=1)[0]
    assert row.action == "export" and "with values" in row.summary
    with pytest.raises(ValidationError, match="folder"):
        audit_trail.export_extract(store, AuditFilter(), tmp_path)
    with pytest.raises(ValidationError, match="does not exist"):
        audit_trail.export_extract(store, AuditFilter(), tmp_path / "no" / "x.csv")
