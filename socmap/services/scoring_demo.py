"""The demo force's scoring history: two years of approved assessments, with the gaps a real
force has (overdue groups, a few never assessed, emerging groups, drafts awaiting approval).

Deterministic: every choice comes from ``ctx.rng`` and every date is counted back from ``ctx.as_of``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from socmap.domain.schedule import TRIGGER_KINDS, SchedulePolicy
from socmap.domain.scoring import ScoringPolicy, breakdown_to_json, score
from socmap.services.demo import DemoContext
from socmap.services.progress import Progress, check_cancelled
from socmap.services.reassessment import load_schedule
from socmap.services.scoring import load_policy
from socmap.store import scoring as rows
from socmap.store import users

#: Fictional accounts: analysts score, supervisors approve.
DEMO_ANALYSTS = ("analyst.kestridge", "analyst.morwick", "analyst.penhurst", "analyst.quellby")
DEMO_SUPERVISORS = ("ds.ravenscombe", "di.holford")

#: Share of each area's active groups left overdue: the inspection found practice uneven.
AREA_OVERDUE = {
    "Herefordshire": 0.10,
    "Shropshire": 0.18,
    "Telford & Wrekin": 0.42,
    "North Worcestershire": 0.28,
    "South Worcestershire": 0.12,
}
AREA_NEVER = {"Telford & Wrekin": 0.10, "North Worcestershire": 0.06}

_RATIONALES = (
    "intelligence reports this quarter",
    "custody and charging records",
    "partner information (local authority)",
    "financial analysis",
    "surveillance product",
    "test purchase operation",
    "crime recording trend",
)


def _ocgm_profile(rng: random.Random, primary: str, soph: float) -> dict[str, Any]:
    markets = (
        "violence",
        "drugs",
        "fraud",
        "theft",
        "commodities",
        "sexual",
        "immigration",
        "environmental",
    )
    r: dict[str, Any] = {}
    for m in markets:
        if m == primary:
            r[f"markets.{m}"] = rng.choice((2, 3, 3))
        elif rng.random() < 0.22:
            r[f"markets.{m}"] = rng.choice((1, 1, 2))
    for c in (
        "cash_flow",
        "enterprises",
        "ocg_links",
        "geographic_scope",
        "cohesion",
        "infiltration",
        "expertise",
        "tactical_awareness",
    ):
        level = max(0, min(3, round(soph * 3 + rng.uniform(-1.0, 0.8))))
        if level:
            r[f"capability.{c}"] = level
    flags = {
        "firearms": 0.10 + 0.25 * soph,
        "serious_violence": 0.35 if primary in ("drugs", "violence") else 0.08,
        "corruption": 0.04 + 0.12 * soph,
        "infiltration": 0.03 + 0.1 * soph,
        "county_lines": 0.45 if primary == "drugs" else 0.02,
    }
    for f, p in flags.items():
        # infiltration is rated as a capability only (never flagged too), but still drawn so
        # that the demo's random stream, and so every later record, stays as it was
        if rng.random() < p and f != "infiltration":
            r[f"flags.{f}"] = True
    return r


def _morile_profile(rng: random.Random, soph: float) -> dict[str, Any]:
    r: dict[str, Any] = {}
    for h in ("physical", "psychological", "financial", "community", "environmental"):
        r[f"harm.{h}"] = max(0, min(4, round(soph * 4 + rng.uniform(-2, 1))))
    r["scope.geographic_scope"] = rng.choice(("local", "force", "force", "regional", "national"))
    r["vulnerability.victim_vulnerability"] = rng.choice(("low", "medium", "medium", "high"))
    r["likelihood.likelihood"] = max(1, min(5, round(1 + soph * 4 + rng.uniform(-1, 1))))
    r["confidence.confidence"] = rng.choice(("H", "M", "M", "L"))
    for p in ("capacity", "capability", "partner_opportunity", "public_expectation"):
        r[f"position.{p}"] = rng.randint(0, 4)
    return r


def _drift(rng: random.Random, policy: ScoringPolicy, ratings: dict[str, Any]) -> dict[str, Any]:
    out = dict(ratings)
    keys = {f.key for f in policy.factors}
    for f in policy.factors:
        # infiltration is no longer flagged (it is a capability): draw as its turn did, so the
        # demo's random stream stays as close as it can to what it was
        if (
            f.key == "flags.county_lines"
            and "flags.infiltration" not in keys
            and rng.random() <= 0.12
        ):
            rng.random()
        if rng.random() > 0.12:
            continue
        if f.kind == "level":
            cur = int(out.get(f.key, f.min_level))
            out[f.key] = max(f.min_level, min(f.max_level, cur + rng.choice((-1, 1))))
        elif f.kind == "flag" and f.key != "flags.firearms" and rng.random() < 0.3:
            out[f.key] = not bool(out.get(f.key, False))
    return out


def _with_rationale(rng: random.Random, ratings: dict[str, Any]) -> dict[str, Any]:
    from socmap.domain.scoring import Rating

    return {
        k: Rating(v, f"Assessed on {rng.choice(_RATIONALES)}" if v not in (0, False) else "")
        for k, v in ratings.items()
    }


def _explicit(policy: ScoringPolicy, ratings: dict[str, Any]) -> dict[str, Any]:
    """The demo's assessors rate every level and flag: what they did not pick is None / no
    (a real rating), never "not known"."""
    out: dict[str, Any] = {}
    for f in policy.factors:
        if f.kind == "level":
            out[f.key] = f.min_level
        elif f.kind == "flag":
            out[f.key] = False
    out.update(ratings)
    return out


def scoring_step(ctx: DemoContext, progress: Progress) -> None:
    """Add accounts, two years of assessments, triggers and pending drafts to the demo."""
    progress.status("Scoring history and re-assessment schedule")
    rng = random.Random(ctx.seed * 1009 + 4)
    store = ctx.store
    for account in DEMO_ANALYSTS:
        users.set_role(store, account, "analyst")
    for account in DEMO_SUPERVISORS:
        users.set_role(store, account, "supervisor")
    policies = {s: load_policy(store, s) for s in ("ocgm", "morile")}
    sched: SchedulePolicy = load_schedule(store)
    area_names = {v: k for k, v in ctx.area_ids.items()}
    out: list[tuple[Any, ...]] = []
    triggers: list[tuple[int, str, str, str]] = []
    horizon = ctx.days_ago(730)

    def add(
        oid: int,
        scheme: str,
        ratings: dict[str, Any],
        on: dt.date,
        *,
        status: str,
        assessor: str,
        decided: dt.date | None = None,
        approver: str | None = None,
    ) -> str:
        policy, config_id = policies[scheme]
        b = score(policy, _with_rationale(rng, _explicit(policy, ratings)))
        out.append(
            (
                oid,
                scheme,
                config_id,
                policy.version,
                json.dumps(breakdown_to_json(b)),
                b.total,
                b.band,
                assessor,
                on.isoformat(),
                "manual",
                None,
                status,
                approver,
                decided.isoformat() if decided else None,
                "",
            )
        )
        return b.band

    for n, (oid, status, lead, ident, arch, primary) in enumerate(ctx.ocgs):
        if n % 500 == 0:
            check_cancelled(progress)
        area = area_names.get(lead, "")
        scheme = "morile" if rng.random() < 0.2 else "ocgm"
        policy = policies[scheme][0]
        soph = rng.random() ** 1.3
        ratings = (
            _ocgm_profile(rng, primary, soph) if scheme == "ocgm" else _morile_profile(rng, soph)
        )
        analyst = DEMO_ANALYSTS[lead % len(DEMO_ANALYSTS)]
        if status in ("trigger", "draft"):
            if rng.random() < 0.6:
                kind = rng.choice(list(TRIGGER_KINDS))
                when = min(ident + dt.timedelta(days=rng.randint(0, 10)), ctx.as_of)
                triggers.append((oid, kind, when.isoformat(), "reported by the trigger form"))
            if status == "draft" and rng.random() < 0.5:
                add(
                    oid,
                    scheme,
                    ratings,
                    ctx.days_ago(rng.randint(0, 3)),
                    status="submitted",
                    assessor=analyst,
                )
            continue
        if status == "archived":
            if rng.random() < 0.3 and arch is not None:
                on = arch - dt.timedelta(days=rng.randint(20, 200))
                if on > ident:
                    add(
                        oid,
                        scheme,
                        ratings,
                        on,
                        status="approved",
                        assessor=analyst,
                        decided=on + dt.timedelta(days=rng.randint(1, 9)),
                        approver=rng.choice(DEMO_SUPERVISORS),
                    )
            continue
        # active groups
        if rng.random() < AREA_NEVER.get(area, 0.02):
            continue  # tackled on professional judgement, never assessed
        overdue = rng.random() < AREA_OVERDUE.get(area, 0.2)
        band = score(policy, ratings).band
        interval = sched.interval_for(band)
        first_possible = max(ident + dt.timedelta(days=rng.randint(10, 40)), horizon)
        if overdue:
            last = ctx.days_ago(interval + rng.randint(3, 150))
        else:
            last = ctx.days_ago(rng.randint(2, interval - 1))
        if last < first_possible:
            last = first_possible
        dates = [last]
        while True:
            prev = dates[-1] - dt.timedelta(days=int(interval * rng.uniform(0.85, 1.5)))
            if prev < first_possible:
                break
            dates.append(prev)
        history = []
        cur = ratings
        for _ in dates:
            history.append(cur)
            cur = _drift(rng, policy, cur)
        for on, r in zip(reversed(dates), reversed(history), strict=True):
            decided = min(on + dt.timedelta(days=rng.randint(1, 12)), ctx.as_of)
            band = add(
                oid,
                scheme,
                r,
                on,
                status="approved",
                assessor=DEMO_ANALYSTS[rng.randrange(len(DEMO_ANALYSTS))],
                decided=decided,
                approver=rng.choice(DEMO_SUPERVISORS),
            )
        if overdue and rng.random() < 0.35:
            add(
                oid,
                scheme,
                _drift(rng, policy, history[0]),
                ctx.days_ago(rng.randint(0, 20)),
                status=rng.choice(("submitted", "submitted", "draft")),
                assessor=analyst,
            )
        elif rng.random() < 0.06:
            triggers.append(
                (
                    oid,
                    rng.choice(list(TRIGGER_KINDS)),
                    max(last + dt.timedelta(days=1), ctx.days_ago(rng.randint(1, 30))).isoformat(),
                    "recorded by the LRO",
                )
            )
    rows.insert_assessments(store, out)
    rows.insert_triggers(store, triggers)
    ctx.digest.update(b"assessments")
    ctx.digest.update(json.dumps(out[:2000], default=str).encode())
    ctx.counts["assessments"] = len(out)
    ctx.counts["schedule_triggers"] = len(triggers)
