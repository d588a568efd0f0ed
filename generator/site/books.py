"""The phrase book (every phrase, by situation) and the archive (every tip, by year).

Both are one long grouped listing cut into pages of a fixed size; the first
page opens with a contents list pointing at the page where each group starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any

from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Site


@dataclass(frozen=True)
class Group:
    """A heading and its list items."""

    anchor: str
    title: str  # plain text
    intro: str  # Markdown
    items: tuple[Any, ...]  # what Listing.item writes out


@dataclass(frozen=True)
class Listing:
    base: str  # path of the first page
    title: str
    intro: str
    per_page: int
    # The HTML of one item on the page at path `source`: links are relative to
    # the page, and page 2 is served a folder deeper than page 1.
    item: Callable[[str, Any], str]
    css: str = ""  # class of a wrapper around each list, for the theme


def phrase_book(site: Site) -> list[Page]:
    base = parts.PHRASES
    groups = []
    for term in site.taxonomy.situations:
        said = site.phrases_for(term)
        about = md.link(f"About “{term.label}”", base, parts.term_path(site.taxonomy, term))
        groups.append(Group(f"s-{term.id}", term.label, about, said))
    groups.append(Group("general", "Any situation", "", site.general_phrases()))
    intro = "Every phrase the tips recommend, grouped by situation. Each links to the tip it comes from."
    card = partial(parts.phrase_card, site, with_tip=True)
    listing = Listing(base, "Phrase book", intro, parts.PHRASES_PER_PAGE, card, parts.PHRASES_CSS)
    return grouped_pages(listing, [g for g in groups if g.items])


def archive(site: Site) -> list[Page]:
    base = parts.ARCHIVE
    groups = []
    for year, tips in groupby(site.tips, key=lambda t: t.date.year if t.date else None):
        anchor, title = ("undated", "Undated") if year is None else (f"year-{year}", str(year))
        groups.append(Group(anchor, title, "", tuple(tips)))
    line = partial(parts.tip_line, site)
    return grouped_pages(
        Listing(base, "Archive", "Every tip, newest first.", parts.TIPS_PER_PAGE, line), groups
    )


def grouped_pages(listing: Listing, groups: Sequence[Group]) -> list[Page]:
    flat = [(g, i) for g in groups for i in range(len(g.items))]
    pages = md.chunks(flat, listing.per_page)
    starts = {g.anchor: 1 + n // listing.per_page for n, (g, i) in enumerate(flat) if i == 0}
    result = []
    for number, chunk in enumerate(pages, start=1):
        path = md.page_path(listing.base, number)
        text = md.block(
            md.front_matter({}),
            f"# {listing.title}" + (f" (page {number} of {len(pages)})" if number > 1 else ""),
            _contents(listing, groups, starts) if number == 1 else "",
            *(_section(listing, path, group, items) for group, items in _by_group(chunk)),
            "Nothing here yet." if not flat else "",
            md.pager(path, listing.base, number, len(pages)),
        )
        result.append(Page(path, text))
    return result


def _contents(listing: Listing, groups: Sequence[Group], starts: dict[str, int]) -> str:
    if not groups:
        return listing.intro
    lines = []
    for group in groups:
        target = md.page_path(listing.base, starts[group.anchor])
        title = md.anchor_link(group.title, listing.base, target, group.anchor)
        lines.append(f"- {title} ({len(group.items)})")
    return md.block(listing.intro, "\n".join(lines) + "\n{ .tipkb-contents }")


def _by_group(chunk: Sequence[tuple[Group, int]]) -> list[tuple[Group, list[int]]]:
    """Consecutive items of one group; keyed by anchor, as comparing groups compares all items."""
    runs = groupby(chunk, key=lambda gi: gi[0].anchor)
    return [(items[0][0], [i for _, i in items]) for items in (list(run) for _, run in runs)]


def _section(listing: Listing, path: str, group: Group, indexes: list[int]) -> str:
    continued = indexes[0] > 0
    heading = f"## {md.text(group.title)}" + (" (continued)" if continued else "")
    heading += f" {{ #{group.anchor} }}" if not continued else f" {{ #{group.anchor}-more }}"
    items = md.html_list((listing.item(path, group.items[i]) for i in indexes), listing.css)
    return md.block(heading, "" if continued else group.intro, items)
