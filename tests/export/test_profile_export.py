from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from socmap.domain.errors import NotFoundError, PermissionDenied, ValidationError
from socmap.export.profile import export_profile
from socmap.store import audit
from socmap.store import profile_data as q
from tests.conftest import act_as
from tests.pdf_text import pdf_info, pdf_pages

TODAY = dt.date(2026, 11, 1)
AREA = "Telford & Wrekin"


def docx_text(path: Path) -> tuple[str, list[str], list[str]]:
    """(body text incl. tables, header texts, footer texts)."""
    import docx

    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    headers = [p.text for s in d.sections for p in s.header.paragraphs]
    footers = [p.text for s in d.sections for p in s.footer.paragraphs]
    return "\n".join(parts), headers, footers


def test_internal_pdf_is_marked_on_every_page_and_holds_live_data_and_narrative(
    demo_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "tw.pdf"
    before = audit.count(demo_store)
    result = export_profile(
        demo_store, area=AREA, fmt="pdf", audience="internal", path=out, today=TODAY
    )
    assert out.stat().st_size > 10_000
    pages = pdf_pages(out)
    assert len(pages) == result.pages >= 4
    for text in pages:
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE", "marking must head every page"
        assert lines[-1] == "OFFICIAL-SENSITIVE", "marking must foot every page"
    whole = "\n".join(pages)
    cover = pages[0]
    assert "Serious and organised crime local" in cover
    assert "DCI Helen Okafor" in cover and "Review date" in cover
    for heading in ("1. Handling", "2. Key judgements", "3. Threat", "7. 4P action plan"):
        assert heading in whole
    assert "Drugs supply remains the dominant" in whole  # narrative
    assert "OCGs active in the area by band and market" in whole  # live data
    assert "Principals" in whole and "OCG-" in whole
    # live sections wired to the features merged so far: map, graph, disruptions, scoring
    for title in ("Threat map", "Partner graph", "Recent disruptions", "Overdue re-assessments"):
        assert title in whole
    assert "Disruptions in the last twelve months by level claimed" in whole
    assert "Partners serving the area (partner register)" in whole
    assert "is not installed in this version" not in whole  # every source feature has landed
    assert "People at risk (internal version only)" in whole
    info = pdf_info(out)
    assert "OFFICIAL-SENSITIVE" in info  # the marking is in the file's metadata too
    row = audit.rows(demo_store, action="export")[0]
    assert audit.count(demo_store) == before + 1
    assert row.entity == "profile" and "pdf" in row.summary


def test_partner_version_contains_no_nominal_name(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "p.pdf"
    docx_path = tmp_path / "p.docx"
    export_profile(demo_store, area=AREA, fmt="pdf", audience="partner", path=pdf, today=TODAY)
    export_profile(
        demo_store, area=AREA, fmt="docx", audience="partner", path=docx_path, today=TODAY
    )
    internal = tmp_path / "i.pdf"
    export_profile(
        demo_store, area=AREA, fmt="pdf", audience="internal", path=internal, today=TODAY
    )
    surnames = {s.casefold() for s, _f in q.nominal_names(demo_store)}
    words_internal = set(re.findall(r"[A-Za-z][A-Za-z'-]+", "\n".join(pdf_pages(internal))))
    assert surnames & {w.casefold() for w in words_internal}, (
        "the internal version names principals"
    )
    for text in ("\n".join(pdf_pages(pdf)), docx_text(docx_path)[0]):
        words = {w.casefold() for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text)}
        leaked = surnames & words
        assert not leaked, f"nominal surnames in the partner version: {sorted(leaked)[:5]}"
        # the narrative named a principal and a group: not cleared, so not there at all
        flat = " ".join(text.split())
        assert "has not been cleared for partners" in flat
        assert "Forge crew" not in flat and "principal of" not in flat


def test_docx_is_marked_in_every_header_and_footer(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import docx

    out = tmp_path / "tw.docx"
    export_profile(demo_store, area=AREA, fmt="docx", audience="internal", path=out, today=TODAY)
    body, headers, footers = docx_text(out)
    d = docx.Document(str(out))
    assert headers.count("OFFICIAL-SENSITIVE") == len(d.sections)
    assert footers.count("OFFICIAL-SENSITIVE") == len(d.sections)
    for s in d.sections:
        assert s.header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
        assert s.footer.paragraphs[0].text == "OFFICIAL-SENSITIVE"
        assert not s.different_first_page_header_footer
    assert "OFFICIAL-SENSITIVE" in d.core_properties.title
    assert "Drugs supply remains the dominant" in body
    assert "OCGs active in the area by band and market" in body
    assert "Partner coverage" in body
    assert len(d.inline_shapes) == 2  # the threat map and the partner graph, as pictures
    # the header row of long tables repeats on each page Word lays out
    assert any(
        t.rows[0]._tr.trPr is not None and "tblHeader" in t.rows[0]._tr.trPr.xml for t in d.tables
    )


def test_export_errors(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError):
        export_profile(
            demo_store, area="Atlantis", fmt="pdf", audience="internal", path=tmp_path / "x.pdf"
        )
    with pytest.raises(ValidationError):
        export_profile(
            demo_store, area=AREA, fmt="odt", audience="internal", path=tmp_path / "x.odt"
        )
    with pytest.raises(ValidationError):
        export_profile(demo_store, area=AREA, fmt="pdf", audience="press", path=tmp_path / "x.pdf")
    act_as(demo_store, "viewer.test", "viewer")
    before = audit.count(demo_store)
    with pytest.raises(PermissionDenied):
        export_profile(
            demo_store, area=AREA, fmt="pdf", audience="internal", path=tmp_path / "v.pdf"
        )
    assert not (tmp_path / "v.pdf").exists()
    assert audit.count(demo_store) == before


def test_partner_version_carries_the_text_a_supervisor_cleared(demo_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 12, finding 2: only a partner-safe version a person approved reaches partners."""
    from socmap.services import narrative_clearance, profiles

    area = profiles.find_area(demo_store, AREA)
    pv = narrative_clearance.preview(demo_store, area.id, "threat")
    assert {f.kind for f in pv.findings} >= {"name", "group"}
    assert "[[" in pv.highlighted() and "OCG-" in pv.suggested
    with pytest.raises(ValidationError, match="still holds"):
        narrative_clearance.approve(demo_store, area.id, "threat", pv.text)
    safe = "A small number of established groups control supply; violence is used."
    narrative_clearance.approve(demo_store, area.id, "threat", safe)
    assert audit.rows(demo_store, action="clear")[0].summary.startswith("partner-safe text")
    out = tmp_path / "p.docx"
    export_profile(demo_store, area=AREA, fmt="docx", audience="partner", path=out, today=TODAY)
    body = docx_text(out)[0]
    assert safe in body
    assert "Drugs supply remains the dominant" not in body  # key judgements: not cleared
    # a new version of the section is not covered by the old clearance
    sv = profiles.sections(demo_store, area.id)["threat"]
    profiles.save_section(
        demo_store,
        area_id=area.id,
        section="threat",
        html="",
        text=sv.text + " More.",
        owner=sv.owner,
        sources=sv.sources,
        based_on=sv.version,
    )
    export_profile(demo_store, area=AREA, fmt="docx", audience="partner", path=out, today=TODAY)
    assert safe not in docx_text(out)[0]


def test_clearing_needs_a_supervisor(demo_store) -> None:  # type: ignore[no-untyped-def]
    from socmap.services import narrative_clearance, profiles

    area = profiles.find_area(demo_store, AREA)
    act_as(demo_store, "an.analyst", "analyst")
    narrative_clearance.preview(demo_store, area.id, "threat")
    with pytest.raises(PermissionDenied):
        narrative_clearance.approve(demo_store, area.id, "threat", "Groups supply drugs.")
