"""Pieces several pages share: page paths, tip lists, tag chips, phrase cards."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

from generator.model import Taxonomy, Term, Tip
from generator.site import markdown as md
from generator.site.model import Said, Site

HOME = "index.md"
SITUATIONS = "situations/index.md"
TECHNIQUES = "techniques/index.md"
PHRASES = "phrases/index.md"
ARCHIVE = "archive/index.md"
EDITORS = "editors/index.md"

_POSSESSIVE = re.compile(r"['’]s\b")  # "customer's" is searched as "customer"
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

TIPS_PER_PAGE = 200  # a listing page stays well under 250 KB of HTML at any corpus size
PHRASES_PER_PAGE = 150  # a phrase card (text, copy button, link) weighs about 3 tip links
PHRASES_CSS = "tipkb-phrases"


def tip_path(tip: Tip) -> str:
    return f"tips/{tip.slug}/index.md"


def term_path(taxonomy: Taxonomy, term: Term) -> str:
    folder = "situations" if term.id in taxonomy.situation_ids else "techniques"
    return f"{folder}/{term.id}/index.md"


def badge(site: Site, tip: Tip) -> str:
    """Visible markers: `Teaser` for a tip of which only the opening is known, and
    `Draft` / `Scheduled` for tips shown only in a preview."""
    marks = ["Teaser"] if tip.kind == "excerpt" else []
    marks += [site.status(tip)] if site.status(tip) else []
    return " ".join(f'<span class="tipkb-badge">{mark}</span>' for mark in marks)


def tip_line(site: Site, source: str, tip: Tip) -> str:
    """`Title 8 July 2014` (HTML) for lists of tips."""
    return md.a(tip.title, source, tip_path(tip)) + site.memo(_line_tail, tip)


def _line_tail(site: Site, tip: Tip) -> str:
    """What follows a tip's link in every list: the same on each of the ~12 hub pages
    that list it, so it is made once per build."""
    parts = [f'<span class="tipkb-date">{md.long_date(tip.date)}</span>' if tip.date else ""]
    parts.append(badge(site, tip))
    return "".join(f" {p}" for p in parts if p)


def tip_list(site: Site, source: str, tips: Sequence[Tip]) -> str:
    if not tips:
        return "No tips yet."
    return md.html_list(tip_line(site, source, tip) for tip in tips)


def chip(taxonomy: Taxonomy, source: str, term: Term, count: int | None = None) -> str:
    kind = "situation" if term.id in taxonomy.situation_ids else "technique"
    label = term.label if count is None else f"{term.label} ({count})"
    return md.a(label, source, term_path(taxonomy, term), css=f"tipkb-chip tipkb-chip--{kind}")


def chip_row(chips: Sequence[str], title: str = "") -> str:
    """A row of tag chips (HTML), e.g. `Situations: [Upset customer] [Complaint]`."""
    if not chips:
        return ""
    label = f'<span class="tipkb-chips__label">{title}</span> ' if title else ""
    return md.raw(f'<p class="tipkb-chips">{label}{" ".join(chips)}</p>')


def chips(taxonomy: Taxonomy, source: str, terms: Sequence[Term], title: str) -> str:
    """The labelled row of chips of a tip's terms."""
    return chip_row([chip(taxonomy, source, term) for term in terms], title)


def terms_of(taxonomy: Taxonomy, ids: Sequence[str]) -> list[Term]:
    """Terms for ids, in the tip's order; ids the taxonomy lacks are skipped."""
    found = (taxonomy.term(term_id) for term_id in dict.fromkeys(ids))
    return [term for term in found if term is not None]


def copy_button(phrase: str) -> str:
    label = md.html(f"Copy phrase: {phrase}")
    return f'<button type="button" class="tipkb-copy" aria-label="{label}">Copy</button>'


def phrase_card(site: Site, source: str, said: Said, *, with_tip: bool) -> str:
    """One phrase to say (HTML), with its copy button (and, on hub pages, the tip it comes from)."""
    text = f'<span class="tipkb-phrase-text">{md.html(said.phrase.text)}</span>'
    card = f"{text} {copy_button(said.phrase.text)}"
    if with_tip:
        card += f" {md.a(said.tip.title, source, tip_path(said.tip), css='tipkb-from')}"
        card += f" {badge(site, said.tip)}".rstrip()
    return card


def phrase_list(site: Site, source: str, said: Sequence[Said], *, with_tip: bool = True) -> str:
    """The "What to say" cards, wrapped so the theme can style them."""
    if not said:
        return ""
    cards = (phrase_card(site, source, s, with_tip=with_tip) for s in said)
    return md.html_list(cards, PHRASES_CSS)


def keywords(taxonomy: Taxonomy, ids: Sequence[str]) -> list[str]:
    """The words of the labels and synonyms of the terms, each once.

    Each word once: a word repeated across synonyms ("customer") must not outweigh the rest.
    """
    words = chain.from_iterable(map(_term_words, terms_of(taxonomy, ids)))
    return list(dict.fromkeys(words))


@lru_cache(maxsize=4096)  # a few dozen terms, asked for by every page
def _term_words(term: Term) -> tuple[str, ...]:
    text = _POSSESSIVE.sub("", " ".join((term.label, *term.synonyms)).casefold())
    return tuple(_WORD.findall(text))
