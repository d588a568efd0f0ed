"""The words of the tips, for correcting a typed word towards one the site knows.

A search box cannot suggest "cancel" for "cancle" without knowing which words exist;
the site search gets them from here, split into small files by their first two
letters, so a phone fetches only the few a query needs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from generator.model import Taxonomy, Tip
from generator.search.analysis import words

_CORRECTABLE = re.compile(r"[a-z]{3,30}")  # what a typo can be corrected to
PREFIX = 2  # letters that pick a word's file: typos rarely fall on the first two


def vocabulary(tips: Sequence[Tip], taxonomy: Taxonomy) -> Counter[str]:
    """Each word of the tips and the taxonomy, with how many tips (or terms) use it."""
    counts: Counter[str] = Counter()
    for tip in tips:
        counts.update(_correctable([tip.title, tip.summary, tip.body, *_said(tip)]))
    for term in taxonomy.situations + taxonomy.techniques:
        counts.update(_correctable([term.label, term.description, *term.synonyms]))
    return counts


def _said(tip: Tip) -> Iterable[str]:
    return (phrase.text for phrase in tip.phrases)


def _correctable(texts: Iterable[str]) -> set[str]:
    found = set(words(" ".join(texts)))
    return {w for w in found if _CORRECTABLE.fullmatch(w)}


def shards(counts: Counter[str]) -> dict[str, dict[str, int]]:
    """The vocabulary split by each word's first PREFIX letters, words sorted."""
    split: dict[str, dict[str, int]] = {}
    for word in sorted(counts):
        split.setdefault(word[:PREFIX], {})[word] = counts[word]
    return split
