"""A second CPU for the build's pure-Python stages (tagging, indexing).

Python runs one thread at a time, so only another process runs alongside.
Workers are spawned, not forked: forking a process that has threads (the
preview server) may hang the child.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 50  # items per task: small enough to balance, large enough to cost little to send
LEAST = 400  # fewer items are done before a worker has started


def cores() -> int:
    """The CPUs this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere, all of them
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def pool() -> ProcessPoolExecutor:
    """One worker process."""
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def map_shared(func: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """func applied to chunks of items, results in order, shared with one worker process
    when there are two CPUs and at least LEAST items. This process works from the
    first chunk on, the worker from the last one back, so neither waits on the other.
    `func` must be picklable: a module-level function, or a functools.partial of one.
    """
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    if len(items) < LEAST or cores() < 2:
        return [r for chunk in chunks for r in func(chunk)]
    with pool() as worker:
        # Submitted last chunk first: the worker takes them in that order.
        futures = [worker.submit(func, chunk) for chunk in reversed(chunks)][::-1]
        done: list[list[R] | Future[list[R]]] = []
        for chunk, future in zip(chunks, futures, strict=True):
            # A chunk the worker has not taken yet is done here instead.
            done.append(func(chunk) if future.cancel() else future)
        return [r for part in done for r in (part.result() if isinstance(part, Future) else part)]
