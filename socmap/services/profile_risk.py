"""Live data for a profile's vulnerability, risk, partner-data and action-plan sections."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from socmap.domain.profiles import ActionStatus, Audience, Strand
from socmap.domain.schedule import DueState
from socmap.domain.text import plural, plural_word
from socmap.services import reassessment
from socmap.services.profile_live import (
    LiveSection,
    LiveTable,
    first_listed,
    ocg_label,
    ocg_ref,
    partner_listable,
)
from socmap.store import profile_data as q
from socmap.store import profiles as prow
from socmap.store.db import Store


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
    exploit_note = ""
    if v.exploiting_ocgs:
        names = {g[0]: g[1] for g in q.active_ocgs(store, area_id)}
        # a partner sees a group one by one only when the handling policy lets it (may_share)
        listable, exploit_note = (
            partner_listable(store, area_id, audience)
            if audience is Audience.PARTNER
            else ((lambda _i: True), "")
        )
        exploiting = sorted(v.exploiting_ocgs.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = [(o, n) for o, n in exploiting if listable(o)]
        if len(shown) < len(exploiting):
            exploit_note = (
                f"{plural(len(exploiting) - len(shown), 'group exploiting people in the area')} "
                "withheld from the partner version by the handling policy."
            )
        if shown:
            tables.append(
                LiveTable(
                    ("OCG", "People at risk its members exploit"),
                    tuple((ocg_label(o, names.get(o, ""), audience), str(n)) for o, n in shown),
                    caption="Groups exploiting people in the area",
                    widths=(3, 1.6),
                )
            )
    paragraphs = [v.summary]
    if exploit_note:
        paragraphs.append(exploit_note)
    if audience is Audience.INTERNAL and v.people:
        listed, more = first_listed(
            [
                (
                    r.name,
                    RISK_LEVELS.get(r.risk_level, r.risk_level),
                    ", ".join(ocg_ref(o) for _p, _n, os in r.exploited_by for o in os) or "-",
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
    listed, more = first_listed(
        [
            (
                r.occurred_on.isoformat(),
                ocg_ref(r.ocg_id) if audience is Audience.PARTNER else r.ocg,
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
            f"{plural(len(log), 'disruption')} recorded against the area's groups in the last twelve "
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
    report = reassessment.schedule(store, today=today)
    late = [r for r in report.overdue if r.ocg_id in ids]
    never = [r for r in report.rows if r.ocg_id in ids and r.state == DueState.NEVER_ASSESSED]
    listable, withheld_note = partner_listable(store, area_id, audience)
    listed, more = first_listed(
        [
            (
                ocg_label(r.ocg_id, r.name, audience),
                r.band or "-",
                r.last_assessed.isoformat() if r.last_assessed else "never",
                r.due.isoformat() if r.due else "-",
                f"{plural(-(r.days_left or 0), 'day')}"
                if r.state == DueState.OVERDUE
                else "never assessed",
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
            f"{len(late)} of the area's {plural(len(ids), 'active OCG')} "
            f"{plural_word(len(late), 'is', 'are')} overdue for re-assessment and "
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


WITHHELD_TEXT = "[not cleared for partners]"


def _partner_safe(store: Store) -> Callable[[str], str]:
    """Short free text (an action, a measure) as a partner may see it: only when the redaction
    finds no identity *and* no capitalised word it cannot judge; otherwise withheld whole."""
    from socmap.services import redaction
    from socmap.services.narrative_clearance import known_words

    r = redaction.redactor_for(store)
    known = known_words(store)

    def check(text: str) -> str:
        if not r.clean(text) or redaction.unjudged(text, known):
            return WITHHELD_TEXT
        return text

    return check


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
    partner = audience is Audience.PARTNER
    cleared = _partner_safe(store) if partner else (lambda text: text)
    listable = partner_listable(store, area_id, audience)[0] if partner else (lambda _i: True)
    withheld_refs = 0
    for a in acts:
        refs = [o for o in a.linked_ocgs if listable(o)]
        withheld_refs += len(a.linked_ocgs) - len(refs)
        over = a.overdue(today)
        rows.append(
            (
                STRAND_LABELS[a.strand],
                cleared(a.action),
                ("-" if partner else a.owner or "-"),
                a.partner or "-",
                a.due.isoformat() if a.due else "-",
                cleared(a.measure or "-"),
                status_labels[a.status] + (" (OVERDUE)" if over else ""),
                ", ".join(ocg_ref(o) for o in refs)
                or ("withheld" if len(refs) < len(a.linked_ocgs) else "-"),
            )
        )
        flagged.append(over)
    n_over = sum(flagged)
    return LiveSection(
        key="actions",
        title="4P actions",
        section="action_plan",
        paragraphs=(
            f"{plural(len(acts), 'action')}; {n_over} overdue."
            if acts
            else "No actions recorded yet.",
            *(
                (
                    f"{plural(withheld_refs, 'group reference')} withheld from the partner "
                    "version by the handling policy.",
                )
                if withheld_refs
                else ()
            ),
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
