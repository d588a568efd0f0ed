"""Generate the site's pages as plain Markdown, from tips and the taxonomy.

The pages are ordinary Markdown (with attribute lists, Markdown in HTML, and
raw HTML blocks for the parts repeated by the thousand) that MkDocs, or
Zensical, turns into the site; nothing here depends on a plugin.
`render_pages` gathers every page in memory first, then `write_pages` writes
only the files whose text changed and removes the rest.

Layout (docs-relative; each page the index.md of its own folder, served as the folder, so
its raw HTML links resolve in both engines: see markdown.url):
`index.md`, `tips/<slug>/index.md`, `situations/index.md`, `situations/<id>/index.md`
(`…/2/index.md` onwards when paginated), likewise `techniques/`, `phrases/index.md`,
`archive/index.md`, `editors/index.md`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from generator.cache import Cache, text_key
from generator.content.safety import render_body
from generator.errors import BuildError
from generator.model import Tip
from generator.site import books as pages_books
from generator.site import editors as pages_editors
from generator.site import home as pages_home
from generator.site import terms as pages_terms
from generator.site import tip as pages_tip
from generator.site.model import Page, Site
from generator.site.site_search import search_pages
from generator.workers import map_shared

log = logging.getLogger(__name__)


def render_bodies(tips: Sequence[Tip], cache_file: Path | None) -> dict[str, str]:
    """Every tip's body as sanitized HTML, by slug: kept between builds by the body's
    digest, and rendered on two CPUs when many are new (a fresh clone, CI)."""
    cache = Cache.open(cache_file)
    keys = [text_key("body", tip.body) for tip in tips]
    html, _ = cache.fetch_all(keys, [tip.body for tip in tips], partial(map_shared, _render))
    cache.save()
    return {tip.slug: text for tip, text in zip(tips, html, strict=True)}


def _render(bodies: Sequence[str]) -> list[str]:
    return [render_body(body) for body in bodies]


def render_pages(site: Site) -> tuple[Page, ...]:
    """Every page of the site, sorted by path."""
    pages = [pages_home.home_page(site), pages_editors.editors_page(site)]
    pages += [pages_tip.tip_page(site, tip) for tip in site.tips]
    pages += pages_terms.term_pages(site)
    pages += pages_books.phrase_book(site)
    pages += pages_books.archive(site)
    pages += search_pages(site)
    return tuple(sorted(pages, key=lambda p: p.path))


@dataclass(frozen=True)
class WriteStats:
    pages: int
    written: int
    removed: int

    def __str__(self) -> str:
        return f"{self.pages} pages, {self.written} written, {self.removed} removed"


def write_pages(pages: Sequence[Page], docs_dir: Path) -> WriteStats:
    """Write pages whose text changed; remove the files no page produces, and the
    folders that leaves empty."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    # One walk of the folder, deepest first, and paths as strings: pathlib's rglob, twice,
    # and a Path per page took a fifth of a rebuild's pages stage at 2,000 tips.
    root = str(docs_dir)
    tree = list(os.walk(root, topdown=False))
    existing = {os.path.join(folder, name) for folder, _, names in tree for name in names}
    wanted = {_inside(docs_dir, p.path): p for p in pages}
    written = 0
    folders: set[str] = set()
    for path, page in wanted.items():
        if path not in existing or not _same_text(path, page.text):
            folder = os.path.dirname(path)
            if folder not in folders:
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            # Not atomic, and needs not be: only this build reads the docs folder, under
            # the build lock, and a page a killed build left half-written differs from
            # its text, so the next build writes it again.
            Path(path).write_text(page.text, encoding="utf-8")
            written += 1
    stale = [p for p in existing if p not in wanted]
    for path in stale:
        os.unlink(path)
    _remove_empty_dirs(root, tree, {os.path.dirname(p) for p in wanted})
    return WriteStats(pages=len(pages), written=written, removed=len(stale))


def _inside(docs_dir: Path, relative: str) -> str:
    """The file of a page; a path that would leave the docs folder is a bug, never written.

    Checked by name (relative, no `..`): the docs folder is the build's own, holding
    no links that could lead out, and resolving 10,000 paths on disk is slow.
    """
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or ".." in parts or relative.startswith("/"):
        raise BuildError(f"page path {relative!r} leaves {docs_dir}")
    return os.path.join(docs_dir, *parts)


def _same_text(path: str, text: str) -> bool:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read() == text
    except (FileNotFoundError, UnicodeDecodeError):
        return False


def _remove_empty_dirs(
    root: str, tree: list[tuple[str, list[str], list[str]]], holding: set[str]
) -> None:
    """Remove the folders of `tree` (walked deepest first) left without files, but those
    `holding` a page."""
    for folder, _, _ in tree:
        if folder != root and folder not in holding and not os.listdir(folder):
            os.rmdir(folder)
