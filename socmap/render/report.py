"""A small flowing page-layout engine for marked reports (profiles, briefings), drawn with QPainter.

A report is a list of plain blocks (headings, paragraphs, tables, figures, page breaks) and an
optional cover. :func:`render_pdf` flows them onto A4 pages of a QPdfWriter: text is real text,
tables break between rows and repeat their header row, figures are drawn by a callback (vector
in the PDF), and every page carries the protective marking centred in its header and footer.
The same blocks feed the DOCX writer, so both formats hold the same content.

QtGui only (no widgets): it runs headless under the offscreen platform.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
)

from socmap.render.qt import ensure_gui_app

FONT_FAMILY = "DejaVu Sans"
INK = QColor("#1b1b1b")
MUTED = QColor("#5a5a5a")
ACCENT = QColor("#1f3a5f")
FLAG = QColor("#a01818")
RULE = QColor("#b9c2cc")
HEADER_FILL = QColor("#e4e9f0")
FLAG_FILL = QColor("#fbe9e9")
STRIPE_FILL = QColor("#f6f7f9")


# ------------------------------------------------------------------------------- blocks


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
    """A drawing: ``draw(painter, rect)`` paints into ``rect`` (vector in a PDF).

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


# ------------------------------------------------------------------------------ helpers


def _font(size: float, *, bold: bool = False, italic: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPointSizeF(size)
    f.setBold(bold)
    f.setItalic(italic)
    return f


STYLES: dict[str, tuple[float, bool, bool, QColor]] = {
    "body": (9.5, False, False, INK),
    "note": (9.0, False, True, MUTED),
    "meta": (8.0, False, False, MUTED),
    "warning": (9.5, True, False, FLAG),
    "cell": (8.0, False, False, INK),
    "cell_head": (8.0, True, False, INK),
    "h1": (15.0, True, False, ACCENT),
    "h2": (11.5, True, False, ACCENT),
    "caption": (8.5, True, False, MUTED),
    "marking": (9.0, True, False, INK),
}


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


# ------------------------------------------------------------------------------- engine


class _Flow:
    """Lays blocks onto pages; with ``painter`` None it only measures (to count pages)."""

    MARGIN_X = 50.0
    TOP = 62.0
    BOTTOM = 56.0

    def __init__(
        self,
        report: Report,
        device: QPaintDevice,
        page: QSizeF,
        painter: QPainter | None,
        new_page: Callable[[], object],
        total_pages: int = 0,
        wrap_cache: dict[tuple[str, str, float], list[str]] | None = None,
    ) -> None:
        self.r = report
        self.device = device
        self.page_w = page.width()
        self.page_h = page.height()
        self.p = painter
        self._new_page = new_page
        self.total = total_pages
        self.page_no = 1
        self.y = self.TOP
        self.x0 = self.MARGIN_X
        self.width = self.page_w - 2 * self.MARGIN_X
        self.bottom = self.page_h - self.BOTTOM
        self._metrics: dict[str, QFontMetricsF] = {}
        self._fonts: dict[str, QFont] = {}
        # both passes (measure, paint) wrap the same texts: wrap each once
        self._wraps = wrap_cache if wrap_cache is not None else {}

    def wrapped(self, text: str, style: str, width: float) -> list[str]:
        key = (text, style, round(width, 2))
        lines = self._wraps.get(key)
        if lines is None:
            lines = self._wraps[key] = wrap(text, self.fm(style), width)
        return lines

    # -- fonts
    def font(self, style: str) -> QFont:
        if style not in self._fonts:
            size, bold, italic, _c = STYLES[style]
            self._fonts[style] = _font(size, bold=bold, italic=italic)
        return self._fonts[style]

    def fm(self, style: str) -> QFontMetricsF:
        if style not in self._metrics:
            self._metrics[style] = QFontMetricsF(self.font(style), self.device)
        return self._metrics[style]

    def line_h(self, style: str) -> float:
        return self.fm(style).height() * 1.18

    # -- pages
    def decorate(self) -> None:
        """Header and footer: the marking centred top and bottom, title, page number."""
        if self.p is None:
            return
        p = self.p
        marking = self.r.marking
        p.setFont(self.font("marking"))
        p.setPen(INK)
        p.drawText(QRectF(0, 18, self.page_w, 16), Qt.AlignmentFlag.AlignHCenter, marking)
        p.drawText(
            QRectF(0, self.page_h - 30, self.page_w, 16), Qt.AlignmentFlag.AlignHCenter, marking
        )
        p.setFont(self.font("meta"))
        p.setPen(MUTED)
        p.drawText(QRectF(self.x0, 36, self.width, 14), Qt.AlignmentFlag.AlignLeft, self.r.title)
        page_text = f"Page {self.page_no} of {self.total}" if self.total else f"Page {self.page_no}"
        p.drawText(QRectF(self.x0, 36, self.width, 14), Qt.AlignmentFlag.AlignRight, page_text)
        p.setPen(QPen(RULE, 0.6))
        p.drawLine(QPointF(self.x0, 51), QPointF(self.x0 + self.width, 51))
        p.drawLine(
            QPointF(self.x0, self.page_h - 44), QPointF(self.x0 + self.width, self.page_h - 44)
        )
        if self.r.footer_note:
            p.setPen(MUTED)
            p.setFont(self.font("meta"))
            p.drawText(
                QRectF(self.x0, self.page_h - 42, self.width, 12),
                Qt.AlignmentFlag.AlignHCenter,
                self.r.footer_note,
            )

    def next_page(self) -> None:
        self._new_page() if self.p is not None else None
        self.page_no += 1
        self.y = self.TOP
        self.decorate()

    def need(self, h: float) -> None:
        """Start a new page unless ``h`` more points fit on this one."""
        if self.y + h > self.bottom and self.y > self.TOP + 1:
            self.next_page()

    # -- primitives
    def text_line(self, text: str, style: str, x: float, y: float, w: float) -> None:
        if self.p is None:
            return
        self.p.setFont(self.font(style))
        self.p.setPen(STYLES[style][3])
        self.p.drawText(QRectF(x, y, w, self.line_h(style)), Qt.AlignmentFlag.AlignLeft, text)

    # -- blocks
    def heading(self, b: Heading, keep: float = 0.0) -> None:
        style = "h1" if b.level <= 1 else "h2"
        gap = 14.0 if b.level <= 1 else 8.0
        lines = self.wrapped(b.text, style, self.width)
        # keep the heading on the page with the start of what follows it
        self.need(gap + len(lines) * self.line_h(style) + max(keep, 3 * self.line_h("body")))
        if self.y > self.TOP + 1:
            self.y += gap
        for line in lines:
            self.text_line(line, style, self.x0, self.y, self.width)
            self.y += self.line_h(style)
        if b.level <= 1 and self.p is not None:
            self.p.setPen(QPen(ACCENT, 1.0))
            self.p.drawLine(QPointF(self.x0, self.y + 1), QPointF(self.x0 + self.width, self.y + 1))
        self.y += 5.0

    def paragraph(self, b: Paragraph, *, indent: float = 0.0, bullet: bool = False) -> None:
        style = b.style if b.style in STYLES else "body"
        lh = self.line_h(style)
        bw = 10.0 if bullet else 0.0
        lines = self.wrapped(b.text, style, self.width - indent - bw)
        for k, line in enumerate(lines):
            self.need(lh)
            if bullet and k == 0:
                self.text_line("•", style, self.x0 + indent, self.y, bw)
            self.text_line(line, style, self.x0 + indent + bw, self.y, self.width - indent - bw)
            self.y += lh
        self.y += 4.0

    def bullets(self, b: Bullets) -> None:
        for item in b.items:
            self.paragraph(Paragraph(item, b.style), indent=6.0, bullet=True)

    def table(self, t: Table) -> None:
        ncol = len(t.headers) if t.headers else (len(t.rows[0]) if t.rows else 0)
        if ncol == 0:
            return
        pad = 3.5
        cols = self.column_widths(t, ncol, pad)
        cell_lh = self.line_h("cell")

        def row_lines(cells: Sequence[str], style: str) -> list[list[str]]:
            return [
                self.wrapped(str(c), style, cols[i] - 2 * pad)
                for i, c in enumerate(list(cells)[:ncol])
            ]

        def draw_row(
            cells: Sequence[str], style: str, fill: QColor | None, ink: QColor | None
        ) -> None:
            lines = row_lines(cells, style)
            h = max(len(ls) for ls in lines) * cell_lh + 2 * pad
            if self.p is not None:
                x = self.x0
                if fill is not None:
                    self.p.fillRect(QRectF(self.x0, self.y, self.width, h), fill)
                self.p.setPen(QPen(RULE, 0.5))
                self.p.drawLine(
                    QPointF(self.x0, self.y + h), QPointF(self.x0 + self.width, self.y + h)
                )
                for i, ls in enumerate(lines):
                    cell_style = "cell_head" if (t.key_value and i == 0) else style
                    self.p.setFont(self.font(cell_style))
                    self.p.setPen(ink or STYLES[cell_style][3])
                    for k, line in enumerate(ls):
                        self.p.drawText(
                            QRectF(x + pad, self.y + pad + k * cell_lh, cols[i] - 2 * pad, cell_lh),
                            Qt.AlignmentFlag.AlignLeft,
                            line,
                        )
                    x += cols[i]
            self.y += h

        def header() -> None:
            if t.key_value or not t.headers:
                return
            draw_row(t.headers, "cell_head", HEADER_FILL, None)

        def row_h(cells: Sequence[str]) -> float:
            return max(len(ls) for ls in row_lines(cells, "cell")) * cell_lh + 2 * pad

        head_h = 0.0 if t.key_value or not t.headers else row_h(t.headers)
        first_h = row_h(t.rows[0]) if t.rows else 0.0
        cap_lines = self.wrapped(t.caption, "caption", self.width) if t.caption else []
        cap_h = len(cap_lines) * self.line_h("caption")
        self.need(cap_h + head_h + first_h + 2)
        for line in cap_lines:
            self.text_line(line, "caption", self.x0, self.y, self.width)
            self.y += self.line_h("caption")
        if self.p is not None:
            self.p.setPen(QPen(RULE, 0.8))
            self.p.drawLine(QPointF(self.x0, self.y), QPointF(self.x0 + self.width, self.y))
        header()
        for k, cells in enumerate(t.rows):
            h = row_h(cells)
            if self.y + h > self.bottom:
                self.next_page()
                if self.p is not None:
                    self.p.setPen(QPen(RULE, 0.8))
                    self.p.drawLine(QPointF(self.x0, self.y), QPointF(self.x0 + self.width, self.y))
                header()
            flagged = k < len(t.flagged) and t.flagged[k]
            fill = FLAG_FILL if flagged else (STRIPE_FILL if k % 2 else None)
            draw_row(cells, "cell", fill, FLAG if flagged else None)
        self.y += 8.0

    def column_widths(self, t: Table, ncol: int, pad: float) -> list[float]:
        """Each column at least as wide as its longest word; the rest shared by weight."""
        weights = list(t.widths) if len(t.widths) == ncol else [1.0] * ncol
        total = sum(weights)
        need = [0.0] * ncol
        for style, rows in (("cell_head", (t.headers,)), ("cell", t.rows)):
            fm = self.fm(style)
            for row in rows:
                for i, cell in enumerate(list(row)[:ncol]):
                    for word in str(cell).split():
                        need[i] = max(need[i], fm.horizontalAdvance(word) + 2 * pad + 1)
        cap = self.width * 0.4  # a very long token may still break, rather than squeeze the rest
        need = [min(n, cap) for n in need]
        spare = self.width - sum(need)
        if spare <= 0:
            return [self.width * n / sum(need) for n in need]
        return [n + spare * w / total for n, w in zip(need, weights, strict=True)]

    def min_height(self, b: Block) -> float:
        """The least of ``b`` that must fit for a heading above it not to be left alone."""
        if isinstance(b, Paragraph):
            n = min(
                2, len(self.wrapped(b.text, b.style if b.style in STYLES else "body", self.width))
            )
            return n * self.line_h(b.style if b.style in STYLES else "body") + 4
        if isinstance(b, Table) and b.rows:
            cap = self.line_h("caption") if b.caption else 0.0
            return cap + 3 * (self.line_h("cell") + 7) + 8
        if isinstance(b, Figure):
            return min(self.width * b.aspect, self.bottom - self.TOP - 20)
        if isinstance(b, Bullets):
            return self.line_h(b.style) * min(2, len(b.items))
        return 0.0

    def figure(self, f: Figure) -> None:
        h = self.width * f.aspect
        cap_lines = self.wrapped(f.caption, "note", self.width) if f.caption else []
        cap_h = len(cap_lines) * self.line_h("note")
        max_h = self.bottom - self.TOP - cap_h - 4
        if h > max_h:
            h = max_h
        self.need(h + cap_h + 4)
        w = h / f.aspect if f.aspect else self.width
        rect = QRectF(self.x0 + (self.width - w) / 2, self.y, w, h)
        if self.p is not None:
            self.p.save()
            self.p.setClipRect(rect)
            f.draw(self.p, rect)
            self.p.restore()
            self.p.setPen(QPen(RULE, 0.6))
            self.p.drawRect(rect)
        self.y += h + 3
        for line in cap_lines:
            self.text_line(line, "note", self.x0, self.y, self.width)
            self.y += self.line_h("note")
        self.y += 6.0

    def cover(self, c: Cover) -> None:
        y = self.page_h * 0.2
        if self.p is not None:
            self.p.fillRect(QRectF(self.x0, y - 10, 6, 110), ACCENT)
        title_font = _font(24, bold=True)
        for line in wrap(c.title, QFontMetricsF(title_font, self.device), self.width - 24):
            if self.p is not None:
                self.p.setFont(title_font)
                self.p.setPen(ACCENT)
                self.p.drawText(QRectF(self.x0 + 20, y, self.width - 20, 34), line)
            y += 34
        if c.subtitle:
            if self.p is not None:
                self.p.setFont(_font(14))
                self.p.setPen(INK)
                self.p.drawText(QRectF(self.x0 + 20, y + 4, self.width - 20, 24), c.subtitle)
            y += 30
        y += 40
        if self.p is not None:
            box = QRectF(self.x0, y, self.width, 34)
            self.p.setPen(QPen(INK, 1.4))
            self.p.drawRect(box)
            self.p.setFont(_font(13, bold=True))
            self.p.drawText(box, Qt.AlignmentFlag.AlignCenter, self.r.marking)
        self.y = y + 54
        if c.details:
            self.table(Table((), tuple(c.details), widths=(1, 2.6), key_value=True))
        if c.notice:
            self.y += 6
            self.paragraph(Paragraph(c.notice, "note"))
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
            elif isinstance(b, PageBreak) and self.y > self.TOP + 1:
                self.next_page()


def render_pdf(report: Report, path: str | Path) -> int:
    """Write ``report`` as an A4 PDF at ``path``; returns the number of pages.

    The marking goes in the header and footer of every page and in the file's title and XMP
    metadata.
    """
    ensure_gui_app()
    writer = QPdfWriter(str(path))
    writer.setResolution(72)  # one device unit = one point; text and drawings stay vector
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    writer.setTitle(f"{report.title} [{report.marking}]")
    writer.setCreator(report.author)
    writer.setAuthor(report.author)
    writer.setDocumentXmpMetadata(_xmp(report))
    rect = writer.pageLayout().fullRectPoints()
    page = QSizeF(rect.width(), rect.height())
    # first pass: count pages so that headers can say "Page n of N"
    cache: dict[tuple[str, str, float], list[str]] = {}
    dry = _Flow(report, writer, page, None, lambda: None, wrap_cache=cache)
    dry.run()
    painter = QPainter(writer)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        flow = _Flow(
            report, writer, page, painter, writer.newPage, total_pages=dry.page_no, wrap_cache=cache
        )
        flow.run()
        pages = flow.page_no
    finally:
        painter.end()
    return pages


def _xmp(report: Report) -> bytes:
    from xml.sax.saxutils import escape

    title = escape(report.title)
    marking = escape(report.marking)
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<rdf:Description rdf:about="">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
        f'<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{marking}</rdf:li></rdf:Alt></dc:rights>'
        f"<dc:subject><rdf:Bag><rdf:li>{marking}</rdf:li></rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


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
