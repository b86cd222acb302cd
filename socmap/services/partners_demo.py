"""The demo force's partners, partnership structures, links, LROs and two years of disruptions.

Deterministic from the demo's seeded generator and ``as_of``. Partner agencies are per area plus
force-wide and national bodies, so the count stays the same at national scale while links and
disruptions grow with the number of groups.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from socmap.domain.disruptions import TACTICS
from socmap.services.progress import Progress, check_cancelled
from socmap.store import partners as rows

#: (name pattern, type, per area?) — "{a}" is the area's name
AREA_AGENCIES = (
    ("{a} Council Community Safety", "council_community"),
    ("{a} Council Housing", "council_community"),
    ("{a} Trading Standards & Licensing", "council_regulatory"),
    ("{a} Drug and Alcohol Service", "health"),
    ("{a} Probation Delivery Unit", "probation"),
    ("{a} Youth Justice Service", "probation"),
)
FORCE_AGENCIES = (
    ("DWP Counter Fraud (West Midlands)", "dwp", None),
    ("HMRC Fraud Investigation Service", "hmrc", None),
    ("Immigration Enforcement (Midlands)", "border_force", None),
    ("Border Force Birmingham Airport", "border_force", None),
    ("ROCU West Midlands", "nca_rocu", None),
    ("National Crime Agency", "nca_rocu", None),
    ("British Transport Police", "nca_rocu", None),
    ("Environment Agency (West Midlands)", "environment_agency", None),
    ("DVLA Enforcement", "dvla", None),
    ("GLAA", "glaa", None),
    ("HMP Long Lartin (demo)", "probation", None),
    (
        "Hereford & Worcester Fire and Rescue",
        "fire",
        ("Herefordshire", "North Worcestershire", "South Worcestershire"),
    ),
    ("Shropshire Fire and Rescue", "fire", ("Shropshire", "Telford & Wrekin")),
    ("Victim Support (demo)", "voluntary", None),
    ("Catch22 County Lines Support (demo)", "voluntary", None),
    ("High Street Bank Fraud Team (demo)", "business", None),
    ("West Mercia Pubwatch (demo)", "business", ("South Worcestershire", "Shropshire")),
)
NO_STRUCTURE = ("Telford & Wrekin", "South Worcestershire")
STRUCTURE_STYLES = (
    ("socjag", "SOC Joint Advisory Group", "six-weekly"),
    ("board", "Organised Crime Partnership Board", "quarterly"),
    ("csp_subgroup", "CSP Serious Organised Crime Sub-group", "bi-monthly"),
)
CONTACT_FIRST = ("Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee", "Morgan", "Jamie")
CONTACT_LAST = ("Carter", "Hughes", "Patel", "Evans", "Morris", "Price", "Ward", "Khan", "Lloyd")

STRAND_WEIGHTS = {"pursue": 0.58, "prevent": 0.16, "protect": 0.16, "prepare": 0.10}
STRAND_TACTICS = {
    "pursue": (
        "arrest_charge",
        "arrest_charge",
        "drugs_seizure",
        "drugs_seizure",
        "cash_seizure",
        "firearms_seizure",
        "poca_confiscation",
        "vehicle_seizure",
        "vehicle_disruption",
        "tax_action",
        "benefit_action",
    ),
    "prevent": ("scpo", "safeguarding_referral", "tenancy_action", "immigration_action"),
    "protect": ("closure_order", "licence_action", "travel_restriction", "safeguarding_referral"),
    "prepare": ("safeguarding_referral", "licence_action", "tenancy_action"),
}
#: level weights (major, moderate, minor, none, negative) by tactic: some tactics work better
TACTIC_LEVELS = {
    "arrest_charge": (0.22, 0.38, 0.25, 0.1, 0.05),
    "poca_confiscation": (0.25, 0.4, 0.25, 0.08, 0.02),
    "firearms_seizure": (0.2, 0.4, 0.3, 0.1, 0.0),
    "scpo": (0.12, 0.38, 0.35, 0.12, 0.03),
    "closure_order": (0.1, 0.4, 0.35, 0.12, 0.03),
    "drugs_seizure": (0.06, 0.3, 0.44, 0.15, 0.05),
}
DEFAULT_LEVELS = (0.03, 0.2, 0.45, 0.25, 0.07)
LEAD_TYPE = {
    "tax_action": "hmrc",
    "benefit_action": "dwp",
    "immigration_action": "border_force",
    "travel_restriction": "border_force",
    "licence_action": "council_regulatory",
    "closure_order": "council_regulatory",
    "tenancy_action": "council_community",
    "safeguarding_referral": "council_community",
    "vehicle_disruption": "dvla",
}
LRO_PARTNER_TYPE = {
    "Trading Standards": "council_regulatory",
    "Housing": "council_community",
    "Probation": "probation",
    "HMRC": "hmrc",
}
RATIONALES = {
    "major": "Principal removed and the group's supply chain dismantled; no activity seen since",
    "moderate": "Key members charged and assets seized; the group is operating at reduced capacity",
    "minor": "Short-term frustration of the group's activity; capability largely intact",
    "none": "No measurable effect on the group's capability",
    "negative": "Intervention failed and the group adapted, becoming more capable",
}


def _pick(rng: Any, weights: dict[str, float]) -> str:
    return str(rng.choices(list(weights), weights=list(weights.values()))[0])


def partners_demo_step(ctx: Any, progress: Progress) -> None:
    """Demo step: partners, structures, links, LROs and two years of disruptions."""
    rng = ctx.rng
    store = ctx.store
    as_of: dt.date = ctx.as_of
    progress.status("Adding partner agencies and partnership structures")
    area_ids: dict[str, int] = dict(ctx.area_ids)
    all_areas = sorted(area_ids.values())

    def write(table: str, columns: Sequence[str], data: list[Sequence[Any]]) -> None:
        ctx.digest.update(table.encode())
        ctx.digest.update(json.dumps(data[:2000], default=str).encode())
        ctx.digest.update(str(len(data)).encode())
        ctx.counts[table] = ctx.counts.get(table, 0) + rows.insert_rows(store, table, columns, data)

    partner_rows: list[Sequence[Any]] = []
    area_rows: list[Sequence[Any]] = []
    contact_rows: list[Sequence[Any]] = []
    by_type_area: dict[tuple[str, int], list[int]] = {}
    by_type: dict[str, list[int]] = {}
    serves: dict[int, list[int]] = {}
    pid = 0

    def add(name: str, ptype: str, served: list[int]) -> None:
        nonlocal pid
        pid += 1
        roll = rng.random()
        if ptype in ("voluntary", "business") and roll < 0.5:
            ref, expires = "", None
        else:
            ref = f"ISA-WM-{rng.randint(2019, 2025)}-{pid:03d}"
            if roll < 0.14:
                expires = as_of - dt.timedelta(days=rng.randint(5, 300))  # expired
            elif roll < 0.26:
                expires = as_of + dt.timedelta(days=rng.randint(3, 55))  # expiring soon
            else:
                expires = as_of + dt.timedelta(days=rng.randint(90, 1000))
        partner_rows.append(
            (
                pid,
                name,
                ptype,
                ref,
                expires.isoformat() if expires else None,
                "",
                "OFFICIAL-SENSITIVE",
                1,
            )
        )
        for a in served:
            area_rows.append((pid, a))
            by_type_area.setdefault((ptype, a), []).append(pid)
        by_type.setdefault(ptype, []).append(pid)
        serves[pid] = served
        for role in rng.sample(
            ("spoc", "manager", "analyst", "safeguarding", "legal"), rng.randint(1, 3)
        ):
            contact_rows.append(
                (
                    pid,
                    role,
                    f"{rng.choice(CONTACT_FIRST)} {rng.choice(CONTACT_LAST)}",
                    f"{role}@partner.example",
                )
            )

    for name, aid in sorted(area_ids.items()):
        for pattern, ptype in AREA_AGENCIES:
            add(pattern.format(a=name), ptype, [aid])
    for name, ptype, where in FORCE_AGENCIES:
        served = all_areas if where is None else [area_ids[a] for a in where if a in area_ids]
        add(name, ptype, served or all_areas)
    write(
        "partners",
        (
            "id",
            "name",
            "partner_type",
            "isa_reference",
            "isa_expires",
            "notes",
            "marking",
            "version",
        ),
        partner_rows,
    )
    write("partner_areas", ("partner_id", "area_id"), area_rows)
    write("partner_contacts", ("partner_id", "role", "name", "detail"), contact_rows)

    structure_rows: list[Sequence[Any]] = []
    member_rows: list[Sequence[Any]] = []
    sid = 0
    for k, (name, aid) in enumerate(sorted(area_ids.items())):
        if name in NO_STRUCTURE:
            continue
        sid += 1
        kind, label, cadence = STRUCTURE_STYLES[k % len(STRUCTURE_STYLES)]
        last = as_of - dt.timedelta(days=rng.randint(10, 80) if k % 3 else rng.randint(130, 200))
        structure_rows.append(
            (
                sid,
                aid,
                f"{name} {label}",
                kind,
                f"Supt {rng.choice(CONTACT_FIRST)} {rng.choice(CONTACT_LAST)}",
                cadence,
                last.isoformat(),
                "",
            )
        )
        local = [p for p, served in serves.items() if aid in served]
        for p in sorted(rng.sample(local, min(len(local), rng.randint(6, 10)))):
            member_rows.append((sid, p))
    write(
        "partnership_structures",
        ("id", "area_id", "name", "kind", "chair", "cadence", "last_meeting", "notes"),
        structure_rows,
    )
    write("structure_members", ("structure_id", "partner_id"), member_rows)
    check_cancelled(progress)

    progress.status("Linking partners to groups")
    relations = ("intelligence_source", "enforcement_lever", "safeguarding_lead", "action_owner")
    link_rows: list[Sequence[Any]] = []
    links_of: dict[int, list[int]] = {}
    lro_rows: list[Sequence[Any]] = []
    lro_text = rows.lro_texts(store)
    for oid, status, lead, ident, _arch, _market in ctx.ocgs:
        if status in ("trigger",):
            continue
        local = [p for p, served in serves.items() if lead in served]
        want = 0
        if status == "active":
            want = 0 if rng.random() < 0.18 else rng.choice((1, 1, 2, 2, 3, 4))
        elif status == "archived":
            want = rng.choice((0, 0, 1))
        chosen = sorted(rng.sample(local, min(want, len(local))))
        seen: set[tuple[int, str]] = set()
        for p in chosen:
            rel = rng.choice(relations)
            if (p, rel) in seen:
                continue
            seen.add((p, rel))
            since = max(ident, as_of - dt.timedelta(days=900)) + dt.timedelta(
                days=rng.randint(0, 60)
            )
            since = min(since, as_of)
            link_rows.append((p, oid, rel, since.isoformat(), ""))
            links_of.setdefault(oid, []).append(p)
        text = lro_text.get(oid) or ""
        if text:
            if text.startswith("Partner:"):
                ptype = next(
                    (t for k, t in LRO_PARTNER_TYPE.items() if k in text), "council_community"
                )
                cands = by_type_area.get((ptype, lead)) or by_type.get(ptype) or []
                if cands:
                    lro_rows.append(
                        (oid, "partner", text.removeprefix("Partner:").strip(), cands[0])
                    )
                    continue
            lro_rows.append((oid, "police", text, None))
    write("partner_ocg_links", ("partner_id", "ocg_id", "relation", "since", "notes"), link_rows)
    write("ocg_lro", ("ocg_id", "kind", "name", "partner_id"), lro_rows)
    check_cancelled(progress)

    progress.status("Recording two years of disruptions")
    start = as_of - dt.timedelta(days=730)
    d_rows: list[Sequence[Any]] = []
    dp_rows: list[Sequence[Any]] = []
    dn_rows: list[Sequence[Any]] = []
    did = 0
    approvers = ("DCI demo.approver", "DI demo.lro")
    second = "Supt demo.socmanager"
    levels = ("major", "moderate", "minor", "none", "negative")
    for oid, status, lead, ident, arch, _market in ctx.ocgs:
        if status not in ("active", "archived"):
            continue
        lo = max(ident, start)
        hi = min(arch or as_of, as_of)
        if hi <= lo:
            continue
        span = (hi - lo).days
        n = sum(rng.choice((0, 0, 1, 1, 2, 2, 3, 4, 6)) for _ in range(max(1, round(span / 365))))
        members = [m for m, _r in ctx.members.get(oid, [])]
        for _ in range(n):
            did += 1
            on = lo + dt.timedelta(days=rng.randint(0, span))
            strand = _pick(rng, STRAND_WEIGHTS)
            tactic = rng.choice(STRAND_TACTICS[strand])
            level = rng.choices(levels, weights=TACTIC_LEVELS.get(tactic, DEFAULT_LEVELS))[0]
            lead_pid = None
            lead_agency = "West Mercia Police"
            if tactic in LEAD_TYPE and rng.random() < 0.7:
                cands = (
                    by_type_area.get((LEAD_TYPE[tactic], lead))
                    or by_type.get(LEAD_TYPE[tactic])
                    or []
                )
                if cands:
                    lead_pid = cands[0]
                    lead_agency = partner_rows[lead_pid - 1][1]
            involved = sorted(
                set(
                    rng.sample(
                        links_of.get(oid, []), min(len(links_of.get(oid, [])), rng.randint(0, 2))
                    )
                )
            )
            age = (as_of - on).days
            roll = rng.random()
            appr, appr_on, sec, sec_on, dstatus = "", None, "", None, "pending"
            if age > 30 and roll < 0.93:
                appr, appr_on = rng.choice(approvers), on + dt.timedelta(days=rng.randint(2, 14))
                dstatus = "approved"
                if level == "major":
                    if age > 60 or roll < 0.6:
                        sec, sec_on = second, appr_on + dt.timedelta(days=rng.randint(1, 10))
                    else:
                        dstatus = "pending"  # first approval only: awaiting the second
            elif age > 30 and roll < 0.96:
                appr, appr_on, dstatus = (
                    rng.choice(approvers),
                    on + dt.timedelta(days=5),
                    "rejected",
                )
            elif level == "major" and roll < 0.5:
                appr, appr_on = rng.choice(approvers), min(on + dt.timedelta(days=3), as_of)
            d_rows.append(
                (
                    did,
                    oid,
                    on.isoformat(),
                    strand,
                    TACTICS[tactic][1],
                    tactic,
                    level,
                    RATIONALES[level],
                    lead_agency,
                    lead_pid,
                    "",
                    dstatus,
                    "analyst.demo",
                    appr,
                    appr_on.isoformat() if appr_on else None,
                    sec,
                    sec_on.isoformat() if sec_on else None,
                    "OFFICIAL-SENSITIVE",
                )
            )
            for p in involved:
                if p != lead_pid:
                    dp_rows.append((did, p))
            if lead_pid:
                dp_rows.append((did, lead_pid))
            for m in sorted(set(rng.sample(members, min(len(members), rng.randint(1, 3))))):
                dn_rows.append((did, m))
    write(
        "disruptions",
        (
            "id",
            "ocg_id",
            "occurred_on",
            "strand",
            "tactic_area",
            "tactic",
            "level",
            "rationale",
            "lead_agency",
            "lead_partner_id",
            "lessons",
            "status",
            "recorded_by",
            "approver",
            "approved_on",
            "second_approver",
            "second_approved_on",
            "marking",
        ),
        d_rows,
    )
    write("disruption_partners", ("disruption_id", "partner_id"), dp_rows)
    write("disruption_nominals", ("disruption_id", "nominal_id"), dn_rows)
