"""What the generator tells the site search, which only it knows.

The index is Pagefind's (generator.site.pagefind), built from a search record per tip
that this module writes: a small HTML document holding the words of the tip a query
can look up (title, phrases, summary, body; no stop words), its situations and
techniques as one made-up word each for their names and for their descriptions
(generator.site.term_search: "yelling" finds the tips for upset customers, "made an
error" those of the situation so described), those terms as filters, and what a result
shows, as written (date, summary, phrases).
The records are made from the same tips as the pages, so the index is the same for
either engine, and Pagefind reads a tenth of the bytes a rendered page has.

For the search page it writes:

- the page itself, `search/?q=…`, a deep link the intranet's own search box can use;
- `search/answers.json`: the situations, how a query names each (inflection keys, as
  `tipkb search` matches them), its top phrases for the answer card, and the stop words;
- `search/words/<ab>.json`, by their first two letters, which a query fetches for its
  own words only: the tips' words (`uses`: how many tips use each), which the page
  corrects a typed word towards, and by inflection key, the tokens of the terms a word
  is in (`terms`), and those keys no tip has (`absent`).
"""

from __future__ import annotations

import json
import posixpath
import shutil
from pathlib import Path

from generator.cache import Cache, text_key
from generator.content.safety import plain_text
from generator.model import Term, Tip
from generator.search.analysis import STOP_WORDS, naming_patterns, significant_words
from generator.search.vocabulary import shards, taxonomy_words, vocabulary
from generator.site import markdown as md
from generator.site import parts
from generator.site.model import Page, Site
from generator.site.term_search import TermTokens, expansions, record_tokens, term_tokens

SEARCH = "search/index.md"
ANSWERS = "search/answers.json"
WORDS = "search/words/{}.json"

RECORD_WEIGHTS = {"phrases": 3, "summary": 2, "names": 3}  # Pagefind's: body 1, title 7
SUMMARY_WORDS = 30  # the line under a result when its tip has no phrase
META_PHRASES = 4  # phrases a result can show, the best match picked by the page
ANSWER_PHRASES = 3


def search_records(site: Site, cache_file: Path | None = None) -> list[Page]:
    """A search record per tip, at the path of its page's HTML (tips/<slug>/index.html),
    which Pagefind turns into the page's URL. The searched words of each body are kept
    between builds (`cache_file`) by the rendered body's digest: reading them out again
    was half of a rebuild's pages stage."""
    cache = Cache.open(cache_file)
    bodies = [site.body(tip) for tip in site.tips]
    keys = [text_key("searched", body) for body in bodies]
    words, _ = cache.fetch_all(keys, bodies, lambda todo: [_searched(plain_text(b)) for b in todo])
    cache.save()
    tokens = term_tokens(site.taxonomy)
    return [
        Page(f"tips/{tip.slug}/index.html", _record(site, tip, body, tokens))
        for tip, body in zip(site.tips, words, strict=True)
    ]


def _record(site: Site, tip: Tip, body: str, tokens: dict[str, TermTokens]) -> str:
    """`body`: the searched words of the tip's body, escaped. Its terms stand as their
    tokens (generator.site.term_search), weighted as their words were."""
    terms = parts.terms_of(site.taxonomy, tip.tags)
    names, descriptions = record_tokens(tokens, terms)
    phrases = " ".join(p.text for p in tip.phrases)
    weight = RECORD_WEIGHTS
    return (
        f'<!doctype html>\n<html lang="en"><head><title>{md.html(tip.title)}</title></head><body>\n'
        f"<h1>{md.html(tip.title)}</h1>\n"
        f'<p data-pagefind-weight="{weight["phrases"]}">{_searched(phrases)}</p>\n'
        f'<p data-pagefind-weight="{weight["summary"]}">{_searched(tip.summary)}</p>\n'
        f"<p>{body}</p>\n"
        f'<p data-pagefind-weight="{weight["names"]}">{names}</p>\n'
        f"<p>{descriptions}</p>\n"
        f"<div data-pagefind-ignore>{_filters(site, terms)}{_meta(site, tip)}</div>\n"
        "</body></html>\n"
    )


def _searched(text: str) -> str:
    """The words of a text the search page can look up: not stop words or one-letter
    words, which it drops from every query (and results show the title and meta, not
    Pagefind's excerpt). Pagefind's time and memory go by the words it indexes: these
    were half of them."""
    return md.html(" ".join(significant_words(text)))


def _filters(site: Site, terms: list[Term]) -> str:
    kinds = ("situation" if t.id in site.taxonomy.situation_ids else "technique" for t in terms)
    return "".join(
        f'<span data-pagefind-filter="{kind}">{md.html(term.label)}</span>'
        for kind, term in zip(kinds, terms, strict=True)
    )


def _meta(site: Site, tip: Tip) -> str:
    meta = [("summary", _summary(site, tip))]
    meta += [(f"phrase{i}", p.text) for i, p in enumerate(tip.phrases[:META_PHRASES], 1)]
    meta += [("date", md.long_date(tip.date))] if tip.date else []
    meta += [("teaser", "Teaser")] if tip.kind == "excerpt" else []
    return "".join(f'<span data-pagefind-meta="{k}">{md.html(v)}</span>' for k, v in meta if v)


def _summary(site: Site, tip: Tip) -> str:
    if tip.summary:
        return tip.summary
    words = plain_text(site.body(tip)).split()
    return " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")


def search_pages(site: Site) -> list[Page]:
    """The search page, which the engine renders."""
    return [Page(SEARCH, _search_page())]


def search_data(site: Site, words_cache: Path | None = None) -> list[Page]:
    """The data files the search page's script reads (docs-relative paths); they are put
    into the rendered site beside the index (install_data), not given to the engine,
    which would take a change of any of them for a change of every page's theme.
    `words_cache` keeps each tip's words between builds."""
    pages = [Page(ANSWERS, _json(_answers(site)))]
    counts = vocabulary(site.tips, site.taxonomy, words_cache)
    found = expansions(site, counts, counts - taxonomy_words(site.taxonomy))
    uses, terms = shards(counts), shards(found.tokens)
    for prefix in sorted(uses.keys() | terms.keys()):
        expanded = terms.get(prefix, {})
        absent = sorted(found.absent.intersection(expanded))
        data = {"uses": uses.get(prefix, {}), "terms": expanded, "absent": absent}
        pages.append(Page(WORDS.format(prefix), _json(data)))
    return pages


def install_data(data_dir: Path, site_dir: Path) -> int:
    """Copy the data files written to `data_dir` into the rendered site; how many. Files
    already there are removed first, not written into: a site brought up to date may share
    them as hard links with the published one."""
    shutil.rmtree(site_dir / posixpath.dirname(WORDS), ignore_errors=True)
    copied = 0
    for source in sorted(data_dir.rglob("*")):
        if source.is_file():
            target = site_dir / source.relative_to(data_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            shutil.copyfile(source, target)
            copied += 1
    return copied


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
    return md.block(md.front_matter({"title": "Search"}), "# Search", md.raw(form), md.raw(results))


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
