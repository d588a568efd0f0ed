"""Which search-index files this machine wrote: whoosh's table of contents and segments
are pickles, and unpickling a file from elsewhere (a build folder copied, committed or
planted) runs its code. So after every successful write the index's files are listed
with a SHA-256 of each, and the list is signed with the cache's key (generator.cache,
kept outside the checkout); whoosh opens an index only when its files are exactly the
signed list, byte for byte. Without a key of the machine, a key made for this process
signs instead: the index is then trusted by the process that wrote it only, and every
other run rebuilds it.

The check reads every byte of the index (40 MB, about 40 ms, at 10,000 tips), so a folder
found unchanged since this process last checked it (the same names, sizes, inodes and
change times, none changed too recently to tell) is not read again. What is checked is the
files left in the folder: a process rewriting them between the check and whoosh's read is
not in the threat: whoever can write in the folder while tipkb runs could change its code.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from functools import cache
from pathlib import Path

from generator.cache import RACY_NS, sign, signing_key, verified
from generator.files import write_bytes_atomic

log = logging.getLogger(__name__)

SIGNED = "tipkb-files"  # beside whoosh's files: the signed list of them
_Stats = tuple[tuple[str, int, int, int, int], ...]
_checked: dict[Path, _Stats] = {}  # folder → its files' stats when last found trusted


def _key() -> bytes:
    return signing_key() or _process_key()


@cache
def _process_key() -> bytes:
    return os.urandom(32)


def index_files(index_dir: Path, name: str) -> list[Path]:
    """whoosh's files of the index `name` (its tables of contents `_name_N.toc` and
    segments `name_*`), without the lock file, which holds nothing."""
    try:
        entries = list(index_dir.iterdir())
    except FileNotFoundError:
        return []
    lock = f"{name}_WRITELOCK"
    return sorted(
        p for p in entries if p.name.startswith((f"_{name}_", f"{name}_")) and p.name != lock
    )


def _listing(files: list[Path]) -> bytes:
    """`name sha256` per file, one a line."""
    lines = []
    for path in files:
        with path.open("rb") as fh:
            lines.append(f"{path.name} {hashlib.file_digest(fh, 'sha256').hexdigest()}\n")
    return "".join(lines).encode("utf-8")


def seal(index_dir: Path, name: str) -> None:
    """Sign the index's files as they are now: call only after a successful write."""
    signed = sign(_listing(index_files(index_dir, name)), key=_key())
    assert signed is not None  # a key is given
    write_bytes_atomic(index_dir / SIGNED, signed)
    _checked.pop(index_dir.resolve(), None)


def trusted(index_dir: Path, name: str) -> bool:
    """Whether the folder holds an index of this name whose files are those this machine
    signed after its last write: nothing added, removed or changed."""
    files = index_files(index_dir, name)
    if not any(p.suffix == ".toc" for p in files):
        return False
    try:
        stats = _stats([*files, index_dir / SIGNED])
        if _checked.get(index_dir.resolve()) == stats:
            return True
        signed = verified((index_dir / SIGNED).read_bytes(), key=_key())
        if signed is None or signed != _listing(files):
            return False
    except OSError as err:
        log.debug("search index %s unreadable: %s", index_dir, err)
        return False
    if time.time_ns() - max(s[4] for s in stats) >= RACY_NS:
        _checked[index_dir.resolve()] = stats
    return True


def _stats(files: list[Path]) -> _Stats:
    """What changes whenever a file may have; the change time cannot be set back."""
    out = []
    for path in files:
        st = path.stat()
        out.append((path.name, st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


def wipe(index_dir: Path, name: str, *records: str) -> None:
    """Delete the index's files (and our records beside them): an index not trusted is
    treated as absent, and its files must not be signed along with a new one's."""
    _checked.pop(index_dir.resolve(), None)
    for path in [*index_files(index_dir, name), *(index_dir / r for r in (SIGNED, *records))]:
        path.unlink(missing_ok=True)
