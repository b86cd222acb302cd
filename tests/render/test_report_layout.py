from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter

from socmap.render.page import (
    Bullets,
    Cover,
    Figure,
    Heading,
    PageBreak,
    Paragraph,
    Report,
    Table,
    figure_png,
    render_pdf,
    wrap,
)
from tests.pdf_text import pdf_pages


def pages_of(path: Path) -> list[str]:
    return pdf_pages(path)


def _draw(p: QPainter, r: QRectF) -> None:
    p.fillRect(r.adjusted(10, 10, -10, -10), QColor("#88aacc"))


def test_long_table_breaks_between_rows_and_repeats_its_header(tmp_path: Path) -> None:
    rows = tuple((f"row {i:03d}", "x " * (i % 30), str(i)) for i in range(220))
    report = Report(
        title="Layout test",
        marking="OFFICIAL",
        cover=Cover("A cover", "sub", (("Owner", "someone"),), "notice"),
        blocks=[
            Heading("1. First"),
            Paragraph("word " * 400),
            Bullets(("one", "two")),
            Table(("Name", "Words", "Number"), rows, widths=(1, 3, 1), caption="Big"),
            Figure(_draw, 0.5, "A figure"),
            PageBreak(),
            Heading("2. Last", level=2),
            Paragraph("the end", "note"),
        ],
    )
    out = tmp_path / "t.pdf"
    n = render_pdf(report, out)
    pages = pages_of(out)
    assert len(pages) == n >= 6
    seen: list[int] = []
    for k, text in enumerate(pages, start=1):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        assert lines[0] == "OFFICIAL" and lines[-1] == "OFFICIAL"
        assert f"Page {k} of {n}" in text
        numbers = [int(ln.split()[1]) for ln in lines if ln.startswith("row ")]
        if numbers:
            # every page holding table rows starts them under the header row
            assert "Name" in text and "Number" in text
            seen.extend(numbers)
    assert seen == list(range(220)), "every row once, in order, none split across pages"
    assert "the end" in pages[-1]


def test_wrap_keeps_within_width_and_breaks_long_words() -> None:
    from PySide6.QtGui import QFont, QFontMetricsF

    fm = QFontMetricsF(QFont("DejaVu Sans", 10))
    lines = wrap("short words here and a " + "x" * 200, fm, 120)
    assert all(fm.horizontalAdvance(ln) <= 120 for ln in lines)
    assert "".join(lines).replace(" ", "").endswith("x" * 200)


def test_figure_rasterises_for_docx() -> None:
    data = figure_png(Figure(_draw, 0.5), width_px=200)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
