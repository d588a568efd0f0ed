"""Work shared with a worker process: same results, in order, errors passed on."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from generator import workers
from generator.cache import Cache
from generator.content.load import check_content
from generator.model import Content
from generator.search.index import plan_index
from generator.tagging.cache import tag_all

ROOT = Path(__file__).parent.parent


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Share even small inputs, on any machine."""
    monkeypatch.setattr(workers, "LEAST", 1)
    monkeypatch.setattr(workers, "CHUNK", 3)
    monkeypatch.setattr(workers, "cores", lambda: 2)


def squares(chunk: Sequence[int]) -> list[tuple[int, int]]:
    return [(n * n, os.getpid()) for n in chunk]


def fail_on(bad: int, chunk: Sequence[int]) -> list[int]:
    if bad in chunk:
        raise ValueError(f"bad item {bad}")
    return list(chunk)


@pytest.mark.parametrize("n", [0, 1, 7, 100])
def test_shared_results_come_in_order(shared: None, n: int) -> None:
    results = workers.map_shared(squares, range(n))
    assert [square for square, _ in results] == [i * i for i in range(n)]
    assert len({pid for _, pid in results}) <= 2  # this process and one worker


@pytest.mark.parametrize("bad", [0, 99], ids=["first item", "last item"])
def test_an_error_in_either_process_is_raised(shared: None, bad: int) -> None:
    with pytest.raises(ValueError, match=f"bad item {bad}"):
        workers.map_shared(partial(fail_on, bad), range(100))


PICKLED_IN: list[int] = []  # the threads that pickled a Noted


class Noted(int):
    """An int that notes which thread pickles it."""

    def __reduce__(self) -> tuple[type, tuple[int]]:
        PICKLED_IN.append(threading.get_ident())
        return int, (int(self),)


@pytest.mark.parametrize("send", ["map_shared", "background"])
def test_work_is_pickled_before_this_process_goes_on(shared: None, send: str) -> None:
    """Not in the executor's own thread, where this process could change the items while
    they are pickled: a cached property set meanwhile broke a 10,000-tip build."""
    PICKLED_IN.clear()
    items = [Noted(i) for i in range(20)]
    with workers.session():
        if send == "map_shared":
            workers.map_shared(squares, items)
        else:
            future = workers.background(partial(squares, items))
            assert future is not None and len(future.result()) == 20
    assert len(PICKLED_IN) >= 20 and set(PICKLED_IN) == {threading.get_ident()}


def test_all_is_done_here_where_no_worker_can_start(shared: None, no_worker: None) -> None:
    assert [n for n, _ in workers.map_shared(squares, range(10))] == [n * n for n in range(10)]


def die_in_worker(parent: int, died: Path, chunk: Sequence[int]) -> list[int]:
    """The worker dies at its first chunk; this process waits for that at each of its own."""
    if os.getpid() != parent:
        died.touch()
        os._exit(1)  # as if killed
    deadline = time.monotonic() + 30
    while not died.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return list(chunk)


def test_what_a_dead_worker_took_is_done_here(shared: None, tmp_path: Path) -> None:
    die = partial(die_in_worker, os.getpid(), tmp_path / "died")
    assert workers.map_shared(die, range(100)) == list(range(100))
    assert (tmp_path / "died").exists()


def worker_pids(chunk: Sequence[int]) -> list[int]:
    time.sleep(0.02)  # time for the worker to start and take chunks
    return [os.getpid() for _ in chunk]


def test_one_session_keeps_one_worker(shared: None) -> None:
    with workers.session():
        pids = [set(workers.map_shared(worker_pids, range(100))) for _ in range(3)]
        assert workers.background(os.getpid) is not None
    theirs = [p - {os.getpid()} for p in pids]
    assert all(len(t) <= 1 for t in theirs)
    assert len(set.union(*theirs)) == 1  # the same worker every time


def test_after_the_worker_died_the_session_works_on_here(shared: None, tmp_path: Path) -> None:
    with workers.session():
        workers.map_shared(partial(die_in_worker, os.getpid(), tmp_path / "died"), range(100))
        assert workers.map_shared(squares, range(10))[9][0] == 81
        assert workers.background(os.getpid) is None


def test_nothing_runs_in_the_background_outside_a_session(shared: None) -> None:
    assert workers.background(os.getpid) is None
    with workers.session(), ThreadPoolExecutor(1) as other:  # a session is its thread's
        assert other.submit(workers.background, os.getpid).result() is None


def tagged(content: Content) -> object:
    return tag_all(content.tips, content.taxonomy, None)


def planned(content: Content) -> object:
    """Every tip's search-index document and signature, for an empty index."""
    with tempfile.TemporaryDirectory() as empty:
        plan, write = plan_index(content.tips, content.taxonomy, Path(empty))
        assert write is not None
        return plan.signatures, write.added


def checked(content: Content) -> object:
    """Every tip and problem of the content plus two broken files, read afresh."""
    return check_content(content.root, Cache(None, {}))


@pytest.mark.parametrize("work", [tagged, planned, checked])
def test_shared_work_equals_work_in_one_process(
    shared: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, work: Callable[[Content], object]
) -> None:
    tree = tmp_path / "corpus-copy"  # the frozen copy, plus two broken files
    shutil.copytree(ROOT / "tests" / "corpus", tree)
    (tree / "tips" / "bad-yaml.md").write_text("---\ntitle: [\n---\nx\n")
    (tree / "tips" / "empty.md").write_text("")
    content = check_content(tree)[0]
    together = work(content)
    monkeypatch.setattr(workers, "cores", lambda: 1)
    assert work(content) == together
