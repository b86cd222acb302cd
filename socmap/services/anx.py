"""i2 Analyst's Notebook charts: what goes into one for an audience, and reading one back.

The chart is a plain model (:class:`Chart`: entities, links, cards with grades) that
``socmap.export.anx`` writes with anxwritter and :func:`read_anx` reads from an ANX file, so the
export and the import agree on one vocabulary:

* entity types ``Person``, ``OCG``, ``Location`` and ``Partner agency``; identities are socmap
  references (``NOM-0012``, ``OCG-0003``, ``LOC-0044``, ``PTN-0002``);
* links carry their relation as the link type (``Member of`` with the role as label,
  association and group-link kinds by their labels, partner relations), with dates;
* a graded item carries a card with its grade as recorded (3x5x2 or 5x5x5, never converted:
  the grade collections hold both schemes' letters and digits, and the source grade tells the
  scheme apart), its source as the card's source reference and its handling conditions;
* locations carry WGS84 ``Latitude``/``Longitude`` attributes so i2 can map them.

What goes in for each audience is decided by :mod:`socmap.services.handling` (the one policy):
graded links through ``may_share``, records by their marking; for the partner and
neighbourhood audiences people and groups appear by reference only (no names, no dates of
birth), and people at risk are left out.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from socmap.domain.errors import SocmapError, ValidationError
from socmap.domain.grading import Grading
from socmap.domain.groups import Ocg
from socmap.domain.ids import format_ocg_ref
from socmap.domain.network import ASSOCIATION_KINDS, OCG_LINK_KINDS
from socmap.domain.partners import LINK_RELATIONS, PARTNER_TYPE_SHORT
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.graph.network import NetworkFilter
from socmap.services import handling, network
from socmap.services.auth import require
from socmap.services.geography import bng_to_lonlat
from socmap.store import audit, groups
from socmap.store import network as net
from socmap.store import partners as partner_rows
from socmap.store.db import Store, unit_of_work

SCOPES = ("ocg", "between-groups", "partners")

PERSON, GROUP, LOCATION, PARTNER = "Person", "OCG", "Location", "Partner agency"
MEMBER_OF = "Member of"
USES_LOCATION = "Uses location"
SHARED_MEMBERS = "Shared members"

#: The grade collections written to every chart: both schemes' values, in a fixed order.
GRADES_ONE = ("1", "2", "3", "A", "B", "C", "D", "E")  # source: 3x5x2 digits, 5x5x5 letters
GRADES_TWO = ("A", "B", "C", "D", "E", "1", "2", "3", "4", "5")  # intelligence
GRADES_THREE = ("P", "C", "1", "2", "3", "4", "5")  # handling


@dataclass(frozen=True)
class Card:
    """Evidence on an entity or link: a grade as recorded, its source and conditions."""

    summary: str
    source_ref: str = ""
    date: str | None = None
    scheme: str = ""
    grade: str = ""
    handling: str = ""
    conditions: str = ""

    @property
    def grades(self) -> tuple[str | None, str | None, str | None]:
        """(source, intelligence, handling) as the chart's grade collections hold them."""
        if not self.grade:
            return None, None, None
        return self.grade[0], self.grade[1:], self.handling or None


@dataclass(frozen=True)
class Entity:
    """A chart entity: ``identity`` is a socmap reference, ``type`` one of the four types."""

    identity: str
    type: str
    label: str
    attributes: dict[str, str | float] = field(default_factory=dict)
    cards: tuple[Card, ...] = ()


@dataclass(frozen=True)
class Link:
    """A chart link between two entity identities, with its relation (type) and dates."""

    source: str
    target: str
    type: str
    label: str = ""
    date: str | None = None
    attributes: dict[str, str | float] = field(default_factory=dict)
    cards: tuple[Card, ...] = ()


@dataclass
class Chart:
    """A chart's content and its handling: marking, audience and what was left out."""

    title: str
    marking: str
    audience: str
    entities: list[Entity] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    left_out: int = 0
    conditions: tuple[str, ...] = ()

    def entity(self, identity: str) -> Entity | None:
        """The entity with this identity, or None."""
        return next((e for e in self.entities if e.identity == identity), None)


def nominal_ref(nominal_id: int) -> str:
    """A person's reference on a chart: ``NOM-0012``."""
    return f"NOM-{int(nominal_id):04d}"


def _ref(prefix: str, n: int) -> str:
    return f"{prefix}-{int(n):04d}"


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _grading_card(
    summary: str, *, scheme: str, grade: str, handling_code: str, conditions: str, source: str,
    date: str | None,
) -> Card:  # fmt: skip
    return Card(
        summary=summary,
        source_ref=source,
        date=date,
        scheme=scheme if grade else "",
        grade=grade,
        handling=handling_code,
        conditions=conditions,
    )


class _Builder:
    """Collects a chart's items, asking the handling policy about each."""

    def __init__(self, store: Store, audience: str, title: str) -> None:
        self.store = store
        self.audience = handling.parse_audience(audience)
        self.named = self.audience is handling.Audience.INTERNAL
        self.chart = Chart(title=title, marking="", audience=self.audience.value)
        self.markings: list[str] = []
        self.conditions: list[str] = []
        self.card_conditions = ""
        self._ids: set[str] = set()

    def record_allowed(self, marking: str) -> bool:
        d = handling.may_share(audience=self.audience, marking=marking, is_intelligence=False)
        if d.allowed:
            self.markings.append(marking)
        else:
            self.chart.left_out += 1
        return d.allowed

    def graded_allowed(
        self, *, marking: str, scheme: str, grade: str, code: str, cond: str
    ) -> bool:
        grading = Grading(scheme, grade, code, cond) if grade else None
        d = handling.may_share(audience=self.audience, marking=marking, grading=grading)
        if not d.allowed:
            self.chart.left_out += 1
            return False
        self.markings.append(marking)
        # what the card may say about conditions is the policy's: the recorded text inside the
        # police, a standard note outside it (the text is free text nobody has cleared)
        self.card_conditions = cond if self.named else (d.conditions if grading else "")
        if d.conditions and d.conditions not in self.conditions:
            self.conditions.append(d.conditions)
        return True

    def has(self, identity: str) -> bool:
        return identity in self._ids

    def add(self, e: Entity) -> None:
        if e.identity not in self._ids:
            self._ids.add(e.identity)
            self.chart.entities.append(e)

    def link(self, link: Link) -> None:
        if self.has(link.source) and self.has(link.target):
            self.chart.links.append(link)

    def group(self, ocg: Ocg) -> bool:
        ref = format_ocg_ref(ocg.id or 0)
        if self.has(ref):
            return True
        # other audiences see a reference only, which carries nothing of the record
        if self.named:
            self.markings.append(str(ocg.marking))
        attrs: dict[str, str | float] = {"Reference": ref, "Status": ocg.status.value}
        if self.named:
            attrs["Primary market"] = ocg.primary_market or ""
        self.add(Entity(ref, GROUP, ocg.name if self.named else ref, attrs))
        return True

    def person(self, nominal_id: int) -> bool:
        ref = nominal_ref(nominal_id)
        if self.has(ref):
            return True
        n = groups.get_nominal(self.store, nominal_id)
        if self.named:
            self.markings.append(str(n.marking))
        attrs: dict[str, str | float] = {"Reference": ref}
        if self.named:
            if n.date_of_birth:
                attrs["Date of birth"] = n.date_of_birth.isoformat()
            if n.aliases:
                attrs["Aliases"] = "; ".join(n.aliases)
        self.add(Entity(ref, PERSON, n.full_name if self.named else ref, attrs))
        return True

    def finish(self) -> Chart:
        self.chart.marking = handling.export_marking(self.markings).value
        self.chart.conditions = tuple(self.conditions)
        return self.chart


def _locations(b: _Builder, store: Store, ocg: Ocg) -> None:
    ref = format_ocg_ref(ocg.id or 0)
    for loc in groups.locations_of(store, ocg.id or 0):
        if not b.record_allowed(str(ocg.marking)):
            continue
        lon, lat = (
            (float(loc.source_x or 0), float(loc.source_y or 0))
            if loc.source_crs == "EPSG:4326" and loc.source_x is not None
            else bng_to_lonlat(loc.easting, loc.northing)
        )
        lref = _ref("LOC", loc.id or 0)
        label = loc.label if b.named and loc.label else lref
        attrs: dict[str, str | float] = {
            "Reference": lref,
            "Kind": loc.kind,
            "Latitude": lat,
            "Longitude": lon,
            "Easting": loc.easting,
            "Northing": loc.northing,
        }
        b.add(Entity(lref, LOCATION, label, attrs))
        b.link(Link(ref, lref, USES_LOCATION, loc.kind))


def _ocg_chart(b: _Builder, store: Store, ocg_id: int) -> None:
    ocg = groups.get_ocg(store, ocg_id)
    b.group(ocg)
    ref = format_ocg_ref(ocg_id)
    flt = NetworkFilter(include_at_risk=b.named)
    g = network.ocg_network(store, ocg_id, steps=1, flt=flt)
    people = sorted(int(p) for p in g.nodes)
    for pid in people:
        b.person(pid)
    for m, n in groups.members_of(store, ocg_id):
        if m.end is not None and m.end < dt.date.today():
            continue
        if not b.record_allowed(str(n.marking)):
            continue
        b.link(
            Link(
                nominal_ref(m.nominal_id),
                ref,
                MEMBER_OF,
                m.role.value,
                _iso(m.start),
                {"Role": m.role.value},
            )
        )
    wanted = set(people)
    seen: set[int] = set()
    for pid in people:
        for a in net.associations_of(store, pid):
            if a.id in seen or a.nominal_a not in wanted or a.nominal_b not in wanted:
                continue
            seen.add(a.id or 0)
            if a.kind == "exploited_by" and not b.named:
                continue
            if not b.graded_allowed(
                marking="OFFICIAL-SENSITIVE",
                scheme=a.grading_scheme,
                grade=a.grade,
                code=a.handling,
                cond=a.handling_conditions,
            ):
                continue
            label = ASSOCIATION_KINDS.get(a.kind, a.kind)
            card = _grading_card(
                label,
                scheme=a.grading_scheme,
                grade=a.grade,
                handling_code=a.handling,
                conditions=b.card_conditions,
                source=a.source,
                date=_iso(a.start),
            )
            b.link(
                Link(
                    nominal_ref(a.nominal_a),
                    nominal_ref(a.nominal_b),
                    label,
                    label,
                    _iso(a.start),
                    {"Ends": _iso(a.end) or ""} if a.end else {},
                    (card,),
                )
            )
    _locations(b, store, ocg)


def _between_groups_chart(b: _Builder, store: Store) -> None:
    g = network.group_links(store)
    for oid in sorted(int(o) for o in g.nodes):
        b.group(groups.get_ocg(store, oid))
    links = {x.id: x for x in net.ocg_links(store)}
    for a, c, d in g.edges(data=True):
        ra, rc = format_ocg_ref(int(a)), format_ocg_ref(int(c))
        if d.get("relation") == "shared_members":
            b.link(Link(ra, rc, SHARED_MEMBERS, f"{d.get('weight', 1)} shared"))
            continue
        x = links.get(d.get("link_id"))
        if x is None:
            continue
        if not b.graded_allowed(
            marking="OFFICIAL-SENSITIVE",
            scheme=x.grading_scheme,
            grade=x.grade,
            code=x.handling,
            cond=x.handling_conditions,
        ):
            continue
        label = OCG_LINK_KINDS.get(x.kind, x.kind)
        card = _grading_card(
            label,
            scheme=x.grading_scheme,
            grade=x.grade,
            handling_code=x.handling,
            conditions=b.card_conditions,
            source=x.source,
            date=_iso(x.start),
        )
        b.link(
            Link(
                format_ocg_ref(x.ocg_a),
                format_ocg_ref(x.ocg_b),
                label,
                label,
                _iso(x.start),
                {},
                (card,),
            )
        )


def _partners_chart(b: _Builder, store: Store) -> None:
    p_marking: dict[int, str] = {}
    for p in partner_rows.list_partners(store):
        p_marking[p.id or 0] = p.marking
        b.markings.append(p.marking)
        ref = _ref("PTN", p.id or 0)
        attrs: dict[str, str | float] = {
            "Reference": ref,
            "Partner type": PARTNER_TYPE_SHORT.get(p.partner_type, p.partner_type),
        }
        b.add(Entity(ref, PARTNER, p.name, attrs))
    for link in partner_rows.list_links(store):
        if not b.has(_ref("PTN", link.partner_id)):
            continue
        if not b.record_allowed(p_marking.get(link.partner_id, "OFFICIAL-SENSITIVE")):
            continue
        b.group(groups.get_ocg(store, link.ocg_id))
        label = LINK_RELATIONS.get(link.relation, link.relation)
        b.link(
            Link(
                _ref("PTN", link.partner_id),
                format_ocg_ref(link.ocg_id),
                label,
                label,
                _iso(link.since),
            )
        )


def build_chart(store: Store, *, scope: str, audience: str, ocg_id: int | None = None) -> Chart:
    """The chart for ``scope`` (``ocg`` with ``ocg_id``, ``between-groups`` or ``partners``)."""
    require(store, Permission.EXPORT, action="export i2 charts")
    if scope not in SCOPES:
        raise ValidationError("scope", f"unknown chart '{scope}' (use {', '.join(SCOPES)})")
    if scope == "ocg":
        if ocg_id is None:
            raise ValidationError("ocg", "name the group whose network to chart")
        title = f"Network of {format_ocg_ref(ocg_id)}"
    else:
        title = "Links between groups" if scope == "between-groups" else "Partner graph"
    b = _Builder(store, audience, title)
    if scope == "ocg":
        assert ocg_id is not None
        _ocg_chart(b, store, ocg_id)
    elif scope == "between-groups":
        _between_groups_chart(b, store)
    else:
        _partners_chart(b, store)
    return b.finish()


# ------------------------------------------------------------------------------ reading


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _grade_lists(root: ET.Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in ("GradeOne", "GradeTwo", "GradeThree"):
        el = root.find(key)
        out[key] = [s.get("Text", "") for s in el.iter("String")] if el is not None else []
    return out


def _pick(values: list[str], index: str | None) -> str:
    if index is None or not index.lstrip("-").isdigit():
        return ""
    i = int(index)
    if 0 <= i < len(values) and values[i] != "-":
        return values[i]
    return ""


def _card(el: ET.Element, grades: dict[str, list[str]]) -> Card:
    one = _pick(grades["GradeOne"], el.get("GradeOneIndex"))
    two = _pick(grades["GradeTwo"], el.get("GradeTwoIndex"))
    three = _pick(grades["GradeThree"], el.get("GradeThreeIndex"))
    grade = f"{one}{two}" if one and two else ""
    scheme = ("3x5x2" if one.isdigit() else "5x5x5") if grade else ""
    text = el.get("Text", "") or ""
    m = re.search(r"Conditions: (.*)$", text, re.M)
    date = (el.get("DateTime") or "")[:10] or None
    return Card(
        summary=el.get("Summary", "") or "",
        source_ref=el.get("SourceReference", "") or "",
        date=date,
        scheme=scheme,
        grade=grade,
        handling=three if grade else "",
        conditions=m.group(1).strip() if m else "",
    )


def _attributes(item: ET.Element) -> dict[str, str | float]:
    out: dict[str, str | float] = {}
    coll = item.find("AttributeCollection")
    if coll is None:
        return out
    for a in coll.iter("Attribute"):
        name = a.get("AttributeClass") or ""
        if name:
            out[name] = a.get("Value", "") or ""
    return out


def read_anx(path: Path) -> Chart:
    """Read an ANX chart's entities, links, attributes and graded cards.

    Raises:
        SocmapError: the file cannot be read or is not an i2 chart (the file is named).
    """
    try:
        tree = ET.parse(path)
    except FileNotFoundError:
        raise SocmapError(f"{path} does not exist") from None
    except ET.ParseError as exc:
        raise SocmapError(f"{path} is not a well-formed ANX (XML) file: {exc}") from None
    root = tree.getroot()
    if _local(root.tag) != "Chart" or root.find("ChartItemCollection") is None:
        raise SocmapError(f"{path} is not an i2 chart (no Chart/ChartItemCollection)")
    grades = _grade_lists(root)
    marking = ""
    for prop in root.iter("CustomProperty"):
        if prop.get("Name") == "Protective marking":
            marking = prop.get("Value", "") or ""
    title = ""
    for f in root.iter("Field"):
        if f.get("Type") == "SummaryFieldTitle":
            title = f.get("Field", "") or ""
    chart = Chart(title=title, marking=marking, audience="")
    by_entity_id: dict[str, str] = {}
    pending: list[tuple[ET.Element, ET.Element]] = []
    collection = root.find("ChartItemCollection")
    for item in list(collection) if collection is not None else []:
        end = item.find("End")
        link = item.find("Link")
        if end is not None:
            ent = end.find("Entity")
            if ent is None:
                continue
            identity = ent.get("Identity") or ent.get("EntityId") or ""
            by_entity_id[ent.get("EntityId", "")] = identity
            style = ent.find(".//IconStyle")
            if style is None:
                style = next((c for c in ent.iter() if c.get("Type")), None)
            etype = style.get("Type", "") if style is not None else ""
            cards = tuple(_card(c, grades) for c in ent.iter("Card"))
            chart.entities.append(
                Entity(identity, etype, item.get("Label", "") or identity, _attributes(item), cards)
            )
        elif link is not None:
            pending.append((item, link))
    for item, link in pending:
        style = link.find("LinkStyle")
        ltype = (style.get("Type") if style is not None else "") or ""
        chart.links.append(
            Link(
                by_entity_id.get(link.get("End1Id", ""), ""),
                by_entity_id.get(link.get("End2Id", ""), ""),
                ltype,
                item.get("Label", "") or "",
                (item.get("DateTime") or "")[:10] or None,
                _attributes(item),
                tuple(_card(c, grades) for c in link.iter("Card")),
            )
        )
    return chart


def describe(chart: Chart) -> dict[str, int]:
    """Counts of entity types and links, for a summary line."""
    counts: dict[str, int] = {}
    for e in chart.entities:
        counts[e.type] = counts.get(e.type, 0) + 1
    counts["links"] = len(chart.links)
    return counts


def card_text(card: Card) -> str:
    """A card's text as written: the grading in words and the handling conditions."""
    parts = []
    if card.grade:
        parts.append(f"Graded {card.scheme}: {card.grade} {card.handling}".strip())
    if card.conditions:
        parts.append(f"Conditions: {card.conditions}")
    return "\n".join(parts)


def iter_grades(items: Iterable[Entity | Link]) -> Iterable[Card]:
    """Every card on ``items``."""
    for i in items:
        yield from i.cards


@unit_of_work
def record_export(
    store: Store,
    *,
    chart: Chart,
    scope: str,
    ocg_id: int | None,
    path: Path,
    sha256: str,
) -> None:
    """The audit row for an i2 chart export (file, SHA-256, audience, marking, counts)."""
    require(store, Permission.EXPORT, action="export i2 charts")
    what = format_ocg_ref(ocg_id) if scope == "ocg" and ocg_id is not None else scope
    with store.atomic():
        audit.record(
            store,
            action="export",
            entity="anx",
            entity_id=ocg_id if scope == "ocg" and ocg_id is not None else "",
            summary=f"i2 chart ({what}) exported for the {chart.audience} audience: "
            f"{plural(len(chart.entities), 'entity')}, {plural(len(chart.links), 'link')}, "
            f"{chart.left_out} left out; marked {chart.marking}",
            extra={
                "file": str(path),
                "sha256": sha256,
                "scope": scope,
                "audience": chart.audience,
                "marking": chart.marking,
                "left_out": chart.left_out,
            },
        )
