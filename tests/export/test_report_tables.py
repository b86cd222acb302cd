"""socmap export due | compliance | what-works: XLSX/CSV of the schedule and the disruption log.

Read back with openpyxl: the marking heads the sheet, is its page header and footer and the
workbook's subject; the rows are the service's; the handling policy decides which groups a
partner or neighbourhood version lists (as for the register export) and names appear only for
the internal audience; text cells are neutralised against formula injection.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from socmap.cli import main
from socmap.domain.vocab import Marking
from socmap.services import disruptions, handling, queries, reassessment, register
from socmap.store import audit, groups
from socmap.store.db import open_store
from tests.conftest import DEMO_AS_OF

AS_OF = dt.date.fromisoformat(DEMO_AS_OF)
KINDS = ("due", "compliance", "what-works")
AUDIENCES = ("internal", "neighbourhood", "partner")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _export(
    capsys: pytest.CaptureFixture[str], kind: str, db: Path, out: Path, audience: str
) -> str:
    extra = [] if kind == "what-works" else ["--as-of", DEMO_AS_OF]
    code, stdout, err = run(capsys, "export", kind, "--db", str(db), "--audience", audience,
                            "-o", str(out), *extra)  # fmt: skip
    assert code == 0, err
    return stdout


def _sheet_rows(path: Path) -> tuple[object, list[tuple[object, ...]]]:
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    return wb, [tuple(r) for r in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_is_marked_audited_and_holds_the_services_rows(
    kind: str, audience: str, demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{kind}.xlsx"
    _export(capsys, kind, demo_path, out, audience)
    wb, rows = _sheet_rows(out)
    ws = wb.active  # type: ignore[attr-defined]
    marking = wb.properties.subject  # type: ignore[attr-defined]
    assert marking == "OFFICIAL-SENSITIVE"
    banner = rows[0][0]
    assert isinstance(banner, str) and banner.startswith(marking) and audience in banner
    assert rows[-1][0] == banner
    assert ws.oddHeader.center.text == banner and ws.oddFooter.center.text == banner
    with zipfile.ZipFile(out) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()

    store = open_store(demo_path)
    try:
        body = [r for r in rows[2:-1] if r[1] is not None]  # notes have one cell
        if kind == "due":
            report = reassessment.schedule(store, today=AS_OF)
            markings = {r.id: r.marking for r in queries.register(store, with_schedule=False)}
            allowed = [
                r for r in report.rows
                if handling.may_share(audience=audience, marking=markings[r.ocg_id],
                                      is_intelligence=False).allowed
            ]  # fmt: skip
            assert [r[0] for r in body] == sorted(
                [r.ref for r in allowed], key=[b[0] for b in body].index
            )
            assert len(body) == len(allowed)
            names = {r.name for r in report.rows}
            cells = {c for r in rows for c in r if isinstance(c, str)}
            if audience == "internal":
                assert {r.name for r in allowed} <= cells
            else:
                assert not names & cells  # references only outside the intelligence function
            if len(allowed) < len(report.rows):
                assert any("withheld" in str(r[0]) for r in rows)
            # most urgent first
            order = [r[7] for r in body]
            assert order == sorted(order, key=["Overdue", "Never assessed", "Due soon",
                                               "In date"].index)  # fmt: skip
        elif kind == "compliance":
            report = reassessment.schedule(store, today=AS_OF)
            assert [r[0] for r in body[:-1]] == [c.area for c in report.compliance]
            assert [r[1] for r in body[:-1]] == [c.active for c in report.compliance]
            assert body[-1][0] == "All areas"
            assert body[-1][1] == sum(c.active for c in report.compliance)
        else:
            found = disruptions.what_works(store)
            assert [(r[0], r[1], r[3]) for r in body] == [
                (w.strand, w.tactic_label, w.count) for w in found
            ]
        entry = audit.rows(store, entity=kind.replace("-", "_"), limit=1)[0]
        import hashlib

        assert hashlib.sha256(out.read_bytes()).hexdigest() in str(entry)
    finally:
        store.close()


def test_a_group_named_like_a_formula_is_text_in_xlsx_and_csv(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(demo_path)
    try:
        due = reassessment.schedule(store, today=AS_OF).rows[0]
        g = groups.get_ocg(store, due.ocg_id)
        register.update_ocg(store, dataclasses.replace(g, name='=HYPERLINK("http://evil","x")'))
    finally:
        store.close()
    out = tmp_path / "due.xlsx"
    _export(capsys, "due", demo_path, out, "internal")
    _wb, rows = _sheet_rows(out)
    cells = [c for r in rows for c in r if isinstance(c, str)]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    out_csv = tmp_path / "due.csv"
    _export(capsys, "due", demo_path, out_csv, "internal")
    text = list(csv.reader(out_csv.open(encoding="utf-8-sig")))
    assert any(c == '\'=HYPERLINK("http://evil","x")' for r in text for c in r)


def test_partner_due_list_leaves_out_official_sensitive_groups_and_says_so(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(demo_path)
    try:
        rows = reassessment.schedule(store, today=AS_OF).rows
        first = groups.get_ocg(store, rows[0].ocg_id)
        register.update_ocg(store, dataclasses.replace(first, marking=Marking.OFFICIAL))
        sensitive = sum(
            1 for r in rows if groups.get_ocg(store, r.ocg_id).marking != Marking.OFFICIAL
        )
    finally:
        store.close()
    out = tmp_path / "due.xlsx"
    printed = _export(capsys, "due", demo_path, out, "partner")
    assert f"{sensitive} groups withheld" in printed or sensitive == 0
    _wb, sheet = _sheet_rows(out)
    refs = [r[0] for r in sheet[2:-1] if r[1] is not None]
    assert refs == [rows[0].ref]
    store = open_store(demo_path)
    try:
        entry = audit.rows(store, entity="due", limit=1)[0]
        assert "withheld" in str(entry)
    finally:
        store.close()


def test_format_and_suffix_must_agree(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "export", "compliance", "--db", str(demo_path), "--audience",
                       "internal", "--format", "csv", "-o", str(tmp_path / "c.xlsx"))  # fmt: skip
    assert code == 2 and "contradicts" in err
    assert not (tmp_path / "c.xlsx").exists()
