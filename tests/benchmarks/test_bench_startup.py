"""Start-up as a user sees it, against the bare import of the libraries it stands on.

Baseline (same run): a fresh interpreter that imports PySide6.QtWidgets, geopandas, networkx,
shapely and sqlite_utils and exits: the irreducible part of starting any app on this stack.
Measured: a fresh interpreter that opens the main window on the database and waits until the
register shows rows (usable: scrolling and filtering work). Both are timed from the
interpreter's own start by tests/benchmarks/startup_probe.py, medians of several runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.conftest import judge_stall

PROBE = Path(__file__).resolve().parent / "startup_probe.py"
REPO = Path(__file__).resolve().parents[2]

#: usable register within this multiple of the bare import (issue 17)
NATIONAL_RATIO = 1.5
SMALL_RATIO = 1.3
#: resident memory after every tab has been opened at national scale
RSS_MB = 1024


def _probe(*args: str) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, str(PROBE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _compare(db: Path, runs: int = 9) -> tuple[float, float]:
    """Medians of ``runs`` interleaved starts of each: one start varies by +-20% on a shared
    2-core machine (the bare import measured 0.69-1.55 s in one afternoon), and with five a CI
    run once put the national ratio at 1.50x where the same code measures 1.2x."""
    bare, usable = [], []
    _probe("bare")  # warm the file cache and the .pyc files once
    _probe("app", str(db))
    for _ in range(runs):  # interleaved, so drift in the machine's load hits both alike
        bare.append(_probe("bare")["imported"])
        usable.append(_probe("app", str(db))["usable"])
    return statistics.median(bare), statistics.median(usable)


# quiet machine 0.90x on compiled bytecode (the benchmarks' conftest compiles socmap as an
# installed copy has it; CI, which sets PYTHONDONTWRITEBYTECODE, measured 1.14-1.34x compiling
# socmap's sources at every start): pandas not imported, the register's rows read while the
# window's modules import
def test_small_demo_register_usable_within_1_3x_bare_import(demo_path: Path) -> None:
    bare, usable = _compare(demo_path)
    print(
        f"\nstart-up, force demo: register usable {usable:.2f} s = {usable / bare:.2f}x the bare "
        f"import of PySide6+geopandas+networkx+shapely+sqlite_utils ({bare:.2f} s); "
        f"target {SMALL_RATIO}x"
    )
    assert usable / bare <= SMALL_RATIO


# quiet machine: 1.17x on compiled bytecode (1.33x compiling; 1.50x before the register's first
# rows were read without the schedule, the due dates following from a worker, in place)
def test_national_register_usable_within_1_5x_bare_import(national_db: Path) -> None:
    bare, usable = _compare(national_db)
    print(
        f"\nstart-up, national demo: register usable {usable:.2f} s = {usable / bare:.2f}x the "
        f"bare import ({bare:.2f} s); target {NATIONAL_RATIO}x"
    )
    assert usable / bare <= NATIONAL_RATIO


def test_national_no_frozen_frames_and_memory(national_db: Path) -> None:
    """No frozen frame while the window starts, settles (the register's due dates, the other
    tabs' modules imported in the background) and every tab opens in turn, then again; judged
    like every stall benchmark, against the same run's idle loop (``judge_stall``)."""
    out = _probe("app", str(national_db), "--all-tabs")
    by_tab = out.get("stall_by_tab", {})
    print(
        "\nnational demo, by tab: "
        + ", ".join(f"{k} {v * 1e3:.0f}" for k, v in by_tab.items())  # type: ignore[union-attr]
        + f"; peak RSS {out['rss_mb']:.0f} MB (target < {RSS_MB} MB)"
    )
    assert out["rss_mb"] < RSS_MB
    phases = {
        "until the register shows rows": out["worst_stall"],
        "while it settles": out["worst_stall_settling"],
        "while every tab opens and loads, and opens again": out["worst_stall_tabs"],
    }
    judge_stall(
        "national demo, start-up and every tab",
        max(phases.values()),
        out["idle_stall"],
        detail="; " + ", ".join(f"{v * 1e3:.0f} ms {k}" for k, v in phases.items()),
    )
