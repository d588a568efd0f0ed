"""Situation and technique pages, and the two index pages listing them.

A situation page answers "what do I say?" first: its own phrases, then a few from
the closest situations, each marked with the situation it comes from; then the
techniques that help, then the tips; the synonyms last, in one "Also called" line
(the site search reads them; a reader needs them least). A situation with no phrases says
what to do instead; one with no tips points to the closest situations that have
some. The long listings (phrases, tips) are paginated, and what is borrowed from
other situations is capped, so no page grows without bound. Term pages are no results
of the site search: a query naming a situation gets its answer card instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.model import Term, Tip
from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Said, Site
from generator.site.neighbours import neighbours

# What a situation's first page borrows from the closest situations: enough to offer
# another way to put it, never a second phrase book.
RELATED_SITUATIONS = 3
RELATED_PER_SITUATION = 2
NEAREST = 3  # close situations linked from a situation without tips


def term_pages(site: Site) -> list[Page]:
    pages = [_index(site, "situations"), _index(site, "techniques")]
    terms = site.taxonomy.situations + site.taxonomy.techniques
    # Each term's phrases, once: a situation page also shows some of its neighbours'.
    said = {term.id: site.phrases_for(term) for term in terms}
    near = neighbours(site)
    for term in terms:
        pages += _term_pages(site, term, _Nearby(said, near.get(term.id, ())))
    return pages


@dataclass(frozen=True)
class _Nearby:
    """What a term page may show of others: every term's phrases, and the situations
    closest to this one (none for a technique)."""

    said: Mapping[str, tuple[Said, ...]]
    near: tuple[Term, ...]


def _index(site: Site, kind: str) -> Page:
    path = parts.SITUATIONS if kind == "situations" else parts.TECHNIQUES
    terms = site.taxonomy.situations if kind == "situations" else site.taxonomy.techniques
    intro = {
        "situations": "What the customer in front of you is going through. Pick one for what to say and the tips behind it.",
        "techniques": "What you can do about it. Each technique lists its tips and the phrases they recommend.",
    }[kind]
    return Page(path, md.block(f"# {kind.capitalize()}", intro, term_cards(site, path, terms)))


def term_cards(site: Site, source: str, terms: tuple[Term, ...]) -> str:
    """A grid of cards: label, tip count, description."""
    if not terms:
        return "None defined yet: add them to `content/taxonomy.yml`."
    cards = []
    for term in terms:
        count = md.plural(len(site.tips_for(term)), "tip")
        label = md.link(term.label, source, parts.term_path(site.taxonomy, term))
        cards.append(f"- **{label}** · {count}\n\n    {md.text(term.description)}")
    items = "\n\n".join(cards)
    return f'<div class="grid cards tipkb-cards" markdown>\n\n{items}\n\n</div>'


def _term_pages(site: Site, term: Term, nearby: _Nearby) -> list[Page]:
    base = parts.term_path(site.taxonomy, term)
    tips = md.chunks(site.tips_for(term), parts.TIPS_PER_PAGE)
    said = md.chunks(nearby.said[term.id], parts.PHRASES_PER_PAGE)
    total = max(len(tips), len(said))
    pages = []
    for number in range(1, total + 1):
        path = md.page_path(base, number)
        page_tips = tips[number - 1] if number <= len(tips) else ()
        page_said = said[number - 1] if number <= len(said) else ()
        first = number == 1
        text = md.block(
            _front(site, term, number),
            _heading(term, number, total),
            _intro(site, term) if first else "",
            _phrases(site, path, term, page_said, number, nearby),
            _helpers(site, path, term, described=not said[0]) if first else "",
            _tips(site, path, term, page_tips, number, nearby.near),
            md.pager(path, base, number, total),
            _also(term) if first else "",
        )
        pages.append(Page(path, text))
    return pages


def _front(site: Site, term: Term, number: int) -> str:
    title = term.label if number == 1 else f"{term.label} (page {number})"
    return md.front_matter({}, title=title)


def _heading(term: Term, number: int, total: int) -> str:
    page = f" (page {number} of {total})" if number > 1 else ""
    return f"# {md.text(term.label)}{page}"


def _intro(site: Site, term: Term) -> str:
    count = md.plural(len(site.tips_for(term)), "tip")
    return f"{md.text(term.description)} {count}.\n{{ .tipkb-intro }}"


def _also(term: Term) -> str:
    """The synonyms, last: they are for search, and a reader needs them least."""
    if not term.synonyms:
        return ""
    words = ", ".join(md.text(s) for s in term.synonyms)
    return f"Also called: {words}\n{{ .tipkb-also }}"


def _phrases(
    site: Site, path: str, term: Term, said: Sequence[Said], number: int, nearby: _Nearby
) -> str:
    """The term's own phrases on this page; on a situation's first page, then a few of
    its closest situations', each marked with where it comes from. A situation without
    phrases of its own says so, and where to look instead."""
    is_situation = term.id in site.taxonomy.situation_ids
    if number > 1 or not is_situation:
        return _what_to_say(parts.phrase_list(site, path, said)) if said else ""
    borrowed = _borrowed(site, path, term, nearby)
    own = parts.phrase_list(site, path, said) or _nothing_to_say(site, path, term, borrowed)
    return _what_to_say(own, borrowed)


def _what_to_say(*parts_: str) -> str:
    return md.block("## What to say { #what-to-say }", *parts_)


def _nothing_to_say(site: Site, path: str, term: Term, borrowed: str) -> str:
    """Where to look when no tip gives the words: what to do (the techniques, just below),
    what is said in the closest situations, or, with neither, the phrase book."""
    lead = "No tip gives the words for this yet:"
    to_do = bool(_ranked(site, term))
    if borrowed:
        where = "see what to do below, or" if to_do else "here is"
        return f"{lead} {where} what is said in the closest situations."
    if to_do:
        return f"{lead} see what to do below."
    return f"{lead} try {md.link('the phrase book', path, parts.PHRASES)}."


def _borrowed(site: Site, path: str, term: Term, nearby: _Nearby) -> str:
    """Up to RELATED_PER_SITUATION phrases from each of the RELATED_SITUATIONS closest
    situations that have any this page does not already show."""
    shown = {_key(s) for s in nearby.said[term.id]}
    cards: list[str] = []
    sources = 0
    for other in nearby.near:
        theirs = [s for s in nearby.said[other.id] if _key(s) not in shown]
        theirs = theirs[:RELATED_PER_SITUATION]
        shown.update(map(_key, theirs))
        cards += [_borrowed_card(site, path, s, other) for s in theirs]
        sources += bool(theirs)
        if sources == RELATED_SITUATIONS:
            break
    if not cards:
        return ""
    heading = "### Also useful, from related situations { #also-useful }"
    return md.block(heading, md.html_list(cards, parts.PHRASES_CSS))


def _borrowed_card(site: Site, path: str, said: Said, situation: Term) -> str:
    """A phrase card marked with the situation it belongs to, and its tip."""
    card = parts.phrase_card(site, path, said, with_tip=False)
    source = md.a(situation.label, path, parts.term_path(site.taxonomy, situation))
    tip = md.a(said.tip.title, path, parts.tip_path(said.tip))
    badge = f" {parts.badge(site, said.tip)}".rstrip()
    return f'{card} <span class="tipkb-from">From: {source} · {tip}{badge}</span>'


def _key(said: Said) -> str:
    return " ".join(said.phrase.text.casefold().split())  # as site.model.unique compares


def _ranked(site: Site, term: Term) -> list[tuple[Term, int]]:
    """For a situation, the techniques its tips use, most used first; for a technique,
    the situations."""
    taxonomy = site.taxonomy
    others = taxonomy.techniques if term.id in taxonomy.situation_ids else taxonomy.situations
    counts = Counter(t for tip in site.tips_for(term) for t in set(tip.tags))
    return sorted(((t, counts[t.id]) for t in others if counts[t.id]), key=lambda r: -r[1])


def _helpers(site: Site, path: str, term: Term, *, described: bool) -> str:
    """The techniques that help (or, on a technique's page, the situations it helps
    with) as chips; `described`: for a situation with nothing to say, each technique with
    its one sentence, so the page still says what to do."""
    ranked = _ranked(site, term)
    if not ranked:
        return ""
    taxonomy = site.taxonomy
    is_situation = term.id in taxonomy.situation_ids
    if is_situation and described:
        listing = md.html_list(
            f"{md.a(t.label, path, parts.term_path(taxonomy, t))}: {md.html(t.description)}"
            for t, _ in ranked
        )
    else:
        listing = parts.chip_row([parts.chip(taxonomy, path, t, n) for t, n in ranked])
    title = "Techniques that help" if is_situation else "Situations it helps with"
    anchor = "techniques" if is_situation else "situations"
    return md.block(f"## {title} {{ #{anchor} }}", listing)


def _tips(
    site: Site, path: str, term: Term, tips: Sequence[Tip], number: int, near: tuple[Term, ...]
) -> str:
    """This page's tips; on the first page of a term without any, a situation points to
    the closest situations that have some."""
    if not tips and number > 1:
        return ""
    heading = "## Tips { #tips }"
    if tips:
        return md.block(heading, parts.tip_list(site, path, tips))
    if term.id not in site.taxonomy.situation_ids:
        return md.block(heading, "No tips yet.")
    close = [t for t in near if site.tips_for(t)][:NEAREST]
    if not close:  # nothing in common with any: the list of all is the nearest help
        return md.block(
            heading, f"No tips yet: see {md.link('all situations', path, parts.SITUATIONS)}."
        )
    row = parts.chip_row([parts.chip(site.taxonomy, path, t) for t in close], "Close situations")
    return md.block(heading, "No tips yet.", row)
