"""A second CPU for the build's pure-Python stages (parsing, tagging, analysing tips
for the search index, writing it).

Python runs one thread at a time, so only another process runs alongside. A
build opens a session(): one worker process, started when first needed, serves
all its stages. Workers are spawned, not forked: forking a process that has
threads (the preview server) may hang the child.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when first needed: `tipkb check` on one changed tip never is
    from concurrent.futures import Future

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


SLOTS = 1024  # chunk claims shared with a worker; more items make bigger chunks


class _Worker:
    """One spawned worker process and the chunk claims it shares with this one.

    Raises one of UNAVAILABLE where it cannot be made. The process itself starts
    with the first task.
    """

    def __init__(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        self.claims = context.Array("b", SLOTS)
        # Shared memory cannot be sent with a task, only handed over at start-up.
        self.executor = ProcessPoolExecutor(1, context, _share, (self.claims,))

    def submit(self, task: Callable[..., R], *args: Any) -> Future[R] | None:
        """task(*args) run by the worker; None (logged) if it has died.

        The task is pickled here and now. The executor would pickle it in a thread of
        its own, taking turns with whatever this process does next, which may change
        what the task refers to (a cached property set on an item it is sent): the
        worker would get a mix of before and after, or the pickling would fail
        ("dictionary changed size during iteration").
        """
        from concurrent.futures.process import BrokenProcessPool

        call = pickle.dumps(functools.partial(task, *args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            return self.executor.submit(_unpickled_call, call)
        except (BrokenProcessPool, *UNAVAILABLE) as err:
            log.info("working on one CPU: the worker process is gone (%s)", err)
            return None


class _Session:
    """The worker of an open session(), started when first needed."""

    def __init__(self) -> None:
        self._worker: _Worker | None = None
        self._unavailable = False

    def worker(self) -> _Worker | None:
        if self._worker is None and not self._unavailable:
            try:
                self._worker = _Worker()
            except UNAVAILABLE as err:
                log.info("working on one CPU: cannot start a worker process (%s)", err)
                self._unavailable = True
        return self._worker

    def close(self) -> None:
        if self._worker is not None:
            self._worker.executor.shutdown(wait=True)


_OPEN = threading.local()  # .session: the thread's open session, if any


@contextmanager
def session() -> Iterator[None]:
    """Within the block, map_shared and background share one worker process, started
    by the first of them that needs it (spawning one for each would cost each a few
    tenths of a second), and stopped at the end of the block, once its work is done.
    A nested session() uses the outer one's worker; each thread has its own."""
    if getattr(_OPEN, "session", None) is not None:
        yield
        return
    _OPEN.session = current = _Session()
    try:
        yield
    finally:
        _OPEN.session = None
        current.close()


def _worker() -> _Worker | None:
    """The open session's worker (or None: no session, no second CPU, or no worker)."""
    current: _Session | None = getattr(_OPEN, "session", None)
    return current.worker() if current is not None and cores() >= 2 else None


def background(call: Callable[[], R]) -> Future[R] | None:
    """`call` run by the open session's worker while this process goes on, or None
    where there is no session, no second CPU, or no worker."""
    worker = _worker()
    return None if worker is None else worker.submit(call)


def _unpickled_call(data: bytes) -> Any:
    return pickle.loads(data)()


def map_shared(func: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """func applied to chunks of items, results in order, shared with a worker process
    when there are two CPUs and at least LEAST items. This process takes chunks from
    the first on, the worker from the last one back, each claiming a chunk before
    doing it, until they meet: neither waits on the other. `func` and the items must
    be picklable (func: a module-level function, or a functools.partial of one); every
    chunk is sent to the worker, which costs little next to the work.
    """
    size = max(CHUNK, -(-len(items) // SLOTS))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    done: dict[int, list[R]] = {}
    with session():
        worker = _worker() if len(items) >= LEAST else None
        if worker is not None:
            _claim_none(worker.claims, len(chunks))
            theirs = worker.submit(_from_the_end, func, chunks)
            if theirs is not None:
                done = _ours(func, chunks, worker.claims, theirs)
    return [r for i, chunk in enumerate(chunks) for r in (done[i] if i in done else func(chunk))]


def _ours(
    func: Callable[[Sequence[T]], list[R]],
    chunks: list[Sequence[T]],
    claimed: Any,
    theirs: Future[dict[int, list[R]]],
) -> dict[int, list[R]]:
    """The chunks this process claims and does, plus those the worker did."""
    from concurrent.futures.process import BrokenProcessPool

    done: dict[int, list[R]] = {}
    try:
        for i, chunk in enumerate(chunks):
            if not _claim(claimed, i):
                break
            done[i] = func(chunk)
    except BaseException:
        _claim_all(claimed)  # the worker stops at its next chunk; nothing waits on the rest
        with suppress(BaseException):
            theirs.result()  # the claims are free again only once it has stopped
        raise
    # A worker that died (killed, out of memory, or started from a script without an
    # `if __name__ == "__main__"` guard) has its chunks done by the caller.
    with suppress(BrokenProcessPool):
        done.update(theirs.result())
    return done


_CLAIMED: Any = None  # in a worker: the claims shared with the process that started it


def _share(claimed: Any) -> None:
    global _CLAIMED
    _CLAIMED = claimed


def _claim_none(claimed: Any, n: int) -> None:
    """Free the first n claims for the next map (no task is using them)."""
    with claimed.get_lock():
        claimed[:n] = [0] * n


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
