"""The rendered site a build keeps in its build folder, so that the next one renders only
the pages whose Markdown changed.

The kept copy (build/rendered/) is the engine's last rendering of build/docs; its state
(in build/cache/) says what each page was rendered from, and is what the engine needs to
use a page again without rendering it. A build renders the pages that changed into an
empty folder, then makes the folder it will publish the kept copy with those pages
(`sync`), and gives the kept copy what it rendered (`update`). The published site and the
kept copy share their files (hard links), so neither costs a copy; neither may therefore
be written into, only have files replaced (see files.link_tree), and every writer of
either does so. The folder a build publishes is, where there is one, the site the last
swap took out (build.publish): `sync` replaces only its files that are not the kept
copy's, found by inode, so a build after one edit makes and deletes a few files, not the
thousands of folders of a whole site. That site waits for it in the build folder (`spare`),
where the web server that may serve the site's own folder does not see it.

The state names the kept copy it describes by a random token, also written in the copy
(TOKEN), so a deleted or replaced copy is not taken for it, while a build folder restored
from an archive (CI's cache) still is. The state is removed before the kept copy changes
and written again after: a build killed in between leaves no state, so the next one renders
every page. Only one build at a time uses a build folder (its lock).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.cache import load_signed, save_signed
from generator.files import file_ids, files_under, link_or_copy, link_tree

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
    """A kept copy of the rendered site, the file of its state, and where the site the
    last swap took out waits to be brought up to date and published again."""

    folder: Path
    state_file: Path
    spare: Path

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

    def sync(self, target: Path, rendered: Path, gone: Iterable[str]) -> set[str]:
        """Make `target` (empty, or an older site) the kept copy with the files rendered
        into `rendered` moved in and the files of `gone` left out; their paths."""
        written = files_under(rendered)
        left_out = {*written, *gone, TOKEN}
        for relative in written:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(rendered / relative, target / relative)
        by_inode = _same_disk(self.folder, target)
        kept = file_ids(self.folder, by_inode=by_inode)
        have = file_ids(target, by_inode=by_inode)
        wanted = {r: i for r, i in kept.items() if r not in left_out}
        for relative in have.keys() - wanted.keys() - written:  # gone, or an older site's
            (target / relative).unlink()
            _remove_empty_parents(target, (target / relative).parent)
        for relative, kept_id in wanted.items():
            if have.get(relative) != kept_id:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                (target / relative).unlink(missing_ok=True)
                link_or_copy(self.folder / relative, target / relative)
        return written

    def replace(self, fresh: Path, state: Any) -> None:
        """Keep a copy of the whole site in `fresh` (rendered from scratch), with its state."""
        self.drop()
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        old = self.folder.with_name(f".{self.folder.name}-old")
        for leftover in [old, *self.folder.parent.glob(f".{self.folder.name}-new-*")]:
            shutil.rmtree(leftover, ignore_errors=True)  # what a killed build left
        new = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}-new-", dir=self.folder.parent))
        link_tree(fresh, new)
        token = secrets.token_hex(16)
        (new / TOKEN).write_text(token, encoding="utf-8")
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


def _same_disk(one: Path, other: Path) -> bool:
    return one.stat().st_dev == other.stat().st_dev


def _remove_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()  # only if empty
        except OSError:
            return
        folder = folder.parent
