"""The SOC local profile report: one area's profile as a marked PDF or an editable DOCX.

Both formats are written from the same list of blocks (``render.page``, the page engine that
draws briefings too), so they hold the same content: a cover with marking, owner and review date; the eight sections with their
narrative and live data; the marking in the header and footer of every page. The partner
version leaves out nominal identities, OCG names, officer-held detail and intelligence whose
handling code forbids sharing; narrative text is scrubbed of any nominal's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from socmap.domain.errors import ValidationError
from socmap.domain.profiles import SECTIONS, Audience
from socmap.domain.text import plural
from socmap.domain.vocab import DEFAULT_MARKING
from socmap.render.page import (
    Block,
    Bullets,
    Cover,
    Figure,
    Heading,
    PageBreak,
    Paragraph,
    Report,
    Table,
    figure_png,
    render_pdf,
)
from socmap.services import narrative_clearance, profile_data, profiles, redaction
from socmap.services.handling import export_marking
from socmap.services.narrative_clearance import NOT_CLEARED
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.services.progress import NullProgress, Progress, check_cancelled
from socmap.services.session import Store

FORMATS = ("pdf", "docx")

HANDLING_NOTICE = (
    "This profile is marked {marking}. It is shared for the purposes of the serious and "
    "organised crime partnership under the information sharing agreements named in it. Do not "
    "forward, copy or publish it beyond the partnership board without the owner's agreement."
)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    area: str
    fmt: str
    audience: str
    marking: str
    pages: int


def _fig_for(key: str, store: Store, area_id: int, audience: Audience) -> Figure | None:
    """The figure a live section shows, drawn by the same renderer as the app's views."""
    if key == "threat_map":
        return threat_map_figure(store, area_id, audience)
    if key == "network":
        return partner_graph_figure(store, area_id, audience)
    return None


def threat_map_figure(store: Store, area_id: int, audience: Audience) -> Figure | None:
    """The area's map (render/map.py, as in the Map tab and briefings): outline, groups'
    locations and intelligence density, filtered for the audience."""
    from socmap.render.map import MapRenderer, MapViewState
    from socmap.services.map_data import load_map_data

    data = load_map_data(
        store, audience=audience.value, area_id=area_id, categories=False, briefing=True
    )
    area = data.area(area_id)
    if area is None:
        return None
    minx, miny, maxx, maxy = area.bounds
    aspect = min(max((maxy - miny) / max(maxx - minx, 1.0), 0.55), 1.25)
    renderer = MapRenderer(data)

    def draw(painter: QPainter, rect: QRectF) -> None:
        k = max(1.0, 2000.0 / rect.width())  # draw at ~2000 px across, then scale into rect
        size = (int(rect.width() * k), int(rect.height() * k))
        state = MapViewState.fit(
            area.bounds,
            size,
            margin=0.04,
            layers=frozenset({"basemap", "areas", "labels", "places", "intel", "ocgs"}),
            highlighted_area=area_id,
            ui_scale=size[0] / 860.0,
            attribution=False,
        )
        renderer.basemap.prefetch(state)  # basemaps in every export (issue 16)
        painter.save()
        painter.translate(rect.x(), rect.y())
        painter.scale(1.0 / k, 1.0 / k)
        renderer.render(painter, state)
        painter.restore()

    shown = "reports cleared for partners" if audience is Audience.PARTNER else "reports"
    return Figure(
        draw,
        aspect,
        f"Threat map: {area.name}, the groups' recorded locations and the density of "
        f"intelligence {shown}. British National Grid.",
    )


def partner_graph_figure(store: Store, area_id: int, audience: Audience) -> Figure | None:
    """The area's partner graph (render/graph.py, as in the Partners tab)."""
    import dataclasses

    from socmap.render.graph import draw_graph
    from socmap.render.partner_graph import scene_for
    from socmap.services.partner_graphs import partner_graph, positions

    g = partner_graph(store, area=area_id)
    withheld = 0
    if audience is Audience.PARTNER:
        # a group is drawn only when the handling policy lets the audience see it (may_share)
        from socmap.services.profile_live import partner_listable

        listable, _note = partner_listable(store, area_id, audience)
        hidden = [
            n
            for n, d in g.nodes(data=True)
            if d.get("kind") == "ocg" and not listable(int(d.get("record_id", -1)))
        ]
        withheld = len(hidden)
        g = g.copy()
        g.remove_nodes_from(hidden)
    if g.number_of_nodes() == 0:
        return None
    scene = scene_for(g, positions(g), title="")
    if audience is Audience.PARTNER:
        # groups by reference only (their names may carry a family name)
        scene = dataclasses.replace(
            scene,
            nodes=[
                dataclasses.replace(n, label=_ref_label(n.label), tooltip="")
                if n.kind == "ocg"
                else n
                for n in scene.nodes
            ],
        )

    def draw(painter: QPainter, rect: QRectF) -> None:
        k = max(1.0, 820.0 / rect.width())  # lay out at ~820 px so labels and legend fit
        painter.save()
        painter.translate(rect.x(), rect.y())
        painter.scale(1.0 / k, 1.0 / k)
        draw_graph(painter, scene, QRectF(0, 0, rect.width() * k, rect.height() * k), margin=30)
        painter.restore()

    return Figure(
        draw,
        0.72,
        "Partner graph: partner agencies serving the area, its partnership structure and the "
        "groups they are linked to (as intelligence source, enforcement lever, safeguarding "
        "lead or action owner)."
        + (
            f" {plural(withheld, 'group')} withheld from this version by the handling policy."
            if withheld
            else ""
        ),
    )


def _ref_label(label: str) -> str:
    return label.split(" ", 1)[0] if label.startswith("OCG-") else "OCG"


def build_report(
    store: Store,
    area_id: int,
    *,
    audience: Audience = Audience.INTERNAL,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Report:
    """Assemble one area's profile as report blocks (no file written)."""
    progress = progress or NullProgress()
    today = today or dt.date.today()
    area = profiles.get_area(store, area_id)
    handling = profiles.handling(store, area_id)
    sections = profiles.sections(store, area_id)
    status = profiles.area_completeness(store, area_id, today=today)
    progress.status("Collecting live data")
    live = profile_data.live_sections(store, area_id, audience=audience, today=today)
    check_cancelled(progress)
    partner = audience is Audience.PARTNER
    # partners get narrative a person cleared for them, nothing else (fail closed)
    identities = redaction.redactor_for(store) if partner else None

    # the force's one export rule: the profile's own marking, never below the default
    marking = str(export_marking([str(handling.marking if handling else DEFAULT_MARKING)]))
    force = profiles.force_name(store)
    owner = handling.owner if handling and handling.owner else "not set"
    review = handling.review_date.isoformat() if handling and handling.review_date else "not set"
    period = (
        f"{handling.data_from.isoformat()} to {handling.data_to.isoformat()}"
        if handling and handling.data_from and handling.data_to
        else "not set"
    )
    consulted = ", ".join(handling.partners_consulted) if handling else ""
    audience_text = (
        "Partner version: for the partnership board (no nominal identities)"
        if partner
        else "Internal version: police only"
    )
    title = f"SOC local profile: {area.name}"
    cover = Cover(
        title="Serious and organised crime local profile",
        subtitle=f"{area.name}" + (f" - {force}" if force else ""),
        details=(
            ("Protective marking", marking),
            ("Owner", owner),
            ("Review date", review),
            ("Data period", period),
            ("Partners consulted", consulted or "none recorded"),
            ("Audience", audience_text),
            (
                "Completeness",
                f"{status.percent}% ({status.done} of {plural(status.total, 'check')} met)",
            ),
            # a partner version names no account (they are people's names)
            ("Produced", today.isoformat() + ("" if partner else f" by {store.actor}")),
        ),
        notice=HANDLING_NOTICE.format(marking=marking),
    )
    blocks: list[Block] = []
    for spec in SECTIONS:
        blocks.append(Heading(f"{spec.number}. {spec.title}"))
        if spec.key == "handling":
            blocks.append(
                Table(
                    (),
                    (
                        ("Marking", marking),
                        ("Owner", owner),
                        ("Partners consulted", consulted or "none recorded"),
                        ("Data period", period),
                        ("Review date", review + " (annual, and on major change)"),
                    ),
                    widths=(1, 2.6),
                    key_value=True,
                )
            )
            blocks.append(
                Paragraph(
                    f"Completeness: {status.percent}% ({status.done} of {plural(status.total, 'check')} met).",
                    "body",
                )
            )
            if status.missing:
                blocks.append(Paragraph("Still missing:", "body"))
                blocks.append(Bullets(status.missing, "body"))
            continue
        sv = sections.get(spec.key)
        if sv is None or not sv.text.strip():
            blocks.append(Paragraph("Not yet written.", "warning"))
        else:
            text = (
                narrative_clearance.partner_text(store, area_id, spec.key, sv.version, identities)
                if identities is not None
                else sv.text
            )
            for para in [p.strip() for p in text.split("\n") if p.strip()]:
                blocks.append(Paragraph(para, "note" if text == NOT_CLEARED else "body"))
            # owners are officers and sources free text: both stay in the police version
            meta = (
                f"Section owner: {sv.owner or 'not recorded'}; last updated "
                f"{sv.saved_at[:10]} (version {sv.version}); sources: "
                f"{sv.sources or 'not recorded'}."
                if identities is None
                else f"Last updated {sv.saved_at[:10]} (version {sv.version}); owner and "
                "sources are recorded in the police version."
            )
            blocks.append(Paragraph(meta, "meta"))
            if sv.conflict_with:
                blocks.append(
                    Paragraph(
                        f"Version {sv.version} was saved over version {sv.conflict_with} by "
                        "another editor; both are kept until they are reconciled.",
                        "warning",
                    )
                )
        for ls in (x for x in live if x.section == spec.key):
            check_cancelled(progress)
            blocks.append(Heading(ls.title, level=2))
            for text in ls.paragraphs:
                blocks.append(Paragraph(text, "body" if ls.available else "note"))
            fig = _fig_for(ls.figure, store, area_id, audience) if ls.figure else None
            if fig is not None:
                blocks.append(fig)
            for t in ls.tables:
                blocks.append(
                    Table(t.headers, t.rows, widths=t.widths, flagged=t.flagged, caption=t.caption)
                )
            if ls.note:
                blocks.append(Paragraph(ls.note, "note"))
    blocks.append(PageBreak())
    blocks.append(Heading("About this profile"))
    blocks.append(
        Paragraph(
            "Narrative sections are written by analysts and partners; each shows its owner, when "
            "it was last updated and its sources. Data sections are generated from the socmap "
            f"database on {today.isoformat()} and change as the record changes."
        )
    )
    missing = profile_data.unavailable_features(live)
    if missing:
        blocks.append(
            Paragraph(
                "Data sections not available in this version of socmap: "
                + ", ".join(missing)
                + ".",
                "note",
            )
        )
    if partner:
        blocks.append(
            Paragraph(
                "This is the partner version: nominal identities, OCG names and intelligence whose "
                "handling code restricts sharing have been left out.",
                "note",
            )
        )
    return Report(
        title=title + (" (partner version)" if partner else ""),
        marking=marking,
        blocks=blocks,
        cover=cover,
        author="socmap" if partner else f"socmap ({store.actor})",
        produced=today,
        footer_note=f"{area.name} SOC local profile - review by {review}",
    )


def export_profile(
    store: Store,
    *,
    area: str | int,
    fmt: str | None = None,
    audience: str | Audience,
    path: str | Path,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write one area's profile to ``path`` as PDF or DOCX, and record the export.

    Raises:
        PermissionDenied: the acting account may not export.
        NotFoundError: there is no such area.
        ValidationError: unknown format or audience.
    """
    progress = progress or NullProgress()
    profiles.require_export(store)
    path = Path(path).expanduser()
    fmt = format_for(path, fmt, FORMATS, default="pdf")
    try:
        aud = Audience(audience)
    except ValueError:
        raise ValidationError(
            "audience", f"'{audience}' is not an audience (use internal or partner)"
        ) from None
    a = profiles.get_area(store, area) if isinstance(area, int) else profiles.find_area(store, area)
    check_target(store, path)
    progress.advance(0, 3)
    report = build_report(store, a.id, audience=aud, today=today, progress=progress)
    progress.advance(1, 3)
    progress.status(f"Writing {fmt.upper()}")
    pages = 0

    def write(tmp: Path) -> None:
        nonlocal pages
        pages = render_pdf(report, tmp) if fmt == "pdf" else write_docx(report, tmp)

    def record(w: Written) -> None:
        profiles.record_export(
            store,
            area_id=a.id,
            fmt=fmt,
            audience=aud.value,
            path=str(w.path),
            marking=report.marking,
            pages=pages,
            sha256=w.sha256,
        )

    write_file(store, path, write, record)
    progress.advance(3, 3)
    return ExportResult(path, a.name, fmt, aud.value, report.marking, pages)


# ------------------------------------------------------------------------------------ DOCX


def _midday(day: dt.date | None) -> dt.datetime:
    return dt.datetime.combine(day or dt.date.today(), dt.time(12, 0), tzinfo=dt.UTC)


def write_docx(report: Report, path: str | Path) -> int:
    """Write ``report`` as an editable DOCX (marking in every header and footer); returns 0.

    Word lays out its own pages, so the page count is not known here.
    """
    import io

    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    props = doc.core_properties
    props.title = f"{report.title} [{report.marking}]"
    props.subject = report.marking
    props.keywords = report.marking
    props.category = report.marking
    props.content_status = report.marking
    props.author = report.author
    props.last_modified_by = report.author
    props.comments = f"Protective marking: {report.marking}"
    # the export date (python-docx's template carries its own 2013 dates otherwise)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = now if report.produced in (None, now.date()) else _midday(report.produced)
    props.created = props.modified = stamp
    props.revision = 1

    styles = doc.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    for part in (section.header, section.footer):
        para = part.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(report.marking)
        run.bold = True
    if report.footer_note:
        fp = section.footer.add_paragraph(report.footer_note)
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for r in fp.runs:
            r.font.size = Pt(8)

    red = RGBColor(0xA0, 0x18, 0x18)
    muted = RGBColor(0x5A, 0x5A, 0x5A)

    def add_table(t: Table) -> None:
        ncol = len(t.headers) if t.headers else (len(t.rows[0]) if t.rows else 0)
        if ncol == 0:
            return
        if t.caption:
            cp = doc.add_paragraph()
            cr = cp.add_run(t.caption)
            cr.bold = True
            cr.font.size = Pt(9)
        header = not t.key_value and bool(t.headers)
        table = doc.add_table(rows=0, cols=ncol)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        if header:
            cells = table.add_row().cells
            for i, h in enumerate(t.headers):
                cells[i].text = ""
                run = cells[i].paragraphs[0].add_run(h)
                run.bold = True
                run.font.size = Pt(8.5)
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            el = OxmlElement("w:tblHeader")  # repeat the header row on each page
            el.set(qn("w:val"), "true")
            tr_pr.append(el)
        for k, row in enumerate(t.rows):
            cells = table.add_row().cells
            flagged = k < len(t.flagged) and t.flagged[k]
            for i, value in enumerate(list(row)[:ncol]):
                cells[i].text = ""
                run = cells[i].paragraphs[0].add_run(str(value))
                run.font.size = Pt(8.5)
                if flagged:
                    run.font.color.rgb = red
                if t.key_value and i == 0:
                    run.bold = True
        if len(t.widths) == ncol:
            total = sum(t.widths)
            for row_ in table.rows:
                for i, cell in enumerate(row_.cells):
                    cell.width = Cm(17.4 * t.widths[i] / total)
        doc.add_paragraph()

    if report.cover is not None:
        c = report.cover
        for _ in range(4):
            doc.add_paragraph()
        tp = doc.add_paragraph()
        tr = tp.add_run(c.title)
        tr.bold = True
        tr.font.size = Pt(24)
        tr.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        if c.subtitle:
            sp = doc.add_paragraph()
            sp.add_run(c.subtitle).font.size = Pt(14)
        mp = doc.add_paragraph()
        mp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        mr = mp.add_run(report.marking)
        mr.bold = True
        mr.font.size = Pt(13)
        add_table(Table((), c.details, widths=(1, 2.6), key_value=True))
        if c.notice:
            np_ = doc.add_paragraph()
            nr = np_.add_run(c.notice)
            nr.italic = True
            nr.font.size = Pt(9)
            nr.font.color.rgb = muted
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for b in report.blocks:
        if isinstance(b, Heading):
            doc.add_heading(b.text, level=min(max(b.level, 1), 3))
        elif isinstance(b, Paragraph):
            p = doc.add_paragraph()
            run = p.add_run(b.text)
            if b.style == "note":
                run.italic = True
                run.font.color.rgb = muted
            elif b.style == "meta":
                run.font.size = Pt(8)
                run.font.color.rgb = muted
            elif b.style == "warning":
                run.bold = True
                run.font.color.rgb = red
        elif isinstance(b, Bullets):
            for item in b.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(b, Table):
            add_table(b)
        elif isinstance(b, Figure):
            doc.add_picture(io.BytesIO(figure_png(b)), width=Cm(16))
            if b.caption:
                cp = doc.add_paragraph()
                cr = cp.add_run(b.caption)
                cr.italic = True
                cr.font.size = Pt(8.5)
        elif isinstance(b, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.save(str(path))
    return 0
