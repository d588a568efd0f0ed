"""Work shared with a worker process: same results, in order, errors passed on."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import pytest

from generator import workers
from generator.cache import Cache
from generator.content import check_content
from generator.model import Content
from generator.tagcache import tag_all

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


def no_worker(*args: object) -> None:
    raise OSError("this platform lacks a functioning sem_open implementation")


def test_all_is_done_here_where_no_worker_can_start(
    shared: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "pool", no_worker)
    assert [n for n, _ in workers.map_shared(squares, range(10))] == [n * n for n in range(10)]


def die_in_worker(parent: int, chunk: Sequence[int]) -> list[int]:
    if os.getpid() != parent:
        os._exit(1)  # as if killed
    time.sleep(0.01)  # give the worker time to start and take chunks
    return list(chunk)


def test_what_a_dead_worker_took_is_done_here(shared: None) -> None:
    assert workers.map_shared(partial(die_in_worker, os.getpid()), range(100)) == list(range(100))


def tagged(content: Content) -> object:
    return tag_all(content.tips, content.taxonomy, None)


def checked(content: Content) -> object:
    """Every tip and problem of the content plus two broken files, read afresh."""
    return check_content(content.root, Cache(None, {}))


@pytest.mark.parametrize("work", [tagged, checked])
def test_shared_work_equals_work_in_one_process(
    shared: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, work: Callable[[Content], object]
) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / "content" / "tips" / "bad-yaml.md").write_text("---\ntitle: [\n---\nx\n")
    (tmp_path / "content" / "tips" / "empty.md").write_text("")
    content = check_content(tmp_path / "content")[0]
    together = work(content)
    monkeypatch.setattr(workers, "cores", lambda: 1)
    assert work(content) == together
