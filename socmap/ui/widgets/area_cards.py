"""The area cards of the Dashboard (re-assessment compliance) and the Profiles tab (profile
completeness): one per area, clickable, in a row across the top of the tab.

Both are cheap to show at national scale: painted or plain-text, never rich-text labels, style
sheets or a ``QProgressBar`` (see each card); their bars share :func:`bar.paint_fraction`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from socmap.services import profiles
from socmap.services.reassessment import AreaCompliance
from socmap.ui.widgets.bar import FractionBar, paint_fraction

RED, AMBER, GREEN = "#b91c1c", "#d97706", "#15803d"


def compliance_colour(percent: float) -> str:
    """Red under 60 %, amber under 85 %, green from 85 %."""
    return RED if percent < 60 else AMBER if percent < 85 else GREEN


#: a card's text: (text, colour, bold) runs, one list a line
_Line = list[tuple[str, str, bool]]


class ComplianceCard(QWidget):
    """One area's compliance: percent, bar, counts. Click to filter the lists to the area.

    Everything is drawn by its own ``paintEvent``: no style sheets (polishing five cards with
    one each took 25-35 ms of the Dashboard's first show at national scale) and no rich-text
    labels (laying out five cards' HTML took 17-23 ms of the frame the report arrived in).
    """

    clicked = Signal(str)

    MARGIN, SPACING, BAR_HEIGHT, NAME_PX, PERCENT_PX = 10, 4, 10, 13, 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.area = ""
        self.selected = False
        self.compliance: AreaCompliance | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumWidth(200)
        self._text = QFont(self.font())
        self._bold = QFont(self._text)
        self._bold.setBold(True)
        self._name = QFont(self._bold)
        self._name.setPixelSize(self.NAME_PX)
        self._big = QFont(self._bold)
        self._big.setPixelSize(self.PERCENT_PX)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_area(self, c: AreaCompliance, *, selected: bool = False) -> None:
        """Show ``c``; ``selected`` outlines the card (the lists are filtered to its area)."""
        self.area, self.selected, self.compliance = c.area, selected, c
        self.setAccessibleName(self.summary())
        # never narrower than its longest run (a run is not broken inside), nor than 200 px
        longest = max(
            QFontMetricsF(self._bold if bold else self._text).horizontalAdvance(text)
            for line in self._lines()
            for text, _colour, bold in line
        )
        self.setMinimumWidth(max(200, math.ceil(longest) + 2 * self.MARGIN))
        self.updateGeometry()
        self.update()

    def _lines(self) -> list[_Line]:
        """The counts under the bar."""
        c = self.compliance
        if c is None:
            return []
        grey = "#374151"
        overdue = (f"{c.overdue} overdue", RED if c.overdue else grey, bool(c.overdue))
        never = (
            f"{c.never_assessed} never assessed",
            "#7c3aed" if c.never_assessed else grey,
            bool(c.never_assessed),
        )
        return [
            [(f"{c.compliant} of {c.active} active in date", grey, False)],
            [overdue, (" · ", grey, False), never],
            [(f"{c.due_soon} due in the next fortnight", grey, False)],
        ]

    def summary(self) -> str:
        """The card as plain text (its accessible name): what it shows, line by line."""
        c = self.compliance
        if c is None:
            return ""
        head = [c.area, f"{c.percent:.0f}% compliant"]
        return "\n".join(head + ["".join(t for t, _c, _b in line) for line in self._lines()])

    def _wrapped(self, width: float) -> list[_Line]:
        """The count lines, a run moved to the next line where the card is too narrow."""
        out: list[_Line] = []
        for line in self._lines():
            current: _Line = []
            x = 0.0
            for run in line:
                w = QFontMetricsF(self._bold if run[2] else self._text).horizontalAdvance(run[0])
                if current and x + w > width:
                    if not current[-1][0].strip(" ·"):
                        current.pop()  # a separator neither ends nor starts a line
                    out.append(current)
                    current, x = [], 0.0
                    if not run[0].strip(" ·"):
                        continue
                current.append(run)
                x += w
            out.append(current)
        return out

    def heightForWidth(self, width: int) -> int:
        inner = width - 2 * self.MARGIN
        rows = len(self._wrapped(inner)) or 3
        return round(
            2 * (self.MARGIN - 2)
            + QFontMetricsF(self._name).height()
            + QFontMetricsF(self._big).height()
            + self.BAR_HEIGHT
            + 3 * self.SPACING
            + rows * QFontMetricsF(self._bold).height()
        )

    def sizeHint(self) -> QSize:
        return QSize(240, self.heightForWidth(240))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#1d4ed8" if self.selected else "#d1d5db"), 2))
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 8, 8)
        c = self.compliance
        if c is None:
            return
        left, inner = self.MARGIN, self.width() - 2 * self.MARGIN
        y = float(self.MARGIN - 2)
        colour = compliance_colour(c.percent)

        def text(x: float, top: float, value: str, font: QFont, pen: str) -> float:
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            painter.setPen(QColor(pen))
            painter.drawText(QPointF(x, top + metrics.ascent()), value)
            return x + metrics.horizontalAdvance(value)

        text(left, y, c.area, self._name, "#111827")
        y += QFontMetricsF(self._name).height() + self.SPACING
        big = QFontMetricsF(self._big)
        x = text(left, y, f"{c.percent:.0f}%", self._big, colour)
        # " compliant" sits on the percent's baseline
        small = QFontMetricsF(self._text)
        painter.setFont(self._text)
        painter.setPen(QColor("#4b5563"))
        painter.drawText(QPointF(x + small.horizontalAdvance(" "), y + big.ascent()), "compliant")
        y += big.height() + self.SPACING
        box = QRectF(left, y, inner, self.BAR_HEIGHT)
        paint_fraction(painter, box, c.percent / 100.0, QColor(colour))
        y += self.BAR_HEIGHT + self.SPACING
        row = QFontMetricsF(self._bold).height()
        for line in self._wrapped(inner):
            x = float(left)
            for value, pen, bold in line:
                x = text(x, y, value, self._bold if bold else self._text, pen)
            y += row

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit(self.area)
        super().mouseReleaseEvent(event)


class ProfileCard(QFrame):
    """One area on the force dashboard: percentage, bar and what is missing.

    Plain-text labels, a painted bar and a palette colour: with rich-text labels, a style sheet
    on the percentage and a ``QProgressBar``, laying out and polishing five cards took 15-40 ms
    of the tab's first frame at national scale."""

    open_requested = Signal(int)

    def __init__(self, status: profiles.AreaStatus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.area_id = status.area_id
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(190)
        lay = QVBoxLayout(self)
        self.name = QLabel(status.area, textFormat=Qt.TextFormat.PlainText)
        bold = QFont(self.name.font())
        bold.setBold(True)
        self.name.setFont(bold)
        self.percent = QLabel(textFormat=Qt.TextFormat.PlainText)
        f = QFont()
        f.setPointSize(20)
        f.setBold(True)
        self.percent.setFont(f)
        self.bar = FractionBar(8)
        self.detail = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.missing = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.missing.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        small = QFont(self.missing.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        self.missing.setFont(small)
        self.open_button = QPushButton("Open profile")
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.area_id))
        for w in (self.name, self.percent, self.bar, self.detail, self.missing):
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(self.open_button)
        self.update_status(status)

    def update_status(self, status: profiles.AreaStatus) -> None:
        """Show ``status``."""
        self.status = status
        c = status.completeness
        self.percent.setText(f"{status.percent}%")
        colour = "#047857" if c.complete else ("#b45309" if status.percent >= 50 else "#a01818")
        palette = self.percent.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
        self.percent.setPalette(palette)
        self.bar.set_value(status.percent / 100, "#1d4ed8")
        review = status.review_date.isoformat() if status.review_date else "not set"
        self.detail.setText(
            f"Owner: {status.owner or 'not set'}\nReview: {review}\n"
            f"Actions: {status.actions} ({status.overdue_actions} overdue)"
        )
        if c.complete:
            self.missing.setText("Complete")
        else:
            shown = list(c.missing[:5])
            more = len(c.missing) - len(shown)
            lines = ["Missing:", *(f"• {m}" for m in shown)]
            if more:
                lines.append(f"… and {more} more")
            self.missing.setText("\n".join(lines))
        self.missing.setToolTip("\n".join(c.missing))
