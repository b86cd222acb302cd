"""The demo force's network step: links between groups, people at risk with dated indicators and
"exploited by" links, interventions with partners, people to propose for review, emerging groups
and one clearly structured showcase group. Deterministic from the demo's seeded generator.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from socmap.domain.network import (
    INDICATORS,
    VULNERABILITY_FACTORS,
    AtRiskPerson,
    Exploitation,
    Indicator,
    Intervention,
    OcgLink,
)
from socmap.services.progress import Progress, check_cancelled
from socmap.store import network as net

if TYPE_CHECKING:
    from socmap.services.demo import DemoContext

PARTNERS = {
    "safeguarding_referral": ("Children's Services (MASH)", "Adult Social Care (MASH)"),
    "early_help": ("Local authority early help team",),
    "mentoring": ("Youth diversion charity", "Youth Justice Service", "Sports mentoring project"),
    "nrm": ("Single Competent Authority (NRM)",),
    "housing": ("Housing provider", "Local authority housing team"),
    "education": ("School inclusion team", "Pupil referral unit"),
}
SOURCES = (
    "intelligence report",
    "custody record",
    "telephony",
    "partner referral",
    "school report",
)
FORENAMES = (
    "Alfie",
    "Callum",
    "Demi",
    "Ellie",
    "Harvey",
    "Jayden",
    "Kacey",
    "Leon",
    "Mia",
    "Noah",
    "Riley",
    "Skye",
    "Tyler",
    "Zak",
    "Brandon",
    "Chloe",
    "Kai",
    "Lacey",
)
SURNAMES = (
    "Abbot",
    "Barlow",
    "Carver",
    "Dunmore",
    "Fenwick",
    "Garside",
    "Hollins",
    "Ingram",
    "Jessop",
    "Kirkham",
    "Lyle",
    "Mellish",
    "Nuttall",
    "Orme",
    "Platt",
    "Rudyard",
    "Shaw",
    "Tindall",
    "Usher",
    "Varley",
    "Whitlock",
    "Yeoman",
)


def _grade(rng: Any) -> tuple[str, str, str, str]:
    handling = rng.choice("PPPC")
    return (
        "3x5x2",
        f"{rng.choice('1122')}{rng.choice('ABBC')}",
        handling,
        "Share with safeguarding partners only" if handling == "C" else "",
    )


def network_step(ctx: DemoContext, progress: Progress) -> None:
    """Add the network's records to the demo database."""
    rng, store = ctx.rng, ctx.store
    national = ctx.scale_name == "national"
    progress.status("Linking groups and people at risk")
    live = [o for o in ctx.ocgs if o[1] in ("active", "draft", "trigger")]
    archived = [o for o in ctx.ocgs if o[1] == "archived"]
    actives = [o for o in ctx.ocgs if o[1] == "active"]

    # --- OCG <-> OCG links
    links: list[OcgLink] = []
    seen: set[tuple[int, int]] = set()
    by_market: dict[str, list[Any]] = {}
    by_area: dict[int, list[Any]] = {}
    for o in actives:
        by_market.setdefault(o[5], []).append(o)
        by_area.setdefault(o[2], []).append(o)
    n_links = len(live) // 2
    while len(links) < n_links:
        ga = rng.choice(actives)
        kind = rng.choice(("supplier", "supplier", "rival", "associate", "merged", "split"))
        if kind in ("merged", "split") and archived:
            gb = rng.choice(archived)
            ga, gb = (gb, ga) if kind == "merged" else (ga, gb)
            start = gb[3] if kind == "split" else (ga[4] or ga[3])
        else:
            pool = (
                by_market.get(ga[5], actives) if kind == "supplier" else by_area.get(ga[2], actives)
            )
            gb = rng.choice(pool or actives)
            start = max(ga[3], gb[3]) + dt.timedelta(days=rng.randint(0, 120))
        if ga[0] == gb[0] or (min(ga[0], gb[0]), max(ga[0], gb[0])) in seen:
            continue
        seen.add((min(ga[0], gb[0]), max(ga[0], gb[0])))
        scheme, grade, handling, cond = _grade(rng)
        links.append(
            OcgLink(
                ocg_a=ga[0],
                ocg_b=gb[0],
                kind=kind,
                start=min(start, ctx.as_of),
                source=rng.choice(SOURCES[:3]),
                grading_scheme=scheme,
                grade=grade,
                handling=handling,
                handling_conditions=cond,
            )
        )
    _count(ctx, "ocg_links", net.insert_ocg_links(store, links), links[:200])
    check_cancelled(progress)

    # --- the showcase group: a clear supply / middle / street structure
    area_of = {int(i): a for i, _s, _f, _d, a in net.nominal_rows(store)}
    pairs = {(min(a, b), max(a, b)) for a, b in _existing_pairs(store)}
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    def inner_links(o: Any) -> int:
        ids = {n for n, _r in ctx.members[o[0]]}
        return sum(len(neighbours.get(a, set()) & ids) for a in ids) // 2

    # the showcase: a big drugs group with few recorded links yet, given a clear structure
    drugs = [o for o in actives if o[5] == "drugs" and len(ctx.members[o[0]]) >= 7] or actives
    showcase = min(drugs, key=lambda o: (inner_links(o) - len(ctx.members[o[0]]), o[0]))
    sc_members = ctx.members[showcase[0]]
    leaders = [n for n, r in sc_members if r in ("principal", "significant")]
    street = [n for n, r in sc_members if r == "peripheral"]
    assoc_rows: list[Sequence[Any]] = []

    def link(a: int, b: int, kind: str, days: int) -> None:
        key = (min(a, b), max(a, b))
        if a == b or key in pairs:
            return
        pairs.add(key)
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
        scheme, grade, handling, _c = _grade(rng)
        assoc_rows.append(
            (
                key[0],
                key[1],
                kind,
                ctx.days_ago(days).isoformat(),
                None,
                rng.choice(("telephony", "surveillance log", "custody record")),
                scheme,
                grade,
                "P" if handling == "C" else handling,
            )
        )

    if len(leaders) >= 2 and street:
        bridge = leaders[-1]
        for i, a in enumerate(leaders):
            for b in leaders[i + 1 :]:
                link(a, b, rng.choice(("associate", "family", "financial")), rng.randint(200, 900))
        for s in street:
            link(bridge, s, "communications", rng.randint(30, 400))
        for i in range(len(street) - 1):
            if rng.random() < 0.5:
                link(street[i], street[i + 1], "co-offender", rng.randint(20, 300))

    # --- every live group hangs together: each loose part is tied to a significant member
    # (its handler) so that key players and what-ifs have a structure to explain
    for o in actives:
        if o[0] == showcase[0]:
            continue
        mem = ctx.members[o[0]]
        if len(mem) < 3:
            continue
        ids = [n for n, _r in mem]
        rank = {n: {"principal": 0, "significant": 1}.get(r, 2) for n, r in mem}
        parent = {n: n for n in ids}

        def find(x: int, parent: dict[int, int] = parent) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        idset = set(ids)
        for a in ids:
            for b in neighbours.get(a, set()) & idset:
                parent[find(a)] = find(b)
        handlers = [n for n in ids if rank[n] <= 1]
        top = min(ids, key=lambda n: (rank[n], n))
        for h in handlers:
            if find(h) != find(top):
                link(
                    h, top, rng.choice(("associate", "family", "financial")), rng.randint(100, 900)
                )
                parent[find(h)] = find(top)
        for n in sorted(ids, key=lambda n: (rank[n], n)):
            if find(n) != find(top):
                h = rng.choice(handlers)
                link(n, h, rng.choice(("communications", "associate")), rng.randint(20, 400))
                parent[find(n)] = find(top)

    # --- people at risk, proposals and emerging groups are new people (never members)
    n_risk = 1500 if national else 48
    n_prop = 400 if national else 14
    n_emerging = 60 if national else 3
    next_id = net.max_nominal_id(store) + 1
    person_rows: list[Sequence[Any]] = []

    def new_person(area: int | None, *, young: bool) -> int:
        nonlocal next_id
        pid = next_id
        next_id += 1
        age = rng.randint(13, 19) if young else rng.randint(24, 66)
        dob = ctx.as_of - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        area = area if area is not None else rng.choice(list(ctx.area_polygons))
        p = ctx.random_points(area, 1)[0]
        person_rows.append(
            [
                pid,
                rng.choice(SURNAMES),
                rng.choice(FORENAMES),
                "[]",
                dob.isoformat(),
                "[]",
                "OFFICIAL-SENSITIVE",
                "",
                "",
                float(p[0]),
                float(p[1]),
                area,
                1,
            ]
        )
        return pid

    exploiters = [(n, r, o[0]) for o in actives for n, r in ctx.members[o[0]] if r != "principal"]
    # showcase victims first, exploited by the showcase's street-level members
    sc_exploiters = [(n, "peripheral", showcase[0]) for n in street[:3]]
    records: list[AtRiskPerson] = []
    inds: list[Indicator] = []
    exps: list[Exploitation] = []
    ivs: list[Intervention] = []
    ind_keys = list(INDICATORS)
    fac_keys = list(VULNERABILITY_FACTORS)
    for k in range(n_risk):
        who, _role, _o = sc_exploiters[k] if k < len(sc_exploiters) else rng.choice(exploiters)
        young = rng.random() < 0.75
        pid = new_person(area_of.get(who), young=young)
        keys = rng.sample(
            [k for k in ind_keys if k != "cuckooing"]
            if young
            else ["cuckooing", "unexplained_money", "older_associates", "injuries"],
            rng.randint(1, 4),
        )
        for key in keys:
            inds.append(
                Indicator(
                    nominal_id=pid,
                    indicator=key,
                    observed_on=ctx.days_ago(rng.randint(5, 540)),
                    source=rng.choice(SOURCES),
                )
            )
        factors = tuple(sorted(rng.sample(fac_keys, rng.randint(1, 3))))
        level = "high" if len(keys) >= 3 else rng.choice(("medium", "medium", "low", "high"))
        opened = ctx.days_ago(rng.randint(30, 500))
        records.append(
            AtRiskPerson(
                nominal_id=pid,
                risk_level=level,
                vulnerability_factors=factors,
                rationale=(
                    f"{'Child' if young else 'Adult'} with {len(keys)} indicator(s) of "
                    f"{'criminal exploitation' if young else 'cuckooing'}; exploited by "
                    "a member of an active group."
                ),
                owner=rng.choice(("DS Safeguarding hub", "Exploitation team", "Neighbourhood PS")),
                opened_on=opened,
                review_date=max(
                    opened + dt.timedelta(days=30), ctx.days_ago(rng.randint(-150, 40))
                ),
            )
        )
        exps.append(
            Exploitation(
                at_risk_nominal_id=pid,
                exploiter_nominal_id=who,
                start=opened - dt.timedelta(days=rng.randint(0, 120)),
                source=rng.choice(SOURCES),
                grading_scheme="3x5x2",
                grade=f"{rng.choice('12')}{rng.choice('BC')}",
                handling="P",
            )
        )
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            kind = rng.choice(
                list(PARTNERS) if young else ["safeguarding_referral", "housing", "nrm"]
            )
            start = min(opened + dt.timedelta(days=rng.randint(0, 60)), ctx.as_of)
            ended = rng.random() < 0.4
            end = start + dt.timedelta(days=rng.randint(30, 200)) if ended else None
            if end and end > ctx.as_of:
                end = None
            ivs.append(
                Intervention(
                    nominal_id=pid,
                    kind=kind,
                    lead_partner=rng.choice(PARTNERS[kind]),
                    start=start,
                    end=end,
                    outcome=rng.choice(("engaged", "risk_reduced", "no_change", "declined"))
                    if end
                    else rng.choice(("", "engaged")),
                    review_date=start + dt.timedelta(days=90),
                )
            )
    leaders_all = [
        (n, o[0])
        for o in actives
        for n, r in ctx.members[o[0]]
        if r in ("principal", "significant")
    ]
    peripherals = [(n, o[0]) for o in actives for n, r in ctx.members[o[0]] if r == "peripheral"]
    for k in range(n_prop):
        near = rng.choice(leaders_all if k % 3 else peripherals)[0]
        pid = new_person(area_of.get(near), young=True)
        link(pid, near, rng.choice(("associate", "communications", "family")), rng.randint(10, 200))
        for key in rng.sample([k for k in ind_keys if k != "cuckooing"], rng.randint(1, 3)):
            inds.append(
                Indicator(
                    nominal_id=pid,
                    indicator=key,
                    observed_on=ctx.days_ago(rng.randint(3, 200)),
                    source=rng.choice(SOURCES),
                )
            )
    only_archived = sorted(
        {n for o in archived for n, _r in ctx.members[o[0]]}
        - {n for o in live for n, _r in ctx.members[o[0]]}
    )
    for _ in range(n_emerging):
        area = rng.choice(list(ctx.area_polygons))
        core = rng.sample(only_archived, min(2, len(only_archived)))
        people = core + [
            new_person(area, young=rng.random() < 0.3) for _ in range(rng.randint(4, 6))
        ]
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                if rng.random() < 0.7:
                    link(
                        a,
                        b,
                        rng.choice(("associate", "co-offender", "communications")),
                        rng.randint(10, 150),
                    )
    ctx.write(
        "nominals",
        (
            "id",
            "surname",
            "forenames",
            "aliases",
            "date_of_birth",
            "flags",
            "marking",
            "notes",
            "address_label",
            "address_x",
            "address_y",
            "area_id",
            "version",
        ),
        person_rows,
    )
    ctx.write(
        "associations",
        (
            "nominal_a",
            "nominal_b",
            "kind",
            "start",
            "end",
            "source",
            "grading_scheme",
            "grade",
            "handling",
        ),
        assoc_rows,
    )
    _count(ctx, "at_risk", net.insert_at_risk_many(store, records), records[:200])
    _count(ctx, "at_risk_indicators", net.insert_indicators(store, inds), inds[:200])
    _count(ctx, "exploitation", len(net.insert_exploitations(store, exps)), exps[:200])
    _count(ctx, "interventions", len(net.insert_interventions(store, ivs)), ivs[:200])
    check_cancelled(progress)


def _existing_pairs(store: Any) -> list[tuple[int, int]]:
    return [(int(r[1]), int(r[2])) for r in net.association_rows(store)]


def _count(ctx: DemoContext, table: str, n: int, sample: list[Any]) -> None:
    ctx.digest.update(table.encode())
    ctx.digest.update(json.dumps([repr(x) for x in sample]).encode())
    ctx.counts[table] = ctx.counts.get(table, 0) + n
