"""The demo force's local profiles, in the states the force's own profiles were in (issue 6).

One area nearly complete, others partial, one not started. Deterministic: dates are counted
back from ``ctx.as_of`` and choices come from ``ctx.rng``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from socmap.domain.profiles import REGISTER_TYPE_TO_PROFILE_TYPE
from socmap.services.progress import Progress
from socmap.store import partners as partner_rows
from socmap.store import profile_data as q
from socmap.store import profiles as rows

if TYPE_CHECKING:
    from socmap.services.demo import DemoContext

#: Officers and partner staff who own sections (plainly fictional; none is a nominal).
OWNERS = (
    "DCI Helen Okafor",
    "DI Sam Whitfield",
    "Analyst Priya Kaur",
    "Analyst Tom Bennett",
    "CSP manager Grace Osei",
    "DS Ruth Lindqvist",
)

NARRATIVE: dict[str, str] = {
    "key_judgements": (
        "Drugs supply remains the dominant serious and organised crime threat in {area}, with "
        "{n_ocgs} active groups led from or operating in the area.\n"
        "It is highly likely that county lines activity will continue to exploit children and "
        "vulnerable adults, including through cuckooing of social housing tenancies.\n"
        "Partner data on exploitation and housing is improving but is still incomplete; "
        "confidence in the vulnerability picture is moderate."
    ),
    "threat": (
        "The threat is concentrated on a small number of established groups with links into "
        "neighbouring areas. {cross} groups have locations across the area's boundary.\n"
        "Violence is used to control supply routes; access to weapons is reported for several "
        "principal nominals. {named}"
    ),
    "vulnerability": (
        "Children missing from home and care, and adults with substance misuse or mental "
        "health needs, are the people most exploited. Cuckooed addresses cluster in two "
        "housing estates; hand car washes and nail bars are the business sectors most often "
        "linked to labour exploitation and money laundering."
    ),
    "risk": (
        "Priorities for the partnership: (1) disrupt the groups running county lines from the "
        "area; (2) safeguard exploited children through the MASH and the National Referral "
        "Mechanism; (3) close premises used for laundering and illicit goods through licensing "
        "and trading standards powers."
    ),
    "partner_data": (
        "Council housing, social care and health data were supplied under the county's "
        "information sharing agreement. DWP and HMRC data remain outstanding: a memorandum of "
        "understanding is being agreed."
    ),
    "action_plan": (
        "The plan balances Pursue activity with Prevent and Protect work led by partners. "
        "Each action has a named owner and a measure of success; progress is reviewed at the "
        "monthly SOC Joint Advisory Group."
    ),
    "intel_gaps": (
        "How cash from drugs supply is laundered locally; which businesses are exploited; the "
        "scale of labour exploitation in agriculture and food processing; the routes used by "
        "lines entering the area from the West Midlands conurbation."
    ),
}

PARTNERS = (
    (
        "council_csp_housing",
        "{area} Council community safety and housing",
        "ASB, cuckooing referrals, tenancy enforcement",
    ),
    (
        "social_care",
        "{area} children's and adult social care",
        "missing episodes, exploitation referrals",
    ),
    ("health", "NHS trust (A&E and drug treatment)", "assault injuries, drug-related harm"),
    ("probation", "Probation Service delivery unit", "offender management of nominals on licence"),
    ("fire_rescue", "Fire and rescue service", "cannabis-grow and arson incidents"),
    (
        "trading_standards",
        "Trading standards and licensing",
        "illicit tobacco seizures, premises licences",
    ),
    ("dwp_hmrc", "HMRC", "illicit trade referrals"),
    ("rocu", "ROCU West Midlands", "regional intelligence and county lines assessments"),
)

ACTIONS = (
    (
        "pursue",
        "Target the lead county lines group with a drugs supply operation",
        "DI Sam Whitfield",
        "",
        60,
        "Group disrupted: major or moderate disruption recorded",
        "in_progress",
    ),
    (
        "prevent",
        "Refer exploited children to the MASH and mentoring programme",
        "CSP manager Grace Osei",
        "Children's social care",
        -20,
        "Referrals within 5 days; 20 young people engaged",
        "in_progress",
    ),
    (
        "protect",
        "Cuckooing visits to vulnerable tenants in identified estates",
        "Housing officer lead",
        "Council housing",
        30,
        "All identified addresses visited",
        "planned",
    ),
    (
        "protect",
        "Licensing review of premises linked to laundering",
        "Licensing lead",
        "Trading standards / licensing",
        -45,
        "Reviews completed; conditions imposed",
        "planned",
    ),
    (
        "prepare",
        "Community reassurance plan after enforcement days",
        "Neighbourhood inspector",
        "Community safety partnership",
        90,
        "Plan agreed with the CSP",
        "done",
    ),
)

#: (area name, state). States: nearly, partial, started, stale, empty.
STATES = {
    "Telford & Wrekin": "nearly",
    "Shropshire": "partial",
    "North Worcestershire": "stale",
    "South Worcestershire": "started",
    "Herefordshire": "empty",
}


def _ts(day: dt.date, hour: int) -> str:
    return dt.datetime(day.year, day.month, day.day, hour, 0, 0, tzinfo=dt.UTC).isoformat()


def profiles_step(ctx: DemoContext, progress: Progress) -> None:
    """Write the demo's profiles (one nearly complete, three partial, one empty)."""
    progress.status("Writing local profiles")
    store, rng = ctx.store, ctx.rng
    handling_rows: list[tuple[Any, ...]] = []
    section_rows: list[tuple[Any, ...]] = []
    contrib_rows: list[tuple[Any, ...]] = []
    action_rows: list[tuple[Any, ...]] = []
    register = partner_rows.list_partners(store)  # empty when partners are not in the demo
    for area, state in STATES.items():
        area_id = ctx.area_ids.get(area)
        if area_id is None or state == "empty":
            continue
        short = area.replace(" & ", " and ")
        ocgs = q.active_ocgs(store, area_id)
        cross = len({r[0] for r in q.cross_border(store, area_id)})
        principals = q.principals(store, area_id)
        owner = OWNERS[0] if state == "nearly" else rng.choice(OWNERS[:2])
        review = ctx.as_of + dt.timedelta(days=200) if state != "stale" else ctx.days_ago(40)
        data_to = ctx.days_ago(30) if state != "stale" else ctx.days_ago(400)
        consulted = (
            ["Council", "Social care", "Health", "Probation", "Fire and rescue", "ROCU"]
            if state in ("nearly", "partial")
            else (["Council"] if state == "stale" else [])
        )
        handling_rows.append(
            (
                area_id,
                "OFFICIAL-SENSITIVE",
                owner,
                json.dumps(consulted),
                (data_to - dt.timedelta(days=365)).isoformat(),
                data_to.isoformat(),
                review.isoformat(),
                1,
                "demo",
                _ts(data_to, 9),
            )
        )
        keys = {
            "nearly": list(NARRATIVE),
            "partial": ["key_judgements", "threat", "vulnerability", "risk"],
            "stale": ["key_judgements", "threat", "risk"],
            "started": [],
        }[state]
        for k, key in enumerate(keys):
            named = ""
            if key == "threat" and principals:
                # analysts write names into internal narrative; the partner version scrubs them
                p = principals[0]
                named = f"{p[4]} {p[3]} is assessed as the principal of {p[1]}."
            text = NARRATIVE[key].format(area=short, n_ocgs=len(ocgs), cross=cross, named=named)
            day = ctx.days_ago(430 + k) if state == "stale" else ctx.days_ago(10 + 3 * k)
            author = rng.choice(("analyst.kaur", "analyst.bennett"))
            html = "".join(f"<p>{para}</p>" for para in text.split("\n"))
            sources = "Force intelligence system; partner returns; ROCU assessment"
            section_rows.append(
                (
                    area_id,
                    key,
                    1,
                    html,
                    text,
                    rng.choice(OWNERS),
                    sources,
                    author,
                    _ts(day, 10),
                    0,
                    0,
                )
            )
            if state == "partial" and key == "key_judgements":
                # a second analyst saved over the first without seeing it: both kept
                other = "analyst.osei"
                text2 = text + "\nFraud against older residents is an emerging concern."
                section_rows.append(
                    (
                        area_id,
                        key,
                        2,
                        html + "<p>Fraud against older residents is an emerging concern.</p>",
                        text2,
                        OWNERS[4],
                        sources,
                        other,
                        _ts(day, 15),
                        0,
                        1,
                    )
                )
        n_partners = {"nearly": 7, "partial": 4, "stale": 2, "started": 0}[state]
        chosen = (
            PARTNERS[:n_partners]
            if state != "nearly"
            else [x for x in PARTNERS if x[0] != "dwp_hmrc"]
        )
        for k, (ptype, name, data) in enumerate(chosen):
            # a partner on the register that serves the area and is of this type, if any
            candidates = [
                p
                for p in register
                if REGISTER_TYPE_TO_PROFILE_TYPE.get(p.partner_type) == ptype
                and area_id in p.area_ids
            ]
            # the regional organised crime unit itself, where the register has it
            candidates.sort(key=lambda p: "ROCU" not in p.name if ptype == "rocu" else False)
            reg = candidates[0] if candidates else None
            contrib_rows.append(
                (
                    area_id,
                    reg.name if reg else name.format(area=short),
                    ptype,
                    data,
                    ctx.days_ago(20 + 9 * k + (400 if state == "stale" else 0)).isoformat(),
                    (reg.isa_reference if reg and reg.isa_reference else None)
                    or f"ISA-{''.join(w[0] for w in short.split())}-{2024 + k % 2}-{k + 1:02d}",
                    reg.id if reg else None,
                )
            )

        n_actions = {"nearly": 5, "partial": 2, "stale": 1, "started": 0}[state]
        linked = [o[0] for o in ocgs[:3]]
        for strand, action, a_owner, partner, due_in, measure, status in ACTIONS[:n_actions]:
            action_rows.append(
                (
                    area_id,
                    strand,
                    action,
                    a_owner,
                    partner,
                    (ctx.as_of + dt.timedelta(days=due_in)).isoformat(),
                    measure,
                    status,
                    json.dumps(linked[:1] if strand == "pursue" else []),
                    1,
                )
            )
    for table, cols, vals in (
        (
            "profiles",
            (
                "area_id",
                "marking",
                "owner",
                "partners_consulted",
                "data_from",
                "data_to",
                "review_date",
                "version",
                "updated_by",
                "updated_at",
            ),
            handling_rows,
        ),
        (
            "profile_section_versions",
            (
                "area_id",
                "section",
                "version",
                "html",
                "text",
                "owner",
                "sources",
                "author",
                "saved_at",
                "based_on",
                "conflict_with",
            ),
            section_rows,
        ),
        (
            "profile_contributions",
            (
                "area_id",
                "partner_name",
                "partner_type",
                "data_supplied",
                "supplied_on",
                "isa_ref",
                "partner_id",
            ),
            contrib_rows,
        ),
        (
            "profile_actions",
            (
                "area_id",
                "strand",
                "action",
                "owner",
                "partner",
                "due",
                "measure",
                "status",
                "linked_ocgs",
                "version",
            ),
            action_rows,
        ),
    ):
        ctx.digest.update(table.encode())
        ctx.digest.update(json.dumps(vals, default=str).encode())
        ctx.counts[table] = ctx.counts.get(table, 0) + rows.bulk_insert(store, table, cols, vals)
