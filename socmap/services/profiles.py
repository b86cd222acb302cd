"""SOC local profiles: audited writes and the read models for the dashboard, editor and CLI.

Every write checks the acting account's permission, validates through the domain, writes in
one transaction with its audit row, and returns what changed (kind ``"profile"``, id = area).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from socmap.domain.changes import Changes
from socmap.domain.errors import NotFoundError
from socmap.domain.groups import Area
from socmap.domain.ids import format_ocg_ref
from socmap.domain.profiles import (
    NARRATIVE_KEYS,
    SECTION_BY_KEY,
    ActionItem,
    Completeness,
    Contribution,
    Handling,
    PartnerType,
    ProfileRules,
    SaveResult,
    SectionVersion,
    completeness,
    validate_action,
    validate_contribution,
    validate_handling,
    validate_partner_types,
    validate_section_key,
)
from socmap.domain.roles import Permission
from socmap.domain.text import plural
from socmap.services.auth import require
from socmap.store import areas, audit
from socmap.store import profiles as rows
from socmap.store.db import Store, unit_of_work

KIND = "profile"


def _changes(area_id: int) -> Changes:
    return Changes.of(KIND, area_id)


# ------------------------------------------------------------------------------------ reads


def area_list(store: Store) -> list[Area]:
    """The force's areas, by name."""
    return areas.list_areas(store)


def find_area(store: Store, name: str) -> Area:
    """The area called ``name`` (case-insensitive); NotFoundError listing the areas otherwise."""
    for a in areas.list_areas(store, include_retired=True):  # a retired area's profile stays
        if a.name.casefold() == name.strip().casefold():
            return a
    known = ", ".join(a.name for a in areas.list_areas(store)) or "none: load boundaries first"
    raise NotFoundError(f"there is no area called '{name}' (areas: {known})")


def get_area(store: Store, area_id: int) -> Area:
    """The area with ``area_id``; NotFoundError otherwise."""
    for a in areas.list_areas(store, include_retired=True):
        if a.id == area_id:
            return a
    raise NotFoundError(f"there is no area with id {area_id}")


def rules(store: Store) -> ProfileRules:
    """The completeness rules configured in this database."""
    return rows.rules(store)


def handling(store: Store, area_id: int) -> Handling | None:
    """The area's handling block (None when the profile is not started)."""
    return rows.get_handling(store, area_id)


def sections(store: Store, area_id: int) -> dict[str, SectionVersion]:
    """The newest version of each written narrative section."""
    return rows.latest_sections(store, area_id)


def section_history(store: Store, area_id: int, section: str) -> list[SectionVersion]:
    """Every version of one narrative section, newest first."""
    return rows.section_history(store, area_id, validate_section_key(section))


def contributions(store: Store, area_id: int) -> list[Contribution]:
    """Partner contributions to the area's profile, newest first."""
    return rows.contributions(store, area_id)


def actions(store: Store, area_id: int) -> list[ActionItem]:
    """The area's 4P action items by due date."""
    return rows.actions(store, area_id)


@dataclass(frozen=True)
class AreaProfile:
    """One area's profile as the editor shows it: handling, sections, every narrative
    section's history, contributions and actions."""

    handling: Handling | None
    sections: dict[str, SectionVersion]
    histories: dict[str, list[SectionVersion]]
    contributions: list[Contribution]
    actions: list[ActionItem]


def area_profile(store: Store, area_id: int) -> AreaProfile:
    """Everything the profile editor shows for one area, read at once."""
    return AreaProfile(
        handling(store, area_id),
        sections(store, area_id),
        {key: section_history(store, area_id, key) for key in NARRATIVE_KEYS},
        contributions(store, area_id),
        actions(store, area_id),
    )


def overview(
    store: Store, today: dt.date | None = None
) -> tuple[list[AreaStatus], dict[str, str], list[tuple[int, str, str, str]]]:
    """The Profiles tab's dashboard: every area's status, the partner types' labels and the
    partners a contribution can name."""
    return force_status(store, today=today), partner_type_labels(store), register_partners(store)


def partner_type_labels(store: Store) -> dict[str, str]:
    """Partner type key -> label, expected types first (unknown keys are shown as they are)."""
    return {t.key: t.label for t in rows.rules(store).partner_types}


@dataclass(frozen=True)
class AreaStatus:
    """One column of the force dashboard."""

    area_id: int
    area: str
    completeness: Completeness
    owner: str
    review_date: dt.date | None
    sections_written: int
    actions: int
    overdue_actions: int
    contributions: int

    @property
    def percent(self) -> int:
        """0-100."""
        return self.completeness.percent


def area_completeness(store: Store, area_id: int, *, today: dt.date | None = None) -> Completeness:
    """Completeness of one area's profile."""
    today = today or dt.date.today()
    area = get_area(store, area_id)
    return completeness(
        area=area.name,
        handling=rows.get_handling(store, area_id),
        sections=rows.latest_sections(store, area_id),
        actions=rows.actions(store, area_id),
        contributed_types=rows.contributed_types(store).get(area_id, set()),
        rules=rows.rules(store),
        today=today,
    )


def force_status(store: Store, *, today: dt.date | None = None) -> list[AreaStatus]:
    """Every area's profile status, by area name: what the dashboard and ``profile status`` show."""
    today = today or dt.date.today()
    rl = rows.rules(store)
    hs = rows.all_handling(store)
    secs = rows.all_latest_sections(store)
    contributed = rows.contributed_types(store)
    all_actions = rows.actions(store)
    all_contrib = rows.contributions(store)
    out = []
    for a in areas.list_areas(store):
        acts = [x for x in all_actions if x.area_id == a.id]
        c = completeness(
            area=a.name,
            handling=hs.get(a.id),
            sections=secs.get(a.id, {}),
            actions=acts,
            contributed_types=contributed.get(a.id, set()),
            rules=rl,
            today=today,
        )
        h = hs.get(a.id)
        out.append(
            AreaStatus(
                area_id=a.id,
                area=a.name,
                completeness=c,
                owner=h.owner if h else "",
                review_date=h.review_date if h else None,
                sections_written=sum(
                    1 for k in NARRATIVE_KEYS if (s := secs.get(a.id, {}).get(k)) and s.text.strip()
                ),
                actions=len(acts),
                overdue_actions=sum(1 for x in acts if x.overdue(today)),
                contributions=sum(1 for x in all_contrib if x.area_id == a.id),
            )
        )
    return out


def status_json(store: Store, *, today: dt.date | None = None) -> list[dict[str, object]]:
    """``socmap profile status --json``: [{area, completeness_percent, missing}]."""
    return [
        {
            "area": s.area,
            "completeness_percent": s.percent,
            "missing": list(s.completeness.missing),
        }
        for s in force_status(store, today=today)
    ]


def summary_line(statuses: list[AreaStatus]) -> str:
    """ "1 of 5 area profiles complete" as the dashboard headline puts it."""
    done = sum(1 for s in statuses if s.completeness.complete)
    if not statuses:
        return "No area profiles yet: import the force's areas first"
    return f"{done} of {plural(len(statuses), 'area profile')} complete"


# ----------------------------------------------------------------------------------- writes


@unit_of_work
def save_handling(
    store: Store, h: Handling, *, today: dt.date | None = None
) -> tuple[Handling, Changes]:
    """Save the handling block; a new profile's review date defaults to a year ahead.

    ``h.version`` is the version the editor started from (0 for a new profile).

    Raises:
        ConflictError: someone else saved the handling since ``h.version``.
    """
    require(store, Permission.EDIT, action="edit local profiles")
    get_area(store, h.area_id)
    h = validate_handling(h)
    if h.review_date is None:
        base = h.data_to or today or dt.date.today()
        h = dataclasses.replace(
            h, review_date=base + dt.timedelta(days=rows.rules(store).review_days)
        )
    with store.atomic():
        before = rows.get_handling(store, h.area_id)
        stored = rows.save_handling(store, h, expected_version=h.version)
        audit.record(
            store,
            action="update" if before else "create",
            entity=KIND,
            entity_id=h.area_id,
            summary=f"profile handling saved for area {h.area_id}",
            before=_rec(before) if before else None,
            after=_rec(stored),
        )
    return stored, _changes(h.area_id)


@unit_of_work
def save_section(
    store: Store,
    *,
    area_id: int,
    section: str,
    html: str,
    text: str,
    owner: str,
    sources: str,
    based_on: int,
) -> tuple[SaveResult, Changes]:
    """Save a new version of a narrative section; every version is kept.

    ``based_on`` is the version the editor started from (0 when it started from nothing). If a
    newer version exists by someone else, the new text is still saved (so nothing is lost) but
    marked as conflicting with it, and the result says so: the caller warns the editor, who
    reconciles the two and saves again.
    """
    require(store, Permission.EDIT, action="edit local profiles")
    get_area(store, area_id)
    validate_section_key(section)
    from socmap.domain.profiles import TEXT_MAX, clean_text

    owner = clean_text(owner, field="owner")
    sources = clean_text(sources, field="sources", limit=4000)
    if len(html) > 4 * TEXT_MAX or len(text) > TEXT_MAX:
        from socmap.domain.errors import ValidationError

        raise ValidationError("text", f"is too long; the limit is {TEXT_MAX} characters")
    with store.atomic():
        history = rows.section_history(store, area_id, section)
        head = history[0] if history else None
        conflict_with = 0
        other: SectionVersion | None = None
        if head is not None and head.version > based_on and head.author != store.actor:
            # someone else saved after this editor loaded: keep both, flag the new one
            other = head
            conflict_with = head.version
        stored = rows.insert_section_version(
            store,
            SectionVersion(
                area_id=area_id,
                section=section,
                version=0,
                html=html,
                text=text.strip(),
                owner=owner,
                sources=sources,
                author=store.actor,
                saved_at=rows.now_iso(),
                based_on=based_on,
                conflict_with=conflict_with,
            ),
        )
        title = SECTION_BY_KEY[section].title
        audit.record(
            store,
            action="update",
            entity=KIND,
            entity_id=area_id,
            summary=f"profile section '{title}' v{stored.version} saved for area {area_id}"
            + (f" (conflicts with v{conflict_with})" if conflict_with else ""),
            after={"section": section, "version": stored.version, "text": stored.text},
            extra={"based_on": based_on, "conflict_with": conflict_with},
        )
    return SaveResult(stored, conflict=bool(conflict_with), other=other), _changes(area_id)


@unit_of_work
def add_contribution(store: Store, c: Contribution) -> tuple[Contribution, Changes]:
    """Record that a partner supplied data for the area's profile."""
    require(store, Permission.EDIT, action="record partner contributions")
    get_area(store, c.area_id)
    if c.partner_id is not None:
        # a partner from the register: its record supplies the name (and, by default, the type)
        from socmap.domain.profiles import REGISTER_TYPE_TO_PROFILE_TYPE
        from socmap.services import partners as partner_svc

        try:
            partner = partner_svc.get_partner(store, c.partner_id)
        except NotFoundError:
            from socmap.domain.errors import ValidationError

            raise ValidationError(
                "partner_id", f"there is no partner with id {c.partner_id} on the register"
            ) from None
        c = dataclasses.replace(
            c,
            partner_name=c.partner_name or partner.name,
            partner_type=c.partner_type
            or REGISTER_TYPE_TO_PROFILE_TYPE.get(partner.partner_type, partner.partner_type),
            isa_ref=c.isa_ref or partner.isa_reference,
        )
    c = validate_contribution(c)
    with store.atomic():
        stored = rows.insert_contribution(store, c)
        audit.record(
            store,
            action="create",
            entity="profile_contribution",
            entity_id=stored.id or "",
            summary=f"partner contribution ({stored.partner_type}) recorded for area {c.area_id}",
            after=_rec(stored),
        )
    return stored, _changes(c.area_id)


@unit_of_work
def remove_contribution(store: Store, contribution_id: int) -> Changes:
    """Remove a contribution recorded by mistake (the audit trail keeps it)."""
    require(store, Permission.EDIT, action="remove partner contributions")
    with store.atomic():
        before = rows.get_contribution(store, contribution_id)
        rows.delete_contribution(store, contribution_id)
        audit.record(
            store,
            action="delete",
            entity="profile_contribution",
            entity_id=contribution_id,
            summary=f"partner contribution removed from area {before.area_id}",
            before=_rec(before),
        )
    return _changes(before.area_id)


@unit_of_work
def add_action(store: Store, a: ActionItem) -> tuple[ActionItem, Changes]:
    """Add an item to the area's 4P action plan."""
    require(store, Permission.EDIT, action="edit 4P action plans")
    get_area(store, a.area_id)
    a = validate_action(a)
    _check_ocgs(store, a.linked_ocgs)
    with store.atomic():
        stored = rows.insert_action(store, a)
        audit.record(
            store,
            action="create",
            entity="profile_action",
            entity_id=stored.id or "",
            summary=f"4P action ({stored.strand}) added for area {a.area_id}",
            after=_rec(stored),
        )
    return stored, _changes(a.area_id)


@unit_of_work
def update_action(store: Store, a: ActionItem) -> tuple[ActionItem, Changes]:
    """Save an edited action item (``a.version`` as the editor read it)."""
    require(store, Permission.EDIT, action="edit 4P action plans")
    a = validate_action(a)
    _check_ocgs(store, a.linked_ocgs)
    with store.atomic():
        before = rows.get_action(store, a.id or 0)
        stored = rows.update_action(store, a)
        audit.record(
            store,
            action="update",
            entity="profile_action",
            entity_id=a.id or "",
            summary=f"4P action updated for area {a.area_id}",
            before=_rec(before),
            after=_rec(stored),
        )
    return stored, _changes(a.area_id) | _changes(before.area_id)


@unit_of_work
def set_partner_types(store: Store, types: list[PartnerType] | tuple[PartnerType, ...]) -> Changes:
    """Replace the list of partner types a complete profile expects (admins only)."""
    require(store, Permission.ADMIN, action="change the expected partner types")
    cleaned = validate_partner_types(types)
    with store.atomic():
        before = rows.rules(store).partner_types
        rows.replace_partner_types(store, cleaned)
        audit.record(
            store,
            action="update",
            entity="profile_config",
            entity_id="partner_types",
            summary=f"expected partner types set ({len(cleaned)})",
            before=[t.__dict__ for t in before],
            after=[t.__dict__ for t in cleaned],
        )
    return Changes.of(KIND)


def _check_ocgs(store: Store, ids: tuple[int, ...]) -> None:
    from socmap.domain.errors import ValidationError
    from socmap.store import groups

    for i in ids:
        if not groups.ocg_exists(store, i):
            raise ValidationError("linked_ocgs", f"there is no group {format_ocg_ref(i)}")


def _rec(obj: object) -> dict[str, object]:
    from socmap.services.register import as_record

    return as_record(obj)


@unit_of_work
def record_export(
    store: Store,
    *,
    area_id: int,
    fmt: str,
    audience: str,
    path: str,
    marking: str,
    pages: int,
    sha256: str,
) -> None:
    """Append the export's audit row (export rights are checked again, first)."""
    require(store, Permission.EXPORT, action="export local profiles")
    with store.atomic():
        audit.record(
            store,
            action="export",
            entity=KIND,
            entity_id=area_id,
            summary=f"profile exported for area {area_id} ({fmt}, {audience} audience, {marking})",
            extra={
                "path": path,
                "format": fmt,
                "audience": audience,
                "pages": pages,
                "marking": marking,
                "sha256": sha256,
            },
        )


def require_export(store: Store) -> None:
    """Raise PermissionDenied unless the acting account may export."""
    require(store, Permission.EXPORT, action="export local profiles")


def force_name(store: Store) -> str:
    """The force's name as recorded in the database (blank when none)."""
    return rows.force_name(store)


def register_partners(store: Store) -> list[tuple[int, str, str, str]]:
    """(id, name, expected profile type, ISA reference) of every partner on the register."""
    from socmap.domain.profiles import REGISTER_TYPE_TO_PROFILE_TYPE
    from socmap.store import partners as partner_rows

    return [
        (
            p.id or 0,
            p.name,
            REGISTER_TYPE_TO_PROFILE_TYPE.get(p.partner_type, ""),
            p.isa_reference,
        )
        for p in partner_rows.list_partners(store)
    ]
