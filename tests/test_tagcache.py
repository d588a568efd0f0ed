"""The tagging cache gives exactly what tagging gives, and re-tags only what changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from generator.content.load import load_content
from generator.tagging.cache import tag_all
from generator.tagging.tagger import tag_tip

CONTENT = Path(__file__).parent / "corpus"  # the frozen copy of the real tips


def test_cached_results_equal_fresh_tagging(tmp_path: Path) -> None:
    content = load_content(CONTENT)
    cache = tmp_path / "tags.pickle"
    expected = tuple(tag_tip(t, content.taxonomy) for t in content.tips)
    first, computed_first = tag_all(content.tips, content.taxonomy, cache)
    again, computed_again = tag_all(content.tips, content.taxonomy, cache)
    assert first == again == expected
    assert (computed_first, computed_again) == (len(content.tips), 0)


def test_only_changed_tips_are_retagged(tmp_path: Path) -> None:
    content = load_content(CONTENT)
    cache = tmp_path / "tags.pickle"
    tag_all(content.tips, content.taxonomy, cache)
    changed = dataclasses.replace(
        content.tips[0], body=content.tips[0].body + "\nThe customer was furious.\n"
    )
    tips = (changed, *content.tips[1:])
    tagged, computed = tag_all(tips, content.taxonomy, cache)
    assert computed == 1
    assert tagged[0] == tag_tip(changed, content.taxonomy)


def test_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    content = load_content(CONTENT)
    cache = tmp_path / "tags.pickle"
    cache.write_bytes(b"not a pickle")
    tagged, computed = tag_all(content.tips[:3], content.taxonomy, cache)
    assert computed == 3
    assert tagged == tuple(tag_tip(t, content.taxonomy) for t in content.tips[:3])


def test_a_changed_taxonomy_retags_every_tip(tmp_path: Path) -> None:
    content = load_content(CONTENT)
    cache = tmp_path / "tags.pickle"
    tag_all(content.tips, content.taxonomy, cache)
    first = content.taxonomy.situations[0]
    renamed = dataclasses.replace(first, synonyms=(*first.synonyms, "fuming"))
    taxonomy = dataclasses.replace(
        content.taxonomy, situations=(renamed, *content.taxonomy.situations[1:])
    )
    tagged, computed = tag_all(content.tips, taxonomy, cache)
    assert computed == len(content.tips)
    assert tagged == tuple(tag_tip(t, taxonomy) for t in content.tips)
