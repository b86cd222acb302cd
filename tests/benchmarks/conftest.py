"""Benchmarks: run on demand (`python -m pytest tests/benchmarks -s`), never in the default run."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("SOCMAP_BENCH_DIR", Path(__file__).resolve().parent / ".cache"))


@pytest.fixture(scope="session", autouse=True)
def compiled_bytecode() -> None:
    """socmap's modules compiled to bytecode, as an installed socmap has them.

    ``pip install`` of a wheel compiles every module it installs, and the libraries the baselines
    import were compiled that way. An editable install compiles a module when it is first
    imported and caches the result, unless ``PYTHONDONTWRITEBYTECODE`` is set (it is on the CI
    machine): then every start would compile socmap's sources again (0.7 s of CPU for the whole
    package, 0.2-0.3 s of it on the start-up path), which is a cost of that development setting,
    not of socmap. ``compileall`` writes the caches whatever that setting says.
    """
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parents[2] / "socmap", quiet=1, workers=1)


@pytest.fixture(scope="session")
def national_db() -> Path:
    """The national-scale demo (6,000 OCGs, 45,000 nominals, 200,000 links, 1M points).

    Built once and kept in tests/benchmarks/.cache, keyed by the schema and the demo's code.
    """
    from socmap.services.demo import build_demo
    from socmap.store.db import open_store

    CACHE.mkdir(parents=True, exist_ok=True)
    # the cache is keyed by the schema and the demo's code, so a change rebuilds it
    pkg = Path(__file__).resolve().parents[2] / "socmap"
    key = hashlib.sha256()
    for source in sorted([pkg / "store" / "migrations.py", *pkg.glob("services/*demo*.py")]):
        key.update(source.read_bytes())
    path = CACHE / f"national-{key.hexdigest()[:12]}.db"
    if not path.exists():
        tmp = CACHE / "national.db.building"
        tmp.unlink(missing_ok=True)
        store = open_store(tmp)
        start = time.perf_counter()
        build_demo(store, scale="national", seed=7, as_of=dt.date(2026, 11, 1))
        store.close()
        tmp.replace(path)
        print(f"\nbuilt the national demo in {time.perf_counter() - start:.1f} s")
    return path


@contextlib.contextmanager
def earlier_benchmarks_frozen() -> Iterator[None]:
    """What earlier benchmarks in this process left alive, out of the collector's sight.

    A national network graph alone is about a million objects. A full collection walks every
    object the collector tracks and falls due in whichever timed call allocates next, so the same
    schedule measured 1.45-1.78x its bare reads in a short session and 2.66x in CI's full one: a
    cost of the session, not of the code measured. Frozen (as the window freezes what its
    start-up made, ``socmap.ui.gc_policy``), a collection walks only what the code measured made.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def median_time(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """Median wall time of ``fn`` in seconds."""
    times = []
    with earlier_benchmarks_frozen():
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(
    baseline: Callable[[], object], subject: Callable[[], object], *, repeat: int = 5
) -> tuple[float, float]:
    """Medians (baseline, subject) in seconds, run alternately after one untimed warm-up each.

    Alternating the two means drift in the machine's load hits both alike, so their ratio is
    steadier than either time.
    """
    baseline()
    subject()
    b, s = [], []
    with earlier_benchmarks_frozen():
        for _ in range(repeat):
            start = time.perf_counter()
            baseline()
            b.append(time.perf_counter() - start)
            start = time.perf_counter()
            subject()
            s.append(time.perf_counter() - start)
    return statistics.median(b), statistics.median(s)


def copy_db(src: Path, dst: Path) -> Path:
    """A private copy of ``src`` at ``dst`` (benchmarks that write never touch the cache)."""
    import sqlite3

    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


#: no frozen frame longer than this (issue 17.2): a user sees 100 ms on any machine
STALL_S = 0.100
#: an idle event loop stalling longer than this means the machine is too loaded to judge
IDLE_LIMIT_S = 0.030


def judge_stall(what: str, worst: float, idle: float, *, detail: str = "") -> None:
    """The one rule for every stall benchmark: print the figures; skip (saying so) when the
    machine cannot keep even an idle loop beating, which in CI (``SOCMAP_BENCH_STRICT=1``, set by
    .ci/run) fails instead, since a skip there would hide a regression; then assert the stall
    socmap adds to the same run's idle baseline, ``worst - idle <= STALL_S``."""
    print(
        f"\n{what}: worst event-loop gap {worst * 1e3:.0f} ms, {(worst - idle) * 1e3:.0f} ms over "
        f"the idle loop's {idle * 1e3:.0f} ms (target {STALL_S * 1e3:.0f} ms){detail}"
    )
    if idle > IDLE_LIMIT_S:
        (pytest.fail if os.environ.get("SOCMAP_BENCH_STRICT") == "1" else pytest.skip)(
            f"machine too loaded to measure stalls: the idle event loop alone stalled "
            f"{idle * 1e3:.0f} ms (limit {IDLE_LIMIT_S * 1e3:.0f} ms); measured {worst * 1e3:.0f} ms"
        )
    assert worst - idle <= STALL_S
