"""Briefing maps for neighbourhood teams and partners: PDF (one page or an atlas), PNG, SVG.

Each page: the area map (the same renderer as the Map tab), the ranked groups active in the
area, what to look out for, how to submit intelligence, the date and data currency, and the
protective marking centred top and bottom. The marking is also written into the file's
metadata. Every export needs Permission.EXPORT and is recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator

from socmap import __version__
from socmap.domain.errors import ValidationError
from socmap.domain.text import plural
from socmap.domain.vocab import DEFAULT_MARKING, marking_rank, parse_marking
from socmap.render.map import MapRenderer, MapViewState
from socmap.render.page import A4_LANDSCAPE_MM, ACCENT, MUTED, RULE, PageCanvas, PageGeometry
from socmap.render.qt import ensure_gui_app
from socmap.services import briefing as svc
from socmap.services.map_data import check_audience
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.services.session import Store

FORMATS = ("pdf", "png", "svg")
DPI = {"pdf": 300.0, "png": 200.0, "svg": 96.0}
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
    sub = (
        f"{content.force_name or 'Force'} · produced {content.produced_on} · "
        f"data current to {currency} · {plural(content.total_groups, 'active group')} "
        "in or led from this area"
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
    cy += c.heading(cx, cy, cw, "Groups active in this area")
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
        notes.append("locations in this area unless another area is named")
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
            "No active group is recorded in this area.",
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


def _draw_area_map(
    painter: QPainter, rect: QRectF, content: svc.BriefingContent, g: PageGeometry
) -> None:
    data = content.map_data
    area = data.area(content.area_id)
    assert area is not None
    size = (int(rect.width()), int(rect.height()))
    state = MapViewState.fit(
        area.bounds,
        size,
        margin=0.04,
        layers=frozenset({"areas", "labels", "intel", "ocgs"}),
        highlighted_area=area.id,
        ui_scale=g.dpi / 125.0,
        attribution=False,
    )
    painter.save()
    painter.translate(rect.x(), rect.y())
    MapRenderer(data).render(painter, state)
    painter.restore()
    painter.setPen(QPen(RULE, g.mm(0.3)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    if content.audience != "internal":
        note = f"Intelligence shown: {plural(content.intel_shown, 'report')} cleared for this audience"
    else:
        note = f"Intelligence shown: {plural(content.intel_shown, 'report')}"
    c = PageCanvas(painter, g)
    note_w = c.text_width(note, 7.5) + g.mm(3)
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


def _xmp(title: str, description: str, marking: str, keywords: list[str]) -> bytes:
    e = html.escape
    kw = "".join(f"<rdf:li>{e(k)}</rdf:li>" for k in keywords)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:socmap="https://socmap.invalid/ns/1.0/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(description)}</rdf:li></rdf:Alt></dc:description>'
        f"<dc:subject><rdf:Bag>{kw}</rdf:Bag></dc:subject>"
        f"<pdf:Keywords>{e(', '.join(keywords))}</pdf:Keywords>"
        f"<pdf:Producer>socmap {__version__}</pdf:Producer>"
        f"<xmp:CreatorTool>socmap {__version__}</xmp:CreatorTool>"
        f"<socmap:ProtectiveMarking>{e(marking)}</socmap:ProtectiveMarking>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def _write_pdf(
    path: Path, contents: Sequence[svc.BriefingContent], marking: str, progress: Progress
) -> None:
    writer = QPdfWriter(str(path))
    writer.setResolution(int(DPI["pdf"]))
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(0, 0, 0, 0),
        )
    )
    title = _title(contents)
    writer.setTitle(f"{title} [{marking}]")
    writer.setCreator(f"socmap {__version__}")
    writer.setDocumentXmpMetadata(
        _xmp(
            title,
            _description(contents, marking),
            marking,
            [marking, "socmap", "briefing", *(c.area_name for c in contents)],
        )
    )
    g = PageGeometry(float(writer.width()), float(writer.height()), DPI["pdf"])
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
    fmt: str,
    audience: str,
    areas: Sequence[str] | None = None,
    marking: str | None = None,
    submit_text: str | None = None,
    marking_reason: str = "",
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write briefing(s): one area (``areas=[name]``) or, with ``areas=None``, every area.

    PDF with several areas is an atlas (one page per area). PNG and SVG hold one page each, so
    several areas give one file per area (``NAME-01-area.png``...). Needs Permission.EXPORT;
    writes one audit row per file.
    """
    svc.check_can_export(store)
    check_audience(audience)
    if fmt not in FORMATS:
        raise ValidationError("format", f"'{fmt}' is not one of {', '.join(FORMATS)}")
    lowered = marking and marking_rank(parse_marking(marking)) < marking_rank(DEFAULT_MARKING)
    if lowered and not marking_reason.strip():
        raise ValidationError(
            "marking", f"lowering the marking below {DEFAULT_MARKING.value} needs a reason"
        )
    progress = progress or NullProgress()
    ensure_gui_app()
    names = list(areas) if areas else svc.area_names(store)
    if not names:
        raise ValidationError("area", "the database holds no areas to brief on")
    contents = []
    for i, name in enumerate(names):
        check_cancelled(progress)
        progress.status(f"Gathering {name}")
        progress.advance(i, len(names) * 2)
        contents.append(
            svc.briefing_content(
                store,
                area_name=name,
                audience=audience,
                marking=marking,
                submit_text=submit_text,
                today=today,
            )
        )
    mark = contents[0].marking
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files: list[tuple[Path, list[svc.BriefingContent]]] = []
    if fmt == "pdf":
        progress.status("Writing the PDF")
        _write_pdf(output, contents, mark, progress)
        files.append((output, contents))
    else:
        for i, content in enumerate(contents):
            check_cancelled(progress)
            target = (
                output
                if len(contents) == 1
                else output.with_name(
                    f"{output.stem}-{i + 1:02d}-{_slug(content.area_name)}{output.suffix}"
                )
            )
            (_write_png if fmt == "png" else _write_svg)(target, content, mark)
            files.append((target, [content]))
    audit_ids = []
    for path, group in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        what = "briefing atlas" if len(group) > 1 else "briefing"
        audit_ids.append(
            svc.record_export(
                store,
                what=f"{what} ({fmt})",
                audience=audience,
                marking=mark,
                file_name=path.name,
                areas=[c.area_name for c in group],
                sha256=digest,
                pages=len(group),
                marking_reason=marking_reason.strip(),
            )
        )
    progress.advance(1, 1)
    return ExportResult(
        files=tuple(p for p, _g in files),
        pages=len(contents),
        areas=tuple(c.area_name for c in contents),
        audit_ids=tuple(audit_ids),
    )
