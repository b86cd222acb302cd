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


def test_a_frame_on_screen_makes_sprites_only_within_its_budget(qapp) -> None:  # type: ignore[no-untyped-def]
    """The first frame at a new view could need hundreds of sprites (~1 ms each): past the
    budget a label is drawn plain, the frame says it is incomplete, and the next makes more."""
    context._SPRITES.clear()
    names = [f"Place {i}" for i in range(12)]
    frames = 0
    while True:
        frames += 1
        image = QImage(300, 60, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(200, 210, 220))
        painter = QPainter(image)
        with context.sprite_budget(0.0) as budget:
            for name in names:
                context._halo_text(
                    painter, QPointF(20, 40), name, context._font(14), QColor(20, 20, 20), 3.0
                )
        painter.end()
        assert budget.made == 1  # at least one a frame, so the labels always get there
        assert len(context._SPRITES) == frames
        if not budget.incomplete:
            break
        assert frames < 20
    assert frames == len(names)
    # an export (no budget) makes every sprite at once
    context._SPRITES.clear()
    image = QImage(300, 60, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    for name in names:
        context._halo_text(
            painter, QPointF(20, 40), name, context._font(14), QColor(20, 20, 20), 3.0
        )
    painter.end()
    assert len(context._SPRITES) == len(names)


def test_area_outlines_on_screen_use_hairlines_only(qapp, demo_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A wide antialiased stroke with round joins over the areas' ~6,000 vertices cost ~90 ms
    per frame; the white casing is drawn as shifted hairlines on raster devices instead."""
    from socmap.render.map import MapRenderer, MapViewState
    from socmap.services.map_data import load_map_data

    data = load_map_data(demo_store)
    renderer = MapRenderer(data)
    widths: list[float] = []
    real = QPainter.drawPath

    def spy(painter, path):  # type: ignore[no-untyped-def]
        widths.append(painter.pen().widthF())
        return real(painter, path)

    monkeypatch.setattr(QPainter, "drawPath", spy)
    image = QImage(1200, 800, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    renderer._draw_outlines(painter, MapViewState.fit(data.extent, (1200, 800)))
    painter.end()
    assert widths and max(widths) <= 1.0
