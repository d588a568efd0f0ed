"""The tagger's shortcuts give the same answers as the plain ways they replace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.content import rules
from generator.content.load import load_content
from generator.content.rules import FIELDS, RuleSet, compile_rule, document
from generator.model import Tip
from generator.tagging import phrases
from generator.tagging.tagger import _compiled, _document

ROOT = Path(__file__).resolve().parent.parent
CONTENT = load_content(ROOT / "tests" / "corpus")

# Texts made of what tokenizing and cue finding care about: words, hyphens and
# apostrophes, sentence ends, list bullets, line breaks, odd white space, NUL.
PIECES = [*"abcSAY yK", "ſ", "İ", *"-'’.!?…;:¶\x00\n\t ", "\u2028", "\x1c", "\xa0", "- ", "1. "]
TEXT = st.lists(st.sampled_from([*PIECES, "“", "”"]), max_size=40).map("".join)


def reference_tokens(text: str) -> tuple[str, ...]:
    """One regex over the whole text, no caches: what `rules.tokenize` must equal."""
    return tuple(re.findall(r"\w+(?:[-'’]\w+)*|[.!?…;:¶\x00]", rules._BREAK.sub(" ¶ ", text)))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_tokenize_equals_one_regex_over_the_text(text: str) -> None:
    assert rules.tokenize(text) == reference_tokens(text)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, TEXT, TEXT)
@example("", "", "\n-", "")  # a list marker ending a field...
@example("", "", "", "\n-")  # ...or the last one
def test_document_equals_the_fields_joined_by_a_separator(
    title: str, summary: str, body: str, phrase: str
) -> None:
    texts = (title, summary, body, phrase)
    doc = document(*texts)
    joined = " \x00 ".join(t.replace("\x00", " ") for t in texts)
    raw = reference_tokens(joined)
    assert doc.words.raw == raw
    separators = [i for i, token in enumerate(raw) if token == "\x00"]
    assert doc.starts == (0, *(i + 1 for i in separators))
    for n, name in enumerate(FIELDS):
        end = separators[n] if n < len(separators) else len(raw)
        assert doc.ranges[name] == range(doc.starts[n], end)
        if doc.ranges[name]:
            assert doc.field_of(doc.starts[n]) == name


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_sentence_is_bounded_by_the_nearest_sentence_ends(text: str) -> None:
    words = document(text, "", "").words
    for position, token in enumerate(words.raw):
        if token in rules._ENDS:
            continue
        sentence = words.sentence(position)
        assert position in sentence
        assert all(words.raw[i] not in rules._ENDS for i in sentence)
        assert sentence.start == 0 or words.raw[sentence.start - 1] in rules._ENDS
        assert sentence.stop == len(words.raw) or words.raw[sentence.stop] in rules._ENDS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"SaytelikWhsuc ,", "ſ", "İ", "ı", "K"]), max_size=40))
def test_cues_are_found_as_by_the_full_pattern(text: str) -> None:
    full = re.compile("|".join(f"(?:{c})" for c in phrases._CUES), re.IGNORECASE | re.MULTILINE)
    possible = frozenset(n for n, word in enumerate(phrases._CUE_WORD, 1) if word.search(text))
    expected = [m.span() for m in full.finditer(text)]
    if not possible:  # `_cue` stops before choosing a pattern
        assert not phrases._ANY_CUE_WORD.search(text)
        assert expected == []
        return
    assert [m.span() for m in phrases._cue_pattern(possible).finditer(text)] == expected


@pytest.mark.parametrize("tip", CONTENT.tips, ids=lambda t: t.slug)
def test_rule_set_agrees_with_each_rule_alone(tip: Tip) -> None:
    """keys() takes shortcuts (one-word rules, `occurs`); Rule.find takes none."""
    compiled = _compiled(CONTENT.taxonomy)
    doc = _document(tip)
    for rule_set in (compiled.rules, compiled.phrase_rules):
        alone = dict.fromkeys(key for key, rule in rule_set.rules if rule.find(doc))
        assert rule_set.keys(doc) == tuple(alone)
        assert [(k, r.text) for k, r, _ in rule_set.matches(doc)] == [
            (k, r.text) for k, r in rule_set.rules if r.find(doc)
        ]


def test_a_rule_compiled_after_the_document_still_matches() -> None:
    doc = document("", "", "The zyxwvut qrstuv helped.")
    assert not RuleSet.of([("old", compile_rule("apolog*"))]).keys(doc)
    rule = compile_rule("zyxwv* qrstuv")  # new slots: what was learnt of the words is redone
    assert rule.find(doc)
    assert RuleSet.of([("new", rule)]).keys(doc) == ("new",)
