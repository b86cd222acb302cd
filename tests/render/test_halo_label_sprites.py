"""Halo labels on screen are drawn once into an image and blitted; vector outputs keep text."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QPdfWriter

from socmap.render import context


def _draw(device, text: str) -> None:  # type: ignore[no-untyped-def]
    painter = QPainter(device)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    context._halo_text(painter, QPointF(20, 40), text, context._font(14), QColor(20, 20, 20), 3.0)
    painter.end()


def test_a_redraw_blits_the_label_it_drew_before(qapp) -> None:  # type: ignore[no-untyped-def]
    context._SPRITES.clear()
    first = QImage(200, 60, QImage.Format.Format_ARGB32_Premultiplied)
    first.fill(QColor(200, 210, 220))
    _draw(first, "Bridgnorth")
    assert len(context._SPRITES) == 1
    second = QImage(first.size(), first.format())
    second.fill(QColor(200, 210, 220))
    _draw(second, "Bridgnorth")
    assert len(context._SPRITES) == 1  # the same sprite, not a new text path
    assert first == second
    # the label is there: dark text inside a white halo
    colours = {second.pixelColor(x, y).lightness() for x in range(200) for y in range(60)}
    assert min(colours) < 80 and max(colours) > 240


def test_vector_output_keeps_real_text_paths(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    context._SPRITES.clear()
    _draw(QPdfWriter(str(tmp_path / "label.pdf")), "Bridgnorth")
    assert context._SPRITES == {}
