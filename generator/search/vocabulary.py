"""The words of the tips, for correcting a typed word towards one the site knows.

A search box cannot suggest "cancel" for "cancle" without knowing which words exist;
the site search gets them from here, split into small files by their first two
letters, so a phone fetches only the few a query needs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from generator.cache import Cache, text_key
from generator.model import Taxonomy, Tip
from generator.search.analysis import correctable_words

T = TypeVar("T")
PREFIX = 2  # letters that pick a word's file: typos rarely fall on the first two


def vocabulary(
    tips: Sequence[Tip], taxonomy: Taxonomy, cache_file: Path | None = None
) -> Counter[str]:
    """Each word of the tips and the taxonomy, with how many tips (or terms) use it.
    Each tip's words are kept between builds (`cache_file`) by its text's digest: reading
    them out of every tip again was a third of the preview's pages stage."""
    cache = Cache.open(cache_file)
    texts = [" ".join([tip.title, tip.summary, tip.body, *_said(tip)]) for tip in tips]
    keys = [text_key("words", text) for text in texts]
    found, _ = cache.fetch_all(keys, texts, lambda todo: [_correctable(t) for t in todo])
    cache.save()
    counts: Counter[str] = Counter()
    for words in found:
        counts.update(words)
    counts.update(taxonomy_words(taxonomy))
    return counts


def taxonomy_words(taxonomy: Taxonomy) -> Counter[str]:
    """Each word of the taxonomy, with how many terms use it."""
    counts: Counter[str] = Counter()
    for term in taxonomy.situations + taxonomy.techniques:
        counts.update(_correctable(" ".join([term.label, term.description, *term.synonyms])))
    return counts


def _said(tip: Tip) -> Iterable[str]:
    return (phrase.text for phrase in tip.phrases)


def _correctable(text: str) -> frozenset[str]:
    return frozenset(correctable_words(text))


def shards(by_word: Mapping[str, T]) -> dict[str, dict[str, T]]:
    """What is known of each word, split by the word's first PREFIX letters, words sorted."""
    split: dict[str, dict[str, T]] = {}
    for word in sorted(by_word):
        split.setdefault(word[:PREFIX], {})[word] = by_word[word]
    return split
