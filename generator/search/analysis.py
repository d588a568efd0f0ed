"""Text into index terms, the same for the index and for queries: words are found,
lower-cased, stripped of stop words and one-letter words, and Porter-stemmed
(cached), so a word typed in a query meets the form it was indexed under; `word_weights`
counts a tip's words by the weight of the part they stand in (title, phrases, summary,
term labels, body), and `_concepts` turns the taxonomy's situations and techniques into
the inflection keys and stems by which a query names them. The stemmer is whoosh's
standalone Porter function (``whoosh.lang.porter``), the one whoosh import outside the
index module; the tagging rules (generator.content.rules) stem with Porter2 on their own
and share nothing with it.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse

from whoosh.lang.porter import stem as _porter

from generator.model import Taxonomy, Term

# Weight of each part of a tip in the `text` field (per occurrence of a word).
WEIGHTS = {"title": 4.0, "phrases": 2.0, "summary": 2.0, "terms": 1.5, "body": 1.0}


# Function words and staff-query filler (contractions typed without the apostrophe,
# "someone", "thing", "way"): dropped from index and queries alike. In a few dozen tips
# such a word is in two or three of them by chance, and would rank them up.
_STOP_WORDS = """a about above after again against all also am an and any are aren as at be because
    been before being below between both but by can could couldn did didn do does doesn doing
    don down during each even ever few for from further get gets getting got had hadn has hasn
    have haven having he her here hers herself him himself his how i if in into is isn it its
    itself just let ll me more most my myself no nor not of off on once only or other our ours
    ourselves out over own re really same she should shouldn so some such than that the their
    theirs them themselves then there these they this those through to too under until up us
    ve very was wasn we were weren what when where which while who whom why will with won would
    wouldn you your yours yourself yourselves
    arent cant couldnt didnt doesnt dont hadnt hasnt havent im isnt ive shouldnt wasnt werent
    wont wouldnt youre
    anybody anyone anything everybody everyone everything somebody someone something
    guy guys lot lots ok okay stuff thing things way ways"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_SKIPPED = STOP_WORDS | set(string.ascii_lowercase + string.digits)  # and one-letter words
_TOKEN = re.compile(r"\w+")
_CORRECTABLE = re.compile(r"(?<!\w)[a-z]{3,30}(?!\w)")  # a whole token of plain letters


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _porter(word)


def significant_words(text: str) -> list[str]:
    """Lower-cased words of a text, stop words and one-letter words dropped."""
    return [w for w in _TOKEN.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


def stems(text: str) -> list[str]:
    """The indexed form of every word of a text, in order."""
    return list(map(_stem, significant_words(text)))


def word_weights(parts: Iterable[tuple[float, str]]) -> Counter[str]:
    """Weighted occurrences of each indexed word in (weight, text) parts.

    Built from C-speed pieces (findall, map over a cached stemmer, Counter):
    whoosh's own analyser chain costs microseconds per word. The first part
    should be the longest: it is counted without a Python loop.
    """
    weights: Counter[str] = Counter()
    for weight, text in parts:
        words = filterfalse(_SKIPPED.__contains__, _TOKEN.findall(text.lower()))
        counted = Counter(map(_stem, words))
        if not weights and weight == 1:
            weights.update(counted)  # into an empty Counter: a plain dict update
            continue
        for word, n in counted.items():
            weights[word] += n * weight
    return weights


@dataclass(frozen=True)
class _Concept:
    """A situation or technique as search sees it."""

    term: Term
    field: str  # "situations" or "techniques"
    patterns: tuple[tuple[str, ...], ...]  # label and synonyms, as `_inflection_key`s
    words: tuple[str, ...]  # indexed forms of its one-word names, for snippet highlights
    names: tuple[tuple[str, ...], ...]  # indexed forms of each name's words, to find in titles


_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


@lru_cache(maxsize=50_000)
def _inflection_key(word: str) -> str:
    """A word without its inflection: "yelling", "yelled", "yells" → "yell".

    Naming a term is matched on this, not on the index's Porter stems, which
    merge too much for the purpose ("customize" and "customer" are both "custom").
    """
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("eed"):
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # shopp(ing) → shop
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _words(text: str) -> tuple[str, ...]:
    """Every word, lower-cased, stop words kept: "no idea" must not shrink to "idea"."""
    return tuple(_TOKEN.findall(text.lower()))


@lru_cache(maxsize=16)
def _concepts(taxonomy: Taxonomy) -> tuple[_Concept, ...]:
    """The taxonomy prepared for matching queries; cached, taxonomies are immutable."""
    out = []
    for name, terms in (("situations", taxonomy.situations), ("techniques", taxonomy.techniques)):
        for term in terms:
            names = [_words(n) for n in (term.label, *term.synonyms)]
            # A one-word name that is a stop word ("no", "down") would match almost any
            # query; a longer one ("been down") is telling enough.
            names = [n for n in names if len(n) > 1 or (n and n[0] not in STOP_WORDS)]
            patterns = {tuple(map(_inflection_key, n)) for n in names}
            words = {_stem(n[0]) for n in names if len(n) == 1}
            indexed = {tuple(stems(" ".join(n))) for n in names} - {()}
            out.append(
                _Concept(
                    term,
                    name,
                    tuple(sorted(patterns)),
                    tuple(sorted(words)),
                    tuple(sorted(indexed)),
                )
            )
    return tuple(out)


def correctable_words(text: str) -> set[str]:
    """The distinct words of a text that a typed word can be corrected towards: words as
    the search reads them (lower-cased, stop words dropped), of 3 to 30 plain letters."""
    return set(_CORRECTABLE.findall(text.lower())).difference(STOP_WORDS)


def naming_patterns(taxonomy: Taxonomy) -> dict[str, tuple[tuple[str, ...], ...]]:
    """How a query names each term, by id: its label's and synonyms' words as inflection
    keys (stop words kept), as `tipkb search` matches them; the site search does the same."""
    return {concept.term.id: concept.patterns for concept in _concepts(taxonomy)}


def inflection_key(word: str) -> str:
    """A word without its inflection ("yelling" → "yell"): see `_inflection_key`."""
    return _inflection_key(word)
