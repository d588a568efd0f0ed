"""Situation and technique pages, and the two index pages listing them.

A term page opens with what to say, then what to do, then its tips; its long
listings are paginated, so no page grows without bound. Term pages are no results
of the site search: a query naming a situation gets its answer card instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from generator.model import Term, Tip
from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Said, Site


def term_pages(site: Site) -> list[Page]:
    pages = [_index(site, "situations"), _index(site, "techniques")]
    for term in site.taxonomy.situations + site.taxonomy.techniques:
        pages += _term_pages(site, term)
    return pages


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


def _term_pages(site: Site, term: Term) -> list[Page]:
    base = parts.term_path(site.taxonomy, term)
    tips = md.chunks(site.tips_for(term), parts.TIPS_PER_PAGE)
    said = md.chunks(site.phrases_for(term), parts.PHRASES_PER_PAGE)
    total = max(len(tips), len(said))
    pages = []
    for number in range(1, total + 1):
        path = md.page_path(base, number)
        page_tips = tips[number - 1] if number <= len(tips) else ()
        page_said = said[number - 1] if number <= len(said) else ()
        text = md.block(
            _front(site, term, number),
            _heading(term, number, total),
            _intro(site, term) if number == 1 else "",
            _phrases(site, path, term, page_said) or _nothing_to_say(site, path, term, number),
            _helpers(site, path, term) if number == 1 else "",
            _tips(site, path, term, page_tips, number),
            md.pager(path, base, number, total),
            _also(term) if number == 1 else "",
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


def _nothing_to_say(site: Site, path: str, term: Term, number: int) -> str:
    """A situation no tip gives words for: say so, and point to the nearest that have them."""
    if number > 1 or term.id not in site.taxonomy.situation_ids:
        return ""
    near = _nearest_with_phrases(site, term)
    row = parts.chip_row([parts.chip(site.taxonomy, path, t) for t in near], "Close situations")
    return md.block(
        "## What to say { #what-to-say }",
        "No tip gives the words for this yet: use the techniques below"
        + (", or the phrases of a close situation." if near else "."),
        row if near else "",
    )


NEAREST = 3


def _nearest_with_phrases(site: Site, term: Term) -> list[Term]:
    """Situations with phrases that share the most techniques with this one's tips."""
    mine = {t for tip in site.tips_for(term) for t in tip.techniques}
    scored = []
    for other in site.taxonomy.situations:
        if other.id == term.id or not site.phrases_for(other):
            continue
        theirs = {t for tip in site.tips_for(other) for t in tip.techniques}
        scored.append((-len(mine & theirs), -len(site.tips_for(other)), other.id, other))
    return [other for *_, other in sorted(scored)[:NEAREST]]


def _phrases(site: Site, path: str, term: Term, said: Sequence[Said]) -> str:
    if not said:
        return ""
    heading = "## What to say { #what-to-say }"
    return md.block(heading, parts.phrase_list(site, path, said))


def _helpers(site: Site, path: str, term: Term) -> str:
    """For a situation, the techniques its tips use most; for a technique, the situations."""
    taxonomy = site.taxonomy
    is_situation = term.id in taxonomy.situation_ids
    others = taxonomy.techniques if is_situation else taxonomy.situations
    counts = Counter(t for tip in site.tips_for(term) for t in set(tip.tags))
    ranked = sorted((t for t in others if counts[t.id]), key=lambda t: -counts[t.id])
    if not ranked:
        return ""
    title = "Techniques that help" if is_situation else "Situations it helps with"
    row = parts.chip_row([parts.chip(taxonomy, path, t, counts[t.id]) for t in ranked])
    anchor = "techniques" if is_situation else "situations"
    return md.block(f"## {title} {{ #{anchor} }}", row)


def _tips(site: Site, path: str, term: Term, tips: Sequence[Tip], number: int) -> str:
    if not tips and number > 1:
        return ""
    return md.block("## Tips { #tips }", parts.tip_list(site, path, tips))
