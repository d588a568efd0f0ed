"""Generate the site's pages as plain Markdown, from tips and the taxonomy.

The pages are ordinary Markdown (with attribute lists, Markdown in HTML, and
raw HTML blocks for the parts repeated by the thousand) that MkDocs, or
Zensical, turns into the site; nothing here depends on a plugin.
`render_pages` gathers every page in memory first, then `write_pages` writes
only the files whose text changed and removes the rest.

Layout (docs-relative; MkDocs serves `x/index.md` and `x.md` as `x/`):
`index.md`, `tips/<slug>.md`, `situations/index.md`, `situations/<id>/index.md`
(`…/2.md` onwards when paginated), likewise `techniques/`, `phrases/index.md`,
`archive/index.md`, `editors/index.md`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

from . import clock
from .errors import BuildError
from .model import Phrase, Taxonomy, Term, Tip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """One generated Markdown file."""

    path: str  # docs-relative, with forward slashes
    text: str


@dataclass(frozen=True)
class Said:
    """A phrase together with the tip that recommends it."""

    phrase: Phrase
    tip: Tip


@dataclass(frozen=True)
class Site:
    """Everything the pages are made from: the tips to show, newest first."""

    tips: tuple[Tip, ...]
    taxonomy: Taxonomy
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    today: dt.date = field(default_factory=clock.today)

    @cached_property
    def by_slug(self) -> dict[str, Tip]:
        return {tip.slug: tip for tip in self.tips}

    @cached_property
    def by_term(self) -> dict[str, tuple[Tip, ...]]:
        """Term id → its tips, newest first."""
        found: dict[str, list[Tip]] = {}
        for tip in self.tips:
            for term_id in dict.fromkeys(tip.tags):
                found.setdefault(term_id, []).append(tip)
        return {term_id: tuple(tips) for term_id, tips in found.items()}

    def tips_for(self, term: Term) -> tuple[Tip, ...]:
        return self.by_term.get(term.id, ())

    def phrases_for(self, term: Term) -> tuple[Said, ...]:
        """What to say in a situation, or with a technique; newest tips first, no repeats."""
        if term in self.taxonomy.situations:
            said = (Said(p, t) for t in self.tips for p in t.phrases if fits(p, t, term.id))
        else:
            said = (Said(p, t) for t in self.tips_for(term) for p in t.phrases)
        return unique(said)

    def general_phrases(self) -> tuple[Said, ...]:
        """Phrases that belong to no situation: their tip has none and they name none."""
        said = (Said(p, t) for t in self.tips if not t.situations for p in t.phrases)
        return unique(s for s in said if not s.phrase.situations)

    def related_to(self, tip: Tip) -> tuple[Tip, ...]:
        """The related tips that are on the site, in the order given."""
        slugs = self.related.get(tip.slug, ())
        return tuple(self.by_slug[s] for s in slugs if s in self.by_slug and s != tip.slug)

    def status(self, tip: Tip) -> str:
        """`Draft`, `Scheduled`, or `` for a published tip."""
        if tip.draft:
            return "Draft"
        if tip.date is not None and tip.date > self.today:
            return "Scheduled"
        return ""

    @cached_property
    def this_week(self) -> Tip | None:
        """The newest published dated tip."""
        return next((t for t in self.tips if t.date and not self.status(t)), None)


def fits(phrase: Phrase, tip: Tip, situation_id: str) -> bool:
    """A phrase fits the situations it names, or all its tip's situations if it names none."""
    return situation_id in (phrase.situations or tip.situations)


def unique(said: Iterable[Said]) -> tuple[Said, ...]:
    """Keep the first of phrases with the same wording."""
    seen: set[str] = set()
    kept = []
    for item in said:
        key = " ".join(item.phrase.text.casefold().split())
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return tuple(kept)


def is_published(tip: Tip, today: dt.date) -> bool:
    """Not a draft, and not dated after today."""
    return not tip.draft and (tip.date is None or tip.date <= today)


def newest_first(tips: Iterable[Tip]) -> tuple[Tip, ...]:
    """Dated tips newest first, then undated ones; ties by slug so order is stable."""
    return tuple(
        sorted(tips, key=lambda t: (t.date is None, -(t.date or dt.date.min).toordinal(), t.slug))
    )


def visible_tips(tips: Iterable[Tip], today: dt.date, *, drafts: bool = False) -> tuple[Tip, ...]:
    """The tips a build shows: published ones, or all of them when previewing drafts."""
    return newest_first(t for t in tips if drafts or is_published(t, today))


def render_pages(site: Site) -> tuple[Page, ...]:
    """Every page of the site, sorted by path."""
    # Imported here: the page modules build on this one's Site, Page and Said.
    from . import pages_books, pages_editors, pages_home, pages_terms, pages_tip

    pages = [pages_home.home_page(site), pages_editors.editors_page(site.taxonomy)]
    pages += [pages_tip.tip_page(site, tip) for tip in site.tips]
    pages += pages_terms.term_pages(site)
    pages += pages_books.phrase_book(site)
    pages += pages_books.archive(site)
    return tuple(sorted(pages, key=lambda p: p.path))


@dataclass(frozen=True)
class WriteStats:
    pages: int
    written: int
    removed: int

    def __str__(self) -> str:
        return f"{self.pages} pages, {self.written} written, {self.removed} removed"


def write_pages(pages: Sequence[Page], docs_dir: Path) -> WriteStats:
    """Write pages whose text changed; remove Markdown files no page produces."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    wanted = {_inside(docs_dir, p.path) for p in pages}
    written = 0
    folders: set[Path] = set()
    for page in pages:
        path = docs_dir / page.path
        if not _same_text(path, page.text):
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            # Not atomic, and needs not be: only this build reads the docs folder, under
            # the build lock, and a page a killed build left half-written differs from
            # its text, so the next build writes it again.
            path.write_text(page.text, encoding="utf-8")
            written += 1
    stale = [p for p in docs_dir.rglob("*.md") if p not in wanted]
    for path in stale:
        path.unlink()
    _remove_empty_dirs(docs_dir)
    return WriteStats(pages=len(pages), written=written, removed=len(stale))


def _inside(docs_dir: Path, relative: str) -> Path:
    """The file of a page; a path that would leave the docs folder is a bug, never written.

    Checked by name (relative, no `..`): the docs folder is the build's own, holding
    no links that could lead out, and resolving 10,000 paths on disk is slow.
    """
    parts = PurePosixPath(relative).parts
    if not parts or ".." in parts or PurePosixPath(relative).is_absolute():
        raise BuildError(f"page path {relative!r} leaves {docs_dir}")
    return docs_dir / relative


def _same_text(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (FileNotFoundError, UnicodeDecodeError):
        return False


def _remove_empty_dirs(root: Path) -> None:
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
