"""The rendered site a build keeps in its build folder, so that the next one renders only
the pages whose Markdown changed.

The kept copy (build/rendered/) is the engine's last rendering of build/docs; its state
(in build/cache/) says what each page was rendered from, and is what the engine needs to
use a page again without rendering it. A build renders the pages that changed into the
fresh, empty folder it will publish, links in the rest of the kept copy (`fill`), and then
gives the kept copy what it rendered (`update`): hard links, so neither costs a copy, and
the published site and the kept copy share their files. Neither may therefore be written
into, only have files replaced (see files.link_tree); every writer of either does so.

The state names the kept copy it describes by a random token, also written in the copy
(TOKEN), so a deleted or replaced copy is not taken for it, while a build folder restored
from an archive (CI's cache) still is. The state is removed before the kept copy changes
and written again after: a build killed in between leaves no state, so the next one renders
every page. Only one build at a time uses a build folder (its lock).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.cache import load_signed, save_signed
from generator.files import files_under, link_or_copy, link_tree

log = logging.getLogger(__name__)

TOKEN = ".tipkb-kept"  # in the kept copy: which state describes it


@dataclass(frozen=True)
class RenderStats:
    """What the engine did: how many pages the site has and how many it rendered afresh
    (the rest were kept from the last build), and why it rendered all ('' if it did not)."""

    pages: int
    rendered: int
    warnings: int = 0
    full: str = ""  # why every page was rendered

    def __str__(self) -> str:
        kept = self.pages - self.rendered
        return f"{self.rendered} of {self.pages} pages rendered" + (
            f", {kept} kept" if kept else ""
        )


@dataclass(frozen=True)
class Kept:
    """A kept copy of the rendered site, and the file of its state."""

    folder: Path
    state_file: Path

    def load(self) -> Any | None:
        """The state saved with the kept copy, if the copy it describes is still there."""
        saved = load_signed(self.state_file)
        if not isinstance(saved, tuple) or len(saved) != 2:
            return None
        token, state = saved
        return state if token is not None and token == self._token() else None

    def drop(self) -> None:
        """Forget the kept copy (before changing it, or when it cannot be used)."""
        self.state_file.unlink(missing_ok=True)

    def fill(self, fresh: Path, skip: Iterable[str]) -> int:
        """Link every kept file into `fresh` but those in `skip` (rendered anew, or gone)."""
        return link_tree(self.folder, fresh, frozenset([*skip, TOKEN]))

    def replace(self, fresh: Path, state: Any) -> None:
        """Keep a copy of the whole site in `fresh` (rendered from scratch), with its state."""
        self.drop()
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        new = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}-new-", dir=self.folder.parent))
        link_tree(fresh, new)
        token = secrets.token_hex(16)
        (new / TOKEN).write_text(token, encoding="utf-8")
        old = self.folder.with_name(f".{self.folder.name}-old")
        shutil.rmtree(old, ignore_errors=True)  # what a killed build left
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(new, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        save_signed(self.state_file, (token, state))

    def update(self, fresh: Path, written: Iterable[str], gone: Iterable[str], state: Any) -> None:
        """Give the kept copy the files rendered into `fresh` and remove those gone, so it
        is `fresh` again; then save its new state."""
        self.drop()
        for relative in written:
            kept = self.folder / relative
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.unlink(missing_ok=True)  # replaced, not written into: the site shares it
            link_or_copy(fresh / relative, kept)
        for relative in gone:
            (self.folder / relative).unlink(missing_ok=True)
            _remove_empty_parents(self.folder, (self.folder / relative).parent)
        save_signed(self.state_file, (self._token(), state))

    def _token(self) -> str | None:
        try:
            return (self.folder / TOKEN).read_text(encoding="utf-8")
        except OSError:
            return None


def written_files(fresh: Path) -> set[str]:
    """What the engine wrote into the fresh folder, before it was filled from the kept copy."""
    return files_under(fresh)


def _remove_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # only if empty
        except OSError:
            return
        folder = folder.parent
