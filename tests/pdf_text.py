"""PDF text for tests, with pypdf (a `test` extra): nothing skips for want of poppler-utils.

``pdf_pages`` lays each page out like ``pdftotext -layout`` (lines top to bottom), NFKC
normalised (ligatures such as "ﬁ" become "fi") with tabs as spaces; ``pdf_text`` joins the pages
with form feeds as pdftotext does; ``pdf_info`` is the document information as ``pdfinfo``
prints it (``Title: ...``); ``pdf_xmp`` the raw XMP metadata (``pdfinfo -meta``).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pypdf import PdfReader


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\t", " ")


def _page_lines(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The page's visible text as lines, top to bottom, left to right. Text placed outside the
    page (drawn but clipped away, as map labels beyond a frame) is left out, as a viewer and
    pdftotext leave it out."""
    box = page.mediabox
    x0, y0, x1, y1 = float(box.left), float(box.bottom), float(box.right), float(box.top)
    frags: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, _font, _size):  # type: ignore[no-untyped-def]
        if not text.strip():
            return
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1:
            for k, part in enumerate(text.split("\n")):
                if part.strip():
                    frags.append((y - k * 10, x, part))

    page.extract_text(visitor_text=visit)
    frags.sort(key=lambda f: (-f[0], f[1]))
    lines: list[list[tuple[float, float, str]]] = []
    for f in frags:
        if lines and abs(lines[-1][0][0] - f[0]) < 2.5:
            lines[-1].append(f)
        else:
            lines.append([f])
    return [
        _clean("   ".join(p for _y, _x, p in sorted(line, key=lambda g: g[1]))).strip()
        for line in lines
    ]


def pdf_pages(path: Path | str, *, layout: bool = True) -> list[str]:
    """The visible text of each page, in reading order, one string per page (``layout`` is
    accepted for pdftotext compatibility; words keep their order either way)."""
    reader = PdfReader(str(path))
    pages = ["\n".join(_page_lines(p)) for p in reader.pages]
    return [p for p in pages if p.strip()]


def pdf_text(path: Path | str, *, layout: bool = True) -> str:
    """All pages, separated by form feeds."""
    return "\f".join(pdf_pages(path, layout=layout)) + "\f"


def pdf_info(path: Path | str) -> str:
    """Document information as ``Key: value`` lines (Title, Author, Subject, Keywords...)."""
    meta = PdfReader(str(path)).metadata or {}
    return "\n".join(f"{str(k).lstrip('/')}: {v}" for k, v in meta.items()) + "\n"


def pdf_page_count(path: Path | str) -> int:
    """Number of pages."""
    return len(PdfReader(str(path)).pages)


def pdf_xmp(path: Path | str) -> str:
    """The raw XMP metadata packet ('' when there is none)."""
    root = PdfReader(str(path)).trailer["/Root"]
    meta = root.get("/Metadata")
    if meta is None:
        return ""
    return meta.get_object().get_data().decode("utf-8", errors="replace")
