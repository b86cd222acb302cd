"""Run a service function on the open database in the engine's worker process.

A thread is not enough for a long pure-Python job (re-scoring every group, importing a large
file): it holds the GIL in 5 ms slices, and every call Qt makes into Python while the window
paints waits for one, so the window stutters for 150-250 ms at a time. Such a job runs in the
one process runner (:mod:`socmap.graph.engine`, job ``call``) on a connection of its own, acting
as the same account; progress and cancel reach it as they would in a thread, and an error a user
caused comes back as the same exception. The caller's thread (a write task) first waits for a
deferred integrity check (``socmap.store.integrity``): the worker process cannot see it.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from socmap.graph import engine
from socmap.services.progress import NullProgress, Progress
from socmap.store.db import Store, open_store
from socmap.store.integrity import before_write


def run_in_process(
    store: Store,
    target: str,
    *args: Any,
    write: bool,
    progress: Progress | None = None,
    **kwargs: Any,
) -> Any:
    """``target(store, *args, **kwargs)`` in a worker process (with ``progress=progress`` when
    ``target`` takes a ``progress`` argument).

    ``target`` is ``"socmap.services.module:function"``; arguments and result must pickle. An
    in-memory database cannot be shared with another process: then the call runs here.
    """
    if store.path is None:
        return _call(_resolve(target), store, args, kwargs, progress)
    if write:
        before_write(store.path)  # hold the write here while the file is still being checked
    return engine.run_job(
        "call" if write else "read",  # a read is stopped at once when cancelled
        "socmap.services.offload:_with_store",
        str(store.path),
        store.actor,
        target,
        list(args),
        kwargs,
        progress=progress,
    )


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _call(
    fn: Any, store: Store, args: Any, kwargs: dict[str, Any], progress: Progress | None
) -> Any:
    """``fn(store, *args, **kwargs)``, with ``progress=`` when ``fn`` takes it (a read of a
    tab's data usually does not)."""
    if "progress" in inspect.signature(fn).parameters:
        kwargs = {**kwargs, "progress": progress or NullProgress()}
    return fn(store, *args, **kwargs)


def _with_store(
    path: str,
    actor: str,
    target: str,
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    progress: Progress | None = None,
) -> Any:
    """In the worker: open the file as ``actor``, call ``target``, close."""
    store = open_store(Path(path), actor=actor, migrate=False, check=False)
    try:
        return _call(_resolve(target), store, args, kwargs, progress)
    finally:
        store.close()
