"""The one guard before anything under an output folder is replaced or deleted.

A build replaces its site folder whole. A mistyped `--site` (the content, the
checkout, a folder of other files) would therefore delete an editor's work, so
the folder is checked first: it must be a folder tipkb built before (it holds
MARKER), an empty folder, or a new one, and it may not overlap anything the
project keeps. Builds into the same site take a lock beside it, so two builds
started from different folders cannot publish into each other.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path

from generator.errors import BuildError
from generator.files import exclusive

MARKER = ".tipkb-site"  # written into every site tipkb builds
MARKER_TEXT = "This folder is a site built by tipkb; each build replaces it whole.\n"


def guard(site_dir: Path, *, keep: Iterable[Path], projects: Iterable[Path]) -> Path:
    """The absolute site folder, if a build may replace it; else a BuildError naming it.

    The site may neither be, contain, nor lie inside a folder of `keep` (the
    content and build folders); it may lie inside a folder of `projects` (the
    checkout holds site/), but never be or contain one.
    """
    site = _absolute(site_dir)
    if site == Path(site.anchor):
        raise BuildError(f"{site}: refusing to build a site into the root folder; pass --site DIR")
    for folder in map(_absolute, keep):
        if site == folder or folder in site.parents or site in folder.parents:
            raise _overlap(site, folder)
    for folder in map(_absolute, projects):
        if site == folder or site in folder.parents:
            raise _overlap(site, folder)
    _refuse_foreign(site)
    return site


def _overlap(site: Path, folder: Path) -> BuildError:
    return BuildError(
        f"{site}: a site folder may not overlap {folder}, which the project keeps; "
        "pass another --site DIR (the default is site/)"
    )


def _refuse_foreign(site: Path) -> None:
    if (site / ".git").exists():
        raise BuildError(f"{site}: holds a .git folder, so it is not a site; pass --site DIR")
    if not site.exists():
        return
    if not site.is_dir():
        raise BuildError(f"{site}: exists and is not a folder; pass another --site DIR")
    if (site / MARKER).is_file() or not any(site.iterdir()):
        return
    raise BuildError(
        f"{site}: this folder holds files tipkb did not build, and a build would replace "
        f"it whole; pass an empty or new --site DIR, or delete the folder yourself"
    )


def mark(site: Path) -> None:
    """Mark a freshly built folder as a tipkb site, so the next build may replace it."""
    (site / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def locked(site: Path) -> AbstractContextManager[None]:
    """One build at a time into `site`, whatever folder it was started from: the lock
    is a file beside the site (not in it, since the site is swapped whole)."""
    busy = f"{site}: another build is writing this site; wait for it to finish"
    return exclusive(site.parent / f".{site.name}.lock", busy)


def _absolute(path: Path) -> Path:
    """The path made absolute with its links resolved, so `content/..` or a link to the
    checkout is seen for what it is."""
    return Path(os.path.realpath(path))
