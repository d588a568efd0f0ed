"""What the generator tells the site search, which only it knows.

The index is built by Pagefind over the rendered tip pages (generator.site.pagefind);
this module writes what Pagefind reads from them and what the search page needs:

- on each tip page, a hidden block: the labels and synonyms of the tip's situations
  and techniques (weighted like its phrases, so "yelling" finds the tips for upset
  customers) and their descriptions, which bridge staff wording to a situation
  ("made an error"); and the result's metadata: summary, date, phrases to say;
- the search page, `search/?q=…`, a deep link the intranet's own search box can use;
- `search/answers.json`: the situations, how a query names each (stemmed as `tipkb
  search` does), its top phrases, and the stop words, for the answer card;
- `search/words/<ab>.json`: the tips' words by their first two letters, which the page
  corrects a typed word towards; a query fetches only the files of its own words.

The pages' own chips and phrase cards carry the filter and weight attributes
(generator.site.tip); everything of a tip page that is navigation is marked ignored.
"""

from __future__ import annotations

import json

from generator.content.safety import plain_text
from generator.model import Tip
from generator.search.analysis import STOP_WORDS, naming_patterns
from generator.search.vocabulary import shards, vocabulary
from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Site

SEARCH = "search/index.md"
ANSWERS = "search/answers.json"
WORDS = "search/words/{}.json"

IGNORED = " data-pagefind-ignore"  # navigation on a tip page: no words of the tip
PHRASE_WEIGHT = 3  # Pagefind's scale: body text 1, the title (h1) 7
NAME_WEIGHT = 3
DESCRIPTION_WEIGHT = 1
SUMMARY_WORDS = 30  # the line under a result when its tip has no phrase
META_PHRASES = 4  # phrases a result can show, the best match picked by the page
ANSWER_PHRASES = 3


def tip_search_data(site: Site, tip: Tip) -> str:
    """The hidden block of a tip page that only the site search reads."""
    terms = parts.terms_of(site.taxonomy, tip.tags)
    names = " ".join(parts.keywords(site.taxonomy, tip.tags))
    descriptions = " ".join(term.description for term in terms)
    meta = [("summary", _summary(site, tip))]
    meta += [(f"phrase{i}", p.text) for i, p in enumerate(tip.phrases[:META_PHRASES], 1)]
    meta += [("date", md.long_date(tip.date))] if tip.date else []
    meta += [("teaser", "Teaser")] if tip.kind == "excerpt" else []
    spans = "".join(f'<span data-pagefind-meta="{k}">{md.html(v)}</span>' for k, v in meta if v)
    return (
        '<div class="tipkb-search-data" hidden>\n'
        f'<div data-pagefind-weight="{NAME_WEIGHT}">{md.html(names)}</div>\n'
        f'<div data-pagefind-weight="{DESCRIPTION_WEIGHT}">{md.html(descriptions)}</div>\n'
        f"<div{IGNORED}>{spans}</div>\n"
        "</div>"
    )


def _summary(site: Site, tip: Tip) -> str:
    if tip.summary:
        return tip.summary
    rendered = site.bodies.get(tip.slug)
    text = plain_text(rendered) if rendered is not None else tip.body
    words = text.split()
    return " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")


def search_pages(site: Site) -> list[Page]:
    """The search page and the data files its script reads."""
    pages = [Page(SEARCH, _search_page()), Page(ANSWERS, _json(_answers(site)))]
    for prefix, words in shards(vocabulary(site.tips, site.taxonomy)).items():
        pages.append(Page(WORDS.format(prefix), _json(words)))
    return pages


def _search_page() -> str:
    form = (
        '<form class="tipkb-search-form" role="search" action="./">\n'
        '<label for="tipkb-query">What is happening? Say it in your own words.</label>\n'
        '<input id="tipkb-query" name="q" type="search" autocomplete="off" '
        'enterkeyhint="search" placeholder="e.g. customer is yelling at me">\n'
        '<button type="submit" class="md-button md-button--primary">Search</button>\n'
        "</form>"
    )
    results = (
        '<div id="tipkb-results" class="tipkb-results" data-query="" aria-live="polite">\n'
        "<noscript><p>Searching needs JavaScript. Pick what you are dealing with on the "
        '<a href="../situations/">situations page</a> instead.</p></noscript>\n'
        "</div>"
    )
    return md.block(md.front_matter({"title": "Search"}), "# Search", form, results)


def _answers(site: Site) -> dict[str, object]:
    names = naming_patterns(site.taxonomy)
    situations = []
    for term in site.taxonomy.situations:
        tips = site.tips_for(term)
        if not tips:
            continue  # an empty situation is no answer (it has no page worth opening)
        said = site.phrases_for(term)[:ANSWER_PHRASES]
        situations.append(
            {
                "id": term.id,
                "label": term.label,
                "description": term.description,
                "url": md.url(parts.HOME, parts.term_path(site.taxonomy, term)),
                "tips": len(tips),
                "names": [list(n) for n in names.get(term.id, ())],
                "phrases": [s.phrase.text for s in said],
            }
        )
    return {"stop": sorted(STOP_WORDS), "situations": situations}


def _json(value: object) -> str:
    """Compact JSON; data for the page's script, never HTML (it is set as text)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
