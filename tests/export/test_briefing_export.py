"""Briefing exports: files, marking top and bottom and in metadata, audiences, audit, roles."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from socmap.domain.errors import NotFoundError, PermissionDenied, ValidationError
from socmap.export.briefing import export_briefing
from socmap.services import briefing
from socmap.store import audit, map_rows
from tests.pdf_text import pdf_info, pdf_text, pdf_xmp

MARK = "OFFICIAL-SENSITIVE"
AREA = "South Worcestershire"

# exports draw with Qt: use pytest-qt's QApplication so that the headless QGuiApplication the
# export would create never blocks widget tests later in the same run
pytestmark = pytest.mark.usefixtures("qapp")


def page_lines(text: str) -> list[list[str]]:
    return [
        [ln.strip() for ln in page.splitlines() if ln.strip()]
        for page in text.split("\f")
        if page.strip()
    ]


def surnames(store) -> set[str]:  # type: ignore[no-untyped-def]
    """Surnames of the demo's people (made up never to be a word of a place the map prints)."""
    return {r[0] for r in store.conn.execute("SELECT surname FROM nominals")}


def test_pdf_for_one_area_has_real_text_and_the_marking_top_and_bottom(
    demo_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "brief.pdf"
    result = export_briefing(demo_store, output=out, fmt="pdf", audience="internal", areas=[AREA])
    assert result.files == (out,) and out.stat().st_size > 10_000
    pages = page_lines(pdf_text(out))
    assert len(pages) == 1
    lines = pages[0]
    assert lines[0] == MARK and lines[-1] == MARK
    text = " ".join(lines)
    # the area's own intelligence and every other record type (issue 13)
    area_intel = demo_store.conn.execute(
        "SELECT MAX(reported_on) FROM intel WHERE area_id = (SELECT id FROM areas WHERE name = ?)",
        [AREA],
    ).fetchone()[0]
    latest = max(area_intel, map_rows.latest_record_date(demo_store, with_intel=False))
    assert f"data current to {latest}" in text
    for needle in (
        f"Organised crime briefing: {AREA}",
        "Groups active in this area",
        "What to look out for",
        "How to submit intelligence",
    ):
        assert needle in text
    # internal: group names are shown, ranked
    top = briefing.briefing_content(demo_store, area_name=AREA, audience="internal").rows[0]
    # (a long name wraps inside its table cell: look for its reference and each of its words)
    assert top.name and top.ref in text and all(w in text for w in top.name.split())
    info = pdf_info(out)
    assert MARK in re.search(r"Title:\s+(.*)", info).group(1)  # type: ignore[union-attr]
    meta = pdf_xmp(out)
    assert f"<socmap:ProtectiveMarking>{MARK}</socmap:ProtectiveMarking>" in meta
    assert "<pdf:Keywords>" in meta


def test_all_areas_make_an_atlas_with_one_marked_page_per_area(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "atlas.pdf"
    result = export_briefing(demo_store, output=out, fmt="pdf", audience="neighbourhood")
    names = briefing.area_names(demo_store)
    assert result.pages == len(names) == 5
    pages = page_lines(pdf_text(out))
    assert len(pages) == 5
    for name, lines in zip(names, pages, strict=True):
        assert lines[0] == MARK and lines[-1] == MARK
        assert f"Organised crime briefing: {name}" in " ".join(lines)
    rows = audit.rows(demo_store, action="export")
    assert len(rows) == 1 and "briefing atlas" in rows[0].summary


@pytest.mark.parametrize("audience", ["partner", "neighbourhood"])
def test_shared_versions_carry_no_nominal_identity(
    demo_store, tmp_path: Path, audience: str
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{audience}.pdf"
    export_briefing(demo_store, output=out, fmt="pdf", audience=audience)
    words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", pdf_text(out, layout=False)))
    assert words.isdisjoint(surnames(demo_store))
    internal = tmp_path / "internal.pdf"
    export_briefing(demo_store, output=internal, fmt="pdf", audience="internal", areas=[AREA])
    internal_words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", pdf_text(internal, layout=False)))
    assert not internal_words.isdisjoint(surnames(demo_store))  # the check can fail


def test_partner_content_leaves_out_restricted_intel_and_home_addresses(demo_store) -> None:  # type: ignore[no-untyped-def]
    internal = briefing.briefing_content(demo_store, area_name=AREA, audience="internal")
    partner = briefing.briefing_content(demo_store, area_name=AREA, audience="partner")
    assert partner.intel_shown < internal.intel_shown
    assert all(r.name is None for r in partner.rows)
    assert all("base" not in r.locations for r in partner.rows)
    assert any("base" in r.locations for r in internal.rows)
    assert partner.lookouts[-1].startswith("Exploited children")


def test_png_has_marking_in_text_chunks(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "brief.png"
    export_briefing(demo_store, output=out, fmt="png", audience="neighbourhood", areas=[AREA])
    img = QImage(str(out))
    assert not img.isNull() and img.width() > 2000 and img.width() > img.height()
    assert img.text("Protective marking") == MARK
    assert MARK in img.text("Title") and AREA in img.text("Title")
    # the marking bands are dark text on white, centred at the top and the bottom
    for y0, y1 in ((0, 78), (img.height() - 78, img.height())):
        dark = [
            x
            for x in range(0, img.width(), 2)
            for y in range(y0, y1, 3)
            if img.pixelColor(x, y).lightness() < 60
        ]
        assert dark, "no marking text found"
        centre = (min(dark) + max(dark)) / 2
        assert abs(centre - img.width() / 2) < img.width() * 0.02


def test_svg_has_real_text_title_desc_and_metadata(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "brief.svg"
    export_briefing(demo_store, output=out, fmt="svg", audience="partner", areas=[AREA])
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert MARK in root.find(f"{ns}title").text  # type: ignore[union-attr,operator]
    assert MARK in root.find(f"{ns}desc").text  # type: ignore[union-attr,operator]
    assert root.find(f"{ns}metadata") is not None
    texts = [(t.text or "").strip() for t in root.iter(f"{ns}text")]
    assert texts.count(MARK) == 2
    assert any("Groups active in this area" in t for t in texts)
    words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", " ".join(texts)))
    assert words.isdisjoint(surnames(demo_store))


def test_svg_for_all_areas_writes_one_file_per_area(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = export_briefing(demo_store, output=tmp_path / "b.svg", fmt="svg", audience="partner")
    assert len(result.files) == 5 and all(p.exists() for p in result.files)
    assert len(audit.rows(demo_store, action="export")) == 5


def test_every_export_writes_an_audit_row(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    before = audit.count(demo_store)
    out = tmp_path / "brief.svg"
    export_briefing(demo_store, output=out, fmt="svg", audience="neighbourhood", areas=[AREA])
    assert audit.count(demo_store) == before + 1
    row = audit.rows(demo_store, action="export")[0]
    assert row.entity == "briefing" and row.actor == demo_store.actor
    assert "neighbourhood" in row.summary and MARK in row.summary
    # the file's name (user text: it may name a person) is in the payload disposal can scrub,
    # never in the hash-chained summary (issue 12)
    assert "brief.svg" not in row.summary
    payload = json.loads(row.payload or "{}")
    assert payload["audience"] == "neighbourhood" and payload["marking"] == MARK
    assert payload["file"] == "brief.svg" and len(payload["sha256"]) == 64
    assert audit.verify_chain(demo_store) is None


def test_viewer_may_not_export(viewer_demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = audit.count(viewer_demo_store)
    out = tmp_path / "brief.pdf"
    with pytest.raises(PermissionDenied):
        export_briefing(viewer_demo_store, output=out, fmt="pdf", audience="partner", areas=[AREA])
    assert not out.exists()
    assert audit.count(viewer_demo_store) == before


def test_bad_requests_are_refused_plainly(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(NotFoundError, match="no area called"):
        export_briefing(
            demo_store, output=tmp_path / "x.pdf", fmt="pdf", audience="partner", areas=["Atlantis"]
        )
    with pytest.raises(ValidationError, match="SECRET"):
        export_briefing(
            demo_store,
            output=tmp_path / "x.pdf",
            fmt="pdf",
            audience="partner",
            areas=[AREA],
            marking="SECRET",
        )
    with pytest.raises(ValidationError, match="needs a reason"):
        export_briefing(
            demo_store,
            output=tmp_path / "x.pdf",
            fmt="pdf",
            audience="partner",
            areas=[AREA],
            marking="OFFICIAL",
        )
    with pytest.raises(ValidationError, match="format"):
        export_briefing(
            demo_store, output=tmp_path / "x.doc", fmt="doc", audience="partner", areas=[AREA]
        )
    assert not list(tmp_path.iterdir())
    assert audit.rows(demo_store, action="export") == []


def test_lowered_marking_with_reason_is_printed_and_recorded(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "o.pdf"
    export_briefing(
        demo_store,
        output=out,
        fmt="pdf",
        audience="partner",
        areas=[AREA],
        marking="OFFICIAL",
        marking_reason="public meeting pack",
        submit_text="Ring the desk on 101.",
    )
    lines = page_lines(pdf_text(out))[0]
    assert lines[0] == "OFFICIAL" and lines[-1] == "OFFICIAL"
    assert "Ring the desk on 101." in " ".join(lines)
    assert "public meeting pack" in (audit.rows(demo_store, action="export")[0].payload or "")
