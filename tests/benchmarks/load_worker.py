"""One analyst of the server load benchmark, run in its own OS process (igraph and the GIL make
threads no test of concurrency): its own PostgreSQL login, the services an analyst's app calls.

``analyst(plan, barrier, results)`` opens the register as ``plan.url`` (the analyst's login),
warms up, waits at ``barrier`` for every other analyst, then for ``plan.seconds`` runs a mix of
reads (the register query, the schedule, the map rows of an area) and edits (an OCG's notes
appended to through the services with the optimistic version the editor read, another field of
an OCG edited likewise, a disruption recorded). A save over someone else's newer version
(ConflictError) is what the app shows as "they changed it": the analyst takes theirs and applies
the edit again, counted as a conflict. Anything else that reaches the analyst is an error.

Every committed edit is reported with what proves it later: (kind, id, version or token).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
import traceback
from typing import Any

#: The mix of operations (weights): mostly edits, with the reads an analyst's app makes.
MIX = (
    ("note", 45),
    ("field", 15),
    ("disruption", 10),
    ("map_rows", 18),
    ("schedule", 7),
    ("register", 5),
)
#: Of the edits, this share goes to a small pool of groups every analyst edits (contention).
HOT_SHARE = 0.3
#: How many times an analyst takes the other person's version and applies the edit again.
CONFLICT_ATTEMPTS = 10
MARKETS = ("violence", "drugs", "fraud", "theft", "commodities", "immigration")


@dataclasses.dataclass(frozen=True)
class Plan:
    index: int
    url: str
    login: str
    seconds: float
    own: tuple[int, ...]
    hot: tuple[int, ...]
    areas: tuple[int, ...]
    seed: int


def _edit_ocg(store: Any, ocg_id: int, change: Any, out: dict[str, Any], kind: str) -> None:
    from socmap.domain.errors import ConflictError
    from socmap.services import queries, register

    for _ in range(CONFLICT_ATTEMPTS):
        ocg = queries.get_ocg(store, ocg_id)  # the editor opens the record: its version
        edited, token = change(ocg)
        start = time.perf_counter()
        try:
            stored, _changes = register.update_ocg(store, edited)
        except ConflictError:
            out["conflicts"] += 1
            out["edit_s"].append(time.perf_counter() - start)
            continue  # take theirs, apply ours again
        out["edit_s"].append(time.perf_counter() - start)
        out["edits"].append((kind, ocg_id, int(stored.version), token))
        return
    out["errors"].append(f"{kind} {ocg_id}: still conflicting after {CONFLICT_ATTEMPTS} tries")


def analyst(plan: Plan, barrier: Any, results: Any) -> None:
    """The process body (multiprocessing, spawn): results.put(report dict)."""
    out: dict[str, Any] = {
        "index": plan.index,
        "login": plan.login,
        "edits": [],
        "edit_s": [],
        "reads": {},
        "read_s": {},
        "conflicts": 0,
        "errors": [],
        "retried": 0,
        "ops": 0,
    }
    store = None
    try:
        from socmap.domain.disruptions import Disruption
        from socmap.services import disruptions, queries, reassessment
        from socmap.store import map_rows
        from socmap.store.db import open_store

        rng = random.Random(plan.seed)
        store = open_store(plan.url, migrate=False)
        assert store.actor == plan.login, (store.actor, plan.login)
        queries.get_ocg(store, plan.own[0])  # warm: connection, statement translations
        map_rows.ocg_rows(store, area_id=plan.areas[0])
    except BaseException:
        out["errors"].append("start: " + traceback.format_exc(limit=3))
        barrier.abort()
        results.put(out)
        return
    try:
        barrier.wait(timeout=600)
    except Exception:
        out["errors"].append("start: the other analysts never got ready")
        results.put(out)
        return

    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    n = 0
    deadline = time.monotonic() + plan.seconds
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        n += 1
        token = f"[{plan.login}#{n}]"
        ocg_id = rng.choice(plan.hot if rng.random() < HOT_SHARE else plan.own)
        try:
            if kind == "note":

                def append(ocg: Any, token: str = token) -> tuple[Any, str]:
                    notes = (ocg.notes + " " + token).strip()
                    return dataclasses.replace(ocg, notes=notes), token

                _edit_ocg(store, ocg_id, append, out, "note")
            elif kind == "field":

                def market(ocg: Any) -> tuple[Any, str]:
                    choice = rng.choice([m for m in MARKETS if m != ocg.primary_market])
                    return dataclasses.replace(ocg, primary_market=choice), choice

                _edit_ocg(store, ocg_id, market, out, "field")
            elif kind == "disruption":
                start = time.perf_counter()
                stored, _changes = disruptions.record_disruption(
                    store,
                    Disruption(
                        ocg_id=ocg_id,
                        occurred_on=dt.date(2026, 10, 1),
                        strand="pursue",
                        tactic="drugs_seizure",
                        level="minor",
                        rationale=f"load test {token}",
                    ),
                )
                out["edit_s"].append(time.perf_counter() - start)
                out["edits"].append(("disruption", int(stored.id or 0), 0, token))
            else:
                start = time.perf_counter()
                if kind == "register":
                    queries.register(store)
                elif kind == "schedule":
                    reassessment.schedule(store)
                else:
                    area = rng.choice(plan.areas)
                    map_rows.ocg_rows(store, area_id=area)
                    map_rows.location_rows(store, area_id=area)
                out["reads"][kind] = out["reads"].get(kind, 0) + 1
                out["read_s"].setdefault(kind, []).append(time.perf_counter() - start)
        except Exception as exc:  # what the analyst would see
            out["errors"].append(f"{kind} OCG {ocg_id}: {type(exc).__name__}: {exc}")
    out["ops"] = n
    out["retried"] = store.retried
    store.close()
    results.put(out)
