"""A second CPU for the build's pure-Python stages (parsing, tagging, index writing).

Python runs one thread at a time, so only another process runs alongside.
Workers are spawned, not forked: forking a process that has threads (the
preview server) may hang the child.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when first needed: `tipkb check` on one changed tip never is
    from concurrent.futures import Future, ProcessPoolExecutor

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

CHUNK = 50  # items per claim: small enough to balance, large enough to cost little to claim
LEAST = 400  # fewer items are done before a worker has started


def cores() -> int:
    """The CPUs this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere, all of them
    return len(affinity(0)) if affinity else os.cpu_count() or 1


# What starting a worker raises where it cannot be done: no shared locks (no sem_open,
# as in some containers without /dev/shm), or no more processes allowed.
UNAVAILABLE = (OSError, ImportError, NotImplementedError)


def pool(initializer: Callable[..., None] | None = None, *initargs: Any) -> ProcessPoolExecutor:
    """One worker process (started by its first task; may raise one of UNAVAILABLE)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(1, context, initializer, initargs)


def background(call: Callable[[], R]) -> tuple[ProcessPoolExecutor, Future[R]] | None:
    """`call` run by a worker process, or None where there is no second CPU or no worker
    can start. `call` is pickled here and now: the executor would pickle it in a thread
    of its own, taking turns with whatever this process does next."""
    if cores() < 2:
        return None
    return _launch(partial(_unpickled_call, pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL)))


def _unpickled_call(data: bytes) -> Any:
    return pickle.loads(data)()


def _launch(
    task: Callable[[], R], initializer: Callable[..., None] | None = None, *initargs: Any
) -> tuple[ProcessPoolExecutor, Future[R]] | None:
    """A worker running task(), or None (logged) if it cannot start. `initializer` gets
    what cannot be sent with a task (shared memory)."""
    try:
        worker = pool(initializer, *initargs) if initializer else pool()
        try:
            return worker, worker.submit(task)
        except BaseException:
            worker.shutdown(wait=False, cancel_futures=True)
            raise
    except UNAVAILABLE as err:
        log.info("working on one CPU: cannot start a worker process (%s)", err)
        return None


def map_shared(func: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """func applied to chunks of items, results in order, shared with one worker process
    when there are two CPUs and at least LEAST items. This process takes chunks from
    the first on, the worker from the last one back, each claiming a chunk before
    doing it, until they meet: neither waits on the other. `func` and the items must
    be picklable (func: a module-level function, or a functools.partial of one); every
    chunk is sent to the worker, which costs little next to the work.
    """
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    if len(items) < LEAST or cores() < 2:
        return [r for chunk in chunks for r in func(chunk)]
    from concurrent.futures.process import BrokenProcessPool

    started = _start(func, chunks)
    if started is None:
        return [r for chunk in chunks for r in func(chunk)]
    worker, claimed, theirs = started
    done: dict[int, list[R]] = {}
    with worker:
        try:
            for i, chunk in enumerate(chunks):
                if not _claim(claimed, i):
                    break
                done[i] = func(chunk)
        except BaseException:
            _claim_all(claimed)  # the worker stops at its next chunk; nothing waits on the rest
            raise
        # A worker that died (killed, out of memory, or started from a script without an
        # `if __name__ == "__main__"` guard) has its chunks done here, below.
        with suppress(BrokenProcessPool):
            done.update(theirs.result())
    return [r for i, chunk in enumerate(chunks) for r in (done[i] if i in done else func(chunk))]


def _start(
    func: Callable[[Sequence[T]], list[R]], chunks: list[Sequence[T]]
) -> tuple[ProcessPoolExecutor, Any, Future[dict[int, list[R]]]] | None:
    """A worker taking chunks from the end, the claims it shares; None if none can start."""
    import multiprocessing

    try:
        claimed = multiprocessing.get_context("spawn").Array("b", len(chunks))
    except UNAVAILABLE as err:
        log.info("working on one CPU: cannot share claims with a worker process (%s)", err)
        return None
    launched = _launch(partial(_from_the_end, func, chunks), _share, claimed)
    return None if launched is None else (launched[0], claimed, launched[1])


_CLAIMED: Any = None  # in a worker: the claims shared with the process that started it


def _share(claimed: Any) -> None:
    global _CLAIMED
    _CLAIMED = claimed


def _claim(claimed: Any, i: int) -> bool:
    """Claim chunk i, unless the other process did."""
    with claimed.get_lock():
        if claimed[i]:
            return False
        claimed[i] = 1
        return True


def _claim_all(claimed: Any) -> None:
    with claimed.get_lock():
        claimed[:] = [1] * len(claimed)


def _from_the_end(
    func: Callable[[Sequence[T]], list[R]], chunks: list[Sequence[T]]
) -> dict[int, list[R]]:
    """In the worker: chunks from the last one back, until one is claimed already."""
    done = {}
    for i in reversed(range(len(chunks))):
        if not _claim(_CLAIMED, i):
            break
        done[i] = func(chunks[i])
    return done
