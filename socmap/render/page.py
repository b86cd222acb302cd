"""Page layout for exported documents (briefings now, profiles later): QPainter, QtGui only.

Sizes are given in millimetres and points and converted for the device's resolution, so the
same layout code writes a 300 dpi PDF, a 200 dpi PNG and a 96 dpi SVG. Text is always drawn
with ``drawText`` so that PDF and SVG output holds real, searchable text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

INK = QColor("#1d2733")
MUTED = QColor("#5b6875")
RULE = QColor("#c9d1d9")
ACCENT = QColor("#12355b")
MARKING_INK = QColor("#000000")
ZEBRA = QColor("#f3f5f7")

A4_LANDSCAPE_MM = (297.0, 210.0)


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


class PageCanvas:
    """Layout helpers drawing onto one page of a painter."""

    def __init__(self, painter: QPainter, geometry: PageGeometry) -> None:
        self.painter = painter
        self.g = geometry

    def font(self, pt: float, *, bold: bool = False, italic: bool = False) -> QFont:
        """A font of ``pt`` points on this device."""
        f = QFont("DejaVu Sans")
        f.setPixelSize(max(1, round(self.g.pt(pt))))
        f.setBold(bold)
        f.setItalic(italic)
        # no ligatures: extracted text (search, screen readers) must read 'fi', not U+FB01
        f.setFeature(QFont.Tag("liga"), 0)
        return f

    def text_width(self, text: str, pt: float, *, bold: bool = False) -> float:
        """Width of ``text`` on one line."""
        return QFontMetricsF(self.font(pt, bold=bold)).horizontalAdvance(text)

    def text_height(self, width: float, text: str, pt: float, *, bold: bool = False) -> float:
        """Height that ``text`` wrapped to ``width`` pixels takes."""
        fm = QFontMetricsF(self.font(pt, bold=bold))
        r = fm.boundingRect(
            QRectF(0, 0, width, 1e6),
            int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft),
            text,
        )
        return r.height()

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
    ) -> float:
        """Draw ``text`` in ``rect`` (top-aligned); returns the height used."""
        p = self.painter
        p.setFont(self.font(pt, bold=bold, italic=italic))
        p.setPen(colour)
        flags = align | Qt.AlignmentFlag.AlignTop
        if wrap:
            flags |= Qt.TextFlag.TextWordWrap
        used = p.boundingRect(rect, int(flags), text)
        p.drawText(rect, int(flags), text)
        return min(used.height(), rect.height()) if rect.height() > 0 else used.height()

    def heading(self, x: float, y: float, width: float, text: str, pt: float = 11.5) -> float:
        """A section heading with a rule under it; returns the height used."""
        h = self.text(QRectF(x, y, width, self.g.pt(pt) * 2), text, pt, bold=True, colour=ACCENT)
        self.painter.setPen(QPen(ACCENT, self.g.mm(0.35)))
        y2 = y + h + self.g.mm(0.8)
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
            self.painter.setBrush(ACCENT)
            self.painter.setPen(Qt.PenStyle.NoPen)
            r = self.g.mm(0.8)
            self.painter.drawEllipse(QPointF(x + self.g.mm(1.5), cy + self.g.pt(pt) * 0.62), r, r)
            self.text(QRectF(x + indent, cy, width - indent, h + 2), item, pt)
            cy += h + self.g.mm(1.2)
        return cy - y

    def table(
        self,
        x: float,
        y: float,
        width: float,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        fractions: Sequence[float],
        pt: float,
        *,
        bottom: float,
    ) -> tuple[float, int]:
        """A table with a header row and zebra rows, stopping before ``bottom``.

        Returns (height used, number of rows drawn).
        """
        widths = [width * f / sum(fractions) for f in fractions]
        pad = self.g.mm(1.2)
        p = self.painter
        head_h = (
            max(
                self.text_height(w - 2 * pad, h, pt, bold=True)
                for w, h in zip(widths, headers, strict=True)
            )
            + 2 * pad
        )
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ACCENT)
        p.drawRect(QRectF(x, y, width, head_h))
        cx = x
        for w, h in zip(widths, headers, strict=True):
            self.text(
                QRectF(cx + pad, y + pad, w - 2 * pad, head_h),
                h,
                pt,
                bold=True,
                colour=QColor("white"),
            )
            cx += w
        cy = y + head_h
        drawn = 0
        for i, row in enumerate(rows):
            row_h = (
                max(
                    self.text_height(w - 2 * pad, str(c), pt)
                    for w, c in zip(widths, row, strict=True)
                )
                + 2 * pad
            )
            if cy + row_h > bottom:
                break
            if i % 2 == 1:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(ZEBRA)
                p.drawRect(QRectF(x, cy, width, row_h))
            cx = x
            for w, c in zip(widths, row, strict=True):
                self.text(QRectF(cx + pad, cy + pad, w - 2 * pad, row_h), str(c), pt)
                cx += w
            p.setPen(QPen(RULE, self.g.mm(0.2)))
            p.drawLine(QPointF(x, cy + row_h), QPointF(x + width, cy + row_h))
            cy += row_h
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
        self.painter.setPen(QPen(RULE, g.mm(0.25)))
        self.painter.drawLine(QPointF(x0, y - g.mm(0.8)), QPointF(x0 + w, y - g.mm(0.8)))
        self.text(rect, left, pt, colour=MUTED, wrap=False)
        fm = QFontMetricsF(self.font(pt))
        right = fm.elidedText(right, Qt.TextElideMode.ElideMiddle, w * 0.62)
        self.text(rect, right, pt, colour=MUTED, align=Qt.AlignmentFlag.AlignRight, wrap=False)

    def pill(self, right_x: float, y: float, text: str, pt: float, colour: QColor) -> QRectF:
        """A rounded label ending at ``right_x``; returns its rectangle."""
        fm = QFontMetricsF(self.font(pt, bold=True))
        pad = self.g.mm(2)
        w = fm.horizontalAdvance(text) + 2 * pad
        h = fm.height() + self.g.mm(1.4)
        r = QRectF(right_x - w, y, w, h)
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
