"""Remember tagging results between builds, so a rebuild with nothing changed tags nothing.

A tip's entry is keyed by a fingerprint of what tagging reads: its text and
tags, and the taxonomy; the cache as a whole by the package's code (see
generator.cache). A change to any of them re-tags exactly the tips it can affect.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .cache import Cache, digest, text_digest
from .model import Phrase, Taxonomy, Tip
from .tagger import tag_tip

# What tagging adds to a tip: its situations, techniques, auto_tags and phrases.
_Result = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[Phrase, ...]]


def _key(tip: Tip, taxonomy_digest: str) -> tuple[str, ...]:
    phrases = tuple((p.text, p.situations, p.auto) for p in tip.phrases)
    read = (tip.title, tip.summary, text_digest(tip.body), tip.situations, tip.techniques)
    return ("tags", digest((taxonomy_digest, read, phrases, tip.auto_tags, tip.rejected)))


def _result(tip: Tip) -> _Result:
    return (tip.situations, tip.techniques, tip.auto_tags, tip.phrases)


def _apply(tip: Tip, result: _Result) -> Tip:
    situations, techniques, auto_tags, phrases = result
    return _with(
        tip,
        situations=situations,
        techniques=techniques,
        auto_tags=auto_tags,
        phrases=phrases,
    )


def _with(tip: Tip, **changes: object) -> Tip:
    """dataclasses.replace for fields that need no checking, without re-running __init__:
    a rebuild applies cached tags to every tip, and replace() is the bulk of that."""
    new = object.__new__(Tip)
    new.__dict__.update(tip.__dict__, **changes)
    return new


def tag_all(
    tips: Sequence[Tip], taxonomy: Taxonomy, cache_file: Path | None
) -> tuple[tuple[Tip, ...], int]:
    """Every tip tagged as tag_tip tags it, reusing cached results; also how many were tagged afresh."""
    cache = Cache.open(cache_file)
    taxonomy_digest = digest(repr(taxonomy))
    tagged: list[Tip] = []
    computed = 0
    for tip in tips:
        key = _key(tip, taxonomy_digest)
        result = cache.get(key)
        if result is None:
            tagged.append(tag_tip(tip, taxonomy))
            cache.put(key, _result(tagged[-1]))
            computed += 1
        else:
            tagged.append(_apply(tip, result))
    cache.save()  # only what the current tips need is kept
    return tuple(tagged), computed
