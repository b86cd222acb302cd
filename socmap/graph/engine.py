"""The heavy graph algorithms, on igraph, optionally in a separate process.

networkx stays socmap's model and exchange format; at national scale its pure-Python algorithms
are 15-35x slower than igraph (perf-notes), so communities and sampled betweenness run here on
an edge list. igraph holds the GIL for the whole of a call (perf-notes F4), so a long call in a
UI thread pool would freeze the window: :class:`EngineProcess` runs the same functions in a
spawned worker process, reports progress between batches and can be cancelled (the worker is
terminated). The module imports nothing heavy at import time so that the worker starts fast.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

Edges = Sequence[tuple[int, int]]


class _Progress(Protocol):
    def advance(self, done: int, total: int) -> None: ...
    def status(self, text: str) -> None: ...
    @property
    def cancelled(self) -> bool: ...


class EngineCancelled(Exception):
    """The user cancelled an engine job; the worker process was stopped."""


def _graph(n: int, edges: Any) -> Any:
    import igraph as ig

    return ig.Graph(n=n, edges=edges, directed=False)


def communities(
    n: int, edges: Any, *, method: str = "louvain", seed: int = 7, resolution: float = 1.0
) -> list[int]:
    """Community label per node (0..n-1): Louvain (multilevel) or Leiden on modularity."""
    g = _graph(n, edges)
    random.seed(seed)  # igraph draws from Python's random module
    if method == "leiden":
        part = g.community_leiden(
            objective_function="modularity", resolution=resolution, n_iterations=-1
        )
    elif method == "louvain":
        part = g.community_multilevel(resolution=resolution)
    else:
        raise ValueError(f"unknown community method {method!r} (use louvain or leiden)")
    return list(part.membership)


def betweenness(
    n: int,
    edges: Any,
    *,
    sources: Sequence[int] | None = None,
    cutoff: float | None = None,
    report: Callable[[int, int], None] | None = None,
    batches: int = 1,
) -> list[float]:
    """Betweenness of every node, exact or from ``sources`` only (sampled), unnormalised.

    Betweenness is additive over sources, so sampled sources may be split into ``batches``
    with ``report(done, total)`` called between them.
    """
    g = _graph(n, edges)
    if sources is None:
        return list(g.betweenness(directed=False, cutoff=cutoff))
    src = list(sources)
    batches = max(1, min(batches, len(src) or 1))
    size = -(-len(src) // batches) if src else 0
    total = [0.0] * n
    for i in range(batches):
        chunk = src[i * size : (i + 1) * size]
        if not chunk:
            continue
        part = g.betweenness(vertices=None, directed=False, cutoff=cutoff, sources=chunk)
        total = [t + p for t, p in zip(total, part, strict=True)]
        if report is not None:
            report(i + 1, batches)
    return total


def sample_sources(n: int, k: int, *, seed: int = 7) -> list[int]:
    """``k`` distinct node indices drawn with ``seed`` (all nodes when k >= n)."""
    if k >= n:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), k))


def components(n: int, edges: Any) -> list[int]:
    """Connected-component label per node (fast enough for the UI thread: ~9 ms at 40k nodes)."""
    return list(_graph(n, edges).connected_components().membership)


def layout(
    n: int, edges: Any, *, seed: int = 7, iterations: int = 500
) -> list[tuple[float, float]]:
    """Fruchterman-Reingold positions from a seeded start (stable for the same input)."""
    g = _graph(n, edges)
    rnd = random.Random(seed)
    start = [[rnd.uniform(-1, 1), rnd.uniform(-1, 1)] for _ in range(n)]
    pos = g.layout_fruchterman_reingold(seed=start, niter=iterations)
    return [(float(x), float(y)) for x, y in pos.coords]


JOBS: dict[str, Callable[..., Any]] = {
    "communities": communities,
    "betweenness": betweenness,
    "components": components,
    "layout": layout,
}


def _worker(inbox: Any, outbox: Any) -> None:
    """Worker process loop: run jobs until told to stop."""
    while True:
        item = inbox.get()
        if item is None:
            return
        job_id, name, args, kwargs = item
        try:
            if name == "betweenness":
                kwargs = dict(kwargs)
                kwargs["report"] = lambda d, t, j=job_id: outbox.put((j, "progress", (d, t)))
            result = JOBS[name](*args, **kwargs)
            outbox.put((job_id, "done", result))
        except BaseException as exc:  # reported to the caller, never swallowed
            outbox.put((job_id, "error", f"{type(exc).__name__}: {exc}"))


class EngineProcess:
    """A spawned worker process that runs :data:`JOBS` with progress and cancel.

    The process starts on first use and is reused (starting one costs ~0.2-0.5 s). Cancelling
    terminates it; the next job starts a fresh one. Use as a context manager or call close().
    """

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._proc: Any = None
        self._inbox: Any = None
        self._outbox: Any = None
        self._next = 0

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        self._inbox = self._ctx.Queue()
        self._outbox = self._ctx.Queue()
        self._proc = self._ctx.Process(
            target=_worker, args=(self._inbox, self._outbox), daemon=True, name="socmap-engine"
        )
        self._proc.start()

    def start(self) -> None:
        """Start the worker now (e.g. while the user is still choosing)."""
        self._ensure()

    def run(self, name: str, *args: Any, progress: _Progress | None = None, **kwargs: Any) -> Any:
        """Run job ``name`` in the worker; poll for cancel every 50 ms.

        Raises:
            EngineCancelled: ``progress.cancelled`` became true (the worker was stopped).
            RuntimeError: the job failed in the worker.
        """
        self._ensure()
        self._next += 1
        job_id = self._next
        self._inbox.put((job_id, name, args, kwargs))
        while True:
            if progress is not None and progress.cancelled:
                self.kill()
                raise EngineCancelled(f"{name} cancelled")
            try:
                jid, kind, payload = self._outbox.get(timeout=0.05)
            except queue.Empty:
                if not self._proc.is_alive():
                    raise RuntimeError(f"the graph engine stopped while running {name}") from None
                continue
            if jid != job_id:
                continue
            if kind == "progress":
                if progress is not None:
                    progress.advance(*payload)
                continue
            if kind == "error":
                raise RuntimeError(f"graph engine: {payload}")
            return payload

    def kill(self) -> None:
        """Stop the worker at once (used for cancel)."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.join(5)
        self._proc = None

    def close(self) -> None:
        """Ask the worker to finish and wait for it."""
        if self._proc is not None and self._proc.is_alive():
            self._inbox.put(None)
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.terminate()
        self._proc = None

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: EngineProcess | None = None


def shared_engine() -> EngineProcess:
    """The application's one reusable worker process."""
    global _shared
    if _shared is None:
        _shared = EngineProcess()
    return _shared


def run_job(
    name: str,
    *args: Any,
    in_process: bool = False,
    progress: _Progress | None = None,
    **kwargs: Any,
) -> Any:
    """Run a heavy job: in the shared worker process (default) or here (tests, CLI, small graphs)."""
    if in_process:
        if name == "betweenness" and progress is not None:
            kwargs["report"] = progress.advance
        return JOBS[name](*args, **kwargs)
    return shared_engine().run(name, *args, progress=progress, **kwargs)
