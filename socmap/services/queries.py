"""Read models for tables, panes and the CLI: plain tuples and dataclasses, no Qt."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from socmap.domain.errors import NotFoundError
from socmap.domain.groups import Area, Location, Membership, Nominal, Ocg
from socmap.domain.text import Page
from socmap.domain.vocab import MARKETS
from socmap.store import areas, groups
from socmap.store.db import Store
from socmap.store.migrations import schema_version


class RegisterRow(NamedTuple):
    """One OCG as the register table shows it."""

    id: int
    name: str
    status: str
    markets: tuple[str, ...]
    lead_area: str | None
    lro: str
    identified_on: str | None
    marking: str
    aliases: tuple[str, ...]
    members: int
    locations: int
    refs: str
    band: str | None = None
    due_state: str | None = None
    due: str | None = None
    #: The force's areas it has locations in, busiest first (derived from its locations).
    areas_of_operation: tuple[str, ...] = ()
    #: Operates across an area boundary or the force boundary.
    cross_border: bool = False
    #: Has locations outside every area of the force.
    outside_force: bool = False

    def operates_in(self, area: str) -> bool:
        """Led from ``area`` or has locations in it (names compared without case)."""
        key = area.casefold()
        return (self.lead_area or "").casefold() == key or any(
            a.casefold() == key for a in self.areas_of_operation
        )

    @property
    def operation_label(self) -> str:
        """E.g. ``Shropshire, Telford & Wrekin + outside the force``."""
        text = ", ".join(self.areas_of_operation)
        if self.outside_force:
            text = f"{text} + outside the force" if text else "outside the force"
        return text

    @property
    def display_id(self) -> str:
        """``OCG-0042``."""
        return f"OCG-{self.id:04d}"

    @property
    def market_labels(self) -> str:
        """Markets as readable labels, primary first."""
        return ", ".join(MARKETS.get(m, m) for m in self.markets)


def register(store: Store, *, with_schedule: bool = True) -> list[RegisterRow]:
    """Every OCG, by id, with its current band and (optionally) its re-assessment state."""
    from socmap.services import reassessment, scoring
    from socmap.services.geography import all_ocg_geographies
    from socmap.store import scoring as score_rows

    approved = score_rows.latest_approved(store)  # read once: bands and the schedule share it
    bands = scoring.current_bands(store, approved)
    geographies = all_ocg_geographies(store)
    due: dict[int, tuple[str, str | None]] = {}
    if with_schedule:
        report = reassessment.schedule(store, approved=approved)
        due = {
            r.ocg_id: (r.state.value, r.due.isoformat() if r.due else None)
            for r in [*report.rows, *report.emerging]
        }
    out = []
    for (
        oid,
        name,
        status,
        primary,
        secondary,
        area,
        lro,
        ident,
        marking,
        aliases,
        members,
        locs,
        refs,
    ) in groups.register_rows(store):
        markets = ((primary,) if primary else ()) + tuple(
            m for m in json.loads(secondary) if m != primary
        )
        state, due_on = due.get(oid, (None, None))
        geo = geographies.get(oid)
        out.append(
            RegisterRow(
                oid,
                name,
                status,
                markets,
                area,
                lro,
                ident,
                marking,
                tuple(json.loads(aliases)),
                members,
                locs,
                refs or "",
                bands.get(oid),
                state,
                due_on,
                geo.area_names if geo else (),
                geo.cross_border if geo else False,
                geo.outside_force if geo else False,
            )
        )
    return out


@dataclass(frozen=True)
class OcgDetail:
    """An OCG with everything its detail pane shows."""

    ocg: Ocg
    lead_area: str | None
    members: tuple[tuple[Membership, Nominal], ...]
    locations: tuple[Location, ...]
    area_names: dict[int, str]


def ocg_detail(store: Store, ocg_id: int) -> OcgDetail:
    """The OCG with its members and locations."""
    ocg = groups.get_ocg(store, ocg_id)
    names: dict[int, str] = {
        int(a.id): a.name for a in areas.list_areas(store, include_retired=True)
    }
    return OcgDetail(
        ocg=ocg,
        lead_area=names.get(ocg.lead_area_id) if ocg.lead_area_id else None,
        members=tuple(groups.members_of(store, ocg_id)),
        locations=tuple(groups.locations_of(store, ocg_id)),
        area_names=dict(names),
    )


def get_ocg(store: Store, ocg_id: int) -> Ocg:
    """One OCG record (for editing)."""
    return groups.get_ocg(store, ocg_id)


def area_list(store: Store) -> list[Area]:
    """The force's areas, by name."""
    return areas.list_areas(store)


@dataclass(frozen=True)
class StoreInfo:
    """What ``socmap info`` and the status bar show."""

    path: str
    schema_version: str
    journal_mode: str
    counts: dict[str, int]
    areas: tuple[str, ...]
    ocgs_by_status: dict[str, int]


def store_info(store: Store) -> StoreInfo:
    """Schema version, journal mode and row counts."""
    return StoreInfo(
        path=str(store.path) if store.path else ":memory:",
        schema_version=schema_version(store),
        journal_mode=groups.journal_mode(store),
        counts=groups.table_counts(store),
        areas=tuple(a.name for a in areas.list_areas(store)),
        ocgs_by_status=groups.ocg_count_by_status(store),
    )


def live_groups(store: Store) -> tuple[list[RegisterRow], list[Area]]:
    """Every group not archived (without due dates) and every area: a group picker's lists."""
    rows = [r for r in register(store, with_schedule=False) if r.status != "archived"]
    return rows, area_list(store)


def store_status(store: Store) -> tuple[StoreInfo, str]:
    """The status bar's counts and the role the account acts in (``viewer`` without one)."""
    from socmap.services import auth

    role = auth.current_role(store)
    return store_info(store), role.value if role else "viewer"


def dashboard(store: Store) -> tuple[Any, list[Any], dict[int, str]]:
    """The dashboard's data: the schedule (a ``ScheduleReport``), the assessments awaiting
    approval and the name of every group either concerns (a group the schedule leaves out, e.g.
    archived, is looked up one by one: re-running the register for it took 0.6 s nationally)."""
    from socmap.services import reassessment, scoring

    report, pending = reassessment.schedule(store), scoring.pending_approvals(store)
    names = {r.ocg_id: r.name for r in report.rows + report.emerging}
    for ocg_id in sorted({a.ocg_id for a in pending} - set(names)):
        names[ocg_id] = get_ocg(store, ocg_id).name
    return report, pending, names


def ocg_list_json(store: Store) -> list[dict[str, object]]:
    """The register as JSON-ready objects (``socmap ocg list --json``); no clock times."""
    return [
        {
            "id": r.id,
            "ref": r.display_id,
            "name": r.name,
            "status": r.status,
            "lead_area": r.lead_area,
            "markets": list(r.markets),
            "band": r.band,
            "lro": r.lro,
            "identified_on": r.identified_on,
            "marking": r.marking,
            "members": r.members,
            "locations": r.locations,
            "areas_of_operation": list(r.areas_of_operation),
            "cross_border": r.cross_border,
            "outside_force": r.outside_force,
        }
        for r in register(store, with_schedule=False)
    ]


def resolve_area(store: Store, name: str) -> str:
    """The force's area called ``name`` (any case), as recorded; NotFoundError naming the areas
    there are otherwise."""
    known = [a.name for a in areas.list_areas(store)]
    key = name.strip().casefold()
    for area in known:
        if area.casefold() == key:
            return area
    listed = ", ".join(known) if known else "none: import boundaries first"
    raise NotFoundError(f"there is no area called '{name}' (areas: {listed})")


def find_nominals(store: Store, text: str, *, limit: int = 30) -> Page[tuple[int, str]]:
    """The first ``limit`` nominals matching ``text`` as (id, label) for pickers (``total``: how
    many match)."""
    found = groups.find_nominals(store, text, limit=limit)
    total = len(found) if len(found) < limit else groups.count_nominals_matching(store, text)
    return Page(found, total)
