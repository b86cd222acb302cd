"""Long pure-Python service jobs run in the engine's worker process (issue 17.2): same result,
same errors, cooperative cancel with nothing left behind, writes held by a pending check."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from socmap.domain.errors import Cancelled, PermissionDenied, StoreError
from socmap.graph import engine
from socmap.services import offload, scoring
from socmap.store.db import open_store
from tests.conftest import DEMO_AS_OF, act_as

AS_OF = dt.date.fromisoformat(DEMO_AS_OF)


class Recorder:
    def __init__(self, cancel_after: int | None = None) -> None:
        self.advances: list[tuple[int, int]] = []
        self.statuses: list[str] = []
        self.cancel_after = cancel_after

    def advance(self, done: int, total: int) -> None:
        self.advances.append((done, total))

    def status(self, text: str) -> None:
        self.statuses.append(text)

    @property
    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.advances) >= self.cancel_after


def _assessments(store: Any) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM assessments").fetchone()[0])


def test_a_rescore_runs_in_a_worker_process_with_progress(demo_path: Path) -> None:
    store = act_as(open_store(demo_path), "ds.smith", "analyst")
    try:
        progress = Recorder()
        summary = offload.run_in_process(
            store, "socmap.services.scoring:rescore_all", write=True, progress=progress, today=AS_OF
        )
        assert isinstance(summary, scoring.RescoreSummary)
        assert progress.advances and progress.statuses  # reported from the other process
        assert engine.shared_engine().workers >= 1
        drafts = [a for a in scoring.drafts(store) if a.source == "rescore"]
        assert len(drafts) == summary.created
        # written as the same account, audited in the file the window has open
        actor = store.conn.execute(
            "SELECT actor FROM audit WHERE action = 'rescore' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        assert actor == ("ds.smith",)
    finally:
        store.close()


def test_a_user_error_comes_back_as_the_same_exception(demo_path: Path) -> None:
    store = act_as(open_store(demo_path), "viewer.v", "viewer")
    try:
        before = _assessments(store)
        with pytest.raises(PermissionDenied):
            offload.run_in_process(store, "socmap.services.scoring:rescore_all", write=True)
        assert _assessments(store) == before
    finally:
        store.close()


def test_cancel_is_cooperative_and_leaves_nothing(demo_path: Path) -> None:
    store = act_as(open_store(demo_path), "ds.smith", "analyst")
    try:
        before = _assessments(store)
        pid_workers = engine.shared_engine().workers
        with pytest.raises(Cancelled):
            offload.run_in_process(
                store,
                "socmap.services.scoring:rescore_all",
                write=True,
                progress=Recorder(cancel_after=1),
                today=AS_OF,
            )
        assert _assessments(store) == before
        # the worker rolled back by itself and is kept for the next job (not killed)
        assert engine.shared_engine().workers >= max(1, pid_workers)
    finally:
        store.close()


def test_only_socmap_functions_can_be_called() -> None:
    with pytest.raises(ValueError, match="not a socmap function"):
        engine.run_job("call", "os:getcwd", in_process=True)
    assert os.getcwd()


def test_a_failed_integrity_check_refuses_the_write_before_any_process_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socmap.store import integrity
    from tests.store.test_integrity_deferred import _damaged_data_page

    monkeypatch.setattr(integrity, "DEFER_ABOVE_BYTES", 0)
    path = _damaged_data_page(tmp_path / "bad.db")
    store = integrity.open_for_window(path)
    try:
        check = integrity.pending_check(store)
        assert check is not None and check.wait(60) and not check.passed
        called: list[object] = []
        monkeypatch.setattr(engine, "run_job", lambda *a, **k: called.append(a))
        with pytest.raises(StoreError, match="failed SQLite's integrity check"):
            offload.run_in_process(store, "socmap.services.scoring:rescore_all", write=True)
        assert called == []
    finally:
        store.close()


class _CancelAt:
    """Says ``cancelled`` once ``after`` seconds have passed."""

    def __init__(self, after: float) -> None:
        import time

        self._at = time.monotonic() + after

    def advance(self, done: int, total: int) -> None:
        pass

    def status(self, text: str) -> None:
        pass

    @property
    def cancelled(self) -> bool:
        import time

        return time.monotonic() >= self._at


def test_a_cancelled_read_stops_at_once_where_a_write_is_given_time_to_roll_back() -> None:
    """A window closing with a tab's read in flight must not wait for it (issue 17.3): a
    ``read`` job's worker is terminated on cancel; a ``call`` (a write) is asked to stop and
    given CANCEL_GRACE_S to roll back by itself."""
    import time

    start = time.monotonic()
    with pytest.raises(engine.EngineCancelled):
        engine.run_job("read", "socmap.graph.engine:_sleep", 30.0, progress=_CancelAt(0.3))
    assert time.monotonic() - start < 5.0
    start = time.monotonic()
    # a write that does not look at its progress runs to its end: nothing is killed mid-write
    assert engine.run_job("call", "socmap.graph.engine:_sleep", 2.0, progress=_CancelAt(0.3))
    assert time.monotonic() - start >= 1.9


def _niceness_and_pid(_store: Any) -> tuple[int, int]:
    """Run in the worker: its CPU priority (niceness) and process id."""
    return os.nice(0), os.getpid()


@pytest.mark.skipif(not hasattr(os, "nice"), reason="CPU priority is a Unix notion")
def test_a_read_runs_in_a_worker_of_lower_cpu_priority(demo_path: Path) -> None:
    """A worker starting up or reading a tab's data must not take the core the window's paint
    needs: workers run ``WORKER_NICENESS`` below the window."""
    store = open_store(demo_path)
    try:
        nice, pid = offload.run_in_process(
            store, "tests.services.test_offload:_niceness_and_pid", write=False
        )
        assert pid != os.getpid()
        assert nice >= min(19, os.nice(0) + engine.WORKER_NICENESS)
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="CPU priority is a Unix notion")
def test_a_worker_has_its_lower_priority_before_it_runs_any_of_its_own_code() -> None:
    """A worker's start-up (Python starting, imports) must not compete with the window either:
    the parent lowers its priority the moment it exists, not the worker once it has started."""
    import multiprocessing as mp

    worker = engine._Worker(mp.get_context("spawn"))
    try:
        assert worker.proc.pid is not None
        nice = os.getpriority(os.PRIO_PROCESS, worker.proc.pid)
        assert nice >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + engine.WORKER_NICENESS)
    finally:
        worker.kill()


def test_a_read_takes_progress_only_when_the_function_has_it(demo_path: Path) -> None:
    """``TaskRunner.read`` targets plain service functions (``function(store, *args)``)."""
    store = open_store(demo_path)
    try:
        rows, areas = offload.run_in_process(
            store, "socmap.services.queries:live_groups", write=False
        )
        assert rows and areas and all(r.status != "archived" for r in rows)
    finally:
        store.close()


def _layout_in_worker(_store: Any) -> tuple[int, bool, int]:
    """Run in the worker: a layout asked for there (what a large outcome graph does)."""
    from socmap.graph.layout import layout_in_process

    pos = layout_in_process(range(50), [(i, i + 1) for i in range(49)], seed=7)
    return len(pos), engine._IN_WORKER, engine.shared_engine().workers


def test_a_job_asked_for_in_a_worker_runs_in_place(demo_path: Path) -> None:
    """A daemonic worker cannot start processes of its own; it is off the UI already."""
    store = open_store(demo_path)
    try:
        placed, in_worker, its_workers = offload.run_in_process(
            store, "tests.services.test_offload:_layout_in_worker", write=False
        )
        assert (placed, in_worker, its_workers) == (50, True, 0)
    finally:
        store.close()
