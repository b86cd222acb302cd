"""The OCG register's records: groups, nominals, memberships and locations (brief 1, 2.4, 2.5).

Records are frozen dataclasses. ``validate_*`` functions return a normalised copy or raise a
:class:`~socmap.domain.errors.ValidationError` that names the field and the reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from socmap.domain.errors import ValidationError
from socmap.domain.ids import AreaId, GroupId, LocationId, MembershipId, NominalId
from socmap.domain.limits import date_problem
from socmap.domain.text import plural
from socmap.domain.vocab import (
    DEFAULT_MARKING,
    ENABLERS,
    LOCATION_KINDS,
    MARKETS,
    MEMBER_TAGS,
    NOMINAL_FLAGS,
    STATUS_TRANSITIONS,
    Marking,
    Role,
    Status,
    parse_marking,
)

NAME_MAX = 120
TEXT_MAX = 20_000

#: British National Grid's valid extent (EPSG:27700 area of use, with a margin), in metres.
BNG_X_RANGE = (-10_000.0, 710_000.0)
BNG_Y_RANGE = (-10_000.0, 1_300_000.0)


@dataclass(frozen=True)
class Area:
    """A local policing area of the force."""

    id: AreaId
    name: str
    code: str = ""
    retired_on: str | None = None  # ISO date: kept with its history, out of current lists


@dataclass(frozen=True)
class ExternalRef:
    """A reference held in another system (e.g. an OCGM URN), kept as an opaque string."""

    system: str
    value: str


@dataclass(frozen=True)
class Ocg:
    """An organised crime group."""

    name: str
    status: Status = Status.TRIGGER
    id: GroupId | None = None
    aliases: tuple[str, ...] = ()
    primary_market: str | None = None
    secondary_markets: tuple[str, ...] = ()
    enablers: tuple[str, ...] = ()
    lead_area_id: AreaId | None = None
    lro: str = ""
    identified_on: dt.date | None = None
    archived_on: dt.date | None = None
    marking: Marking = DEFAULT_MARKING
    references: tuple[ExternalRef, ...] = ()
    notes: str = ""
    version: int = 0

    @property
    def markets(self) -> tuple[str, ...]:
        """Primary market first, then the secondary markets."""
        first = (self.primary_market,) if self.primary_market else ()
        return first + tuple(m for m in self.secondary_markets if m != self.primary_market)

    @property
    def display_id(self) -> str:
        """The id as analysts write it, e.g. ``OCG-0042``."""
        return f"OCG-{self.id:04d}" if self.id is not None else "OCG-(new)"


@dataclass(frozen=True)
class Nominal:
    """A person recorded as a member of one or more OCGs."""

    surname: str
    forenames: str = ""
    id: NominalId | None = None
    aliases: tuple[str, ...] = ()
    date_of_birth: dt.date | None = None
    flags: tuple[str, ...] = ()
    marking: Marking = DEFAULT_MARKING
    notes: str = ""
    version: int = 0

    @property
    def full_name(self) -> str:
        """``SURNAME, Forenames`` as police systems show a nominal."""
        return (
            f"{self.surname.upper()}, {self.forenames}" if self.forenames else self.surname.upper()
        )


@dataclass(frozen=True)
class Membership:
    """A nominal's role in an OCG over a period."""

    ocg_id: GroupId
    nominal_id: NominalId
    role: Role
    id: MembershipId | None = None
    tags: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class Location:
    """A place an OCG uses, stored in British National Grid with the source coordinates kept."""

    ocg_id: GroupId
    kind: str
    easting: float
    northing: float
    id: LocationId | None = None
    label: str = ""
    source_x: float | None = None
    source_y: float | None = None
    source_crs: str = "EPSG:27700"
    area_id: AreaId | None = None


# --------------------------------------------------------------------------------- validation


def _clean_text(value: str, *, field: str, required: bool = False, limit: int = NAME_MAX) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    text = " ".join(value.split()) if limit <= NAME_MAX else value.strip()
    if required and not text:
        raise ValidationError(field, "is required")
    if len(text) > limit:
        raise ValidationError(
            field, f"is {plural(len(text), 'character')} long; the limit is {limit}"
        )
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ValidationError(field, "contains control characters")
    return text


def _clean_list(values: tuple[str, ...] | list[str], *, field: str) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        text = _clean_text(v, field=field)
        if text and text.casefold() not in {o.casefold() for o in out}:
            out.append(text)
    return tuple(out)


def _check_keys(values: tuple[str, ...], allowed: dict[str, str], *, field: str) -> tuple[str, ...]:
    for v in values:
        if v not in allowed:
            raise ValidationError(
                field, f"unknown value '{v}' (allowed: {', '.join(sorted(allowed))})"
            )
    return tuple(dict.fromkeys(values))


def _check_range(start: dt.date | None, end: dt.date | None, *, field: str) -> None:
    if start and end and end < start:
        raise ValidationError(field, f"ends on {end.isoformat()}, before it starts on {start}")


def validate_ocg(ocg: Ocg, *, today: dt.date | None = None) -> Ocg:
    """Return ``ocg`` normalised, or raise ValidationError naming the offending field."""
    today = today or dt.date.today()
    name = _clean_text(ocg.name, field="name", required=True)
    try:
        status = Status(ocg.status)
    except ValueError:
        raise ValidationError("status", f"unknown status '{ocg.status}'") from None
    if ocg.primary_market is not None and ocg.primary_market not in MARKETS:
        raise ValidationError(
            "primary_market",
            f"unknown market '{ocg.primary_market}' (allowed: {', '.join(MARKETS)})",
        )
    secondary = _check_keys(tuple(ocg.secondary_markets), MARKETS, field="secondary_markets")
    secondary = tuple(m for m in secondary if m != ocg.primary_market)
    enablers = _check_keys(tuple(ocg.enablers), ENABLERS, field="enablers")
    if status in (Status.ACTIVE, Status.ARCHIVED) and ocg.primary_market is None:
        raise ValidationError("primary_market", f"an {status.value} group needs a primary market")
    if status is Status.ACTIVE and ocg.lead_area_id is None:
        raise ValidationError("lead_area", "an active group needs a lead area")
    lro = _clean_text(ocg.lro, field="lro")
    if status is Status.ACTIVE and not lro:
        raise ValidationError("lro", "an active group needs a Lead Responsible Officer")
    if ocg.identified_on and ocg.identified_on > today:
        raise ValidationError("identified_on", "cannot be in the future")
    if status is Status.ARCHIVED and ocg.archived_on is None:
        raise ValidationError("archived_on", "an archived group needs the date it was archived")
    if status is not Status.ARCHIVED and ocg.archived_on is not None:
        raise ValidationError("archived_on", "only an archived group has an archive date")
    _check_range(ocg.identified_on, ocg.archived_on, field="archived_on")
    marking = parse_marking(str(ocg.marking))
    refs: list[ExternalRef] = []
    for ref in ocg.references:
        system = _clean_text(ref.system, field="references", required=True, limit=40)
        value = _clean_text(ref.value, field="references", required=True, limit=80)
        if any(r.system == system and r.value == value for r in refs):
            continue
        refs.append(ExternalRef(system, value))
    notes = _clean_text(ocg.notes, field="notes", limit=TEXT_MAX)
    return dataclasses.replace(
        ocg,
        name=name,
        status=status,
        aliases=_clean_list(ocg.aliases, field="aliases"),
        secondary_markets=secondary,
        enablers=enablers,
        lro=lro,
        marking=marking,
        references=tuple(refs),
        notes=notes,
    )


def check_transition(old: Status, new: Status) -> None:
    """Raise ValidationError when a group may not move from ``old`` to ``new``."""
    if old != new and new not in STATUS_TRANSITIONS[old]:
        raise ValidationError("status", f"a group cannot move from {old.value} to {new.value}")


def validate_nominal(nominal: Nominal, *, today: dt.date | None = None) -> Nominal:
    """Return ``nominal`` normalised, or raise ValidationError naming the field."""
    today = today or dt.date.today()
    surname = _clean_text(nominal.surname, field="surname", required=True)
    forenames = _clean_text(nominal.forenames, field="forenames")
    dob = nominal.date_of_birth
    if dob is not None:
        if dob > today:
            raise ValidationError("date_of_birth", "cannot be in the future")
        if dob < dt.date(today.year - 120, 1, 1):
            raise ValidationError("date_of_birth", "is more than 120 years ago")
    return dataclasses.replace(
        nominal,
        surname=surname,
        forenames=forenames,
        aliases=_clean_list(nominal.aliases, field="aliases"),
        flags=_check_keys(tuple(nominal.flags), NOMINAL_FLAGS, field="flags"),
        marking=parse_marking(str(nominal.marking)),
        notes=_clean_text(nominal.notes, field="notes", limit=TEXT_MAX),
    )


def validate_membership(m: Membership, *, today: dt.date | None = None) -> Membership:
    """Return ``m`` normalised, or raise ValidationError naming the field.

    A start date in the future (or before 1900) is refused: a membership is something that
    has happened, and a date ahead would make the data 'current to' the future.
    """
    try:
        role = Role(m.role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError("role", f"unknown role '{m.role}' (allowed: {allowed})") from None
    if m.start is not None:
        problem = date_problem(m.start, today=today)
        if problem:
            raise ValidationError("start", problem)
    _check_range(m.start, m.end, field="end")
    return dataclasses.replace(
        m, role=role, tags=_check_keys(tuple(m.tags), MEMBER_TAGS, field="tags")
    )


def validate_location(loc: Location) -> Location:
    """Return ``loc`` normalised, or raise ValidationError naming the field."""
    if loc.kind not in LOCATION_KINDS:
        raise ValidationError(
            "kind", f"unknown location kind '{loc.kind}' (allowed: {', '.join(LOCATION_KINDS)})"
        )
    for name, value, (lo, hi) in (
        ("easting", loc.easting, BNG_X_RANGE),
        ("northing", loc.northing, BNG_Y_RANGE),
    ):
        if not isinstance(value, int | float) or value != value:
            raise ValidationError(name, "must be a number")
        if not lo <= value <= hi:
            raise ValidationError(
                name, f"{value:.0f} m is outside British National Grid ({lo:.0f} to {hi:.0f})"
            )
    return dataclasses.replace(loc, label=_clean_text(loc.label, field="label"))


# ------------------------------------------------------------------ the same person, twice

#: Strongest role first: a merged membership keeps the stronger of the two.
ROLE_STRENGTH = (Role.PRINCIPAL, Role.SIGNIFICANT, Role.PERIPHERAL)


def merged_nominal(keep: Nominal, drop: Nominal) -> Nominal:
    """The kept record once ``drop`` (the same person) is folded into it.

    The kept record's values win; what only the dropped record knows fills the gaps (date of
    birth); the dropped record's name becomes an alias when it is spelt differently, and its
    aliases, flags and notes are added, so searching for either spelling finds the person.
    """
    aliases = list(keep.aliases)
    for name in (drop.full_name, *drop.aliases):
        if name.casefold() != keep.full_name.casefold() and name.casefold() not in {
            a.casefold() for a in aliases
        }:
            aliases.append(name)
    flags = list(keep.flags) + [f for f in drop.flags if f not in keep.flags]
    notes = keep.notes
    if drop.notes and drop.notes not in notes:
        notes = (notes + "\n" if notes else "") + drop.notes
    return dataclasses.replace(
        keep,
        aliases=tuple(aliases),
        date_of_birth=keep.date_of_birth or drop.date_of_birth,
        flags=tuple(flags),
        notes=notes,
    )


def merged_membership(keep: Membership, drop: Membership) -> Membership:
    """One membership for a person recorded twice in the same group (deterministic).

    The stronger role, the earlier start, the later end (open when either is open) and both
    sets of tags; the kept record's membership id.
    """
    role = min((Role(keep.role), Role(drop.role)), key=ROLE_STRENGTH.index)
    starts = [d for d in (keep.start, drop.start) if d is not None]
    end = None if keep.end is None or drop.end is None else max(keep.end, drop.end)
    tags = tuple(keep.tags) + tuple(t for t in drop.tags if t not in keep.tags)
    return dataclasses.replace(
        keep, role=role, start=min(starts) if starts else None, end=end, tags=tags
    )
