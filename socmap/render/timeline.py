"""Disruptions on a timeline against the score trend, coloured by level (QPainter, QtGui only)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from socmap.domain.disruptions import LEVELS
from socmap.render.graph import draw_marking
from socmap.render.partner_graph import LEVEL_COLOURS
from socmap.services.disruptions import TimelineData

SCHEME_COLOURS = ("#1f4e79", "#8c564b", "#6a3d9a", "#17becf")


def _font(px: int, bold: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPixelSize(px)
    f.setBold(bold)
    return f


def _x(day: dt.date, start: dt.date, end: dt.date, plot: QRectF) -> float:
    span = max((end - start).days, 1)
    return plot.left() + (day - start).days / span * plot.width()


def event_at(data: TimelineData, rect: QRectF, point: QPointF, *, slop: float = 6.0) -> int | None:
    """The id of the disruption marker under ``point``, if any."""
    for ev, centre in _event_positions(data, _plot_rect(rect)):
        if abs(centre.x() - point.x()) <= slop and abs(centre.y() - point.y()) <= slop:
            return ev.id
    return None


def _plot_rect(rect: QRectF) -> QRectF:
    return rect.adjusted(64, 40, -200, -64)


def _event_positions(data: TimelineData, plot: QRectF) -> list[tuple[object, QPointF]]:
    strip_top = plot.bottom() + 10
    stacks: dict[int, int] = {}
    out = []
    for ev in sorted(data.events, key=lambda e: (e.on, list(LEVELS).index(e.level))):
        x = _x(ev.on, data.start, data.end, plot)
        col = int(x // 7)
        k = stacks.get(col, 0)
        stacks[col] = k + 1
        out.append((ev, QPointF(x, strip_top + 4 + (k % 4) * 9)))
    return out


def draw_timeline(
    painter: QPainter, data: TimelineData, rect: QRectF, *, marking: str = ""
) -> None:
    """Draw the score trend (one line per scheme) and the disruptions below it, by level."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.fillRect(rect, QColor("#ffffff"))
    if marking:
        draw_marking(painter, rect, marking)
        rect = rect.adjusted(0, 26, 0, -26)
    plot = _plot_rect(rect)
    painter.setFont(_font(14, bold=True))
    painter.setPen(QColor("#202124"))
    painter.drawText(
        QRectF(rect.left(), rect.top() + 6, rect.width(), 24),
        Qt.AlignmentFlag.AlignCenter,
        f"Disruptions and score trend: {data.title}",
    )
    # axes and grid
    painter.setFont(_font(11))
    grid = QPen(QColor("#e0e0e0"))
    grid.setCosmetic(True)
    for pct in (0, 25, 50, 75, 100):
        y = plot.bottom() - pct / 100 * plot.height()
        painter.setPen(grid)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor("#5f6368"))
        painter.drawText(
            QRectF(plot.left() - 50, y - 8, 44, 16),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{pct}%",
        )
    painter.save()
    painter.translate(rect.left() + 12, plot.center().y())
    painter.rotate(-90)
    painter.drawText(
        QRectF(-120, -8, 240, 16), Qt.AlignmentFlag.AlignCenter, "score, % of scheme maximum"
    )
    painter.restore()
    day = dt.date(data.start.year, (data.start.month - 1) // 3 * 3 + 1, 1)
    while day <= data.end:
        if day >= data.start:
            x = _x(day, data.start, data.end, plot)
            painter.setPen(grid)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom() + 48))
            painter.setPen(QColor("#5f6368"))
            painter.drawText(
                QRectF(x - 40, plot.bottom() + 48, 80, 16),
                Qt.AlignmentFlag.AlignCenter,
                f"{day.year} Q{(day.month - 1) // 3 + 1}",
            )
        day = dt.date(day.year + (day.month + 3 > 12), (day.month + 2) % 12 + 1, 1)
    # disruptions: a faint line through the plot and a marker in the strip below
    positions = _event_positions(data, plot)
    for ev, centre in positions:
        colour = QColor(LEVEL_COLOURS.get(ev.level, "#999999"))  # type: ignore[attr-defined]
        faint = QColor(colour)
        faint.setAlpha(70)
        pen = QPen(faint)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(QPointF(centre.x(), plot.top()), QPointF(centre.x(), plot.bottom()))
    for ev, centre in positions:
        colour = QColor(LEVEL_COLOURS.get(ev.level, "#999999"))  # type: ignore[attr-defined]
        painter.setPen(QPen(QColor("#ffffff") if ev.status == "approved" else QColor("#000000"), 1))  # type: ignore[attr-defined]
        painter.setBrush(colour)
        painter.drawEllipse(centre, 4.5, 4.5)
    # score lines
    for k, (_scheme, points) in enumerate(sorted(data.scores.items())):
        colour = QColor(SCHEME_COLOURS[k % len(SCHEME_COLOURS)])
        pen = QPen(colour, 2.2)
        painter.setPen(pen)
        path = QPainterPath()
        pts = [
            QPointF(_x(d, data.start, data.end, plot), plot.bottom() - v * plot.height())
            for d, v in sorted(points)
        ]
        for i, p in enumerate(pts):
            if i == 0:
                path.moveTo(p)
            else:
                path.lineTo(p)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(colour)
        for p in pts:
            painter.drawEllipse(p, 3.0, 3.0)
    painter.setPen(QColor("#5f6368"))
    if not data.scores:
        painter.drawText(
            plot, Qt.AlignmentFlag.AlignCenter, "no approved assessments in this period"
        )
    if not data.events:
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + 8, plot.width(), 40),
            Qt.AlignmentFlag.AlignCenter,
            "no disruptions recorded in this period",
        )
    # legend on the right
    fm = QFontMetricsF(_font(11))
    x0 = plot.right() + 16
    y = plot.top()
    painter.setFont(_font(11, bold=True))
    painter.setPen(QColor("#202124"))
    painter.drawText(QPointF(x0, y + fm.ascent()), "Disruption level")
    y += fm.height() + 4
    painter.setFont(_font(11))
    counts = {lv: sum(1 for e in data.events if e.level == lv) for lv in LEVELS}
    for lv, label in LEVELS.items():
        painter.setPen(QPen(QColor("#ffffff"), 1))
        painter.setBrush(QColor(LEVEL_COLOURS[lv]))
        painter.drawEllipse(QPointF(x0 + 6, y + fm.height() / 2), 5.0, 5.0)
        painter.setPen(QColor("#202124"))
        painter.drawText(QPointF(x0 + 16, y + fm.ascent()), f"{label} ({counts[lv]})")
        y += fm.height() + 3
    painter.drawText(QPointF(x0, y + fm.ascent()), "black ring: not yet approved")
    y += fm.height() * 2
    if data.scores:
        painter.setFont(_font(11, bold=True))
        painter.drawText(QPointF(x0, y + fm.ascent()), "Score (approved)")
        y += fm.height() + 4
        painter.setFont(_font(11))
        for k, scheme in enumerate(sorted(data.scores)):
            painter.setPen(QPen(QColor(SCHEME_COLOURS[k % len(SCHEME_COLOURS)]), 2.2))
            painter.drawLine(
                QPointF(x0, y + fm.height() / 2), QPointF(x0 + 12, y + fm.height() / 2)
            )
            painter.setPen(QColor("#202124"))
            painter.drawText(QPointF(x0 + 16, y + fm.ascent()), scheme)
            y += fm.height() + 3
    painter.restore()
