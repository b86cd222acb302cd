"""Write an i2 Analyst's Notebook chart (.anx) with anxwritter from a :class:`services.anx.Chart`.

The chart's protective marking goes in its summary (subject, keywords and a ``Protective
marking`` custom property) and in its title; handling conditions travel in a custom property.
The file is written to a temporary file beside the target and moved into place, and the audit
row records its SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from socmap.domain.errors import SocmapError
from socmap.services import anx
from socmap.services.anx import Chart
from socmap.services.output import Written, check_target, format_for, write_file
from socmap.store.db import Store

#: i2 icon types for socmap's entity types.
_ICONS = {anx.PERSON: "Person", anx.GROUP: "Organisation", anx.LOCATION: "Place",
          anx.PARTNER: "Organisation"}  # fmt: skip


@dataclass(frozen=True)
class AnxResult:
    """What was written."""

    path: Path
    entities: int
    links: int
    left_out: int
    marking: str
    sha256: str


def to_anxwritter(chart: Chart) -> object:
    """The anxwritter chart object for ``chart`` (kept separate so tests can inspect it)."""
    from anxwritter import ANXChart, Card, GradeCollection, Settings

    custom = [
        {"name": "Protective marking", "value": chart.marking},
        {"name": "Audience", "value": chart.audience},
        {"name": "Produced by", "value": "socmap"},
    ]
    if chart.conditions:
        custom.append({"name": "Handling conditions", "value": "; ".join(chart.conditions)})
    geo = {
        e.identity: [float(e.attributes["Latitude"]), float(e.attributes["Longitude"])]
        for e in chart.entities
        if "Latitude" in e.attributes and "Longitude" in e.attributes
    }
    settings: dict[str, object] = {
        "summary": {
            "title": f"{chart.marking} - {chart.title}",
            "subject": chart.marking,
            "keywords": chart.marking,
            "comments": f"{chart.marking}. Audience: {chart.audience}."
            + (f" Handling conditions: {'; '.join(chart.conditions)}" if chart.conditions else ""),
            "custom_properties": custom,
        }
    }
    if geo:
        settings["extra_cfg"] = {
            "geo_map": {"attribute_name": "Reference", "mode": "latlon", "data": geo}
        }
    c = ANXChart(settings=Settings.from_dict(settings))
    c.grades_one = GradeCollection(items=list(anx.GRADES_ONE))
    c.grades_two = GradeCollection(items=list(anx.GRADES_TWO))
    c.grades_three = GradeCollection(items=list(anx.GRADES_THREE))

    def index(values: tuple[str, ...], value: str | None) -> int | None:
        # anxwritter reads a digit string as an index, so grades are always passed as indexes
        return values.index(value) if value in values else None

    def grades(k: anx.Card) -> tuple[int | None, int | None, int | None]:
        one, two, three = k.grades
        return (
            index(anx.GRADES_ONE, one),
            index(anx.GRADES_TWO, two),
            index(anx.GRADES_THREE, three),
        )

    def cards(items: tuple[anx.Card, ...]) -> list[object]:
        out = []
        for k in items:
            one, two, three = grades(k)
            out.append(
                Card(
                    summary=k.summary,
                    date=k.date,
                    description=anx.card_text(k) or None,
                    source_ref=k.source_ref or None,
                    grade_one=one,
                    grade_two=two,
                    grade_three=three,
                )
            )
        return out

    for e in chart.entities:
        attrs = {
            k: v for k, v in e.attributes.items() if k not in ("Latitude", "Longitude") or not geo
        }
        c.add_icon(
            id=e.identity,
            type=e.type,
            label=e.label,
            attributes=attrs,
            cards=cards(e.cards),
            icon=_ICONS.get(e.type),
        )
    for link in chart.links:
        first = grades(link.cards[0]) if link.cards else (None, None, None)
        c.add_link(
            from_id=link.source,
            to_id=link.target,
            type=link.type,
            label=link.label or None,
            date=link.date,
            attributes=dict(link.attributes),
            cards=cards(link.cards),
            source_ref=(link.cards[0].source_ref or None) if link.cards else None,
            grade_one=first[0],
            grade_two=first[1],
            grade_three=first[2],
        )
    return c


def write_anx(
    store: Store,
    *,
    scope: str,
    audience: str,
    path: Path,
    ocg_id: int | None = None,
) -> AnxResult:
    """Build the chart for ``audience``, write it to ``path`` and put the export on record."""
    chart = anx.build_chart(store, scope=scope, audience=audience, ocg_id=ocg_id)
    path = Path(path)
    check_target(store, path)
    format_for(path, None, ("anx",), default="anx")  # out.pdf is refused: it would hold ANX
    c = to_anxwritter(chart)
    errors = c.validate()  # type: ignore[attr-defined]
    if errors:
        raise SocmapError(f"the chart for {path} is not valid for i2: {errors[0]}")

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            for chunk in c.iter_anx_bytes():  # type: ignore[attr-defined]
                fh.write(chunk)

    def record(written: Written) -> str:
        anx.record_export(
            store,
            chart=chart,
            scope=scope,
            ocg_id=ocg_id,
            path=written.path,
            sha256=written.sha256,
        )
        return written.sha256

    sha = write_file(store, path, write, record)
    return AnxResult(
        path, len(chart.entities), len(chart.links), chart.left_out, chart.marking, sha
    )
