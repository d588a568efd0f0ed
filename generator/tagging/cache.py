"""Remember tagging results between builds, so a rebuild with nothing changed tags nothing.

A tip's entry is keyed by a fingerprint of what tagging reads: its text and
tags, and the taxonomy; the cache as a whole by the package's code (see
generator.cache). A change to any of them re-tags exactly the tips it can affect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from generator.cache import Cache, digest, text_digest
from generator.model import Phrase, Taxonomy, Tip
from generator.tagging.tagger import tag_tip
from generator.workers import map_shared

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
    return dataclasses.replace(
        tip,
        situations=situations,
        techniques=techniques,
        auto_tags=auto_tags,
        phrases=phrases,
    )


def tag_all(
    tips: Sequence[Tip], taxonomy: Taxonomy, cache_file: Path | None
) -> tuple[tuple[Tip, ...], int]:
    """Every tip tagged as tag_tip tags it, reusing cached results; also how many were tagged afresh.

    Tips not in the cache are tagged on two CPUs when there are many (a fresh clone, CI).
    """
    cache = Cache.open(cache_file)
    taxonomy_digest = digest(repr(taxonomy))
    keys = [_key(tip, taxonomy_digest) for tip in tips]
    tag = partial(map_shared, partial(_tag_chunk, taxonomy=taxonomy))
    results, computed = cache.fetch_all(keys, tips, tag)
    cache.save()  # only what the current tips need is kept
    return tuple(map(_apply, tips, results)), computed


def _tag_chunk(tips: Sequence[Tip], taxonomy: Taxonomy) -> list[_Result]:
    return [_result(tag_tip(tip, taxonomy)) for tip in tips]
