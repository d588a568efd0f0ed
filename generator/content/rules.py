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
from itertools import chain, filterfalse

from whoosh.lang.porter2 import stem

FIELDS = ("title", "summary", "body", "phrase")
MAX_GAP = 3  # how many words `...` may skip
_ENDS = frozenset(".!?…;:¶\x00")  # tokens ending a sentence, paragraph, list item or field
_BREAK = re.compile(r"\n[ \t]*(?:\n|[-*+•][ \t]|\d{1,2}[.)][ \t])")
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[.!?…;:¶\x00]")
_WORD = re.compile(r"^(?:=[A-Za-z0-9][\w'’-]*|[a-z0-9][a-z0-9'’-]*\*?)$")
_HEAD_LENGTH = 2  # prefixes are looked up by their first letters
_MODIFIER = re.compile(r"^(title|summary|body|phrase|[2-9]x):(.*)$")
_NONE: frozenset[int] = frozenset()
_LIMIT = 200_000  # entries a cache may hold: bounded, so no input can grow it without end
_SHORT = 40  # ranges up to this many tokens are scanned word by word


@lru_cache(maxsize=65536)
def _normal(word: str) -> tuple[str, str]:
    plain = word.lower().replace("’", "'").replace("-", "")
    return plain, _stem(plain)


_stem = lru_cache(maxsize=65536)(stem)  # "Service" and "service": stemmed once


def stem_word(word: str) -> str:
    """The stem a rule or a text word is compared by."""
    return _normal(word)[1]


@dataclass(frozen=True)
class Text:
    """A text split once into its words and sentence ends, as written."""

    raw: tuple[str, ...]
    vocabulary: frozenset[str] = field(repr=False)  # the distinct words

    def sentence(self, position: int) -> range:
        """Token positions of the sentence around a position (a word's, not a sentence end's)."""
        raw, start, end = self.raw, position, position + 1
        while start and raw[start - 1] not in _ENDS:
            start -= 1
        while end < len(raw) and raw[end] not in _ENDS:
            end += 1
        return range(start, end)


class _Chunks(dict[str, tuple[str, ...]]):
    """Cache: a whitespace-separated chunk of text → its words and sentence ends."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        tokens = tuple(_TOKEN.findall(chunk))
        if len(self) < _LIMIT:  # bounded, so no input can grow it without end
            self[chunk] = tokens
        return tokens


_CHUNKS = _Chunks()


def tokenize(text: str) -> tuple[str, ...]:
    """Split a text into words and sentence ends (a paragraph or a list item ends one too)."""
    chunks = _BREAK.sub(" ¶ ", text).split()  # a word never spans white space
    return tuple(chain.from_iterable(map(_CHUNKS.__getitem__, chunks)))


@dataclass(frozen=True)
class Document:
    """A tip's title, summary and body (or a phrase) as one stream of words.

    A rule is tried once on the stream rather than once per part; sentence
    ends separate the parts, so no match runs from one into the next.
    """

    texts: dict[str, str]  # field name → its text, for evidence
    words: Text
    starts: tuple[int, ...]  # first token of each field, in FIELDS order
    ranges: dict[str, range] = field(repr=False)  # field name → its token positions
    present: frozenset[int] = field(repr=False)  # _FILLED numbers of the fields with words

    def span(self, fields: tuple[str, ...]) -> range | None:
        """The token positions of one field, or None for several (spans filter those)."""
        return self.ranges[fields[0]] if len(fields) == 1 else None

    def field_of(self, position: int) -> str:
        return FIELDS[bisect.bisect_right(self.starts, position) - 1]

    def excerpt(self, match: Match) -> str:
        """The matched words as written in the tip (evidence only)."""
        raw = self.words.raw[match.first : match.last + 1]
        found = re.search(r"\W+".join(map(re.escape, raw)), self.texts[match.field])
        return found.group(0) if found else " ".join(raw)


# Numbers that stand, among the slots a document fills, for "this field has words":
# a rule looking in one field only needs it (slots are numbered from 0).
_FILLED = {f: -1 - n for n, f in enumerate(FIELDS)}
_SEPARATOR = "\x00"  # between fields: a sentence end, so no match runs from one into the next


def document(title: str, summary: str, body: str, phrase: str = "") -> Document:
    """A tip's text (or, with only `phrase`, a phrase's) ready for every rule."""
    texts = {"title": title, "summary": summary, "body": body, "phrase": phrase}
    raw: tuple[str, ...] = ()
    starts, ranges, present = [], {}, set()
    for n, (name, text) in enumerate(texts.items()):  # in FIELDS order
        if n:
            raw += (_SEPARATOR,)
        # A trailing space stands for the separator that follows (none after the
        # last field): a list marker ending a field breaks as in the fields joined.
        after = " " if n < len(FIELDS) - 1 else ""
        part = tokenize(text.replace(_SEPARATOR, " ") + after) if text else ()
        starts.append(len(raw))
        ranges[name] = range(len(raw), len(raw) + len(part))
        if part:
            present.add(_FILLED[name])
            raw += part
    return Document(texts, Text(raw, frozenset(raw)), tuple(starts), ranges, frozenset(present))


@dataclass(frozen=True)
class Slot:
    """What one position of a pattern accepts."""

    stems: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    gap: int = 0  # how many other words may come before this one


class _Lexicon:
    """Which slots of the compiled rules accept each word seen, worked out once per word.

    Every slot compiled gets a number. The words of a language are few and
    keep coming back, so asking "which slots accept this word?" once per
    distinct word, instead of every slot at every position, is what keeps
    matching cheap.
    """

    def __init__(self) -> None:
        self._numbers: dict[Slot, int] = {}
        self._by_stem: dict[str, list[int]] = {}
        self._by_exact: dict[str, list[int]] = {}
        self._by_head: dict[str, list[tuple[str, int]]] = {}  # first letters → (prefix, slot)
        self.slots_of: dict[str, frozenset[int]] = {}  # word as written → the slots accepting it
        self.words_of: list[set[str]] = []  # slot → the words seen that it accepts
        self.code_of: dict[str, str] = {}  # word as written → one character standing for it

    def number(self, slot: Slot) -> int:
        """The slot's number, given when it is first compiled."""
        known = self._numbers.get(slot)
        if known is not None:
            return known
        n = self._numbers[slot] = len(self._numbers)
        for s in slot.stems:
            self._by_stem.setdefault(s, []).append(n)
        for word in slot.exact:
            self._by_exact.setdefault(word, []).append(n)
        for prefix in slot.prefixes:
            head = prefix[:_HEAD_LENGTH] if len(prefix) >= _HEAD_LENGTH else ""
            self._by_head.setdefault(head, []).append((prefix, n))
        self.words_of.append(set())
        self._forget()  # the words learnt so far were not tried on the new slot
        return n

    def _forget(self) -> None:
        self.slots_of.clear()
        self.code_of.clear()
        for words in self.words_of:
            words.clear()

    def learn(self, vocabulary: frozenset[str]) -> dict[str, frozenset[int]]:
        """`slots_of`, now knowing every word of the vocabulary."""
        new = list(filterfalse(self.slots_of.__contains__, vocabulary))
        if new and len(self.slots_of) + len(new) > _LIMIT:
            self._forget()
            new = list(vocabulary)
        for word in new:
            self.code_of[word] = chr(len(self.code_of) + 1)  # at most _LIMIT + 1: a valid character
            slots = self.slots_of[word] = self._slots(word)
            for n in slots:
                self.words_of[n].add(word)
        return self.slots_of

    def _slots(self, word: str) -> frozenset[int]:
        if word in _ENDS:
            return _NONE
        plain, stemmed = _normal(word)
        found = {*self._by_stem.get(stemmed, ()), *self._by_exact.get(word, ())}
        heads = chain(self._by_head.get(plain[:_HEAD_LENGTH], ()), self._by_head.get("", ()))
        found.update(n for prefix, n in heads if plain.startswith(prefix))
        return frozenset(found)


_LEXICON = _Lexicon()


class _Search:
    """One document prepared for searching with many rules: the slots its words fill, and where."""

    __slots__ = ("_codes", "_found", "doc", "filled", "raw", "slots_of", "vocabulary")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.raw = doc.words.raw
        self.vocabulary = doc.words.vocabulary
        self.slots_of = _LEXICON.learn(self.vocabulary)
        filled = _NONE.union(*map(self.slots_of.__getitem__, self.vocabulary))
        self.filled = filled | doc.present  # with the fields that have words
        self._codes = ""
        self._found: dict[int, list[int]] = {}

    def positions(self, slot: int) -> list[int]:
        """Every position of a word the slot accepts, in order."""
        found = self._found.get(slot)
        if found is None:
            found = []
            if not self._codes:  # one character per word: `str.find` finds a word's positions
                self._codes = "".join(map(_LEXICON.code_of.__getitem__, self.raw))
            codes = self._codes
            words = _LEXICON.words_of[slot] & self.vocabulary
            for code in map(_LEXICON.code_of.__getitem__, words):
                i = codes.find(code)
                while i >= 0:
                    found.append(i)
                    i = codes.find(code, i + 1)
            if len(words) > 1:
                found.sort()
            self._found[slot] = found
        return found


@dataclass(frozen=True)
class Pattern:
    slots: tuple[Slot, ...]
    pivot: int = 0  # the slot searched first (the rarest); the others are checked around it
    numbers: tuple[int, ...] = field(init=False, repr=False, compare=False)  # the slots' numbers

    def __post_init__(self) -> None:
        # Numbered when compiled, never while searching: a new number resets the lexicon.
        object.__setattr__(self, "numbers", tuple(map(_LEXICON.number, self.slots)))

    def spans(self, s: _Search, within: range | None = None) -> Iterator[tuple[int, int]]:
        """(first, last) token of every match, left to right, not overlapping."""
        if within is not None:
            yield from self._scan(s, within)
            return
        after = -1
        for p in s.positions(self.numbers[self.pivot]):
            first = self._left(s, p, self.pivot - 1)
            last = self._right(s, p, self.pivot + 1, None)
            if first is not None and last is not None and first > after:
                after = last
                yield first, last

    @cached_property
    def _adjacent(self) -> bool:
        """No `...`: each word right after the other."""
        return not any(slot.gap for slot in self.slots)

    def occurs(self, s: _Search) -> bool:
        """Whether `spans` would yield anything (quicker: no generator, no overlap)."""
        pivot = self.pivot
        if self._adjacent:  # one place to look at for each slot; a sentence end fills none
            numbers, raw, slots_of = self.numbers, s.raw, s.slots_of
            width = len(numbers)
            for p in s.positions(numbers[pivot]):
                start = p - pivot
                if start >= 0 and start + width <= len(raw):
                    words = raw[start : start + width]
                    if all(map(frozenset.__contains__, map(slots_of.__getitem__, words), numbers)):
                        return True
            return False
        return any(
            self._left(s, p, pivot - 1) is not None
            and self._right(s, p, pivot + 1, None) is not None
            for p in s.positions(self.numbers[pivot])
        )

    def _scan(self, s: _Search, within: range) -> Iterator[tuple[int, int]]:
        """Matches inside a range (a field, a sentence), tried from its first slot's words."""
        after = -1
        for i in self._starts(s, within):
            if i > after:
                last = self._right(s, i, 1, within)
                if last is not None:
                    after = last
                    yield i, last

    def _starts(self, s: _Search, within: range) -> Iterable[int]:
        """The positions in the range that fill the first slot."""
        slot = self.numbers[0]
        if len(within) <= _SHORT:  # a title or a sentence: quicker looked at than looked up
            return [i for i in within if slot in s.slots_of[s.raw[i]]]
        starts = s.positions(slot)
        low = bisect.bisect_left(starts, within.start)
        return starts[low : bisect.bisect_left(starts, within.stop, low)]

    def _right(self, s: _Search, i: int, k: int, within: range | None) -> int | None:
        """Last token of slots k… placed after token i, or None."""
        if k == len(self.numbers):
            return i
        slot, raw = self.numbers[k], s.raw
        for j in range(i + 1, min(i + 2 + self.slots[k].gap, len(raw))):
            if raw[j] in _ENDS or (within is not None and j not in within):
                return None
            if slot in s.slots_of[raw[j]]:
                last = self._right(s, j, k + 1, within)
                if last is not None:
                    return last
        return None

    def _left(self, s: _Search, j: int, k: int) -> int | None:
        """First token of slots …k placed before token j, or None."""
        if k < 0:
            return j
        slot, gap, raw = self.numbers[k], self.slots[k + 1].gap, s.raw
        for i in range(j - 1, max(j - 2 - gap, -1), -1):
            if raw[i] in _ENDS:
                return None
            if slot in s.slots_of[raw[i]]:
                first = self._left(s, i, k - 1)
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
    def simple(self) -> bool:
        """One word, anywhere, once: then being present is matching."""
        return (
            len(self.pattern.slots) == 1
            and self.fields == FIELDS
            and self.min_count == 1
            and not self.exclusions
        )

    def find(self, doc: Document) -> tuple[Match, ...]:
        """The matches of this rule, or () when it does not apply to the tip."""
        return self._find(_Search(doc))

    @cached_property
    def plain(self) -> bool:
        """Anywhere, once, no exceptions: then any span at all is a match."""
        return self.fields == FIELDS and self.min_count == 1 and not self.exclusions

    @cached_property
    def needs(self) -> frozenset[int]:
        """What a tip must fill for the rule to match it: every slot, and its field if only one."""
        field = (_FILLED[self.fields[0]],) if len(self.fields) == 1 else ()
        return frozenset((*self.pattern.numbers, *field))

    def _find(self, s: _Search) -> tuple[Match, ...]:
        if not self.needs <= s.filled:
            return ()
        within = s.doc.span(self.fields)
        found: list[Match] = []
        for first, last in self.pattern.spans(s, within):
            name = s.doc.field_of(first)
            if name in self.fields and not self._excluded(s, first):
                found.append(Match(name, first, last))
                if len(found) == self.min_count:
                    return tuple(found)
        return ()

    def _excluded(self, s: _Search, position: int) -> bool:
        if not self.exclusions:
            return False
        sentence = s.doc.words.sentence(position)
        return any(next(p.spans(s, sentence), None) for p in self.exclusions)


@dataclass(frozen=True)
class RuleSet:
    """Rules filed under keys (term ids), matched together against one document.

    Each rule is also filed under the slot it is searched from (its pivot),
    so a document is only searched with the rules whose pivot one of its
    words fills: a few set operations instead of trying every rule.
    """

    rules: tuple[tuple[str, Rule], ...]
    by_pivot: dict[int, tuple[int, ...]] = field(repr=False)

    @classmethod
    def of(cls, rules: Iterable[tuple[str, Rule]]) -> RuleSet:
        pairs = tuple(rules)
        by_pivot: dict[int, list[int]] = {}
        for n, (_, rule) in enumerate(pairs):
            by_pivot.setdefault(rule.pattern.numbers[rule.pattern.pivot], []).append(n)
        return cls(pairs, {k: tuple(v) for k, v in by_pivot.items()})

    @cached_property
    def _pivots(self) -> frozenset[int]:
        return frozenset(self.by_pivot)

    @cached_property
    def _needs(self) -> tuple[frozenset[int], ...]:
        return tuple(rule.needs for _, rule in self.rules)

    def _candidates(self, s: _Search) -> list[int]:
        """The rules that may match: all their slots filled, and something in their field."""
        filled, needs = s.filled, self._needs
        found = chain.from_iterable(map(self.by_pivot.__getitem__, filled & self._pivots))
        return [n for n in sorted(found) if needs[n] <= filled]

    def matches(self, doc: Document) -> Iterator[tuple[str, Rule, tuple[Match, ...]]]:
        """(key, rule, its matches) for every rule that applies, in the order filed."""
        s = _Search(doc)
        for n in self._candidates(s):
            key, rule = self.rules[n]
            found = rule._find(s)
            if found:
                yield key, rule, found

    def keys(self, doc: Document) -> tuple[str, ...]:
        """Keys with at least one matching rule, in the order filed."""
        s = _Search(doc)
        keys: dict[str, None] = {}
        for n in self._candidates(s):
            key, rule = self.rules[n]
            if key not in keys and (
                rule.simple or (rule.pattern.occurs(s) if rule.plain else bool(rule._find(s)))
            ):
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
