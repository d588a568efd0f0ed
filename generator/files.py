"""Reading and writing files safely: what every input and output of tipkb goes through.

Reading takes only a regular file, of a bounded size, without following a
symbolic link unless asked: never a FIFO (which blocks), a device (endless), or
a file outside the content folder. Writing goes to a temporary file beside the
target, renamed over it, so no reader ever sees a half-written file; the
temporary files a killed process left are removed by the next run.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Container, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import BuildError, UnreadableError

log = logging.getLogger(__name__)

MAX_BYTES = 2_000_000  # a tip is a page of text; anything larger is a mistake


def read_file(path: Path, limit: int = MAX_BYTES, *, follow_symlinks: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, else UnreadableError.

    Opened without blocking (a FIFO would wait for a writer forever) and, unless
    `follow_symlinks`, without following a symbolic link; checked with fstat after
    opening (what was opened is what is checked) and before reading: no more than
    limit + 1 bytes are ever read, from a device or a file still growing.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise UnreadableError(path, _open_failure(path, err)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableError(
                path, "not a regular file; replace it by a text file or remove it"
            )
        data = b"" if info.st_size > limit else _read_at_most(fd, limit + 1)
    except OSError as err:
        raise UnreadableError(path, f"cannot read file ({err.strerror or err})") from None
    finally:
        os.close(fd)
    size = max(info.st_size, len(data))
    if size > limit:
        raise UnreadableError(
            path, f"file is {size_text(size)}; it must be under {size_text(limit)}"
        )
    return data


def _read_at_most(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    while n > 0 and (chunk := os.read(fd, min(n, 1 << 20))):
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _open_failure(path: Path, err: OSError) -> str:
    if err.errno == errno.ELOOP and path.is_symlink():
        return "is a symbolic link, which tipkb does not follow; put the file itself here"
    if err.errno == errno.ENOENT:
        return "file not found"
    return f"cannot read file ({err.strerror or err})"


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n // 1000} KB"


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    os.replace(stage(path, data), path)


def stage(path: Path, data: bytes) -> Path:
    """A temporary file beside `path` holding `data`, with the permissions `path` will need;
    rename it over `path` to publish it. Removed again if writing it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        os.fchmod(fd, _mode_for(path))  # mkstemp's 0600 would hide the file from others
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


TMP_SUFFIX = ".tmp"
# What `stage` names its files: `.NAME.` + mkstemp's 8 random characters + `.tmp`.
_STAGED = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
LEFTOVER_SECONDS = 60  # older than any write takes: not another process's write in progress


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files that a killed write left in `folder`; log and return them.

    Only files named as `stage` names them, and untouched for LEFTOVER_SECONDS,
    so a write another tipkb is doing right now is left alone.
    """
    removed: list[Path] = []
    if folder.is_symlink():
        return removed  # refused by the content check; nothing of ours is in there
    try:
        names = [name for name in os.listdir(folder) if _STAGED.match(name)]
    except OSError:
        return []  # no folder: nothing left over; the caller reports a missing folder
    for name in names:
        path = folder / name
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > LEFTOVER_SECONDS:
                path.unlink()
                removed.append(path)
                log.info("removed %s, left by an interrupted write", path)
        except OSError as err:
            log.warning("cannot remove %s, left by an interrupted write: %s", path, err.strerror)
    return removed


def _mode_for(path: Path) -> int:
    """The file's own permissions if it exists, else what a new file gets under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def exclusive(lock_file: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (made if need be) for the block; a BuildError
    saying `busy` if another process holds it, or naming the folder that cannot be made."""
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_file, "w")  # noqa: SIM115 (closed by the with below)
    except OSError as err:
        where = err.filename or lock_file.parent
        raise BuildError(f"{where}: cannot make the folder ({err.strerror})") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(busy) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def link_tree(source: Path, target: Path, skip: Container[str] = frozenset()) -> int:
    """Give `target` every file under `source` but those whose relative path (with `/`)
    is in `skip`: as a hard link, or a copy where the file system has none (another
    disk). Folders are made as needed; files already in `target` must be in `skip`.
    How many files were linked or copied.

    A link is the same file under two names, so neither copy may be written into
    afterwards, only replaced (a new file renamed over it, or unlinked and made anew).
    """
    linked, todo = 0, [""]
    while todo:
        folder, made = todo.pop(), False
        with os.scandir(os.path.join(source, folder)) as entries:
            for entry in entries:
                relative = f"{folder}/{entry.name}" if folder else entry.name
                if entry.is_dir(follow_symlinks=False):
                    todo.append(relative)
                elif relative not in skip:
                    if not made:  # only folders that get a file: a gone page's leaves none
                        os.makedirs(os.path.join(target, folder), exist_ok=True)
                        made = True
                    link_or_copy(entry.path, os.path.join(target, relative))
                    linked += 1
    return linked


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link to `source` named `target`, else (another disk) a copy of it."""
    try:
        os.link(source, target)
    except OSError as err:
        if err.errno not in _NO_LINKS:
            raise
        _copying(os.stat(source).st_dev, os.stat(os.path.dirname(target) or ".").st_dev)
        shutil.copy2(source, target)


@functools.cache
def _copying(source_disk: int, target_disk: int) -> None:
    """Say once per pair of disks that their files are copied, not linked (slower)."""
    log.info(
        "copying files instead of linking them (%s): keep the site and build folders "
        "on one disk for faster builds",
        "another disk" if source_disk != target_disk else "no hard links on this disk",
    )


# What os.link raises where the file system cannot link these two files.
_NO_LINKS = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}


def files_under(root: Path) -> set[str]:
    """The relative paths (with `/`) of every file under `root`, none if it is missing."""
    return set(file_ids(root))


def file_ids(root: Path, *, by_inode: bool = True) -> dict[str, tuple[int, int]]:
    """Every file under `root` (relative path, with `/`) and what tells it from another
    file of that name: its inode (a hard link has its target's; scandir knows it, with
    no call per file), or `by_inode` False, its size and modification time (a copy made
    by link_or_copy on another disk has its original's). Empty if `root` is missing."""
    found: dict[str, tuple[int, int]] = {}
    todo = [""]
    while todo:
        folder = todo.pop()
        try:
            entries = list(os.scandir(os.path.join(root, folder)))
        except FileNotFoundError:
            continue
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                todo.append(relative)
            elif by_inode:
                found[relative] = (0, entry.inode())
            else:
                st = entry.stat(follow_symlinks=False)
                found[relative] = (st.st_size, st.st_mtime_ns)
    return found
