"""The demo force's register: groups, people, memberships, associations, intelligence.

Steps of :mod:`socmap.services.demo`, deterministic from the context's seeded generators.
Names are plainly fictional (made-up surnames from syllables).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from socmap.domain.vocab import LOCATION_KINDS, MARKETS, MEMBER_TAGS
from socmap.services.progress import Progress, check_cancelled

if TYPE_CHECKING:
    from socmap.services.demo import DemoContext

SYLLABLE_A = (
    "Ash",
    "Bram",
    "Cor",
    "Dun",
    "Fel",
    "Gar",
    "Hol",
    "Kes",
    "Lan",
    "Mor",
    "Nor",
    "Pen",
    "Rav",
    "Sel",
    "Thorn",
    "Wex",
    "Brack",
    "Quell",
    "Yarn",
    "Zeb",
    "Ost",
    "Tams",
    "Vell",
    "Crom",
)
SYLLABLE_B = (
    "by",
    "combe",
    "dale",
    "ford",
    "gate",
    "ham",
    "ley",
    "mere",
    "ridge",
    "stow",
    "ton",
    "wick",
    "hurst",
    "thwaite",
    "sett",
    "wold",
)
FORENAMES_M = (
    "Aaron",
    "Ben",
    "Callum",
    "Dean",
    "Ethan",
    "Jordan",
    "Kyle",
    "Liam",
    "Mason",
    "Nathan",
    "Owen",
    "Reece",
    "Ryan",
    "Shane",
    "Tyler",
    "Wayne",
    "Jamal",
    "Kieran",
    "Lewis",
    "Marcus",
    "Connor",
    "Darren",
    "Jake",
    "Tomasz",
)
FORENAMES_F = (
    "Amy",
    "Chelsea",
    "Demi",
    "Gemma",
    "Jade",
    "Kayleigh",
    "Leanne",
    "Megan",
    "Natalie",
    "Paige",
    "Sophie",
    "Tanya",
)
GROUP_STYLES = (
    "{s} family",
    "{s} brothers",
    "{s} network",
    "{s} OCG",
    "{p} crew",
    "{p} boys",
    "{s}-{s2} group",
    "Op. {p}",
)
PLACE_WORDS = (
    "Riverside",
    "Northgate",
    "Foundry",
    "Canal",
    "Orchard",
    "Castle",
    "Market",
    "Quarry",
    "Viaduct",
    "Station",
    "Mill",
    "Bridge",
    "Hillside",
    "Brookfield",
    "Forge",
    "Harbour",
    "Kingsway",
    "Lakeside",
    "Meadow",
    "Parkway",
)
LRO_RANKS = ("DI", "DCI", "Insp", "DS", "Ch Insp")
INTEL_CATEGORIES = (
    "Drugs supply",
    "Possession of weapons",
    "Violence",
    "Exploitation",
    "Money laundering",
    "Firearms",
    "County lines",
    "Organised theft",
    "Modern slavery",
    "Fraud",
)
AREA_WEIGHTS = {
    "Herefordshire": 0.15,
    "Shropshire": 0.19,
    "Telford & Wrekin": 0.21,
    "North Worcestershire": 0.22,
    "South Worcestershire": 0.23,
}
MARKET_WEIGHTS = {
    "drugs": 0.55,
    "violence": 0.08,
    "fraud": 0.1,
    "theft": 0.1,
    "commodities": 0.06,
    "sexual": 0.03,
    "immigration": 0.05,
    "environmental": 0.03,
}


def _surname(rng: random.Random) -> str:
    """A made-up surname that is no word of a real place the demo's maps print.

    Syllables can make real names (Morton, Norton): a person's name printed as a map label
    would be indistinguishable from a leak, so the next ending is taken instead, with no extra
    draw from ``rng`` (the rest of the demo stays as it was).
    """
    first, end = rng.choice(SYLLABLE_A), SYLLABLE_B.index(rng.choice(SYLLABLE_B))
    for step in range(len(SYLLABLE_B)):
        name = first + SYLLABLE_B[(end + step) % len(SYLLABLE_B)]
        if name.casefold() not in demo_place_words():
            return name
    return first + "ington" if (first + "ington").casefold() not in demo_place_words() else first


@functools.cache
def demo_place_words() -> frozenset[str]:
    """Every word of the demo's real area, ward and place names (casefolded)."""
    from socmap import paths

    words: set[str] = set()
    for path in (paths.demo_boundaries(), paths.demo_neighbourhoods(), paths.demo_places()):
        with path.open(encoding="utf-8") as fh:
            for feature in json.load(fh).get("features", []):
                for value in feature.get("properties", {}).values():
                    if isinstance(value, str):
                        words |= {w.casefold() for w in re.findall(r"[A-Za-z']+", value)}
    return frozenset(words)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def register_step(ctx: DemoContext, progress: Progress) -> None:
    """Groups, locations, nominals, memberships and associations."""
    rng, sc = ctx.rng, ctx.scale
    progress.status("Creating groups")
    area_weights = {ctx.area_ids[n]: w for n, w in AREA_WEIGHTS.items() if n in ctx.area_ids}
    statuses = (
        ["active"] * sc.active
        + ["archived"] * sc.archived
        + ["trigger"] * sc.trigger
        + ["draft"] * sc.draft
    )
    rng.shuffle(statuses)
    used_names: set[str] = set()
    ocg_rows, ref_rows = [], []
    for i, status in enumerate(statuses, start=1):
        while True:
            s, s2 = _surname(rng), _surname(rng)
            name = rng.choice(GROUP_STYLES).format(s=s, s2=s2, p=rng.choice(PLACE_WORDS))
            if name not in used_names:
                used_names.add(name)
                break
        lead = int(rng.choices(list(area_weights), weights=list(area_weights.values()))[0])
        primary = _weighted(rng, MARKET_WEIGHTS)
        secondary = sorted(set(rng.sample(list(MARKETS), rng.choice((0, 0, 1, 1, 2)))) - {primary})
        enablers = sorted(
            rng.sample(
                ["money_laundering", "violence", "corruption", "firearms"], rng.choice((0, 1, 1, 2))
            )
        )
        if status == "archived":
            identified = ctx.days_ago(rng.randint(900, 3600))
            archived: dt.date | None = min(
                identified + dt.timedelta(days=rng.randint(200, 800)), ctx.days_ago(30)
            )
        elif status == "active":
            identified = ctx.days_ago(rng.randint(60, 1800))
            archived = None
        else:
            identified = ctx.days_ago(rng.randint(3, 75))
            archived = None
        lro = (
            ""
            if status in ("trigger",)
            else (
                f"{rng.choice(LRO_RANKS)} {rng.choice(FORENAMES_M + FORENAMES_F)} {_surname(rng)}"
                if rng.random() > 0.12
                else f"Partner: {rng.choice(('Trading Standards', 'Housing', 'Probation', 'HMRC'))} lead {_surname(rng)}"
            )
        )
        ocg_rows.append(
            (
                i,
                name,
                "[]",
                status,
                primary,
                json.dumps(secondary),
                json.dumps(enablers),
                lead,
                lro,
                identified.isoformat(),
                archived.isoformat() if archived else None,
                "OFFICIAL-SENSITIVE",
                "",
                1,
            )
        )
        if status != "trigger":
            ref_rows.append((i, "OCGM URN", f"{rng.randint(10_000_000, 99_999_999)}"))
        ctx.ocgs.append((i, status, lead, identified, archived, primary))
    ctx.write(
        "ocgs",
        (
            "id",
            "name",
            "aliases",
            "status",
            "primary_market",
            "secondary_markets",
            "enablers",
            "lead_area_id",
            "lro",
            "identified_on",
            "archived_on",
            "marking",
            "notes",
            "version",
        ),
        ocg_rows,
    )
    ctx.write("ocg_refs", ("ocg_id", "system", "value"), ref_rows)
    check_cancelled(progress)

    progress.status("Placing locations")
    loc_rows = []
    kinds = list(LOCATION_KINDS)
    other_areas = list(ctx.area_polygons)
    for oid, status, lead, _ident, _arch, _m in ctx.ocgs:
        n_loc = rng.choice((1, 2, 2, 3, 3, 4)) if status != "trigger" else 1
        base = ctx.random_points(lead, 1)[0]
        pts = []
        for k in range(n_loc):
            area = lead
            if k > 0 and rng.random() < 0.18:
                area = rng.choice(other_areas)
            p = ctx.random_points(
                area, 1, near=(base[0], base[1]) if area == lead else None, spread=3000.0
            )[0]
            pts.append((float(p[0]), float(p[1])))
            kind = "base" if k == 0 else rng.choice(kinds)
            label = f"{rng.randint(1, 180)} {rng.choice(PLACE_WORDS)} {rng.choice(('Road', 'Street', 'Close', 'Way', 'Lane', 'Court'))}"
            loc_rows.append(
                (
                    oid,
                    kind,
                    label,
                    float(p[0]),
                    float(p[1]),
                    float(p[0]),
                    float(p[1]),
                    "EPSG:27700",
                    None,
                )
            )
        ctx.locations[oid] = pts
    ctx.write(
        "locations",
        (
            "ocg_id",
            "kind",
            "label",
            "easting",
            "northing",
            "source_x",
            "source_y",
            "source_crs",
            "area_id",
        ),
        loc_rows,
    )
    check_cancelled(progress)

    progress.status("Creating nominals and memberships")
    nominal_rows: list[list[Any]] = []
    for nid in range(1, sc.nominals + 1):
        female = rng.random() < 0.18
        fore = rng.choice(FORENAMES_F if female else FORENAMES_M)
        age = rng.randint(15, 62)
        dob = ctx.as_of - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        flags = sorted(
            rng.sample(
                ["firearms", "violence", "weapons", "county_lines", "drugs_supply"],
                rng.choice((0, 0, 0, 1, 1, 2)),
            )
        )
        aliases = (
            [
                rng.choice(
                    (
                        "Tank",
                        "Spider",
                        "Bones",
                        "Little",
                        "Smudge",
                        "Ghost",
                        "Moz",
                        "Chippy",
                        "Dex",
                        "Blade",
                    )
                )
            ]
            if rng.random() < 0.3
            else []
        )
        nominal_rows.append(
            [
                nid,
                _surname(rng),
                fore,
                json.dumps(aliases),
                dob.isoformat(),
                json.dumps(flags),
                "OFFICIAL-SENSITIVE",
                "",
                "",
                None,
                None,
                None,
                1,
            ]
        )
        ctx.nominal_ids.append(nid)
    # memberships: each group draws members; people may belong to several groups over time
    pool = list(ctx.nominal_ids)
    rng.shuffle(pool)
    cursor = 0
    mem_rows = []
    home: dict[int, tuple[int, tuple[float, float]]] = {}
    tags = list(MEMBER_TAGS)
    for oid, status, lead, ident, arch, _m in ctx.ocgs:
        size = {"active": rng.randint(4, 13), "archived": rng.randint(3, 7)}.get(
            status, rng.randint(2, 5)
        )
        chosen: list[int] = []
        for _ in range(size):
            if cursor < len(pool) and rng.random() < 0.8:
                nid = pool[cursor]
                cursor += 1
            else:
                nid = rng.choice(pool)
            if nid not in chosen:
                chosen.append(nid)
        roles = []
        for k, nid in enumerate(chosen):
            role = (
                "principal"
                if k == 0 or (k == 1 and rng.random() < 0.25)
                else ("significant" if k < 4 else "peripheral")
            )
            # never after the demo's as-of date (a membership has happened)
            start = min(ident + dt.timedelta(days=rng.randint(0, 60)), ctx.as_of)
            end = (
                arch
                if status == "archived"
                else (ctx.days_ago(rng.randint(5, 200)) if rng.random() < 0.06 else None)
            )
            if end and end < start:
                end = start
            mtags = [rng.choice(tags)] if rng.random() < 0.15 else []
            mem_rows.append(
                (
                    oid,
                    nid,
                    role,
                    json.dumps(mtags),
                    start.isoformat(),
                    end.isoformat() if end else None,
                )
            )
            roles.append((nid, role))
            if nid not in home or status == "active":
                home[nid] = (lead, ctx.locations[oid][0])
        ctx.members[oid] = roles
    # anyone not drawn into a group joins a random active one as peripheral
    in_group = {r[1] for r in mem_rows}
    actives = [o for o in ctx.ocgs if o[1] == "active"]
    for nid in ctx.nominal_ids:
        if nid not in in_group:
            oid, _s, lead, ident, _a, _m = rng.choice(actives)
            mem_rows.append(
                (
                    oid,
                    nid,
                    "peripheral",
                    "[]",
                    min(ident + dt.timedelta(days=90), ctx.as_of).isoformat(),
                    None,
                )
            )
            ctx.members[oid].append((nid, "peripheral"))
            home[nid] = (lead, ctx.locations[oid][0])
    # home addresses near the group's base
    for row in nominal_rows:
        lead, base = home[row[0]]
        p = ctx.random_points(lead, 1, near=base, spread=4000.0)[0]
        row[8] = (
            f"{rng.randint(1, 220)} {rng.choice(PLACE_WORDS)} {rng.choice(('Road', 'Avenue', 'Drive', 'Walk'))}"
        )
        row[9], row[10] = float(p[0]), float(p[1])
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
        nominal_rows,
    )
    ctx.write("memberships", ("ocg_id", "nominal_id", "role", "tags", "start", "end"), mem_rows)
    check_cancelled(progress)

    progress.status("Linking associates")
    assoc_rows: list[tuple[Any, ...]] = []
    kinds_a = ("associate", "associate", "family", "co-offender", "financial", "communications")
    seen: set[tuple[int, int]] = set()
    groups_list = [m for m in ctx.members.values() if len(m) >= 2]
    while len(assoc_rows) < sc.associations:
        if rng.random() < 0.8:
            members = rng.choice(groups_list)
            (a, _ra), (b, _rb) = rng.sample(members, 2)
        else:
            a, b = rng.sample(ctx.nominal_ids, 2)
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        start = ctx.days_ago(rng.randint(30, 1500))
        handling = rng.choice("PPPC")
        assoc_rows.append(
            (
                key[0],
                key[1],
                rng.choice(kinds_a),
                start.isoformat(),
                None,
                rng.choice(
                    (
                        "intelligence report",
                        "custody record",
                        "telephony",
                        "surveillance log",
                        "financial analysis",
                    )
                ),
                "3x5x2",
                f"{rng.choice('112')}{rng.choice('ABBCCD')}",
                handling,
                "share with police partners only" if handling == "C" else "",
            )
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
            "handling_conditions",
        ),
        assoc_rows,
    )


def intel_step(ctx: DemoContext, progress: Progress) -> None:
    """Graded intelligence reports, clustered around the groups' locations."""
    progress.status("Scattering intelligence reports")
    n = ctx.scale.intel
    rng = ctx.np_rng
    active = [o for o in ctx.ocgs if o[1] in ("active", "trigger", "draft")]
    n_clustered = int(n * 0.7)
    picks = rng.integers(0, len(active), n_clustered)
    centres = np.array([ctx.locations[active[i][0]][0] for i in picks])
    # the rest is background reporting spread over the areas, a few just over the border
    n_background = n - n_clustered
    n_outside = n_background // 50
    area_ids = list(ctx.area_polygons)
    per_area = np.bincount(
        rng.integers(0, len(area_ids), n_background - n_outside), minlength=len(area_ids)
    )
    background = [
        ctx.random_points(a, int(k)) for a, k in zip(area_ids, per_area, strict=True) if k
    ]
    background.append(
        np.column_stack(
            [rng.uniform(318000, 413000, n_outside), rng.uniform(211000, 346000, n_outside)]
        )
    )
    bg = np.concatenate(background)
    xs = np.concatenate([centres[:, 0] + rng.normal(0, 2200, n_clustered), bg[:, 0]])
    ys = np.concatenate([centres[:, 1] + rng.normal(0, 2200, n_clustered), bg[:, 1]])
    assert ctx.index is not None
    area = ctx.index.assign(xs, ys)
    ocg_of = np.concatenate(
        [np.array([active[i][0] for i in picks]), np.zeros(n - n_clustered, dtype=int)]
    )
    cats = rng.integers(0, len(INTEL_CATEGORIES), n)
    days = rng.integers(0, 730, n)
    src = rng.choice(np.array(["1", "1", "2", "2", "3"]), n)
    grade = rng.choice(np.array(list("AABBBCCD")), n)
    handling = rng.choice(np.array(list("PPPC")), n)
    legacy = rng.random(n) < 0.08
    base = ctx.as_of.toordinal()
    rows = []
    for k in range(n):
        if k % 100_000 == 0:
            progress.advance(k, n)
            check_cancelled(progress)
        if legacy[k]:
            scheme, g, h = "5x5x5", f"{'BCD'[k % 3]}{2 + k % 3}", str(1 + k % 4)
        else:
            scheme, g, h = "3x5x2", f"{src[k]}{grade[k]}", str(handling[k])
        rows.append(
            (
                dt.date.fromordinal(base - int(days[k])).isoformat(),
                INTEL_CATEGORIES[cats[k]],
                scheme,
                g,
                h,
                "conditions apply: see originator" if h == "C" else "",
                float(round(xs[k], 1)),
                float(round(ys[k], 1)),
                float(round(xs[k], 1)),
                float(round(ys[k], 1)),
                int(area[k]) or None,
                int(ocg_of[k]) or None,
                "demo",
            )
        )
    ctx.write(
        "intel",
        (
            "reported_on",
            "category",
            "grading_scheme",
            "grade",
            "handling",
            "handling_conditions",
            "easting",
            "northing",
            "source_x",
            "source_y",
            "area_id",
            "ocg_id",
            "batch",
        ),
        rows,
    )
    progress.advance(n, n)
