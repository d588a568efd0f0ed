"""The build cache is data that cannot run code: only files this machine signed are loaded."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import cache as cache_module
from generator.cache import Cache, code_fingerprint


class _RunsCode:
    """A pickle that, when loaded, creates a file: what a committed cache could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, int]]:
        return (os.open, (str(self.marker), os.O_CREAT | os.O_WRONLY))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(cache_module.SIGNING_KEY_ENV, "this machine's key")
    cache_module.signing_key.cache_clear()
    yield
    cache_module.signing_key.cache_clear()


def test_a_cache_round_trips_on_the_machine_that_wrote_it(tmp_path: Path, key: None) -> None:
    stored = Cache.open(tmp_path / "c.pickle")
    stored.put(("a",), "value")
    stored.save()
    assert Cache.open(tmp_path / "c.pickle").get(("a",)) == "value"


@pytest.mark.parametrize("signed_by", ["nobody", "another machine"])
def test_a_cache_not_signed_here_is_never_unpickled(
    tmp_path: Path, key: None, monkeypatch: pytest.MonkeyPatch, signed_by: str
) -> None:
    marker = tmp_path / "code-ran"
    data = pickle.dumps((code_fingerprint(), {("a",): _RunsCode(marker)}))
    if signed_by == "another machine":
        monkeypatch.setenv(cache_module.SIGNING_KEY_ENV, "another key")
        cache_module.signing_key.cache_clear()
        data = cache_module.sign(data) or b""
        monkeypatch.setenv(cache_module.SIGNING_KEY_ENV, "this machine's key")
        cache_module.signing_key.cache_clear()
    (tmp_path / "c.pickle").write_bytes(data)
    assert Cache.open(tmp_path / "c.pickle").get(("a",)) is None
    assert not marker.exists()


def test_the_key_is_made_once_outside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cache_module.SIGNING_KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    cache_module.signing_key.cache_clear()
    try:
        first = cache_module.signing_key()
        cache_module.signing_key.cache_clear()
        assert first and cache_module.signing_key() == first
        key_file = tmp_path / "home-cache" / "tipkb" / "cache-signing-key"
        assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    finally:
        cache_module.signing_key.cache_clear()
