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
from dataclasses import dataclass

from socmap.domain.grading import Grading
from socmap.domain.profiles import ActionStatus, Audience, Strand
from socmap.domain.schedule import DueState
from socmap.domain.vocab import MARKETS
from socmap.services import handling as handling_policy
from socmap.services import scoring
from socmap.store import profile_data as q
from socmap.store import profiles as prow
from socmap.store.db import Store

#: A word: letters, with inner apostrophes or hyphens (O'Neil, Smith-Jones).
WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")

#: Long listings stop here: a board document lists the largest groups, the register has the rest.
MAX_LISTED = 150


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


def _listed(rows: list[tuple[str, ...]], what: str) -> tuple[tuple[tuple[str, ...], ...], str]:
    """At most MAX_LISTED rows, and a sentence saying how many more there are."""
    if len(rows) <= MAX_LISTED:
        return tuple(rows), ""
    more = len(rows) - MAX_LISTED
    return tuple(rows[:MAX_LISTED]), (
        f"The first {MAX_LISTED} {what} are listed; {more} more are in the socmap register."
    )


def scoring_flags(store: Store, ocg_ids: list[int], flag: str) -> set[int]:
    """Groups whose latest approved assessment sets ``flag`` (e.g. ``county_lines``)."""
    import json

    from socmap.domain.scoring import breakdown_from_json
    from socmap.store import scoring as score_rows

    out = set()
    for oid, (_aid, text) in score_rows.latest_approved_breakdowns(store, ocg_ids).items():
        lines = breakdown_from_json(json.loads(text)).lines
        if any(
            (ln.key == flag or ln.key.endswith("." + flag))
            and ln.rating not in (0, False, "", "none", None)
            for ln in lines
        ):
            out.add(oid)
    return out


def partner_listable(
    store: Store, area_id: int, audience: Audience
) -> tuple[Callable[[int], bool], str]:
    """Which of the area's groups may be listed one by one for ``audience``, and a note.

    Counts are aggregates and always shown; a partner version lists a group's record only when
    the force's handling policy lets partners see it (``services.handling.may_share``).
    """
    if audience is Audience.INTERNAL:
        return (lambda _i: True), ""
    ok: set[int] = set()
    left, reason = 0, ""
    for g in q.active_ocgs(store, area_id):
        d = handling_policy.may_share(
            audience=handling_policy.Audience.PARTNER, marking=g[7], is_intelligence=False
        )
        if d.allowed:
            ok.add(g[0])
        else:
            left, reason = left + 1, d.reason
    note = (
        f"{left} groups are counted but not listed one by one in the partner version ({reason})."
        if left
        else ""
    )
    return ok.__contains__, note


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
    listed, more = _listed(
        [
            (
                _ocg_label(g[0], g[1], audience),
                bands.get(g[0], "-"),
                _markets(g[2], g[3]),
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
            f"{len(groups)} active OCGs are led from or have a recorded location in the area.",
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
                f"{len(rows)} principal nominals are recorded against the area's active OCGs. "
                "Their identities are held by the police and are not part of the partner version.",
            ),
        )
    listed, more = _listed(
        [
            (
                _ocg_label(r[0], r[1], audience),
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
    listed, more = _listed(
        [
            (
                _ocg_label(r[0], r[1], audience),
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
            f"{n} active OCGs have locations on both sides of the area's boundary.",
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
    listed, more = _listed(
        [
            (
                _ocg_label(i, groups.get(i, ""), audience),
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
            f"{len(flagged_groups)} active OCGs carry the county lines flag in their latest "
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
        if audience is Audience.PARTNER:
            grading = Grading(scheme, grade or "", code or "", cond or "") if scheme else None
            decision = handling_policy.may_share(
                audience=handling_policy.Audience.PARTNER, marking=marking, grading=grading
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
    paras = [f"{sum(counts.values())} intelligence reports in the last twelve months."]
    if audience is Audience.PARTNER and withheld:
        paras.append(
            f"{withheld} further reports are not included: their grading or handling codes do "
            "not allow them to be shared with partners."
        )
    if conditions:
        paras.append("Handling conditions that apply: " + "; ".join(sorted(conditions)) + ".")
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


def people_at_risk(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """People at risk of being drawn into SOC in the area, and prevention with partners.

    Counts for every audience; the list of people (they are potential victims) is internal only.
    """
    from socmap.domain.network import (
        INDICATORS,
        INTERVENTION_KINDS,
        RISK_LEVELS,
        VULNERABILITY_FACTORS,
    )
    from socmap.services import atrisk

    v = atrisk.area_vulnerability(store, area_id, today=today)
    tables = [
        LiveTable(
            ("Risk level", "People"),
            tuple(
                (RISK_LEVELS[k], str(v.by_risk.get(k, 0)))
                for k in sorted(RISK_LEVELS, key=("high", "medium", "low").index)
            ),
            caption="People at risk by risk level",
            widths=(2, 1),
        )
    ]
    if v.indicators:
        tables.append(
            LiveTable(
                ("Indicator", "People"),
                tuple((INDICATORS.get(k, k), str(n)) for k, n in list(v.indicators.items())[:10]),
                caption="Most common indicators",
                widths=(3, 1),
            )
        )
    if v.factors:
        tables.append(
            LiveTable(
                ("Vulnerability factor", "People"),
                tuple(
                    (VULNERABILITY_FACTORS.get(k, k), str(n))
                    for k, n in list(v.factors.items())[:10]
                ),
                caption="Vulnerability factors",
                widths=(3, 1),
            )
        )
    if v.interventions_by_kind:
        tables.append(
            LiveTable(
                ("Intervention", "Count"),
                tuple(
                    (INTERVENTION_KINDS.get(k, k), str(n))
                    for k, n in sorted(v.interventions_by_kind.items(), key=lambda kv: -kv[1])
                ),
                caption="Interventions with partners",
                widths=(3, 1),
            )
        )
    if v.exploiting_ocgs:
        names = {g[0]: g[1] for g in q.active_ocgs(store, area_id)}
        tables.append(
            LiveTable(
                ("OCG", "People at risk its members exploit"),
                tuple(
                    (_ocg_label(o, names.get(o, ""), audience), str(n))
                    for o, n in sorted(v.exploiting_ocgs.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                caption="Groups exploiting people in the area",
                widths=(3, 1.6),
            )
        )
    paragraphs = [v.summary]
    if audience is Audience.INTERNAL and v.people:
        listed, more = _listed(
            [
                (
                    r.name,
                    RISK_LEVELS.get(r.risk_level, r.risk_level),
                    ", ".join(_ocg_ref(o) for _p, _n, os in r.exploited_by for o in os) or "-",
                    str(len(r.interventions)),
                    r.review_date.isoformat() + (" (overdue)" if r.review_overdue else ""),
                    r.owner or "-",
                )
                for r in v.people
            ],
            "people (highest risk first)",
        )
        tables.append(
            LiveTable(
                ("Person at risk", "Risk", "Exploited by", "Interventions", "Review", "Owner"),
                listed,
                flagged=tuple(r.review_overdue for r in v.people[: len(listed)]),
                caption="People at risk (internal version only)",
                widths=(2.2, 0.9, 1.8, 1.1, 1.6, 1.8),
            )
        )
        if more:
            paragraphs.append(more)
    elif audience is Audience.PARTNER and v.people:
        paragraphs.append(
            "The people themselves are potential victims; their identities are held by the "
            "safeguarding leads and are not part of the partner version."
        )
    return LiveSection(
        key="people_at_risk",
        title="People at risk",
        section="vulnerability",
        paragraphs=tuple(paragraphs),
        tables=tuple(tables),
    )


def recent_disruptions(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """Disruptions against the area's OCGs in the last year, with their claimed levels."""
    from socmap.services import disruptions as disruption_svc

    since = today - dt.timedelta(days=365)
    log = [
        r
        for r in disruption_svc.disruption_log(store, area=area_id, today=today)
        if r.occurred_on >= since and r.status != "rejected"
    ]
    listable, withheld_note = partner_listable(store, area_id, audience)
    by_level = Counter(r.level for r in log)
    order = ("Major", "Moderate", "Minor", "None", "Negative")
    levels = LiveTable(
        ("Level claimed", "Disruptions", "Approved"),
        tuple(
            (
                lv,
                str(by_level[lv]),
                str(sum(1 for r in log if r.level == lv and r.status == "approved")),
            )
            for lv in order
            if by_level[lv]
        ),
        caption="Disruptions in the last twelve months by level claimed",
        widths=(2, 1, 1),
    )
    listed, more = _listed(
        [
            (
                r.occurred_on.isoformat(),
                _ocg_ref(r.ocg_id) if audience is Audience.PARTNER else r.ocg,
                r.strand,
                r.tactic,
                r.level,
                r.lead_agency,
                "approved" if r.status == "approved" else "awaiting approval",
                r.score_change or "-",
            )
            for r in log
            if listable(r.ocg_id)
        ],
        "disruptions (newest first)",
    )
    table = LiveTable(
        ("Date", "OCG", "4P", "Tactic", "Level", "Lead agency", "Status", "Score change"),
        listed,
        widths=(1.2, 2.4, 1, 2, 1.1, 1.6, 1.4, 1.4),
    )
    n_approved = sum(1 for r in log if r.status == "approved")
    return LiveSection(
        key="disruptions",
        title="Recent disruptions",
        section="risk",
        paragraphs=(
            f"{len(log)} disruptions recorded against the area's groups in the last twelve "
            f"months ({n_approved} approved, {len(log) - n_approved} awaiting approval).",
            *((more,) if more else ()),
            *((withheld_note,) if withheld_note and log else ()),
        ),
        tables=(levels, *((table,) if listed else ())) if log else (),
    )


def overdue_reassessments(
    store: Store, area_id: int, *, audience: Audience, today: dt.date
) -> LiveSection:
    """The area's active OCGs whose re-assessment is overdue, or that were never assessed."""
    ids = {g[0]: g[1] for g in q.active_ocgs(store, area_id)}
    report = scoring.schedule(store, today=today)
    late = [r for r in report.overdue if r.ocg_id in ids]
    never = [r for r in report.rows if r.ocg_id in ids and r.state == DueState.NEVER_ASSESSED]
    listable, withheld_note = partner_listable(store, area_id, audience)
    listed, more = _listed(
        [
            (
                _ocg_label(r.ocg_id, r.name, audience),
                r.band or "-",
                r.last_assessed.isoformat() if r.last_assessed else "never",
                r.due.isoformat() if r.due else "-",
                f"{-(r.days_left or 0)} days" if r.state == DueState.OVERDUE else "never assessed",
            )
            for r in [*late, *never]
            if listable(r.ocg_id)
        ],
        "groups (most overdue first)",
    )
    table = LiveTable(
        ("OCG", "Band", "Last assessed", "Due", "Overdue by"),
        listed,
        flagged=tuple(True for _ in listed),
        widths=(3, 0.9, 1.4, 1.4, 1.4),
    )
    return LiveSection(
        key="overdue",
        title="Overdue re-assessments",
        section="risk",
        paragraphs=(
            f"{len(late)} of the area's {len(ids)} active OCGs are overdue for re-assessment and "
            f"{len(never)} have never been assessed.",
            *((more,) if more else ()),
            *((withheld_note,) if withheld_note and (late or never) else ()),
        ),
        tables=(table,) if listed else (),
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
    register = area_partner_register(store, area_id, today=today)
    register_table = LiveTable(
        ("Partner (register)", "Type", "Sharing agreement", "ISA status", "Links to OCGs"),
        tuple(register),
        flagged=tuple(r[3] != "valid" for r in register),
        caption="Partners serving the area (partner register)",
        widths=(2.6, 1.8, 1.8, 1.4, 1.1),
    )
    structures = area_structures(store, area_id, today=today)
    return LiveSection(
        key="partner_coverage",
        title="Partner coverage",
        section="partner_data",
        paragraphs=(
            f"{n_done} of {len(rules.partner_types)} expected partner types have contributed data.",
            structures,
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
            *((register_table,) if register else ()),
        ),
    )


def area_partner_register(
    store: Store, area_id: int, *, today: dt.date
) -> list[tuple[str, str, str, str, str]]:
    """Partners on the register that serve the area: name, type, ISA, its status, OCG links."""
    from socmap.services import partners as partner_svc

    names = q.area_names(store)
    here = names.get(area_id, "")
    area_ocgs = {g[0] for g in q.active_ocgs(store, area_id)}
    links: Counter[int] = Counter(
        link.partner_id for link, _n in partner_svc.link_rows(store) if link.ocg_id in area_ocgs
    )
    out = []
    for r in partner_svc.partner_register(store, today=today):
        if not (r.areas.startswith("All ") or here in r.areas.split(", ")):
            continue
        out.append(
            (
                r.name,
                r.type_label,
                r.isa_reference or "none recorded",
                r.isa_status,
                str(links.get(r.id, 0)),
            )
        )
    return out


def area_structures(store: Store, area_id: int, *, today: dt.date) -> str:
    """One sentence on the area's SOC partnership structure (or its absence)."""
    from socmap.services import partners as partner_svc

    mine = [a for a in partner_svc.area_partnerships(store, today=today) if a.area_id == area_id]
    found = [a for a in mine if a.structure is not None]
    if not found:
        return "No SOC partnership structure is recorded for the area: a gap."
    parts = []
    for a in found:
        st = a.structure
        assert st is not None
        text = f"{a.kind_label} '{st.name}'" if st.name else a.kind_label
        if a.overdue:
            text += " (its meeting is overdue)"
        parts.append(text)
    return "Partnership structure: " + "; ".join(parts) + "."


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
    """A registered live data provider and the profile section it fills."""

    key: str
    section: str
    fn: Provider


#: Every live data section, in the order it appears within its profile section.
PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("ocgs", "threat", ocgs_by_band_and_market),
    ProviderSpec("principals", "threat", principals),
    ProviderSpec("cross_border", "threat", cross_border),
    ProviderSpec("county_lines", "threat", county_lines),
    ProviderSpec("threat_map", "threat", threat_map),
    ProviderSpec("intelligence", "threat", intelligence_picture),
    ProviderSpec("people_at_risk", "vulnerability", people_at_risk),
    ProviderSpec("disruptions", "risk", recent_disruptions),
    ProviderSpec("overdue", "risk", overdue_reassessments),
    ProviderSpec("partner_coverage", "partner_data", partner_coverage),
    ProviderSpec("network", "partner_data", network_graph),
    ProviderSpec("actions", "action_plan", action_plan),
)


def live_sections(
    store: Store,
    area_id: int,
    *,
    audience: Audience = Audience.INTERNAL,
    today: dt.date | None = None,
    section: str | None = None,
) -> list[LiveSection]:
    """The live sections for one area and audience (of one profile section), in report order."""
    today = today or dt.date.today()
    return [
        p.fn(store, area_id, audience=audience, today=today)
        for p in PROVIDERS
        if section is None or p.section == section
    ]


def unavailable_features(sections: list[LiveSection]) -> list[str]:
    """Titles of the live sections whose source feature is not installed."""
    return [s.title for s in sections if not s.available]


# ----------------------------------------------------------------------------- redaction


def redactor(store: Store) -> Callable[[str], str]:
    """A function that replaces every nominal's name in free text with ``[name withheld]``.

    The partner version runs narrative text through it: analysts write narrative, and a name
    typed into it must not reach a partner. Any word that is a nominal's surname is withheld
    (case-insensitive, whole words), together with that nominal's forenames written next to it
    ("Shane Vellridge", "VELLRIDGE, Shane"). One pass over the words of the text, with set
    look-ups, so it costs the same with 45,000 nominals as with 40.
    """
    forenames_of: dict[str, set[str]] = {}
    for surname, forenames in q.nominal_names(store):
        fn = {f.casefold() for f in (forenames or "").split()}
        for part in WORD.findall(surname or ""):
            if len(part) > 1:
                forenames_of.setdefault(part.casefold(), set()).update(fn)

    def redact(text: str) -> str:
        tokens = list(WORD.finditer(text))
        drop: set[int] = set()
        for i, m in enumerate(tokens):
            fn = forenames_of.get(m.group().casefold())
            if fn is None:
                continue
            drop.add(i)
            j = i - 1
            while (
                j >= 0
                and tokens[j].group().casefold() in fn
                and not text[tokens[j].end() : tokens[j + 1].start()].strip()
            ):
                drop.add(j)
                j -= 1
            j = i + 1
            while (
                j < len(tokens)
                and tokens[j].group().casefold() in fn
                and text[tokens[j - 1].end() : tokens[j].start()].strip() in ("", ",")
            ):
                drop.add(j)
                j += 1
        if not drop:
            return text
        out: list[str] = []
        pos = 0
        i = 0
        while i < len(tokens):
            if i not in drop:
                i += 1
                continue
            k = i
            while k + 1 in drop and text[tokens[k].end() : tokens[k + 1].start()].strip() in (
                "",
                ",",
            ):
                k += 1
            out.append(text[pos : tokens[i].start()])
            out.append("[name withheld]")
            pos = tokens[k].end()
            i = k + 1
        out.append(text[pos:])
        return "".join(out)

    return redact
