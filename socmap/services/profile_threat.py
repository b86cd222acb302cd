"""Live data for a profile's threat section: groups by band and market, principals,
cross-border links, county lines, the threat map, the intelligence picture and the network."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from socmap.domain.profiles import Audience
from socmap.domain.text import plural, plural_word
from socmap.domain.vocab import MARKETS
from socmap.services import handling as handling_policy
from socmap.services import scoring
from socmap.services.profile_live import (
    MAX_LISTED,
    LiveSection,
    LiveTable,
    first_listed,
    market_labels,
    ocg_label,
    partner_listable,
    scoring_flags,
)
from socmap.store import profile_data as q
from socmap.store.db import Store


def ocgs_by_band_and_market(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Active OCGs in the area, counted by market, and listed."""
    groups = q.active_ocgs(store, area_id)
    names = q.area_names(store)
    bands = scoring.current_bands(store)
    by_market = Counter(g[2] or "unrecorded" for g in groups)
    by_band = Counter(bands.get(g[0], "Not yet scored") for g in groups)
    band_counts = LiveTable(
        ("Band", "Active OCGs"),
        tuple(
            (b, str(n))
            for b, n in sorted(by_band.items(), key=lambda kv: (kv[0] == "Not yet scored", kv[0]))
        ),
        caption="Active OCGs by band (latest approved assessment)",
        widths=(3, 1),
    )
    counts = LiveTable(
        ("Primary market", "Active OCGs"),
        tuple(
            (MARKETS.get(m, "Not recorded"), str(n))
            for m, n in sorted(by_market.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        caption="Active OCGs by primary market",
        widths=(3, 1),
    )
    listable, withheld_note = partner_listable(store, area_id, audience)
    largest = sorted(groups, key=lambda g: (-g[6], g[0])) if len(groups) > MAX_LISTED else groups
    largest = [g for g in largest if listable(g[0])]
    listed, more = first_listed(
        [
            (
                ocg_label(g[0], g[1], audience),
                bands.get(g[0], "-"),
                market_labels(g[2], g[3]),
                names.get(g[4], "-") if g[4] else "-",
                str(g[6]),
            )
            for g in largest
        ],
        "groups (largest first)",
    )
    listing = LiveTable(
        ("OCG", "Band", "Markets", "Lead area", "Members"),
        listed,
        caption="Active OCGs led from or operating in the area",
        widths=(3, 0.8, 3.2, 2, 1),
    )
    return LiveSection(
        key="ocgs",
        title="OCGs active in the area by band and market",
        section="threat",
        paragraphs=(
            f"{plural(len(groups), 'active OCG')} {plural_word(len(groups), 'is', 'are')} led from or "
            f"{plural_word(len(groups), 'has', 'have')} a recorded location in the area.",
            *((more,) if more else ()),
            *((withheld_note,) if withheld_note else ()),
        ),
        tables=(band_counts, counts, *((listing,) if listed else ())),
        note="Bands come from each group's latest approved assessment; '-' means not yet scored.",
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
                f"{plural(len(rows), 'principal nominal')} {plural_word(len(rows), 'is', 'are')} recorded against the area's active OCGs. "
                "Their identities are held by the police and are not part of the partner version.",
            ),
        )
    listed, more = first_listed(
        [
            (
                ocg_label(r[0], r[1], audience),
                f"{r[3].upper()}, {r[4]}" if r[4] else r[3].upper(),
                ", ".join(f.replace("_", " ") for f in r[5]) or "-",
            )
            for r in rows
        ],
        "principals",
    )
    table = LiveTable(("OCG", "Principal", "Flags"), listed, widths=(3, 2.5, 2.5))
    return LiveSection(
        key="principals",
        title="Principals",
        section="threat",
        paragraphs=(
            f"{len(rows)} current principal nominals (internal audience only).",
            *((more,) if more else ()),
        ),
        tables=(table,),
    )


def cross_border(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """OCGs with locations on both sides of the area's boundary."""
    all_rows = q.cross_border(store, area_id)
    listable, withheld_note = partner_listable(store, area_id, audience)
    rows = [r for r in all_rows if listable(r[0])]
    here = q.area_names(store).get(area_id, "")
    listed, more = first_listed(
        [
            (
                ocg_label(r[0], r[1], audience),
                r[2],
                r[3] if r[3] != here else f"{here} (this area)",
                str(r[4]),
            )
            for r in rows
        ],
        "links",
    )
    table = LiveTable(
        ("OCG", "Lead area", "Also located in", "Locations"), listed, widths=(3, 2, 2.4, 1)
    )
    n = len({r[0] for r in all_rows})
    return LiveSection(
        key="cross_border",
        title="Cross-border links",
        section="threat",
        paragraphs=(
            f"{plural(n, 'active OCG')} {plural_word(n, 'has', 'have')} locations on both sides of the area's boundary.",
            *((more,) if more else ()),
            *((withheld_note,) if withheld_note and all_rows else ()),
        ),
        tables=(table,) if rows else (),
    )


def county_lines(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """Active OCGs assessed as running county lines, or with members flagged for it."""
    members = {r[0]: r for r in q.county_lines(store, area_id)}
    groups = {g[0]: g[1] for g in q.active_ocgs(store, area_id)}
    flagged_groups = scoring_flags(store, list(groups), "county_lines")
    all_ids = set(members) | flagged_groups
    listable, withheld_note = partner_listable(store, area_id, audience)
    ids = sorted(
        (i for i in all_ids if listable(i)),
        key=lambda i: (-(members[i][2] if i in members else 0), i),
    )
    listed, more = first_listed(
        [
            (
                ocg_label(i, groups.get(i, ""), audience),
                "Yes" if i in flagged_groups else "No",
                str(members[i][2]) if i in members else "0",
            )
            for i in ids
        ],
        "groups (most flagged members first)",
    )
    table = LiveTable(
        ("OCG", "Assessed county lines", "Members flagged county lines"),
        listed,
        widths=(3, 1.5, 1.5),
    )
    return LiveSection(
        key="county_lines",
        title="County lines",
        section="threat",
        paragraphs=(
            f"{plural(len(flagged_groups), 'active OCG')} "
            f"{plural_word(len(flagged_groups), 'carries', 'carry')} the county lines flag in their latest "
            f"approved assessment; {len(members)} have at least one current member flagged for "
            "county lines.",
            *((more,) if more else ()),
            *((withheld_note,) if withheld_note and all_ids else ()),
        ),
        tables=(table,) if ids else (),
    )


def threat_map(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """The area's threat map; the report draws it with the app's map renderer."""
    what = (
        "intelligence reports cleared for partners; home addresses are not shown"
        if audience is Audience.PARTNER
        else "all intelligence reports"
    )
    return LiveSection(
        key="threat_map",
        title="Threat map",
        section="threat",
        paragraphs=(
            f"The area's outline, the active groups' recorded locations and the density of {what}.",
        ),
        figure="threat_map",
    )


def intelligence_picture(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Intelligence reported in the area over the last year, by category.

    The partner version counts only what the force's handling policy lets partners see
    (``services.handling.may_share``: grading, handling code and marking).
    """
    since = (today - dt.timedelta(days=365)).isoformat()
    counts: Counter[str] = Counter()
    withheld = 0
    conditions: set[str] = set()
    for category, scheme, grade, code, cond, marking, n in q.intel_by_category(
        store, area_id, since=since
    ):
        if audience is not Audience.INTERNAL:
            decision = handling_policy.may_share(
                audience=audience.value,
                marking=marking or None,
                grading=handling_policy.recorded_grading(scheme, grade, code, cond),
            )
            if not decision.allowed:
                withheld += n
                continue
            if decision.conditions:
                conditions.add(decision.conditions)
        counts[category or "Uncategorised"] += n
    table = LiveTable(
        ("Category", "Reports"),
        tuple((c, str(n)) for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        widths=(3, 1),
    )
    paras = [f"{plural(sum(counts.values()), 'intelligence report')} in the last twelve months."]
    if audience is not Audience.INTERNAL and withheld:
        paras.append(
            f"{plural(withheld, 'further report')} {plural_word(withheld, 'is', 'are')} not included: their grading or handling codes do "
            "not allow them to be shared with partners."
        )
    if conditions:
        paras.append("Some of these reports: " + "; ".join(sorted(conditions)) + ".")
    return LiveSection(
        key="intelligence",
        title="Intelligence picture (last 12 months)",
        section="threat",
        paragraphs=tuple(paras),
        tables=(table,) if counts else (),
    )


def network_graph(store: Store, area_id: int, *, audience: Audience, today: dt.date) -> LiveSection:
    """The area's partner graph; the report draws it with the app's graph renderer."""
    return LiveSection(
        key="network",
        title="Partner graph",
        section="partner_data",
        paragraphs=(
            "Partner agencies serving the area, its partnership structure and their links to "
            "the area's groups.",
        ),
        figure="network",
    )


# ---------------------------------------------------------------------- vulnerability / risk
