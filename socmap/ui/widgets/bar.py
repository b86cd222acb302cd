"""A thin rounded bar filled to a fraction: painted, not styled.

A ``QProgressBar`` is polished through the style (and a style sheet, where one sets its colour)
the first time it is shown; five of them, with the labels around them, made the Profiles tab's
first frame at national scale. This paints two rounded rectangles.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

TRACK = "#e5e7eb"


def paint_fraction(painter: QPainter, box: QRectF, fraction: float, colour: QColor) -> None:
    """A rounded grey track in ``box``, filled from the left to ``fraction`` in ``colour``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    radius = box.height() / 2
    painter.setBrush(QColor(TRACK))
    painter.drawRoundedRect(box, radius, radius)
    fraction = max(0.0, min(1.0, fraction))
    if fraction > 0:
        painter.setBrush(colour)
        filled = QRectF(box.x(), box.y(), box.width() * fraction, box.height())
        painter.drawRoundedRect(filled, radius, radius)
    painter.restore()


class FractionBar(QWidget):
    """Filled to ``fraction`` (0-1) in ``colour``, over a grey track."""

    def __init__(self, height: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraction, self.colour = 0.0, QColor("#1d4ed8")
        self.setFixedHeight(height)

    def set_value(self, fraction: float, colour: str) -> None:
        """Fill to ``fraction`` (clamped to 0-1) in ``colour``."""
        self.fraction, self.colour = max(0.0, min(1.0, fraction)), QColor(colour)
        self.setAccessibleName(f"{self.fraction:.0%}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_fraction(painter, QRectF(self.rect()), self.fraction, self.colour)
        painter.end()
