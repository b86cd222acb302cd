"""Briefing maps for neighbourhood teams and partners: PDF (one page or an atlas), PNG, SVG.

Each page: the area map (the same renderer as the Map tab), the ranked groups active in the
area, what to look out for, how to submit intelligence, the date and data currency, and the
protective marking centred top and bottom. The marking is also written into the file's
metadata. Every export needs Permission.EXPORT and is recorded in the audit trail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator

from socmap import __version__
from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.domain.vocab import DEFAULT_MARKING, marking_rank, parse_marking
from socmap.render.map import CONTEXT_LAYERS, MapRenderer, MapViewState
from socmap.render.page import (
    A4_LANDSCAPE_MM,
    ACCENT,
    MUTED,
    PDF_DPI,
    RULE,
    PageCanvas,
    PageGeometry,
    pdf_writer,
)
from socmap.render.qt import ensure_gui_app
from socmap.services import briefing as svc
from socmap.services.map_data import check_audience
from socmap.services.output import Written, check_target, format_for, write_files
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.services.session import Store

FORMATS = ("pdf", "png", "svg")
DPI = {"pdf": PDF_DPI, "png": 200.0, "svg": 96.0}
MARGIN_MM = 10.0


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    files: tuple[Path, ...]
    pages: int
    areas: tuple[str, ...]
    audit_ids: tuple[int, ...]


_AUDIENCE_COLOURS = {
    "internal": QColor("#7a1f1f"),
    "neighbourhood": QColor("#1f5f3a"),
    "partner": QColor("#5a3d8a"),
}


def draw_briefing_page(
    painter: QPainter,
    geometry: PageGeometry,
    content: svc.BriefingContent,
    *,
    page: int = 1,
    pages: int = 1,
) -> None:
    """Lay out one briefing page on ``painter`` (any device: PDF, image, SVG)."""
    g = geometry
    c = PageCanvas(painter, g)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.fillRect(QRectF(0, 0, g.width_px, g.height_px), QColor("white"))
    top, bottom = c.marking(content.marking)
    x0 = g.mm(MARGIN_MM)
    right = g.width_px - g.mm(MARGIN_MM)
    width = right - x0

    # header: title, force, audience, dates
    y = top + g.mm(2)
    pill = c.pill(
        right,
        y + g.mm(1),
        svc.AUDIENCE_LABELS[content.audience],
        9,
        _AUDIENCE_COLOURS[content.audience],
    )
    title_w = pill.left() - x0 - g.mm(4)
    title_pt = 20.0
    while title_pt > 12 and c.text_width(content.title, title_pt, bold=True) > title_w:
        title_pt -= 1
    c.text(
        QRectF(x0, y, title_w, g.pt(20) * 1.6),
        content.title,
        title_pt,
        bold=True,
        colour=ACCENT,
        wrap=False,
    )
    y += g.pt(20) * 1.45
    currency = content.data_current_to or "no records"
    where = (
        "with a location in this neighbourhood"
        if content.scope == "neighbourhood"
        else "in or led from this area"
    )
    sub = (
        f"{content.force_name or 'Force'} · produced {content.produced_on} · "
        f"data current to {currency} · {plural(content.total_groups, 'active group')} {where}"
    )
    c.text(QRectF(x0, y, width, g.pt(10) * 1.6), sub, 10, colour=MUTED, wrap=False)
    y += g.pt(10) * 1.6 + g.mm(2)
    painter.setPen(QPen(RULE, g.mm(0.3)))
    painter.drawLine(QPointF(x0, y), QPointF(right, y))
    y += g.mm(3)
    body_bottom = bottom - g.mm(9)

    # the map, left: the same renderer as the Map tab
    map_w = width * 0.46
    map_rect = QRectF(x0, y, map_w, body_bottom - y)
    _draw_area_map(painter, map_rect, content, g)

    # the right column
    cx = x0 + map_w + g.mm(6)
    cw = right - cx
    cy = y
    cy += c.heading(cx, cy, cw, f"Groups active in this {content.scope}")
    has_band = any(r.band for r in content.rows)
    internal = content.audience == "internal"
    headers = ["#", "Group" if internal else "Group ref", "Markets", "Key locations", "Members"]
    fractions = [0.45, 2.6 if internal else 1.4, 2.0, 3.2, 1.25]
    if has_band:
        headers.insert(2, "Band")
        fractions.insert(2, 0.8)
    rows = []
    for r in content.rows:
        label = r.label + ("" if r.lead_here else " *")
        row = [str(r.rank), label, r.markets, r.locations or "—", str(r.members)]
        if has_band:
            row.insert(2, r.band or "—")
        rows.append(row)
    submit_h = c.text_height(cw - g.mm(5), content.submit_text, 9) + g.pt(10.5) * 1.5 + g.mm(7)
    look_min = sum(
        c.text_height(cw - g.mm(4), t, 8.8) + g.mm(1.2) for t in content.lookouts
    ) + g.mm(24)
    table_bottom = body_bottom - submit_h - look_min
    if rows:
        used, drawn = c.table(cx, cy, cw, headers, rows, fractions, 8.2, bottom=table_bottom)
        cy += used + g.mm(1)
        more = content.more + (len(rows) - drawn)
        notes = []
        if more:
            notes.append(f"and {plural(more, 'more group')}: see the register")
        if any(not r.lead_here for r in content.rows):
            notes.append("* operates here, led from another area")
        notes.append(
            f"locations in this {content.scope} unless another "
            f"{'place' if content.scope == 'neighbourhood' else 'area'} is named"
        )
        if not internal:
            notes.append("names and addresses withheld for this audience")
        if notes:
            cy += c.text(
                QRectF(cx, cy, cw, g.pt(7.5) * 3.4),
                "; ".join(notes) + ".",
                7.5,
                italic=True,
                colour=MUTED,
            )
    else:
        cy += c.text(
            QRectF(cx, cy, cw, g.pt(9) * 3),
            f"No active group is recorded in this {content.scope}.",
            9,
            colour=MUTED,
        )
    cy += g.mm(4)
    cy += c.heading(cx, cy, cw, "What to look out for")
    cy += c.bullets(cx, cy, cw, content.lookouts, 8.8, bottom=body_bottom - submit_h - g.mm(2))
    c.boxed_text(
        QRectF(cx, body_bottom - submit_h + g.mm(2), cw, submit_h),
        "How to submit intelligence",
        content.submit_text,
        9,
    )

    # small print above the bottom marking
    left = f"socmap {__version__} · page {page} of {pages} · {content.area_name}"
    attribution = content.map_data.attribution
    c.footer(
        bottom - g.mm(5.5),
        left,
        (f"Boundaries: {attribution} · " if attribution else "")
        + "British National Grid (EPSG:27700)",
        margin_mm=MARGIN_MM,
    )


def briefing_map_state(
    content: svc.BriefingContent, size: tuple[int, int], dpi: float
) -> MapViewState:
    """What a briefing page's map shows: the area whole, or the neighbourhood with its
    surroundings (its outline bold, its neighbours and places named)."""
    data = content.map_data
    context = CONTEXT_LAYERS if content.context_layers else frozenset()
    if content.neighbourhood_id is not None and content.map_extent is not None:
        return MapViewState.fit(
            content.map_extent,
            size,
            margin=0.0,
            layers=frozenset({"areas", "intel", "ocgs"}) | context,
            highlighted_neighbourhood=content.neighbourhood_id,
            ui_scale=dpi / 125.0,
            attribution=False,
        )
    area = data.area(content.area_id)
    assert area is not None
    return MapViewState.fit(
        area.bounds,
        size,
        margin=0.04,
        layers=frozenset({"areas", "labels", "intel", "ocgs"}) | (context - {"neighbourhoods"}),
        highlighted_area=area.id,
        ui_scale=dpi / 125.0,
        attribution=False,
    )


def draw_briefing_map(
    painter: QPainter,
    rect: QRectF,
    content: svc.BriefingContent,
    dpi: float,
    reserved: tuple[tuple[float, float, float, float], ...] = (),
) -> tuple[MapRenderer, MapViewState]:
    """Draw a briefing's map into ``rect``; returns the renderer (its ``drawn_labels``) and
    the state drawn. ``reserved`` rectangles (map pixels) stay clear of context labels."""
    state = briefing_map_state(content, (int(rect.width()), int(rect.height())), dpi)
    state = dataclasses.replace(state, reserved=reserved)
    renderer = MapRenderer(content.map_data)
    if "basemap" in state.layers:
        renderer.basemap.prefetch(state)  # an export is not a frame: it may wait for tiles
    painter.save()
    painter.translate(rect.x(), rect.y())
    renderer.render(painter, state)
    painter.restore()
    return renderer, state


def _draw_area_map(
    painter: QPainter, rect: QRectF, content: svc.BriefingContent, g: PageGeometry
) -> None:
    c = PageCanvas(painter, g)
    note = _intel_note(content)
    note_w = c.text_width(note, 7.5) + g.mm(3)
    keep_clear = (0.0, 0.0, note_w + g.mm(1), g.pt(7.5) * 1.9 + g.mm(1))
    draw_briefing_map(painter, rect, content, g.dpi, reserved=(keep_clear,))
    painter.setPen(QPen(RULE, g.mm(0.3)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    painter.fillRect(
        QRectF(rect.x() + g.mm(0.5), rect.y() + g.mm(0.5), note_w, g.pt(7.5) * 1.9),
        QColor(255, 255, 255, 215),
    )
    c.text(
        QRectF(rect.x() + g.mm(2), rect.y() + g.mm(1.5), rect.width() * 0.7, g.pt(8) * 1.6),
        note,
        7.5,
        colour=MUTED,
        wrap=False,
    )


def _intel_note(content: svc.BriefingContent) -> str:
    if content.audience != "internal":
        return (
            f"Intelligence shown: {plural(content.intel_shown, 'report')} cleared for this audience"
        )
    return f"Intelligence shown: {plural(content.intel_shown, 'report')}"


def _page_geometry(fmt: str) -> PageGeometry:
    w, h = A4_LANDSCAPE_MM
    return PageGeometry.from_mm(w, h, DPI[fmt])


def _title(contents: Sequence[svc.BriefingContent]) -> str:
    if len(contents) == 1:
        return contents[0].title
    return f"Organised crime briefing atlas: {contents[0].force_name or 'all areas'}"


def _description(contents: Sequence[svc.BriefingContent], marking: str) -> str:
    audience = svc.AUDIENCE_LABELS[contents[0].audience]
    return (
        f"Protective marking: {marking}. {audience}. Areas: "
        f"{', '.join(c.area_name for c in contents)}. Produced by socmap {__version__} on "
        f"{contents[0].produced_on}; data current to {contents[0].data_current_to or 'n/a'}."
    )


def _write_pdf(
    path: Path, contents: Sequence[svc.BriefingContent], marking: str, progress: Progress
) -> None:
    writer, g = pdf_writer(
        path,
        title=_title(contents),
        marking=marking,
        description=_description(contents, marking),
        keywords=["briefing", *(c.area_name for c in contents)],
        landscape=True,
    )
    painter = QPainter(writer)
    try:
        for i, content in enumerate(contents):
            check_cancelled(progress)
            progress.advance(i, len(contents))
            if i:
                writer.newPage()
            draw_briefing_page(painter, g, content, page=i + 1, pages=len(contents))
    finally:
        painter.end()


def _write_png(path: Path, content: svc.BriefingContent, marking: str) -> None:
    g = _page_geometry("png")
    img = QImage(
        QSize(round(g.width_px), round(g.height_px)), QImage.Format.Format_ARGB32_Premultiplied
    )
    dpm = round(DPI["png"] / 0.0254)
    img.setDotsPerMeterX(dpm)
    img.setDotsPerMeterY(dpm)
    img.fill(QColor("white"))
    painter = QPainter(img)
    draw_briefing_page(painter, g, content)
    painter.end()
    img.setText("Title", f"{content.title} [{marking}]")
    img.setText("Description", _description([content], marking))
    img.setText("Protective marking", marking)
    img.setText("Software", f"socmap {__version__}")
    img.setText("Creation Time", content.produced_on)
    if not img.save(str(path), "PNG"):  # type: ignore[call-overload]
        raise ValidationError("output", f"could not write {path}")


def _write_svg(path: Path, content: svc.BriefingContent, marking: str) -> None:
    g = _page_geometry("svg")
    gen = QSvgGenerator()
    gen.setFileName(str(path))
    gen.setSize(QSize(round(g.width_px), round(g.height_px)))
    gen.setViewBox(QRectF(0, 0, g.width_px, g.height_px))
    gen.setResolution(int(DPI["svg"]))
    gen.setTitle(f"{content.title} [{marking}]")
    gen.setDescription(_description([content], marking))
    painter = QPainter(gen)
    draw_briefing_page(painter, g, content)
    painter.end()
    text = path.read_text(encoding="utf-8")
    meta = (
        '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description>'
        f"<dc:title>{html.escape(content.title)}</dc:title>"
        f"<dc:rights>Protective marking: {html.escape(marking)}</dc:rights>"
        f"<dc:creator>socmap {__version__}</dc:creator>"
        "</rdf:Description></rdf:RDF></metadata>"
    )
    text = re.sub(r"(</desc>)", r"\1" + meta.replace("\\", "\\\\"), text, count=1)
    path.write_text(text, encoding="utf-8")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "area"


def export_briefing(
    store: Store,
    *,
    output: Path,
    fmt: str | None = None,
    audience: str,
    areas: Sequence[str] | None = None,
    marking: str | None = None,
    submit_text: str | None = None,
    marking_reason: str = "",
    today: dt.date | None = None,
    progress: Progress | None = None,
    neighbourhoods: Sequence[str] | None = None,
    context: bool = True,
) -> ExportResult:
    """Write briefing(s): one area (``areas=[name]``) or, with ``areas=None``, every area.

    With ``neighbourhoods`` (``NAME`` or ``AREA/NAME`` each), one page per neighbourhood
    instead: the neighbourhood with its surroundings. ``context=False`` leaves the context
    layers (basemap, neighbourhoods, place names) off the map.

    PDF with several areas is an atlas (one page per area). PNG and SVG hold one page each, so
    several areas give one file per area (``NAME-01-area.png``...). Needs Permission.EXPORT;
    writes one audit row per file. The output's suffix decides the format; a ``fmt`` that
    contradicts it is refused.
    """
    svc.check_can_export(store)
    check_audience(audience)
    fmt = format_for(output, fmt, FORMATS, default="pdf")
    check_target(store, output)
    lowered = marking and marking_rank(parse_marking(marking)) < marking_rank(DEFAULT_MARKING)
    if lowered and not marking_reason.strip():
        raise ValidationError(
            "marking", f"lowering the marking below {DEFAULT_MARKING.value} needs a reason"
        )
    progress = progress or NullProgress()
    ensure_gui_app()
    if neighbourhoods:
        names = list(neighbourhoods)
    else:
        names = list(areas) if areas else svc.area_names(store)
    if not names:
        raise ValidationError("area", "the database holds no areas to brief on")
    contents = []
    for i, name in enumerate(names):
        check_cancelled(progress)
        progress.status(f"Gathering {name}")
        progress.advance(i, len(names) * 2)
        if neighbourhoods:
            content = svc.neighbourhood_briefing_content(
                store,
                neighbourhood=name,
                audience=audience,
                marking=marking,
                submit_text=submit_text,
                today=today,
            )
        else:
            content = svc.briefing_content(
                store,
                area_name=name,
                audience=audience,
                marking=marking,
                submit_text=submit_text,
                today=today,
            )
        contents.append(content if context else dataclasses.replace(content, context_layers=False))
    mark = contents[0].marking
    output = Path(output).expanduser()
    # what each file holds: a PDF holds every page; PNG and SVG one page each
    groups = [list(contents)] if fmt == "pdf" else [[c] for c in contents]
    targets = [
        output
        if len(groups) == 1
        else output.with_name(f"{output.stem}-{i + 1:02d}-{_slug(g[0].area_name)}{output.suffix}")
        for i, g in enumerate(groups)
    ]

    def write(temps: list[Path]) -> None:
        if fmt == "pdf":
            progress.status("Writing the PDF")
            _write_pdf(temps[0], contents, mark, progress)
            return
        for tmp, group in zip(temps, groups, strict=True):
            check_cancelled(progress)
            (_write_png if fmt == "png" else _write_svg)(tmp, group[0], mark)

    def record(written: list[Written]) -> list[int]:
        ids = []
        for w, group in zip(written, groups, strict=True):
            what = "briefing atlas" if len(group) > 1 else "briefing"
            ids.append(
                svc.record_export(
                    store,
                    what=f"{what} ({fmt})",
                    audience=audience,
                    marking=mark,
                    file_name=w.path.name,
                    areas=[c.area_name for c in group],
                    sha256=w.sha256,
                    pages=len(group),
                    marking_reason=marking_reason.strip(),
                )
            )
        return ids

    audit_ids = write_files(store, targets, write, record)
    progress.advance(1, 1)
    return ExportResult(
        files=tuple(targets),
        pages=len(contents),
        areas=tuple(c.area_name for c in contents),
        audit_ids=tuple(audit_ids),
    )
