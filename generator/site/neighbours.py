"""Which situations are close to one another: where a situation page sends a reader
for more to say, or for tips, when its own are few or none.

Two situations are close when the same tips are about both: tagged with both, or one's
tip giving words for the other (a tip on a known issue says what to say with the bad
news). That is measured as the cosine of their situation profiles, leaving out the
broad situations a tip touches in passing: two situations are not close because upset
customers turn up in the tips of each. Or they are close when they share synonyms
("delay" is both a long wait and bad news), which is what relates a situation nobody
has written for yet. Techniques their tips share only break ties: most situations
share "empathy", which makes none of them related.
"""

from __future__ import annotations

import math
from collections import Counter

from generator.model import Term
from generator.site.model import Site


def neighbours(site: Site) -> dict[str, tuple[Term, ...]]:
    """Each situation's id → the other situations it has anything in common with,
    closest first (ties in taxonomy order)."""
    situations = site.taxonomy.situations
    shared, used = _profiles(site)
    synonyms = {term.id: _synonyms(term) for term in situations}
    near = {}
    for term in situations:
        scored = []
        for order, other in enumerate(situations):
            tips = _cosine(shared[term.id], shared[other.id])
            words = len(synonyms[term.id] & synonyms[other.id])
            if other.id != term.id and (tips or words):
                techniques = _cosine(used[term.id], used[other.id])
                scored.append((-tips, -words, -techniques, order, other))
        near[term.id] = tuple(other for *_, other in sorted(scored))
    return near


def _profiles(site: Site) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """For each situation, how many of its tips are about each situation (its own
    included), by their tags or by what their phrases fit, broad situations left out but
    itself; and how many use each technique. One pass over the tips."""
    broad = frozenset(t.id for t in site.taxonomy.situations if t.broad)
    shared: dict[str, Counter[str]] = {t.id: Counter() for t in site.taxonomy.situations}
    used: dict[str, Counter[str]] = {t.id: Counter() for t in site.taxonomy.situations}
    for tip in site.tips:
        about = {*tip.situations, *(s for phrase in tip.phrases for s in phrase.fits)}
        specific = about - broad
        techniques = set(tip.techniques)
        for situation in set(tip.situations) & shared.keys():
            shared[situation].update(specific | {situation})
            used[situation].update(techniques)
    return shared, used


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[tag] for tag, count in a.items())
    return dot / math.sqrt(sum(c * c for c in a.values()) * sum(c * c for c in b.values()))


def _synonyms(term: Term) -> frozenset[str]:
    return frozenset(" ".join(s.casefold().split()) for s in term.synonyms)
