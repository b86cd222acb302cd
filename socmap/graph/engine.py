"""The heavy graph algorithms, on igraph, optionally in a separate process.

networkx stays socmap's model and exchange format; at national scale its pure-Python algorithms
are 15-35x slower than igraph (perf-notes), so communities and sampled betweenness run here on
an edge list. igraph holds the GIL for the whole of a call (perf-notes F4), so a long call in a
UI thread pool would freeze the window: :class:`EngineProcess` runs the same functions in
spawned worker processes, reports progress between batches and can be cancelled (that job's
worker is terminated). It is socmap's one out-of-process runner: layouts
(:func:`socmap.graph.layout.layout_in_process`) go through it too, and so does any service
function whose pure-Python work would hold the GIL for long (the ``call`` job: re-scoring,
importing; see ``socmap.services.offload``). A ``call`` job is cancelled cooperatively: the
worker's progress says ``cancelled`` and the function rolls back its own transaction; only a
worker that does not stop within :data:`CANCEL_GRACE_S` is terminated. A ``read`` job is the
same call for a function that writes nothing (a tab's data): cancelling it terminates its
worker at once, so a window closing with reads in flight never waits for them.

Concurrent callers are safe: each running job has a worker process of its own (idle workers are
reused), so no caller reads another's messages and cancelling one job never stops another.
The module imports nothing heavy at import time so that a worker starts fast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import multiprocessing as mp
import os
import pickle
import queue
import random
import threading
import time
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
    """Fruchterman-Reingold positions from a seeded start (stable for the same input).

    The same igraph call as :mod:`socmap.graph.layout`, from the same spread start (never a
    unit box, which makes igraph ~30x slower).
    """
    from socmap.graph.layout import igraph_positions

    return igraph_positions(n, edges, seed=seed, iterations=iterations)


def positions(
    n: int, edges: Any, *, seed: int = 7, weights: Sequence[float] | None = None
) -> dict[int, tuple[float, float]]:
    """:func:`socmap.graph.layout.compute_layout` on node indices 0..n-1 (scaled, seeded)."""
    from socmap.graph.layout import compute_layout

    pos = compute_layout(list(range(n)), [tuple(e) for e in edges], seed=seed, weights=weights)
    return {int(k): v for k, v in pos.items()}  # type: ignore[call-overload]


def _sleep(seconds: float, progress: Any = None) -> bool:
    """A job for tests: hold a worker for ``seconds`` (also as a ``call`` or ``read`` target,
    one that never looks at its progress)."""
    time.sleep(seconds)
    return True


#: seconds a ``call`` job is given to stop by itself after a cancel before its worker is killed
CANCEL_GRACE_S = 30.0


class _WorkerProgress:
    """The progress a ``call`` job's function gets in the worker: reports go to the caller's
    progress, ``cancelled`` turns true when the caller cancels."""

    def __init__(self, outbox: Any, job_id: int, cancel: Any) -> None:
        self._outbox, self._job, self._cancel = outbox, job_id, cancel

    def advance(self, done: int, total: int) -> None:
        self._outbox.put((self._job, "progress", (done, total)))

    def status(self, text: str) -> None:
        self._outbox.put((self._job, "status", text))

    @property
    def cancelled(self) -> bool:
        return bool(self._cancel.is_set())


def _call(target: str, *args: Any, progress: Any = None, **kwargs: Any) -> Any:
    """Call socmap function ``target`` (``"socmap.pkg.module:function"``) with ``progress``."""
    module, _, name = target.partition(":")
    if not (module == "socmap" or module.startswith("socmap.")) or not name:
        raise ValueError(f"not a socmap function: {target!r}")
    return getattr(importlib.import_module(module), name)(*args, progress=progress, **kwargs)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` when it survives pickling as itself; else a plain error with its message."""
    with contextlib.suppress(Exception):  # it does not pickle: described below instead
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc) and str(back) == str(exc):
            return exc
    from socmap.domain.errors import SocmapError

    if isinstance(exc, SocmapError):
        plain = SocmapError(str(exc))
        plain.exit_code = exc.exit_code
        return plain
    return RuntimeError(f"{type(exc).__name__}: {exc}")


JOBS: dict[str, Callable[..., Any]] = {
    "communities": communities,
    "betweenness": betweenness,
    "components": components,
    "layout": layout,
    "positions": positions,
    "sleep": _sleep,
    "call": _call,
    "read": _call,
}
#: jobs that call a socmap function with a progress of their own (see the module's docstring)
_CALLS = ("call", "read")


#: True in an engine worker: a job asked for there runs in place (a daemonic worker cannot
#: start processes, and it is off the UI already)
_IN_WORKER = False
#: how much lower a worker's CPU priority is than its parent's (Unix ``nice``): on two cores a
#: worker starting up or reading a tab's data otherwise took the core the window's paint needed
WORKER_NICENESS = 10


def _lower_priority(pid: int) -> None:
    """Give process ``pid`` :data:`WORKER_NICENESS` less CPU priority than this process.

    Done by the parent as soon as the worker exists: a spawned worker spends its first 0.5-1 s
    starting Python and importing, and two of them doing that at the window's priority froze
    the window's first frames with rows for 90-150 ms."""
    if not hasattr(os, "setpriority"):
        return
    with contextlib.suppress(OSError):
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, pid, min(19, ours + WORKER_NICENESS))


#: a result's long lists cross from a worker in pieces of this many items (see :func:`_pack`):
#: a piece is unpickled holding the GIL, and a paint's calls into Python each wait for it, so a
#: piece is kept under a millisecond (500 rows, 2-3 ms, made the frames painted while a tab's
#: data arrived 60-140 ms in the all-tabs benchmark; 200 rows, 25-50 ms)
PIECE_ITEMS = 200
_ONE, _LIST, _TUPLE, _RECORD = range(4)


def _plain_record(obj: Any) -> bool:
    """True for a dataclass instance that pickles as its class and ``__dict__`` (no custom
    pickling, no slots): rebuilt from its fields exactly as pickle would."""
    cls = type(obj)
    return (
        dataclasses.is_dataclass(obj)
        and not isinstance(obj, type)
        and hasattr(obj, "__dict__")
        and not hasattr(cls, "__slots__")
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and getattr(cls, "__getstate__", object.__getstate__) is object.__getstate__
        and getattr(cls, "__setstate__", None) is None
    )


def _pack(obj: Any, pieces: list[bytes]) -> Any:
    """A skeleton of ``obj`` whose long lists (and anything else) are pickled into ``pieces``.

    Unpickling a tab's result in one ``pickle.loads`` holds the window's GIL for all of it
    (16,000 disruption rows: 75-85 ms, a frozen frame); in pieces of :data:`PIECE_ITEMS` the
    reader thread lets the UI thread in between. Tuples, lists and plain dataclass records are
    walked; every other object is one piece.
    """
    if type(obj) is list and len(obj) > PIECE_ITEMS:
        start = len(pieces)
        for i in range(0, len(obj), PIECE_ITEMS):
            pieces.append(pickle.dumps(obj[i : i + PIECE_ITEMS], pickle.HIGHEST_PROTOCOL))
        return (_LIST, start, len(pieces))
    if type(obj) is tuple:
        return (_TUPLE, [_pack(x, pieces) for x in obj])
    if _plain_record(obj):
        return (_RECORD, type(obj), {k: _pack(v, pieces) for k, v in vars(obj).items()})
    pieces.append(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
    return (_ONE, len(pieces) - 1)


def _unpack(skeleton: Any, pieces: list[bytes]) -> Any:
    """The object :func:`_pack` took apart; the GIL is offered to other threads between
    pieces."""
    kind = skeleton[0]
    if kind == _ONE:
        value = pickle.loads(pieces[skeleton[1]])
        time.sleep(0)  # a waiting UI thread takes the GIL here
        return value
    if kind == _LIST:
        out: list[Any] = []
        for i in range(skeleton[1], skeleton[2]):
            out.extend(pickle.loads(pieces[i]))
            time.sleep(0)
        return out
    if kind == _TUPLE:
        return tuple(_unpack(x, pieces) for x in skeleton[1])
    record = object.__new__(skeleton[1])
    record.__dict__.update({k: _unpack(v, pieces) for k, v in skeleton[2].items()})
    return record


def _worker(inbox: Any, outbox: Any, cancel: Any = None) -> None:
    """Worker process loop: run jobs until told to stop."""
    global _IN_WORKER
    _IN_WORKER = True  # its CPU priority was lowered by the parent (see _lower_priority)
    while True:
        item = inbox.get()
        if item is None:
            return
        job_id, name, args, kwargs = item
        try:
            if name == "betweenness":
                kwargs = dict(kwargs)
                kwargs["report"] = lambda d, t, j=job_id: outbox.put((j, "progress", (d, t)))
            if name in _CALLS:
                cancel.clear()
                kwargs = {**kwargs, "progress": _WorkerProgress(outbox, job_id, cancel)}
            result = JOBS[name](*args, **kwargs)
            pieces: list[bytes] = []
            skeleton = _pack(result, pieces)
            for piece in pieces:
                outbox.put((job_id, "piece", piece))
            outbox.put((job_id, "done", skeleton))
        except BaseException as exc:  # reported to the caller, never swallowed
            if name in _CALLS:  # the caller re-raises the very exception (a user's error)
                outbox.put((job_id, "raise", _portable(exc)))
            else:
                outbox.put((job_id, "error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    """One spawned process and its two queues; serves one job at a time."""

    def __init__(self, ctx: Any) -> None:
        self.inbox = ctx.Queue()
        self.outbox = ctx.Queue()
        self.cancel = ctx.Event()
        self.proc = ctx.Process(
            target=_worker,
            args=(self.inbox, self.outbox, self.cancel),
            daemon=True,
            name="socmap-engine",
        )
        self.proc.start()
        if self.proc.pid is not None:
            _lower_priority(self.proc.pid)

    def alive(self) -> bool:
        return bool(self.proc.is_alive())

    def stop(self, *, wait: float = 5.0) -> None:
        """Ask the process to finish; terminate it when it does not."""
        if self.proc.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.inbox.put(None)
            self.proc.join(wait)
        self.kill()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        for q in (self.inbox, self.outbox):
            q.close()
            q.cancel_join_thread()


class EngineProcess:
    """Spawned worker processes that run :data:`JOBS` with progress and cancel.

    Safe to call from several threads at once: each job runs in a worker of its own, at most
    ``max_workers`` at a time (later callers wait, still cancellable); idle workers are kept for
    the next job (starting one costs ~0.2-0.5 s). Cancelling a job terminates its worker only.
    Use as a context manager or call close().
    """

    def __init__(self, *, max_workers: int = 3) -> None:
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._max = max(1, max_workers)
        self._next = 0

    def _acquire(self, progress: _Progress | None, name: str) -> _Worker:
        with self._lock:
            while True:
                if progress is not None and progress.cancelled:
                    raise EngineCancelled(f"{name} cancelled")
                while self._idle:
                    w = self._idle.pop()
                    if w.alive():
                        self._busy.add(w)
                        return w
                    w.kill()
                if len(self._busy) < self._max:
                    break
                self._lock.wait(0.05)
            placeholder = _Starting()
            self._busy.add(placeholder)  # type: ignore[arg-type]
        try:
            w = _Worker(self._ctx)  # outside the lock: spawning takes a while
        finally:
            with self._lock:
                self._busy.discard(placeholder)  # type: ignore[arg-type]
        with self._lock:
            self._busy.add(w)
        return w

    def _release(self, w: _Worker, *, reuse: bool) -> None:
        with self._lock:
            self._busy.discard(w)
            if reuse and w.alive() and len(self._idle) < self._max:
                self._idle.append(w)
                w = None  # type: ignore[assignment]
            self._lock.notify_all()
        if w is not None:
            w.kill()

    def start(self) -> None:
        """Start a worker now (e.g. while the user is still choosing)."""
        w = self._acquire(None, "start")
        self._release(w, reuse=True)

    def run(self, name: str, *args: Any, progress: _Progress | None = None, **kwargs: Any) -> Any:
        """Run job ``name`` in a worker of its own; poll for cancel every 50 ms.

        Raises:
            EngineCancelled: ``progress.cancelled`` became true (that job's worker was stopped).
            RuntimeError: the job failed in the worker, or the worker died.
        """
        if name not in JOBS:
            raise ValueError(f"unknown engine job {name!r}")
        w = self._acquire(progress, name)
        reuse = False
        try:
            with self._lock:
                self._next += 1
                job_id = self._next
            w.inbox.put((job_id, name, args, kwargs))
            pieces: list[bytes] = []
            asked_to_stop: float | None = None
            while True:
                if progress is not None and progress.cancelled:
                    if name != "call":
                        raise EngineCancelled(f"{name} cancelled")
                    if asked_to_stop is None:  # cooperative: the job rolls back and says so
                        w.cancel.set()
                        asked_to_stop = time.monotonic()
                    elif time.monotonic() - asked_to_stop > CANCEL_GRACE_S:
                        raise EngineCancelled(f"{name} cancelled")
                try:
                    jid, kind, payload = w.outbox.get(timeout=0.05)
                except queue.Empty:
                    if not w.alive():
                        raise RuntimeError(
                            f"the graph engine stopped while running {name}"
                        ) from None
                    continue
                if jid != job_id:  # cannot happen: a worker serves one job at a time
                    continue
                if kind == "progress":
                    if progress is not None:
                        progress.advance(*payload)
                    continue
                if kind == "status":
                    if progress is not None:
                        progress.status(payload)
                    continue
                if kind == "piece":
                    pieces.append(payload)
                    continue
                reuse = True
                if kind == "raise":
                    raise payload
                if kind == "error":
                    raise RuntimeError(f"graph engine: {payload}")
                return _unpack(payload, pieces)
        finally:
            self._release(w, reuse=reuse)

    @property
    def workers(self) -> int:
        """Worker processes alive now (busy and idle)."""
        with self._lock:
            return sum(
                1 for w in [*self._idle, *self._busy] if isinstance(w, _Worker) and w.alive()
            )

    def kill(self) -> None:
        """Stop the idle workers at once (a running job's worker stops when it is cancelled)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.kill()

    def close(self) -> None:
        """Ask the idle workers to finish and wait for them."""
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.stop()

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Starting:
    """Holds a worker slot while a process is being spawned."""


_shared: EngineProcess | None = None
_shared_lock = threading.Lock()


def shared_engine() -> EngineProcess:
    """The application's one engine (its workers are shared by every caller)."""
    global _shared
    with _shared_lock:
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
    """Run a heavy job: in the shared engine's workers (default) or here (tests, CLI, small
    graphs, and a job asked for by another job in a worker)."""
    if in_process or _IN_WORKER:
        if name == "betweenness" and progress is not None:
            kwargs["report"] = progress.advance
        if name in _CALLS:
            kwargs["progress"] = progress
        return JOBS[name](*args, **kwargs)
    return shared_engine().run(name, *args, progress=progress, **kwargs)
