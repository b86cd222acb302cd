"""The disruption timeline draws onto an image and finds the marker under a point."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from socmap.render.timeline import _event_positions, _plot_rect, draw_timeline, event_at
from socmap.services.disruptions import TimelineData, TimelineEvent


def _data() -> TimelineData:
    return TimelineData(
        title="OCG-0001 Test",
        start=dt.date(2025, 1, 1),
        end=dt.date(2026, 11, 1),
        events=[
            TimelineEvent(1, dt.date(2025, 6, 1), "major", "Arrest / charge", "approved"),
            TimelineEvent(2, dt.date(2026, 2, 1), "negative", "Closure order", "pending"),
        ],
        scores={"ocgm": [(dt.date(2025, 3, 1), 0.6), (dt.date(2025, 9, 1), 0.4)]},
    )


def test_timeline_draws_markers_in_level_colours(qapp: object) -> None:
    img = QImage(900, 420, QImage.Format.Format_ARGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    rect = QRectF(0, 0, 900, 420)
    draw_timeline(p, _data(), rect, marking="OFFICIAL-SENSITIVE")
    p.end()
    rect = rect.adjusted(0, 26, 0, -26)  # the marking's inset
    for ev, centre in _event_positions(_data(), _plot_rect(rect)):
        colour = QColor(img.pixel(round(centre.x()), round(centre.y())))
        expected = {"major": QColor("#1a9850"), "negative": QColor("#d73027")}[ev.level]
        assert (
            abs(colour.red() - expected.red()) < 40 and abs(colour.green() - expected.green()) < 40
        )


def test_event_at_finds_the_marker() -> None:
    rect = QRectF(0, 0, 900, 420)
    (ev, centre), *_ = _event_positions(_data(), _plot_rect(rect))
    assert event_at(_data(), rect, centre) == ev.id
    assert event_at(_data(), rect, centre + centre) is None
