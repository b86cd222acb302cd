"""A profile's live data sections, filled from the database when it is viewed or exported.

Each section comes from one provider function ``(store, area_id, *, audience, today)``. A
section whose source feature is not part of this version says so plainly instead of inventing
content. The partner audience never sees nominal identities, OCG names (which often carry a
family name), officer names, or intelligence whose handling code forbids sharing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from socmap.domain.grading import Grading
from socmap.domain.profiles import ActionStatus, Audience, Strand
from socmap.domain.vocab import MARKETS
from socmap.store import profile_data as q
from socmap.store import profiles as prow
from socmap.store.db import Store


def not_installed(feature: str) -> str:
    """The plain sentence a section shows when its source feature is not in this version."""
    return f"not available: {feature} is not installed in this version"


@dataclass(frozen=True)
class LiveTable:
    """A table of text cells; ``flagged`` rows are drawn emphasised (e.g. overdue)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    flagged: tuple[bool, ...] = ()
    caption: str = ""
    #: Relative column widths (same length as headers), or empty for equal widths.
    widths: tuple[float, ...] = ()


@dataclass(frozen=True)
class LiveSection:
    """One live data section: where it goes in the profile, and what it holds."""

    key: str
    title: str
    section: str
    available: bool = True
    paragraphs: tuple[str, ...] = ()
    tables: tuple[LiveTable, ...] = ()
    #: A figure the report draws with the app's renderer ("threat_map", "network"), if any.
    figure: str = ""
    note: str = ""


Provider = Callable[..., LiveSection]


def _ocg_ref(ocg_id: int) -> str:
    return f"OCG-{ocg_id:04d}"


def _ocg_label(ocg_id: int, name: str, audience: Audience) -> str:
    # OCG names often carry a family name: partners get the reference only
    return _ocg_ref(ocg_id) if audience is Audience.PARTNER else f"{_ocg_ref(ocg_id)} {name}"


def _markets(primary: str | None, secondary: list[str]) -> str:
    ms = ([primary] if primary else []) + [m for m in secondary if m != primary]
    return ", ".join(MARKETS.get(m, m) for m in ms) or "not recorded"


# ---------------------------------------------------------------------------------- threat


def ocgs_by_band_and_market(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Active OCGs in the area, counted by market, and listed."""
    groups = q.active_ocgs(store, area_id)
    names = q.area_names(store)
    by_market = Counter(g[2] or "unrecorded" for g in groups)
    counts = LiveTable(
        ("Primary market", "Active OCGs"),
        tuple(
            (MARKETS.get(m, "Not recorded"), str(n))
            for m, n in sorted(by_market.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        caption="Active OCGs by primary market",
        widths=(3, 1),
    )
    listing = LiveTable(
        ("OCG", "Band", "Markets", "Lead area", "Members"),
        tuple(
            (
                _ocg_label(g[0], g[1], audience),
                "-",
                _markets(g[2], g[3]),
                names.get(g[4], "-") if g[4] else "-",
                str(g[6]),
            )
            for g in groups
        ),
        caption="Active OCGs led from or operating in the area",
        widths=(3, 0.8, 3.2, 2, 1),
    )
    return LiveSection(
        key="ocgs",
        title="OCGs active in the area by band and market",
        section="threat",
        paragraphs=(
            f"{len(groups)} active OCGs are led from or have a recorded location in the area.",
        ),
        tables=(counts, listing),
        note="Bands: " + not_installed("scoring and schedule"),
    )


def principals(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """Current principal nominals of the area's active OCGs (internal audience only)."""
    rows = q.principals(store, area_id)
    if audience is Audience.PARTNER:
        return LiveSection(
            key="principals",
            title="Principals",
            section="threat",
            paragraphs=(
                f"{len(rows)} principal nominals are recorded against the area's active OCGs. "
                "Their identities are held by the police and are not part of the partner version.",
            ),
        )
    table = LiveTable(
        ("OCG", "Principal", "Flags"),
        tuple(
            (
                _ocg_label(r[0], r[1], audience),
                f"{r[3].upper()}, {r[4]}" if r[4] else r[3].upper(),
                ", ".join(f.replace("_", " ") for f in r[5]) or "-",
            )
            for r in rows
        ),
        widths=(3, 2.5, 2.5),
    )
    return LiveSection(
        key="principals",
        title="Principals",
        section="threat",
        paragraphs=(f"{len(rows)} current principal nominals (internal audience only).",),
        tables=(table,),
    )


def cross_border(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """OCGs with locations on both sides of the area's boundary."""
    rows = q.cross_border(store, area_id)
    here = q.area_names(store).get(area_id, "")
    table = LiveTable(
        ("OCG", "Lead area", "Also located in", "Locations"),
        tuple(
            (
                _ocg_label(r[0], r[1], audience),
                r[2],
                r[3] if r[3] != here else f"{here} (this area)",
                str(r[4]),
            )
            for r in rows
        ),
        widths=(3, 2, 2.4, 1),
    )
    n = len({r[0] for r in rows})
    return LiveSection(
        key="cross_border",
        title="Cross-border links",
        section="threat",
        paragraphs=(f"{n} active OCGs have locations on both sides of the area's boundary.",),
        tables=(table,) if rows else (),
    )


def county_lines(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """Active OCGs with members flagged for county lines."""
    rows = q.county_lines(store, area_id)
    table = LiveTable(
        ("OCG", "Members flagged county lines"),
        tuple((_ocg_label(r[0], r[1], audience), str(r[2])) for r in rows),
        widths=(3, 1.5),
    )
    return LiveSection(
        key="county_lines",
        title="County lines",
        section="threat",
        paragraphs=(
            f"{len(rows)} active OCGs have at least one current member flagged for county lines.",
        ),
        tables=(table,) if rows else (),
        note="Group-level county lines flags from scoring: "
        + not_installed("scoring and schedule"),
    )


def threat_map(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """The area's threat map, drawn by the app's map renderer."""
    return LiveSection(
        key="threat_map",
        title="Threat map",
        section="threat",
        available=False,
        paragraphs=(not_installed("the map renderer (geography)"),),
    )


def intelligence_picture(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Intelligence reported in the area over the last year, by category.

    The partner version counts only items whose handling code allows sharing.
    """
    since = (today - dt.timedelta(days=365)).isoformat()
    counts: Counter[str] = Counter()
    withheld = 0
    for category, scheme, handling, n in q.intel_by_category(store, area_id, since=since):
        shareable = bool(scheme and handling) and Grading(scheme, "", handling or "").shareable
        if audience is Audience.PARTNER and not shareable:
            withheld += n
            continue
        counts[category or "Uncategorised"] += n
    table = LiveTable(
        ("Category", "Reports"),
        tuple((c, str(n)) for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        widths=(3, 1),
    )
    paras = [f"{sum(counts.values())} intelligence reports in the last twelve months."]
    if audience is Audience.PARTNER and withheld:
        paras.append(
            f"{withheld} further reports are not included: their handling codes do not allow "
            "them to be shared with partners."
        )
    return LiveSection(
        key="intelligence",
        title="Intelligence picture (last 12 months)",
        section="threat",
        paragraphs=tuple(paras),
        tables=(table,) if counts else (),
    )


def network_graph(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """The area's partner and disruption graph, drawn by the app's graph renderer."""
    return LiveSection(
        key="network",
        title="Partner and disruption graph",
        section="partner_data",
        available=False,
        paragraphs=(not_installed("the graph renderer (partners and disruptions)"),),
    )


# ---------------------------------------------------------------------- vulnerability / risk


def people_at_risk(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """People at risk of being drawn into SOC in the area."""
    return LiveSection(
        key="people_at_risk",
        title="People at risk",
        section="vulnerability",
        available=False,
        paragraphs=(not_installed("the member network and people at risk"),),
    )


def recent_disruptions(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Disruptions against the area's OCGs in the last year, with their levels."""
    return LiveSection(
        key="disruptions",
        title="Recent disruptions",
        section="risk",
        available=False,
        paragraphs=(not_installed("partners and disruptions"),),
    )


def overdue_reassessments(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """The area's OCGs whose re-assessment is overdue."""
    return LiveSection(
        key="overdue",
        title="Overdue re-assessments",
        section="risk",
        available=False,
        paragraphs=(not_installed("scoring and schedule"),),
    )


# ------------------------------------------------------------------------- partners / plan


def partner_coverage(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Which expected partner types have contributed to the profile, and what they supplied."""
    rules = prow.rules(store)
    contribs = prow.contributions(store, area_id)
    by_type: dict[str, list[object]] = {}
    for c in contribs:
        by_type.setdefault(c.partner_type, []).append(c)
    coverage_rows = []
    flagged = []
    for t in rules.partner_types:
        cs = by_type.get(t.key, [])
        last = max((c.supplied_on for c in cs), default=None)  # type: ignore[attr-defined]
        coverage_rows.append(
            (
                t.label,
                "Yes" if cs else "No",
                last.isoformat() if last else "-",
                ", ".join(sorted({c.partner_name for c in cs})) or "-",  # type: ignore[attr-defined]
            )
        )
        flagged.append(not cs)
    labels = {t.key: t.label for t in rules.partner_types}
    detail = LiveTable(
        ("Partner", "Type", "Data supplied", "Supplied", "ISA"),
        tuple(
            (
                c.partner_name,
                labels.get(c.partner_type, c.partner_type),
                c.data_supplied,
                c.supplied_on.isoformat(),
                c.isa_ref or "none recorded",
            )
            for c in contribs
        ),
        caption="Partner contributions",
        widths=(2.2, 2, 3.4, 1.3, 1.6),
    )
    n_done = sum(1 for f in flagged if not f)
    return LiveSection(
        key="partner_coverage",
        title="Partner coverage",
        section="partner_data",
        paragraphs=(
            f"{n_done} of {len(rules.partner_types)} expected partner types have contributed data.",
        ),
        tables=(
            LiveTable(
                ("Partner type", "Contributed", "Last supplied", "Partners"),
                tuple(coverage_rows),
                tuple(flagged),
                caption="Expected partner types",
                widths=(3, 1.2, 1.4, 3),
            ),
            *((detail,) if contribs else ()),
        ),
    )


STRAND_LABELS = {s: s.value.capitalize() for s in Strand}


def action_plan(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """The area's 4P action items, overdue ones flagged."""
    acts = prow.actions(store, area_id)
    status_labels = {
        ActionStatus.PLANNED: "Planned",
        ActionStatus.IN_PROGRESS: "In progress",
        ActionStatus.DONE: "Done",
        ActionStatus.CANCELLED: "Cancelled",
    }
    rows = []
    flagged = []
    for a in acts:
        over = a.overdue(today)
        rows.append(
            (
                STRAND_LABELS[a.strand],
                a.action,
                a.owner or "-",
                a.partner or "-",
                a.due.isoformat() if a.due else "-",
                a.measure or "-",
                status_labels[a.status] + (" (OVERDUE)" if over else ""),
                ", ".join(_ocg_ref(o) for o in a.linked_ocgs) or "-",
            )
        )
        flagged.append(over)
    n_over = sum(flagged)
    return LiveSection(
        key="actions",
        title="4P actions",
        section="action_plan",
        paragraphs=(
            f"{len(acts)} actions; {n_over} overdue." if acts else "No actions recorded yet.",
        ),
        tables=(
            (
                LiveTable(
                    (
                        "4P",
                        "Action",
                        "Owner",
                        "Partner",
                        "Due",
                        "Measure of success",
                        "Status",
                        "OCGs",
                    ),
                    tuple(rows),
                    tuple(flagged),
                    widths=(0.9, 3, 1.5, 1.5, 1.2, 2.4, 1.3, 1.2),
                ),
            )
            if acts
            else ()
        ),
    )


@dataclass(frozen=True)
class ProviderSpec:
    """A registered live data provider."""

    key: str
    fn: Provider
    internal_only: bool = False
    extra: dict[str, str] = field(default_factory=dict)


#: Every live data section, in the order it appears within its profile section.
PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("ocgs", ocgs_by_band_and_market),
    ProviderSpec("principals", principals),
    ProviderSpec("cross_border", cross_border),
    ProviderSpec("county_lines", county_lines),
    ProviderSpec("threat_map", threat_map),
    ProviderSpec("intelligence", intelligence_picture),
    ProviderSpec("people_at_risk", people_at_risk),
    ProviderSpec("disruptions", recent_disruptions),
    ProviderSpec("overdue", overdue_reassessments),
    ProviderSpec("partner_coverage", partner_coverage),
    ProviderSpec("network", network_graph),
    ProviderSpec("actions", action_plan),
)


def live_sections(
    store: Store,
    area_id: int,
    *,
    audience: Audience = Audience.INTERNAL,
    today: dt.date | None = None,
) -> list[LiveSection]:
    """Every live section for one area and audience, in report order."""
    today = today or dt.date.today()
    return [p.fn(store, area_id, audience=audience, today=today) for p in PROVIDERS]


def unavailable_features(sections: list[LiveSection]) -> list[str]:
    """Titles of the live sections whose source feature is not installed."""
    return [s.title for s in sections if not s.available]


# ----------------------------------------------------------------------------- redaction


def redactor(store: Store) -> Callable[[str], str]:
    """A function that replaces every nominal's name in free text with ``[name withheld]``.

    The partner version runs narrative text through it: analysts write narrative, and a name
    typed into it must not reach a partner. Whole words only, case-insensitive; full names
    ("Forenames Surname", "SURNAME, Forenames") first, then surnames.
    """
    names = q.nominal_names(store)
    surnames = sorted({s for s, _f in names if s and len(s) > 1}, key=len, reverse=True)
    if not surnames:
        return lambda text: text
    full = sorted(
        {f"{f} {s}" for s, f in names if f and s} | {f"{s}, {f}" for s, f in names if f and s},
        key=len,
        reverse=True,
    )
    patterns = [
        re.compile(r"\b(?:" + "|".join(re.escape(x) for x in chunk) + r")\b", re.IGNORECASE)
        for group in (full, surnames)
        for chunk in (group[i : i + 2000] for i in range(0, len(group), 2000))
        if chunk
    ]

    def redact(text: str) -> str:
        for p in patterns:
            text = p.sub("[name withheld]", text)
        return text

    return redact
