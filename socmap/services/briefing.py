"""What a briefing page says (no Qt): ranked groups, what to look out for, how to report.

Neighbourhood and partner versions carry no nominal identities: groups are shown by reference
(their names often carry family names), locations by kind and area only, and intelligence whose
handling restricts it is left out of the map (``services.handling.may_share``, the one policy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from socmap.domain.errors import NotFoundError
from socmap.domain.roles import Permission
from socmap.domain.vocab import DEFAULT_MARKING, LOCATION_KINDS, MARKETS, parse_marking
from socmap.services.auth import require
from socmap.services.map_data import MapData, OcgInfo, check_audience, load_map_data
from socmap.store import audit, map_rows
from socmap.store.db import Store, unit_of_work

AUDIENCE_LABELS = {
    "internal": "Internal: intelligence and investigation staff",
    "neighbourhood": "For neighbourhood policing teams",
    "partner": "For partner agencies",
}

DEFAULT_SUBMIT_TEXT = (
    "Submit what you see or hear as an intelligence report on the force intelligence system "
    "as soon as you can: what, where, when, who told you, and how they know. Partners: pass "
    "it to your police single point of contact. Anyone at immediate risk: call 999. "
    "Members of the public can report anonymously to Crimestoppers on 0800 555 111."
)

#: meta key an administrator may set to replace the default "how to submit" text.
SUBMIT_TEXT_KEY = "briefing_submit_text"

#: Signs to look out for, by OCGM market (domain brief section 7 and common practice).
LOOKOUTS: dict[str, tuple[str, ...]] = {
    "drugs": (
        "County lines: children or vulnerable adults repeatedly missing, or found far from home",
        "Young people with unexplained cash, new clothes or several phones; unusual train tickets",
        "Cuckooing: more visitors and cars at an address, open dealing, the resident rarely seen",
    ),
    "violence": (
        "Weapons carried or hidden; injuries nobody will explain",
        "Young people controlled by older associates; new gang links or sudden isolation",
    ),
    "fraud": (
        "Older or vulnerable residents targeted by callers, couriers or 'bank' phone calls",
        "Young people's bank accounts used to move money (money mules)",
    ),
    "theft": (
        "Vehicles, plant or tools stored or stripped at farms, units or lock-ups",
        "Groups scouting rural properties or dealers; number plates swapped",
    ),
    "commodities": ("Illicit tobacco, alcohol or counterfeit goods sold from shops or homes",),
    "sexual": (
        "Children with older 'boyfriends', gifts or lifts; short-let or hotel use at odd hours",
    ),
    "immigration": (
        "Workers living at their workplace, moved in groups, or without their own documents",
    ),
    "environmental": ("Large-scale fly-tipping, unlicensed waste sites, lorries at night",),
}
GENERAL_LOOKOUTS = (
    "Exploited children and adults are victims first: make a safeguarding referral",
)
MAX_ROWS = 12
MAX_LOOKOUTS = 5


@dataclass(frozen=True)
class BriefingRow:
    """One ranked group on a briefing page."""

    rank: int
    ref: str
    name: str | None  # None: withheld for this audience
    band: str | None
    markets: str
    locations: str
    members: int
    lead_here: bool
    identified_on: str | None

    @property
    def label(self) -> str:
        """Reference, with the name where the audience may see it."""
        return f"{self.name} ({self.ref})" if self.name else self.ref


@dataclass(frozen=True)
class BriefingContent:
    """Everything one briefing page shows."""

    area_id: int
    area_name: str
    force_name: str
    audience: str
    marking: str
    produced_on: str
    data_current_to: str | None
    rows: tuple[BriefingRow, ...]
    more: int
    total_groups: int
    lookouts: tuple[str, ...]
    submit_text: str
    map_data: MapData
    intel_shown: int
    #: a neighbourhood briefing (issue 16): the neighbourhood, and the map extent around it
    neighbourhood_id: int | None = None
    map_extent: tuple[float, float, float, float] | None = None
    #: draw the context layers (basemap, neighbourhoods, place names) on the map
    context_layers: bool = True

    @property
    def title(self) -> str:
        """The page heading."""
        return f"Organised crime briefing: {self.area_name}"

    @property
    def scope(self) -> str:
        """'neighbourhood' or 'area': what the page covers."""
        return "neighbourhood" if self.neighbourhood_id is not None else "area"


def _rank_key(o: OcgInfo, order: tuple[str, ...]) -> tuple:
    band_rank = -order.index(o.band) if (o.band and o.band in order) else 1
    return (
        band_rank,
        -o.members,
        -(dt.date.fromisoformat(o.identified_on).toordinal() if o.identified_on else 0),
        o.id,
    )


def _locations_text(
    data: MapData, locations: dict[int, list[tuple[str, int]]], ocg_id: int, here: int
) -> str:
    """Kinds of the group's locations by area: this area's first and unnamed, others named."""
    names = {a.id: a.name for a in data.areas}
    by_area: dict[int, list[str]] = {}
    for kind, aid in locations.get(ocg_id, []):
        label = LOCATION_KINDS.get(kind, kind).split(" / ")[0].lower()
        if label not in by_area.setdefault(aid, []):
            by_area[aid].append(label)
    parts = [", ".join(by_area.pop(here))] if here in by_area else []
    parts += [f"{', '.join(k)} ({names.get(a, 'outside the force')})" for a, k in by_area.items()]
    return "; ".join(parts)


def short_market(label: str) -> str:
    """A market label short enough for a table cell."""
    return label.split(" & ")[0].split(",")[0]


def _all(locations: dict[int, list[tuple[str, int]]]) -> list[tuple[str, int]]:
    return [x for v in locations.values() for x in v]


def _lookouts(groups: list[OcgInfo], *, has_cuckooed: bool) -> tuple[str, ...]:
    """Signs to look for, most common market first, at most MAX_LOOKOUTS plus safeguarding."""
    counts: dict[str, int] = {}
    for o in groups:
        for m in o.markets:
            counts[m] = counts.get(m, 0) + 1
    ranked = sorted((m for m in counts if m in LOOKOUTS), key=lambda m: (-counts[m], m))
    out: list[str] = []
    depth = 0
    while len(out) < MAX_LOOKOUTS and any(depth < len(LOOKOUTS[m]) for m in ranked):
        for m in ranked:
            if depth < len(LOOKOUTS[m]) and len(out) < MAX_LOOKOUTS:
                out.append(LOOKOUTS[m][depth])
        depth += 1
    cuckoo = LOOKOUTS["drugs"][2]
    if has_cuckooed and cuckoo not in out:
        out[-1:] = [cuckoo] if len(out) >= MAX_LOOKOUTS else [*out[-1:], cuckoo]
    return (*out, *GENERAL_LOOKOUTS)


def briefing_content(
    store: Store,
    *,
    area_name: str,
    audience: str,
    marking: str | None = None,
    submit_text: str | None = None,
    today: dt.date | None = None,
    band_order: tuple[str, ...] = (),
) -> BriefingContent:
    """Gather one area's briefing for ``audience`` (internal, neighbourhood or partner).

    Groups rank by band (``band_order`` lowest first, default: the registered band source's),
    then by current members, then by how recently they were identified.
    """
    check_audience(audience)
    marking_v = parse_marking(marking).value if marking else DEFAULT_MARKING.value
    area_id = map_rows.area_id_named(store, area_name)
    if area_id is None:
        names = ", ".join(n for _i, n, *_ in map_rows.area_geometries(store))
        raise NotFoundError(f"no area called '{area_name}' (areas: {names or 'none'})")
    data = load_map_data(store, audience=audience, area_id=area_id, categories=False, briefing=True)
    area = data.area(area_id)
    assert area is not None
    in_area = {int(o) for o in data.markers.ocg_id}
    groups = [
        o
        for o in data.ocgs.values()
        if o.status == "active" and (o.lead_area_id == area_id or o.id in in_area)
    ]
    groups.sort(key=lambda o: _rank_key(o, band_order or data.band_order))
    locations = map_rows.ocg_location_kinds(store, [o.id for o in groups], audience=audience)
    rows = tuple(
        BriefingRow(
            rank=i,
            ref=o.ref,
            name=o.name if audience == "internal" else None,
            band=o.band,
            markets=", ".join(short_market(MARKETS.get(m, m)) for m in o.markets),
            locations=_locations_text(data, locations, o.id, area_id),
            members=o.members,
            lead_here=o.lead_area_id == area_id,
            identified_on=o.identified_on,
        )
        for i, o in enumerate(groups[:MAX_ROWS], start=1)
    )
    lookouts = _lookouts(groups, has_cuckooed=any(k == "cuckooed" for k, _a in _all(locations)))
    text = submit_text or map_rows.meta_value(store, SUBMIT_TEXT_KEY) or DEFAULT_SUBMIT_TEXT
    return BriefingContent(
        area_id=area_id,
        area_name=area.name,
        force_name=data.force_name,
        audience=audience,
        marking=marking_v,
        produced_on=(today or dt.date.today()).isoformat(),
        data_current_to=data.latest_date,
        rows=rows,
        more=max(0, len(groups) - MAX_ROWS),
        total_groups=len(groups),
        lookouts=tuple(lookouts),
        submit_text=text,
        map_data=data,
        intel_shown=data.intel.report_count,
    )


def area_names(store: Store) -> list[str]:
    """Every area's name, by name (the pages of an atlas)."""
    return sorted(n for _i, n, *_rest in map_rows.area_geometries(store))


def check_can_export(store: Store) -> None:
    """Raise PermissionDenied unless the acting account may export."""
    require(store, Permission.EXPORT, action="export briefings")


@unit_of_work
def record_export(
    store: Store,
    *,
    what: str,
    audience: str,
    marking: str,
    file_name: str,
    areas: list[str],
    sha256: str,
    pages: int,
    marking_reason: str = "",
) -> int:
    """Write the export's audit row (no personal data in the summary); returns its id."""
    require(store, Permission.EXPORT, action="export briefings")
    with store.atomic():
        return audit.record(
            store,
            action="export",
            entity="briefing",
            # the file's name is user-supplied (it may name someone): payload only, never in a
            # chained field that disposal cannot scrub
            summary=f"{what} exported for {audience} audience, marked {marking}",
            after={"areas": areas, "pages": pages},
            extra={
                "what": what,
                "audience": audience,
                "marking": marking,
                "file": file_name,
                "sha256": sha256,
                "marking_reason": marking_reason,
            },
        )


# --- neighbourhood briefings (issue 16) ---------------------------------------------------------

#: How much of the surroundings a neighbourhood map shows on each side (fraction of its size).
SURROUNDINGS = 0.2


def _restrict(data: MapData, geom: object) -> MapData:
    """The map data with markers and intelligence cut to one neighbourhood's outline."""
    import dataclasses

    import numpy as np
    import shapely

    m = data.markers
    keep = (
        shapely.intersects_xy(geom, m.x, m.y) if len(m) else np.zeros(0, dtype=bool)  # type: ignore[arg-type]
    )
    markers = dataclasses.replace(
        m,
        location_id=m.location_id[keep],
        ocg_id=m.ocg_id[keep],
        x=m.x[keep],
        y=m.y[keep],
        area_id=m.area_id[keep],
        kind=m.kind[keep],
        active=m.active[keep],
        style=m.style[keep],
    )
    i = data.intel
    inside = (
        shapely.intersects_xy(geom, i.x, i.y) if len(i) else np.zeros(0, dtype=bool)  # type: ignore[arg-type]
    )
    kept = int(inside.sum())
    reports = round(kept * i.report_count / len(i)) if i.sampled and len(i) else 0
    intel = dataclasses.replace(
        i, x=i.x[inside], y=i.y[inside], category=i.category[inside], reports=reports
    )
    return dataclasses.replace(data, markers=markers, intel=intel)


def _neighbourhood_locations_text(
    found: list[tuple[str, int, int]],
    here: int,
    nb_names: dict[int, str],
    area_names: dict[int, str],
) -> str:
    """Kinds of a group's locations: this neighbourhood's first and unnamed, others named."""
    by_place: dict[str, list[str]] = {}
    order: list[str] = []
    for kind, nid, aid in found:
        label = LOCATION_KINDS.get(kind, kind).split(" / ")[0].lower()
        key = "" if nid == here else nb_names.get(nid) or area_names.get(aid) or "outside the force"
        if key not in by_place:
            by_place[key] = []
            order.append(key)
        if label not in by_place[key]:
            by_place[key].append(label)
    parts = [", ".join(by_place[""])] if "" in by_place else []
    parts += [f"{', '.join(by_place[k])} ({k})" for k in order if k]
    return "; ".join(parts)


def neighbourhood_briefing_content(
    store: Store,
    *,
    neighbourhood: str,
    audience: str,
    marking: str | None = None,
    submit_text: str | None = None,
    today: dt.date | None = None,
    band_order: tuple[str, ...] = (),
) -> BriefingContent:
    """Gather one neighbourhood's briefing (``NAME`` or ``AREA/NAME``) for ``audience``.

    The groups are the active ones with a location in the neighbourhood, ranked as on an area
    briefing; the map is the neighbourhood with its surroundings, its markers and the
    intelligence the audience may see inside it (the same handling rule as area briefings).
    """
    import shapely

    from socmap.services import neighbourhoods as nbs
    from socmap.store import neighbourhoods as nb_store

    check_audience(audience)
    marking_v = parse_marking(marking).value if marking else DEFAULT_MARKING.value
    nb = nbs.resolve(store, neighbourhood)
    data = load_map_data(
        store, audience=audience, area_id=nb.area_id, categories=False, briefing=True
    )
    shape = next(r for r in nb_store.neighbourhood_rows(store) if r.id == nb.id)
    geom = shapely.from_wkb(shape.geom_wkb)
    shapely.prepare(geom)
    data = _restrict(data, geom)
    present = {int(o) for o in data.markers.ocg_id} | nbs.ocg_ids_in(store, nb.id)
    groups = [o for o in data.ocgs.values() if o.status == "active" and o.id in present]
    groups.sort(key=lambda o: _rank_key(o, band_order or data.band_order))
    found = nb_store.ocg_location_neighbourhoods(store, [o.id for o in groups], audience=audience)
    many = [n.name for n in nbs.neighbourhoods(store)]
    nb_names = {
        n.id: (n.label if many.count(n.name) > 1 else n.name) for n in nbs.neighbourhoods(store)
    }
    area_names = {a.id: a.name for a in data.areas}
    rows = tuple(
        BriefingRow(
            rank=i,
            ref=o.ref,
            name=o.name if audience == "internal" else None,
            band=o.band,
            markets=", ".join(short_market(MARKETS.get(m, m)) for m in o.markets),
            locations=_neighbourhood_locations_text(
                found.get(o.id, []), nb.id, nb_names, area_names
            ),
            members=o.members,
            lead_here=True,
            identified_on=o.identified_on,
        )
        for i, o in enumerate(groups[:MAX_ROWS], start=1)
    )
    kinds = [k for v in found.values() for k, nid, _a in v if nid == nb.id]
    lookouts = _lookouts(groups, has_cuckooed="cuckooed" in kinds)
    text = submit_text or map_rows.meta_value(store, SUBMIT_TEXT_KEY) or DEFAULT_SUBMIT_TEXT
    minx, miny, maxx, maxy = nb.bounds
    pad = max(maxx - minx, maxy - miny) * SURROUNDINGS
    return BriefingContent(
        area_id=int(nb.area_id or 0),
        area_name=f"{nb.name} ({nb.area})" if nb.area else nb.name,
        force_name=data.force_name,
        audience=audience,
        marking=marking_v,
        produced_on=(today or dt.date.today()).isoformat(),
        data_current_to=data.latest_date,
        rows=rows,
        more=max(0, len(groups) - MAX_ROWS),
        total_groups=len(groups),
        lookouts=tuple(lookouts),
        submit_text=text,
        map_data=data,
        intel_shown=data.intel.report_count,
        neighbourhood_id=nb.id,
        map_extent=(minx - pad, miny - pad, maxx + pad, maxy + pad),
    )


def neighbourhood_labels(store: Store, area_name: str) -> list[str]:
    """The ``AREA/NAME`` of every neighbourhood of an area, by name (the pages of its atlas)."""
    from socmap.services import neighbourhoods as nbs

    if map_rows.area_id_named(store, area_name) is None:
        names = ", ".join(area_names(store))
        raise NotFoundError(f"no area called '{area_name}' (areas: {names or 'none'})")
    found = nbs.in_area(store, area_name)
    if not found:
        raise NotFoundError(f"the area '{area_name}' has no neighbourhoods: import them first")
    return [n.label for n in found]
