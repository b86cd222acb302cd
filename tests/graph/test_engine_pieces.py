"""A worker's result crosses in pieces, so the window's GIL is never held for all of it.

Unpickling 16,000 disruption rows in one ``pickle.loads`` took 75-85 ms with the GIL held (a
frozen frame). The engine sends long lists in pieces of ``PIECE_ITEMS`` and walks tuples and
plain dataclass records; what arrives must be exactly what was sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import itertools
import pickle
import threading
import time
from pathlib import Path

import numpy as np

from socmap.domain.text import Page
from socmap.graph import engine
from socmap.services import offload
from socmap.store.db import open_store


@dataclasses.dataclass(frozen=True)
class Row:
    """Like a tab's rows (a dataclass: unpickled wholly in C, the GIL held throughout)."""

    id: int
    name: str
    due: dt.date | None


@dataclasses.dataclass(frozen=True)
class Report:
    rows: list[Row]
    by_area: dict[str, int]
    points: np.ndarray
    page: Page[int]


@dataclasses.dataclass
class Custom:
    value: int

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Custom, (self.value * 1,))


def _sample(n: int) -> tuple[Report, list[Row], Custom, str]:
    rows = [Row(i, f"group {i}", dt.date(2026, 1, 1 + i % 28) if i % 3 else None) for i in range(n)]
    report = Report(rows, {"Telford": 3}, np.arange(12.0), Page([1, 2], 9))
    return report, rows[: n // 2], Custom(7), "done"


def test_a_result_survives_its_pieces_exactly() -> None:
    result = _sample(3 * engine.PIECE_ITEMS + 7)
    pieces: list[bytes] = []
    skeleton = engine._pack(result, pieces)
    back = engine._unpack(pickle.loads(pickle.dumps(skeleton)), pieces)
    report, half, custom, word = back
    assert report.rows == result[0].rows and half == result[1]
    assert type(report) is Report and type(report.rows[0]) is Row
    assert report.by_area == {"Telford": 3} and (report.points == np.arange(12.0)).all()
    assert report.page == [1, 2] and report.page.total == 9 and isinstance(report.page, Page)
    assert custom == Custom(7) and word == "done"
    # the long lists went in pieces of PIECE_ITEMS, nothing in one piece holds them whole
    assert len(pieces) >= 4 + 2
    assert max(len(p) for p in pieces) < len(pickle.dumps(result[0].rows)) / 2


def _rows(_store: object, n: int) -> list[Row]:
    """Run in the worker: a long list of rows."""
    return _sample(n)[0].rows


def test_the_engine_returns_a_long_result_in_pieces_and_the_gil_is_offered(
    demo_path: Path,
) -> None:
    """A thread of the caller's keeps beating while the result is rebuilt."""
    store = open_store(demo_path)
    beats: list[float] = []
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            beats.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=beat, daemon=True)
    # a full collection over what the rest of the suite left alive (0.26 s in CI) would be a gap
    # of the collector's, not of the pieces': the window's collector has its own tests
    gc.disable()
    try:
        ticker.start()
        try:
            n = 100_000  # unpickled whole: 0.2-0.35 s with the GIL held
            rows = offload.run_in_process(
                store, "tests.graph.test_engine_pieces:_rows", n, write=False
            )
            assert rows == _sample(n)[0].rows
        finally:
            stop.set()
            ticker.join()
            store.close()
        gaps = [b - a for a, b in itertools.pairwise(beats)]
        blob = pickle.dumps(rows, pickle.HIGHEST_PROTOCOL)
        whole = time.perf_counter()
        pickle.loads(blob)
        whole = time.perf_counter() - whole
    finally:
        gc.enable()
    # no gap between beats half as long as unpickling the whole list at once took
    assert max(gaps) < whole / 2, (max(gaps), whole)
