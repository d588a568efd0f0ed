"""The home page: the situations first (what staff are dealing with), then this week's
(or the latest) tip, techniques, recent tips."""

from __future__ import annotations

from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Said, Site
from generator.site.terms import term_cards

RECENT = 8
THIS_WEEK_PHRASES = 3
THIS_WEEK_DAYS = 7  # a tip is "this week's" for a week; after that it is the latest tip


def home_page(site: Site) -> Page:
    path = parts.HOME
    text = md.block(
        md.front_matter({}),
        "# Customer service tips",
        "Help for the customer in front of you: pick what you are dealing with, or "
        'search<span class="tipkb-key-hint"> (press <kbd>/</kbd>)</span>.',
        "## I’m dealing with… { #situations }",
        term_cards(site, path, tuple(t for t in site.taxonomy.situations if site.tips_for(t))),
        md.link("All situations →", path, parts.SITUATIONS),
        _this_week(site, path),
        _techniques(site, path),
        _recent(site, path),
    )
    return Page(path, text)


def _this_week(site: Site, path: str) -> str:
    tip = site.this_week
    if tip is None:
        return ""
    said = [Said(p, tip) for p in tip.phrases[:THIS_WEEK_PHRASES]]
    recent = tip.date is not None and (site.today - tip.date).days < THIS_WEEK_DAYS
    heading = "## This week’s tip { #this-week }" if recent else "## Latest tip { #latest }"
    tags = parts.terms_of(site.taxonomy, tip.situations + tip.techniques)
    row = parts.chip_row([parts.chip(site.taxonomy, path, t) for t in tags])
    return md.block(
        '<div class="tipkb-week" markdown>',
        heading,
        f"### {md.link(tip.title, path, parts.tip_path(tip))}",
        f"{md.long_date(tip.date)}\n{{ .tipkb-meta }}" if tip.date else "",
        md.text(tip.summary),
        row,
        parts.phrase_list(site, path, said, with_tip=False),
        md.link("Read the tip →", path, parts.tip_path(tip), css=".md-button"),
        "</div>",
    )


def _techniques(site: Site, path: str) -> str:
    terms = [t for t in site.taxonomy.techniques if site.tips_for(t)]
    if not terms:
        return ""
    row = parts.chip_row([parts.chip(site.taxonomy, path, t, len(site.tips_for(t))) for t in terms])
    more = md.link("All techniques →", path, parts.TECHNIQUES)
    return md.block("## Browse by technique { #techniques }", row, more)


def _recent(site: Site, path: str) -> str:
    recent = [t for t in site.tips if t.date and t != site.this_week][:RECENT]
    if not recent:
        return ""
    more = md.link("All tips by date →", path, parts.ARCHIVE)
    return md.block("## Recent tips { #recent }", parts.tip_list(site, path, recent), more)
