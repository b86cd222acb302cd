"""Score-history chart drawn with QPainter onto any paint device (widget, QImage, PDF page).

View state is a plain dataclass, so the screen and exports share this one renderer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

from socmap.render.bands import TIER_COLOURS, band_colour

__all__ = ["TIER_COLOURS", "ChartPoint", "ScoreHistoryState", "band_colour", "draw_score_history"]


@dataclass(frozen=True)
class ChartPoint:
    """One assessment on the chart."""

    on: dt.date
    total: float
    band: str
    approved: bool
    label: str = ""


@dataclass(frozen=True)
class ScoreHistoryState:
    """What the chart shows: a title, points oldest first, a marking for the corner."""

    title: str
    points: tuple[ChartPoint, ...]
    marking: str = "OFFICIAL-SENSITIVE"
    y_label: str = "total score"
    highlight: tuple[int, ...] = ()  # indexes of points being compared


def draw_score_history(painter: QPainter, rect: QRectF, state: ScoreHistoryState) -> None:
    """Draw the chart inside ``rect``: approved scores joined by a line, pending ones hollow."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(rect, QColor("white"))
    base = QFont(painter.font())
    small = QFont(base)
    small.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
    bold = QFont(base)
    bold.setBold(True)
    painter.setFont(small)
    painter.setPen(QColor("#374151"))
    painter.drawText(
        rect.adjusted(0, 2, 0, 0),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
        state.marking,
    )
    painter.setFont(bold)
    painter.drawText(rect.adjusted(8, 18, -8, 0), Qt.AlignmentFlag.AlignLeft, state.title)
    plot = rect.adjusted(52, 44, -18, -34)
    painter.setFont(small)
    if not state.points or plot.width() < 40 or plot.height() < 30:
        painter.setPen(QColor("#6b7280"))
        painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No assessments yet")
        painter.restore()
        return
    pts = state.points
    d0, d1 = pts[0].on.toordinal(), pts[-1].on.toordinal()
    if d1 - d0 < 30:
        d0, d1 = d0 - 15, d1 + 15
    top = max(p.total for p in pts)
    ymax = _nice(top * 1.15 if top > 0 else 10)

    def xy(p: ChartPoint) -> QPointF:
        x = plot.left() + (p.on.toordinal() - d0) / (d1 - d0) * plot.width()
        y = plot.bottom() - (p.total / ymax) * plot.height()
        return QPointF(x, y)

    # grid and axes
    grid = QPen(QColor("#e5e7eb"))
    grid.setWidthF(1.0)
    for k in range(5):
        v = ymax * k / 4
        y = plot.bottom() - plot.height() * k / 4
        painter.setPen(grid)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("#4b5563"))
        painter.drawText(
            QRectF(rect.left(), y - 8, 46, 16),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{v:g}",
        )
    painter.setPen(QPen(QColor("#9ca3af"), 1.0))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())
    # x ticks: quarters
    first = dt.date.fromordinal(d0)
    tick = dt.date(first.year, ((first.month - 1) // 3) * 3 + 1, 1)
    painter.setPen(QColor("#4b5563"))
    while tick.toordinal() <= d1:
        if tick.toordinal() >= d0:
            x = plot.left() + (tick.toordinal() - d0) / (d1 - d0) * plot.width()
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            painter.drawText(
                QRectF(x - 40, plot.bottom() + 5, 80, 16),
                Qt.AlignmentFlag.AlignHCenter,
                tick.strftime("%b %Y"),
            )
        month = tick.month + 3
        tick = dt.date(tick.year + (month > 12), (month - 1) % 12 + 1, 1)
    painter.save()
    painter.translate(rect.left() + 10, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-60, -8, 120, 16), Qt.AlignmentFlag.AlignCenter, state.y_label)
    painter.restore()
    # the approved line
    approved = [p for p in pts if p.approved]
    if len(approved) > 1:
        path = QPainterPath(xy(approved[0]))
        for p in approved[1:]:
            path.lineTo(xy(p))
        painter.setPen(QPen(QColor("#1f2937"), 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
    # points with their band
    for i, p in enumerate(pts):
        c = xy(p)
        colour = band_colour(p.band)
        r = 6.0 if i in state.highlight else 4.5
        painter.setPen(QPen(colour, 2.0))
        painter.setBrush(colour if p.approved else QColor("white"))
        painter.drawEllipse(c, r, r)
        if i in state.highlight:
            painter.setPen(QPen(QColor("#2563eb"), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(c, r + 3, r + 3)
        painter.setPen(colour.darker(130))
        painter.drawText(
            QRectF(c.x() - 20, c.y() - 22, 40, 14), Qt.AlignmentFlag.AlignCenter, p.band
        )
    # legend
    painter.setPen(QColor("#4b5563"))
    painter.drawText(
        rect.adjusted(8, 0, -8, -2),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
        "filled: approved · hollow: awaiting approval · colour: band tier (1 red, 2 amber, 3 green)",
    )
    painter.restore()


def _nice(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 4:
            return float(step * 4) if value > step * 2 else float(step * 2)
    return float(value)
