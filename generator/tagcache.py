"""Remember tagging results between builds, so a rebuild with nothing changed tags nothing.

A tip's entry is keyed by a fingerprint of what tagging reads: its text and
tags, the taxonomy, and the tagger's own source code, so a change to any of
them re-tags exactly the tips it can affect.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .cache import code_fingerprint
from .model import Phrase, Taxonomy, Tip
from .tagger import tag_tip
from .tipfile import write_text_atomic

_TAGGER_SOURCES = ("rules.py", "tagger.py", "phrases.py")


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _context(taxonomy: Taxonomy) -> str:
    return _fingerprint(repr(taxonomy), code_fingerprint(*_TAGGER_SOURCES))


def _key(tip: Tip, context: str) -> str:
    read = (
        tip.title,
        tip.summary,
        tip.body,
        tip.situations,
        tip.techniques,
        tip.phrases,
        tip.auto_tags,
        tip.rejected,
    )
    return _fingerprint(context, repr(read))


def _result(tip: Tip) -> dict[str, Any]:
    return {
        "situations": tip.situations,
        "techniques": tip.techniques,
        "auto_tags": tip.auto_tags,
        "phrases": [[p.text, p.situations, p.auto] for p in tip.phrases],
    }


def _apply(tip: Tip, result: dict[str, Any]) -> Tip:
    return dataclasses.replace(
        tip,
        situations=tuple(result["situations"]),
        techniques=tuple(result["techniques"]),
        auto_tags=tuple(result["auto_tags"]),
        phrases=tuple(
            Phrase(text, tuple(situations), auto) for text, situations, auto in result["phrases"]
        ),
    )


def _load(cache_file: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache, or a damaged one: tag everything again
    return data if isinstance(data, dict) else {}


def tag_all(
    tips: Sequence[Tip], taxonomy: Taxonomy, cache_file: Path
) -> tuple[tuple[Tip, ...], int]:
    """Every tip tagged as tag_tip tags it, reusing cached results; also how many were tagged afresh."""
    cache = _load(cache_file)
    context = _context(taxonomy)
    kept: dict[str, Any] = {}
    tagged: list[Tip] = []
    for tip in tips:
        key = _key(tip, context)
        if key in cache:
            tagged.append(_apply(tip, cache[key]))
            kept[key] = cache[key]
        else:
            tagged.append(tag_tip(tip, taxonomy))
            kept[key] = _result(tagged[-1])
    if kept.keys() != cache.keys():  # only what the current tips need is kept
        write_text_atomic(cache_file, json.dumps(kept, sort_keys=True))
    return tuple(tagged), sum(key not in cache for key in kept)
