"""The one page engine for the documents socmap exports (briefings and profiles): QPainter, QtGui only.

Sizes are given in millimetres and points and converted for the device's resolution
(:class:`PageGeometry`), so the same code writes a 300 dpi PDF, a 200 dpi PNG and a 96 dpi SVG.
One set of primitives (:class:`PageCanvas`: one font without ligatures, one word wrap, one table,
the protective marking) serves two layouts:

- fixed layout on one page, drawn directly with a PageCanvas (briefings);
- a :class:`Report` of blocks (headings, paragraphs, tables, figures, page breaks, a cover)
  flowed onto A4 pages by :func:`render_pdf` (profiles): tables break between rows and repeat
  their header row, and every page carries the marking centred in its header and footer.

Text is always drawn with ``drawText`` so that PDF and SVG output holds real, searchable text;
ligatures are switched off so that extracted text reads "fi", never U+FB01. Every PDF carries
its marking in its title and XMP metadata (:func:`pdf_writer`, :func:`xmp_packet`).

QtGui only (no widgets): it runs headless under the offscreen platform.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from socmap import __version__
from socmap.render.qt import ensure_gui_app

FONT_FAMILY = "DejaVu Sans"
INK = QColor("#1d2733")
MUTED = QColor("#5b6875")
RULE = QColor("#c9d1d9")
ACCENT = QColor("#12355b")
MARKING_INK = QColor("#000000")
ZEBRA = QColor("#f3f5f7")
FLAG = QColor("#a01818")
FLAG_FILL = QColor("#fbe9e9")
HEADER_FILL = QColor("#e4e9f0")
WHITE = QColor("white")

A4_LANDSCAPE_MM = (297.0, 210.0)
A4_PORTRAIT_MM = (210.0, 297.0)
#: The resolution PDFs are written at (device units per inch).
PDF_DPI = 300.0


# ------------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class PageGeometry:
    """A page's size in device pixels and the device's resolution (dots per inch)."""

    width_px: float
    height_px: float
    dpi: float

    @staticmethod
    def from_mm(width_mm: float, height_mm: float, dpi: float) -> PageGeometry:
        """A page of ``width_mm`` x ``height_mm`` at ``dpi``."""
        return PageGeometry(width_mm / 25.4 * dpi, height_mm / 25.4 * dpi, dpi)

    def mm(self, v: float) -> float:
        """Millimetres to device pixels."""
        return v / 25.4 * self.dpi

    def pt(self, v: float) -> float:
        """Points (1/72 inch) to device pixels."""
        return v / 72.0 * self.dpi

    def rect_mm(self, x: float, y: float, w: float, h: float) -> QRectF:
        """A rectangle given in millimetres from the page's top-left corner."""
        return QRectF(self.mm(x), self.mm(y), self.mm(w), self.mm(h))


# ----------------------------------------------------------------------------- text


def font(pixels: float, *, bold: bool = False, italic: bool = False) -> QFont:
    """The documents' font at ``pixels`` device pixels, without ligatures."""
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(1, round(pixels)))
    f.setBold(bold)
    f.setItalic(italic)
    # no ligatures: extracted text (search, screen readers) must read 'fi', not U+FB01
    f.setFeature(QFont.Tag("liga"), 0)
    return f


def wrap(text: str, fm: QFontMetricsF, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (explicit newlines kept)."""
    lines: list[str] = []
    for para in text.split("\n"):
        words = para.split(" ")
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if fm.horizontalAdvance(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            # a single word longer than the line: break it by characters
            while fm.horizontalAdvance(word) > width and len(word) > 1:
                cut = len(word)
                while cut > 1 and fm.horizontalAdvance(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@dataclass(frozen=True)
class TableStyle:
    """How a table looks: the header row's fill and ink, and the stripe on every other row."""

    header_fill: QColor = field(default_factory=lambda: QColor(ACCENT))
    header_ink: QColor = field(default_factory=lambda: QColor(WHITE))
    stripe: QColor = field(default_factory=lambda: QColor(ZEBRA))
    pad_mm: float = 1.2


#: Briefings: a dark header row with white text.
BRIEFING_TABLE = TableStyle()
#: Reports: a light header row, wider padding.
REPORT_TABLE = TableStyle(header_fill=QColor(HEADER_FILL), header_ink=QColor(INK), pad_mm=1.25)


class PageCanvas:
    """Layout primitives drawing onto one page of a painter (``painter`` None: measure only)."""

    def __init__(
        self,
        painter: QPainter | None,
        geometry: PageGeometry,
        *,
        wrap_cache: dict[tuple[str, int, bool, bool, float], list[str]] | None = None,
    ) -> None:
        self.painter = painter
        self.g = geometry
        self._fonts: dict[tuple[float, bool, bool], QFont] = {}
        self._metrics: dict[tuple[float, bool, bool], QFontMetricsF] = {}
        self._wraps = wrap_cache if wrap_cache is not None else {}

    # -- text
    def font(self, pt: float, *, bold: bool = False, italic: bool = False) -> QFont:
        """A font of ``pt`` points on this device."""
        key = (pt, bold, italic)
        if key not in self._fonts:
            self._fonts[key] = font(self.g.pt(pt), bold=bold, italic=italic)
        return self._fonts[key]

    def fm(self, pt: float, *, bold: bool = False, italic: bool = False) -> QFontMetricsF:
        """Metrics of :meth:`font` (pixel-sized fonts: the same on every device)."""
        key = (pt, bold, italic)
        if key not in self._metrics:
            self._metrics[key] = QFontMetricsF(self.font(pt, bold=bold, italic=italic))
        return self._metrics[key]

    def line_height(self, pt: float, *, bold: bool = False, leading: float = 1.0) -> float:
        """The height of one line of ``pt`` text (``leading`` times the font's height)."""
        return self.fm(pt, bold=bold).height() * leading

    def lines(
        self, text: str, pt: float, width: float, *, bold: bool = False, italic: bool = False
    ) -> list[str]:
        """``text`` wrapped to ``width`` pixels (each text wrapped once per width)."""
        key = (text, self.font(pt, bold=bold).pixelSize(), bold, italic, round(width, 2))
        found = self._wraps.get(key)
        if found is None:
            found = self._wraps[key] = wrap(text, self.fm(pt, bold=bold, italic=italic), width)
        return found

    def text_width(self, text: str, pt: float, *, bold: bool = False) -> float:
        """Width of ``text`` on one line."""
        return self.fm(pt, bold=bold).horizontalAdvance(text)

    def text_height(
        self, width: float, text: str, pt: float, *, bold: bool = False, leading: float = 1.0
    ) -> float:
        """Height that ``text`` wrapped to ``width`` pixels takes."""
        return len(self.lines(text, pt, width, bold=bold)) * self.line_height(
            pt, bold=bold, leading=leading
        )

    def text(
        self,
        rect: QRectF,
        text: str,
        pt: float,
        *,
        bold: bool = False,
        italic: bool = False,
        colour: QColor = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        wrap: bool = True,
        leading: float = 1.0,
    ) -> float:
        """Draw ``text`` in ``rect`` (top-aligned, wrapped); returns the height used."""
        lines = self.lines(text, pt, rect.width(), bold=bold, italic=italic) if wrap else [text]
        lh = self.line_height(pt, bold=bold, leading=leading)
        p = self.painter
        if p is not None:
            p.setFont(self.font(pt, bold=bold, italic=italic))
            p.setPen(colour)
            flags = int(align | Qt.AlignmentFlag.AlignTop)
            for k, line in enumerate(lines):
                p.drawText(QRectF(rect.x(), rect.y() + k * lh, rect.width(), lh), flags, line)
        used = len(lines) * lh
        return min(used, rect.height()) if rect.height() > 0 else used

    # -- blocks used by fixed layouts
    def heading(self, x: float, y: float, width: float, text: str, pt: float = 11.5) -> float:
        """A section heading with a rule under it; returns the height used."""
        h = self.text(QRectF(x, y, width, self.g.pt(pt) * 2), text, pt, bold=True, colour=ACCENT)
        y2 = y + h + self.g.mm(0.8)
        if self.painter is not None:
            self.painter.setPen(QPen(ACCENT, self.g.mm(0.35)))
            self.painter.drawLine(QPointF(x, y2), QPointF(x + width, y2))
        return h + self.g.mm(2.2)

    def bullets(
        self, x: float, y: float, width: float, items: Sequence[str], pt: float, *, bottom: float
    ) -> float:
        """A bulleted list, stopping before ``bottom``; returns the height used."""
        indent = self.g.mm(4)
        cy = y
        for item in items:
            h = self.text_height(width - indent, item, pt)
            if cy + h > bottom:
                break
            if self.painter is not None:
                self.painter.setBrush(ACCENT)
                self.painter.setPen(Qt.PenStyle.NoPen)
                r = self.g.mm(0.8)
                self.painter.drawEllipse(
                    QPointF(x + self.g.mm(1.5), cy + self.g.pt(pt) * 0.62), r, r
                )
            self.text(QRectF(x + indent, cy, width - indent, h + 2), item, pt)
            cy += h + self.g.mm(1.2)
        return cy - y

    def column_widths(
        self,
        width: float,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        weights: Sequence[float],
        pt: float,
        *,
        fit_words: bool,
        pad: float,
    ) -> list[float]:
        """Column widths by ``weights``; with ``fit_words`` each column is first made as wide
        as its longest word, and only the rest is shared by weight."""
        ncol = len(headers) if headers else (len(rows[0]) if rows else 0)
        weights = list(weights) if len(weights) == ncol else [1.0] * ncol
        total = sum(weights)
        if not fit_words:
            return [width * w / total for w in weights]
        need = [0.0] * ncol
        for bold, body in ((True, (headers,)), (False, rows)):
            fm = self.fm(pt, bold=bold)
            for row in body:
                for i, cell in enumerate(list(row)[:ncol]):
                    for word in str(cell).split():
                        need[i] = max(need[i], fm.horizontalAdvance(word) + 2 * pad + 1)
        cap = width * 0.4  # a very long token may still break, rather than squeeze the rest
        need = [min(n, cap) for n in need]
        spare = width - sum(need)
        if spare <= 0:
            return [width * n / sum(need) for n in need]
        return [n + spare * w / total for n, w in zip(need, weights, strict=True)]

    def table(
        self,
        x: float,
        y: float,
        width: float,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        pt: float,
        *,
        bottom: float,
        style: TableStyle = BRIEFING_TABLE,
        flagged: Sequence[bool] = (),
        key_value: bool = False,
        fit_words: bool = False,
        first_row: int = 0,
        at_least_one: bool = False,
        leading: float = 1.0,
    ) -> tuple[float, int]:
        """A table with a header row (none when ``key_value``: the first column is bold) and
        striped rows from ``rows[first_row:]``, stopping before ``bottom``.

        ``flagged`` rows are drawn in red. With ``at_least_one``, one row is drawn even when
        it does not fit (a row taller than a page). Returns (height used, rows drawn).
        """
        ncol = len(headers) if headers else (len(rows[0]) if rows else 0)
        if ncol == 0:
            return 0.0, 0
        pad = self.g.mm(style.pad_mm)
        cols = self.column_widths(width, headers, rows, widths, pt, fit_words=fit_words, pad=pad)
        p = self.painter

        def cell_lines(cells: Sequence[str], bold: bool) -> list[list[str]]:
            return [
                self.lines(str(c), pt, cols[i] - 2 * pad, bold=bold or (key_value and i == 0))
                for i, c in enumerate(list(cells)[:ncol])
            ]

        lh = self.line_height(pt, leading=leading)

        def draw_row(
            cy: float, cells: Sequence[str], bold: bool, fill: QColor | None, ink: QColor | None
        ) -> float:
            lines = cell_lines(cells, bold)
            h = max(len(ls) for ls in lines) * lh + 2 * pad
            if p is None:
                return h
            if fill is not None:
                p.fillRect(QRectF(x, cy, width, h), fill)
            cx = x
            for i, ls in enumerate(lines):
                b = bold or (key_value and i == 0)
                cell_ink = ink or (style.header_ink if bold and not key_value else INK)
                self.text(
                    QRectF(cx + pad, cy + pad, cols[i] - 2 * pad, h),
                    "\n".join(ls),
                    pt,
                    bold=b,
                    colour=cell_ink,
                    leading=leading,
                )
                cx += cols[i]
            p.setPen(QPen(RULE, self.g.mm(0.2)))
            p.drawLine(QPointF(x, cy + h), QPointF(x + width, cy + h))
            return h

        cy = y
        if headers and not key_value:
            cy += draw_row(cy, headers, True, style.header_fill, None)
        drawn = 0
        for k in range(first_row, len(rows)):
            cells = rows[k]
            h = max(len(ls) for ls in cell_lines(cells, False)) * lh + 2 * pad
            if cy + h > bottom and not (at_least_one and drawn == 0):
                break
            is_flagged = k < len(flagged) and flagged[k]
            fill = FLAG_FILL if is_flagged else (style.stripe if k % 2 == 1 else None)
            cy += draw_row(cy, cells, False, fill, FLAG if is_flagged else None)
            drawn += 1
        return cy - y, drawn

    def boxed_text(self, rect: QRectF, title: str, body: str, pt: float) -> float:
        """A tinted box with a bold title and wrapped body text; returns the height used."""
        pad = self.g.mm(2.5)
        inner = rect.width() - 2 * pad
        th = self.text_height(inner, title, pt + 1.5, bold=True)
        bh = self.text_height(inner, body, pt)
        h = min(rect.height(), th + bh + 2 * pad + self.g.mm(1))
        p = self.painter
        if p is not None:
            p.setPen(QPen(ACCENT, self.g.mm(0.3)))
            p.setBrush(QColor("#eaf1f8"))
            p.drawRoundedRect(
                QRectF(rect.x(), rect.y(), rect.width(), h), self.g.mm(1.5), self.g.mm(1.5)
            )
        self.text(
            QRectF(rect.x() + pad, rect.y() + pad, inner, th + 2),
            title,
            pt + 1.5,
            bold=True,
            colour=ACCENT,
        )
        self.text(
            QRectF(rect.x() + pad, rect.y() + pad + th + self.g.mm(1), inner, bh + 2), body, pt
        )
        return h

    def marking(
        self, marking: str, *, margin_mm: float = 4.0, pt: float = 12.0
    ) -> tuple[float, float]:
        """The protective marking centred at the top and the bottom of the page.

        Returns (y below the top marking, y above the bottom marking).
        """
        g = self.g
        h = g.pt(pt) * 1.6
        top = QRectF(0, g.mm(margin_mm), g.width_px, h)
        bottom = QRectF(0, g.height_px - g.mm(margin_mm) - h, g.width_px, h)
        for r in (top, bottom):
            self.text(
                r,
                marking,
                pt,
                bold=True,
                colour=MARKING_INK,
                align=Qt.AlignmentFlag.AlignHCenter,
                wrap=False,
            )
        return top.bottom(), bottom.top()

    def footer(self, y: float, left: str, right: str, *, margin_mm: float, pt: float = 7.0) -> None:
        """Small print at ``y``: ``left`` aligned left, ``right`` aligned right."""
        g = self.g
        x0, w = g.mm(margin_mm), g.width_px - 2 * g.mm(margin_mm)
        rect = QRectF(x0, y, w, g.pt(pt) * 1.6)
        if self.painter is not None:
            self.painter.setPen(QPen(RULE, g.mm(0.25)))
            self.painter.drawLine(QPointF(x0, y - g.mm(0.8)), QPointF(x0 + w, y - g.mm(0.8)))
        self.text(rect, left, pt, colour=MUTED, wrap=False)
        right = self.fm(pt).elidedText(right, Qt.TextElideMode.ElideMiddle, w * 0.62)
        self.text(rect, right, pt, colour=MUTED, align=Qt.AlignmentFlag.AlignRight, wrap=False)

    def pill(self, right_x: float, y: float, text: str, pt: float, colour: QColor) -> QRectF:
        """A rounded label ending at ``right_x``; returns its rectangle."""
        fm = self.fm(pt, bold=True)
        pad = self.g.mm(2)
        w = fm.horizontalAdvance(text) + 2 * pad
        h = fm.height() + self.g.mm(1.4)
        r = QRectF(right_x - w, y, w, h)
        if self.painter is not None:
            self.painter.setPen(Qt.PenStyle.NoPen)
            self.painter.setBrush(colour)
            self.painter.drawRoundedRect(r, h / 2, h / 2)
        self.text(
            QRectF(r.x(), r.y() + self.g.mm(0.7), w, h),
            text,
            pt,
            bold=True,
            colour=QColor("white"),
            align=Qt.AlignmentFlag.AlignHCenter,
            wrap=False,
        )
        return r


# ---------------------------------------------------------------------------- metadata


def xmp_packet(title: str, description: str, marking: str, keywords: Sequence[str]) -> bytes:
    """The XMP metadata of an exported document: title, description, marking, keywords."""
    e = html.escape
    kw = "".join(f"<rdf:li>{e(k)}</rdf:li>" for k in keywords)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:socmap="https://socmap.invalid/ns/1.0/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(description)}</rdf:li></rdf:Alt></dc:description>'
        f'<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{e(marking)}</rdf:li></rdf:Alt></dc:rights>'
        f"<dc:subject><rdf:Bag>{kw}</rdf:Bag></dc:subject>"
        f"<pdf:Keywords>{e(', '.join(keywords))}</pdf:Keywords>"
        f"<pdf:Producer>socmap {__version__}</pdf:Producer>"
        f"<xmp:CreatorTool>socmap {__version__}</xmp:CreatorTool>"
        f"<socmap:ProtectiveMarking>{e(marking)}</socmap:ProtectiveMarking>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def pdf_writer(
    path: str | Path,
    *,
    title: str,
    marking: str,
    description: str = "",
    keywords: Sequence[str] = (),
    author: str = "",
    landscape: bool = False,
) -> tuple[QPdfWriter, PageGeometry]:
    """An A4 PDF writer at :data:`PDF_DPI` whose title and XMP metadata carry the marking."""
    ensure_gui_app()
    writer = QPdfWriter(str(path))
    writer.setResolution(int(PDF_DPI))
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle(f"{title} [{marking}]")
    writer.setCreator(f"socmap {__version__}")
    if author:
        writer.setAuthor(author)
    writer.setDocumentXmpMetadata(
        xmp_packet(title, description or title, marking, [marking, "socmap", *keywords])
    )
    return writer, PageGeometry(float(writer.width()), float(writer.height()), PDF_DPI)


# ------------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 starts a numbered section, level 2 a subsection."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Wrapped text. ``style`` is ``body``, ``note`` (muted italic), ``meta`` (small muted)
    or ``warning`` (emphasised)."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]
    style: str = "body"


@dataclass(frozen=True)
class Table:
    """A table; breaks between rows and repeats the header row on each page."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    flagged: tuple[bool, ...] = ()
    caption: str = ""
    #: A key-value table: no header row, first column bold.
    key_value: bool = False


@dataclass(frozen=True)
class Figure:
    """A drawing: ``draw(painter, rect)`` paints into ``rect``, given in points (vector in a PDF).

    ``aspect`` is height / width.
    """

    draw: Callable[[QPainter, QRectF], None]
    aspect: float = 0.75
    caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Paragraph | Bullets | Table | Figure | PageBreak


@dataclass(frozen=True)
class Cover:
    """The cover page: title, subtitle, marking box and a key-value table."""

    title: str
    subtitle: str = ""
    details: tuple[tuple[str, str], ...] = ()
    notice: str = ""


@dataclass
class Report:
    """A whole report."""

    title: str
    marking: str
    blocks: list[Block] = field(default_factory=list)
    cover: Cover | None = None
    author: str = "socmap"
    footer_note: str = ""
    description: str = ""
    #: The date the report was produced (the export date written into file metadata).
    produced: dt.date | None = None


#: Report text styles: (points, bold, italic, colour).
STYLES: dict[str, tuple[float, bool, bool, QColor]] = {
    "body": (9.5, False, False, INK),
    "note": (9.0, False, True, MUTED),
    "meta": (8.0, False, False, MUTED),
    "warning": (9.5, True, False, FLAG),
    "cell": (8.0, False, False, INK),
    "h1": (15.0, True, False, ACCENT),
    "h2": (11.5, True, False, ACCENT),
    "caption": (8.5, True, False, MUTED),
}
LEADING = 1.18


class _Flow:
    """Lays report blocks onto pages; with no painter it only measures (to count pages).

    Layout constants are in points; ``self.u`` converts them to device pixels.
    """

    MARGIN_X = 50.0
    TOP = 62.0
    BOTTOM = 56.0

    def __init__(
        self,
        report: Report,
        geometry: PageGeometry,
        painter: QPainter | None,
        new_page: Callable[[], object],
        *,
        total_pages: int = 0,
        wrap_cache: dict[tuple[str, int, bool, bool, float], list[str]] | None = None,
    ) -> None:
        self.r = report
        self.g = geometry
        self.c = PageCanvas(painter, geometry, wrap_cache=wrap_cache)
        self.p = painter
        self.u = geometry.pt(1.0)
        self._new_page = new_page
        self.total = total_pages
        self.page_no = 1
        self.top = self.TOP * self.u
        self.y = self.top
        self.x0 = self.MARGIN_X * self.u
        self.width = geometry.width_px - 2 * self.x0
        self.bottom = geometry.height_px - self.BOTTOM * self.u

    def style(self, name: str) -> tuple[float, bool, bool, QColor]:
        return STYLES.get(name, STYLES["body"])

    def line_h(self, name: str) -> float:
        pt, bold, _i, _c = self.style(name)
        return self.c.line_height(pt, bold=bold, leading=LEADING)

    def wrapped(self, text: str, name: str, width: float) -> list[str]:
        pt, bold, italic, _c = self.style(name)
        return self.c.lines(text, pt, width, bold=bold, italic=italic)

    def text_line(self, text: str, name: str, x: float, y: float, w: float) -> None:
        pt, bold, italic, colour = self.style(name)
        self.c.text(
            QRectF(x, y, w, self.line_h(name)),
            text,
            pt,
            bold=bold,
            italic=italic,
            colour=colour,
            wrap=False,
        )

    # -- pages
    def decorate(self) -> None:
        """Header and footer: the marking centred top and bottom, title, page number."""
        if self.p is None:
            return
        u, c, p = self.u, self.c, self.p
        c.marking(self.r.marking, margin_mm=18 * 25.4 / 72, pt=9.0)
        head = QRectF(self.x0, 36 * u, self.width, 14 * u)
        page_text = f"Page {self.page_no} of {self.total}" if self.total else f"Page {self.page_no}"
        c.text(head, self.r.title, 8.0, colour=MUTED, wrap=False)
        c.text(head, page_text, 8.0, colour=MUTED, align=Qt.AlignmentFlag.AlignRight, wrap=False)
        p.setPen(QPen(RULE, 0.6 * u))
        p.drawLine(QPointF(self.x0, 51 * u), QPointF(self.x0 + self.width, 51 * u))
        foot_y = self.g.height_px - 44 * u
        p.drawLine(QPointF(self.x0, foot_y), QPointF(self.x0 + self.width, foot_y))
        if self.r.footer_note:
            c.text(
                QRectF(self.x0, foot_y + 2 * u, self.width, 12 * u),
                self.r.footer_note,
                8.0,
                colour=MUTED,
                align=Qt.AlignmentFlag.AlignHCenter,
                wrap=False,
            )

    def next_page(self) -> None:
        if self.p is not None:
            self._new_page()
        self.page_no += 1
        self.y = self.top
        self.decorate()

    def need(self, h: float) -> None:
        """Start a new page unless ``h`` more pixels fit on this one."""
        if self.y + h > self.bottom and self.y > self.top + 1:
            self.next_page()

    # -- blocks
    def heading(self, b: Heading, keep: float = 0.0) -> None:
        name = "h1" if b.level <= 1 else "h2"
        gap = (14.0 if b.level <= 1 else 8.0) * self.u
        lines = self.wrapped(b.text, name, self.width)
        # keep the heading on the page with the start of what follows it
        self.need(gap + len(lines) * self.line_h(name) + max(keep, 3 * self.line_h("body")))
        if self.y > self.top + 1:
            self.y += gap
        for line in lines:
            self.text_line(line, name, self.x0, self.y, self.width)
            self.y += self.line_h(name)
        if b.level <= 1 and self.p is not None:
            self.p.setPen(QPen(ACCENT, 1.0 * self.u))
            y = self.y + self.u
            self.p.drawLine(QPointF(self.x0, y), QPointF(self.x0 + self.width, y))
        self.y += 5.0 * self.u

    def paragraph(self, b: Paragraph, *, indent: float = 0.0, bullet: bool = False) -> None:
        lh = self.line_h(b.style)
        bw = 10.0 * self.u if bullet else 0.0
        lines = self.wrapped(b.text, b.style, self.width - indent - bw)
        for k, line in enumerate(lines):
            self.need(lh)
            if bullet and k == 0:
                self.text_line("•", b.style, self.x0 + indent, self.y, bw)
            self.text_line(line, b.style, self.x0 + indent + bw, self.y, self.width - indent - bw)
            self.y += lh
        self.y += 4.0 * self.u

    def bullets(self, b: Bullets) -> None:
        for item in b.items:
            self.paragraph(Paragraph(item, b.style), indent=6.0 * self.u, bullet=True)

    def rule(self) -> None:
        if self.p is not None:
            self.p.setPen(QPen(RULE, 0.8 * self.u))
            self.p.drawLine(QPointF(self.x0, self.y), QPointF(self.x0 + self.width, self.y))

    def table(self, t: Table) -> None:
        if not t.headers and not t.rows:
            return
        pt = STYLES["cell"][0]

        def draw(first: int, *, bottom: float, at_least_one: bool = False) -> tuple[float, int]:
            return self.c.table(
                self.x0,
                self.y,
                self.width,
                t.headers,
                t.rows,
                t.widths,
                pt,
                bottom=bottom,
                style=REPORT_TABLE,
                flagged=t.flagged,
                key_value=t.key_value,
                fit_words=True,
                first_row=first,
                at_least_one=at_least_one,
                leading=LEADING,
            )

        cap_lines = self.wrapped(t.caption, "caption", self.width) if t.caption else []
        cap_h = len(cap_lines) * self.line_h("caption")
        # the caption, the header and the first row stay together (measured, not drawn)
        saved, self.c.painter = self.c.painter, None
        start_h, _n = draw(0, bottom=float("-inf"), at_least_one=True)
        self.c.painter = saved
        self.need(cap_h + start_h + 2 * self.u)
        for line in cap_lines:
            self.text_line(line, "caption", self.x0, self.y, self.width)
            self.y += self.line_h("caption")
        first = 0
        while True:
            self.rule()
            fresh = self.y <= self.top + 1
            used, drawn = draw(first, bottom=self.bottom, at_least_one=fresh)
            self.y += used
            first += drawn
            if first >= len(t.rows):
                break
            self.next_page()
        self.y += 8.0 * self.u

    def min_height(self, b: Block) -> float:
        """The least of ``b`` that must fit for a heading above it not to be left alone."""
        if isinstance(b, Paragraph):
            n = min(2, len(self.wrapped(b.text, b.style, self.width)))
            return n * self.line_h(b.style) + 4 * self.u
        if isinstance(b, Table) and b.rows:
            cap = self.line_h("caption") if b.caption else 0.0
            return cap + 3 * (self.line_h("cell") + 7 * self.u) + 8 * self.u
        if isinstance(b, Figure):
            return min(self.width * b.aspect, self.bottom - self.top - 20 * self.u)
        if isinstance(b, Bullets):
            return self.line_h(b.style) * min(2, len(b.items))
        return 0.0

    def figure(self, f: Figure) -> None:
        h = self.width * f.aspect
        cap_lines = self.wrapped(f.caption, "note", self.width) if f.caption else []
        cap_h = len(cap_lines) * self.line_h("note")
        max_h = self.bottom - self.top - cap_h - 4 * self.u
        h = min(h, max_h)
        self.need(h + cap_h + 4 * self.u)
        w = h / f.aspect if f.aspect else self.width
        rect = QRectF(self.x0 + (self.width - w) / 2, self.y, w, h)
        if self.p is not None:
            self.p.save()
            self.p.setClipRect(rect)
            # the figure draws in points, as on a 72 dpi page
            self.p.translate(rect.x(), rect.y())
            self.p.scale(self.u, self.u)
            f.draw(self.p, QRectF(0, 0, w / self.u, h / self.u))
            self.p.restore()
            self.p.setPen(QPen(RULE, 0.6 * self.u))
            self.p.setBrush(Qt.BrushStyle.NoBrush)
            self.p.drawRect(rect)
        self.y += h + 3 * self.u
        for line in cap_lines:
            self.text_line(line, "note", self.x0, self.y, self.width)
            self.y += self.line_h("note")
        self.y += 6.0 * self.u

    def cover(self, cv: Cover) -> None:
        u = self.u
        y = self.g.height_px * 0.2
        if self.p is not None:
            self.p.fillRect(QRectF(self.x0, y - 10 * u, 6 * u, 110 * u), ACCENT)
        title_w = self.width - 24 * u
        for line in self.c.lines(cv.title, 24.0, title_w, bold=True):
            self.c.text(
                QRectF(self.x0 + 20 * u, y, title_w, 34 * u),
                line,
                24.0,
                bold=True,
                colour=ACCENT,
                wrap=False,
            )
            y += 34 * u
        if cv.subtitle:
            self.c.text(
                QRectF(self.x0 + 20 * u, y + 4 * u, self.width - 20 * u, 24 * u),
                cv.subtitle,
                14.0,
                wrap=False,
            )
            y += 30 * u
        y += 40 * u
        if self.p is not None:
            box = QRectF(self.x0, y, self.width, 34 * u)
            self.p.setPen(QPen(INK, 1.4 * u))
            self.p.setBrush(Qt.BrushStyle.NoBrush)
            self.p.drawRect(box)
            lh = self.c.line_height(13.0, bold=True)
            self.c.text(
                QRectF(box.x(), box.y() + (box.height() - lh) / 2, box.width(), lh),
                self.r.marking,
                13.0,
                bold=True,
                align=Qt.AlignmentFlag.AlignHCenter,
                wrap=False,
            )
        self.y = y + 54 * u
        if cv.details:
            self.table(Table((), tuple(cv.details), widths=(1, 2.6), key_value=True))
        if cv.notice:
            self.y += 6 * u
            self.paragraph(Paragraph(cv.notice, "note"))
        self.next_page()

    def run(self) -> None:
        self.decorate()
        if self.r.cover is not None:
            self.cover(self.r.cover)
        blocks = self.r.blocks
        for k, b in enumerate(blocks):
            if isinstance(b, Heading):
                # keep with the next block, and with a table or figure right after a lead-in
                following = []
                for nxt in blocks[k + 1 : k + 3]:
                    if isinstance(nxt, Heading | PageBreak):
                        break
                    following.append(nxt)
                    if not isinstance(nxt, Paragraph):
                        break
                self.heading(b, keep=sum(self.min_height(x) for x in following))
            elif isinstance(b, Paragraph):
                self.paragraph(b)
            elif isinstance(b, Bullets):
                self.bullets(b)
            elif isinstance(b, Table):
                self.table(b)
            elif isinstance(b, Figure):
                self.figure(b)
            elif isinstance(b, PageBreak) and self.y > self.top + 1:
                self.next_page()


def render_pdf(report: Report, path: str | Path) -> int:
    """Write ``report`` as an A4 PDF at ``path``; returns the number of pages.

    The marking goes in the header and footer of every page and in the file's title and XMP
    metadata.
    """
    writer, g = pdf_writer(
        path,
        title=report.title,
        marking=report.marking,
        description=report.description,
        author=report.author,
    )
    # first pass: count pages so that headers can say "Page n of N"
    cache: dict[tuple[str, int, bool, bool, float], list[str]] = {}
    dry = _Flow(report, g, None, lambda: None, wrap_cache=cache)
    dry.run()
    painter = QPainter(writer)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        flow = _Flow(report, g, painter, writer.newPage, total_pages=dry.page_no, wrap_cache=cache)
        flow.run()
        pages = flow.page_no
    finally:
        painter.end()
    return pages


def figure_png(fig: Figure, width_px: int = 1600) -> bytes:
    """Rasterise a figure to PNG bytes (for formats that cannot hold vector drawings)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    ensure_gui_app()
    h = max(1, int(width_px * fig.aspect))
    img = QImage(width_px, h, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    fig.draw(p, QRectF(0, 0, width_px, h))
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")  # type: ignore[call-overload]  # stubs say bytes; runtime wants str
    buf.close()
    return bytes(data.data())
