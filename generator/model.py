"""The typed model every stage shares: tips, their phrases, and the taxonomy.

All classes are frozen: a stage that changes a tip returns a new one
(``dataclasses.replace``) so no stage can surprise another.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

SERIES_TOW = "tip-of-the-week"
KINDS = ("full", "excerpt")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_APOSTROPHES = re.compile(r"['’‘`]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = 80) -> str:
    """Return the URL slug of a title: ``Don’t Rush!`` → ``dont-rush``.

    Apostrophes vanish rather than split words, so slugs read naturally and
    stay stable when an apostrophe changes from straight to curly.
    """
    text = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", title))
    text = text.encode("ascii", "ignore").decode().lower()
    slug = _NON_ALNUM.sub("-", text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug


def tip_filename(slug: str, date: dt.date | None) -> str:
    """The file name a tip with this slug and date must have."""
    prefix = date.isoformat() if date else "undated"
    return f"{prefix}-{slug}.md"


_FILE_NAME = re.compile(
    r"^(?P<date>\d{4}-\d\d-\d\d|undated)-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$"
)


def name_parts(file_name: str) -> tuple[str, str] | None:
    """(date or 'undated', slug) that a tip's file name gives, if it has the usual shape."""
    match = _FILE_NAME.match(file_name)
    return (match["date"], match["slug"]) if match else None


def tip_url(slug: str) -> str:
    """A tip's page, relative to the site root (MkDocs directory URLs)."""
    return f"tips/{slug}/"


@dataclass(frozen=True)
class Phrase:
    """Something a tip recommends saying to a customer."""

    text: str
    situations: tuple[str, ...] = ()
    auto: bool = False  # extracted by the tagger, not written by an editor
    # For an editor's phrase that names no situation: those its own words fit, as the
    # tagger links them; never written to the tip file (the editor's choice stays).
    inferred: tuple[str, ...] = field(default=(), compare=False)

    @property
    def fits(self) -> tuple[str, ...]:
        """The situations this phrase is shown for: as given, or as inferred."""
        return self.situations or self.inferred


@dataclass(frozen=True)
class Source:
    """Where an imported tip came from."""

    page: str
    digest: str = ""  # fingerprint of the imported fields, to spot editors' changes


@dataclass(frozen=True)
class Tip:
    """One tip: its front matter and Markdown body."""

    title: str
    slug: str
    body: str
    date: dt.date | None = None
    kind: str = "full"
    series: str | None = None
    categories: tuple[str, ...] = ()
    summary: str = ""
    source: Source | None = None
    situations: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    auto_tags: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    draft: bool = False
    path: Path | None = field(default=None, compare=False)
    # Line of each front-matter key in the file, for `path:line` messages.
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def filename(self) -> str:
        return tip_filename(self.slug, self.date)

    @property
    def tags(self) -> tuple[str, ...]:
        return self.situations + self.techniques

    def line_of(self, key: str) -> int:
        """The line of a front-matter key, or 1 when the key is absent."""
        return self.lines.get(key, 1)


@dataclass(frozen=True)
class Term:
    """One situation or technique of the taxonomy."""

    id: str
    label: str
    description: str
    synonyms: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # match rules for the auto-tagger (see generator.tagger)
    # A broad situation (an upset customer) fits most tips' phrases in spirit; a phrase is
    # linked to it only by its own words, never just because its tip is tagged with it.
    broad: bool = False
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Taxonomy:
    """The two vocabularies tips are tagged with."""

    situations: tuple[Term, ...] = ()
    techniques: tuple[Term, ...] = ()

    def term(self, term_id: str) -> Term | None:
        return self._by_id.get(term_id)

    # Computed once: every page asks these, many times over.
    @cached_property
    def _by_id(self) -> dict[str, Term]:
        by_id: dict[str, Term] = {}
        for t in self.situations + self.techniques:
            by_id.setdefault(t.id, t)  # the first of a duplicated id, as a scan would find
        return by_id

    @cached_property
    def situation_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.situations)

    @cached_property
    def technique_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.techniques)


@dataclass(frozen=True)
class Content:
    """Everything loaded and validated from a content folder."""

    root: Path
    tips: tuple[Tip, ...]
    taxonomy: Taxonomy
