"""Results worth keeping between runs: parsed tip files, their 3-word runs.

`tipkb check` and the build read every tip on every run, though an editor
changes one a week. Each result is stored under a key naming exactly what
it was computed from (a file's size and change times, or a text's digest),
and the whole cache under a fingerprint of this package's code, so a stale
result can never be used: a change to any input or to the code recomputes.

A cache that cannot be read or written is only slower, never an error.

The file is a pickle, which runs code when loaded, so it is signed: an HMAC
under a key kept outside the checkout (SIGNING_KEY_ENV, else a file made in the
user's cache folder, mode 0600). A cache file committed to the repository, or
copied from another machine, fails the check and is ignored without being
unpickled.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
import marshal
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from generator.files import write_bytes_atomic

log = logging.getLogger(__name__)
T = TypeVar("T")
Item = TypeVar("Item")


@cache
def code_fingerprint() -> str:
    """The Python version and the package's source: what every cached result depends on."""
    digest = hashlib.blake2b(sys.version.encode(), digest_size=16)
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):  # every subpackage too
        digest.update(source.read_bytes())
    return digest.hexdigest()


SIGNING_KEY_ENV = "TIPKB_CACHE_KEY"  # a secret of the machine, never of the repository
_SIGNED = b"tipkb-signed-1\n"  # the file's first bytes, then the MAC, then the pickle
_MAC_BYTES = 32


@cache
def signing_key() -> bytes | None:
    """This machine's key for signing caches, or None (then nothing is cached)."""
    if os.environ.get(SIGNING_KEY_ENV):
        return os.environ[SIGNING_KEY_ENV].encode()
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tipkb"
    path = home / "cache-signing-key"
    try:
        return path.read_bytes() or None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
        return path.read_bytes()
    except FileExistsError:  # another process made it first
        return path.read_bytes() or None
    except OSError as err:
        log.debug("no cache signing key (%s): nothing is cached", err)
        return None


def sign(data: bytes, key: bytes | None = None) -> bytes | None:
    """The data with its MAC under `key` (default: the machine's), or None without a key."""
    key = key or signing_key()
    if key is None:
        return None
    return _SIGNED + hmac.digest(key, data, "sha256") + data


def verified(signed: bytes, key: bytes | None = None) -> bytes | None:
    """The signed data, if this machine (or `key`) signed it; None for anything else."""
    key = key or signing_key()
    head, mac = len(_SIGNED), signed[len(_SIGNED) : len(_SIGNED) + _MAC_BYTES]
    if key is None or not signed.startswith(_SIGNED) or len(mac) != _MAC_BYTES:
        return None
    data = signed[head + _MAC_BYTES :]
    return data if hmac.compare_digest(mac, hmac.digest(key, data, "sha256")) else None


RACY_NS = 2_000_000_000  # file times tick coarsely (up to 2 s on some file systems)


def file_key(path: Path) -> tuple[str, ...] | None:
    """A key that changes whenever the file may have: its size, change times and inode.

    None (do not cache) for a file changed in the last RACY_NS: a second change
    within the same clock tick, to the same size, would not change the key.
    """
    try:
        st = path.stat()
    except OSError:
        return None  # reading it will report the problem
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS:
        return None
    return (str(path), str(st.st_size), str(st.st_mtime_ns), str(st.st_ctime_ns), str(st.st_ino))


def digest(value: object) -> str:
    """A fingerprint of a value made of strings, numbers, None and tuples or lists of them.

    marshal serialises such values exactly and far faster than repr or JSON, which
    matters when every tip is fingerprinted on every build. Format 2, the last before
    marshal marked strings as interned and objects as referenced more than once: with
    those, equal values made in another process, or merely referenced elsewhere, would
    get other bytes. Its format may change between Python versions; cached results are
    dropped then (see code_fingerprint).
    """
    return hashlib.blake2b(marshal.dumps(value, 2), digest_size=16).hexdigest()


@lru_cache(maxsize=1 << 16)
def text_digest(text: str) -> str:
    """digest() of a text, remembered. The tag cache and the search index fingerprint
    every tip's body on every build; the second asks about the same string object,
    which Python hashes once and compares by identity, so only the first pays."""
    return digest(text)


def text_key(kind: str, text: str) -> tuple[str, ...]:
    return (kind, text_digest(text))


@contextmanager
def _loading_for_the_run() -> Iterator[None]:
    """Unpickling a cache makes a hundred thousand objects and no garbage, yet every few
    hundred of them would set off a garbage-collector pass, and each pass walks the
    young objects again. So the collector waits, and what was loaded is then frozen
    (gc.freeze): it lives as long as the run, and no later pass needs to walk it.
    Only the cyclic collector is affected; the build unfreezes everything when it ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


class Cache:
    """Values by key, loaded from and saved to one file; entries unused in a run are dropped."""

    def __init__(self, path: Path | None, entries: dict[tuple[str, ...], Any]) -> None:
        self.path = path
        self._old = entries
        self._new: dict[tuple[str, ...], Any] = {}

    @classmethod
    def open(cls, path: Path | None) -> Cache:
        """The cache stored at `path`, or an empty one (also for None: no caching)."""
        entries = load_signed(path)
        return cls(path, entries if isinstance(entries, dict) else {})

    def get(self, key: tuple[str, ...] | None) -> Any | None:
        if key is None:
            return None
        value = self._old.get(key)
        if value is not None:
            self._new[key] = value
        return value

    def put(self, key: tuple[str, ...] | None, value: Any) -> None:
        if key is not None:
            self._new[key] = value

    def fetch(self, key: tuple[str, ...] | None, compute: Callable[[], T]) -> T:
        """The value stored under `key`, else compute() (stored under it for next time)."""
        value: T | None = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def fetch_all(
        self,
        keys: Sequence[tuple[str, ...] | None],
        items: Sequence[Item],
        compute: Callable[[Sequence[Item]], list[T]],
    ) -> tuple[list[T], int]:
        """For each item, the value stored under its key, else one computed for it; the
        missing items go to compute() all at once, so it can share them out. Also how
        many were computed."""
        known = [self.get(key) for key in keys]
        todo = [item for item, value in zip(items, known, strict=True) if value is None]
        fresh = iter(compute(todo))
        values = []
        for key, value in zip(keys, known, strict=True):
            if value is None:
                value = next(fresh)
                self.put(key, value)
            values.append(value)
        return values, len(todo)

    def save(self) -> None:
        """Write the entries used in this run, if they differ from what was loaded."""
        if self.path is None or self._new.keys() == self._old.keys():
            return
        save_signed(self.path, self._new)


def load_signed(path: Path | None) -> Any | None:
    """What save_signed stored at `path` with this code, else None (no file, not signed
    on this machine, corrupt, or stored by other code)."""
    if path is None or not path.is_file():
        return None
    try:
        data = verified(path.read_bytes())
        if data is None:
            log.debug("ignoring cache %s: not signed on this machine", path)
            return None
        with _loading_for_the_run():
            fingerprint, value = pickle.loads(data)
    except Exception as err:  # a corrupt file: start afresh
        log.debug("ignoring cache %s: %s", path, err)
        return None
    return value if fingerprint == code_fingerprint() else None


def save_signed(path: Path, value: Any) -> None:
    """Store `value` at `path`, signed and tied to this code; a failure is only logged
    (a cache that cannot be written is only slower)."""
    try:
        data = pickle.dumps((code_fingerprint(), value), protocol=pickle.HIGHEST_PROTOCOL)
        signed = sign(data)
        if signed is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, signed)
    except OSError as err:
        log.debug("cannot save cache %s: %s", path, os.strerror(err.errno or 0))
