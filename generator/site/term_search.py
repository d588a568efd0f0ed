"""A tip's situations and techniques in the site search, as one word per term.

A query word found in the names (label, synonyms) or the description of a tip's term
finds the tip ("yelling" finds the tips for upset customers). The records used to hold
those words themselves, a third of every record, and Pagefind's time and memory go by
the words it indexes. Each record now holds one made-up word per term instead, a *token*
for its names and one for its description, and the search page looks a query word up
here (in the word files it already fetches, by the word's inflection key) to search the
tokens of the terms it is in.

A token weighs what the word weighed in the record: the same weight (names 3,
description 1), and a factor for the difference in rarity (BM25's IDF, as Pagefind
ranks): "customer", in nearly every tip, added little to a tip for naming its terms,
while each term's token is rare. The page takes the best of a word's tokens (a record
held each word once, however many of its terms had it) and adds it to the word's own
score as BM25 saturates a word's occurrences (searchWord in theme/assets/tipkb-search.js).
Words are matched as Pagefind matches them, on their Snowball stems.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from whoosh.lang.snowball.english import EnglishStemmer

from generator.model import Taxonomy, Term
from generator.search.analysis import inflection_key, significant_words
from generator.site import parts
from generator.site.model import Site

TOKEN_PREFIX = "zz"  # no word begins so; the page never looks up its start as typed
LEAST_FACTOR = 0.05  # a token scoring less than this adds nothing a query could notice
_LOOKED_UP = re.compile(r"[a-z]{2,30}")  # the words the search page looks up here


@dataclass(frozen=True)
class TermTokens:
    """A term's two words in the records: for its names, and for its description."""

    names: str
    description: str


def term_tokens(taxonomy: Taxonomy) -> dict[str, TermTokens]:
    """Each term's tokens, by id: letters and digits of one fixed width, so no token is
    the start of another (Pagefind also matches the words a query word begins)."""
    terms = taxonomy.situations + taxonomy.techniques
    width = max(2, len(str(len(terms) - 1)))
    return {
        term.id: TermTokens(f"{TOKEN_PREFIX}n{n:0{width}d}", f"{TOKEN_PREFIX}d{n:0{width}d}")
        for n, term in enumerate(terms)
    }


def term_words(taxonomy: Taxonomy, term: Term) -> tuple[list[str], list[str]]:
    """The words a query can look up of a term's names, and of its description."""
    names = significant_words(" ".join(parts.keywords(taxonomy, (term.id,))))
    return names, significant_words(term.description)


@dataclass(frozen=True)
class Expansions:
    """What the search page searches for a query word besides the word itself."""

    # By a word's inflection key (as the page reads a typed word): {token: factor}.
    tokens: dict[str, dict[str, float]]
    absent: frozenset[str]  # keys of words of the terms only, whose tokens only are searched


def expansions(site: Site, vocabulary: Mapping[str, int], in_tips: Mapping[str, int]) -> Expansions:
    """For each word of `vocabulary` (and of the terms), the tokens of the terms whose
    names or description hold a word of its stem, each with its factor.
    `vocabulary`: the words of the tips and of the whole taxonomy, which the page
    corrects a typed word towards, so the words it may look up ("busy", in a term no tip
    has, finds the tips of "business" by its stem); `in_tips`: how many tips use each."""
    by_stem: defaultdict[str, list[tuple[str, Term]]] = defaultdict(list)
    looked_up: set[str] = set(vocabulary)
    tokens = term_tokens(site.taxonomy)
    for term in site.taxonomy.situations + site.taxonomy.techniques:
        if not site.tips_for(term):
            continue  # no record holds its tokens
        names, description = term_words(site.taxonomy, term)
        for token, words in (
            (tokens[term.id].names, names),
            (tokens[term.id].description, description),
        ):
            looked_up.update(words)
            for stem in dict.fromkeys(map(_stem, words)):
                by_stem[stem].append((token, term))
    uses = _stem_uses(in_tips)
    factors = {stem: _factors(site, pairs, uses.get(stem, 0)) for stem, pairs in by_stem.items()}
    found: dict[str, dict[str, float]] = {}
    tipped: set[str] = set()
    for word in sorted(w for w in looked_up if _LOOKED_UP.fullmatch(w)):
        key = inflection_key(word)
        for token, factor in factors.get(_stem(word), {}).items():
            known = found.setdefault(key, {})
            known[token] = max(factor, known.get(token, 0))
        if in_tips.get(word):
            tipped.add(key)
    return Expansions(found, frozenset(found.keys() - tipped))


def _factors(site: Site, pairs: list[tuple[str, Term]], uses: int) -> dict[str, float]:
    """Each token's factor: the rarity the word had in the records over the token's.
    The word was in the tips that use it and in those tagged with a term holding it."""
    tips = len(site.tips)
    tagged = {tip.slug for _, term in pairs for tip in site.tips_for(term)}
    word_idf = _idf(min(tips, max(uses, len(tagged))), tips)
    factors = {}
    for token, term in pairs:
        factor = round(word_idf / _idf(len(site.tips_for(term)), tips), 2)
        if factor >= LEAST_FACTOR:
            factors[token] = factor
    return factors


def _idf(having: int, among: int) -> float:
    return math.log(1 + (among - having + 0.5) / (having + 0.5))


def _stem_uses(in_tips: Mapping[str, int]) -> dict[str, int]:
    """How many tips use a stem, at least: its most used word's count."""
    uses: Counter[str] = Counter()
    for word, count in in_tips.items():
        stem = _stem(word)
        uses[stem] = max(uses[stem], count)
    return dict(uses)


_STEMMER = EnglishStemmer()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A word's stem as Pagefind's index has it (Snowball English)."""
    return str(_STEMMER.stem(word))


def record_tokens(tokens: Mapping[str, TermTokens], terms: Iterable[Term]) -> tuple[str, str]:
    """The tokens of a tip's terms (`tokens`: term_tokens()), for their names and for
    their descriptions."""
    chosen = [tokens[t.id] for t in terms]
    return " ".join(t.names for t in chosen), " ".join(t.description for t in chosen)
