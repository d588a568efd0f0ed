"""Related tips: for each tip, the others sharing the most of its situations and
techniques, ties broken and short lists filled up by text similarity, the rare words
two tips' `Signatures` (each tip's heaviest words, worked out by the index update)
have in common; tag overlaps are counted on bitsets and similarity through an inverted
map of rare words, so the work grows near-linearly with the number of tips.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from operator import itemgetter
from pathlib import Path

from generator.cache import Cache, digest
from generator.model import Tip

Signatures = dict[str, frozenset[str]]  # slug → a tip's heaviest words, for related tips

MIN_RELATED = 3
NEIGHBOURS = 30  # most similar tips remembered per tip
RARE_WORDS = 10  # signature words per tip used to find similar tips...
RARE_SHARE = 0.01  # ...each found in at most this share of the tips...
RARE_MIN = 50  # ...or this many, in a small collection


def related_tips(
    tips: Sequence[Tip], signatures: Signatures, *, k: int = 5
) -> dict[str, tuple[str, ...]]:
    """For each tip, up to k others: those sharing the most situations and techniques
    first; among equal sharers, the most similar in text, then by slug. A tip with
    fewer than MIN_RELATED such tips is filled up with the most similar ones.

    Text similarity counts the rare words two tips' signatures share (each
    tip's heaviest words, from `plan_index`). Near-linear in the number of
    tips: tag overlaps are counted on bitsets, similarity through an
    inverted map of rare words.
    """
    ordered = sorted(tips, key=lambda t: t.slug)
    slugs = [t.slug for t in ordered]
    near = _neighbours([signatures.get(slug, frozenset()) for slug in slugs])
    sharing = _TagSets([t.tags for t in ordered])
    related = {}
    for i, slug in enumerate(slugs):
        chosen = sharing.best(i, near[i], k)
        chosen += [j for j in near[i] if j not in chosen][: max(0, MIN_RELATED - len(chosen))]
        related[slug] = tuple(slugs[j] for j in chosen)
    return {t.slug: related[t.slug] for t in tips}


def kept_related_tips(
    tips: Sequence[Tip], signatures: Signatures, cache_file: Path | None, *, k: int = 5
) -> dict[str, tuple[str, ...]]:
    """related_tips, kept between builds (`cache_file`) while the tips, their tags and
    their signatures stay the same: a build with nothing changed (the daily publication,
    most days) spent 1.9 s on them at 10,000 tips."""
    inputs = [(t.slug, t.tags, sorted(signatures.get(t.slug, ()))) for t in tips]
    cache = Cache.open(cache_file)
    related: dict[str, tuple[str, ...]] = cache.fetch(
        ("related", str(k), digest(inputs)), lambda: related_tips(tips, signatures, k=k)
    )
    cache.save()
    return related


def _neighbours(words: list[frozenset[str]]) -> list[list[int]]:
    """For each tip (by position), the NEIGHBOURS tips sharing most of its rarest words."""
    df = Counter(chain.from_iterable(words))
    cap = max(RARE_MIN, RARE_SHARE * len(words))
    having: dict[str, list[int]] = {}
    for i, ws in enumerate(words):
        for word in ws:
            if 1 < df[word] <= cap:
                having.setdefault(word, []).append(i)
    near = []
    for i, ws in enumerate(words):
        rare = sorted((df[w], w) for w in ws if w in having)[:RARE_WORDS]
        shared = Counter(chain.from_iterable(having[w] for _, w in rare))
        shared.pop(i, None)
        ranked = sorted(shared.items())  # by position, i.e. slug...
        ranked.sort(key=itemgetter(1), reverse=True)  # ...within equal counts (stable)
        near.append([j for j, _ in ranked[:NEIGHBOURS]])
    return near


class _TagSets:
    """Which tips carry each tag, as bitsets over tip positions, to count shared tags fast."""

    def __init__(self, tags: list[tuple[str, ...]]) -> None:
        self.tags = [frozenset(t) for t in tags]
        positions: dict[str, list[int]] = {}
        for i, ts in enumerate(self.tags):
            for tag in ts:
                positions.setdefault(tag, []).append(i)
        self.masks = {tag: sum(1 << i for i in ps) for tag, ps in positions.items()}
        self.everyone = (1 << len(tags)) - 1

    def best(self, i: int, preferred: list[int], k: int) -> list[int]:
        """Up to k tips sharing most tags with tip i; ties: preferred order, then position."""
        chosen: list[int] = []
        for level in self._levels(i):
            wanted = k - len(chosen)
            if wanted <= 0:
                break
            first = [j for j in preferred if level >> j & 1][:wanted]
            chosen += first
            for j in first:
                level &= ~(1 << j)
            chosen += _lowest_bits(level, k - len(chosen))
        return chosen

    def _levels(self, i: int) -> Iterable[int]:
        """Bitsets of the tips sharing exactly n of tip i's tags, n from most to 1.

        The per-tip counts are summed in binary, one bitset per bit of the
        count (a bit-sliced adder), so each step is a few big-integer operations.
        """
        planes: list[int] = []
        for tag in self.tags[i]:
            carry = self.masks[tag]
            for p, plane in enumerate(planes):
                planes[p], carry = plane ^ carry, plane & carry
            if carry:
                planes.append(carry)
        others = self.everyone & ~(1 << i)
        for n in range(len(self.tags[i]), 0, -1):
            level = others
            for p, plane in enumerate(planes):
                level &= plane if n >> p & 1 else ~plane
            if level and n < 1 << len(planes):
                yield level


def _lowest_bits(mask: int, n: int) -> list[int]:
    out = []
    while mask and len(out) < n:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out
