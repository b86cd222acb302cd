"""The graph engine never hangs (issue 11.8): concurrent callers, one runner, a spread start."""

from __future__ import annotations

import ast
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from socmap.graph import engine

ROOT = Path(__file__).resolve().parents[2] / "socmap"


def _edges(n: int, m: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(n), rng.randrange(n)) for _ in range(m)]


def _run_threads(jobs: list[Any], timeout: float = 90.0) -> list[Any]:
    results: list[Any] = [None] * len(jobs)

    def go(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except BaseException as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=go, args=(i,), daemon=True) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "an engine job never came back"
    return results


def test_jobs_from_several_threads_at_once_all_come_back() -> None:
    graphs = [(300 + 50 * i, _edges(300 + 50 * i, 900, i)) for i in range(3)]
    with engine.EngineProcess() as eng:
        jobs: list[Any] = []
        for n, edges in graphs:
            jobs.append(lambda n=n, e=edges: eng.run("components", n, e))
            jobs.append(lambda n=n, e=edges: eng.run("communities", n, e))
        jobs.append(lambda: eng.run("sleep", 0.3))
        results = _run_threads(jobs)
    for (n, edges), comp, comm in zip(graphs, results[0:6:2], results[1:6:2], strict=True):
        assert comp == engine.components(n, edges)  # each caller got its own answer
        assert comm == engine.communities(n, edges)
    assert results[-1] is True


class _CancelAfter:
    """Cancels once its job has had ``seconds`` to start running."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    @property
    def cancelled(self) -> bool:
        return time.monotonic() > self.at

    def advance(self, done: int, total: int) -> None:
        pass

    def status(self, text: str) -> None:
        pass


def test_cancelling_one_job_leaves_a_concurrent_one_running() -> None:
    with engine.EngineProcess() as eng:
        started = threading.Event()

        def long_job() -> Any:
            started.set()
            return eng.run("sleep", 4.0)

        def cancelled_job() -> Any:
            started.wait(10)
            with pytest.raises(engine.EngineCancelled):
                eng.run("sleep", 60, progress=_CancelAfter(1.5))
            return "cancelled"

        # the cancel stops only its own worker: the other job still comes back with its answer
        assert _run_threads([long_job, cancelled_job]) == [True, "cancelled"]
        assert eng.run("components", 2, [(0, 1)]) == [0, 0]  # and the engine serves on


def test_engine_layout_starts_spread_out_not_in_a_unit_box(monkeypatch: pytest.MonkeyPatch) -> None:
    import igraph as ig

    starts: list[list[list[float]]] = []
    real = ig.Graph.layout_fruchterman_reingold

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        starts.append(kwargs["seed"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ig.Graph, "layout_fruchterman_reingold", spy)
    n = 400
    pos = engine.layout(n, _edges(n, 800, 1), seed=3)
    assert len(pos) == n
    (start,) = starts
    span = max(abs(c) for xy in start for c in xy)
    assert span > 5  # about sqrt(n)/2 = 10, as igraph's own start; a unit box makes it ~30x slower


def test_one_out_of_process_runner() -> None:
    """Only graph/engine.py starts processes; everything else goes through it."""
    spawners = ("subprocess", "multiprocessing", "ProcessPoolExecutor", "QProcess", "os.fork")
    offenders = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                names = [f"{node.value.id}.{node.attr}"]
            if any(s in n for n in names for s in spawners):
                offenders.append(str(path.relative_to(ROOT)))
    assert sorted(set(offenders)) == ["graph/engine.py"]


def test_layout_in_process_goes_through_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from socmap.graph import layout

    calls: list[str] = []
    real = engine.run_job

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return real(name, *args, in_process=True, **kwargs)

    monkeypatch.setattr(engine, "run_job", spy)
    nodes = list(range(10))
    edges = [(i, (i + 1) % 10) for i in nodes] + [(0, 99)]  # an edge to an unknown node
    weights = [1.0] * 10 + [5.0]
    pos = layout.layout_in_process(nodes, edges, seed=4, weights=weights)
    assert calls == ["positions"]
    assert pos == layout.compute_layout(nodes, edges, seed=4, weights=weights)
