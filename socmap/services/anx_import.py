"""Import an i2 chart's people, groups, links, locations and grades into socmap.

Entities are recognised by their i2 type: people (``Person``, ``Individual``...), groups
(``OCG``, ``Organisation``, ``Gang``...) and places with ``Latitude``/``Longitude`` attributes.
Links between a person and a group become memberships (the role from the link's ``Role``
attribute or label; ``peripheral`` when the chart does not say), person-person links become
associations (kind from the link type, grade from the link's card as recorded, source from its
source reference), group-group links become group links, and group-place links locations.
Anything else is listed as skipped, with the reason.

:func:`plan` checks every record through the domain's validation and lists problems naming the
chart item; :func:`import_chart` refuses the whole file when there is any, and otherwise writes
everything in one transaction through the register's services (each record audited) plus one
audit row with the file's SHA-256. The same file is not imported twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from socmap.domain.errors import ImportFailed, SocmapError, ValidationError
from socmap.domain.groups import (
    Location,
    Membership,
    Nominal,
    Ocg,
    validate_location,
    validate_membership,
    validate_nominal,
    validate_ocg,
)
from socmap.domain.ids import GroupId, NominalId
from socmap.domain.network import (
    ASSOCIATION_KINDS,
    OCG_LINK_KINDS,
    Association,
    OcgLink,
    validate_association,
    validate_ocg_link,
)
from socmap.domain.roles import Permission
from socmap.domain.vocab import LOCATION_KINDS, Role
from socmap.services import anx, links, register
from socmap.services.auth import require
from socmap.services.boundaries import file_sha256
from socmap.services.geography import lonlat_to_bng
from socmap.store import audit
from socmap.store.db import Store

PERSON_TYPES = {"person", "individual", "man", "woman", "nominal", "suspect", "offender"}
GROUP_TYPES = {"ocg", "organisation", "organization", "group", "gang", "organised crime group"}
PLACE_TYPES = {"location", "place", "address", "building", "house", "premises"}


def _key(text: str) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").split()).casefold()


def _kind(text: str, kinds: dict[str, str], default: str) -> str:
    wanted = _key(text)
    for k, label in kinds.items():
        if wanted in (_key(k), _key(label)):
            return k
    return default


def _date(text: object) -> dt.date | None:
    s = str(text or "").strip()[:10]
    if not s:
        return None
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


def _split_name(label: str) -> tuple[str, str]:
    if "," in label:
        s, _, f = label.partition(",")
        return s.strip(), f.strip()
    parts = label.split()
    return (parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else (label.strip(), "")


@dataclass
class AnxPlan:
    """What an import would write, and the problems that would refuse it."""

    path: Path
    groups: dict[str, Ocg] = field(default_factory=dict)
    people: dict[str, Nominal] = field(default_factory=dict)
    memberships: list[tuple[str, str, Membership]] = field(default_factory=list)
    associations: list[tuple[str, str, Association]] = field(default_factory=list)
    ocg_links: list[tuple[str, str, OcgLink]] = field(default_factory=list)
    locations: list[tuple[str, Location]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    marking: str = ""

    def counts(self) -> dict[str, int]:
        """What would be created, by kind."""
        return {
            "groups": len(self.groups),
            "people": len(self.people),
            "memberships": len(self.memberships),
            "associations": len(self.associations),
            "group_links": len(self.ocg_links),
            "locations": len(self.locations),
            "skipped": len(self.skipped),
        }

    def lines(self) -> list[str]:
        """The preview as text."""
        out = [f"{self.path.name}: " + ", ".join(f"{v} {k}" for k, v in self.counts().items())]
        out += [f"  group {i}: {o.name}" for i, o in self.groups.items()]
        out += [f"  person {i}: {n.full_name}" for i, n in self.people.items()]
        out += [f"  member: {p} in {g} as {m.role.value}" for p, g, m in self.memberships]
        out += [
            f"  link: {a} {x.kind} {b} ({x.grade or 'ungraded'})" for a, b, x in self.associations
        ]
        out += [f"  group link: {a} {x.kind} {b}" for a, b, x in self.ocg_links]
        out += [f"  location of {g}: {loc.kind}" for g, loc in self.locations]
        out += [f"  skipped: {s}" for s in self.skipped]
        out += [f"  PROBLEM: {p}" for p in self.problems]
        return out


def _check(plan: AnxPlan, where: str, fn: object, value: object) -> object | None:
    try:
        return fn(value)  # type: ignore[operator]
    except ValidationError as exc:
        plan.problems.append(f"{where}: {exc}")
        return None


def plan(path: Path) -> AnxPlan:
    """Read an ANX file and work out what importing it would create (nothing is written)."""
    chart = anx.read_anx(path)
    p = AnxPlan(path=Path(path), marking=chart.marking)
    kind_of: dict[str, str] = {}
    places: dict[str, tuple[float, float, str, str]] = {}
    for e in chart.entities:
        t = _key(e.type)
        where = f"entity '{e.identity}'"
        if t in PERSON_TYPES:
            surname, forenames = _split_name(e.label)
            n = _check(
                p,
                where,
                validate_nominal,
                Nominal(
                    surname=surname,
                    forenames=forenames,
                    date_of_birth=_date(e.attributes.get("Date of birth")),
                    aliases=tuple(
                        a.strip() for a in str(e.attributes.get("Aliases", "")).split(";") if a
                    ),
                ),
            )
            if isinstance(n, Nominal):
                p.people[e.identity] = n
                kind_of[e.identity] = "person"
        elif t in GROUP_TYPES:
            o = _check(p, where, validate_ocg, Ocg(name=e.label or e.identity))
            if isinstance(o, Ocg):
                p.groups[e.identity] = o
                kind_of[e.identity] = "group"
        elif t in PLACE_TYPES:
            try:
                lat = float(e.attributes["Latitude"])
                lon = float(e.attributes["Longitude"])
            except (KeyError, ValueError):
                p.skipped.append(f"{where} ({e.type}): no Latitude/Longitude")
                continue
            kind = _kind(str(e.attributes.get("Kind", "")), LOCATION_KINDS, "other")
            label = "" if e.label == e.identity else e.label
            places[e.identity] = (lon, lat, kind, label)
            kind_of[e.identity] = "place"
        else:
            p.skipped.append(f"{where}: type '{e.type}' is not a person, group or place")
    for n, link in enumerate(chart.links, start=1):
        a, b = link.source, link.target
        ka, kb = kind_of.get(a), kind_of.get(b)
        where = f"link {n} ({a} - {b}, {link.type})"
        card = link.cards[0] if link.cards else None
        pair = {ka, kb}
        if pair == {"person", "group"}:
            person, group = (a, b) if ka == "person" else (b, a)
            role_text = str(link.attributes.get("Role", "") or link.label)
            role = _kind(role_text, {r.value: r.value for r in Role}, "")
            if not role:
                role = Role.PERIPHERAL.value
                if role_text:
                    p.skipped.append(f"{where}: role '{role_text}' unknown; recorded as peripheral")
            m = _check(
                p,
                where,
                validate_membership,
                Membership(
                    ocg_id=GroupId(0),
                    nominal_id=NominalId(0),
                    role=Role(role),
                    start=_date(link.date),
                ),
            )
            if isinstance(m, Membership):
                p.memberships.append((person, group, m))
        elif pair == {"person"}:
            kind = _kind(link.type, ASSOCIATION_KINDS, "associate")
            if kind == "exploited_by":
                p.skipped.append(f"{where}: exploitation is recorded on the person-at-risk record")
                continue
            x = _check(
                p,
                where,
                validate_association,
                Association(
                    nominal_a=0,
                    nominal_b=1,
                    kind=kind,
                    start=_date(link.date),
                    end=_date(link.attributes.get("Ends")),
                    source=(
                        card.source_ref if card and card.source_ref else f"i2 chart {p.path.name}"
                    ),
                    grading_scheme=(card.scheme if card and card.grade else "3x5x2"),
                    grade=card.grade if card else "",
                    handling=card.handling if card else "",
                    handling_conditions=card.conditions if card else "",
                ),
            )
            if isinstance(x, Association):
                p.associations.append((a, b, x))
        elif pair == {"group"}:
            kind = _kind(link.type, OCG_LINK_KINDS, "associate")
            if _key(link.type) == _key(anx.SHARED_MEMBERS):
                p.skipped.append(f"{where}: shared members follow from the memberships")
                continue
            x = _check(
                p,
                where,
                validate_ocg_link,
                OcgLink(
                    ocg_a=0,
                    ocg_b=1,
                    kind=kind,
                    start=_date(link.date),
                    source=(
                        card.source_ref if card and card.source_ref else f"i2 chart {p.path.name}"
                    ),
                    grading_scheme=(card.scheme if card and card.grade else "3x5x2"),
                    grade=card.grade if card else "",
                    handling=card.handling if card else "",
                    handling_conditions=card.conditions if card else "",
                ),
            )
            if isinstance(x, OcgLink):
                p.ocg_links.append((a, b, x))
        elif pair == {"group", "place"}:
            group, place = (a, b) if ka == "group" else (b, a)
            lon, lat, kind, label = places[place]
            try:
                east, nn = lonlat_to_bng(lon, lat)
            except Exception:
                p.problems.append(f"{where}: coordinates {lon}, {lat} cannot be projected")
                continue
            loc = _check(
                p,
                where,
                validate_location,
                Location(
                    ocg_id=GroupId(0),
                    kind=kind,
                    easting=round(east, 1),
                    northing=round(nn, 1),
                    label=label,
                    source_x=lon,
                    source_y=lat,
                    source_crs="EPSG:4326",
                ),
            )
            if isinstance(loc, Location):
                p.locations.append((group, loc))
        else:
            p.skipped.append(f"{where}: not between people, groups or places socmap keeps")
    return p


@dataclass(frozen=True)
class AnxImportResult:
    """What an import wrote (or would write, for a dry run)."""

    plan: AnxPlan
    written: bool
    sha256: str


def import_chart(store: Store, path: Path, *, dry_run: bool = False) -> AnxImportResult:
    """Import an ANX chart: all or nothing, one transaction, audited with the file's SHA-256.

    Raises:
        ImportFailed: the chart holds an item socmap refuses (all are named), or the same file
            was imported before.
    """
    require(store, Permission.EDIT, action="import i2 charts")
    path = Path(path)
    try:
        p = plan(path)
    except SocmapError as exc:
        raise ImportFailed(str(path), str(exc).replace(f"{path}: ", "")) from None
    sha = file_sha256(path)
    if dry_run:
        return AnxImportResult(p, False, sha)
    if p.problems:
        raise ImportFailed(
            str(path), f"{len(p.problems)} item(s) refused: " + "; ".join(p.problems)
        )
    if audit.rows(store, entity="import", entity_id=sha, limit=1):
        raise ImportFailed(str(path), "this file was imported before (same SHA-256)")
    with store.atomic():
        gid: dict[str, int] = {}
        nid: dict[str, int] = {}
        for ident, o in p.groups.items():
            stored, _ = register.create_ocg(store, o)
            gid[ident] = int(stored.id or 0)
        for ident, n in p.people.items():
            stored_n, _ = register.create_nominal(store, n)
            nid[ident] = int(stored_n.id or 0)
        for person, group, m in p.memberships:
            register.add_membership(
                store,
                dataclasses.replace(
                    m, ocg_id=GroupId(gid[group]), nominal_id=NominalId(nid[person])
                ),
            )
        for a, b, x in p.associations:
            links.add_association(store, dataclasses.replace(x, nominal_a=nid[a], nominal_b=nid[b]))
        for a, b, y in p.ocg_links:
            links.add_ocg_link(store, dataclasses.replace(y, ocg_a=gid[a], ocg_b=gid[b]))
        for group, loc in p.locations:
            register.add_location(store, dataclasses.replace(loc, ocg_id=GroupId(gid[group])))
        audit.record(
            store,
            action="import",
            entity="import",
            entity_id=sha,
            summary=f"i2 chart {path.name} imported: "
            + ", ".join(f"{v} {k}" for k, v in p.counts().items()),
            extra={"source": path.name, "sha256": sha, "counts": p.counts(), "format": "anx"},
        )
    return AnxImportResult(p, True, sha)
