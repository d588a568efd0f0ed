"""The auto-tagger's match rules, as written in `taxonomy.yml`.

A rule is a line of words matched against a tip's words after stemming
(whoosh's Porter2 stemmer), so "apologize to customer" also matches
"apologized to customers". Capitals don't matter and hyphens are ignored inside a word
("co-worker" = "coworker").

Words:

- ``word``       the word or any of its inflections: ``apologize`` matches
                 apologized, apologizes, apology;
- ``a|b|c``      any one of the alternatives at this one position
                 ("front|reception desk"; for "lobby" or "front desk" write two rules);
- ``pre*``       any word starting with ``pre`` (as written, not stemmed);
- ``=WORD``      exactly this word with these capitals, for acronyms (``=LEAD``);
- ``...``        up to three other words at this position.

The words must appear in this order, next to each other (apart from
``...``), inside one sentence.

Before the words, modifiers ending in a colon:

- ``title:`` ``summary:`` ``body:``  look only in these parts of the tip
  (several may be given; default: everywhere);
- ``phrase:``    look only in the phrases a tip recommends saying: such a rule
  links a phrase to a situation by the phrase's own words (``phrase: co-worker*``);
- ``2x:``        the words must occur at least twice (any count from 2 to 9).

After the words, any number of exclusions:

- ``unless w1 w2``  ignore a match whose sentence also contains ``w1 w2``
  (written like the words above; ``unless don't|never|avoid``).

Example: ``"body: 2x: complain*|complaint unless don't"``.
In YAML, quote a rule that contains ``: `` (``- "title: phone"``).

``compile_rule`` raises ``ValueError`` with a reason a taxonomy editor can act on.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import chain

from whoosh.lang.porter2 import stem

FIELDS = ("title", "summary", "body", "phrase")
MAX_GAP = 3  # how many words `...` may skip
_BOUNDARY = "."  # the token standing for the end of a sentence, a paragraph or a list item
_BREAK = re.compile(r"\n[ \t]*(?:\n|[-*+•][ \t]|\d{1,2}[.)][ \t])")
_PIECE = re.compile(r"(\w+(?:[-'’]\w+)*)|[.!?…;:¶\x00]")
_WORD = re.compile(r"^(?:=[A-Za-z0-9][\w'’-]*|[a-z0-9][a-z0-9'’-]*\*?)$")
_HEAD_LENGTH = 2
_HEAD = re.compile(rf"\n(\w{{{_HEAD_LENGTH}}})")
_MODIFIER = re.compile(r"^(title|summary|body|phrase|[2-9]x):(.*)$")

Entry = tuple[str, str, str]  # (as written, lower case without hyphens, stem)
_END: Entry = (_BOUNDARY, _BOUNDARY, _BOUNDARY)


class _Pieces(dict[str, tuple[Entry, ...]]):
    """Cache: a whitespace-separated chunk of text → its words and sentence ends."""

    def __missing__(self, chunk: str) -> tuple[Entry, ...]:
        value = tuple(
            (m[1], *_normal(m[1])) if m[1] else (m[0], *_END[1:]) for m in _PIECE.finditer(chunk)
        )
        if len(self) < 200_000:  # bounded, so no input can grow it without end
            self[chunk] = value
        return value


_PIECES = _Pieces()


@lru_cache(maxsize=65536)
def _normal(word: str) -> tuple[str, str]:
    plain = word.lower().replace("’", "'").replace("-", "")
    return plain, stem(plain)


def stem_word(word: str) -> str:
    """The stem a rule or a text word is compared by."""
    return _normal(word)[1]


@dataclass(frozen=True)
class Text:
    """A text split into words once, with what every rule checks first."""

    text: str
    raw: tuple[str, ...]
    words: tuple[str, ...]
    stems: tuple[str, ...]
    stem_set: frozenset[str] = field(repr=False)
    vocabulary: str = field(repr=False)  # "\n" + each distinct word: a prefix search is one `in`
    heads: frozenset[str] = field(repr=False)  # the first letters of every word, to skip prefixes

    @cached_property
    def _ends(self) -> tuple[int, ...]:
        return tuple(_positions(self.words, _BOUNDARY))

    def sentence(self, position: int) -> range:
        """Token positions of the sentence around a position."""
        k = bisect.bisect_left(self._ends, position)
        start = self._ends[k - 1] + 1 if k else 0
        end = self._ends[k] if k < len(self._ends) else len(self.words)
        return range(start, end)


def tokenize(text: str) -> Text:
    """Split a text into words and sentence ends (each distinct chunk is analysed once)."""
    chunks = _BREAK.sub(" ¶ ", text).split()
    entries = list(chain.from_iterable(map(_PIECES.__getitem__, chunks)))
    raw, words, stems = zip(*entries, strict=True) if entries else ((), (), ())
    vocabulary = "\n" + "\n".join(set(words))
    heads = frozenset(_HEAD.findall(vocabulary))
    return Text(text, raw, words, stems, frozenset(stems), vocabulary, heads)


@dataclass(frozen=True)
class Document:
    """A tip's title, summary and body (or a phrase) as one stream of words.

    A rule is tried once on the stream rather than once per part; sentence
    ends separate the parts, so no match runs from one into the next.
    """

    texts: dict[str, str]  # field name → its text, for evidence
    words: Text
    starts: tuple[int, ...]  # first token of each field, in FIELDS order

    def span(self, fields: tuple[str, ...]) -> range | None:
        """The token positions of one field, or None for several (spans filter those)."""
        if len(fields) != 1:
            return None
        n = FIELDS.index(fields[0])
        end = self.starts[n + 1] - 1 if n + 1 < len(FIELDS) else len(self.words.raw)
        return range(self.starts[n], end)

    def field_of(self, position: int) -> str:
        return next(
            f for f, start in zip(FIELDS[::-1], self.starts[::-1], strict=True) if position >= start
        )

    def excerpt(self, match: Match) -> str:
        """The matched words as written in the tip (evidence only)."""
        raw = self.words.raw[match.first : match.last + 1]
        found = re.search(r"\W+".join(map(re.escape, raw)), self.texts[match.field])
        return found.group(0) if found else " ".join(raw)


_SEPARATOR = " \x00 "  # between fields: one token, a sentence end that marks where a field starts


def document(title: str, summary: str, body: str, phrase: str = "") -> Document:
    """A tip's text (or, with only `phrase`, a phrase's) ready for every rule."""
    texts = (title, summary, body, phrase)
    words = tokenize(_SEPARATOR.join(t.replace("\x00", " ") for t in texts))
    starts = (0, *(i + 1 for i in _positions(words.raw, _SEPARATOR.strip())))
    return Document(dict(zip(FIELDS, texts, strict=True)), words, starts)


def _positions(keys: tuple[str, ...], key: str) -> list[int]:
    """Every index of key in keys (tuple.index runs in C)."""
    found: list[int] = []
    i = -1
    try:
        while True:
            i = keys.index(key, i + 1)
            found.append(i)
    except ValueError:
        return found


@dataclass(frozen=True)
class Slot:
    """What one position of a pattern accepts."""

    stems: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    gap: int = 0  # how many other words may come before this one

    @cached_property
    def _prefix_re(self) -> re.Pattern[str]:
        alternatives = "|".join(map(re.escape, self.prefixes))
        return re.compile(f"^(?:{alternatives})[^\\n]*", re.MULTILINE)

    @cached_property
    def line_starts(self) -> tuple[str, ...]:
        return tuple(f"\n{p}" for p in self.prefixes)

    def present(self, text: Text) -> bool:
        """Whether any word of the text fits: a cheap test before searching."""
        return (
            not self.stems.isdisjoint(text.stem_set)
            or any(w in text.raw for w in self.exact)
            or any(p in text.vocabulary for p in self.line_starts)
        )

    def accepts(self, text: Text, i: int) -> bool:
        return (
            text.stems[i] in self.stems
            or text.raw[i] in self.exact
            or (bool(self.prefixes) and text.words[i].startswith(self.prefixes))
        )

    def positions(self, text: Text) -> list[int]:
        """Every position this slot accepts."""
        found: list[int] = []
        for s in self.stems & text.stem_set:
            found += _positions(text.stems, s)
        for word in self._prefix_re.findall(text.vocabulary) if self.prefixes else ():
            found += _positions(text.words, word)
        for word in self.exact:
            found += _positions(text.raw, word)
        return sorted(set(found))


@dataclass(frozen=True)
class Pattern:
    slots: tuple[Slot, ...]
    pivot: int = 0  # the slot searched first (the rarest); the others are checked around it

    def present(self, text: Text) -> bool:
        return all(slot.present(text) for slot in self.slots)

    def spans(self, text: Text, within: range | None = None) -> Iterator[tuple[int, int]]:
        """(first, last) token of every match, left to right, not overlapping."""
        if within is not None:
            yield from self._scan(text, within)
            return
        if not self.present(text):
            return
        after = -1
        for p in self.slots[self.pivot].positions(text):
            if within is not None and p not in within:
                continue
            first = self._left(text, p, self.pivot - 1, within)
            last = self._right(text, p, self.pivot + 1, within)
            if first is not None and last is not None and first > after:
                after = last
                yield first, last

    def _scan(self, text: Text, within: range) -> Iterator[tuple[int, int]]:
        """Matches inside a short range (a title, a sentence), word by word."""
        after = -1
        first_slot = self.slots[0]
        for i in within:
            if i > after and first_slot.accepts(text, i):
                last = self._right(text, i, 1, within)
                if last is not None:
                    after = last
                    yield i, last

    def _right(self, text: Text, i: int, k: int, within: range | None) -> int | None:
        """Last token of slots k… placed after token i, or None."""
        if k == len(self.slots):
            return i
        slot = self.slots[k]
        for j in range(i + 1, min(i + 2 + slot.gap, len(text.words))):
            if text.words[j] == _BOUNDARY or (within is not None and j not in within):
                return None
            if slot.accepts(text, j):
                last = self._right(text, j, k + 1, within)
                if last is not None:
                    return last
        return None

    def _left(self, text: Text, j: int, k: int, within: range | None) -> int | None:
        """First token of slots …k placed before token j, or None."""
        if k < 0:
            return j
        slot, gap = self.slots[k], self.slots[k + 1].gap
        for i in range(j - 1, max(j - 2 - gap, -1), -1):
            if text.words[i] == _BOUNDARY or (within is not None and i not in within):
                return None
            if slot.accepts(text, i):
                first = self._left(text, i, k - 1, within)
                if first is not None:
                    return first
        return None


@dataclass(frozen=True)
class Match:
    """Where a rule matched: a field and its first and last token."""

    field: str
    first: int
    last: int


@dataclass(frozen=True)
class Rule:
    text: str
    pattern: Pattern
    fields: tuple[str, ...] = FIELDS
    min_count: int = 1
    exclusions: tuple[Pattern, ...] = ()

    @cached_property
    def _simple(self) -> bool:
        """One word, anywhere, once: then being present is matching."""
        return (
            len(self.pattern.slots) == 1
            and self.fields == FIELDS
            and self.min_count == 1
            and not self.exclusions
        )

    def applies(self, doc: Document) -> bool:
        """Whether the rule matches the tip (quicker than `find` for one-word rules)."""
        if self._simple:
            return self.pattern.present(doc.words)
        return bool(self.find(doc))

    def find(self, doc: Document) -> tuple[Match, ...]:
        """The matches of this rule, or () when it does not apply to the tip."""
        found: list[Match] = []
        for first, last in self.pattern.spans(doc.words, doc.span(self.fields)):
            name = doc.field_of(first)
            if name in self.fields and not self._excluded(doc.words, first):
                found.append(Match(name, first, last))
                if len(found) == self.min_count:
                    return tuple(found)
        return ()

    def _excluded(self, text: Text, position: int) -> bool:
        if not self.exclusions:
            return False
        sentence = text.sentence(position)
        return any(next(p.spans(text, sentence), None) for p in self.exclusions)


@dataclass(frozen=True)
class RuleSet:
    """Rules filed under keys (term ids), matched together against one document.

    Each rule is also filed under the words of one of its positions (its
    anchor), so a document is only searched with the rules whose anchor it
    contains: a few set operations instead of trying every rule.
    """

    rules: tuple[tuple[str, Rule], ...]
    by_stem: dict[str, tuple[int, ...]] = field(repr=False)
    by_prefix: dict[str, tuple[int, ...]] = field(repr=False)
    by_exact: dict[str, tuple[int, ...]] = field(repr=False)

    @classmethod
    def of(cls, rules: Iterable[tuple[str, Rule]]) -> RuleSet:
        pairs = tuple(rules)
        index: tuple[dict[str, list[int]], ...] = ({}, {}, {})
        for n, (_, rule) in enumerate(pairs):
            anchor = rule.pattern.slots[rule.pattern.pivot]
            for table, keys in zip(
                index, (anchor.stems, anchor.prefixes, anchor.exact), strict=True
            ):
                for key in keys:
                    table.setdefault(key, []).append(n)
        by_stem, by_prefix, by_exact = ({k: tuple(v) for k, v in t.items()} for t in index)
        return cls(pairs, by_stem, by_prefix, by_exact)

    @cached_property
    def _stem_keys(self) -> frozenset[str]:
        return frozenset(self.by_stem)

    @cached_property
    def _exact_keys(self) -> frozenset[str]:
        return frozenset(self.by_exact)

    def _candidates(self, doc: Document) -> list[int]:
        words = doc.words
        found: set[int] = set()
        for key in words.stem_set & self._stem_keys:
            found.update(self.by_stem[key])
        for key in self._exact_keys:
            if key in words.raw:
                found.update(self.by_exact[key])
        by_head = self._by_head
        for head in (*(words.heads & by_head.keys()), ""):  # "": prefixes too short for a head
            for line_start, rules in by_head.get(head, ()):
                if line_start in words.vocabulary:
                    found.update(rules)
        return sorted(found)

    @cached_property
    def _by_head(self) -> dict[str, list[tuple[str, tuple[int, ...]]]]:
        """Prefixes by their first letters: most never need looking for."""
        by_head: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        for prefix, rules in self.by_prefix.items():
            head = prefix[:_HEAD_LENGTH] if len(prefix) >= _HEAD_LENGTH else ""
            by_head.setdefault(head, []).append((f"\n{prefix}", rules))
        return by_head

    def matches(self, doc: Document) -> Iterator[tuple[str, Rule, tuple[Match, ...]]]:
        """(key, rule, its matches) for every rule that applies, in the order filed."""
        for n in self._candidates(doc):
            key, rule = self.rules[n]
            found = rule.find(doc)
            if found:
                yield key, rule, found

    def keys(self, doc: Document) -> tuple[str, ...]:
        """Keys with at least one matching rule, in the order filed."""
        keys: dict[str, None] = {}
        for n in self._candidates(doc):
            key, rule = self.rules[n]
            if key not in keys and rule.applies(doc):
                keys[key] = None
        return tuple(keys)  # candidates come in filing order, so keys do too


# Words in nearly every tip: a poor anchor, since they rule nothing out.
_COMMON_WORDS = """
    a an the to of in on at and or but is are be it its this that these with for as by from
    what when how you your we our us i me my they them their he she his her can will do not
    customer customers client clients service employee staff
"""
_COMMON = frozenset(map(stem_word, _COMMON_WORDS.split()))


def _rarest(slots: Iterable[Slot]) -> Slot:
    """The position least likely to match: no very common word, then the longest words."""
    return max(
        slots,
        key=lambda s: (
            s.stems.isdisjoint(_COMMON) and not any(p in _COMMON for p in s.prefixes),
            min(map(len, (*s.stems, *s.prefixes, *s.exact))),
        ),
    )


@lru_cache(maxsize=4096)
def compile_rule(text: str) -> Rule:
    """Compile one rule; ValueError says what is wrong with it."""
    parts = text.split()
    fields: list[str] = []
    min_count = 1
    while parts and (modifier := _MODIFIER.match(parts[0].lower())):
        name, rest = modifier.groups()
        parts[0:1] = [rest] if rest else []
        if name in FIELDS:
            fields.append(name)
        else:
            min_count = int(name[0])
    groups: list[list[str]] = [[]]
    for part in parts:
        if part.lower() == "unless":
            groups.append([])
        else:
            groups[-1].append(part)
    if not groups[0]:
        raise ValueError("a rule needs at least one word to look for")
    if any(not g for g in groups[1:]):
        raise ValueError("'unless' must be followed by the words to exclude")
    return Rule(
        text=text,
        pattern=_pattern(groups[0]),
        fields=tuple(dict.fromkeys(fields)) or FIELDS,
        min_count=min_count,
        exclusions=tuple(_pattern(g) for g in groups[1:]),
    )


def _pattern(parts: list[str]) -> Pattern:
    slots: list[Slot] = []
    gap = 0
    for part in parts:
        if part == "...":
            if not slots:
                raise ValueError("'...' must come between two words")
            gap = MAX_GAP
            continue
        slots.append(_slot(part, gap))
        gap = 0
    if gap:
        raise ValueError("'...' must come between two words")
    return Pattern(tuple(slots), slots.index(_rarest(slots)))


def _slot(part: str, gap: int) -> Slot:
    stems: set[str] = set()
    prefixes: list[str] = []
    exact: set[str] = set()
    for alt in part.split("|"):
        if not _WORD.match(alt if alt.startswith("=") else alt.lower()):
            raise ValueError(
                f"'{alt}' is not a word (use letters, digits, '|', a final '*' or a leading '=')"
            )
        if alt.startswith("="):
            exact |= {alt[1:].replace("’", "'"), alt[1:].replace("'", "’")}
        elif alt.endswith("*"):
            prefixes.append(_normal(alt[:-1])[0])
        else:
            stems.add(stem_word(alt))
    return Slot(frozenset(stems), tuple(prefixes), frozenset(exact), gap)
